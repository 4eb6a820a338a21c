package bench

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Quiet waits until the machine's CPUs were busy at most busyAtMost of a whole window (0.1:
// a tenth of the time, counted over all CPUs), looking window after window for up to limit, and
// returns how long it waited. A burst that starts while the last one's work is still being done
// (incidents taking their alerts) runs at a rate that depends on how much was left; starting each
// from a quiet machine makes bursts in one run comparable. It reads /proc/stat (Linux).
func Quiet(window time.Duration, busyAtMost float64, limit time.Duration) (time.Duration, error) {
	return waitQuiet(readProcStat, time.Sleep, window, busyAtMost, limit)
}

// cpuClock returns the CPU time, in ticks over all CPUs, spent busy and in all since boot.
type cpuClock func() (busy, total uint64, err error)

// waitQuiet is Quiet with its clock and its sleep given.
func waitQuiet(clock cpuClock, sleep func(time.Duration), window time.Duration, busyAtMost float64, limit time.Duration) (time.Duration, error) {
	busy0, total0, err := clock()
	if err != nil {
		return 0, err
	}
	var waited time.Duration
	var lastBusy float64
	for waited < limit {
		sleep(window)
		waited += window
		busy1, total1, err := clock()
		if err != nil {
			return waited, err
		}
		if total1 > total0 {
			lastBusy = float64(busy1-busy0) / float64(total1-total0)
			if lastBusy <= busyAtMost {
				return waited, nil
			}
		}
		busy0, total0 = busy1, total1
	}
	return waited, fmt.Errorf("the machine stayed busy for %s (%.0f%% in the last %s, at most %.0f%% wanted)",
		waited, 100*lastBusy, window, 100*busyAtMost)
}

// readProcStat reads the machine's CPU times from /proc/stat.
func readProcStat() (busy, total uint64, err error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("read CPU times: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("read CPU times: %w", err)
	}
	return parseCPULine(line)
}

// parseCPULine reads the aggregate "cpu" line of /proc/stat: user, nice, system, idle, iowait,
// irq, softirq, steal (guest time is already counted in user and nice). Idle and iowait are not
// busy.
func parseCPULine(line string) (busy, total uint64, err error) {
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, errors.New(`read CPU times: the first line of /proc/stat is not the "cpu" line with eight times`)
	}
	for i, f := range fields[1:9] {
		ticks, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("read CPU times: field %d of the cpu line: %w", i+1, err)
		}
		total += ticks
		if i != 3 && i != 4 { // idle, iowait
			busy += ticks
		}
	}
	return busy, total, nil
}
