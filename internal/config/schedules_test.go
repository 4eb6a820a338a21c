package config

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/schedule"
)

func TestScheduleErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
	}{
		{
			name: "the problems of a layer, each at its line",
			file: "schedules_layer_problems.yaml",
			want: []string{
				`schedules_layer_problems.yaml:10: schedules[0].layers[0].rotation.participants[1]: unknown person "bobby"`,
				`schedules_layer_problems.yaml:11: schedules[0].layers[0].rotation.shift: invalid shift length "2x": want a positive whole number of hours, days or weeks, such as 12h, 1d or 1w`,
				`schedules_layer_problems.yaml:12: schedules[0].layers[0].rotation.handoff: invalid time of day "9am": want HH:MM, such as 09:00`,
				`schedules_layer_problems.yaml:13: schedules[0].layers[0].rotation.time_zone: unknown time zone "Europe/Rom": want an IANA name such as Europe/Rome or UTC`,
				`schedules_layer_problems.yaml:16: schedules[0].layers[0].rotation.restrictions[0].days[0]: unknown day "monday": want mon, tue, wed, thu, fri, sat or sun`,
				`schedules_layer_problems.yaml:19: schedules[0].layers[1].name: duplicate name "weekly": layers[0] has it too`,
				// A missing field is reported at the line of the item that lacks it.
				`schedules_layer_problems.yaml:20: schedules[0].layers[1].rotation.start: missing time: want an instant such as 2025-01-06T09:00:00+01:00`,
				`schedules_layer_problems.yaml:21: schedules[0].layers[1].rotation.participants: empty rotation: want at least one participant`,
			},
		},
		{
			name: "layers on one level that cover the same instant have no winner",
			file: "schedules_overlap.yaml",
			want: []string{
				`schedules_overlap.yaml:17: schedules[0].layers[1].level: layers "days" and "nights" are both on level 0 and both cover 2025-01-06T19:00:00Z: no winner; give one a higher level or restrict them so they do not overlap`,
			},
		},
		{
			name: "teams refer to schedules that exist, and rotations make schedules",
			file: "schedules_references.yaml",
			want: []string{
				`schedules_references.yaml:5: schedules[0].id: schedule id "payments" is taken by the rotation of team "payments" (line 23): rename the schedule`,
				`schedules_references.yaml:13: schedules[1].id: duplicate schedule id "payments", first defined on line 5`,
				`schedules_references.yaml:25: teams[0].rotation.shift: 1h30m is not a whole number of hours: want hours, such as 12h or 168h`,
				`schedules_references.yaml:28: teams[1].schedule: unknown schedule "serach"`,
				`schedules_references.yaml:30: teams[2].schedule: both rotation and schedule are set: keep one`,
			},
		},
		{
			name: "an unknown field",
			file: "schedules_unknown_field.yaml",
			want: []string{`schedules_unknown_field.yaml:9: field members not found in type schedule.Rotation`},
		},
		{
			name: "a start that is not a time",
			file: "schedules_bad_start.yaml",
			want: []string{`schedules_bad_start.yaml:12: schedules[0].layers[0].rotation.start: invalid time "next monday": want a timestamp such as 2025-01-06T09:00:00Z`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			c, err := Parse(tt.file, data)
			require.Nil(t, c)
			var lines []string
			for _, e := range unjoin(err) {
				lines = append(lines, e.Error())
			}
			require.Equal(t, tt.want, lines)
		})
	}
}

// unjoin returns the errors err joins, or err itself.
func unjoin(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}

func TestSchedules(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "schedules_valid.yaml"))
	require.NoError(t, err)
	c, err := Parse("schedules_valid.yaml", data)
	require.NoError(t, err)

	require.Equal(t, []string{"payments-primary", "platform"}, c.ScheduleIDs())
	for team, want := range map[string]string{"payments": "payments-primary", "platform": "platform"} {
		got, ok := c.TeamSchedule(team)
		require.True(t, ok, team)
		require.Equal(t, want, got, team)
	}
	_, ok := c.TeamSchedule("nobody")
	require.False(t, ok)
	require.Equal(t, "Payments primary", c.ScheduleName("payments-primary"))
	require.Equal(t, "platform", c.ScheduleName("platform"))

	primary, ok := c.ScheduleDefinition("payments-primary")
	require.True(t, ok)
	require.Len(t, primary.Layers, 2)
	require.Equal(t, "Europe/Rome", primary.Layers[0].Rotation.TimeZone, "a rotation without a time zone follows the configuration's")
	require.Equal(t, "America/New_York", primary.Layers[1].Rotation.TimeZone)
	r, err := schedule.NewRoster(primary)
	require.NoError(t, err)
	cases := []struct {
		name, at, person, layer string
	}{
		{"the weekly layer at night", "2025-01-07T02:00:00+01:00", "alice", "weekly"},
		{"office hours in New York win", "2025-01-07T10:00:00-05:00", "dan", "office hours"},
		{"the weekly layer on Saturday", "2025-01-11T12:00:00-05:00", "alice", "weekly"},
		{"the second week", "2025-01-13T09:00:00+01:00", "bob", "weekly"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			require.NoError(t, err)
			got := r.At(at)
			require.Equal(t, tt.person, got.Person)
			require.Equal(t, tt.layer, primary.Layers[got.Source.Layer].Name)
		})
	}

	platform, ok := c.ScheduleDefinition("platform")
	require.True(t, ok)
	require.Equal(t, RotationLayer, platform.Layers[0].Name)
	_, ok = c.ScheduleDefinition("nothing")
	require.False(t, ok)

	// Changing the definition returned changes nothing in the configuration.
	primary.Layers[0].Rotation.Participants[0] = "mallory"
	again, _ := c.ScheduleDefinition("payments-primary")
	require.Equal(t, "alice", again.Layers[0].Rotation.Participants[0])
}

func TestExampleSchedules(t *testing.T) {
	c := Example()
	for _, id := range c.ScheduleIDs() {
		s, ok := c.ScheduleDefinition(id)
		require.True(t, ok, id)
		_, err := schedule.NewRoster(s)
		require.NoError(t, err, id)
	}
}

// TestRotationSchedule checks that a team's rotation as a schedule puts on call whoever the
// rotation itself does, from its start on, and someone before it.
func TestRotationSchedule(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	rotations := []struct {
		name string
		r    Rotation
	}{
		{"weekly, three members, Rome", Rotation{Start: time.Date(2025, 1, 6, 9, 0, 0, 0, rome), Shift: Duration(168 * time.Hour), Members: []string{"a", "b", "c"}}},
		{"every 5 hours, two members", Rotation{Start: time.Date(2024, 7, 1, 3, 0, 0, 0, time.UTC), Shift: Duration(5 * time.Hour), Members: []string{"a", "b"}}},
		{"90 days, one member", Rotation{Start: time.Date(2026, 3, 29, 1, 30, 0, 0, rome), Shift: Duration(MaxShift), Members: []string{"a"}}},
		{"daily, four members, starts in 2030", Rotation{Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Shift: Duration(24 * time.Hour), Members: []string{"a", "b", "c", "d"}}},
	}
	rng := rand.New(rand.NewPCG(10, 10))
	for _, tt := range rotations {
		t.Run(tt.name, func(t *testing.T) {
			s, err := RotationSchedule(tt.r)
			require.NoError(t, err)
			r, err := schedule.NewRoster(s)
			require.NoError(t, err)
			shift := time.Duration(tt.r.Shift)
			instants := []time.Time{tt.r.Start, tt.r.Start.Add(shift - time.Nanosecond), tt.r.Start.Add(shift)}
			for range 500 {
				instants = append(instants, tt.r.Start.Add(time.Duration(rng.Int64N(int64(3*365*24*time.Hour)))))
			}
			for _, at := range instants {
				want, err := tt.r.OnCall(at)
				require.NoError(t, err)
				got := r.At(at)
				require.Equal(t, want, got.Person, "at %s", at)
				require.Equal(t, 0, got.Source.Layer)
			}
			before := r.At(tt.r.Start.Add(-time.Nanosecond))
			require.NotEmpty(t, before.Person, "someone is on call before the start")
			require.Equal(t, tt.r.Members[len(tt.r.Members)-1], before.Person, "the order goes on backwards")
		})
	}

	for _, shift := range []time.Duration{90 * time.Minute, 30 * time.Minute, 0} {
		t.Run(fmt.Sprintf("shift %s is refused", shift), func(t *testing.T) {
			_, err := RotationSchedule(Rotation{Start: time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC), Shift: Duration(shift), Members: []string{"a"}})
			require.Error(t, err)
		})
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want path
	}{
		{"layers", path{"layers"}},
		{"layers[1].rotation.participants[0]", path{"layers", 1, "rotation", "participants", 0}},
		{"layers[0].rotation.restrictions[2].days[6]", path{"layers", 0, "rotation", "restrictions", 2, "days", 6}},
		{"layers[x]", path{"layers", "[x]"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, parsePath(tt.in))
		})
	}
}

// TestScheduleChangeAtLaterHandoff checks what the README advises for changing a rotation
// without changing who is on call now: end the old layer at a handoff and start the new one
// there, on the same level.
func TestScheduleChangeAtLaterHandoff(t *testing.T) {
	c, err := Parse("firebreak.yaml", []byte(`organisation: Test Corp
people: [{id: alice}, {id: bob}, {id: carol}]
schedules:
  - id: primary
    layers:
      - name: old
        rotation: {participants: [alice, bob], shift: 1w, handoff: "09:00", time_zone: UTC, start: 2025-01-06T09:00:00Z, end: 2025-02-03T09:00:00Z}
      - name: new
        rotation: {participants: [carol, alice, bob], shift: 1w, handoff: "09:00", time_zone: UTC, start: 2025-02-03T09:00:00Z}
teams: [{id: payments, schedule: primary}]
services: [{id: checkout, team: payments}]
`))
	require.NoError(t, err)
	def, ok := c.ScheduleDefinition("primary")
	require.True(t, ok)
	r, err := schedule.NewRoster(def)
	require.NoError(t, err)
	for _, tt := range []struct {
		at, person, layer string
	}{
		{"2025-01-28T12:00:00Z", "bob", "old"},
		{"2025-02-03T08:59:59Z", "bob", "old"},
		{"2025-02-03T09:00:00Z", "carol", "new"},
		{"2025-02-10T09:00:00Z", "alice", "new"},
	} {
		at, err := time.Parse(time.RFC3339, tt.at)
		require.NoError(t, err)
		got := r.At(at)
		require.Equal(t, tt.person, got.Person, tt.at)
		require.Equal(t, tt.layer, def.Layers[got.Source.Layer].Name, tt.at)
	}
}
