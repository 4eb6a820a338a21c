package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestInstantOfWallTime(t *testing.T) {
	cases := []struct {
		name, zone string
		wall       time.Time // the local fields, carried in UTC
		want       string
	}{
		{"an ordinary time", "Europe/Rome", wallTime(2025, 1, 15, 9, 0), "2025-01-15T09:00:00+01:00"},
		{"Rome: a skipped time happens when the clocks jump", "Europe/Rome", wallTime(2025, 3, 30, 2, 30), "2025-03-30T03:00:00+02:00"},
		{"Rome: the first time after the jump", "Europe/Rome", wallTime(2025, 3, 30, 3, 0), "2025-03-30T03:00:00+02:00"},
		{"Rome: a repeated time happens the first time", "Europe/Rome", wallTime(2025, 10, 26, 2, 30), "2025-10-26T02:30:00+02:00"},
		{"Rome: the hour after the repeat", "Europe/Rome", wallTime(2025, 10, 26, 3, 0), "2025-10-26T03:00:00+01:00"},
		{"New York: a skipped time", "America/New_York", wallTime(2025, 3, 9, 2, 30), "2025-03-09T03:00:00-04:00"},
		{"New York: a repeated time", "America/New_York", wallTime(2025, 11, 2, 1, 30), "2025-11-02T01:30:00-04:00"},
		{"Lord Howe: a time in the skipped half hour", "Australia/Lord_Howe", wallTime(2025, 10, 5, 2, 15), "2025-10-05T02:30:00+11:00"},
		{"Lord Howe: a time in the repeated half hour", "Australia/Lord_Howe", wallTime(2025, 4, 6, 1, 45), "2025-04-06T01:45:00+11:00"},
		{"Lord Howe: just before the repeated half hour", "Australia/Lord_Howe", wallTime(2025, 4, 6, 1, 29), "2025-04-06T01:29:00+11:00"},
		{"Apia: a time on the skipped day happens at the jump", "Pacific/Apia", wallTime(2011, 12, 30, 9, 0), "2011-12-31T00:00:00+14:00"},
		{"Apia: the last minute before the jump", "Pacific/Apia", wallTime(2011, 12, 29, 23, 59), "2011-12-29T23:59:00-10:00"},
		{"Apia: the day after the skipped day", "Pacific/Apia", wallTime(2011, 12, 31, 9, 0), "2011-12-31T09:00:00+14:00"},
		{"UTC", "UTC", wallTime(2025, 6, 1, 12, 0), "2025-06-01T12:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := zone(t, c.zone)
			got := instant(c.wall, loc)
			want := ts(t, c.want)
			require.Truef(t, want.Equal(got), "want %s, got %s", want, got.In(loc))
			require.Truef(t, got.Equal(bruteInstant(c.wall, loc)), "the brute-force search disagrees: %s", bruteInstant(c.wall, loc))
		})
	}
}

// TestTimeDateDiffers records why the package does not resolve wall times with time.Date.
func TestTimeDateDiffers(t *testing.T) {
	cases := []struct {
		name, zone string
		wall       time.Time
	}{
		{"a repeated time is the second occurrence", "Europe/Rome", wallTime(2025, 10, 26, 2, 30)},
		{"a time on Apia's skipped day goes back a day", "Pacific/Apia", wallTime(2011, 12, 30, 9, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := zone(t, c.zone)
			byDate := time.Date(c.wall.Year(), c.wall.Month(), c.wall.Day(), c.wall.Hour(), c.wall.Minute(), 0, 0, loc)
			require.False(t, byDate.Equal(instant(c.wall, loc)), "time.Date gives %s", byDate)
		})
	}
}

func TestReadingNeverGoesBack(t *testing.T) {
	cases := []struct {
		name, zone, at string
		want           time.Time
	}{
		{"an ordinary instant reads its wall time", "Europe/Rome", "2025-01-15T09:00:00+01:00", wallTime(2025, 1, 15, 9, 0)},
		{"Rome: the repeated hour reads the last time before the change", "Europe/Rome", "2025-10-26T02:30:00+01:00", wallTime(2025, 10, 26, 3, 0).Add(-time.Nanosecond)},
		{"Rome: after the repeated hour the clock reads again", "Europe/Rome", "2025-10-26T03:00:00+01:00", wallTime(2025, 10, 26, 3, 0)},
		{"New York: the repeated hour", "America/New_York", "2025-11-02T01:00:00-05:00", wallTime(2025, 11, 2, 2, 0).Add(-time.Nanosecond)},
		{"Lord Howe: the repeated half hour", "Australia/Lord_Howe", "2025-04-06T01:40:00+10:30", wallTime(2025, 4, 6, 2, 0).Add(-time.Nanosecond)},
		{"Apia: after the skipped day", "Pacific/Apia", "2011-12-31T00:00:00+14:00", wallTime(2011, 12, 31, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := reading(ts(t, c.at), zone(t, c.zone))
			require.Truef(t, c.want.Equal(got), "want %s, got %s", c.want, got)
		})
	}
}

func wallTime(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

// bruteInstant finds the first instant at which the clock of loc shows w or later by reading
// the clock every minute, with the time package's own conversion; w must be a whole minute,
// and the zone's changes must fall on whole minutes.
func bruteInstant(w time.Time, loc *time.Location) time.Time {
	for t := w.Add(-maxOffset).Truncate(time.Minute); ; t = t.Add(time.Minute) {
		l := t.In(loc)
		local := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
		if !local.Before(w) {
			return t
		}
	}
}
