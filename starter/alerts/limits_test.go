package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// checkLimits fails the test unless a keeps every limit of Bound, is valid UTF-8, and is its own
// Bound.
func checkLimits(t testing.TB, a Alert) {
	t.Helper()
	for _, f := range []struct {
		name  string
		value string
		limit int
	}{
		{"fingerprint", a.Fingerprint, MaxFingerprintBytes},
		{"group_key", a.GroupKey, MaxGroupKeyBytes},
		{"title", a.Title, MaxTitleBytes},
		{"service", a.Service, MaxNameBytes},
		{"type", a.Type, MaxNameBytes},
	} {
		if len(f.value) > f.limit || !utf8.ValidString(f.value) {
			t.Fatalf("%s of %d bytes (limit %d), valid UTF-8 %v", f.name, len(f.value), f.limit, utf8.ValidString(f.value))
		}
	}
	for _, m := range []struct {
		name       string
		values     map[string]string
		count, max int
	}{
		{"labels", a.Labels, MaxLabels, MaxLabelValueBytes},
		{"annotations", a.Annotations, MaxAnnotations, MaxAnnotationValueBytes},
		{"links", a.Links, MaxLinks, MaxLinkBytes},
	} {
		if len(m.values) > m.count {
			t.Fatalf("%d %s (limit %d)", len(m.values), m.name, m.count)
		}
		for k, v := range m.values {
			if len(k) > MaxKeyBytes || len(v) > m.max || !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("%s entry with a name of %d bytes and a value of %d bytes (limits %d, %d)", m.name, len(k), len(v), MaxKeyBytes, m.max)
			}
		}
	}
	for k, v := range a.Impact {
		if s, ok := v.(string); len(k) > MaxKeyBytes || ok && len(s) > MaxImpactValueBytes {
			t.Fatalf("impact %s over its limits", k)
		}
	}
	again, err := Bound(a)
	require.NoError(t, err)
	require.Equal(t, a, again, "bounding a bounded alert changes nothing")
}

// manyEntries returns n entries named prefix000, prefix001, ... with the given value.
func manyEntries(prefix string, n int, value string) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("%s%03d", prefix, i)] = value
	}
	return m
}

func TestBound(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name  string
		alert Alert
		check func(t *testing.T, got Alert)
	}{
		{
			name:  "a small alert is unchanged",
			alert: Alert{Source: SourceGeneric, Fingerprint: "k", GroupKey: "k", Status: Firing, Title: "Checkout errors", Labels: map[string]string{"a": "b"}},
			check: func(t *testing.T, got Alert) {
				require.Equal(t, Alert{Source: SourceGeneric, Fingerprint: "k", GroupKey: "k", Status: Firing, Title: "Checkout errors", Labels: map[string]string{"a": "b"}}, got)
			},
		},
		{
			name:  "a long title is cut with a marker",
			alert: Alert{Fingerprint: "k", GroupKey: "k", Title: strings.Repeat("é", 900_000)},
			check: func(t *testing.T, got Alert) {
				require.LessOrEqual(t, len(got.Title), MaxTitleBytes)
				require.True(t, strings.HasSuffix(got.Title, TruncatedMarker))
				require.True(t, utf8.ValidString(got.Title), "cut on a character boundary")
			},
		},
		{
			name:  "long identities stay distinct",
			alert: Alert{Fingerprint: long + "a", GroupKey: strings.Repeat("g", 20_000)},
			check: func(t *testing.T, got Alert) {
				other, err := Bound(Alert{Fingerprint: long + "b"})
				require.NoError(t, err)
				require.LessOrEqual(t, len(got.Fingerprint), MaxFingerprintBytes)
				require.NotEqual(t, other.Fingerprint, got.Fingerprint, "keys that differ only past the limit")
				require.Contains(t, got.Fingerprint, " …[truncated ")
				require.LessOrEqual(t, len(got.GroupKey), MaxGroupKeyBytes)
				require.Equal(t, CutKey(strings.Repeat("g", 20_000), MaxGroupKeyBytes), got.GroupKey, "the same key always cuts the same way")
			},
		},
		{
			name:  "service and type are cut",
			alert: Alert{Service: long, Type: long},
			check: func(t *testing.T, got Alert) {
				require.Len(t, got.Service, MaxNameBytes)
				require.Len(t, got.Type, MaxNameBytes)
			},
		},
		{
			name: "label and annotation values are cut, long names keep their identity",
			alert: Alert{
				Labels:      map[string]string{"instance": long, long + "1": "a", long + "2": "b"},
				Annotations: map[string]string{"description": strings.Repeat("d", 400_000)},
				Links:       map[string]string{"dashboard": "https://example.com/" + long},
			},
			check: func(t *testing.T, got Alert) {
				require.Len(t, got.Labels["instance"], MaxLabelValueBytes)
				require.Len(t, got.Labels, 3, "names that differ past the limit stay two labels")
				require.Len(t, got.Annotations["description"], MaxAnnotationValueBytes)
				require.Len(t, got.Links["dashboard"], MaxLinkBytes)
				require.NotContains(t, got.Labels, TruncatedLabel, "nothing was left out")
			},
		},
		{
			name: "entries beyond the counts are left out and the marker label says so",
			alert: Alert{
				Labels:      manyEntries("l", 100, "v"),
				Annotations: manyEntries("a", 70, "v"),
				Links:       manyEntries("k", 20, "https://example.com"),
			},
			check: func(t *testing.T, got Alert) {
				require.Len(t, got.Labels, MaxLabels)
				require.Equal(t, "v", got.Labels["l000"], "the first by name are kept")
				require.NotContains(t, got.Labels, "l099")
				require.Equal(t, "37 labels, 6 annotations, 4 links left out (limits: 64 labels, 64 annotations, 16 links)", got.Labels[TruncatedLabel])
				require.Len(t, got.Annotations, MaxAnnotations)
				require.Len(t, got.Links, MaxLinks)
			},
		},
		{
			name:  "a marker label makes room for itself",
			alert: Alert{Labels: manyEntries("l", 64, "v"), Links: manyEntries("k", 17, "u")},
			check: func(t *testing.T, got Alert) {
				require.Len(t, got.Labels, MaxLabels)
				require.Equal(t, "1 labels, 1 links left out (limits: 64 labels, 64 annotations, 16 links)", got.Labels[TruncatedLabel])
			},
		},
		{
			name:  "the input's maps are not changed",
			alert: Alert{Labels: map[string]string{"a": long}},
			check: func(t *testing.T, got Alert) {
				require.Len(t, got.Labels["a"], MaxLabelValueBytes)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before string
			if tt.alert.Labels != nil {
				before = fmt.Sprint(tt.alert.Labels)
			}
			got, err := Bound(tt.alert)
			require.NoError(t, err)
			tt.check(t, got)
			checkLimits(t, got)
			if tt.alert.Labels != nil {
				require.Equal(t, before, fmt.Sprint(tt.alert.Labels), "Bound copies maps")
			}
		})
	}
}

func TestBoundRejectsInvalidUTF8(t *testing.T) {
	bad := "a\xffb"
	tests := []struct {
		name  string
		alert Alert
		want  string
	}{
		{"fingerprint", Alert{Fingerprint: bad}, "fingerprint: not valid UTF-8"},
		{"title", Alert{Title: bad}, "title: not valid UTF-8"},
		{"label value", Alert{Labels: map[string]string{"instance": bad}}, "labels.instance: not valid UTF-8"},
		{"label name", Alert{Labels: map[string]string{bad: "x"}}, "labels: a name is not valid UTF-8"},
		{"annotation with an odd name", Alert{Annotations: map[string]string{"a b": bad}}, `annotations["a b"]: not valid UTF-8`},
		{"link", Alert{Links: map[string]string{"dashboard": bad}}, "links.dashboard: not valid UTF-8"},
		{"impact", Alert{Impact: map[string]any{"started_at": bad}}, "impact: not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bound(tt.alert)
			require.ErrorIs(t, err, ErrNotUTF8)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestCutKey(t *testing.T) {
	long := strings.Repeat("a", 65)
	sum := sha256.Sum256([]byte(long))
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "abc", "abc"},
		{"exactly the limit", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"over the limit", long, strings.Repeat("a", 32) + " …[truncated " + hex.EncodeToString(sum[:8]) + "]"},
		{"cut on a character boundary", strings.Repeat("é", 40), strings.Repeat("é", 16) + " …[truncated " +
			func() string { s := sha256.Sum256([]byte(strings.Repeat("é", 40))); return hex.EncodeToString(s[:8]) }() + "]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CutKey(tt.in, 64)
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, len(got), 64)
		})
	}
}

// The payloads of issue 7 that reached Temporal whole and failed there: every parser now returns
// alerts within the limits.
func TestParsersBoundHostilePayloads(t *testing.T) {
	amAlert := func(i int, annotation string) string {
		return fmt.Sprintf(`{"status": "firing", "labels": {"alertname": "A", "instance": "i%d"}, "annotations": {"description": %q}, "startsAt": "2026-03-01T12:00:00Z"}`, i, annotation)
	}
	var group []string
	for i := range 200 {
		group = append(group, amAlert(i, "x"))
	}
	tests := []struct {
		name  string
		parse func([]byte) ([]Alert, error)
		body  string
		count int
	}{
		{"alertmanager group key of 20 KB, 200 alerts", ParseAlertmanager,
			fmt.Sprintf(`{"version": "4", "groupKey": %q, "status": "firing", "alerts": [%s]}`, strings.Repeat("k", 20<<10), strings.Join(group, ",")), 200},
		{"alertmanager annotation of 400 KB beside a normal alert", ParseAlertmanager,
			fmt.Sprintf(`{"version": "4", "groupKey": "g", "status": "firing", "alerts": [%s, %s]}`, amAlert(1, strings.Repeat("<", 400<<10)), amAlert(2, "fine")), 2},
		{"alertmanager summary of 900 KB", ParseAlertmanager,
			fmt.Sprintf(`{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "labels": {"a": "b"}, "annotations": {"summary": %q}}]}`, strings.Repeat("&", 900<<10)), 1},
		{"generic title of 900 KB", ParseGeneric,
			fmt.Sprintf(`{"dedup_key": "k", "title": %q}`, strings.Repeat("t", 900<<10)), 1},
		{"generic with 5,000 labels", ParseGeneric,
			fmt.Sprintf(`{"dedup_key": "k", "title": "t", "labels": {%s}}`, func() string {
				var l []string
				for i := range 5000 {
					l = append(l, fmt.Sprintf(`"l%d": "v"`, i))
				}
				return strings.Join(l, ",")
			}()), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := tt.parse([]byte(tt.body))
			require.NoError(t, err)
			require.Len(t, alerts, tt.count)
			checkInvariants(t, alerts)
		})
	}
}

func TestParseGenericRejectsALongStartedAt(t *testing.T) {
	_, err := ParseGeneric([]byte(`{"dedup_key": "k", "title": "t", "impact": {"started_at": "2026-03-01T12:00:00.` + strings.Repeat("1", 100) + `Z"}}`))
	require.EqualError(t, err, "parse generic alert: impact.started_at: must be an RFC 3339 time of at most 64 bytes, got 121 bytes")
}

// BenchmarkParseAlertmanagerGroup parses an Alertmanager group of 200 alerts of 6 labels and 3
// annotations each, every alert bounded.
func BenchmarkParseAlertmanagerGroup(b *testing.B) {
	var list []string
	for i := range 200 {
		list = append(list, fmt.Sprintf(`{"status": "firing", "labels": {"alertname": "CheckoutErrors", "instance": "host-%d:9090", "job": "checkout", "severity": "critical", "service": "checkout", "region": "eu-west-1"},
"annotations": {"summary": "Checkout error rate above 5%%", "description": "5xx above 5%% for 5 minutes", "runbook_url": "https://runbooks.example.com/checkout"}, "startsAt": "2026-03-01T12:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus:9090/graph"}`, i))
	}
	body := []byte(fmt.Sprintf(`{"version": "4", "groupKey": "{}:{alertname=\"CheckoutErrors\"}", "status": "firing", "alerts": [%s]}`, strings.Join(list, ",")))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseAlertmanager(body); err != nil {
			b.Fatal(err)
		}
	}
}
