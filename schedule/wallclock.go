package schedule

import "time"

// Wall-clock arithmetic. A "wall time" here is what a clock on the wall of a time zone reads,
// carried in a time.Time whose location is UTC: its fields are the local fields, and adding
// hours to it moves the wall clock with no daylight-saving changes in the way. Handoffs and
// restriction windows are wall times; two functions tie them to instants:
//
//   - reading(t) is the latest wall time the zone's clock has shown at or before the instant t.
//     It never goes backwards: while the clocks go back and repeat an hour, it stays at the last
//     reading before the change.
//   - instant(w) is the first instant at which the clock has shown w or later.
//
// They are each other's inverse in the one sense that matters: instant(w) <= t exactly when
// reading(t) >= w. So "the shift whose wall-clock start is the latest not after reading(t)" is
// the shift in progress at t, shifts never overlap, and they leave no gap.

// maxOffset bounds the distance of any zone's UTC offset from zero. Real offsets stay below 16
// hours (the largest, local mean times of the 19th century, are just under).
const maxOffset = 16 * time.Hour

// maxZonePeriods bounds the zone periods walked in one conversion; a real zone changes its
// offset a few times a year at most, and every walk covers at most two days.
const maxZonePeriods = 64

// wallOf returns the wall time shown by the clock of loc at the instant t.
func wallOf(t time.Time, loc *time.Location) time.Time {
	_, offset := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(offset) * time.Second)
}

// reading returns the latest wall time the clock of loc has shown at or before the instant t.
// It is the wall time at t except in a repeated stretch after the clocks go back, where it is
// the last wall time shown before they went back.
func reading(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	_, offset := lt.Zone()
	latest := t.UTC().Add(time.Duration(offset) * time.Second)
	start, _ := lt.ZoneBounds()
	// An earlier zone period can only have shown a later wall time if it ended less than
	// 2*maxOffset before t.
	for i := 0; i < maxZonePeriods && !start.IsZero() && t.Sub(start) < 2*maxOffset; i++ {
		last := start.Add(-time.Nanosecond)
		if w := wallOf(last, loc); w.After(latest) {
			latest = w
		}
		start, _ = last.In(loc).ZoneBounds()
	}
	return latest
}

// instant returns the first instant at which the clock of loc shows the wall time w or a
// later one. When w exists once, that is when it is shown; when the clocks go back and w is
// shown twice, it is the first time; when the clocks jump over w, it is the instant of the
// jump, where the clock first shows a later time.
func instant(w time.Time, loc *time.Location) time.Time {
	// Before w-maxOffset no clock can show w or later.
	t := w.Add(-maxOffset)
	for range maxZonePeriods {
		lt := t.In(loc)
		_, offset := lt.Zone()
		_, end := lt.ZoneBounds()
		c := w.Add(-time.Duration(offset) * time.Second)
		if c.Before(t) {
			// The clock was already past w when this period began: it jumped over w.
			c = t
		}
		if end.IsZero() || c.Before(end) {
			return c.UTC()
		}
		t = end
	}
	// Unreachable for real zones: some period within 2*maxOffset shows w or later.
	return t.UTC()
}

// floorDiv returns a/b rounded towards minus infinity; b must be positive.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// floorMod returns a modulo b in [0, b); b must be positive.
func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}

// midnight returns the start of the wall-clock day of the wall time w.
func midnight(w time.Time) time.Time {
	y, m, d := w.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
