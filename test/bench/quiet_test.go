package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseCPULineCountsIdleAndIOWaitAsNotBusy(t *testing.T) {
	busy, total, err := parseCPULine("cpu  100 2 30 500 40 5 6 7 9 0\n")
	require.NoError(t, err)
	require.Equal(t, uint64(100+2+30+5+6+7), busy, "user, nice, system, irq, softirq and steal")
	require.Equal(t, uint64(100+2+30+500+40+5+6+7), total, "guest time is inside user already")

	for _, bad := range []string{"cpu0 1 2 3 4 5 6 7 8", "cpu 1 2 3", "cpu 1 2 x 4 5 6 7 8"} {
		_, _, err := parseCPULine(bad)
		require.Error(t, err, bad)
	}
}

// fakeCPU is a cpuClock that advances by one window of the given busy fraction each time it is
// read after the first.
type fakeCPU struct {
	busyFractions []float64
	reads         int
	busy, total   uint64
}

func (c *fakeCPU) read() (uint64, uint64, error) {
	if c.reads > 0 {
		f := c.busyFractions[min(c.reads-1, len(c.busyFractions)-1)]
		c.busy += uint64(f * 1000)
		c.total += 1000
	}
	c.reads++
	return c.busy, c.total, nil
}

func TestQuietWaitsForTheFirstQuietWindow(t *testing.T) {
	cpu := &fakeCPU{busyFractions: []float64{0.95, 0.4, 0.08, 0.9}}
	var slept time.Duration
	waited, err := waitQuiet(cpu.read, func(d time.Duration) { slept += d }, time.Second, 0.1, time.Minute)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, waited)
	require.Equal(t, 3*time.Second, slept)
}

func TestQuietGivesUpAtItsLimitSayingHowBusyTheMachineWas(t *testing.T) {
	cpu := &fakeCPU{busyFractions: []float64{0.95}}
	waited, err := waitQuiet(cpu.read, func(time.Duration) {}, time.Second, 0.1, 5*time.Second)
	require.EqualError(t, err, "the machine stayed busy for 5s (95% in the last 1s, at most 10% wanted)")
	require.Equal(t, 5*time.Second, waited)
}
