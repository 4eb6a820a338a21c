package schedule

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// propertyZones returns zones with daylight-saving changes of one hour, half an hour, a skipped
// day, odd offsets and none at all.
func propertyZones() []string {
	return []string{"Europe/Rome", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
		"America/St_Johns", "Pacific/Chatham", "Asia/Kolkata", "UTC"}
}

// TestWallClockProperties checks the two conversions against a minute-by-minute search with
// the time package's own conversion, and against each other: instant(w) <= t exactly when
// reading(t) >= w.
func TestWallClockProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		loc := zone(t, rapid.SampledFrom(propertyZones()).Draw(rt, "zone"))
		near := nearTransition(rt, loc, time.Date(2011, 6, 1, 0, 0, 0, 0, time.UTC), "w")
		w := wallOf(near, loc).Truncate(time.Minute)
		got := instant(w, loc)
		require.Truef(rt, got.Equal(bruteInstant(w, loc)), "instant(%s) = %s, brute force %s", w, got, bruteInstant(w, loc))

		at := got.Add(time.Duration(rapid.Int64Range(-3*3600, 3*3600).Draw(rt, "seconds")) * time.Second)
		require.Equalf(rt, !got.After(at), !reading(at, loc).Before(w), "instant(w)=%s <= t=%s must match reading(t)=%s >= w=%s", got, at, reading(at, loc), w)
	})
}

// TestScheduleProperties checks, at random instants of random schedules (often near a
// daylight-saving change): each layer has exactly one person on call, the one a brute-force
// search of its handoffs finds, or nobody exactly where it is restricted, not started or ended
// (so an unrestricted rotation has no gap between consecutive shifts);
// the schedule's answer is the winning layer's person or an override's, as folding the
// overrides by hand gives; every answer holds at the instant asked about, the next answer starts
// exactly when it ends, and the one before ends exactly when it starts.
func TestScheduleProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := drawSchedule(rt)
		r, err := NewRoster(s)
		require.NoError(rt, err)
		loc := r.layers[0].rot.loc
		at := nearTransition(rt, loc, s.Layers[0].Rotation.Start, "at")
		if rapid.Bool().Draw(rt, "at a boundary") {
			if b := r.At(at).Until; !b.IsZero() {
				at = b
			}
		}

		layers := r.LayersAt(at)
		require.Len(rt, layers, len(s.Layers))
		for i, got := range layers {
			want := bruteLayer(rt, r.layers[i].rot, s.Layers[i].Rotation, at)
			require.Equalf(rt, want.person, got.Person, "layer %d at %s", i, at)
			if want.covered {
				require.Equalf(rt, Source{Layer: i, Shift: want.shift, Override: -1}, got.Source, "layer %d at %s", i, at)
				require.Contains(rt, s.Layers[i].Rotation.Participants, got.Person)
			} else {
				require.Equal(rt, Source{Layer: -1, Override: -1}, got.Source)
			}
			requireJoined(rt, got, at, func(t time.Time) OnCall { return r.LayersAt(t)[i] })
		}

		got := r.At(at)
		person, source := foldByHand(s, layers, at)
		require.Equalf(rt, person, got.Person, "schedule at %s", at)
		require.Equalf(rt, source, got.Source, "schedule at %s", at)
		requireJoined(rt, got, at, r.At)
	})
}

// requireJoined checks that the answer got holds at t and that the answers either side of it
// begin and end exactly at its bounds and differ from it.
func requireJoined(rt *rapid.T, got OnCall, t time.Time, at func(time.Time) OnCall) {
	require.Truef(rt, got.Since.IsZero() || !got.Since.After(t), "since %s after %s", got.Since, t)
	require.Truef(rt, got.Until.IsZero() || got.Until.After(t), "until %s not after %s", got.Until, t)
	if !got.Until.IsZero() {
		next := at(got.Until)
		require.Truef(rt, next.Since.Equal(got.Until), "the answer after %v starts at %s", got, next.Since)
		require.Falsef(rt, next.Person == got.Person && next.Source == got.Source, "the answer after %v is the same: %v", got, next)
	}
	if !got.Since.IsZero() {
		prev := at(got.Since.Add(-time.Nanosecond))
		require.Truef(rt, prev.Until.Equal(got.Since), "the answer before %v ends at %s", got, prev.Until)
		require.Falsef(rt, prev.Person == got.Person && prev.Source == got.Source, "the answer before %v is the same: %v", got, prev)
	}
}

// layerTruth is what a brute-force search says one layer does at an instant.
type layerTruth struct {
	covered bool
	person  string
	shift   int64
}

// bruteLayer finds the layer's answer at t by searching its handoffs and restriction windows
// minute by minute with the time package's own conversion.
func bruteLayer(rt *rapid.T, rot *rotation, in Rotation, t time.Time) layerTruth {
	if t.Before(in.Start) || !in.End.IsZero() && !t.Before(in.End) {
		return layerTruth{}
	}
	wallAt := func(w int64) time.Time { return bruteInstant(time.Unix(w, 0).UTC(), rot.loc) }
	if len(in.Restrictions) > 0 {
		covered := false
		day := floorDiv(wallOf(t, rot.loc).Unix(), daySeconds)
		for d := day - 2; d <= day+1 && !covered; d++ {
			for _, w := range rot.windows {
				open := d*daySeconds + w.open
				if w.days[weekday(d)] && !wallAt(open).After(t) && wallAt(open+w.length).After(t) {
					covered = true
				}
			}
		}
		if !covered {
			return layerTruth{}
		}
	}
	slot := floorDiv(wallOf(t, rot.loc).Unix()-rot.anchor, rot.period)
	for range 64 {
		if wallAt(rot.anchor + slot*rot.period).After(t) {
			slot--
			continue
		}
		if !wallAt(rot.anchor + (slot+1)*rot.period).After(t) {
			slot++
			continue
		}
		n := slot - rot.first
		require.GreaterOrEqual(rt, n, int64(0))
		return layerTruth{covered: true, person: in.Participants[n%int64(len(in.Participants))], shift: n}
	}
	rt.Fatalf("no shift found at %s", t)
	return layerTruth{}
}

// foldByHand picks the winning layer from the layers' own answers and applies the overrides in
// force at t in the order they were made.
func foldByHand(s Schedule, layers []OnCall, t time.Time) (string, Source) {
	person, source := "", Source{Layer: -1, Override: -1}
	best := -1
	for i, l := range layers {
		if l.Person != "" && (best < 0 || s.Layers[i].Level > s.Layers[best].Level) {
			best = i
		}
	}
	if best >= 0 {
		person, source = layers[best].Person, layers[best].Source
	}
	for j, o := range s.Overrides {
		if !t.Before(o.Start) && t.Before(o.End) && (o.Replacing == "" || o.Replacing == person) {
			person, source = o.Person, Source{Layer: -1, Override: j}
		}
	}
	return person, source
}

// nearTransition draws an instant from a few days before around to three years after it, often
// within a day and a half of one of loc's changes of offset, sometimes exactly at one.
func nearTransition(rt *rapid.T, loc *time.Location, around time.Time, label string) time.Time {
	base := around.Add(time.Duration(rapid.Int64Range(-3*24*3600, 3*365*24*3600).Draw(rt, label+" seconds from around")) * time.Second).UTC()
	if loc.String() == "Pacific/Apia" && rapid.Bool().Draw(rt, label+" at the skipped day") {
		base = time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC)
	}
	switch rapid.IntRange(0, 3).Draw(rt, label+" kind") {
	case 0:
		return base
	default:
		start, end := base.In(loc).ZoneBounds()
		change := start
		if change.IsZero() || !end.IsZero() && rapid.Bool().Draw(rt, label+" next change") {
			change = end
		}
		if change.IsZero() || change.Sub(base).Abs() > 366*24*time.Hour {
			return base // a zone without changes in these years
		}
		return change.Add(time.Duration(rapid.Int64Range(-36*3600, 36*3600).Draw(rt, label+" seconds from the change")) * time.Second).UTC()
	}
}

// drawSchedule draws a valid schedule of one to three layers on distinct levels, with up to
// four overrides.
func drawSchedule(rt *rapid.T) Schedule {
	tz := rapid.SampledFrom(propertyZones()).Draw(rt, "zone")
	loc, _ := time.LoadLocation(tz)
	start := nearTransition(rt, loc, time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC), "start")
	clock := rapid.Custom(func(rt *rapid.T) string {
		return fmt.Sprintf("%02d:%02d", rapid.SampledFrom([]int{0, 1, 2, 3, 9, 17, 22, 23}).Draw(rt, "hour"), rapid.SampledFrom([]int{0, 15, 30, 45}).Draw(rt, "minute"))
	})
	pool := []string{"a", "b", "c", "d", "e"}
	var s Schedule
	levels := rapid.Permutation([]int{0, 1, 2}).Draw(rt, "levels")
	for i := range rapid.IntRange(1, 3).Draw(rt, "layers") {
		unit := rapid.SampledFrom([]string{"h", "d", "w"}).Draw(rt, "unit")
		most := map[string]int{"h": 25, "d": 3, "w": 2}[unit]
		count := rapid.IntRange(1, most).Draw(rt, "shift count")
		rot := Rotation{
			Participants: rapid.SliceOfN(rapid.SampledFrom(pool), 1, 4).Draw(rt, "participants"),
			Shift:        fmt.Sprintf("%d%s", count, unit),
			TimeZone:     tz,
			Start:        start.Add(time.Duration(rapid.IntRange(-48, 48).Draw(rt, "start hours")) * time.Hour),
		}
		if i > 0 {
			rot.TimeZone = rapid.SampledFrom(propertyZones()).Draw(rt, "layer zone")
		}
		if rapid.Bool().Draw(rt, "handoff") {
			rot.Handoff = clock.Draw(rt, "handoff time")
		}
		if rapid.IntRange(0, 3).Draw(rt, "ends") == 0 {
			rot.End = rot.Start.Add(time.Duration(rapid.IntRange(1, 3*365*24).Draw(rt, "hours to end")) * time.Hour)
		}
		for range rapid.IntRange(0, 2).Draw(rt, "restrictions") {
			rot.Restrictions = append(rot.Restrictions, Restriction{
				Days: rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}), 0, 7, func(d string) string { return d }).Draw(rt, "days"),
				From: clock.Draw(rt, "from"),
				To:   clock.Draw(rt, "to"),
			})
		}
		s.Layers = append(s.Layers, Layer{Name: fmt.Sprintf("layer%d", i), Level: levels[i], Rotation: rot})
	}
	for range rapid.IntRange(0, 4).Draw(rt, "overrides") {
		o := Override{
			Person: rapid.SampledFrom([]string{"x", "y", "a", "b"}).Draw(rt, "override person"),
			Start:  start.Add(time.Duration(rapid.IntRange(-24*60, 3*365*24*60).Draw(rt, "override minutes")) * time.Minute),
		}
		o.End = o.Start.Add(time.Duration(rapid.IntRange(1, 3*24*60).Draw(rt, "override length")) * time.Minute)
		if rapid.Bool().Draw(rt, "replacing") {
			o.Replacing = rapid.SampledFrom(slices.DeleteFunc(slices.Clone(pool), func(p string) bool { return p == o.Person })).Draw(rt, "replaced")
		}
		s.Overrides = append(s.Overrides, o)
	}
	return s
}
