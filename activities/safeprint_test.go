package activities_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/worker"
)

// hostile is a title that, printed raw, retitles the terminal, clears the screen, draws a fake
// all-clear, turns text red with a C1 CSI and reverses what follows.
const hostile = "\x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR\u009b31m\u202eretsiger"

// recorder is a notifier that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (r *recorder) Notify(_ context.Context, m notify.Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return false, nil
}

// requireSafe fails when text holds anything safetext would neutralise, a line break included.
func requireSafe(t *testing.T, text string) {
	t.Helper()
	require.Equal(t, safetext.Line(text), text, "unsafe characters in %q", text)
}

func safeActivities(t *testing.T, n notify.Notifier) *activities.Activities {
	t.Helper()
	cfg := configtest.Organisation()
	return &activities.Activities{
		Directory: worker.Directory{Config: cfg},
		UIURL:     cfg.UIURL,
		Bridge:    cfg.Bridge,
		Notifiers: map[string]notify.Notifier{"chat": n},
		Now:       func() time.Time { return time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) },
	}
}

func TestCommunicateSanitisesMessages(t *testing.T) {
	started := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	resolved := started.Add(time.Hour)
	tests := []struct {
		name string
		req  activities.CommunicateRequest
	}{
		{name: "investigating", req: activities.CommunicateRequest{Stage: activities.StageInvestigating, Service: "checkout", Title: hostile}},
		{name: "investigating an unknown service", req: activities.CommunicateRequest{Stage: activities.StageInvestigating, Service: "pay\x1b[8m", Title: "t"}},
		{
			name: "resolved",
			req: activities.CommunicateRequest{Stage: activities.StageResolved, Service: "checkout", Title: hostile,
				StartedAt: started, ResolvedAt: &resolved, Resolution: "rolled back\r\n\x1b[32mfixed\u2066"},
		},
		{name: "false alarm", req: activities.CommunicateRequest{Stage: activities.StageFalseAlarm, Service: "checkout", Title: hostile, StartedAt: started, ResolvedAt: &resolved}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			tt.req.WorkflowID = "incident-x"
			messages, err := safeActivities(t, rec).Communicate(context.Background(), tt.req)
			require.NoError(t, err)
			require.NotEmpty(t, messages)
			for _, m := range messages {
				requireSafe(t, m.Text)
			}
			require.Len(t, rec.sent, len(messages))
			for _, m := range rec.sent {
				requireSafe(t, m.Subject)
				requireSafe(t, m.Text)
			}
		})
	}
}

func TestCommunicateShowsWhatWasNeutralised(t *testing.T) {
	rec := &recorder{}
	_, err := safeActivities(t, rec).Communicate(context.Background(), activities.CommunicateRequest{
		WorkflowID: "incident-x", Stage: activities.StageInvestigating, Service: "checkout", Title: "a\x1b[2Jb", Audience: incident.AudienceInternal,
	})
	require.NoError(t, err)
	require.Equal(t, `internal update (investigating): a\x1b[2Jb`, rec.sent[0].Subject)
}

func TestOpenChannelsSanitisesTheTopic(t *testing.T) {
	rec := &recorder{}
	ch, err := safeActivities(t, rec).OpenChannels(context.Background(), activities.ChannelsRequest{
		WorkflowID: "incident-x", Key: "x", Service: "check\u202eout", Title: hostile,
		Tracking: incident.TrackingRecord{Ref: "x\x1b[2J"},
	})
	require.NoError(t, err)
	requireSafe(t, ch.Topic)
	require.Contains(t, ch.Topic, `\x1b]0;owned\x07`, "shown, not dropped")
	require.Len(t, rec.sent, 1)
	requireSafe(t, rec.sent[0].Subject)
	requireSafe(t, rec.sent[0].Text)
}

func TestFileTrackerEscapesTheRecord(t *testing.T) {
	dir := t.TempDir()
	req := activities.RecordRequest{
		WorkflowID: "incident-x", Key: "x", Source: "alertmanager", Service: "checkout", Title: hostile,
		Labels: map[string]string{"note\u202e": "\u009b2J\U000E0041"},
	}
	rec, err := activities.FileTracker{Dir: dir}.Record(context.Background(), req, "http://ui.test/x")
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "x.json"))
	require.NoError(t, err)
	require.Equal(t, safetext.Text(string(data)), string(data), "the file shows nothing a terminal acts on")
	var back activities.RecordRequest
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, req.Title, back.Title, "and still decodes to what was recorded")
	require.Equal(t, req.Labels, back.Labels)
	require.Equal(t, "x", rec.Ref)
}

// TestNotifierURLSecretsStayOutOfHistoryAndLogs pages and broadcasts through a webhook whose URL
// holds a token in its path and its query, to a receiver that rejects the request and echoes the
// URL with escape sequences: the activity error (which the workflow history and the incident's
// timeline record) and the worker's log name neither the token nor raw escapes.
func TestNotifierURLSecretsStayOutOfHistoryAndLogs(t *testing.T) {
	const pathToken, queryToken = "ptok-0123456789abcdef", "qtok-0123456789abcdef"
	tests := []struct {
		name   string
		status int
	}{
		{name: "rejected for good", status: http.StatusForbidden},
		{name: "worth retrying", status: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "\x1b[2Jbad hook "+r.URL.String())
			}))
			defer srv.Close()
			hook, err := notify.NewWebhook(notify.WebhookConfig{URL: srv.URL + "/services/T0/B0/" + pathToken + "?token=" + queryToken, Secret: secret})
			require.NoError(t, err)
			var logs bytes.Buffer
			a := safeActivities(t, hook)
			a.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			a.Notifiers = map[string]notify.Notifier{"pager": hook}

			pageErr := a.PageContact(context.Background(), activities.ContactRequest{
				WorkflowID: "incident-x", Step: "level-1", Person: "ana", Method: "pager", Severity: incident.Sev1, Subject: "s",
			})
			require.Error(t, pageErr)
			var app *temporal.ApplicationError
			if errors.As(pageErr, &app) {
				require.Equal(t, activities.ErrUndeliverable, app.Type())
			}
			_, broadcastErr := a.OpenChannels(context.Background(), activities.ChannelsRequest{WorkflowID: "incident-x", Key: "x", Title: "t"})
			for _, text := range []string{chain(pageErr), chain(broadcastErr), logs.String()} {
				require.NotContains(t, text, pathToken)
				require.NotContains(t, text, queryToken)
				require.NotContains(t, text, "\x1b")
			}
			require.Contains(t, pageErr.Error(), "/services/REDACTED?token=REDACTED")
		})
	}
}

// chain returns the messages of err and every error it wraps, as the history records them.
func chain(err error) string {
	var parts []string
	for ; err != nil; err = errors.Unwrap(err) {
		parts = append(parts, err.Error())
	}
	return strings.Join(parts, "\n")
}
