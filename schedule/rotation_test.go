package schedule

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func people(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("p%d", i)
	}
	return out
}

// TestRotationAcrossDST checks wall-clock handoffs on the days the clocks change: no gap, no
// overlap, a skipped time at the jump and a repeated time the first time.
func TestRotationAcrossDST(t *testing.T) {
	cases := []struct {
		name   string
		rot    Rotation
		checks []check
	}{
		{
			name: "Rome daily at 02:30, clocks forward: the handoff happens at 03:00",
			rot: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "02:30", TimeZone: "Europe/Rome",
				Start: ts(t, "2025-03-28T02:30:00+01:00")},
			checks: []check{
				{"2025-03-30T01:59:59+01:00", "b", "2025-03-29T02:30:00+01:00", "2025-03-30T03:00:00+02:00"},
				{"2025-03-30T03:00:00+02:00", "c", "2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00"},
				{"2025-03-31T02:30:00+02:00", "a", "2025-03-31T02:30:00+02:00", "2025-04-01T02:30:00+02:00"},
			},
		},
		{
			name: "Rome daily at 02:30, clocks back: the first 02:30, and a 25-hour shift",
			rot: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "02:30", TimeZone: "Europe/Rome",
				Start: ts(t, "2025-10-24T02:30:00+02:00")},
			checks: []check{
				{"2025-10-26T02:29:59+02:00", "b", "2025-10-25T02:30:00+02:00", "2025-10-26T02:30:00+02:00"},
				{"2025-10-26T02:30:00+02:00", "c", "2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"},
				{"2025-10-26T02:15:00+01:00", "c", "2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"},
			},
		},
		{
			name: "New York weekly from Monday 09:00 across the change: a 167-hour week",
			rot: Rotation{Participants: []string{"a", "b"}, Shift: "1w", Handoff: "09:00", TimeZone: "America/New_York",
				Start: ts(t, "2025-03-03T09:00:00-05:00")},
			checks: []check{
				{"2025-03-03T09:00:00-05:00", "a", "2025-03-03T09:00:00-05:00", "2025-03-10T09:00:00-04:00"},
				{"2025-03-10T08:59:59-04:00", "a", "2025-03-03T09:00:00-05:00", "2025-03-10T09:00:00-04:00"},
				{"2025-03-10T09:00:00-04:00", "b", "2025-03-10T09:00:00-04:00", "2025-03-17T09:00:00-04:00"},
			},
		},
		{
			name: "New York 8-hour shifts from 06:00, clocks back: the night shift is 9 hours",
			rot: Rotation{Participants: []string{"a", "b", "c"}, Shift: "8h", Handoff: "06:00", TimeZone: "America/New_York",
				Start: ts(t, "2025-11-01T06:00:00-04:00")},
			checks: []check{
				{"2025-11-01T21:59:59-04:00", "b", "2025-11-01T14:00:00-04:00", "2025-11-01T22:00:00-04:00"},
				{"2025-11-02T01:30:00-04:00", "c", "2025-11-01T22:00:00-04:00", "2025-11-02T06:00:00-05:00"},
				{"2025-11-02T01:30:00-05:00", "c", "2025-11-01T22:00:00-04:00", "2025-11-02T06:00:00-05:00"},
				{"2025-11-02T06:00:00-05:00", "a", "2025-11-02T06:00:00-05:00", "2025-11-02T14:00:00-05:00"},
			},
		},
		{
			name: "New York hourly, clocks forward: the 02:00 shift has no length and its person is passed over",
			rot: Rotation{Participants: people(5), Shift: "1h", Handoff: "00:00", TimeZone: "America/New_York",
				Start: ts(t, "2025-03-09T00:00:00-05:00")},
			checks: []check{
				{"2025-03-09T01:59:59-05:00", "p1", "2025-03-09T01:00:00-05:00", "2025-03-09T03:00:00-04:00"},
				{"2025-03-09T03:00:00-04:00", "p3", "2025-03-09T03:00:00-04:00", "2025-03-09T04:00:00-04:00"},
				{"2025-03-09T04:00:00-04:00", "p4", "2025-03-09T04:00:00-04:00", "2025-03-09T05:00:00-04:00"},
			},
		},
		{
			name: "Lord Howe daily at 02:15, clocks forward half an hour: the handoff happens at 02:30",
			rot: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "02:15", TimeZone: "Australia/Lord_Howe",
				Start: ts(t, "2025-10-03T02:15:00+10:30")},
			checks: []check{
				{"2025-10-05T01:59:59+10:30", "b", "2025-10-04T02:15:00+10:30", "2025-10-05T02:30:00+11:00"},
				{"2025-10-05T02:30:00+11:00", "c", "2025-10-05T02:30:00+11:00", "2025-10-06T02:15:00+11:00"},
			},
		},
		{
			name: "Lord Howe daily at 01:45, clocks back half an hour: the first 01:45, and a 24½-hour shift",
			rot: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "01:45", TimeZone: "Australia/Lord_Howe",
				Start: ts(t, "2025-04-04T01:45:00+11:00")},
			checks: []check{
				{"2025-04-06T01:44:59+11:00", "b", "2025-04-05T01:45:00+11:00", "2025-04-06T01:45:00+11:00"},
				{"2025-04-06T01:45:00+11:00", "c", "2025-04-06T01:45:00+11:00", "2025-04-07T01:45:00+10:30"},
				// The clock reads 01:40 again after going back, but the handoff has happened.
				{"2025-04-06T01:40:00+10:30", "c", "2025-04-06T01:45:00+11:00", "2025-04-07T01:45:00+10:30"},
			},
		},
		{
			name: "Apia daily at 09:00 across the skipped 30 December 2011: that shift runs from the jump to 09:00",
			rot: Rotation{Participants: []string{"a", "b", "c", "d"}, Shift: "1d", Handoff: "09:00", TimeZone: "Pacific/Apia",
				Start: ts(t, "2011-12-28T09:00:00-10:00")},
			checks: []check{
				{"2011-12-29T23:59:59-10:00", "b", "2011-12-29T09:00:00-10:00", "2011-12-31T00:00:00+14:00"},
				{"2011-12-31T00:00:00+14:00", "c", "2011-12-31T00:00:00+14:00", "2011-12-31T09:00:00+14:00"},
				{"2011-12-31T09:00:00+14:00", "d", "2011-12-31T09:00:00+14:00", "2012-01-01T09:00:00+14:00"},
			},
		},
		{
			name: "Apia hourly across the skipped day: its 24 shifts have no length, and the rotation moves on 24 places",
			rot: Rotation{Participants: people(5), Shift: "1h", Handoff: "22:00", TimeZone: "Pacific/Apia",
				Start: ts(t, "2011-12-29T22:00:00-10:00")},
			checks: []check{
				{"2011-12-29T23:30:00-10:00", "p1", "2011-12-29T23:00:00-10:00", "2011-12-31T00:00:00+14:00"},
				{"2011-12-31T00:00:00+14:00", "p1", "2011-12-31T00:00:00+14:00", "2011-12-31T01:00:00+14:00"},
				{"2011-12-31T01:00:00+14:00", "p2", "2011-12-31T01:00:00+14:00", "2011-12-31T02:00:00+14:00"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoster(t, one(c.rot))
			for _, ch := range c.checks {
				requireAnswer(t, ch, r.At(ts(t, ch.at)))
			}
		})
	}
}

// TestRotationShapes checks daily, weekly, hourly and restricted rotations, and where a
// rotation begins and ends.
func TestRotationShapes(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	weekdays := []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "00:00", To: "00:00"}}
	cases := []struct {
		name   string
		rot    Rotation
		checks []check
	}{
		{
			name: "daily: one after the other, round and round",
			rot:  Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday},
			checks: []check{
				{"2025-01-06T09:00:00Z", "a", "2025-01-06T09:00:00Z", "2025-01-07T09:00:00Z"},
				{"2025-01-08T08:59:59.999999999Z", "b", "2025-01-07T09:00:00Z", "2025-01-08T09:00:00Z"},
				{"2025-01-09T12:00:00Z", "a", "2025-01-09T09:00:00Z", "2025-01-10T09:00:00Z"},
			},
		},
		{
			name: "two-day shifts",
			rot:  Rotation{Participants: []string{"a", "b"}, Shift: "2d", Handoff: "09:00", TimeZone: "UTC", Start: monday},
			checks: []check{
				{"2025-01-07T23:00:00Z", "a", "2025-01-06T09:00:00Z", "2025-01-08T09:00:00Z"},
				{"2025-01-08T09:00:00Z", "b", "2025-01-08T09:00:00Z", "2025-01-10T09:00:00Z"},
			},
		},
		{
			name: "weekly, years after the start",
			rot:  Rotation{Participants: []string{"a", "b", "c"}, Shift: "1w", Handoff: "09:00", TimeZone: "Europe/Rome", Start: ts(t, "2015-01-05T09:00:00+01:00")},
			checks: []check{
				// 2025-01-06 is 522 weeks after 2015-01-05; 522 = 3*174.
				{"2025-01-08T12:00:00+01:00", "a", "2025-01-06T09:00:00+01:00", "2025-01-13T09:00:00+01:00"},
				{"2025-07-08T12:00:00+02:00", "c", "2025-07-07T09:00:00+02:00", "2025-07-14T09:00:00+02:00"},
			},
		},
		{
			name: "hourly: 12-hour shifts from 08:00",
			rot:  Rotation{Participants: []string{"day", "night"}, Shift: "12h", Handoff: "08:00", TimeZone: "UTC", Start: ts(t, "2025-01-06T08:00:00Z")},
			checks: []check{
				{"2025-01-06T19:59:59Z", "day", "2025-01-06T08:00:00Z", "2025-01-06T20:00:00Z"},
				{"2025-01-07T03:00:00Z", "night", "2025-01-06T20:00:00Z", "2025-01-07T08:00:00Z"},
			},
		},
		{
			name: "the first participant holds the shift in progress at the start, cut to it",
			rot:  Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: ts(t, "2025-01-06T15:00:00Z")},
			checks: []check{
				{"2025-01-06T14:59:59Z", "", "", "2025-01-06T15:00:00Z"},
				{"2025-01-06T15:00:00Z", "a", "2025-01-06T15:00:00Z", "2025-01-07T09:00:00Z"},
				{"2025-01-07T09:00:00Z", "b", "2025-01-07T09:00:00Z", "2025-01-08T09:00:00Z"},
			},
		},
		{
			name: "a start before the handoff time gives the first participant the hours up to it",
			rot:  Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: ts(t, "2025-01-06T06:00:00Z")},
			checks: []check{
				{"2025-01-06T06:00:00Z", "a", "2025-01-06T06:00:00Z", "2025-01-06T09:00:00Z"},
				{"2025-01-06T09:00:00Z", "b", "2025-01-06T09:00:00Z", "2025-01-07T09:00:00Z"},
			},
		},
		{
			name: "no handoff time: the start's local time of day",
			rot:  Rotation{Participants: []string{"a", "b"}, Shift: "1d", TimeZone: "Europe/Rome", Start: ts(t, "2025-01-06T10:30:00+01:00")},
			checks: []check{
				{"2025-04-01T10:29:00+02:00", "a", "2025-03-31T10:30:00+02:00", "2025-04-01T10:30:00+02:00"},
			},
		},
		{
			name: "an end: nobody on call from then on",
			rot: Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday,
				End: ts(t, "2025-01-07T12:00:00Z")},
			checks: []check{
				{"2025-01-07T11:59:59Z", "b", "2025-01-07T09:00:00Z", "2025-01-07T12:00:00Z"},
				{"2025-01-07T12:00:00Z", "", "2025-01-07T12:00:00Z", ""},
			},
		},
		{
			name: "weekdays only: shifts go on at the weekend, so nobody is skipped (goalert#55)",
			rot: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday,
				Restrictions: weekdays},
			checks: []check{
				{"2025-01-10T12:00:00Z", "b", "2025-01-10T09:00:00Z", "2025-01-11T00:00:00Z"},
				{"2025-01-11T12:00:00Z", "", "2025-01-11T00:00:00Z", "2025-01-13T00:00:00Z"},
				// Sunday's shift (a) runs into Monday morning; Monday's (b) starts at 09:00.
				{"2025-01-13T03:00:00Z", "a", "2025-01-13T00:00:00Z", "2025-01-13T09:00:00Z"},
				{"2025-01-13T09:00:00Z", "b", "2025-01-13T09:00:00Z", "2025-01-14T09:00:00Z"},
			},
		},
		{
			name: "working hours on a weekly rotation",
			rot: Rotation{Participants: []string{"a", "b"}, Shift: "1w", Handoff: "09:00", TimeZone: "Europe/Rome",
				Start:        ts(t, "2025-01-06T09:00:00+01:00"),
				Restrictions: []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}}},
			checks: []check{
				{"2025-01-07T10:00:00+01:00", "a", "2025-01-07T09:00:00+01:00", "2025-01-07T17:00:00+01:00"},
				{"2025-01-07T17:00:00+01:00", "", "2025-01-07T17:00:00+01:00", "2025-01-08T09:00:00+01:00"},
				{"2025-01-10T18:00:00+01:00", "", "2025-01-10T17:00:00+01:00", "2025-01-13T09:00:00+01:00"},
				{"2025-01-13T09:00:00+01:00", "b", "2025-01-13T09:00:00+01:00", "2025-01-13T17:00:00+01:00"},
			},
		},
		{
			name: "an overnight window closes the next morning",
			rot: Rotation{Participants: []string{"a"}, Shift: "1w", Handoff: "09:00", TimeZone: "UTC", Start: monday,
				Restrictions: []Restriction{{Days: []string{"fri"}, From: "18:00", To: "09:00"}}},
			checks: []check{
				{"2025-01-11T08:00:00Z", "a", "2025-01-10T18:00:00Z", "2025-01-11T09:00:00Z"},
				{"2025-01-11T09:00:00Z", "", "2025-01-11T09:00:00Z", "2025-01-17T18:00:00Z"},
			},
		},
		{
			name: "adjacent windows join into one answer",
			rot: Rotation{Participants: []string{"a"}, Shift: "1w", Handoff: "09:00", TimeZone: "UTC", Start: monday,
				Restrictions: []Restriction{{From: "08:00", To: "12:00"}, {From: "12:00", To: "18:00"}, {From: "10:00", To: "11:00"}}},
			checks: []check{
				{"2025-01-07T12:00:00Z", "a", "2025-01-07T08:00:00Z", "2025-01-07T18:00:00Z"},
			},
		},
		{
			name: "a window across the clocks going back in Rome ends once, the first 02:30",
			rot: Rotation{Participants: []string{"a"}, Shift: "1w", Handoff: "09:00", TimeZone: "Europe/Rome", Start: ts(t, "2025-10-20T09:00:00+02:00"),
				Restrictions: []Restriction{{Days: []string{"sun"}, From: "01:00", To: "02:30"}}},
			checks: []check{
				{"2025-10-26T02:00:00+02:00", "a", "2025-10-26T01:00:00+02:00", "2025-10-26T02:30:00+02:00"},
				{"2025-10-26T02:00:00+01:00", "", "2025-10-26T02:30:00+02:00", "2025-11-02T01:00:00+01:00"},
			},
		},
		{
			name: "a window open when the clocks go back in Rome stays open through the repeated hour",
			rot: Rotation{Participants: []string{"a"}, Shift: "1w", Handoff: "09:00", TimeZone: "Europe/Rome", Start: ts(t, "2025-10-20T09:00:00+02:00"),
				Restrictions: []Restriction{{Days: []string{"sun"}, From: "02:45", To: "04:00"}}},
			checks: []check{
				{"2025-10-26T02:40:00+01:00", "a", "2025-10-26T02:45:00+02:00", "2025-10-26T04:00:00+01:00"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoster(t, one(c.rot))
			for _, ch := range c.checks {
				got := r.At(ts(t, ch.at))
				requireAnswer(t, ch, got)
				require.Equal(t, got, r.LayersAt(ts(t, ch.at))[0], "a single layer's answer is the schedule's")
			}
		})
	}
}

// TestHandoffIsHalfOpen checks that a shift covers its start and not its end, to the nanosecond.
func TestHandoffIsHalfOpen(t *testing.T) {
	r := newRoster(t, one(Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "Europe/Rome",
		Start: ts(t, "2025-01-06T09:00:00+01:00")}))
	handoff := ts(t, "2025-01-07T09:00:00+01:00")
	cases := []struct {
		name string
		at   time.Time
		want string
	}{
		{"a nanosecond before", handoff.Add(-time.Nanosecond), "a"},
		{"exactly at the handoff", handoff, "b"},
		{"the same instant in another zone", handoff.In(zone(t, "America/New_York")), "b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, r.At(c.at).Person)
		})
	}
}

// TestShiftNumbers checks that answers name the shift they come from.
func TestShiftNumbers(t *testing.T) {
	r := newRoster(t, one(Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC",
		Start: ts(t, "2025-01-06T09:00:00Z")}))
	cases := []struct {
		name  string
		at    string
		shift int64
	}{
		{"the first shift", "2025-01-06T09:00:00Z", 0},
		{"the tenth shift", "2025-01-15T10:00:00Z", 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, Source{Layer: 0, Shift: c.shift, Override: -1}, r.At(ts(t, c.at)).Source)
		})
	}
}
