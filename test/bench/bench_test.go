package bench_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/test/bench"
)

func TestArrivalsKeepTheFirstAndWakeWaiters(t *testing.T) {
	a := bench.NewArrivals()
	first := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var got time.Time
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { got, err = a.Wait("x", 10*time.Second) })
	time.Sleep(10 * time.Millisecond)
	a.Note("x", first)
	a.Note("x", first.Add(time.Second))
	wg.Wait()
	require.NoError(t, err)
	require.Equal(t, first, got)
	again, err := a.Wait("x", 0)
	require.NoError(t, err)
	require.Equal(t, first, again, "a later arrival does not replace the first")
}

func TestArrivalsWaitGivesUp(t *testing.T) {
	_, err := bench.NewArrivals().Wait("never", 10*time.Millisecond)
	require.ErrorContains(t, err, "nothing for never within 10ms")
}

func TestPercentiles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        int
		p50, p99 float64
	}{
		{"one sample", 1, 1, 1},
		{"two hundred samples", 200, 101, 199},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d []time.Duration
			for i := tc.n; i >= 1; i-- { // descending: Percentiles sorts a copy
				d = append(d, time.Duration(i)*time.Millisecond)
			}
			p50, p99 := bench.Percentiles(d)
			require.Equal(t, tc.p50, p50)
			require.Equal(t, tc.p99, p99)
			require.Equal(t, time.Duration(tc.n)*time.Millisecond, d[0], "the caller's slice is left as it was")
		})
	}
}

func TestBurstSendsEachIndexOnce(t *testing.T) {
	const n = 1000
	seen := make([]atomic.Int32, n)
	var concurrent, most atomic.Int32
	_, err := bench.Burst(n, 8, func(i int) error {
		c := concurrent.Add(1)
		for m := most.Load(); c > m && !most.CompareAndSwap(m, c); m = most.Load() {
		}
		seen[i].Add(1)
		time.Sleep(100 * time.Microsecond)
		concurrent.Add(-1)
		return nil
	})
	require.NoError(t, err)
	for i := range seen {
		require.EqualValues(t, 1, seen[i].Load(), "index %d", i)
	}
	require.LessOrEqual(t, most.Load(), int32(8))
	require.Greater(t, most.Load(), int32(1), "the senders run at once")
}

func TestBurstStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int32
	_, err := bench.Burst(1000, 4, func(i int) error {
		calls.Add(1)
		if i == 10 {
			return boom
		}
		time.Sleep(time.Millisecond)
		return nil
	})
	require.ErrorIs(t, err, boom)
	require.Less(t, calls.Load(), int32(100), "senders stop once one has failed")
}

func TestCoveredCountsOverlapsOnceAndOnlyInsideTheWindow(t *testing.T) {
	at := func(ms int) time.Time {
		return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	for _, tc := range []struct {
		name      string
		intervals []bench.Interval
		want      time.Duration
	}{
		{"none", nil, 0},
		{"one inside", []bench.Interval{{From: at(10), To: at(25)}}, 15 * time.Millisecond},
		{"two overlapping count their union", []bench.Interval{{From: at(30), To: at(50)}, {From: at(20), To: at(40)}}, 30 * time.Millisecond},
		{"one inside another", []bench.Interval{{From: at(20), To: at(60)}, {From: at(30), To: at(40)}}, 40 * time.Millisecond},
		{"disjoint add up", []bench.Interval{{From: at(10), To: at(20)}, {From: at(30), To: at(35)}}, 15 * time.Millisecond},
		{"clipped to the window", []bench.Interval{{From: at(-50), To: at(5)}, {From: at(95), To: at(150)}}, 10 * time.Millisecond},
		{"outside the window", []bench.Interval{{From: at(-50), To: at(-1)}, {From: at(100), To: at(150)}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, bench.Covered(tc.intervals, at(0), at(100)))
		})
	}
}
