// Package mototest runs the AWS emulator moto_server for tests.
package mototest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startTimeout is how long moto_server has to answer; it took longer than 15 s on a loaded
// machine.
const startTimeout = 90 * time.Second

// Start runs moto_server on a free loopback port with extra environment variables (such as
// "MOTO_ECS_SERVICE_RUNNING=1"), stops it when the test ends, and returns its base URL. Without
// moto_server on the PATH the test is skipped, or fails when the environment variable CI is set.
func Start(t testing.TB, env ...string) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("moto_server is not installed (pip install 'moto[server]'): CI runs the AWS emulator tests")
		}
		t.Skip("moto_server is not installed (pip install 'moto[server]'); skipping the AWS emulator tests")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), env...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/moto-api/")
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return true
	}, startTimeout, 100*time.Millisecond, "moto_server did not start within %s", startTimeout)
	return base
}

// Reset forgets every resource moto holds.
func Reset(t testing.TB, base string) {
	t.Helper()
	resp, err := http.Post(base+"/moto-api/reset", "application/json", nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
