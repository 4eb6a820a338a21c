package e2e_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/cli"
	"github.com/firebreak-dev/firebreak/internal/devserver"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestDevCommandRunsAndStopsOnInterrupt(t *testing.T) {
	port, uiPort, httpPort := freePorts(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	out, errOut := &console{}, &console{}
	start := func(ctx context.Context, s cli.DevServerSettings) (cli.DevServer, error) {
		return devserver.Start(ctx, devserver.Options{DataDir: s.DataDir, Ephemeral: s.Ephemeral, Port: s.Port,
			UIPort: s.UIPort, SearchAttributes: workflows.SearchAttributes()})
	}
	done := make(chan int, 1)
	go func() {
		done <- cli.Main([]string{"dev", "--data-dir", dataDir, "--port", strconv.Itoa(port), "--ui-port", strconv.Itoa(uiPort),
			"--http", fmt.Sprintf("127.0.0.1:%d", httpPort)}, cli.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, "test", start)
	}()
	require.Eventually(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", httpPort))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 100*time.Millisecond, "dev never became healthy: %s", errOut.lines())
	require.NotEmpty(t, out.lines(fmt.Sprintf("Temporal Web UI    http://127.0.0.1:%d", uiPort)))

	var started, startErr strings.Builder
	code := cli.Main([]string{"--address", fmt.Sprintf("127.0.0.1:%d", port), "incident", "start", "--service", "checkout",
		"--title", "Checkout errors", "--impact", "customers=some"}, cli.IOStreams{In: strings.NewReader(""), Out: &started, ErrOut: &startErr}, "test", nil)
	require.Equal(t, 0, code, startErr.String())
	require.Contains(t, started.String(), "Started incident checkout-")
	require.Eventually(t, func() bool { return len(out.lines("PAGE sev2")) == 1 }, waitFor, 100*time.Millisecond)

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.lines())
	case <-time.After(time.Minute):
		t.Fatal("dev did not stop after SIGINT")
	}
	require.NotEmpty(t, out.lines("Stopping: draining the worker."))
	require.FileExists(t, filepath.Join(dataDir, "temporal.db"))
	require.DirExists(t, filepath.Join(dataDir, "incidents"))
}

// freePorts finds a frontend port whose next four ports are free too (the embedded server's
// internal services use them), and two more ports.
func freePorts(t *testing.T) (frontend, ui, http int) {
	t.Helper()
	for range 50 {
		base := 20000 + int(time.Now().UnixNano()%20000)
		if portsFree(base, 7) {
			return base, base + 5, base + 6
		}
	}
	t.Fatal("no free block of ports")
	return 0, 0, 0
}

func portsFree(base, n int) bool {
	for p := base; p < base+n; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
