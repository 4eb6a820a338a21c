package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// hostile is a title that, printed raw, retitles the terminal, clears the screen and draws a fake
// all-clear, turns text red with a C1 CSI and reverses what follows with a bidi override.
const hostile = "\x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR\u009b31m\u202eretsiger"

// requireSafeOutput fails when out holds anything a terminal would act on.
func requireSafeOutput(t *testing.T, out string) {
	t.Helper()
	require.Equal(t, safetext.Text(out), out, "unsafe characters in the output")
}

// hostileState is showState with text from outside in every field that can hold it.
func hostileState() workflows.State {
	s := showState()
	s.Title = hostile
	s.Service, s.Type, s.Source = "check\x1b[8mout", "out\u2066age", "alert\u009bmanager"
	s.SeverityReasons = append(s.SeverityReasons, "reason\x1b[2J")
	s.Override = &incident.SeverityOverride{Severity: incident.Sev1, By: "ana\u202e", Reason: "because\r\x1b[32mOK"}
	s.Alerts[0].Title = "error rate\u202e %5"
	s.Alerts[0].Source = "am\x07"
	s.Timeline = append(s.Timeline, incident.Entry{At: s.StartedAt.Add(5 * time.Minute), Kind: "note", By: "alice",
		Text: "observation: see \x1b]8;;http://evil.example/\x1b\\dashboard\x1b]8;;\x1b\\\nsecond line\tend"})
	s.Messages[0].Text = "Checkout is down\u2028for all\u200b customers."
	s.Reopens = "run-\x1b[1A"
	return s
}

func TestShowRunNeutralisesTerminalEscapes(t *testing.T) {
	tests := []struct {
		name   string
		output string
		check  func(t *testing.T, out string)
	}{
		{
			name:   "report",
			output: "text",
			check: func(t *testing.T, out string) {
				requireSafeOutput(t, out)
				golden(t, "show_hostile.golden", out)
			},
		},
		{
			name:   "json",
			output: "json",
			check: func(t *testing.T, out string) {
				requireSafeOutput(t, out)
				var got workflows.State
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				require.Equal(t, hostileState(), got, "the JSON still decodes to the incident's state")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			payloads, err := converter.GetDefaultDataConverter().ToPayloads(hostileState())
			require.NoError(t, err)
			mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(client.NewValue(payloads), nil)

			require.NoError(t, showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: tt.output, Wait: testWait}))
			tt.check(t, out.String())
		})
	}
}

func TestShowRunWithNoWorkerNeutralisesTerminalEscapes(t *testing.T) {
	io, out, _ := testIO("")
	f, mc := mockFactory(t, io)
	described := describedIncident(t)
	dc := converter.GetDefaultDataConverter()
	title, err := dc.ToPayload(hostile)
	require.NoError(t, err)
	summary, err := dc.ToPayload("sev1\x1b[2J ALL CLEAR")
	require.NoError(t, err)
	described.WorkflowExecutionInfo.Memo.Fields["title"] = title
	described.WorkflowExecutionInfo.Memo.Fields["summary"] = summary
	mc.On("QueryWorkflow", mock.Anything, "incident-chk-1", "", workflows.QueryState).Return(nil, context.DeadlineExceeded)
	mc.On("DescribeWorkflowExecution", mock.Anything, "incident-chk-1", "").Return(described, nil)

	require.NoError(t, showRun(context.Background(), &showOptions{IO: io, Starter: f.Starter, Key: "chk-1", Output: "text", Wait: testWait}))
	requireSafeOutput(t, out.String())
	require.Contains(t, out.String(), `\x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR\u009b31m\u202eretsiger`+"\n")
	require.Contains(t, out.String(), `summary     sev1\x1b[2J ALL CLEAR`+"\n")
}

func TestListRunNeutralisesTerminalEscapes(t *testing.T) {
	started := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		output string
		want   string
	}{
		{
			name:   "table",
			output: "text",
			want: "" +
				"KEY    SEVERITY  STATUS     PHASE   SERVICE       STARTED            TITLE\n" +
				`chk-1  sev1      triggered  assess  pay\x1b[8min  2025-03-04 10:00Z  \x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR\u009b31m\u202eretsiger; second line` + "\n",
		},
		{name: "json", output: "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO("")
			f, mc := mockFactory(t, io)
			row := execution(t, "chk-1", hostile+"\n  second line", "pay\x1b[8min", "sev1", "triggered", "assess", started)
			mc.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
				Executions: []*workflowpb.WorkflowExecutionInfo{row},
			}, nil)

			require.NoError(t, listRun(context.Background(), &listOptions{IO: io, Starter: f.Starter, Filter: starter.ListFilter{Limit: 10}, Output: tt.output}))
			requireSafeOutput(t, out.String())
			if tt.want != "" {
				require.Equal(t, tt.want, out.String())
				return
			}
			var rows []map[string]any
			require.NoError(t, json.Unmarshal(out.Bytes(), &rows))
			require.Equal(t, hostile+"\n  second line", rows[0]["title"], "the JSON still decodes to the title")
		})
	}
}

func TestWriteOutcomeNeutralisesTerminalEscapes(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, writeOutcome(&out, "chk-1", workflows.Outcome{Text: "noted: \x1b[2J\u202efake", Status: incident.StatusAcknowledged}))
	require.Equal(t, "chk-1: noted: \\x1b[2J\\u202efake\nstatus acknowledged\n", out.String())
}

func TestAlertSendNeutralisesTheAnswer(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		answer  string
		output  string
		want    string
		wantErr string
	}{
		{
			name: "accepted", status: http.StatusAccepted, output: "text",
			answer: `{"accepted":1,"incidents":["alert-\u001b[2J"]}`,
			want:   "Accepted 1 alert(s) for alert-\\x1b[2J.\n",
		},
		{
			name: "accepted as json", status: http.StatusAccepted, output: "json",
			answer: `{"accepted":1,"incidents":["alert-\u009b2J"]}`,
			want:   "{\n  \"accepted\": 1,\n  \"ignored\": 0,\n  \"incidents\": [\n    \"alert-\\u009b2J\"\n  ]\n}\n",
		},
		{
			name: "rejected with an error field", status: http.StatusBadRequest, output: "text",
			answer:  `{"error":"bad title \u001b]0;owned\u0007"}`,
			wantErr: `alert rejected (HTTP 400): bad title \x1b]0;owned\x07`,
		},
		{
			name: "rejected with text", status: http.StatusBadGateway, output: "text",
			answer:  "proxy \x1b[2J\u202efailed",
			wantErr: `alert rejected (HTTP 502): proxy \x1b[2J\u202efailed`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.answer))
			}))
			defer srv.Close()
			io, out, _ := testIO("")
			err := alertSendRun(context.Background(), &alertSendOptions{
				IO: io, HTTPClient: srv.Client(), URL: srv.URL, DedupKey: "k", Service: "checkout", Title: "t", Status: alertFiring, Output: tt.output,
			})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, out.String())
		})
	}
}

func TestAlertSendHidesURLSecrets(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	io, _, _ := testIO("")
	err := alertSendRun(context.Background(), &alertSendOptions{
		IO: io, HTTPClient: http.DefaultClient, URL: "http://ops:pw-0123456789@" + addr + "/?key=k-0123456789",
		DedupKey: "k", Service: "checkout", Title: "t", Status: alertFiring, Output: "text",
	})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "pw-0123456789")
	require.NotContains(t, err.Error(), "k-0123456789")
	require.Contains(t, err.Error(), "send alert to http://REDACTED@"+addr)
}

// TestLoggerEscapesControlCharacters proves that the logger every command, the worker and the
// alert webhooks log through (Factory.Logger, slog's text handler) quotes text from outside:
// control characters, escape sequences and bidi overrides reach the log as escapes, in the
// message, in keys, in values and in errors.
func TestLoggerEscapesControlCharacters(t *testing.T) {
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string
	}{
		{name: "message", log: func(l *slog.Logger) { l.Info("title \x1b]0;owned\x07") }, want: `msg="title \x1b]0;owned\a"`},
		{name: "string value", log: func(l *slog.Logger) { l.Warn("refused", "title", "\x1b[2JALL CLEAR") }, want: `title="\x1b[2JALL CLEAR"`},
		{name: "C1 and bidi", log: func(l *slog.Logger) { l.Info("x", "v", "\u009b31m\u202eab") }, want: `v="\u009b31m\u202eab"`},
		{name: "key", log: func(l *slog.Logger) { l.Info("x", "k\x1b", "v") }, want: `"k\x1b"=v`},
		{name: "error", log: func(l *slog.Logger) { l.Error("x", "err", errString("bad\r\nline\x1b[1A")) }, want: `err="bad\r\nline\x1b[1A"`},
		{name: "invalid UTF-8", log: func(l *slog.Logger) { l.Info("x", "v", "a\xffb") }, want: `v="a\xffb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, errOut := testIO("")
			tt.log(New(io).Logger)
			require.Contains(t, errOut.String(), tt.want)
			require.Equal(t, 1, strings.Count(errOut.String(), "\n"), "one record, one line")
			requireSafeOutput(t, errOut.String())
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }
