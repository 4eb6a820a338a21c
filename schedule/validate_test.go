package schedule

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validSchedule(t *testing.T) Schedule {
	return Schedule{
		Layers: []Layer{{Name: "primary", Rotation: Rotation{Participants: []string{"a", "b"}, Shift: "1w", Handoff: "09:00",
			TimeZone: "Europe/Rome", Start: ts(t, "2025-01-06T09:00:00+01:00")}}},
		Overrides: []Override{{ID: "o1", Person: "c", Replacing: "a", Start: ts(t, "2025-01-07T09:00:00+01:00"), End: ts(t, "2025-01-08T09:00:00+01:00")}},
	}
}

func TestValidate(t *testing.T) {
	rome := func(s string) time.Time { return ts(t, s) }
	cases := []struct {
		name   string
		change func(s *Schedule)
		path   string
		want   string // a part of the message; "" means no problem
	}{
		{"a valid schedule", func(*Schedule) {}, "", ""},
		{"no layers", func(s *Schedule) { s.Layers = nil }, "layers", "no layers"},
		{"empty rotation", func(s *Schedule) { s.Layers[0].Rotation.Participants = nil }, "layers[0].rotation.participants", "empty rotation"},
		{"empty participant", func(s *Schedule) { s.Layers[0].Rotation.Participants[1] = "" }, "layers[0].rotation.participants[1]", "missing participant"},
		{"unprintable participant", func(s *Schedule) { s.Layers[0].Rotation.Participants[0] = "a\x1b[31m" }, "layers[0].rotation.participants[0]", "cannot be printed"},
		{"too many participants", func(s *Schedule) {
			s.Layers[0].Rotation.Participants = people(MaxParticipants + 1)
		}, "layers[0].rotation.participants", "want at most 200"},
		{"unknown time zone", func(s *Schedule) { s.Layers[0].Rotation.TimeZone = "Europe/Rom" }, "layers[0].rotation.time_zone", `unknown time zone "Europe/Rom"`},
		{"a path is not a time zone", func(s *Schedule) { s.Layers[0].Rotation.TimeZone = "../../etc/passwd" }, "layers[0].rotation.time_zone", "unknown time zone"},
		{"missing time zone", func(s *Schedule) { s.Layers[0].Rotation.TimeZone = "" }, "layers[0].rotation.time_zone", "missing time zone"},
		{"the machine's time zone", func(s *Schedule) { s.Layers[0].Rotation.TimeZone = "Local" }, "layers[0].rotation.time_zone", "depends on the machine"},
		{"zero shift", func(s *Schedule) { s.Layers[0].Rotation.Shift = "0d" }, "layers[0].rotation.shift", `non-positive shift length "0d"`},
		{"negative shift", func(s *Schedule) { s.Layers[0].Rotation.Shift = "-1w" }, "layers[0].rotation.shift", `non-positive shift length "-1w"`},
		{"minutes are not a shift", func(s *Schedule) { s.Layers[0].Rotation.Shift = "30m" }, "layers[0].rotation.shift", `invalid shift length "30m"`},
		{"a unit alone", func(s *Schedule) { s.Layers[0].Rotation.Shift = "h" }, "layers[0].rotation.shift", `invalid shift length "h"`},
		{"missing shift", func(s *Schedule) { s.Layers[0].Rotation.Shift = "" }, "layers[0].rotation.shift", "missing shift length"},
		{"a shift over a year", func(s *Schedule) { s.Layers[0].Rotation.Shift = "53w" }, "layers[0].rotation.shift", "longer than a year"},
		{"an enormous shift", func(s *Schedule) { s.Layers[0].Rotation.Shift = "99999999999999999999h" }, "layers[0].rotation.shift", "longer than a year"},
		{"handoff without a leading zero", func(s *Schedule) { s.Layers[0].Rotation.Handoff = "9:00" }, "layers[0].rotation.handoff", `invalid time of day "9:00"`},
		{"handoff at 24:00", func(s *Schedule) { s.Layers[0].Rotation.Handoff = "24:00" }, "layers[0].rotation.handoff", "invalid time of day"},
		{"missing start", func(s *Schedule) { s.Layers[0].Rotation.Start = time.Time{} }, "layers[0].rotation.start", "missing time"},
		{"start out of range", func(s *Schedule) { s.Layers[0].Rotation.Start = rome("2300-01-01T00:00:00Z") }, "layers[0].rotation.start", "outside 1970-01-01 to 2200-01-01"},
		{"end before start", func(s *Schedule) { s.Layers[0].Rotation.End = rome("2025-01-01T00:00:00Z") }, "layers[0].rotation.end", "is not after start"},
		{"unknown day", func(s *Schedule) {
			s.Layers[0].Rotation.Restrictions = []Restriction{{Days: []string{"mon", "monday"}, From: "09:00", To: "17:00"}}
		}, "layers[0].rotation.restrictions[0].days[1]", `unknown day "monday"`},
		{"bad window", func(s *Schedule) {
			s.Layers[0].Rotation.Restrictions = []Restriction{{From: "09:00", To: "5pm"}}
		}, "layers[0].rotation.restrictions[0].to", `invalid time of day "5pm"`},
		{"missing layer name", func(s *Schedule) { s.Layers[0].Name = "" }, "layers[0].name", "missing name"},
		{"duplicate layer names", func(s *Schedule) {
			second := s.Layers[0]
			second.Level = 1
			s.Layers = append(s.Layers, second)
		}, "layers[1].name", `duplicate name "primary": layers[0] has it too`},
		{"too many layers", func(s *Schedule) {
			for i := range MaxLayers {
				l := s.Layers[0]
				l.Name, l.Level = fmt.Sprintf("l%d", i), i+1
				s.Layers = append(s.Layers, l)
			}
		}, "layers", "want at most 20"},
		{"overlapping layers on one level", func(s *Schedule) {
			second := s.Layers[0]
			second.Name = "secondary"
			second.Rotation.Restrictions = []Restriction{{Days: []string{"sat"}, From: "10:00", To: "12:00"}}
			s.Layers = append(s.Layers, second)
		}, "layers[1].level", `layers "primary" and "secondary" are both on level 0 and both cover 2025-01-11T09:00:00Z: no winner`},
		{"follow the sun across zones overlaps when New York changes its clocks first", func(s *Schedule) {
			s.Layers = []Layer{
				{Name: "emea", Rotation: Rotation{Participants: []string{"a"}, Shift: "1w", TimeZone: "Europe/Rome", Start: rome("2025-01-06T08:00:00+01:00"),
					Restrictions: []Restriction{{From: "08:00", To: "20:00"}}}},
				{Name: "amer", Rotation: Rotation{Participants: []string{"b"}, Shift: "1w", TimeZone: "America/New_York", Start: rome("2025-01-06T14:00:00-05:00"),
					Restrictions: []Restriction{{From: "14:00", To: "02:00"}}}},
			}
		}, "layers[1].level", "both cover 2025-03-09T18:00:00Z"},
		{"layers on one level that take turns do not overlap", func(s *Schedule) {
			day := s.Layers[0]
			day.Rotation.Restrictions = []Restriction{{From: "08:00", To: "20:00"}}
			night := day
			night.Name = "night"
			night.Rotation.Restrictions = []Restriction{{From: "20:00", To: "08:00"}}
			s.Layers = []Layer{day, night}
		}, "", ""},
		{"layers on one level one after the other do not overlap", func(s *Schedule) {
			next := s.Layers[0]
			next.Name = "next"
			s.Layers[0].Rotation.End = rome("2025-06-01T00:00:00Z")
			next.Rotation.Start = rome("2025-06-01T00:00:00Z")
			s.Layers = append(s.Layers, next)
		}, "", ""},
		{"override that ends before it starts", func(s *Schedule) { s.Overrides[0].End = s.Overrides[0].Start }, "overrides[0].end", "is not after start"},
		{"override too long", func(s *Schedule) { s.Overrides[0].End = s.Overrides[0].Start.Add(MaxOverride + time.Hour) }, "overrides[0].end", "use a layer for longer changes"},
		{"override without a person", func(s *Schedule) { s.Overrides[0].Person = "" }, "overrides[0].person", "missing person"},
		{"override without a start", func(s *Schedule) { s.Overrides[0].Start = time.Time{} }, "overrides[0].start", "missing time"},
		{"override replacing its own person", func(s *Schedule) { s.Overrides[0].Replacing = "c" }, "overrides[0].replacing", `"c" replaces itself`},
		{"duplicate override IDs", func(s *Schedule) { s.Overrides = append(s.Overrides, s.Overrides[0]) }, "overrides[1].id", `duplicate id "o1"`},
		{"too many overrides", func(s *Schedule) {
			for range MaxOverrides {
				o := s.Overrides[0]
				o.ID = ""
				s.Overrides = append(s.Overrides, o)
			}
		}, "overrides", "want at most 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validSchedule(t)
			c.change(&s)
			err := s.Validate()
			if c.want == "" {
				require.NoError(t, err)
				_, err := NewRoster(s)
				require.NoError(t, err)
				return
			}
			var ps Problems
			require.ErrorAs(t, err, &ps)
			require.Len(t, ps, 1, "one problem: %v", err)
			require.Equal(t, c.path, ps[0].Path)
			require.Contains(t, ps[0].Message, c.want)

			_, err = NewRoster(s)
			require.ErrorAs(t, err, &ps, "NewRoster refuses it with the same problems")
			require.Equal(t, c.path, ps[0].Path)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	s := validSchedule(t)
	s.Layers[0].Rotation.TimeZone = "Mars/Olympus"
	s.Layers[0].Rotation.Shift = "0h"
	s.Overrides[0].Person = ""
	var ps Problems
	require.True(t, errors.As(s.Validate(), &ps))
	require.Equal(t, []string{"layers[0].rotation.shift", "layers[0].rotation.time_zone", "overrides[0].person"},
		[]string{ps[0].Path, ps[1].Path, ps[2].Path})
	require.Equal(t, "layers[0].rotation.shift: non-positive shift length \"0h\": want a positive whole number of hours, days or weeks, such as 12h, 1d or 1w",
		ps[0].Error())
}
