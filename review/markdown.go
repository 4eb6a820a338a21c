package review

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Document is a review: the recorded facts and the figures computed from them. Its JSON is what
// `firebreak incident review -o json` prints.
type Document struct {
	Input
	Figures Figures `json:"figures"`
}

// New returns the review document of in.
func New(in Input) Document {
	return Document{Input: in, Figures: Compute(in)}
}

// WriteMarkdown writes the review document in Markdown (CommonMark with GitHub's tables). Every
// text that came from outside is made printable and has its Markdown characters escaped, so a
// title or a note cannot add links, images, HTML or table cells.
func (d Document) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	in, f := d.Input, d.Figures

	p("# Post-incident review: %s", md(orNone(in.Title)))
	p("")
	p("| | |")
	p("|---|---|")
	p("| Incident | %s (workflow %s, %s) |", code(in.Key), code(in.WorkflowID), plural(len(in.Runs), "run"))
	p("| Service | %s (%s) |", md(orNone(in.Service)), md(orNone(in.Type)))
	if in.Status != "" {
		p("| Status | %s |", md(in.Status))
	}
	p("| Severity | %s, peak %s |", orNone(string(f.Severity)), orNone(string(f.Peak)))
	p("| Started | %s |", stamp(in.StartedAt))
	if in.Resolved != nil {
		p("| Resolved | %s |", stamp(in.Resolved.At))
	} else {
		p("| Resolved | not yet (figures to %s) |", stamp(in.GeneratedAt))
	}
	p("| Duration | %s |", duration(f.Duration))
	if in.URL != "" {
		p("| History | <%s> |", strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20").Replace(safetext.Line(in.URL)))
	}
	p("")

	p("## Summary")
	p("")
	p("%s", summary(in, f))
	p("")

	p("## Impact")
	p("")
	p("Reported facts: %s.", md(in.Impact.String()))
	p("")
	if len(f.AtSeverity) == 0 {
		p("No severity was decided.")
	} else {
		p("| Severity | Minutes | Duration |")
		p("|---|--:|--:|")
		for _, s := range f.AtSeverity {
			p("| %s | %.2f | %s |", s.Severity, s.Duration.Minutes(), duration(s.Duration))
		}
	}
	p("")
	if changes := severityChanges(in.Decisions); len(changes) > 0 {
		p("Severity over time:")
		p("")
		for _, c := range changes {
			who := ""
			if c.By != "" {
				who = " (after " + md(c.By) + ")"
			}
			p("- %s: %s%s: %s", stamp(c.At), c.Severity, who, md(strings.Join(c.Reasons, "; ")))
		}
		p("")
	}

	p("## Detection")
	p("")
	p("- Source: %s", md(detectionSource(in.Source)))
	if first := earliestAlert(in.Alerts); first != nil {
		p("- First alert: %s from %s, %s: %s (fingerprint %s)", stamp(first.At), md(first.Source), md(first.Status), md(first.Title), code(first.Fingerprint))
		p("- Alerts received: %d", len(in.Alerts))
	} else {
		p("- First alert: none; the incident was declared, not raised by an alert")
	}
	if f.FirstPage != nil {
		p("- First page: %s", stamp(*f.FirstPage))
	} else {
		p("- First page: nobody was paged")
	}
	if in.Reopens != "" {
		p("- Follows the resolved incident %s", md(in.Reopens))
	}
	p("")

	p("## Response against the targets")
	p("")
	p("| Figure | Took | Target | Result |")
	p("|---|--:|--:|---|")
	p("| Time to acknowledge (first page to first acknowledgement) | %s | %s | %s |",
		optDuration(f.TimeToAcknowledge, ackMissing(f)), targetText(f.ResponseTarget), result(f.ResponseMet))
	p("| Time to resolve (start to resolution) | %s | %s | %s |",
		optDuration(f.TimeToResolve, "not resolved"), targetText(f.ResolutionTarget), result(f.ResolutionMet))
	p("")
	if len(in.Acks) > 0 {
		p("Acknowledgements:")
		p("")
		for _, a := range byTime(in.Acks, func(a Ack) time.Time { return a.At }) {
			p("- %s by %s", stamp(a.At), md(orDefault(a.By, "the incident's alerts")))
		}
		p("")
	}

	p("## Roles")
	p("")
	if roles := CurrentRoles(in.Roles); len(roles) == 0 {
		p("No roles were assigned.")
	} else {
		p("| Role | Person | Assigned by | At |")
		p("|---|---|---|---|")
		for _, r := range roles {
			p("| %s | %s | %s | %s |", md(string(r.Role)), md(r.Person), md(r.By), stamp(r.At))
		}
		if len(in.Roles) > len(roles) {
			p("")
			p("%s in all; the timeline has each.", plural(len(in.Roles), "role assignment"))
		}
	}
	p("")

	p("## Responders paged")
	p("")
	if len(in.Pages) == 0 {
		p("Nobody was paged.")
	} else {
		p("| At | Person | Team | Level | Method | Reason |")
		p("|---|---|---|--:|---|---|")
		for _, pg := range byTime(in.Pages, func(p Page) time.Time { return p.At }) {
			p("| %s | %s | %s | %d | %s | %s |", stamp(pg.At), md(pg.Person), md(orDefault(pg.Team, "-")), pg.Level, md(pg.Method), md(pg.Reason))
		}
	}
	p("")

	p("## Policy decisions")
	p("")
	if len(in.Decisions) == 0 {
		p("No policy decision is recorded.")
	} else {
		p("| At | Event | Policy | Decision | Reasons | Policy revision |")
		p("|---|---|---|---|---|---|")
		for _, dec := range byTime(in.Decisions, func(d Decision) time.Time { return d.At }) {
			ref := eventRef(dec.Run, dec.EventID)
			if dec.Workflow != "" {
				ref = fmt.Sprintf("%s, %d", code(dec.Workflow), dec.EventID)
			}
			p("| %s | %s | %s | %s | %s | %s |", stamp(dec.At), ref, md(dec.Policy), md(dec.Outcome),
				md(strings.Join(dec.Reasons, "; ")), code(orDefault(dec.Revision, "not recorded")))
		}
	}
	p("")

	p("## Action items")
	p("")
	if len(in.Actions) == 0 {
		p("No action items are recorded yet.")
	} else {
		p("| # | Action | Owner | Added by | At |")
		p("|--:|---|---|---|---|")
		for _, a := range in.Actions {
			p("| %d | %s | %s | %s | %s |", a.ID, md(a.Text), md(orDefault(a.Owner, "unowned")), md(a.By), stamp(a.At))
		}
	}
	p("")
	if c := in.ReviewClosed; c != nil {
		p("The review was closed at %s by %s: %s", stamp(c.At), md(c.By), md(c.Summary))
		p("")
	}

	if len(in.Messages) > 0 {
		p("## Messages sent")
		p("")
		for _, m := range byTime(in.Messages, func(m incident.Message) time.Time { return m.At }) {
			p("- %s, %s: %s", stamp(m.At), md(m.Audience), md(m.Text))
		}
		p("")
	}

	p("## Timeline")
	p("")
	p("Every event of the workflow's history, as Temporal recorded it (%s; %s of bookkeeping left out: "+
		"workflow tasks, search-attribute and memo upserts, version markers, activity starts).",
		plural(len(in.Runs), "run"), plural(in.Omitted, "event"))
	p("")
	if len(in.Timeline) == 0 {
		p("The history holds no events.")
	} else {
		p("| Time (UTC) | Event | Type | Detail |")
		p("|---|---|---|---|")
		for _, e := range in.Timeline {
			p("| %s | %s | %s | %s |", e.At.UTC().Format("2006-01-02 15:04:05.000"), eventRef(e.Run, e.EventID), md(e.Event), md(e.Text))
		}
	}

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write review: %w", err)
	}
	return nil
}

// summary is the review's opening paragraph.
func summary(in Input, f Figures) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, service %s) started at %s", md(orNone(in.Title)), md(orNone(in.Type)), md(orNone(in.Service)), stamp(in.StartedAt))
	if f.Peak != "" {
		fmt.Fprintf(&b, " at severity %s", f.Initial)
		if f.Peak != f.Initial {
			fmt.Fprintf(&b, " and reached %s", f.Peak)
		}
	}
	b.WriteString(". ")
	switch {
	case f.FirstPage == nil:
		b.WriteString("Nobody was paged. ")
	case f.TimeToAcknowledge != nil:
		fmt.Fprintf(&b, "The first page went out at %s and was acknowledged %s later. ", stamp(*f.FirstPage), duration(*f.TimeToAcknowledge))
	default:
		fmt.Fprintf(&b, "The first page went out at %s; nobody acknowledged a page. ", stamp(*f.FirstPage))
	}
	if in.Resolved != nil {
		fmt.Fprintf(&b, "It was resolved at %s", stamp(in.Resolved.At))
		if in.Resolved.By != "" {
			fmt.Fprintf(&b, " by %s", md(in.Resolved.By))
		}
		fmt.Fprintf(&b, ", %s after it started: %s.", duration(f.Duration), md(orNone(in.Resolved.Summary)))
	} else {
		fmt.Fprintf(&b, "It is not resolved: %s so far.", duration(f.Duration))
	}
	return b.String()
}

// severityChanges returns the severity decisions that changed the severity.
func severityChanges(decisions []Decision) []Decision {
	var changes []Decision
	var current incident.Severity
	for _, d := range decisions {
		if d.Policy == PolicySeverity && d.Severity.Valid() && d.Severity != current {
			changes = append(changes, d)
			current = d.Severity
		}
	}
	return changes
}

func earliestAlert(alerts []Alert) *Alert {
	if len(alerts) == 0 {
		return nil
	}
	first := byTime(alerts, func(a Alert) time.Time { return a.At })[0]
	return &first
}

func detectionSource(source string) string {
	switch source {
	case "", "cli":
		return "declared by a person (firebreak incident start)"
	default:
		return "alerts from " + source
	}
}

func ackMissing(f Figures) string {
	switch {
	case f.FirstPage == nil:
		return "nobody paged"
	case f.FirstAck == nil:
		return "not acknowledged"
	default:
		return "acknowledged before the first page"
	}
}

func eventRef(run int, id int64) string {
	if run == 0 {
		return fmt.Sprintf("%d", id)
	}
	return fmt.Sprintf("run %d, %d", run+1, id)
}

func targetText(t time.Duration) string {
	if t <= 0 {
		return "none"
	}
	return duration(t)
}

func result(met *bool) string {
	switch {
	case met == nil:
		return "-"
	case *met:
		return "met"
	default:
		return "**missed**"
	}
}

func optDuration(d *time.Duration, missing string) string {
	if d == nil {
		return missing
	}
	return duration(*d)
}

// duration formats d for people: to a tenth of a second under a minute, to the second above.
func duration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	text := d.Round(time.Second).String()
	if strings.HasSuffix(text, "m0s") {
		text = strings.TrimSuffix(text, "0s")
	}
	if strings.HasSuffix(text, "h0m") {
		text = strings.TrimSuffix(text, "0m")
	}
	return text
}

// stamp formats a time in UTC to the second.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orNone(s string) string { return orDefault(s, "-") }

func orDefault(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

// mdEscaper escapes the characters that start Markdown inline syntax, HTML or a table cell.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`,
	`|`, `\|`, `~`, `\~`, `&`, `\&`, `#`, `\#`, `!`, `\!`,
)

// md returns text from outside as one printable line of Markdown that renders as itself.
func md(s string) string {
	return mdEscaper.Replace(safetext.Line(s))
}

// code returns s as inline code, with the backticks it holds replaced so it cannot close early.
func code(s string) string {
	if s == "" {
		return "-"
	}
	return "`" + strings.ReplaceAll(safetext.Line(s), "`", "'") + "`"
}
