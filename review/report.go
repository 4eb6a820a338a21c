package review

import (
	"cmp"
	"slices"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// Item is one incident as a report counts it: where it belongs and its figures.
type Item struct {
	Key       string    `json:"key"`
	Service   string    `json:"service"`
	StartedAt time.Time `json:"started_at"`
	Resolved  bool      `json:"resolved"`
	Figures   Figures   `json:"figures"`
}

// ItemOf returns the report item of an incident's review input.
func ItemOf(in Input) Item {
	return Item{Key: in.Key, Service: in.Service, StartedAt: in.StartedAt, Resolved: in.Resolved != nil, Figures: Compute(in)}
}

// Report is the response figures of the incidents that started in a period.
type Report struct {
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until"`
	Service string    `json:"service,omitempty"`
	// Truncated says more incidents matched than the report read: it covers the newest.
	Truncated bool `json:"truncated"`
	// Skipped counts the incidents whose history could not be read, with why.
	Skipped []string `json:"skipped,omitempty"`
	Overall Group    `json:"overall"`
	// BySeverity groups the incidents by the most severe severity each had, most severe first.
	BySeverity []Group `json:"by_severity"`
	// ByService groups the incidents by service, by name.
	ByService []Group  `json:"by_service"`
	Breaches  []Breach `json:"breaches"`
	Buckets   []Bucket `json:"buckets"`
	Items     []Item   `json:"incidents"`
}

// Group is the figures of a set of incidents. MTTA is the mean of first acknowledgement less
// first page over the incidents that had both; MTTR the mean of resolution less start over the
// resolved ones.
type Group struct {
	Name               string         `json:"name"`
	Incidents          int            `json:"incidents"`
	Acknowledged       int            `json:"acknowledged"`
	Resolved           int            `json:"resolved"`
	MTTA               *time.Duration `json:"mtta,omitempty"`
	MTTR               *time.Duration `json:"mttr,omitempty"`
	ResponseBreaches   int            `json:"response_breaches"`
	ResolutionBreaches int            `json:"resolution_breaches"`
}

// Target names of breaches.
const (
	TargetResponse   = "response"
	TargetResolution = "resolution"
)

// Breach is an incident that missed a target: it took longer than the target, or is still open
// (unacknowledged or unresolved) past it.
type Breach struct {
	Key      string            `json:"key"`
	Service  string            `json:"service"`
	Severity incident.Severity `json:"severity"`
	Target   string            `json:"target"`
	Took     time.Duration     `json:"took"`
	Limit    time.Duration     `json:"limit"`
	Open     bool              `json:"open"`
}

// Bucket counts the incidents that started in [Start, Start+Width), by severity.
type Bucket struct {
	Start  time.Time                 `json:"start"`
	Width  time.Duration             `json:"width"`
	Counts map[incident.Severity]int `json:"counts"`
}

// maxBuckets bounds the bars of the incidents-over-time chart: a long period gets wider buckets.
const maxBuckets = 60

// severities are the severities a report groups by, most severe first; "" collects incidents
// that never had one.
var severities = []incident.Severity{incident.Sev1, incident.Sev2, incident.Sev3}

// Build returns the report of items over [since, until), for service when not "".
func Build(items []Item, since, until time.Time, service string) Report {
	r := Report{Since: since.UTC(), Until: until.UTC(), Service: service, Breaches: []Breach{}, Items: []Item{}}
	var kept []Item
	for _, it := range items {
		if (service == "" || it.Service == service) && !it.StartedAt.Before(since) && it.StartedAt.Before(until) {
			kept = append(kept, it)
		}
	}
	slices.SortStableFunc(kept, func(a, b Item) int { return a.StartedAt.Compare(b.StartedAt) })
	r.Items = append(r.Items, kept...)
	r.Overall = group("all", kept)
	for _, s := range severities {
		r.BySeverity = append(r.BySeverity, group(string(s), filter(kept, func(it Item) bool { return it.Figures.Peak == s })))
	}
	if none := filter(kept, func(it Item) bool { return !it.Figures.Peak.Valid() }); len(none) > 0 {
		r.BySeverity = append(r.BySeverity, group("none", none))
	}
	var services []string
	for _, it := range kept {
		if !slices.Contains(services, it.Service) {
			services = append(services, it.Service)
		}
	}
	slices.Sort(services)
	for _, name := range services {
		r.ByService = append(r.ByService, group(name, filter(kept, func(it Item) bool { return it.Service == name })))
	}
	for _, it := range kept {
		r.Breaches = append(r.Breaches, breaches(it)...)
	}
	r.Buckets = buckets(kept, r.Since, r.Until)
	return r
}

func filter(items []Item, keep func(Item) bool) []Item {
	var out []Item
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// group sums the figures of items.
func group(name string, items []Item) Group {
	g := Group{Name: name, Incidents: len(items)}
	var tta, ttr time.Duration
	for _, it := range items {
		f := it.Figures
		if f.TimeToAcknowledge != nil {
			g.Acknowledged++
			tta += *f.TimeToAcknowledge
		}
		if f.TimeToResolve != nil {
			g.Resolved++
			ttr += *f.TimeToResolve
		}
		for _, b := range breaches(it) {
			if b.Target == TargetResponse {
				g.ResponseBreaches++
			} else {
				g.ResolutionBreaches++
			}
		}
	}
	if g.Acknowledged > 0 {
		mean := tta / time.Duration(g.Acknowledged)
		g.MTTA = &mean
	}
	if g.Resolved > 0 {
		mean := ttr / time.Duration(g.Resolved)
		g.MTTR = &mean
	}
	return g
}

// breaches returns the targets an incident missed. An incident paged and not acknowledged
// breaches its response target once the target has passed since its first page, and one not
// resolved its resolution target once it has passed since its start (the figures' Duration runs
// to when they were computed).
func breaches(it Item) []Breach {
	f := it.Figures
	b := Breach{Key: it.Key, Service: it.Service, Severity: f.Peak}
	var out []Breach
	switch {
	case f.ResponseMet != nil && !*f.ResponseMet:
		b.Target, b.Took, b.Limit = TargetResponse, *f.TimeToAcknowledge, f.ResponseTarget
		out = append(out, b)
	case f.FirstPage != nil && f.FirstAck == nil && f.ResponseTarget > 0:
		waited := it.StartedAt.Add(f.Duration).Sub(*f.FirstPage)
		if waited > f.ResponseTarget {
			b.Target, b.Took, b.Limit, b.Open = TargetResponse, waited, f.ResponseTarget, true
			out = append(out, b)
		}
	}
	switch {
	case f.ResolutionMet != nil && !*f.ResolutionMet:
		b.Target, b.Took, b.Limit, b.Open = TargetResolution, *f.TimeToResolve, f.ResolutionTarget, false
		out = append(out, b)
	case f.TimeToResolve == nil && f.ResolutionTarget > 0 && f.Duration > f.ResolutionTarget:
		b.Target, b.Took, b.Limit, b.Open = TargetResolution, f.Duration, f.ResolutionTarget, true
		out = append(out, b)
	}
	return out
}

// buckets counts items over [since, until) in at most maxBuckets buckets: whole hours for a
// period of up to three days, whole days for a longer one.
func buckets(items []Item, since, until time.Time) []Bucket {
	span := until.Sub(since)
	if span <= 0 {
		return []Bucket{}
	}
	unit := 24 * time.Hour
	if span <= 3*24*time.Hour {
		unit = time.Hour
	}
	units := (span + unit - 1) / unit
	width := max((units+maxBuckets-1)/maxBuckets, 1) * unit
	var out []Bucket
	for start := since; start.Before(until); start = start.Add(width) {
		out = append(out, Bucket{Start: start, Width: width, Counts: map[incident.Severity]int{}})
	}
	for _, it := range items {
		i := int(it.StartedAt.Sub(since) / width)
		if i >= 0 && i < len(out) {
			out[i].Counts[cmp.Or(it.Figures.Peak, "none")]++
		}
	}
	return out
}
