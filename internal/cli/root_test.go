package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/temporalconn"
)

func TestNewCmdRoot(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		wantConn  temporalconn.Options
		wantUI    string
		wantLevel slog.Level
		wantErr   string
	}{
		{
			name:     "defaults",
			wantConn: temporalconn.Options{Address: "127.0.0.1:7233", Namespace: "default"},
			wantUI:   "http://localhost:8233",
		},
		{
			name:     "environment",
			env:      map[string]string{EnvAddress: "temporal:7233", EnvNamespace: "ops", EnvUIURL: "https://ui.example"},
			wantConn: temporalconn.Options{Address: "temporal:7233", Namespace: "ops"},
			wantUI:   "https://ui.example",
		},
		{
			name: "flags win over the environment",
			env:  map[string]string{EnvAddress: "temporal:7233"},
			args: []string{
				"--address", "cloud:7233", "--namespace", "prod", "--ui-url", "https://cloud.example",
				"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem", "--tls-server-name", "srv",
				"--log-level", "debug",
			},
			wantConn: temporalconn.Options{
				Address: "cloud:7233", Namespace: "prod", TLSCert: "c.pem", TLSKey: "k.pem", TLSCA: "ca.pem", TLSServer: "srv",
			},
			wantUI:    "https://cloud.example",
			wantLevel: slog.LevelDebug,
		},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: `invalid argument "loud" for "--log-level"`},
		{name: "unknown command", args: []string{"deploy"}, wantErr: `unknown command "deploy" for "firebreak"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{EnvAddress, EnvNamespace, EnvUIURL} {
				t.Setenv(name, tt.env[name])
			}
			io, _, _ := testIO("")
			f := New(io)
			cmd := NewCmdRoot(f, "1.2.3")
			err := execute(cmd, append(tt.args, "help"))
			if tt.wantErr != "" {
				requireUsageError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantConn, f.Conn)
			require.Equal(t, tt.wantUI, f.UIURL)
			require.Equal(t, tt.wantLevel, f.logLevel.Level())
		})
	}
}

func TestNewCmdRootCommands(t *testing.T) {
	io, _, _ := testIO("")
	cmd := NewCmdRoot(New(io), "1.2.3")
	var names []string
	for _, sub := range cmd.Commands() {
		names = append(names, sub.Name())
	}
	for _, want := range []string{"alert", "dev", "incident", "policy", "report", "serve", "version", "worker"} {
		require.Contains(t, names, want)
	}
	incident, _, err := cmd.Find([]string{"incident"})
	require.NoError(t, err)
	names = nil
	for _, sub := range incident.Commands() {
		names = append(names, sub.Name())
	}
	require.ElementsMatch(t, []string{"ack", "assign", "close-review", "escalate", "follow-up", "impact", "list", "note", "resolve", "review", "severity", "show", "start", "update"}, names)
	alert, _, err := cmd.Find([]string{"alert"})
	require.NoError(t, err)
	names = nil
	for _, sub := range alert.Commands() {
		names = append(names, sub.Name())
	}
	require.ElementsMatch(t, []string{"send"}, names)
}

func TestMainExitCode(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErrOut string
	}{
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: "firebreak 1.2.3\n"},
		{name: "--version", args: []string{"--version"}, wantCode: 0, wantOut: "firebreak 1.2.3\n"},
		{name: "help", args: nil, wantCode: 0, wantOut: "Usage:\n  firebreak [flags]\n  firebreak [command]"},
		{name: "unknown command", args: []string{"deploy"}, wantCode: 2, wantErrOut: "firebreak: unknown command \"deploy\" for \"firebreak\"\n"},
		{name: "unknown subcommand", args: []string{"incident", "close"}, wantCode: 2, wantErrOut: "firebreak: unknown command \"close\" for \"firebreak incident\"\n"},
		{name: "unknown flag", args: []string{"incident", "list", "--colour"}, wantCode: 2, wantErrOut: "firebreak: unknown flag: --colour\n"},
		{name: "missing --as", args: []string{"incident", "ack", "chk-1"}, wantCode: 2, wantErrOut: "firebreak: required flag --as not set\n"},
		{name: "bad output", args: []string{"incident", "show", "chk-1", "-o", "yaml"}, wantCode: 2, wantErrOut: "firebreak: invalid --output \"yaml\": use text or json\n"},
		{
			name:       "failing policy tests",
			args:       []string{"policy", "test", "--dir", "testdata/policies/failing"},
			wantCode:   1,
			wantOut:    "1 passed, 1 failed\n",
			wantErrOut: "firebreak: 1 of 2 policy tests failed\n",
		},
		{
			name:       "bad policy input",
			args:       []string{"policy", "eval", "severity", "--input", "testdata/truncated.json"},
			wantCode:   1,
			wantErrOut: "firebreak: read input testdata/truncated.json: invalid JSON: unexpected EOF\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errOut := testIO("")
			code := Main(tt.args, io, "1.2.3", nil)
			require.Equal(t, tt.wantCode, code, "stderr: %s", errOut)
			require.Contains(t, out.String(), tt.wantOut)
			if tt.wantErrOut == "" {
				require.Empty(t, errOut.String())
			} else {
				require.Equal(t, tt.wantErrOut, errOut.String())
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want string
	}{
		{name: "one line", msg: "start incident x: refused", want: "start incident x: refused"},
		{name: "several lines", msg: "compile policies: a.rego:1:2: rego_parse_error: bad\n\tdecision := {\n\t^\nb.rego:3:4: x", want: "compile policies: a.rego:1:2: rego_parse_error: bad; decision := {; ^; b.rego:3:4: x"},
		{name: "terminal escapes", msg: "p.rego:1:1: bad \x1b]0;pwned\a\x1b[2J", want: `p.rego:1:1: bad \x1b]0;pwned\x07\x1b[2J`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, oneLine(tt.msg))
		})
	}
}

func TestErrorLines(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{name: "one error", err: errors.New("load config: no such file"), want: []string{"load config: no such file"}},
		{name: "a wrapped multi-line error stays on one line", err: fmt.Errorf("compile policies: %w", errors.New("a.rego:1:2: x\n\tdetail")), want: []string{"compile policies: a.rego:1:2: x; detail"}},
		{
			name: "joined errors, one line each",
			err:  errors.Join(errors.New("f.yaml:3: people: no people"), errors.Join(errors.New("f.yaml:9: teams[0].id: missing id"), nil), errors.New("p.rego:4:0: bad\n\tdetail")),
			want: []string{"f.yaml:3: people: no people", "f.yaml:9: teams[0].id: missing id", "p.rego:4:0: bad; detail"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, errorLines(tt.err))
		})
	}
}
