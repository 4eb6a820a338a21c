package schedule

import "time"

// rotation is a Rotation ready for arithmetic. Wall times are held as the Unix seconds of
// their UTC-labelled form (see wallclock.go).
type rotation struct {
	people []string
	loc    *time.Location
	// period is the wall-clock length of a shift, in seconds.
	period int64
	// anchor is the wall time of slot 0 of the handoff grid: the handoff time of day on the
	// local date of start. Slot k begins at anchor + k*period.
	anchor int64
	// first is the slot in progress at start, held by people[0].
	first int64
	// start and end bound the rotation's coverage; a zero end means never.
	start, end time.Time
	// windows are the restrictions; nil means the rotation always covers.
	windows []window
}

// window is one restriction: a stretch of wall-clock time opening at the same time of day on
// some days of the week.
type window struct {
	// days are the days of the week, by time.Weekday, on which the window opens.
	days [7]bool
	// open is the opening time, in seconds after midnight; length is in (0, 24h].
	open, length int64
}

// piece is what one rotation says about the instant asked about, and the interval [lo, hi)
// around it over which that holds. A covered piece is one shift (or the part of it inside a
// restriction window); an uncovered piece is the whole stretch with nobody on call, across any
// handoffs in it.
type piece struct {
	covered bool
	person  string
	// shift numbers the rotation's shifts from 0, the shift in progress at its start.
	shift  int64
	lo, hi time.Time
}

const daySeconds = 24 * 60 * 60

// windowReach is how many days either side of an instant the restriction windows are examined:
// every window opens once a week at least, so the stretch around any instant has an edge within
// a week and a day.
const windowReach = 8

// at returns the rotation's piece at the instant t.
func (r *rotation) at(t time.Time) piece { return r.piece(t, true) }

// coverage returns the rotation's coverage at t: like at, but a covered piece runs across
// handoffs to the end of the restriction window.
func (r *rotation) coverage(t time.Time) piece { return r.piece(t, false) }

func (r *rotation) piece(t time.Time, shifts bool) piece {
	if t.Before(r.start) {
		return piece{lo: past(), hi: r.start}
	}
	end := r.end
	if end.IsZero() {
		end = future()
	}
	if !t.Before(end) {
		return piece{lo: end, hi: future()}
	}
	m := reading(t, r.loc)
	mu := m.Unix()
	lo, hi := r.start, end
	if r.windows != nil {
		in, a, b := r.windowAt(mu)
		lo, hi = later(lo, r.instant(a)), earlier(hi, r.instant(b))
		if !in {
			return piece{lo: lo, hi: hi}
		}
	}
	if !shifts {
		return piece{covered: true, lo: lo, hi: hi}
	}
	slot := floorDiv(mu-r.anchor, r.period)
	lo = later(lo, r.handoff(slot))
	hi = earlier(hi, r.handoff(slot+1))
	n := slot - r.first
	return piece{covered: true, person: r.people[floorMod(n, int64(len(r.people)))], shift: n, lo: lo, hi: hi}
}

// handoff returns the instant slot begins.
func (r *rotation) handoff(slot int64) time.Time {
	return r.instant(r.anchor + slot*r.period)
}

// instant returns the first instant the rotation's clock shows the wall time w (in seconds).
func (r *rotation) instant(w int64) time.Time {
	return instant(time.Unix(w, 0).UTC(), r.loc)
}

// windowAt reports whether the wall time m (in seconds) lies in a restriction window, and the
// bounds [a, b) of the covered or uncovered stretch around it, as far as windowReach days
// either side.
func (r *rotation) windowAt(m int64) (in bool, a, b int64) {
	day := floorDiv(m, daySeconds)
	lowest, highest := (day-windowReach)*daySeconds, (day+windowReach+1)*daySeconds
	if _, end, ok := r.containing(m); ok {
		// Follow overlapping and adjacent windows to either end of the covered stretch.
		for b = end; b < highest; b = end {
			if _, end, ok = r.containing(b); !ok {
				break
			}
		}
		for a = m; a > lowest; {
			start, _, ok := r.containing(a - 1)
			if !ok || start >= a {
				break
			}
			a = start
		}
		return true, a, b
	}
	a, b = lowest, highest
	for d := day - windowReach; d <= day+windowReach; d++ {
		for _, w := range r.windows {
			if !w.days[weekday(d)] {
				continue
			}
			open := d*daySeconds + w.open
			if close := open + w.length; close <= m && close > a {
				a = close
			}
			if open > m && open < b {
				b = open
			}
		}
	}
	return false, a, b
}

// containing returns the earliest opening and the latest closing of the windows that contain
// the wall time m (in seconds).
func (r *rotation) containing(m int64) (start, end int64, ok bool) {
	day := floorDiv(m, daySeconds)
	for d := day - 1; d <= day; d++ {
		for _, w := range r.windows {
			open := d*daySeconds + w.open
			if !w.days[weekday(d)] || m < open || m >= open+w.length {
				continue
			}
			if !ok || open < start {
				start = open
			}
			if !ok || open+w.length > end {
				end = open + w.length
			}
			ok = true
		}
	}
	return start, end, ok
}

// weekday returns the day of the week of the day number d, counted from 1970-01-01, a Thursday.
func weekday(d int64) time.Weekday {
	return time.Weekday(floorMod(d+int64(time.Thursday), 7))
}

// past and future stand for the open ends of an interval with no start or no end.
func past() time.Time   { return time.Time{} }
func future() time.Time { return time.Unix(1<<50, 0).UTC() }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
