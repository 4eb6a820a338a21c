package review

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
)

// item builds a report item from a few facts: started minutes after t0, first page and
// acknowledgement and resolution minutes after its start (negative: never).
func item(key, service string, start int, peak incident.Severity, page, ack, resolve int, response, resolution time.Duration) Item {
	started := at(start)
	in := Input{
		Key: key, Service: service, StartedAt: started, GeneratedAt: at(start + 600),
		Decisions: []Decision{{At: started, Policy: PolicySeverity, Severity: peak},
			{At: started, Policy: PolicyEngagement, ResponseTarget: response, ResolutionTarget: resolution}},
	}
	if page >= 0 {
		in.Pages = []Page{{At: started.Add(time.Duration(page) * time.Minute)}}
	}
	if ack >= 0 {
		in.Acks = []Ack{{At: started.Add(time.Duration(ack) * time.Minute)}}
	}
	if resolve >= 0 {
		in.Resolved = &Resolution{At: started.Add(time.Duration(resolve) * time.Minute)}
	}
	return ItemOf(in)
}

func TestBuild(t *testing.T) {
	since, until := t0, t0.Add(30*24*time.Hour)
	items := []Item{
		item("a", "checkout", 10, incident.Sev1, 0, 4, 60, 5*time.Minute, 4*time.Hour),     // met both
		item("b", "checkout", 20, incident.Sev1, 1, 11, 300, 5*time.Minute, 4*time.Hour),   // missed both
		item("c", "search", 30, incident.Sev2, 0, -1, -1, 15*time.Minute, 8*time.Hour),     // open 600 min, never acked
		item("d", "search", 40, incident.Sev3, -1, -1, 5, 4*time.Hour, 120*time.Hour),      // nobody paged
		item("old", "search", -10, incident.Sev1, 0, 1, 2, 5*time.Minute, 4*time.Hour),     // before the period
		item("late", "search", 60*24*31, incident.Sev1, 0, 1, 2, 5*time.Minute, time.Hour), // after it
	}
	tests := []struct {
		name         string
		service      string
		wantKeys     []string
		wantOverall  Group
		wantSeverity []Group
		wantBreaches []Breach
	}{
		{
			name:     "every service",
			wantKeys: []string{"a", "b", "c", "d"},
			wantOverall: Group{Name: "all", Incidents: 4, Acknowledged: 2, Resolved: 3,
				MTTA: dur(7 * time.Minute), MTTR: dur(365 * time.Minute / 3), ResponseBreaches: 2, ResolutionBreaches: 2},
			wantSeverity: []Group{
				{Name: "sev1", Incidents: 2, Acknowledged: 2, Resolved: 2, MTTA: dur(7 * time.Minute), MTTR: dur(180 * time.Minute), ResponseBreaches: 1, ResolutionBreaches: 1},
				{Name: "sev2", Incidents: 1, ResponseBreaches: 1, ResolutionBreaches: 1},
				{Name: "sev3", Incidents: 1, Resolved: 1, MTTR: dur(5 * time.Minute)},
			},
			wantBreaches: []Breach{
				{Key: "b", Service: "checkout", Severity: incident.Sev1, Target: TargetResponse, Took: 10 * time.Minute, Limit: 5 * time.Minute},
				{Key: "b", Service: "checkout", Severity: incident.Sev1, Target: TargetResolution, Took: 300 * time.Minute, Limit: 4 * time.Hour},
				{Key: "c", Service: "search", Severity: incident.Sev2, Target: TargetResponse, Took: 600 * time.Minute, Limit: 15 * time.Minute, Open: true},
				{Key: "c", Service: "search", Severity: incident.Sev2, Target: TargetResolution, Took: 600 * time.Minute, Limit: 8 * time.Hour, Open: true},
			},
		},
		{
			name:     "one service",
			service:  "checkout",
			wantKeys: []string{"a", "b"},
			wantOverall: Group{Name: "all", Incidents: 2, Acknowledged: 2, Resolved: 2,
				MTTA: dur(7 * time.Minute), MTTR: dur(180 * time.Minute), ResponseBreaches: 1, ResolutionBreaches: 1},
			wantSeverity: []Group{
				{Name: "sev1", Incidents: 2, Acknowledged: 2, Resolved: 2, MTTA: dur(7 * time.Minute), MTTR: dur(180 * time.Minute), ResponseBreaches: 1, ResolutionBreaches: 1},
				{Name: "sev2"}, {Name: "sev3"},
			},
			wantBreaches: []Breach{
				{Key: "b", Service: "checkout", Severity: incident.Sev1, Target: TargetResponse, Took: 10 * time.Minute, Limit: 5 * time.Minute},
				{Key: "b", Service: "checkout", Severity: incident.Sev1, Target: TargetResolution, Took: 300 * time.Minute, Limit: 4 * time.Hour},
			},
		},
		{
			name:         "no incidents",
			service:      "billing",
			wantOverall:  Group{Name: "all"},
			wantSeverity: []Group{{Name: "sev1"}, {Name: "sev2"}, {Name: "sev3"}},
			wantBreaches: []Breach{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Build(items, since, until, tt.service)
			var keys []string
			for _, it := range r.Items {
				keys = append(keys, it.Key)
			}
			require.Equal(t, tt.wantKeys, keys)
			require.Equal(t, tt.wantOverall, r.Overall)
			require.Equal(t, tt.wantSeverity, r.BySeverity)
			require.Equal(t, tt.wantBreaches, r.Breaches)
			require.Len(t, r.Buckets, 30)
			total := 0
			for _, b := range r.Buckets {
				require.Equal(t, 24*time.Hour, b.Width)
				for _, n := range b.Counts {
					total += n
				}
			}
			require.Equal(t, len(tt.wantKeys), total, "every incident is in one bucket")
		})
	}
}

func TestBucketsStayBounded(t *testing.T) {
	tests := []struct {
		name      string
		span      time.Duration
		wantCount int
		wantWidth time.Duration
	}{
		{name: "an hour", span: time.Hour, wantCount: 1, wantWidth: time.Hour},
		{name: "a day", span: 24 * time.Hour, wantCount: 24, wantWidth: time.Hour},
		{name: "three days", span: 72 * time.Hour, wantCount: 36, wantWidth: 2 * time.Hour},
		{name: "ninety minutes", span: 90 * time.Minute, wantCount: 2, wantWidth: time.Hour},
		{name: "a week", span: 7 * 24 * time.Hour, wantCount: 7, wantWidth: 24 * time.Hour},
		{name: "sixty days", span: 60 * 24 * time.Hour, wantCount: 60, wantWidth: 24 * time.Hour},
		{name: "a year", span: 365 * 24 * time.Hour, wantCount: 53, wantWidth: 7 * 24 * time.Hour},
		{name: "a century", span: 36500 * 24 * time.Hour, wantCount: 60, wantWidth: 609 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buckets(nil, t0, t0.Add(tt.span))
			require.Len(t, b, tt.wantCount)
			require.Equal(t, tt.wantWidth, b[0].Width)
		})
	}
}

func TestReportRenders(t *testing.T) {
	r := Build([]Item{
		item("a", "checkout", 10, incident.Sev1, 0, 4, 60, 5*time.Minute, 4*time.Hour),
		item("b", "<script>alert(1)</script>", 20, incident.Sev2, 1, 30, 300, 15*time.Minute, 8*time.Hour),
	}, t0, t0.Add(7*24*time.Hour), "")

	var table bytes.Buffer
	require.NoError(t, r.WriteTable(&table))
	require.Contains(t, table.String(), "incidents 2, acknowledged 2, resolved 2, target breaches 1")
	require.Contains(t, table.String(), "MTTA 16m30s")
	require.Regexp(t, `b\s+<script>alert\(1\)</script>\s+sev2\s+response\s+29m\s+15m\s+missed`, table.String())

	var page bytes.Buffer
	require.NoError(t, r.WriteHTML(&page))
	html := page.String()
	require.NotContains(t, html, "<script>", "names from outside are escaped")
	require.Contains(t, html, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.Equal(t, 3, strings.Count(html, "<svg "))
	// The page is well-formed XML apart from its doctype, so every chart is valid SVG.
	dec := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(html, "<!DOCTYPE html>\n")))
	bars := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF")
			break
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "rect" {
			for _, a := range el.Attr {
				if a.Name.Local == "fill" && a.Value == severityColours[incident.Sev2] {
					bars++
				}
			}
		}
	}
	require.Equal(t, 4, bars, "sev2 has a legend key, a bar over time, one for MTTA and one for MTTR")
}
