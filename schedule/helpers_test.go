package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ts parses an RFC 3339 instant, such as "2025-03-30T03:00:00+02:00".
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v
}

// zone loads an IANA time zone.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// newRoster builds a roster from a schedule that must be valid.
func newRoster(t testing.TB, s Schedule) *Roster {
	t.Helper()
	r, err := NewRoster(s)
	require.NoError(t, err)
	return r
}

// one is a schedule of a single layer with the rotation rot.
func one(rot Rotation) Schedule {
	return Schedule{Layers: []Layer{{Name: "primary", Rotation: rot}}}
}

// check is what an answer should be at an instant; since and until are RFC 3339 or "" for an
// open end.
type check struct {
	at, person, since, until string
}

// requireAnswer checks the answer a against the expectation c.
func requireAnswer(t *testing.T, c check, a OnCall) {
	t.Helper()
	require.Equal(t, c.person, a.Person, "person at %s", c.at)
	requireInstant(t, c.since, a.Since, "since, at %s", c.at)
	requireInstant(t, c.until, a.Until, "until, at %s", c.at)
}

// requireInstant checks that got is the instant want (RFC 3339), or zero when want is "".
func requireInstant(t *testing.T, want string, got time.Time, msg string, args ...any) {
	t.Helper()
	if want == "" {
		require.True(t, got.IsZero(), append([]any{msg + ": want no bound, got %s"}, append(args, got)...)...)
		return
	}
	w := ts(t, want)
	require.True(t, w.Equal(got), append([]any{msg + ": want %s, got %s"}, append(args, w.UTC(), got.UTC())...)...)
}
