package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/schedule"
)

// Bounds of the schedules section.
const (
	// MaxSchedules bounds how many schedules one configuration declares.
	MaxSchedules = 500
	// RotationLayer is the name of the one layer a team's rotation becomes.
	RotationLayer = "rotation"
)

// Schedule is a named on-call schedule: layers of rotations, in the form of package schedule,
// where the highest level that covers an instant wins. Its overrides are not in the file: they
// are made at run time (`firebreak oncall override`) and kept by the schedule's Temporal
// workflow, so editing the file never drops them.
type Schedule struct {
	// ID names the schedule: teams refer to it with schedule:, and its overrides live in the
	// workflow schedule-<id>. Lowercase letters, digits and hyphens.
	ID string `yaml:"id"`
	// Name is how people call the schedule; optional.
	Name string `yaml:"name"`
	// Layers are the schedule's rotations. A rotation without a time_zone follows the
	// configuration's timezone.
	Layers []schedule.Layer `yaml:"layers"`
}

// TeamSchedule returns the ID of the schedule a team pages through: the schedule it names, or
// for a team with a rotation, the schedule of that rotation, which has the team's ID. It reports
// false when the configuration has no such team.
func (c *Config) TeamSchedule(team string) (string, bool) {
	t, ok := c.Team(team)
	if !ok {
		return "", false
	}
	if t.Schedule != "" {
		return t.Schedule, true
	}
	return t.ID, true
}

// ScheduleIDs returns the ID of every schedule a team can page through: those of the schedules
// section in the file's order, then those of the teams' rotations.
func (c *Config) ScheduleIDs() []string {
	var ids []string
	for _, s := range c.Schedules {
		ids = append(ids, s.ID)
	}
	for _, t := range c.Teams {
		if t.Schedule == "" {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// ScheduleDefinition returns the layers of a schedule, as package schedule takes them, and
// whether the configuration has the schedule: one of the schedules section, or a team's
// rotation as a one-layer schedule named after the team (see RotationSchedule). The result
// has no overrides.
func (c *Config) ScheduleDefinition(id string) (schedule.Schedule, bool) {
	for _, s := range c.Schedules {
		if s.ID == id {
			return schedule.Schedule{Layers: cloneLayers(s.Layers)}, true
		}
	}
	for _, t := range c.Teams {
		if t.ID == id && t.Schedule == "" {
			s, err := RotationSchedule(t.Rotation)
			return s, err == nil
		}
	}
	return schedule.Schedule{}, false
}

// ScheduleName returns how people call a schedule: its name, else its ID.
func (c *Config) ScheduleName(id string) string {
	for _, s := range c.Schedules {
		if s.ID == id && s.Name != "" {
			return s.Name
		}
	}
	return id
}

// PersonIDs returns the ID of every person in the configuration, in the file's order.
func (c *Config) PersonIDs() []string {
	ids := make([]string, len(c.People))
	for i, p := range c.People {
		ids[i] = p.ID
	}
	return ids
}

// RotationSchedule returns a team's rotation as a one-layer schedule whose layer is named
// RotationLayer: shifts of a whole number of hours on the UTC clock, so that every shift lasts
// exactly Shift, as a rotation's always have. Its start is moved back by whole rounds of the
// members, so that before Start the rotation's order goes on backwards rather than leave nobody
// on call; from Start on it puts the same person on call as Rotation.OnCall.
func RotationSchedule(r Rotation) (schedule.Schedule, error) {
	shift := time.Duration(r.Shift)
	switch {
	case len(r.Members) == 0 || r.Start.IsZero():
		return schedule.Schedule{}, errors.New("convert rotation: missing members or start")
	case shift < time.Hour || shift%time.Hour != 0:
		return schedule.Schedule{}, fmt.Errorf("convert rotation: shift %s is not a whole number of hours", r.Shift.short())
	}
	start := r.Start.UTC()
	epoch := time.Unix(0, 0).UTC()
	// A round of every member lasts at most 200 x 90 days, and the start lies before 2200, so
	// neither product overflows a time.Duration.
	if round := shift * time.Duration(len(r.Members)); start.After(epoch) {
		start = start.Add(-start.Sub(epoch) / round * round)
	}
	return schedule.Schedule{Layers: []schedule.Layer{{
		Name: RotationLayer,
		Rotation: schedule.Rotation{
			Participants: append([]string(nil), r.Members...),
			Shift:        strconv.FormatInt(int64(shift/time.Hour), 10) + "h",
			TimeZone:     "UTC",
			Start:        start,
		},
	}}}, nil
}

func cloneLayers(layers []schedule.Layer) []schedule.Layer {
	out := make([]schedule.Layer, len(layers))
	for i, l := range layers {
		l.Rotation.Participants = append([]string(nil), l.Rotation.Participants...)
		l.Rotation.Restrictions = append([]schedule.Restriction(nil), l.Rotation.Restrictions...)
		out[i] = l
	}
	return out
}

// teamOnCall checks how a team finds who is on call: its rotation, unless it names a schedule,
// which schedules checks.
func (v *validator) teamOnCall(p path, t Team, people map[string]bool) {
	if t.Schedule != "" {
		return
	}
	v.rotation(p.with("rotation"), t.Rotation, people)
}

// schedules applies the defaults of the schedules section (a rotation's time zone is the
// configuration's) and checks it with package schedule's rules, each problem at its line, and
// checks the teams' references to schedules and that their rotations make schedules.
func (v *validator) schedules(c *Config, people map[string]bool) {
	if len(c.Schedules) > MaxSchedules {
		v.errorf(path{"schedules"}, "%d schedules: at most %d", len(c.Schedules), MaxSchedules)
		return
	}
	declared := v.ids("schedule", "schedules", len(c.Schedules), func(i int) string { return c.Schedules[i].ID })
	for i := range c.Schedules {
		s := &c.Schedules[i]
		p := path{"schedules", i}
		for j := range s.Layers {
			if s.Layers[j].Rotation.TimeZone == "" && c.loc != nil {
				s.Layers[j].Rotation.TimeZone = c.Timezone
			}
		}
		if err := (schedule.Schedule{Layers: s.Layers}).Validate(); err != nil {
			var problems schedule.Problems
			if !errors.As(err, &problems) {
				v.errorf(p, "%v", err)
			}
			for _, problem := range problems {
				v.errorf(p.with(parsePath(problem.Path)...), "%s", problem.Message)
			}
		}
		for j, l := range s.Layers {
			for k, id := range l.Rotation.Participants {
				if id != "" && !people[id] {
					v.errorf(p.with("layers", j, "rotation", "participants", k), "unknown person %q", id)
				}
			}
		}
	}

	rotations := map[string]int{}
	for i, t := range c.Teams {
		p := path{"teams", i}
		switch {
		case t.Schedule == "":
			rotations[t.ID] = i
			if d := time.Duration(t.Rotation.Shift); d >= MinShift && d <= MaxShift && d%time.Hour != 0 {
				v.errorf(p.with("rotation", "shift"), "%s is not a whole number of hours: want hours, such as 12h or 168h", t.Rotation.Shift.short())
			}
		case !t.Rotation.isZero():
			v.errorf(p.with("schedule"), "both rotation and schedule are set: keep one")
		case !declared[t.Schedule]:
			v.errorf(p.with("schedule"), "unknown schedule %q", t.Schedule)
		}
	}
	reported := map[string]bool{}
	for i, s := range c.Schedules {
		if j, taken := rotations[s.ID]; taken && s.ID != "" && !reported[s.ID] {
			reported[s.ID] = true
			v.errorf(path{"schedules", i, "id"}, "schedule id %q is taken by the rotation of team %q (line %d): rename the schedule",
				s.ID, s.ID, path{"teams", j, "rotation"}.line(v.root))
		}
	}
}

// isZero reports whether the rotation was left out.
func (r Rotation) isZero() bool {
	return r.Start.IsZero() && r.Shift == 0 && len(r.Members) == 0
}

// parsePath turns a field path of package schedule, such as "layers[1].rotation.participants[0]",
// into a path.
func parsePath(s string) path {
	var p path
	for part := range strings.SplitSeq(s, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			p = append(p, name)
		}
		for rest != "" {
			index, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(index)
			if !ok || err != nil {
				p = append(p, "["+rest)
				break
			}
			p = append(p, n)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return p
}
