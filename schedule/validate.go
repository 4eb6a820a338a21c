package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Problem is one thing wrong with a schedule: the path of the field, in the names of the JSON
// and YAML forms (such as "layers[1].rotation.time_zone"), and what is wrong with it.
type Problem struct {
	// Path is the field path, or "" when the problem is about the whole schedule.
	Path string
	// Message says what is wrong and, where it helps, what is wanted.
	Message string
}

// Error returns "path: message".
func (p Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Problems is every problem Validate found, in the order of the fields. A caller that reads a
// schedule from a file turns each path into a line number.
type Problems []Problem

// Error returns the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// overlapHorizon is how far Validate looks for layers on the same level covering the same
// instant: restrictions repeat every week and daylight-saving changes every year.
const overlapHorizon = 371 * 24 * time.Hour

// maxOverlapSteps bounds the walk over two layers' coverage in overlapHorizon; coverage changes
// at most a few times per restriction per day.
const maxOverlapSteps = 1 << 16

// Validate reports everything wrong with the schedule as Problems, or returns nil: an empty
// rotation, an unknown time zone, a shift that is not a positive whole number of hours, days or
// weeks, a malformed time of day or day of the week, an override that ends before it starts,
// layers on the same level covering the same instant in the year after both have started (no
// winner), and anything beyond the package's limits.
func (s Schedule) Validate() error {
	_, ps := compile(s)
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// validator collects problems while a schedule is compiled.
type validator struct {
	problems Problems
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// name checks an identifier: a layer name, a person or an override ID.
func (v *validator) name(path, what, s string, required bool) {
	switch {
	case s == "":
		if required {
			v.add(path, "missing %s", what)
		}
	case len(s) > MaxNameLength:
		v.add(path, "%s is longer than %d bytes", what, MaxNameLength)
	case !printable(s):
		v.add(path, "%s %q has characters that cannot be printed", what, s)
	}
}

// instant checks a required instant against the bounds a schedule may name.
func (v *validator) instant(path string, t time.Time) bool {
	if t.IsZero() {
		v.add(path, "missing time: want an instant such as 2025-01-06T09:00:00+01:00")
		return false
	}
	if u := t.Unix(); u < earliestUnix || u >= latestUnix {
		v.add(path, "time %s is outside 1970-01-01 to 2200-01-01", t.UTC().Format(time.RFC3339))
		return false
	}
	return true
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// compile checks the schedule and, when it has no problems, builds its Roster.
func compile(s Schedule) (*Roster, Problems) {
	v := &validator{}
	r := &Roster{}
	if len(s.Layers) == 0 {
		v.add("layers", "no layers: want at least one")
	}
	if len(s.Layers) > MaxLayers {
		v.add("layers", "%d layers: want at most %d", len(s.Layers), MaxLayers)
		s.Layers = s.Layers[:MaxLayers]
	}
	names := map[string]int{}
	for i, l := range s.Layers {
		p := fmt.Sprintf("layers[%d]", i)
		v.name(p+".name", "name", l.Name, true)
		if j, dup := names[l.Name]; dup && l.Name != "" {
			v.add(p+".name", "duplicate name %q: layers[%d] has it too", l.Name, j)
		}
		names[l.Name] = i
		rot := v.rotation(p+".rotation", l.Rotation)
		r.layers = append(r.layers, layer{name: l.Name, level: l.Level, rot: rot})
	}
	if len(s.Overrides) > MaxOverrides {
		v.add("overrides", "%d overrides: want at most %d (drop those that have ended)", len(s.Overrides), MaxOverrides)
		s.Overrides = s.Overrides[:MaxOverrides]
	}
	ids := map[string]int{}
	for i, o := range s.Overrides {
		r.overrides = append(r.overrides, v.override(fmt.Sprintf("overrides[%d]", i), o, i, ids))
	}
	if len(v.problems) > 0 {
		return nil, v.problems
	}
	r.order = precedence(r.layers)
	v.overlaps(r.layers)
	if len(v.problems) > 0 {
		return nil, v.problems
	}
	return r, nil
}

func (v *validator) rotation(p string, in Rotation) *rotation {
	r := &rotation{people: in.Participants}
	if len(in.Participants) == 0 {
		v.add(p+".participants", "empty rotation: want at least one participant")
	}
	if len(in.Participants) > MaxParticipants {
		v.add(p+".participants", "%d participants: want at most %d", len(in.Participants), MaxParticipants)
	}
	for i, id := range in.Participants[:min(len(in.Participants), MaxParticipants)] {
		v.name(fmt.Sprintf("%s.participants[%d]", p, i), "participant", id, true)
	}
	period, err := parseShift(in.Shift)
	if err != nil {
		v.add(p+".shift", "%v", err)
	}
	r.period = period

	loc, zoneOK := v.zone(p+".time_zone", in.TimeZone)
	r.loc = loc
	startOK := v.instant(p+".start", in.Start)
	r.start = in.Start.UTC()
	if !in.End.IsZero() && v.instant(p+".end", in.End) {
		r.end = in.End.UTC()
		if startOK && !r.end.After(r.start) {
			v.add(p+".end", "end %s is not after start %s", r.end.Format(time.RFC3339), r.start.Format(time.RFC3339))
		}
	}
	handoff, handoffOK := -1, true
	if in.Handoff != "" {
		if handoff, err = parseClock(in.Handoff); err != nil {
			v.add(p+".handoff", "%v", err)
			handoffOK = false
		}
	}

	if len(in.Restrictions) > MaxRestrictions {
		v.add(p+".restrictions", "%d restrictions: want at most %d", len(in.Restrictions), MaxRestrictions)
		in.Restrictions = in.Restrictions[:MaxRestrictions]
	}
	for i, res := range in.Restrictions {
		r.windows = append(r.windows, v.restriction(fmt.Sprintf("%s.restrictions[%d]", p, i), res))
	}

	if zoneOK && startOK && handoffOK && period > 0 {
		start := reading(r.start, loc)
		if handoff < 0 {
			handoff = start.Hour()*60 + start.Minute()
		}
		r.anchor = midnight(start).Unix() + int64(handoff)*60
		r.first = floorDiv(start.Unix()-r.anchor, r.period)
	}
	return r
}

func (v *validator) zone(path, name string) (*time.Location, bool) {
	switch {
	case name == "":
		v.add(path, "missing time zone: want an IANA name such as Europe/Rome or UTC")
		return nil, false
	case name == "Local":
		v.add(path, "time zone Local depends on the machine: want an IANA name such as Europe/Rome or UTC")
		return nil, false
	case len(name) > MaxNameLength || !printable(name):
		v.add(path, "unknown time zone %q: want an IANA name such as Europe/Rome or UTC", name)
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		v.add(path, "unknown time zone %q: want an IANA name such as Europe/Rome or UTC", name)
		return nil, false
	}
	return loc, true
}

func (v *validator) restriction(p string, in Restriction) window {
	var w window
	if len(in.Days) == 0 {
		w.days = [7]bool{true, true, true, true, true, true, true}
	}
	if len(in.Days) > 7 {
		v.add(p+".days", "%d days: want at most 7", len(in.Days))
		in.Days = in.Days[:7]
	}
	for i, s := range in.Days {
		d, ok := parseDay(s)
		if !ok {
			v.add(fmt.Sprintf("%s.days[%d]", p, i), "unknown day %q: want mon, tue, wed, thu, fri, sat or sun", s)
			continue
		}
		w.days[d] = true
	}
	from, err := parseClock(in.From)
	if err != nil {
		v.add(p+".from", "%v", err)
	}
	to, err := parseClock(in.To)
	if err != nil {
		v.add(p+".to", "%v", err)
	}
	if to <= from {
		to += 24 * 60
	}
	w.open, w.length = int64(from)*60, int64(to-from)*60
	return w
}

func (v *validator) override(p string, in Override, i int, ids map[string]int) override {
	v.name(p+".id", "id", in.ID, false)
	if j, dup := ids[in.ID]; dup && in.ID != "" {
		v.add(p+".id", "duplicate id %q: overrides[%d] has it too", in.ID, j)
	}
	ids[in.ID] = i
	v.name(p+".person", "person", in.Person, true)
	v.name(p+".replacing", "replaced person", in.Replacing, false)
	if in.Replacing != "" && in.Replacing == in.Person {
		v.add(p+".replacing", "%q replaces itself", in.Person)
	}
	startOK := v.instant(p+".start", in.Start)
	endOK := v.instant(p+".end", in.End)
	start, end := in.Start.UTC(), in.End.UTC()
	switch {
	case !startOK || !endOK:
	case !end.After(start):
		v.add(p+".end", "end %s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	case end.Sub(start) > MaxOverride:
		v.add(p+".end", "override lasts %s: want at most %s (use a layer for longer changes)", end.Sub(start), MaxOverride)
	}
	return override{person: in.Person, replacing: in.Replacing, start: start, end: end}
}

// overlaps reports layers on the same level that cover the same instant within overlapHorizon
// of the later of their starts.
func (v *validator) overlaps(layers []layer) {
	for j := range layers {
		for i := range j {
			if layers[i].level != layers[j].level {
				continue
			}
			if at, ok := firstOverlap(layers[i].rot, layers[j].rot); ok {
				v.add(fmt.Sprintf("layers[%d].level", j),
					"layers %q and %q are both on level %d and both cover %s: no winner; give one a higher level or restrict them so they do not overlap",
					layers[i].name, layers[j].name, layers[j].level, at.Format(time.RFC3339))
			}
		}
	}
}

// firstOverlap returns the first instant both rotations cover, within overlapHorizon of the
// later of their starts.
func firstOverlap(a, b *rotation) (time.Time, bool) {
	t := later(a.start, b.start)
	until := t.Add(overlapHorizon)
	for range maxOverlapSteps {
		if !t.Before(until) {
			break
		}
		pa, pb := a.coverage(t), b.coverage(t)
		if pa.covered && pb.covered {
			return t, true
		}
		t = earlier(pa.hi, pb.hi)
	}
	return time.Time{}, false
}

// parseShift parses "12h", "1d" or "1w" into seconds of wall-clock time.
func parseShift(s string) (int64, error) {
	const want = "want a positive whole number of hours, days or weeks, such as 12h, 1d or 1w"
	if s == "" {
		return 0, fmt.Errorf("missing shift length: %s", want)
	}
	var seconds, most int64
	switch s[len(s)-1] {
	case 'h':
		seconds, most = 3600, 366*24
	case 'd':
		seconds, most = 24*3600, 366
	case 'w':
		seconds, most = 7*24*3600, 52
	default:
		return 0, fmt.Errorf("invalid shift length %q: %s", s, want)
	}
	digits := s[:len(s)-1]
	if strings.HasPrefix(digits, "-") {
		return 0, fmt.Errorf("non-positive shift length %q: %s", s, want)
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("invalid shift length %q: %s", s, want)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	switch {
	case err == nil && n == 0:
		return 0, fmt.Errorf("non-positive shift length %q: %s", s, want)
	case err != nil || n > most:
		return 0, fmt.Errorf("shift length %q is longer than a year: %s", s, want)
	}
	return n * seconds, nil
}

// parseClock parses "HH:MM" into minutes after midnight.
func parseClock(s string) (int, error) {
	if len(s) == 5 && s[2] == ':' && strings.Trim(s[:2]+s[3:], "0123456789") == "" {
		h, _ := strconv.Atoi(s[:2])
		m, _ := strconv.Atoi(s[3:])
		if h < 24 && m < 60 {
			return h*60 + m, nil
		}
	}
	return 0, fmt.Errorf("invalid time of day %q: want HH:MM, such as 09:00", s)
}

func parseDay(s string) (time.Weekday, bool) {
	for d, name := range [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		if s == name {
			return time.Weekday(d), true
		}
	}
	return 0, false
}
