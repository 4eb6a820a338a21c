package review

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// WriteTable writes the report as plain-text tables, every name made printable.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(format string, a ...any) {
		for i, v := range a {
			if s, ok := v.(string); ok {
				a[i] = safetext.Line(s)
			}
		}
		fmt.Fprintf(tw, format+"\n", a...)
	}
	line("%s", r.heading())
	if r.Truncated {
		line("  (more incidents matched: the report covers the %d newest)", len(r.Items))
	}
	o := r.Overall
	line("  incidents %d, acknowledged %d, resolved %d, target breaches %d", o.Incidents, o.Acknowledged, o.Resolved, len(r.Breaches))
	line("  MTTA %s (first page to first acknowledgement), MTTR %s (start to resolution)", mean(o.MTTA), mean(o.MTTR))
	for _, s := range r.Skipped {
		line("  skipped: %s", s)
	}
	groups := func(title, column string, gs []Group) {
		line("\n%s", title)
		line("  %s\tINCIDENTS\tACKNOWLEDGED\tRESOLVED\tMTTA\tMTTR\tRESPONSE BREACHES\tRESOLUTION BREACHES", column)
		for _, g := range gs {
			line("  %s\t%d\t%d\t%d\t%s\t%s\t%d\t%d", g.Name, g.Incidents, g.Acknowledged, g.Resolved, mean(g.MTTA), mean(g.MTTR), g.ResponseBreaches, g.ResolutionBreaches)
		}
	}
	groups("By severity (the most severe each incident had)", "SEVERITY", r.BySeverity)
	groups("By service", "SERVICE", r.ByService)
	line("\nTarget breaches")
	if len(r.Breaches) == 0 {
		line("  none")
	} else {
		line("  INCIDENT\tSERVICE\tSEVERITY\tTARGET\tTOOK\tLIMIT\tSTATE")
		for _, b := range r.Breaches {
			line("  %s\t%s\t%s\t%s\t%s\t%s\t%s", b.Key, b.Service, orNone(string(b.Severity)), b.Target, duration(b.Took), duration(b.Limit), breachState(b))
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (r Report) heading() string {
	text := fmt.Sprintf("Incidents that started from %s to %s", stamp(r.Since), stamp(r.Until))
	if r.Service != "" {
		text += ", service " + r.Service
	}
	return text
}

func breachState(b Breach) string {
	if b.Open {
		return "still open"
	}
	return "missed"
}

func mean(d *time.Duration) string {
	if d == nil {
		return "-"
	}
	return duration(*d)
}

// severityColours are the fills of each severity in the charts.
var severityColours = map[incident.Severity]string{
	incident.Sev1: "#c0392b", incident.Sev2: "#e67e22", incident.Sev3: "#f1c40f", "none": "#95a5a6",
}

// rect is one bar of a chart, with the text shown when pointing at it.
type rect struct {
	X, Y, W, H  float64
	Fill, Title string
}

// label is a text placed on a chart.
type label struct {
	X, Y   float64
	Anchor string
	Text   string
}

// chart is a hand-drawn SVG chart: its size, bars and labels.
type chart struct {
	Title         string
	Width, Height int
	Rects         []rect
	Labels        []label
	Lines         []rect // axis and grid lines, drawn as thin rectangles
}

// Chart geometry, in SVG units.
const (
	chartWidth  = 720
	chartHeight = 240
	chartLeft   = 48
	chartBottom = 36
	chartTop    = 28
)

// overTime draws the incidents per bucket as bars stacked by severity.
func (r Report) overTime() chart {
	c := chart{Title: "Incidents over time, by severity", Width: chartWidth, Height: chartHeight}
	most := 1
	for _, b := range r.Buckets {
		total := 0
		for _, n := range b.Counts {
			total += n
		}
		most = max(most, total)
	}
	plotW, plotH := float64(chartWidth-chartLeft-8), float64(chartHeight-chartBottom-chartTop)
	base := float64(chartHeight - chartBottom)
	c.Lines = append(c.Lines, rect{X: chartLeft, Y: base, W: plotW, H: 1, Fill: "#555"})
	for _, tick := range []int{0, most / 2, most} {
		y := base - plotH*float64(tick)/float64(most)
		c.Labels = append(c.Labels, label{X: chartLeft - 6, Y: y + 4, Anchor: "end", Text: fmt.Sprint(tick)})
		c.Lines = append(c.Lines, rect{X: chartLeft, Y: y, W: plotW, H: 0.5, Fill: "#ddd"})
	}
	for i, s := range append(severities, "none") {
		x := float64(chartLeft + 70*i)
		c.Rects = append(c.Rects, rect{X: x, Y: 4, W: 10, H: 10, Fill: severityColours[s], Title: string(s)})
		c.Labels = append(c.Labels, label{X: x + 14, Y: 13, Anchor: "start", Text: string(s)})
	}
	if len(r.Buckets) == 0 {
		return c
	}
	slot := plotW / float64(len(r.Buckets))
	every := max(len(r.Buckets)/6, 1)
	for i, b := range r.Buckets {
		x := chartLeft + slot*float64(i)
		y := base
		for _, s := range append(severities, "none") {
			n := b.Counts[s]
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / float64(most)
			y -= h
			c.Rects = append(c.Rects, rect{X: x + slot*0.1, Y: y, W: slot * 0.8, H: h, Fill: severityColours[s],
				Title: fmt.Sprintf("%s: %d %s", b.Start.Format("2006-01-02 15:04Z"), n, s)})
		}
		if i%every == 0 {
			format := "Jan 2"
			if b.Width < 24*time.Hour {
				format = "Jan 2 15:04"
			}
			c.Labels = append(c.Labels, label{X: x + slot/2, Y: base + 16, Anchor: "middle", Text: b.Start.Format(format)})
		}
	}
	return c
}

// bySeverity draws one figure of each severity group as horizontal bars.
func (r Report) bySeverity(title string, figure func(Group) *time.Duration) chart {
	const rowH = 40
	c := chart{Title: title, Width: chartWidth, Height: chartTop + rowH*len(r.BySeverity) + 8}
	var most time.Duration
	for _, g := range r.BySeverity {
		if d := figure(g); d != nil {
			most = max(most, *d)
		}
	}
	plotW := float64(chartWidth - 2*chartLeft - 100)
	for i, g := range r.BySeverity {
		y := float64(chartTop + rowH*i)
		c.Labels = append(c.Labels, label{X: chartLeft + 4, Y: y + 20, Anchor: "end", Text: g.Name})
		d := figure(g)
		if d == nil || most == 0 {
			c.Labels = append(c.Labels, label{X: chartLeft + 12, Y: y + 20, Anchor: "start", Text: "no data"})
			continue
		}
		w := max(plotW*float64(*d)/float64(most), 1)
		c.Rects = append(c.Rects, rect{X: chartLeft + 12, Y: y + 6, W: w, H: rowH - 14, Fill: severityColours[incident.Severity(g.Name)],
			Title: fmt.Sprintf("%s: %s over %d incidents", g.Name, duration(*d), g.Incidents)})
		c.Labels = append(c.Labels, label{X: chartLeft + 18 + w, Y: y + 20, Anchor: "start", Text: duration(*d)})
	}
	return c
}

// WriteHTML writes the report as one HTML page with inline SVG charts: no script, no external
// resource.
func (r Report) WriteHTML(w io.Writer) error {
	page := struct {
		Report
		Heading  string
		Charts   []chart
		Mean     func(*time.Duration) string
		Duration func(time.Duration) string
		State    func(Breach) string
	}{
		Report:  r,
		Heading: r.heading(),
		Charts: []chart{
			r.overTime(),
			r.bySeverity("MTTA by severity (first page to first acknowledgement)", func(g Group) *time.Duration { return g.MTTA }),
			r.bySeverity("MTTR by severity (start to resolution)", func(g Group) *time.Duration { return g.MTTR }),
		},
		Mean: mean, Duration: duration, State: breachState,
	}
	var b strings.Builder
	if err := htmlReport.Execute(&b, page); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"f": func(v float64) string { return fmt.Sprintf("%.1f", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>Firebreak incident report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
td.n { text-align: right; }
svg { display: block; margin-bottom: 1.5rem; }
</style>
</head>
<body>
<h1>{{.Heading}}</h1>
{{if .Truncated}}<p>More incidents matched: the report covers the {{len .Items}} newest.</p>{{end}}
<p>{{.Overall.Incidents}} incidents, {{.Overall.Acknowledged}} acknowledged, {{.Overall.Resolved}} resolved, {{len .Breaches}} target breaches.
MTTA {{call .Mean .Overall.MTTA}} (first page to first acknowledgement), MTTR {{call .Mean .Overall.MTTR}} (start to resolution).</p>
{{range .Skipped}}<p>Skipped: {{.}}</p>{{end}}
{{range .Charts}}<h2>{{.Title}}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Title}}">
{{range .Lines}}<rect x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}" fill="{{.Fill}}"/>
{{end}}{{range .Rects}}<rect x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>
{{end}}{{range .Labels}}<text x="{{f .X}}" y="{{f .Y}}" text-anchor="{{.Anchor}}" font-size="12">{{.Text}}</text>
{{end}}</svg>
{{end}}
<h2>By severity (the most severe each incident had)</h2>
<table>
<tr><th>Severity</th><th>Incidents</th><th>Acknowledged</th><th>Resolved</th><th>MTTA</th><th>MTTR</th><th>Response breaches</th><th>Resolution breaches</th></tr>
{{range .BySeverity}}<tr><td>{{.Name}}</td><td class="n">{{.Incidents}}</td><td class="n">{{.Acknowledged}}</td><td class="n">{{.Resolved}}</td><td class="n">{{call $.Mean .MTTA}}</td><td class="n">{{call $.Mean .MTTR}}</td><td class="n">{{.ResponseBreaches}}</td><td class="n">{{.ResolutionBreaches}}</td></tr>
{{end}}</table>
<h2>By service</h2>
<table>
<tr><th>Service</th><th>Incidents</th><th>Acknowledged</th><th>Resolved</th><th>MTTA</th><th>MTTR</th><th>Response breaches</th><th>Resolution breaches</th></tr>
{{range .ByService}}<tr><td>{{.Name}}</td><td class="n">{{.Incidents}}</td><td class="n">{{.Acknowledged}}</td><td class="n">{{.Resolved}}</td><td class="n">{{call $.Mean .MTTA}}</td><td class="n">{{call $.Mean .MTTR}}</td><td class="n">{{.ResponseBreaches}}</td><td class="n">{{.ResolutionBreaches}}</td></tr>
{{end}}</table>
<h2>Target breaches</h2>
{{if .Breaches}}<table>
<tr><th>Incident</th><th>Service</th><th>Severity</th><th>Target</th><th>Took</th><th>Limit</th><th>State</th></tr>
{{range .Breaches}}<tr><td>{{.Key}}</td><td>{{.Service}}</td><td>{{.Severity}}</td><td>{{.Target}}</td><td class="n">{{call $.Duration .Took}}</td><td class="n">{{call $.Duration .Limit}}</td><td>{{call $.State .}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
</body>
</html>
`))
