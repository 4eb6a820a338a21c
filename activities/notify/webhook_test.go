package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var _ Notifier = (*Webhook)(nil)

const testSecret = "s3cr3t-hmac-key"

func testMessage() Message {
	return Message{
		Kind:           KindPage,
		IdempotencyKey: "incident-abc/page-responders/alice",
		IncidentID:     "incident-abc",
		Recipient:      "alice",
		Severity:       "sev1",
		Subject:        "Checkout is down",
		Text:           "Checkout is down for all customers.",
		Links:          map[string]string{"bridge": "https://meet.jit.si/firebreak-incident-abc"},
	}
}

func newTestWebhook(t *testing.T, url string, now time.Time) *Webhook {
	t.Helper()
	w, err := NewWebhook(WebhookConfig{URL: url, Secret: []byte(testSecret), Now: func() time.Time { return now }})
	require.NoError(t, err)
	return w
}

func TestWebhookRequest(t *testing.T) {
	now := time.Date(2025, 3, 28, 10, 0, 0, 0, time.UTC)
	var got Message
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "/hooks/firebreak", r.URL.Path)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, "firebreak", r.Header.Get("User-Agent"))
		require.Equal(t, "incident-abc/page-responders/alice", r.Header.Get(HeaderIdempotencyKey))
		ts := r.Header.Get(HeaderTimestamp)
		require.Equal(t, strconv.FormatInt(now.Unix(), 10), ts)
		require.NoError(t, CheckTimestamp(ts, now.Add(30*time.Second), time.Minute))
		require.NoError(t, VerifySignature([]byte(testSecret), ts, body, r.Header.Get(HeaderSignature)))
		require.NoError(t, json.Unmarshal(body, &got))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	retry, err := newTestWebhook(t, srv.URL+"/hooks/firebreak", now).Notify(context.Background(), testMessage())
	require.NoError(t, err)
	require.False(t, retry)
	require.Equal(t, testMessage(), got)
}

func TestWebhookStatus(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr string
		retry   bool
	}{
		{name: "ok", status: http.StatusOK},
		{name: "accepted", status: http.StatusAccepted},
		{name: "no content", status: http.StatusNoContent},
		{name: "redirect", status: http.StatusFound, wantErr: "status 302 Found"},
		{name: "bad request", status: http.StatusBadRequest, body: "bad\nrecipient", wantErr: "status 400 Bad Request: bad recipient"},
		{name: "unauthorized", status: http.StatusUnauthorized, wantErr: "status 401 Unauthorized"},
		{name: "not found", status: http.StatusNotFound, wantErr: "status 404 Not Found"},
		{name: "unprocessable", status: http.StatusUnprocessableEntity, wantErr: "status 422 Unprocessable Entity"},
		{name: "request timeout", status: http.StatusRequestTimeout, wantErr: "status 408 Request Timeout", retry: true},
		{name: "too many requests", status: http.StatusTooManyRequests, wantErr: "status 429 Too Many Requests", retry: true},
		{name: "internal error", status: http.StatusInternalServerError, wantErr: "status 500 Internal Server Error", retry: true},
		{name: "bad gateway", status: http.StatusBadGateway, wantErr: "status 502 Bad Gateway", retry: true},
		{name: "unavailable", status: http.StatusServiceUnavailable, wantErr: "status 503 Service Unavailable", retry: true},
		{name: "unknown 5xx", status: 599, wantErr: "status 599", retry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.status == http.StatusFound {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()

			retry, err := newTestWebhook(t, srv.URL+"/hook", time.Now()).Notify(context.Background(), testMessage())
			require.Equal(t, tt.retry, retry)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "post message to "+srv.URL+"/hook: "+tt.wantErr)
			require.NotContains(t, err.Error(), testSecret)
		})
	}
}

func TestWebhookNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook"
	srv.Close()

	retry, err := newTestWebhook(t, url, time.Now()).Notify(context.Background(), testMessage())
	require.True(t, retry)
	require.ErrorContains(t, err, "post message to "+url+": ")
}

func TestWebhookRedactsPassword(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	url := "http://user:hunter2@" + srv.Listener.Addr().String() + "/hook"

	retry, err := newTestWebhook(t, url, time.Now()).Notify(context.Background(), testMessage())
	require.False(t, retry)
	require.ErrorContains(t, err, "status 403 Forbidden")
	require.NotContains(t, err.Error(), "hunter2")
}

func TestWebhookRejectsMessageWithoutKey(t *testing.T) {
	w := newTestWebhook(t, "https://hooks.example.com/firebreak", time.Now())
	m := testMessage()
	m.IdempotencyKey = ""
	retry, err := w.Notify(context.Background(), m)
	require.False(t, retry)
	require.EqualError(t, err, "post message to https://hooks.example.com/firebreak: missing idempotency key")
}

func TestWebhookSameMessageDeliveredOnce(t *testing.T) {
	var (
		mu         sync.Mutex
		requests   int
		deliveries []Message
		seen       = map[string]bool{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		key := r.Header.Get(HeaderIdempotencyKey)
		if seen[key] {
			w.WriteHeader(http.StatusOK)
			return
		}
		var m Message
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		seen[key] = true
		deliveries = append(deliveries, m)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	w := newTestWebhook(t, srv.URL, time.Now())
	for range 2 {
		retry, err := w.Notify(context.Background(), testMessage())
		require.NoError(t, err)
		require.False(t, retry)
	}
	require.Equal(t, 2, requests)
	require.Equal(t, []Message{testMessage()}, deliveries)
}

func TestNewWebhookValidates(t *testing.T) {
	tests := []struct {
		name    string
		cfg     WebhookConfig
		wantErr string
	}{
		{"empty URL", WebhookConfig{Secret: []byte("k")}, "validate webhook URL : want an absolute http or https URL"},
		{"relative URL", WebhookConfig{URL: "/hook", Secret: []byte("k")}, "validate webhook URL /hook: want an absolute http or https URL"},
		{"other scheme", WebhookConfig{URL: "ftp://example.com/hook", Secret: []byte("k")}, "validate webhook URL ftp://example.com/hook: want an absolute http or https URL"},
		{"malformed URL", WebhookConfig{URL: "http://a b.com/", Secret: []byte("k")}, `parse webhook URL: invalid character " " in host name`},
		{"empty secret", WebhookConfig{URL: "https://example.com/hook"}, "validate webhook config: empty secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWebhook(tt.cfg)
			require.Nil(t, w)
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

// secretURLs are webhook addresses whose secrets sit in every place a URL can hold one; secret
// lists those secrets.
var secretURLs = []struct {
	name    string
	path    string // appended to the receiver's address
	user    string // user information, or ""
	secrets []string
}{
	{name: "query token", path: "/hook?token=qt-0123456789abcdef", secrets: []string{"qt-0123456789abcdef"}},
	{name: "slack-style path", path: "/services/T0ABCDEFG/B0HIJKLMN/slk0123456789abcdefghij", secrets: []string{"slk0123456789abcdefghij", "B0HIJKLMN"}},
	{name: "discord-style path", path: "/api/webhooks/123456789012345678/dsc-0123456789abcdef", secrets: []string{"dsc-0123456789abcdef", "123456789012345678"}},
	{name: "teams-style signature", path: "/workflows/wf0123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=sig0123456789abcdef", secrets: []string{"sig0123456789abcdef"}},
	{name: "user and password", path: "/hook", user: "bot:pw-0123456789abcdef", secrets: []string{"pw-0123456789abcdef"}},
}

// hostURL returns the address of srv with user information and a path.
func hostURL(srv *httptest.Server, user, path string) string {
	if user != "" {
		user += "@"
	}
	return "http://" + user + srv.Listener.Addr().String() + path
}

func TestWebhookErrorsHideURLSecrets(t *testing.T) {
	outcomes := []struct {
		name    string
		handler func(secrets []string) http.HandlerFunc
		closed  bool
	}{
		{name: "rejected", handler: func([]string) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }
		}},
		{name: "answer echoes the address", handler: func([]string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, "unknown hook "+r.URL.String())
			}
		}},
		{name: "unreachable", closed: true, handler: func([]string) http.HandlerFunc { return nil }},
	}
	for _, u := range secretURLs {
		for _, o := range outcomes {
			t.Run(u.name+", "+o.name, func(t *testing.T) {
				srv := httptest.NewServer(o.handler(u.secrets))
				defer srv.Close()
				url := hostURL(srv, u.user, u.path)
				if o.closed {
					srv.Close()
				}
				_, err := newTestWebhook(t, url, time.Now()).Notify(context.Background(), testMessage())
				require.Error(t, err)
				for e := error(err); e != nil; e = errors.Unwrap(e) {
					for _, s := range u.secrets {
						require.NotContains(t, e.Error(), s, "every error in the chain, as the workflow history records it")
					}
				}
				require.Contains(t, err.Error(), srv.Listener.Addr().String(), "the host stays, to say where it went")
				require.Contains(t, err.Error(), "REDACTED")
			})
		}
	}
}

func TestWebhookErrorsKeepTheHostWhenASecretRepeatsIt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "no hook "+r.URL.Path)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	_, err := newTestWebhook(t, "http://"+addr+"/hooks/"+addr, time.Now()).Notify(context.Background(), testMessage())
	require.EqualError(t, err, "post message to http://"+addr+"/hooks/REDACTED: status 404 Not Found: no hook /hooks/REDACTED")
}

func TestNewWebhookErrorsHideURLSecrets(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantErr string
	}{
		{
			name:    "wrong scheme with a query token",
			url:     "ftp://hooks.example.com/hook?token=qt-0123456789abcdef",
			wantErr: "validate webhook URL ftp://hooks.example.com/hook?token=REDACTED: want an absolute http or https URL",
		},
		{
			name:    "relative with a path token",
			url:     "/services/T0ABCDEFG/B0HIJKLMN/slk0123456789abcdefghij",
			wantErr: "validate webhook URL /services/REDACTED: want an absolute http or https URL",
		},
		{
			name:    "unparsable with a password",
			url:     "http://bot:pw-0123456789abcdef@a b.com/hook",
			wantErr: `parse webhook URL: invalid character " " in host name`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWebhook(WebhookConfig{URL: tt.url, Secret: []byte(testSecret)})
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestWebhookSanitisesMessage(t *testing.T) {
	var got Message
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, json.NewDecoder(r.Body).Decode(&got))
	}))
	defer srv.Close()
	m := testMessage()
	m.Subject = "\x1b]0;owned\x07Checkout\x1b[2J ALL CLEAR"
	m.Text = "line one\r\nline two\u202e\u009b31m"
	m.Links = map[string]string{"bridge\x1b": "https://meet.example.com/\u2066x"}

	_, err := newTestWebhook(t, srv.URL, time.Now()).Notify(context.Background(), m)
	require.NoError(t, err)
	require.Equal(t, `\x1b]0;owned\x07Checkout\x1b[2J ALL CLEAR`, got.Subject)
	require.Equal(t, "line one\nline two\\u202e\\u009b31m", got.Text, "the body keeps its lines")
	require.Equal(t, map[string]string{`bridge\x1b`: `https://meet.example.com/\u2066x`}, got.Links)
}
