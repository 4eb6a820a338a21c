package activities_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/discord"
	"github.com/firebreak-dev/firebreak/incident"
)

// fakeChat is a chat system that keeps what it is asked and answers as told.
type fakeChat struct {
	mu       sync.Mutex
	opened   []chat.Incident
	posted   []chat.Message
	channels []chat.Channel
	channel  chat.Channel
	invited  [][]string
	problems []string
	err      error
}

func (f *fakeChat) Open(_ context.Context, in chat.Incident) (chat.Channel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, in)
	return f.channel, f.err
}

func (f *fakeChat) Post(_ context.Context, ch chat.Channel, m chat.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels = append(f.channels, ch)
	f.posted = append(f.posted, m)
	return f.err
}

func (f *fakeChat) Invite(_ context.Context, ch chat.Channel, ids []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels = append(f.channels, ch)
	f.invited = append(f.invited, ids)
	return f.problems, f.err
}

var slackIDs = map[string]string{"ana": "U0ANA", "tom": "U0TOM"}

func chatActivities(t *testing.T, c chat.Chat) (*activities.Activities, *recorder) {
	rec := &recorder{}
	a := safeActivities(t, rec)
	a.Chat = &activities.Chat{
		System: c, StatusPageURL: "https://status.example.test/status",
		UserID: func(p string) (string, bool) { id, ok := slackIDs[p]; return id, ok },
	}
	return a, rec
}

func TestOpenChannelsOpensTheChatChannel(t *testing.T) {
	fc := &fakeChat{channel: chat.Channel{ID: "C0001", Name: "#inc-checkout-x7k2mp"}}
	a, rec := chatActivities(t, fc)
	ch, err := a.OpenChannels(context.Background(), activities.ChannelsRequest{
		WorkflowID: "incident-checkout-x7k2mp", Key: "checkout-x7k2mp", Service: "checkout", Title: "Checkout failing",
		Severity: incident.Sev1, Responders: []string{"ana", "marco", "tom", "ana"},
		Tracking: incident.TrackingRecord{System: "github", Ref: "#42", URL: "https://github.test/o/r/issues/42"},
	})
	require.NoError(t, err)
	require.Equal(t, "#inc-checkout-x7k2mp", ch.Channel)
	require.Equal(t, "C0001", ch.ChannelID)
	require.Equal(t, "https://meet.jit.si/firebreak-checkout-x7k2mp", ch.BridgeURL)

	require.Len(t, fc.opened, 1)
	in := fc.opened[0]
	require.Equal(t, chat.Incident{
		Key: "checkout-x7k2mp", IdempotencyKey: "incident-checkout-x7k2mp/channels", Summary: "Checkout failing",
		Service: "checkout", Severity: "sev1",
		Links: []chat.Link{
			{Name: "ui", URL: ch.UIURL}, {Name: "status", URL: "https://status.example.test/status"},
			{Name: "bridge", URL: ch.BridgeURL}, {Name: "issue", URL: "https://github.test/o/r/issues/42"},
		},
		Invite: []string{"U0ANA", "U0TOM"},
	}, in, "responders without a Slack ID (marco) are left out, each invited once")

	require.Len(t, rec.sent, 1, "the channel is still announced through the notifiers")
	require.Equal(t, "channel #inc-checkout-x7k2mp opened", rec.sent[0].Subject)
}

func TestOpenChannelsWithoutChatOnlyNamesTheChannel(t *testing.T) {
	rec := &recorder{}
	ch, err := safeActivities(t, rec).OpenChannels(context.Background(), activities.ChannelsRequest{WorkflowID: "incident-x", Key: "x", Title: "t"})
	require.NoError(t, err)
	require.Equal(t, "#inc-x", ch.Channel)
	require.Empty(t, ch.ChannelID)
	require.Len(t, rec.sent, 1)
}

func TestOpenChannelsKeepsAFewProblems(t *testing.T) {
	problems := make([]string, 7)
	for i := range problems {
		problems[i] = fmt.Sprintf("slack conversations.invite: user_is_restricted %d %s\x1b[2J", i, strings.Repeat("x", 300))
	}
	fc := &fakeChat{channel: chat.Channel{ID: "C1", Name: "#inc-x", Problems: problems}}
	a, _ := chatActivities(t, fc)
	ch, err := a.OpenChannels(context.Background(), activities.ChannelsRequest{WorkflowID: "incident-x", Key: "x", Title: "t"})
	require.NoError(t, err)
	require.Len(t, ch.Problems, 5)
	for _, p := range ch.Problems {
		require.LessOrEqual(t, len(p), 200)
		requireSafe(t, p)
	}
}

func TestChatFailuresAreTyped(t *testing.T) {
	tests := []struct {
		name         string
		err          error
		wantType     string
		nonRetryable bool
		wantDelay    time.Duration
	}{
		{name: "rate limited", err: &chat.Error{Retry: true, RetryAfter: 30 * time.Second, Problem: "slack chat.postMessage: rate limited"},
			wantType: activities.ErrChatUnavailable, wantDelay: 30 * time.Second},
		{name: "down", err: chat.Errorf(true, "slack conversations.create: status 503"), wantType: activities.ErrChatUnavailable},
		{name: "slow", err: fmt.Errorf("slack conversations.create: %w", context.DeadlineExceeded), wantType: activities.ErrChatUnavailable},
		{name: "refused", err: chat.Errorf(false, "slack conversations.create: invalid_auth"), wantType: activities.ErrUndeliverable, nonRetryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := chatActivities(t, &fakeChat{err: tt.err})
			_, openErr := a.OpenChannels(context.Background(), activities.ChannelsRequest{WorkflowID: "incident-x", Key: "x", Title: "t"})
			_, postErr := a.PostToChannel(context.Background(), activities.ChannelPostRequest{
				WorkflowID: "incident-x", Step: "note/1", Kind: activities.ChannelEventNote, Subject: "s",
				Channels: incident.Channels{Channel: "#inc-x", ChannelID: "C1"},
			})
			for _, err := range []error{openErr, postErr} {
				var app *temporal.ApplicationError
				require.True(t, errors.As(err, &app), "error %v", err)
				require.Equal(t, tt.wantType, app.Type())
				require.Equal(t, tt.nonRetryable, app.NonRetryable())
				require.Equal(t, tt.wantDelay, app.NextRetryDelay())
				require.Contains(t, app.Error(), tt.err.Error())
			}
		})
	}
}

func TestPostToChannel(t *testing.T) {
	fc := &fakeChat{}
	a, _ := chatActivities(t, fc)
	got, err := a.PostToChannel(context.Background(), activities.ChannelPostRequest{
		WorkflowID: "incident-x", Step: "role/commander/ana", Kind: activities.ChannelEventRole, Severity: incident.Sev2,
		Subject: "ana is now commander", Text: "assigned by tom",
		Channels: incident.Channels{Channel: "#inc-x", ChannelID: "C1", UIURL: "http://ui.test/w"},
	})
	require.NoError(t, err)
	require.Equal(t, activities.ChannelPost{Posted: true}, got)
	require.Equal(t, []chat.Channel{{ID: "C1", Name: "#inc-x"}}, fc.channels)
	require.Equal(t, []chat.Message{{
		IdempotencyKey: "incident-x/chat/role/commander/ana", Kind: chat.KindRole, Subject: "ana is now commander",
		Text: "assigned by tom", Severity: "sev2", Links: []chat.Link{{Name: "incident", URL: "http://ui.test/w"}},
	}}, fc.posted)
}

func TestPostToChannelPostsNothingWithoutAChannel(t *testing.T) {
	req := activities.ChannelPostRequest{WorkflowID: "incident-x", Step: "phase/mitigating", Kind: activities.ChannelEventPhase, Subject: "phase: mitigating"}

	got, err := safeActivities(t, &recorder{}).PostToChannel(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, activities.ChannelPost{Reason: "no chat system is configured"}, got)

	fc := &fakeChat{}
	a, _ := chatActivities(t, fc)
	got, err = a.PostToChannel(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, activities.ChannelPost{Reason: "the incident has no channel yet"}, got)
	require.Empty(t, fc.posted)
}

func TestPostToChannelRefusesBadInput(t *testing.T) {
	good := activities.ChannelPostRequest{WorkflowID: "incident-x", Step: "note/1", Kind: activities.ChannelEventNote, Subject: "s",
		Channels: incident.Channels{Channel: "#inc-x"}}
	tests := []struct {
		name   string
		change func(r *activities.ChannelPostRequest)
	}{
		{name: "no workflow", change: func(r *activities.ChannelPostRequest) { r.WorkflowID = "" }},
		{name: "no step", change: func(r *activities.ChannelPostRequest) { r.Step = "" }},
		{name: "step with a control character", change: func(r *activities.ChannelPostRequest) { r.Step = "note/\x1b" }},
		{name: "step too long", change: func(r *activities.ChannelPostRequest) { r.Step = strings.Repeat("s", 201) }},
		{name: "no subject", change: func(r *activities.ChannelPostRequest) { r.Subject = "" }},
		{name: "unknown kind", change: func(r *activities.ChannelPostRequest) { r.Kind = "gossip" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := &fakeChat{}
			a, _ := chatActivities(t, fc)
			req := good
			tt.change(&req)
			_, err := a.PostToChannel(context.Background(), req)
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app))
			require.Equal(t, activities.ErrBadInput, app.Type())
			require.Empty(t, fc.posted)
		})
	}
}

// TestChatWebhookSecretsStayOutOfHistoryAndLogs posts through a Discord webhook whose URL holds
// its token, to a receiver that refuses and echoes the URL with escape sequences: the activity
// errors, which the history records, name neither.
func TestChatWebhookSecretsStayOutOfHistoryAndLogs(t *testing.T) {
	const token = "dtok-0123456789abcdef0123456789abcdef"
	for _, status := range []int{http.StatusForbidden, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				_, _ = io.WriteString(w, "\x1b[2Jbad hook "+r.URL.String())
			}))
			defer srv.Close()
			d, err := discord.New(discord.Config{URL: srv.URL + "/api/webhooks/1/" + token})
			require.NoError(t, err)
			a, _ := chatActivities(t, d)
			_, openErr := a.OpenChannels(context.Background(), activities.ChannelsRequest{WorkflowID: "incident-x", Key: "x", Title: "t"})
			_, postErr := a.PostToChannel(context.Background(), activities.ChannelPostRequest{
				WorkflowID: "incident-x", Step: "note/1", Kind: activities.ChannelEventNote, Subject: "s", Channels: incident.Channels{Channel: "#x"},
			})
			for _, err := range []error{openErr, postErr} {
				require.Error(t, err)
				text := chain(err)
				require.NotContains(t, text, token)
				require.NotContains(t, text, "\x1b")
				require.Contains(t, text, "/api/REDACTED")
			}
		})
	}
}

func TestInviteToChannel(t *testing.T) {
	opened := incident.Channels{Channel: "#inc-c1", ChannelID: "C1", InChat: true}
	cases := []struct {
		name     string
		channels incident.Channels
		people   []string
		chatErr  error
		problems []string
		want     [][]string
		wantErr  string
		wantOut  []string
	}{
		{name: "people with chat IDs are invited", channels: opened, people: []string{"ana", "nobody", "tom"},
			want: [][]string{{"U0ANA", "U0TOM"}}},
		{name: "nobody with a chat ID invites nobody", channels: opened, people: []string{"nobody"}},
		{name: "a channel no chat opened invites nobody", channels: incident.Channels{Channel: "#inc-c1"}, people: []string{"ana"}},
		{name: "refusals are problems", channels: opened, people: []string{"ana"}, problems: []string{"user_disabled\x1b"},
			want: [][]string{{"U0ANA"}}, wantOut: []string{`user_disabled\x1b`}},
		{name: "a chat that is down is retried", channels: opened, people: []string{"ana"},
			chatErr: &chat.Error{Retry: true, Problem: "slack is down"}, want: [][]string{{"U0ANA"}}, wantErr: "slack is down"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fc := &fakeChat{err: tc.chatErr, problems: tc.problems}
			a, _ := chatActivities(t, fc)
			got, err := a.InviteToChannel(context.Background(), activities.InviteRequest{
				WorkflowID: "incident-c1", Channels: tc.channels, People: tc.people,
			})
			require.Equal(t, tc.want, fc.invited)
			if tc.wantErr != "" {
				var appErr *temporal.ApplicationError
				require.ErrorAs(t, err, &appErr)
				require.Equal(t, activities.ErrChatUnavailable, appErr.Type())
				require.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, len(tc.wantOut), len(got))
			for i := range got {
				require.Equal(t, tc.wantOut[i], got[i])
			}
		})
	}
}
