package schedule

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkAt asks who is on call at random instants of 2025 and 2026, for rotations that
// started a year, ten years and fifty years before: the cost does not grow with the number of
// past shifts, because the shift in progress is found by division, not by walking the shifts.
func BenchmarkAt(b *testing.B) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, years := range []int{1, 10, 50} {
		for _, shape := range []struct {
			name string
			s    func(start time.Time) Schedule
		}{
			{"hourly", func(start time.Time) Schedule {
				return one(Rotation{Participants: people(7), Shift: "1h", TimeZone: "America/New_York", Start: start})
			}},
			{"weekly, weekdays 09-17, three layers, 100 overrides", func(start time.Time) Schedule {
				s := Schedule{Layers: []Layer{
					{Name: "primary", Rotation: Rotation{Participants: people(7), Shift: "1w", Handoff: "09:00", TimeZone: "Europe/Rome", Start: start}},
					{Name: "office", Level: 1, Rotation: Rotation{Participants: people(5), Shift: "1d", Handoff: "09:00", TimeZone: "Europe/Rome", Start: start,
						Restrictions: []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}}}},
					{Name: "lord howe", Level: 2, Rotation: Rotation{Participants: people(3), Shift: "12h", Handoff: "02:15", TimeZone: "Australia/Lord_Howe", Start: start,
						Restrictions: []Restriction{{Days: []string{"sat", "sun"}, From: "02:15", To: "06:00"}}}},
				}}
				rng := rand.New(rand.NewPCG(2, 2))
				for i := range 100 {
					from := now.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
					o := Override{Person: fmt.Sprintf("o%d", i), Start: from, End: from.Add(time.Duration(1+rng.IntN(72)) * time.Hour)}
					if i%2 == 0 {
						o.Replacing = fmt.Sprintf("p%d", i%5)
					}
					s.Overrides = append(s.Overrides, o)
				}
				return s
			}},
		} {
			b.Run(fmt.Sprintf("%s, started %d years before", shape.name, years), func(b *testing.B) {
				r := newRoster(b, shape.s(now.AddDate(-years, 0, 0)))
				rng := rand.New(rand.NewPCG(1, 1))
				instants := make([]time.Time, 1024)
				for i := range instants {
					instants[i] = now.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					_ = r.At(instants[i%len(instants)])
					i++
				}
			})
		}
	}
}

// BenchmarkNewRoster checks and compiles a schedule with two layers on one level that take
// turns, the most work Validate does: it walks their coverage for a year looking for overlaps.
func BenchmarkNewRoster(b *testing.B) {
	start := time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)
	s := Schedule{Layers: []Layer{
		{Name: "day", Rotation: Rotation{Participants: people(5), Shift: "1d", Handoff: "08:00", TimeZone: "Europe/Rome", Start: start,
			Restrictions: []Restriction{{From: "08:00", To: "20:00"}}}},
		{Name: "night", Rotation: Rotation{Participants: people(5), Shift: "1d", Handoff: "20:00", TimeZone: "Europe/Rome", Start: start,
			Restrictions: []Restriction{{From: "20:00", To: "08:00"}}}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewRoster(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGaps looks for gaps in a month of an hourly rotation restricted to working hours.
func BenchmarkGaps(b *testing.B) {
	start := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	r := newRoster(b, one(Rotation{Participants: people(5), Shift: "1h", TimeZone: "Europe/Rome", Start: start,
		Restrictions: []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}}}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Gaps(start, start.AddDate(0, 1, 0)); err != nil {
			b.Fatal(err)
		}
	}
}
