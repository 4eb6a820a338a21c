package schedule

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Roster is a valid Schedule ready to answer who is on call when. It is immutable and safe for
// concurrent use.
type Roster struct {
	layers []layer
	// order lists the layer indices from the one that wins first: highest level, then the
	// earliest listed.
	order     []int
	overrides []override
}

type layer struct {
	name  string
	level int
	rot   *rotation
}

type override struct {
	person, replacing string
	start, end        time.Time
}

// OnCall says who is on call over a stretch of time and why.
type OnCall struct {
	// Person is the ID of the person on call, or "" when nobody is.
	Person string `json:"person,omitempty"`
	// Since and Until bound the stretch, [Since, Until): the longest one around the instant
	// asked about with the same person from the same source. A zero Since means it has always
	// been so; a zero Until means it never changes.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Source says which layer's shift or which override puts Person on call.
	Source Source `json:"source"`
}

// Source says where an answer comes from: a layer's shift, an override, or neither when nobody
// is on call.
type Source struct {
	// Layer is the index in Schedule.Layers of the layer whose shift puts the person on call,
	// or -1.
	Layer int `json:"layer"`
	// Shift numbers that layer's shifts from 0, the shift in progress at its rotation's start.
	Shift int64 `json:"shift"`
	// Override is the index in Schedule.Overrides of the override that puts the person on
	// call, or -1.
	Override int `json:"override"`
}

// maxMerge bounds the steps taken to stretch an answer over the pieces it is made of. A piece
// ends at a handoff, a restriction window's edge or an override's edge, and an answer lasts at
// most a shift or an override (at most MaxOverride) in a valid schedule, so real answers take
// far fewer.
const maxMerge = 1 << 16

// maxPieces bounds the answers Timeline, Gaps and NextHandoff walk through in one call; an
// hourly rotation has fewer than 10,000 in MaxSpan.
const maxPieces = 100_000

// ErrSpan reports an interval that Timeline, Gaps or NextHandoff will not look at: empty,
// reversed or longer than MaxSpan.
var ErrSpan = errors.New("interval is empty or longer than the limit")

// NewRoster checks the schedule and makes it ready to answer questions; an invalid schedule
// gives the Problems that Validate reports.
func NewRoster(s Schedule) (*Roster, error) {
	r, ps := compile(s)
	if len(ps) > 0 {
		return nil, fmt.Errorf("check schedule: %w", ps)
	}
	return r, nil
}

// precedence returns the layer indices from the one that wins first.
func precedence(layers []layer) []int {
	order := make([]int, len(layers))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return layers[b].level - layers[a].level })
	return order
}

// At returns who is on call at the instant t, since and until when, and from which layer or
// override.
func (r *Roster) At(t time.Time) OnCall {
	return stretch(t, true, r.state)
}

// LayersAt returns what each layer on its own says at the instant t, in the order of
// Schedule.Layers, before precedence and overrides: a person from the layer's shift, or nobody
// where the layer is restricted, has not started or has ended.
func (r *Roster) LayersAt(t time.Time) []OnCall {
	out := make([]OnCall, len(r.layers))
	for i := range r.layers {
		out[i] = stretch(t, true, func(t time.Time) (who, time.Time, time.Time) { return r.layerState(i, t) })
	}
	return out
}

// Timeline returns the answers that cover [from, to), in order: the first holds at from, each
// next one starts when the one before ends, and the last holds just before to. The first
// answer's Since and the last one's Until may lie outside the interval.
func (r *Roster) Timeline(from, to time.Time) ([]OnCall, error) {
	if err := checkSpan(from, to); err != nil {
		return nil, err
	}
	var out []OnCall
	for p := r.At(from); ; p = stretch(p.Until, false, r.state) {
		out = append(out, p)
		if p.Until.IsZero() || !p.Until.Before(to) {
			return out, nil
		}
		if len(out) == maxPieces {
			return nil, fmt.Errorf("list who is on call from %s to %s: more than %d changes", stamp(from), stamp(to), maxPieces)
		}
	}
}

// Gaps returns the stretches of [from, to) with nobody on call, clipped to the interval, in
// order; none means someone is on call throughout.
func (r *Roster) Gaps(from, to time.Time) ([]Interval, error) {
	pieces, err := r.Timeline(from, to)
	if err != nil {
		return nil, err
	}
	var gaps []Interval
	for _, p := range pieces {
		if p.Person != "" {
			continue
		}
		g := Interval{Start: later(p.Since, from).UTC(), End: to.UTC()}
		if !p.Until.IsZero() {
			g.End = earlier(p.Until, to).UTC()
		}
		gaps = append(gaps, g)
	}
	return gaps, nil
}

// NextHandoff returns the answer that begins at the first handoff after from and before to: the
// first instant in (from, to) at which the person on call changes, to someone else or to
// nobody. It reports false when the same person (or nobody) stays on call throughout.
func (r *Roster) NextHandoff(from, to time.Time) (OnCall, bool, error) {
	if err := checkSpan(from, to); err != nil {
		return OnCall{}, false, err
	}
	p := r.At(from)
	for range maxPieces {
		if p.Until.IsZero() || !p.Until.Before(to) {
			return OnCall{}, false, nil
		}
		next := stretch(p.Until, false, r.state)
		if next.Person != p.Person {
			return next, true, nil
		}
		p = next
	}
	return OnCall{}, false, fmt.Errorf("find the next handoff from %s to %s: more than %d changes", stamp(from), stamp(to), maxPieces)
}

// Interval is the stretch of time [Start, End).
type Interval struct {
	// Start is the first instant of the interval.
	Start time.Time `json:"start"`
	// End is the first instant after the interval.
	End time.Time `json:"end"`
}

func checkSpan(from, to time.Time) error {
	if !from.Before(to) || to.Sub(from) > MaxSpan {
		return fmt.Errorf("check interval from %s to %s: %w (%s)", stamp(from), stamp(to), ErrSpan, MaxSpan)
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// noSource is the source of an answer with nobody on call.
func noSource() Source { return Source{Layer: -1, Override: -1} }

// who is an answer without its bounds: what must stay the same for an answer to go on.
type who struct {
	person string
	source Source
}

// state returns the schedule's answer at t and an interval [lo, hi) around t over which it
// holds; the interval is not always the longest.
func (r *Roster) state(t time.Time) (who, time.Time, time.Time) {
	// The layers: the first covering layer in order of precedence wins, for as long as it
	// covers and the layers before it do not.
	base := who{source: noSource()}
	baseLo, baseHi := past(), future()
	for _, i := range r.order {
		p := r.layers[i].rot.at(t)
		baseLo, baseHi = later(baseLo, p.lo), earlier(baseHi, p.hi)
		if p.covered {
			base = who{person: p.person, source: Source{Layer: i, Shift: p.shift, Override: -1}}
			break
		}
	}
	// The overrides, in the order they were made, each applied to the answer so far. The
	// answer holds while no override starts or ends, and, unless an override that replaces
	// anyone is in force, while the layers' answer holds.
	got, lo, hi := base, past(), future()
	outright := false
	for j, o := range r.overrides {
		switch {
		case t.Before(o.start):
			hi = earlier(hi, o.start)
		case !t.Before(o.end):
			lo = later(lo, o.end)
		default:
			lo, hi = later(lo, o.start), earlier(hi, o.end)
			if o.replacing == "" || o.replacing == got.person {
				got = who{person: o.person, source: Source{Layer: -1, Override: j}}
				outright = outright || o.replacing == ""
			}
		}
	}
	if !outright {
		lo, hi = later(lo, baseLo), earlier(hi, baseHi)
	}
	return got, lo, hi
}

// layerState returns layer i's own answer at t and an interval around t over which it holds.
func (r *Roster) layerState(i int, t time.Time) (who, time.Time, time.Time) {
	p := r.layers[i].rot.at(t)
	if !p.covered {
		return who{source: noSource()}, p.lo, p.hi
	}
	return who{person: p.person, source: Source{Layer: i, Shift: p.shift, Override: -1}}, p.lo, p.hi
}

// stretch returns the answer at t with the longest bounds over which it holds, by joining the
// intervals state gives either side of t. With back false, t is known to start the answer.
func stretch(t time.Time, back bool, state func(time.Time) (who, time.Time, time.Time)) OnCall {
	w, lo, hi := state(t)
	for i := 0; i < maxMerge && hi.Before(future()); i++ {
		w2, _, hi2 := state(hi)
		if w2 != w {
			break
		}
		hi = hi2
	}
	if !back {
		lo = t
	}
	for i := 0; i < maxMerge && back && lo.After(past()); i++ {
		w2, lo2, _ := state(lo.Add(-time.Nanosecond))
		if w2 != w {
			break
		}
		lo = lo2
	}
	out := OnCall{Person: w.person, Source: w.source}
	if lo.After(past()) {
		out.Since = lo.UTC()
	}
	if hi.Before(future()) {
		out.Until = hi.UTC()
	}
	return out
}
