package slackdm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/activities/notify/slackdm"
)

const token = "xoxb-1-2-s3cret"

// directory knows alice (U024BE7LH) and bob, who has no Slack ID.
func directory(person string) (string, bool) {
	switch person {
	case "alice":
		return "U024BE7LH", true
	case "bob":
		return "", true
	}
	return "", false
}

// fakeSlack is a Web API that checks each chat.postMessage call and answers with answer.
type fakeSlack struct {
	t      *testing.T
	answer func(w http.ResponseWriter, r *http.Request)

	mu    sync.Mutex
	forms []url.Values
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/chat.postMessage" {
		f.t.Errorf("unexpected call %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		f.t.Errorf("Authorization = %q, want the bearer token", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("Content-Type = %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("parse form: %v", err)
	}
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	answer := f.answer
	f.mu.Unlock()
	if answer == nil {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"channel":"D0123","ts":"1700000000.000100"}`)
		return
	}
	answer(w, r)
}

func (f *fakeSlack) calls() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

func newNotifier(t *testing.T, f *fakeSlack, remember int) *slackdm.Notifier {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	n, err := slackdm.New(slackdm.Config{Token: token, APIURL: srv.URL + "/api", SlackID: directory, Remember: remember})
	require.NoError(t, err)
	return n
}

func page(key string) notify.Message {
	return notify.Message{
		Kind: notify.KindPage, IdempotencyKey: key, IncidentID: "checkout-x7k2mp", Recipient: "alice",
		Severity: "sev1", Subject: "Checkout is failing", Text: "Error rate 12%.",
		Links: map[string]string{"history": "http://localhost:8233/wf/1", "bridge": "https://meet.jit.si/firebreak-x7k2mp"},
	}
}

func TestNotifyPostsADirectMessage(t *testing.T) {
	f := &fakeSlack{t: t}
	n := newNotifier(t, f, 0)
	retry, err := n.Notify(context.Background(), page("wf-1/page/alice/1"))
	require.NoError(t, err)
	require.False(t, retry)

	calls := f.calls()
	require.Len(t, calls, 1)
	form := calls[0]
	require.Equal(t, "U024BE7LH", form.Get("channel"), "the member ID is the channel: Slack opens the DM")
	require.Equal(t, "*[SEV1] Checkout is failing*\nError rate 12%.\n"+
		"Web UI: <http://localhost:8233/wf/1>\nBridge: <https://meet.jit.si/firebreak-x7k2mp>", form.Get("text"))
	require.Equal(t, "false", form.Get("unfurl_links"))
	require.Empty(t, form.Get("token"), "the token travels in the Authorization header only")
	var meta struct {
		EventType    string            `json:"event_type"`
		EventPayload map[string]string `json:"event_payload"`
	}
	require.NoError(t, json.Unmarshal([]byte(form.Get("metadata")), &meta))
	require.Equal(t, slackdm.EventType, meta.EventType)
	require.Equal(t, map[string]string{"idempotency_key": "wf-1/page/alice/1", "kind": "page", "incident_id": "checkout-x7k2mp"}, meta.EventPayload)
}

func TestNotifySendsARetriedMessageOnce(t *testing.T) {
	f := &fakeSlack{t: t}
	n := newNotifier(t, f, 2)
	ctx := context.Background()
	for _, key := range []string{"k1", "k1", "k2", "k1"} {
		_, err := n.Notify(ctx, page(key))
		require.NoError(t, err)
	}
	require.Len(t, f.calls(), 2, "a repeated key is not sent again")

	// The memory is bounded: after two newer messages, k1 is forgotten and sent again.
	for _, key := range []string{"k3", "k4", "k1"} {
		_, err := n.Notify(ctx, page(key))
		require.NoError(t, err)
	}
	require.Len(t, f.calls(), 5)
}

func TestNotifyDoesNotRememberAFailure(t *testing.T) {
	fail := true
	f := &fakeSlack{t: t}
	f.answer = func(w http.ResponseWriter, r *http.Request) {
		if fail {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}
	n := newNotifier(t, f, 0)
	retry, err := n.Notify(context.Background(), page("k1"))
	require.Error(t, err)
	require.True(t, retry)
	fail = false
	_, err = n.Notify(context.Background(), page("k1"))
	require.NoError(t, err)
	require.Len(t, f.calls(), 2, "the retry after a failure is sent")
}

func TestNotifyFailures(t *testing.T) {
	slackError := func(code string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, code)
		}
	}
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		retry  bool
		want   string
	}{
		{"rate limited", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}, true, "send slack direct message to alice (U024BE7LH): rate limited, retry after 30s"},
		{"429 without Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
		}, true, "status 429"},
		{"5xx", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html>down</html>")
		}, true, "send slack direct message to alice (U024BE7LH): status 503"},
		{"4xx", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
		}, false, "status 404"},
		{"invalid_auth", slackError("invalid_auth"), false, "slack error invalid_auth: the bot token is not valid"},
		{"user_not_found", slackError("user_not_found"), false, "slack error user_not_found: no such member in the workspace"},
		{"channel_not_found", slackError("channel_not_found"), false, "slack error channel_not_found"},
		{"not_allowed_token_type", slackError("not_allowed_token_type"), false, "the token is not a bot token (xoxb-)"},
		{"slack internal_error", slackError("internal_error"), true, "slack error internal_error"},
		{"unknown slack error", slackError("msg_too_long"), false, "slack error msg_too_long"},
		{"error repeating the token", slackError("bad token " + token), false, "slack error bad token REDACTED"},
		{"garbage answer", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "not json")
		}, true, "send slack direct message to alice (U024BE7LH):"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNotifier(t, &fakeSlack{t: t, answer: tt.answer}, 0)
			retry, err := n.Notify(context.Background(), page("k"))
			require.Error(t, err)
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, tt.retry, retry)
			require.NotContains(t, err.Error(), token)
		})
	}
}

func TestNotifyNetworkFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	n, err := slackdm.New(slackdm.Config{Token: token, APIURL: addr, SlackID: directory})
	require.NoError(t, err)
	retry, err := n.Notify(context.Background(), page("k"))
	require.Error(t, err)
	require.True(t, retry)
	require.NotContains(t, err.Error(), token)
}

func TestNotifySlowSlackMeetsTheDeadline(t *testing.T) {
	// Slack answers only when the caller has given up.
	f := &fakeSlack{t: t, answer: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }}
	n := newNotifier(t, f, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	retry, err := n.Notify(ctx, page("k"))
	require.Less(t, time.Since(start), 2*time.Second)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, retry, "a timed-out attempt may succeed next time")

	// The message was not sent, so a retry sends it.
	f.mu.Lock()
	f.answer = nil
	f.mu.Unlock()
	_, err = n.Notify(context.Background(), page("k"))
	require.NoError(t, err)
}

func TestNotifyRefusesWithoutSending(t *testing.T) {
	tests := []struct {
		name string
		edit func(*notify.Message)
		want string
	}{
		{"no slack_id", func(m *notify.Message) { m.Recipient = "bob" }, "send slack direct message to bob: person bob has no slack_id"},
		{"unknown person", func(m *notify.Message) { m.Recipient = "zed" }, "unknown person"},
		{"no idempotency key", func(m *notify.Message) { m.IdempotencyKey = "" }, "missing idempotency key"},
		{"recipient neutralised", func(m *notify.Message) { m.Recipient = "bob\x1b[2J" }, "unknown person"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSlack{t: t}
			n := newNotifier(t, f, 0)
			m := page("k")
			tt.edit(&m)
			retry, err := n.Notify(context.Background(), m)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "\x1b")
			require.False(t, retry)
			require.Empty(t, f.calls())
		})
	}
}

func TestNotifySkipsBroadcasts(t *testing.T) {
	f := &fakeSlack{t: t}
	n := newNotifier(t, f, 0)
	m := page("k")
	m.Recipient = ""
	retry, err := n.Notify(context.Background(), m)
	require.NoError(t, err)
	require.False(t, retry)
	require.Empty(t, f.calls())
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  slackdm.Config
		want string
	}{
		{"empty token", slackdm.Config{Token: " ", SlackID: directory}, "empty token"},
		{"no directory", slackdm.Config{Token: token}, "no directory"},
		{"bad URL", slackdm.Config{Token: token, SlackID: directory, APIURL: "ftp://user:pw@example.test/"}, "want an absolute http or https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := slackdm.New(tt.cfg)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "pw")
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		m    notify.Message
		want string
	}{
		{"mentions escaped", notify.Message{Subject: "<!channel> fire & <@U123>", Text: "ping <!here|here> <#C1>"},
			"*&lt;!channel&gt; fire &amp; &lt;@U123&gt;*\nping &lt;!here|here&gt; &lt;#C1&gt;"},
		{"controls neutralised", notify.Message{Subject: "a\nb\x1b[31m", Text: "line1\nline2\u202e"},
			"*a b\\x1b[31m*\nline1\nline2\\u202e"},
		{"links: known first, unsafe and long ones left out", notify.Message{Subject: "s", Links: map[string]string{
			"zz":      "https://z.example/",
			"bridge":  "https://meet.example/a|b>c",
			"history": "javascript:alert(1)",
			"channel": "https://x.example/" + strings.Repeat("a", slackdm.MaxURL),
			"aa":      "https://a.example/?q=1&r=2",
		}}, "*s*\nBridge: <https://meet.example/a%7Cb%3Ec>\naa: <https://a.example/?q=1&amp;r=2>\nzz: <https://z.example/>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, slackdm.Format(tt.m))
		})
	}
}

func TestFormatIsBounded(t *testing.T) {
	links := map[string]string{}
	for i := range 20 {
		links[fmt.Sprintf("l%02d", i)] = "https://example.test/" + strings.Repeat("&", slackdm.MaxURL-len("https://example.test/"))
	}
	m := notify.Message{Severity: strings.Repeat("s", 100), Subject: strings.Repeat("<", 10_000), Text: strings.Repeat("&", 100_000), Links: links}
	got := slackdm.Format(m)
	require.Contains(t, got, "…[truncated]")
	require.Equal(t, slackdm.MaxLinks, strings.Count(got, "https://example.test/"))
	// Every bound filled with characters Slack makes us escape stays below 30,000 bytes, under
	// Slack's limit of 40,000 characters.
	require.Less(t, len(got), 30_000)
	t.Logf("longest message: %d bytes", len(got))
}
