package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in configuration files as a Go duration string, such as
// "5m" or "168h". Days are written in hours.
type Duration time.Duration

// String returns the duration in Go's notation, such as "168h0m0s".
func (d Duration) String() string {
	return time.Duration(d).String()
}

// short returns the duration in Go's notation without zero minutes and seconds, such as
// "168h", "1m" or "1m30s".
func (d Duration) short() string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// The ranges, inclusive, of the configuration's durations. A service's ack_timeout and the
// alerts section's durations may also be left out, or 0, for their defaults; every duration
// the policies read is a whole number of seconds.
const (
	// MinShift and MaxShift bound a rotation's shift: from an hour to 90 days.
	MinShift = time.Hour
	MaxShift = 90 * 24 * time.Hour
	// MinAckTimeout and MaxAckTimeout bound a service's ack_timeout: from a minute to a day.
	MinAckTimeout = time.Minute
	MaxAckTimeout = 24 * time.Hour
	// MinFalseAlarmGrace and MaxFalseAlarmGrace bound alerts.false_alarm_grace: from a minute
	// to a day.
	MinFalseAlarmGrace = time.Minute
	MaxFalseAlarmGrace = 24 * time.Hour
	// MinReopenWindow and MaxReopenWindow bound alerts.reopen_window: from a minute to a week.
	MinReopenWindow = time.Minute
	MaxReopenWindow = 7 * 24 * time.Hour
)

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}

// UnmarshalYAML reads a duration string such as "5m" or "168h".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		// A *yaml.TypeError keeps the line number in the decoder's report.
		return &yaml.TypeError{Errors: []string{
			fmt.Sprintf("line %d: invalid duration %q: want a duration such as \"5m\" or \"168h\"", n.Line, n.Value),
		}}
	}
	*d = Duration(v)
	return nil
}

// OnCall returns the ID of the member on call at the given time. Before Start, the first
// member is on call.
func (r Rotation) OnCall(at time.Time) (string, error) {
	if len(r.Members) == 0 {
		return "", errors.New("find on-call member: rotation has no members")
	}
	if r.Shift <= 0 {
		return "", fmt.Errorf("find on-call member: shift %s is not positive", r.Shift)
	}
	if at.Before(r.Start) {
		return r.Members[0], nil
	}
	shifts := int64(at.Sub(r.Start) / time.Duration(r.Shift))
	return r.Members[shifts%int64(len(r.Members))], nil
}

// Contains reports whether t falls within the working hours in the time zone loc; nil means UTC.
func (w WorkingHours) Contains(t time.Time, loc *time.Location) bool {
	days, start, end, err := w.parse()
	if err != nil {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	minute := t.Hour()*60 + t.Minute()
	return days[t.Weekday()] && minute >= start && minute < end
}

// NextStart returns t itself if it falls within the working hours in the time zone loc, and
// otherwise the time the working hours next start. It returns the zero time if the working
// hours are not valid.
func (w WorkingHours) NextStart(t time.Time, loc *time.Location) time.Time {
	if w.Contains(t, loc) {
		return t
	}
	days, start, _, err := w.parse()
	if err != nil {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	for d := 0; d <= 7; d++ {
		next := time.Date(local.Year(), local.Month(), local.Day()+d, start/60, start%60, 0, 0, loc)
		if days[next.Weekday()] && next.After(local) {
			return next
		}
	}
	return time.Time{}
}

// parse returns the working days, and the start and end as minutes since midnight.
func (w WorkingHours) parse() (days [7]bool, start, end int, err error) {
	for _, s := range w.Days {
		d, ok := parseDay(s)
		if !ok {
			return days, 0, 0, fmt.Errorf("unknown day %q", s)
		}
		days[d] = true
	}
	if start, err = parseClock(w.Start); err != nil {
		return days, 0, 0, err
	}
	if end, err = parseClock(w.End); err != nil {
		return days, 0, 0, err
	}
	if start >= end {
		return days, 0, 0, fmt.Errorf("end %s is not after start %s", w.End, w.Start)
	}
	return days, start, end, nil
}

func parseDay(s string) (time.Weekday, bool) {
	switch s {
	case "sun":
		return time.Sunday, true
	case "mon":
		return time.Monday, true
	case "tue":
		return time.Tuesday, true
	case "wed":
		return time.Wednesday, true
	case "thu":
		return time.Thursday, true
	case "fri":
		return time.Friday, true
	case "sat":
		return time.Saturday, true
	}
	return 0, false
}

// parseClock parses "HH:MM" into minutes since midnight.
func parseClock(s string) (int, error) {
	digit := func(i int) (int, bool) { return int(s[i] - '0'), s[i] >= '0' && s[i] <= '9' }
	if len(s) == 5 && s[2] == ':' {
		h1, ok1 := digit(0)
		h2, ok2 := digit(1)
		m1, ok3 := digit(3)
		m2, ok4 := digit(4)
		h, m := h1*10+h2, m1*10+m2
		if ok1 && ok2 && ok3 && ok4 && h < 24 && m < 60 {
			return h*60 + m, nil
		}
	}
	return 0, fmt.Errorf("invalid time %q: want HH:MM", s)
}
