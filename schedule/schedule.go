// Package schedule answers who is on call at any instant, since and until when, and from which
// layer or override. It is pure arithmetic on instants and time zones (no Temporal, no files, no
// clock of its own), so workflows, activities and the command line can share it.
//
// A Schedule is layers of rotations plus overrides. A rotation hands the duty to its
// participants in turn every shift (whole hours, days or weeks), at a time of day on the wall
// clock of its time zone, counted from that time on the local date of its start; the first
// participant holds the shift in progress at the start. Restrictions mask a rotation's coverage
// without skipping anyone: shifts keep advancing while it is masked. The highest level that
// covers an instant wins; layers on one level must never cover the same instant. Overrides apply
// in the order they were made, each to the answer the ones before left, so a later one wins.
//
// Daylight-saving changes keep handoffs and restriction windows on the wall clock. A time of day
// the clocks skip happens at the instant they jump (02:30 on a night that goes from 02:00 to
// 03:00 happens at 03:00); a time of day the clocks repeat happens the first time, and whatever
// is in progress when the clocks go back (a shift, an open restriction window) lasts through the
// repeated hour. Consecutive shifts therefore never leave a gap or overlap. A shift that lies
// wholly in skipped time (an hourly 02:00 shift on such a night, every shift of 30 December 2011
// in Pacific/Apia) has no length: its participant is not on call that time. time.Date resolves
// these times differently (the second occurrence; in Apia, 30 December 09:00 becomes
// 29 December 09:00), so the package does not use it for them.
//
// Every interval is half-open: a shift covers its first instant and not its last.
package schedule

import "time"

// Limits on what one schedule may hold; Validate reports anything beyond them. They bound the
// work of every question a Roster answers.
const (
	// MaxLayers is the most layers in one schedule.
	MaxLayers = 20
	// MaxParticipants is the most participants in one rotation.
	MaxParticipants = 200
	// MaxRestrictions is the most restrictions on one rotation.
	MaxRestrictions = 21
	// MaxOverrides is the most overrides in one schedule. Overrides that have ended can be
	// dropped: they never change an answer about a later instant.
	MaxOverrides = 1000
	// MaxOverride is the longest one override may last.
	MaxOverride = 366 * 24 * time.Hour
	// MaxNameLength is the longest layer name, person ID or override ID, in bytes.
	MaxNameLength = 128
	// MaxSpan is the longest interval Timeline, Gaps and NextHandoff look at in one call.
	MaxSpan = 400 * 24 * time.Hour
)

// The instants a schedule may name (rotation starts and ends, override times) lie in
// [1970-01-01, 2200-01-01) UTC; these are those bounds in Unix seconds.
const (
	earliestUnix = 0
	latestUnix   = 7258118400
)

// Schedule is the definition of one on-call schedule: its layers and its overrides. The field
// names in its JSON and YAML forms are the ones Validate's problem paths use.
type Schedule struct {
	// Layers are the schedule's rotations; where several cover an instant the highest level wins.
	Layers []Layer `json:"layers" yaml:"layers"`
	// Overrides are temporary changes, in the order they were made; a later one wins.
	Overrides []Override `json:"overrides,omitempty" yaml:"overrides,omitempty"`
}

// Layer is one named rotation of a schedule, at a level.
type Layer struct {
	// Name identifies the layer in answers; it must be unique within the schedule.
	Name string `json:"name" yaml:"name"`
	// Level orders the layers: where several cover an instant, the highest level wins. Layers
	// on the same level must not cover the same instant.
	Level int `json:"level,omitempty" yaml:"level,omitempty"`
	// Rotation says who the layer puts on call and when.
	Rotation Rotation `json:"rotation" yaml:"rotation"`
}

// Rotation hands the on-call duty from one participant to the next at wall-clock handoffs.
type Rotation struct {
	// Participants are the IDs of the people who take shifts, in order; one may appear more
	// than once. Required.
	Participants []string `json:"participants" yaml:"participants"`
	// Shift is how long each participant stays on call: a positive whole number of hours, days
	// or weeks, written "12h", "1d" or "1w". Required.
	Shift string `json:"shift" yaml:"shift"`
	// Handoff is the wall-clock time of day, "HH:MM" in TimeZone, from which handoffs are
	// counted on the local date of Start; empty means Start's own local time of day.
	Handoff string `json:"handoff,omitempty" yaml:"handoff,omitempty"`
	// TimeZone is the IANA name of the zone whose wall clock the handoffs and restrictions
	// follow, such as "Europe/Rome" or "UTC". Required.
	TimeZone string `json:"time_zone" yaml:"time_zone"`
	// Start is the instant from which the rotation puts people on call; the first participant
	// holds the shift in progress at Start. Required.
	Start time.Time `json:"start" yaml:"start"`
	// End is the instant from which the rotation puts nobody on call; zero means never.
	End time.Time `json:"end,omitzero" yaml:"end,omitempty"`
	// Restrictions, when present, limit the rotation's coverage to their windows; shifts keep
	// advancing outside them.
	Restrictions []Restriction `json:"restrictions,omitempty" yaml:"restrictions,omitempty"`
}

// Restriction is a window of wall-clock time on some days of the week, such as working hours.
type Restriction struct {
	// Days are the days the window starts on: "mon", "tue", "wed", "thu", "fri", "sat" and
	// "sun"; empty means every day.
	Days []string `json:"days,omitempty" yaml:"days,omitempty"`
	// From is the wall-clock time the window opens, "HH:MM". Required.
	From string `json:"from" yaml:"from"`
	// To is the wall-clock time the window closes, "HH:MM". When it is not after From the
	// window closes the next day, so From equal to To is a whole day. Required.
	To string `json:"to" yaml:"to"`
}

// Override puts a person on call for a while in place of whoever the layers (and earlier
// overrides) put on call.
type Override struct {
	// ID optionally names the override; when set it must be unique within the schedule.
	ID string `json:"id,omitempty" yaml:"id,omitempty"`
	// Person is the ID of the person put on call. Required.
	Person string `json:"person" yaml:"person"`
	// Start and End bound the override, [Start, End). Both required.
	Start time.Time `json:"start" yaml:"start"`
	End   time.Time `json:"end" yaml:"end"`
	// Replacing, when set, limits the override to the times that person would otherwise be on
	// call; empty means the override holds throughout, filling gaps too.
	Replacing string `json:"replacing,omitempty" yaml:"replacing,omitempty"`
}
