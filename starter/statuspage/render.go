package statuspage

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"time"

	"github.com/gorilla/feeds"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
)

//go:embed templates/*.html
var templateFiles embed.FS

// templates are the pages, parsed once: html/template escapes every value for its context.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"label":          statusLabel,
	"overall":        overallLabel,
	"severityStatus": func(sev string) string { return ComponentStatus(incident.Severity(sev)) },
	"stamp":          stamp,
	"iso":            func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).ParseFS(templateFiles, "templates/*.html"))

// overallLabel says in words how the services are, from the worst component status.
func overallLabel(status string) string {
	if status == StatusOperational {
		return "All systems operational"
	}
	return statusLabel(status) + ": we are working on it"
}

// stamp formats a time for people, in UTC to the minute.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// page is what a template reads: the view and the page's settings.
type page[V any] struct {
	Title     string
	Refresh   int
	Robots    string
	UpdatedAt time.Time
	V         V
}

// renderHTML renders a page with one of the templates.
func renderHTML[V Public | Internal](name string, cfg *config.Config, v V) ([]byte, error) {
	p := page[V]{Refresh: max(int(time.Duration(cfg.StatusPage.Refresh).Seconds()), 1), Robots: "index", V: v}
	switch v := any(v).(type) {
	case Public:
		p.Title, p.UpdatedAt = v.Title, v.UpdatedAt
	case Internal:
		p.Title, p.UpdatedAt, p.Robots = v.Title, v.UpdatedAt, "noindex, nofollow"
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, p); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// renderJSON renders a view as indented JSON.
func renderJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render JSON: %w", err)
	}
	return append(b, '\n'), nil
}

// renderFeed renders the public view as an Atom feed: one entry per public update, and one per
// resolved incident closed without updates the page could read, the latest first, at most
// MaxFeedEntries.
func renderFeed(base string, v Public) ([]byte, error) {
	host := base
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	feed := &feeds.Feed{
		Title:   v.Title,
		Link:    &feeds.Link{Href: base + "/status"},
		Updated: v.UpdatedAt,
	}
	add := func(in PublicIncident, id string, at time.Time, title, text string) {
		feed.Items = append(feed.Items, &feeds.Item{
			Title:   title,
			Link:    &feeds.Link{Href: base + "/status#incident-" + in.Key},
			Id:      fmt.Sprintf("tag:%s,%s:%s", host, in.StartedAt.UTC().Format("2006-01-02"), id),
			Updated: at,
			Content: html.EscapeString(text),
		})
	}
	for _, list := range [][]PublicIncident{v.Incidents, v.Resolved} {
		for _, in := range list {
			title := "Incident affecting " + in.ServiceName
			for _, u := range in.Updates {
				add(in, fmt.Sprintf("incident/%s/%d", in.Key, u.At.UnixNano()), u.At, title, u.Text)
			}
			if len(in.Updates) == 0 && in.ResolvedAt != nil {
				add(in, "incident/"+in.Key+"/resolved", *in.ResolvedAt, title+" (resolved)",
					"The incident affecting "+in.ServiceName+" has been resolved.")
			}
		}
	}
	feed.Sort(func(a, b *feeds.Item) bool { return a.Updated.After(b.Updated) })
	feed.Items = feed.Items[:min(len(feed.Items), MaxFeedEntries)]
	atom, err := feed.ToAtom()
	if err != nil {
		return nil, fmt.Errorf("render feed: %w", err)
	}
	return []byte(atom), nil
}
