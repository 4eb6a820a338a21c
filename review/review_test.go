package review

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
)

var t0 = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func sev(minutes int, s incident.Severity) Decision {
	return Decision{At: at(minutes), Policy: PolicySeverity, Severity: s, Revision: "sha256:r"}
}

func engage(minutes int, response, resolution time.Duration) Decision {
	return Decision{At: at(minutes), Policy: PolicyEngagement, ResponseTarget: response, ResolutionTarget: resolution, Revision: "sha256:r"}
}

func dur(d time.Duration) *time.Duration { return &d }
func yes() *bool                         { b := true; return &b }
func no() *bool                          { b := false; return &b }

func TestCompute(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Figures
	}{
		{
			name: "severity changes split the minutes; targets in force at resolution",
			in: Input{
				StartedAt: t0,
				Decisions: []Decision{
					sev(0, incident.Sev3), engage(0, 4*time.Hour, 120*time.Hour),
					sev(10, incident.Sev1), engage(10, 5*time.Minute, 4*time.Hour),
					sev(40, incident.Sev1), sev(50, incident.Sev2), engage(50, 15*time.Minute, 8*time.Hour),
				},
				Pages:    []Page{{At: at(12)}, {At: at(1)}},
				Acks:     []Ack{{At: at(20), By: "ana"}, {At: at(45)}},
				Resolved: &Resolution{At: at(90)},
			},
			want: Figures{
				Initial: incident.Sev3, Severity: incident.Sev2, Peak: incident.Sev1,
				AtSeverity: []SeverityTime{
					{Severity: incident.Sev1, Duration: 40 * time.Minute},
					{Severity: incident.Sev2, Duration: 40 * time.Minute},
					{Severity: incident.Sev3, Duration: 10 * time.Minute},
				},
				Duration: 90 * time.Minute, FirstPage: ptr(at(1)), FirstAck: ptr(at(20)),
				TimeToAcknowledge: dur(19 * time.Minute), TimeToResolve: dur(90 * time.Minute),
				ResponseTarget: 15 * time.Minute, ResolutionTarget: 8 * time.Hour,
				ResponseMet: no(), ResolutionMet: yes(),
			},
		},
		{
			name: "unresolved: figures run to the time the document is made",
			in: Input{
				StartedAt: t0, GeneratedAt: at(30),
				Decisions: []Decision{sev(0, incident.Sev2), engage(0, 15*time.Minute, 8*time.Hour)},
				Pages:     []Page{{At: at(0)}},
			},
			want: Figures{
				Initial: incident.Sev2, Severity: incident.Sev2, Peak: incident.Sev2,
				AtSeverity: []SeverityTime{{Severity: incident.Sev2, Duration: 30 * time.Minute}},
				Duration:   30 * time.Minute, FirstPage: ptr(at(0)),
				ResponseTarget: 15 * time.Minute, ResolutionTarget: 8 * time.Hour,
			},
		},
		{
			name: "acknowledged before any page: no time to acknowledge",
			in: Input{
				StartedAt: t0, Decisions: []Decision{sev(0, incident.Sev3), engage(0, 4*time.Hour, 120*time.Hour)},
				Pages: []Page{{At: at(5)}}, Acks: []Ack{{At: at(2), By: "ana"}}, Resolved: &Resolution{At: at(6)},
			},
			want: Figures{
				Initial: incident.Sev3, Severity: incident.Sev3, Peak: incident.Sev3,
				AtSeverity: []SeverityTime{{Severity: incident.Sev3, Duration: 6 * time.Minute}},
				Duration:   6 * time.Minute, FirstPage: ptr(at(5)), FirstAck: ptr(at(2)), TimeToResolve: dur(6 * time.Minute),
				ResponseTarget: 4 * time.Hour, ResolutionTarget: 120 * time.Hour, ResolutionMet: yes(),
			},
		},
		{
			name: "decisions after resolution do not count",
			in: Input{
				StartedAt: t0, Decisions: []Decision{sev(0, incident.Sev2), sev(20, incident.Sev1), engage(20, time.Minute, time.Minute)},
				Resolved: &Resolution{At: at(10)},
			},
			want: Figures{
				Initial: incident.Sev2, Severity: incident.Sev2, Peak: incident.Sev2,
				AtSeverity: []SeverityTime{{Severity: incident.Sev2, Duration: 10 * time.Minute}},
				Duration:   10 * time.Minute, TimeToResolve: dur(10 * time.Minute),
			},
		},
		{
			name: "nothing decided",
			in:   Input{StartedAt: t0, GeneratedAt: t0.Add(-time.Minute)},
			want: Figures{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Compute(tt.in))
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestCurrentRoles(t *testing.T) {
	got := CurrentRoles([]RoleChange{
		{At: at(1), Role: incident.RoleTechLead, Person: "ana", By: "ana"},
		{At: at(2), Role: incident.RoleCommander, Person: "bob", By: "ana"},
		{At: at(3), Role: incident.RoleTechLead, Person: "kenji", By: "bob"},
	})
	require.Equal(t, []RoleChange{
		{At: at(2), Role: incident.RoleCommander, Person: "bob", By: "ana"},
		{At: at(3), Role: incident.RoleTechLead, Person: "kenji", By: "bob"},
	}, got)
}

func TestMarkdownNeutralisesTextFromOutside(t *testing.T) {
	hostile := "Pwn <img src=x onerror=alert(1)> [click](http://evil) | cell `code` \x1b[2J\nnew line # *bold* ~~gone~~ & ok"
	in := Input{
		Key: "chk-1", WorkflowID: "incident-chk-1", Runs: []string{"r1"}, Title: hostile, Service: "checkout", Type: "outage",
		StartedAt: t0, GeneratedAt: at(5), URL: "http://ui.test/ns/default/workflows/incident-chk-1?x=<y>",
		Decisions: []Decision{sev(0, incident.Sev1)},
		Roles:     []RoleChange{{At: at(1), Role: incident.RoleCommander, Person: "ana|x", By: "ana"}},
		Actions:   []Action{{ID: 1, At: at(2), By: "ana", Text: hostile, Owner: ""}},
		Timeline:  []Entry{{EventID: 1, At: t0, Event: "WorkflowExecutionStarted", Text: hostile}},
	}
	var b bytes.Buffer
	require.NoError(t, New(in).WriteMarkdown(&b))
	out := b.String()
	require.NotContains(t, out, "\x1b")
	require.NotContains(t, out, "<y>")
	unescaped := regexp.MustCompile(`(^|[^\\])(<img|\]\(|` + "`code" + `|\*bold|~|ana\|)`)
	require.Empty(t, unescaped.FindAllString(out, -1), "Markdown syntax from outside is escaped")
	require.Contains(t, out, `Pwn \<img src=x onerror=alert(1)\> \[click\](http://evil) \| cell \`+"`code\\`"+` \\x1b\[2J new line \# \*bold\* \~\~gone\~\~ \& ok`)
	header := 0 // the cells of the table being read; 0 outside tables
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if header == 0 {
			header = cells
		}
		require.Equal(t, header, cells, "a table row keeps its cells: %q", line)
	}
	require.Contains(t, out, "| unowned | ana | 2026-11-03 09:02:00Z |")
}
