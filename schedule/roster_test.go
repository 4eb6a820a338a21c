package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sourced is a check that also names the answer's source.
type sourced struct {
	check
	source Source
}

func fromLayer(i int, shift int64) Source { return Source{Layer: i, Shift: shift, Override: -1} }
func fromOverride(i int) Source           { return Source{Layer: -1, Override: i} }

func TestLayers(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	weekly := Layer{Name: "primary", Rotation: Rotation{Participants: []string{"a", "b"}, Shift: "1w", Handoff: "09:00", TimeZone: "UTC", Start: monday}}
	cases := []struct {
		name   string
		layers []Layer
		checks []sourced
	}{
		{
			name: "a higher layer wins where it covers, the lower one elsewhere",
			layers: []Layer{weekly, {Name: "office", Level: 1, Rotation: Rotation{Participants: []string{"c", "d"}, Shift: "1d", Handoff: "09:00",
				TimeZone: "UTC", Start: monday, Restrictions: []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}}}}},
			checks: []sourced{
				{check{"2025-01-07T10:00:00Z", "d", "2025-01-07T09:00:00Z", "2025-01-07T17:00:00Z"}, fromLayer(1, 1)},
				{check{"2025-01-07T17:00:00Z", "a", "2025-01-07T17:00:00Z", "2025-01-08T09:00:00Z"}, fromLayer(0, 0)},
				{check{"2025-01-11T12:00:00Z", "a", "2025-01-10T17:00:00Z", "2025-01-13T09:00:00Z"}, fromLayer(0, 0)},
				{check{"2025-01-13T09:00:00Z", "d", "2025-01-13T09:00:00Z", "2025-01-13T17:00:00Z"}, fromLayer(1, 7)},
			},
		},
		{
			name: "the order of the list does not matter, the level does",
			layers: []Layer{{Name: "holiday", Level: 3, Rotation: Rotation{Participants: []string{"h"}, Shift: "1w", TimeZone: "UTC",
				Start: ts(t, "2025-01-08T00:00:00Z"), End: ts(t, "2025-01-09T00:00:00Z")}}, weekly},
			checks: []sourced{
				{check{"2025-01-07T12:00:00Z", "a", "2025-01-06T09:00:00Z", "2025-01-08T00:00:00Z"}, fromLayer(1, 0)},
				{check{"2025-01-08T12:00:00Z", "h", "2025-01-08T00:00:00Z", "2025-01-09T00:00:00Z"}, fromLayer(0, 0)},
				{check{"2025-01-09T00:00:00Z", "a", "2025-01-09T00:00:00Z", "2025-01-13T09:00:00Z"}, fromLayer(1, 0)},
			},
		},
		{
			name: "layers on one level that take turns (day and night) cover together",
			layers: []Layer{
				{Name: "day", Rotation: Rotation{Participants: []string{"d1", "d2"}, Shift: "1d", Handoff: "08:00", TimeZone: "Europe/Rome",
					Start: ts(t, "2025-03-24T08:00:00+01:00"), Restrictions: []Restriction{{From: "08:00", To: "20:00"}}}},
				{Name: "night", Rotation: Rotation{Participants: []string{"n1", "n2"}, Shift: "1d", Handoff: "20:00", TimeZone: "Europe/Rome",
					Start: ts(t, "2025-03-24T20:00:00+01:00"), Restrictions: []Restriction{{From: "20:00", To: "08:00"}}}},
			},
			checks: []sourced{
				{check{"2025-03-29T21:00:00+01:00", "n2", "2025-03-29T20:00:00+01:00", "2025-03-30T08:00:00+02:00"}, fromLayer(1, 5)},
				{check{"2025-03-30T08:00:00+02:00", "d1", "2025-03-30T08:00:00+02:00", "2025-03-30T20:00:00+02:00"}, fromLayer(0, 6)},
			},
		},
		{
			name:   "before every layer starts nobody has ever been on call",
			layers: []Layer{weekly},
			checks: []sourced{
				{check{"2024-12-01T00:00:00Z", "", "", "2025-01-06T09:00:00Z"}, Source{Layer: -1, Override: -1}},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoster(t, Schedule{Layers: c.layers})
			for _, ch := range c.checks {
				got := r.At(ts(t, ch.at))
				requireAnswer(t, ch.check, got)
				require.Equal(t, ch.source, got.Source, "source at %s", ch.at)
			}
		})
	}
}

func TestLayersAtGivesEachLayersOwnAnswer(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	r := newRoster(t, Schedule{
		Layers: []Layer{
			{Name: "primary", Rotation: Rotation{Participants: []string{"a", "b"}, Shift: "1w", Handoff: "09:00", TimeZone: "UTC", Start: monday}},
			{Name: "office", Level: 1, Rotation: Rotation{Participants: []string{"c"}, Shift: "1w", Handoff: "09:00", TimeZone: "UTC", Start: monday,
				Restrictions: []Restriction{{From: "09:00", To: "17:00"}}}},
		},
		Overrides: []Override{{Person: "x", Start: monday, End: monday.Add(time.Hour)}},
	})
	cases := []struct {
		name string
		at   time.Time
		want []OnCall
	}{
		{"the override hides both layers", monday.Add(time.Minute), []OnCall{
			{Person: "a", Since: monday, Until: monday.Add(7 * 24 * time.Hour), Source: fromLayer(0, 0)},
			{Person: "c", Since: monday, Until: monday.Add(8 * time.Hour), Source: fromLayer(1, 0)},
		}},
		{"outside office hours the office layer says nobody", monday.Add(9 * time.Hour), []OnCall{
			{Person: "a", Since: monday, Until: monday.Add(7 * 24 * time.Hour), Source: fromLayer(0, 0)},
			{Since: monday.Add(8 * time.Hour), Until: monday.Add(24 * time.Hour), Source: Source{Layer: -1, Override: -1}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, r.LayersAt(c.at))
		})
	}
}

func TestOverrides(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	daily := Layer{Name: "primary", Rotation: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday}}
	office := Layer{Name: "primary", Rotation: Rotation{Participants: []string{"a", "b", "c"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday,
		Restrictions: []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}}}}
	at := func(s string) time.Time { return ts(t, s) }
	cases := []struct {
		name      string
		layer     Layer
		overrides []Override
		checks    []sourced
	}{
		{
			name:      "an override puts its person on call and cuts the shift around it",
			layer:     daily,
			overrides: []Override{{Person: "x", Start: at("2025-01-06T12:00:00Z"), End: at("2025-01-06T15:00:00Z")}},
			checks: []sourced{
				{check{"2025-01-06T11:00:00Z", "a", "2025-01-06T09:00:00Z", "2025-01-06T12:00:00Z"}, fromLayer(0, 0)},
				{check{"2025-01-06T12:00:00Z", "x", "2025-01-06T12:00:00Z", "2025-01-06T15:00:00Z"}, fromOverride(0)},
				{check{"2025-01-06T15:00:00Z", "a", "2025-01-06T15:00:00Z", "2025-01-07T09:00:00Z"}, fromLayer(0, 0)},
			},
		},
		{
			name:  "a later override wins where two overlap",
			layer: daily,
			overrides: []Override{
				{Person: "x", Start: at("2025-01-06T10:00:00Z"), End: at("2025-01-06T14:00:00Z")},
				{Person: "y", Start: at("2025-01-06T12:00:00Z"), End: at("2025-01-06T16:00:00Z")},
			},
			checks: []sourced{
				{check{"2025-01-06T11:00:00Z", "x", "2025-01-06T10:00:00Z", "2025-01-06T12:00:00Z"}, fromOverride(0)},
				{check{"2025-01-06T13:00:00Z", "y", "2025-01-06T12:00:00Z", "2025-01-06T16:00:00Z"}, fromOverride(1)},
				{check{"2025-01-06T16:00:00Z", "a", "2025-01-06T16:00:00Z", "2025-01-07T09:00:00Z"}, fromLayer(0, 0)},
			},
		},
		{
			name:  "made in the other order, the other one wins",
			layer: daily,
			overrides: []Override{
				{Person: "y", Start: at("2025-01-06T12:00:00Z"), End: at("2025-01-06T16:00:00Z")},
				{Person: "x", Start: at("2025-01-06T10:00:00Z"), End: at("2025-01-06T14:00:00Z")},
			},
			checks: []sourced{
				{check{"2025-01-06T13:00:00Z", "x", "2025-01-06T10:00:00Z", "2025-01-06T14:00:00Z"}, fromOverride(1)},
				{check{"2025-01-06T15:00:00Z", "y", "2025-01-06T14:00:00Z", "2025-01-06T16:00:00Z"}, fromOverride(0)},
			},
		},
		{
			name:      "replacing someone applies only while they would be on call, and cuts nobody else's answer",
			layer:     daily,
			overrides: []Override{{Person: "x", Replacing: "b", Start: at("2025-01-06T12:00:00Z"), End: at("2025-01-08T00:00:00Z")}},
			checks: []sourced{
				{check{"2025-01-06T11:00:00Z", "a", "2025-01-06T09:00:00Z", "2025-01-07T09:00:00Z"}, fromLayer(0, 0)},
				{check{"2025-01-07T10:00:00Z", "x", "2025-01-07T09:00:00Z", "2025-01-08T00:00:00Z"}, fromOverride(0)},
				{check{"2025-01-08T00:00:00Z", "b", "2025-01-08T00:00:00Z", "2025-01-08T09:00:00Z"}, fromLayer(0, 1)},
			},
		},
		{
			name:  "an override can replace the person an earlier override put on call",
			layer: daily,
			overrides: []Override{
				{Person: "x", Replacing: "a", Start: at("2025-01-06T10:00:00Z"), End: at("2025-01-06T14:00:00Z")},
				{Person: "y", Replacing: "x", Start: at("2025-01-06T11:00:00Z"), End: at("2025-01-06T12:00:00Z")},
			},
			checks: []sourced{
				{check{"2025-01-06T11:30:00Z", "y", "2025-01-06T11:00:00Z", "2025-01-06T12:00:00Z"}, fromOverride(1)},
				{check{"2025-01-06T12:30:00Z", "x", "2025-01-06T12:00:00Z", "2025-01-06T14:00:00Z"}, fromOverride(0)},
			},
		},
		{
			name:      "an override without a replaced person fills a gap",
			layer:     office,
			overrides: []Override{{Person: "z", Start: at("2025-01-11T10:00:00Z"), End: at("2025-01-11T12:00:00Z")}},
			checks: []sourced{
				{check{"2025-01-11T09:00:00Z", "", "2025-01-10T17:00:00Z", "2025-01-11T10:00:00Z"}, Source{Layer: -1, Override: -1}},
				{check{"2025-01-11T11:00:00Z", "z", "2025-01-11T10:00:00Z", "2025-01-11T12:00:00Z"}, fromOverride(0)},
				{check{"2025-01-11T12:00:00Z", "", "2025-01-11T12:00:00Z", "2025-01-13T09:00:00Z"}, Source{Layer: -1, Override: -1}},
			},
		},
		{
			name:      "an override replacing someone does not fill a gap",
			layer:     office,
			overrides: []Override{{Person: "z", Replacing: "a", Start: at("2025-01-06T08:00:00Z"), End: at("2025-01-06T18:00:00Z")}},
			checks: []sourced{
				{check{"2025-01-06T08:30:00Z", "", "", "2025-01-06T09:00:00Z"}, Source{Layer: -1, Override: -1}},
				{check{"2025-01-06T09:00:00Z", "z", "2025-01-06T09:00:00Z", "2025-01-06T17:00:00Z"}, fromOverride(0)},
				{check{"2025-01-06T17:30:00Z", "", "2025-01-06T17:00:00Z", "2025-01-07T09:00:00Z"}, Source{Layer: -1, Override: -1}},
			},
		},
		{
			name:      "an override that ends at a handoff: the next person at that instant",
			layer:     daily,
			overrides: []Override{{Person: "x", Replacing: "a", Start: at("2025-01-06T12:00:00Z"), End: at("2025-01-07T09:00:00Z")}},
			checks: []sourced{
				{check{"2025-01-07T08:59:59Z", "x", "2025-01-06T12:00:00Z", "2025-01-07T09:00:00Z"}, fromOverride(0)},
				{check{"2025-01-07T09:00:00Z", "b", "2025-01-07T09:00:00Z", "2025-01-08T09:00:00Z"}, fromLayer(0, 1)},
			},
		},
		{
			name:      "an outright override runs across handoffs as one answer",
			layer:     daily,
			overrides: []Override{{Person: "x", Start: at("2025-01-06T12:00:00Z"), End: at("2025-01-09T12:00:00Z")}},
			checks: []sourced{
				{check{"2025-01-08T00:00:00Z", "x", "2025-01-06T12:00:00Z", "2025-01-09T12:00:00Z"}, fromOverride(0)},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoster(t, Schedule{Layers: []Layer{c.layer}, Overrides: c.overrides})
			for _, ch := range c.checks {
				got := r.At(ts(t, ch.at))
				requireAnswer(t, ch.check, got)
				require.Equal(t, ch.source, got.Source, "source at %s", ch.at)
			}
		})
	}
}

func TestGaps(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	rot := Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday}
	office := rot
	office.Restrictions = []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}}
	at := func(s string) time.Time { return ts(t, s) }
	cases := []struct {
		name      string
		rot       Rotation
		overrides []Override
		from, to  string
		want      []Interval
	}{
		{"an unrestricted rotation leaves none", rot, nil, "2025-01-06T09:00:00Z", "2025-03-01T00:00:00Z", nil},
		{"before the start is a gap", rot, nil, "2025-01-06T00:00:00Z", "2025-01-07T00:00:00Z",
			[]Interval{{at("2025-01-06T00:00:00Z"), monday}}},
		{"office hours leave nights and the weekend", office, nil, "2025-01-10T12:00:00Z", "2025-01-13T12:00:00Z",
			[]Interval{{at("2025-01-10T17:00:00Z"), at("2025-01-13T09:00:00Z")}}},
		{"an override splits a gap", office, []Override{{Person: "z", Start: at("2025-01-11T10:00:00Z"), End: at("2025-01-11T12:00:00Z")}},
			"2025-01-10T12:00:00Z", "2025-01-13T12:00:00Z",
			[]Interval{{at("2025-01-10T17:00:00Z"), at("2025-01-11T10:00:00Z")}, {at("2025-01-11T12:00:00Z"), at("2025-01-13T09:00:00Z")}}},
		{"gaps are clipped to the interval", office, nil, "2025-01-11T00:00:00Z", "2025-01-12T00:00:00Z",
			[]Interval{{at("2025-01-11T00:00:00Z"), at("2025-01-12T00:00:00Z")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoster(t, Schedule{Layers: []Layer{{Name: "l", Rotation: c.rot}}, Overrides: c.overrides})
			got, err := r.Gaps(at(c.from), at(c.to))
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestNextHandoff(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	at := func(s string) time.Time { return ts(t, s) }
	cases := []struct {
		name      string
		rot       Rotation
		overrides []Override
		from, to  string
		want      *check
	}{
		{"the next shift's person", Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday}, nil,
			"2025-01-06T12:00:00Z", "2025-01-08T00:00:00Z", &check{"", "b", "2025-01-07T09:00:00Z", "2025-01-08T09:00:00Z"}},
		{"a handoff at from itself is not after it", Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday}, nil,
			"2025-01-07T09:00:00Z", "2025-01-09T00:00:00Z", &check{"", "a", "2025-01-08T09:00:00Z", "2025-01-09T09:00:00Z"}},
		{"a handoff at to is not before it", Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday}, nil,
			"2025-01-06T12:00:00Z", "2025-01-07T09:00:00Z", nil},
		{"one participant hands over to nobody else", Rotation{Participants: []string{"a"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday}, nil,
			"2025-01-06T12:00:00Z", "2025-03-01T00:00:00Z", nil},
		{"an override taking the same person's place is not a handoff", Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday},
			[]Override{{Person: "a", Replacing: "b", Start: at("2025-01-07T09:00:00Z"), End: at("2025-01-07T12:00:00Z")}},
			"2025-01-06T12:00:00Z", "2025-01-08T00:00:00Z", &check{"", "b", "2025-01-07T12:00:00Z", "2025-01-08T09:00:00Z"}},
		{"going off call is a handoff to nobody", Rotation{Participants: []string{"a"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday,
			Restrictions: []Restriction{{From: "09:00", To: "17:00"}}}, nil,
			"2025-01-06T12:00:00Z", "2025-01-08T00:00:00Z", &check{"", "", "2025-01-06T17:00:00Z", "2025-01-07T09:00:00Z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRoster(t, Schedule{Layers: []Layer{{Name: "l", Rotation: c.rot}}, Overrides: c.overrides})
			got, ok, err := r.NextHandoff(at(c.from), at(c.to))
			require.NoError(t, err)
			require.Equal(t, c.want != nil, ok)
			if c.want != nil {
				requireAnswer(t, *c.want, got)
			}
		})
	}
}

func TestTimelineJoinsEndToEnd(t *testing.T) {
	monday := ts(t, "2025-01-06T09:00:00Z")
	r := newRoster(t, Schedule{
		Layers: []Layer{{Name: "l", Rotation: Rotation{Participants: []string{"a", "b"}, Shift: "1d", Handoff: "09:00", TimeZone: "UTC", Start: monday,
			Restrictions: []Restriction{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "00:00", To: "00:00"}}}}},
		Overrides: []Override{{Person: "x", Replacing: "b", Start: monday.Add(30 * time.Hour), End: monday.Add(40 * time.Hour)}},
	})
	from, to := monday.Add(-time.Hour), monday.Add(14*24*time.Hour)
	got, err := r.Timeline(from, to)
	require.NoError(t, err)
	require.Equal(t, r.At(from), got[0], "the first answer holds at from")
	for i := 1; i < len(got); i++ {
		require.Equal(t, got[i-1].Until, got[i].Since, "answer %d starts when the one before ends", i)
		require.NotEqual(t, []any{got[i-1].Person, got[i-1].Source}, []any{got[i].Person, got[i].Source}, "answer %d differs from the one before", i)
		require.Equal(t, r.At(got[i].Since), got[i], "answer %d is what At says", i)
	}
	require.True(t, got[len(got)-1].Until.After(to) || got[len(got)-1].Until.Equal(to))
	require.Len(t, got, 1+10+2+4, "before the start, ten weekdays, two override edges, two weekends")
}

func TestSpanIsBounded(t *testing.T) {
	r := newRoster(t, one(Rotation{Participants: []string{"a"}, Shift: "1d", TimeZone: "UTC", Start: ts(t, "2025-01-06T09:00:00Z")}))
	from := ts(t, "2025-01-06T09:00:00Z")
	cases := []struct {
		name string
		to   time.Time
	}{
		{"empty", from},
		{"reversed", from.Add(-time.Hour)},
		{"longer than MaxSpan", from.Add(MaxSpan + time.Nanosecond)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.Timeline(from, c.to)
			require.ErrorIs(t, err, ErrSpan)
			_, err = r.Gaps(from, c.to)
			require.ErrorIs(t, err, ErrSpan)
			_, _, err = r.NextHandoff(from, c.to)
			require.ErrorIs(t, err, ErrSpan)
		})
	}
}

// TestExtremeInstants checks that questions about instants far from the schedule's are
// answered without a crash.
func TestExtremeInstants(t *testing.T) {
	r := newRoster(t, one(Rotation{Participants: []string{"a", "b"}, Shift: "1h", TimeZone: "Pacific/Apia", Start: ts(t, "1970-01-01T00:00:00Z"),
		Restrictions: []Restriction{{Days: []string{"sun"}, From: "01:00", To: "02:00"}}}))
	cases := []struct {
		name string
		at   time.Time
	}{
		{"the zero time", time.Time{}},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"year 2199", time.Date(2199, 6, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := r.At(c.at)
			require.True(t, got.Since.IsZero() || !got.Since.After(c.at))
			require.True(t, got.Until.IsZero() || got.Until.After(c.at))
		})
	}
}
