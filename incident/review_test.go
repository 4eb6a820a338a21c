package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// reviewed is a resolved incident in review.
func reviewed() State {
	s := cadenced()
	s.Resolve(t0, "bo", "rolled back")
	s.OpenReview(t0, t0.Add(5*24*time.Hour))
	return s
}

func TestCheckFollowUp(t *testing.T) {
	full := reviewed()
	for range MaxFollowUps {
		full.AddFollowUp(t0, "ana", "bo", "x")
	}
	closed := reviewed()
	closed.CloseReview(t0, "ana", "done")
	cases := []struct {
		name            string
		s               State
		by, owner, text string
		want            string
	}{
		{"an action for a known owner", reviewed(), "ana", "bo", "add a disk alert", ""},
		{"an unknown owner", reviewed(), "ana", "zed", "x", `owner: "zed" is not a person the organisation knows`},
		{"an unknown author", reviewed(), "zed", "bo", "x", `"zed" is not a person the organisation knows`},
		{"no text", reviewed(), "ana", "bo", " ", "a follow-up action needs text"},
		{"too long", reviewed(), "ana", "bo", strings.Repeat("x", MaxTextLen+1), "at most 2000"},
		{"too many", full, "ana", "bo", "x", "the most it keeps"},
		{"a closed review", closed, "ana", "bo", "x", ErrReviewClosed.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.s.CheckFollowUp(c.by, c.owner, c.text)
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestReviewLifecycle(t *testing.T) {
	s := reviewed()
	require.Equal(t, PhaseReview, s.Phase)
	require.Equal(t, at(t0.Add(MaxReviewOpen)), s.CloseAt)
	next, what, ok := s.NextDeadline()
	require.True(t, ok)
	require.Equal(t, DeadlineReview, what, "the meeting is due before the review window ends")
	require.Equal(t, t0.Add(5*24*time.Hour), next)

	require.Equal(t, "follow-up 1 added for bo", s.AddFollowUp(t0, "ana", "bo", " add a disk alert "))
	require.Equal(t, "add a disk alert", s.FollowUps[0].Text)

	r := s.ReviewOverdue(t0.Add(5 * 24 * time.Hour))
	require.Equal(t, "ana", r.Person, "the commander is reminded")
	require.Nil(t, s.ReviewDue)

	require.ErrorContains(t, s.CheckCloseReview("ana", ""), "say what the review concluded")
	require.NoError(t, s.CheckCloseReview("ana", "one follow-up"))
	require.Equal(t, "review closed by ana with 1 follow-up actions", s.CloseReview(t0, "ana", "one follow-up"))
	require.Nil(t, s.CloseAt)
	require.ErrorIs(t, s.CheckCloseReview("ana", "again"), ErrReviewClosed)
}

func TestReviewOverdueWithoutCommanderRemindsWhoResolved(t *testing.T) {
	s := reviewed()
	delete(s.Roles, RoleCommander)
	r := s.ReviewOverdue(t0)
	require.Equal(t, "bo", r.Person)
}

func TestCloseReviewNeedsAResolvedIncident(t *testing.T) {
	s := cadenced()
	require.ErrorContains(t, s.CheckCloseReview("ana", "x"), "resolve it before closing its review")
}
