package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePagerDuty checks that any body either parses into an event that keeps the Events API's
// rules and makes a bounded alert, or is refused with problems that are safe to show a sender.
func FuzzParsePagerDuty(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "pagerduty", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(fmt.Sprintf(`{"routing_key":"k","event_action":"trigger","payload":{"summary":%q,"source":"s","severity":"info","custom_details":{"x":%q}}}`,
		strings.Repeat("<", 1024), strings.Repeat("d", 8<<10))))
	f.Add([]byte("{\"routing_key\":\"k\",\"event_action\":\"trigger\",\"dedup_key\":\"\\ud800\",\"payload\":{}}"))
	f.Add([]byte(`{"routing_key":"k","event_action":"acknowledge","dedup_key":"d","links":[{"href":"h","text":"t"},{"href":"h","text":"t"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParsePagerDuty(body)
		if err != nil {
			var invalid *InvalidEventError
			if !errors.As(err, &invalid) || len(invalid.Problems) == 0 {
				t.Fatalf("error %v is not an InvalidEventError with problems", err)
			}
			for _, p := range invalid.Problems {
				if !utf8.ValidString(p) || len(p) > 512 || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					t.Fatalf("problem not safe to show: %q", p)
				}
			}
			return
		}
		if strings.TrimSpace(e.RoutingKey) == "" || !slices.Contains([]string{EventTrigger, EventAcknowledge, EventResolve}, e.Action) {
			t.Fatalf("accepted an event without a routing key or a known action: %+v", e)
		}
		if utf8.RuneCountInString(e.DedupKey) > MaxPagerDutyDedupKey || utf8.RuneCountInString(e.Summary) > MaxPagerDutySummary {
			t.Fatalf("accepted a dedup key or summary over the limit")
		}
		if e.Action == EventTrigger && (strings.TrimSpace(e.Summary) == "" || strings.TrimSpace(e.Source) == "" ||
			!slices.Contains(pagerDutySeverities, e.Severity)) {
			t.Fatalf("accepted a trigger without summary, source and a known severity: %+v", e)
		}
		if e.Action != EventTrigger && e.DedupKey == "" {
			t.Fatalf("accepted an %s without a dedup key", e.Action)
		}
		if e.DedupKey == "" {
			e.DedupKey = "generated"
		}
		a, err := e.Alert("fuzz", "")
		if err != nil {
			t.Fatalf("an accepted event makes no alert: %v", err)
		}
		if len(a.Title) > MaxTitleBytes || len(a.Labels) > MaxLabels || len(a.Annotations) > MaxAnnotations || len(a.Links) > MaxLinks {
			t.Fatalf("alert over its limits: title %d, labels %d, annotations %d, links %d",
				len(a.Title), len(a.Labels), len(a.Annotations), len(a.Links))
		}
		data, err := json.Marshal(a)
		if err != nil || len(data) > 512<<10 {
			t.Fatalf("alert of %d bytes (%v)", len(data), err)
		}
	})
}
