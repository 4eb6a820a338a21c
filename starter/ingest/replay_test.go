package ingest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReplayGuard(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	sig := func(b byte) [32]byte { return [32]byte{b} }
	type step struct {
		claim   byte
		release bool
		expiry  time.Duration // after t0
		now     time.Duration // after t0
		want    claimResult
	}
	cases := []struct {
		name  string
		max   int
		steps []step
	}{
		{"a signature is accepted once", 10, []step{
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 1, expiry: time.Minute, now: 30 * time.Second, want: replayed},
			{claim: 2, expiry: time.Minute, now: 30 * time.Second, want: claimed},
		}},
		{"an expired signature is forgotten", 10, []step{
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 1, expiry: time.Minute, now: time.Minute, want: claimed},
		}},
		{"a released signature may be claimed again", 10, []step{
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 1, release: true},
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 1, expiry: time.Minute, want: replayed},
		}},
		{"full of unexpired signatures it refuses rather than forget one", 2, []step{
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 2, expiry: 2 * time.Minute, want: claimed},
			{claim: 3, expiry: time.Minute, want: full},
			{claim: 1, expiry: time.Minute, want: replayed},
			{claim: 3, expiry: 2 * time.Minute, now: time.Minute, want: claimed},
		}},
		{"release cycles cannot grow it without bound", 1, []step{
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 1, release: true},
			{claim: 1, expiry: time.Minute, want: claimed},
			{claim: 1, release: true},
			{claim: 1, expiry: time.Minute, want: full},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newReplayGuard(c.max)
			for i, s := range c.steps {
				if s.release {
					g.release(sig(s.claim))
					continue
				}
				require.Equal(t, s.want, g.claim(sig(s.claim), t0.Add(s.expiry), t0.Add(s.now)), "step %d", i)
			}
			require.LessOrEqual(t, len(g.seen), c.max)
		})
	}
}
