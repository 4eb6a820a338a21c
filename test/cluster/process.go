package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is one OS process of the cluster. It can be killed with SIGKILL and started again
// with the same command line, as an operator's supervisor would.
type Process struct {
	// Name identifies the process in logs and test output, such as "history-1".
	Name string
	// Kind is what the process runs: frontend, history, matching, worker (Temporal's), or
	// firebreak-worker and firebreak-serve.
	Kind string
	// Addr is the address the process listens on that tells it is up: a gRPC port for
	// Temporal's services, the HTTP address for Firebreak's.
	Addr string
	// Netns, when set, is the network namespace the process runs in (through `ip netns exec`).
	Netns string

	path    string
	args    []string
	env     []string
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start starts the process; it fails when it is already running.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("start %s: already running", p.Name)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	fmt.Fprintf(logFile, "=== %s start %s\n", time.Now().Format(time.RFC3339Nano), p.Name)
	path, args := p.path, p.args
	if p.Netns != "" {
		path, args = "ip", append([]string{"netns", "exec", p.Netns, p.path}, p.args...)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that a test's Ctrl-C reaches the harness, which stops it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status is in the log; a killed process is expected here
		logFile.Close()
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
	return nil
}

// Kill sends SIGKILL to the process (and, under `ip netns exec`, its child) and waits for it
// to exit.
func (p *Process) Kill() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.Name, err)
	}
	<-p.exited
	p.cmd, p.exited = nil, nil
	return nil
}

// Stop asks the process to stop with SIGTERM and kills it if it has not stopped after grace.
func (p *Process) Stop(grace time.Duration) error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
		p.mu.Lock()
		p.cmd, p.exited = nil, nil
		p.mu.Unlock()
		return nil
	case <-time.After(grace):
		return p.Kill()
	}
}

// Running says whether the process has been started and has not exited.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Pid is the process's ID while it runs, 0 otherwise. Under `ip netns exec` the program
// replaces ip in the same process, so this is the program's ID too, as in a Temporal worker's
// default identity (pid@host@).
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Log returns what the process wrote so far, for a failing test's output.
func (p *Process) Log() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// waitListening waits until the process's address accepts TCP connections.
func (p *Process) waitListening(ctx context.Context) error {
	return poll(ctx, fmt.Sprintf("%s listening on %s", p.Name, p.Addr), func() error {
		if !p.Running() {
			return errExited
		}
		c, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
}

// waitHealthy waits until the process's /healthz answers 200.
func (p *Process) waitHealthy(ctx context.Context) error {
	url := "http://" + p.Addr + "/healthz"
	return poll(ctx, p.Name+" healthy", func() error {
		if !p.Running() {
			return errExited
		}
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", resp.Status, body)
		}
		return nil
	})
}

var errExited = errors.New("the process exited")

// poll calls check every 200 ms until it succeeds, the process exits or ctx ends.
func poll(ctx context.Context, what string, check func() error) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		if errors.Is(err, errExited) {
			return fmt.Errorf("wait for %s: %w", what, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %v)", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}
