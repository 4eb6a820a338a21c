package sms

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
)

const (
	sid   = "AC0123456789abcdef"
	token = "s3cr3t-auth-token"
)

// received is one request the fake provider got.
type received struct {
	method, path, contentType, idempotency, auth string
	user, pass                                   string
	basic                                        bool
	body                                         []byte
}

// provider is an httptest server shaped like Twilio's Messages API that answers status and
// records every request.
func provider(t *testing.T, status int, answer string) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, pass, basic := r.BasicAuth()
		mu.Lock()
		got = append(got, received{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			idempotency: r.Header.Get("Idempotency-Key"), auth: r.Header.Get("Authorization"),
			user: user, pass: pass, basic: basic, body: body})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func phones(person string) (string, bool) {
	n, ok := map[string]string{"ana": "+393331234567"}[person]
	return n, ok
}

func page() notify.Message {
	return notify.Message{
		Kind: notify.KindPage, IdempotencyKey: "incident-k/engagement-1/round-0/level-1/ana/sms",
		IncidentID: "incident-k", Recipient: "ana", Severity: "sev1",
		Subject: "[sev1] checkout down (level 1 of 2)", Text: "incident opened",
		Links: map[string]string{"history": "http://ui/namespaces/default/workflows/incident-k"},
	}
}

func newTwilio(t *testing.T, base, encoding string) *Notifier {
	t.Helper()
	n, err := New(Config{URL: base + "/2010-04-01/Accounts/{username}/Messages.json", From: "+15550100",
		Username: sid, Token: token, Encoding: encoding, Phone: phones})
	require.NoError(t, err)
	return n
}

func TestNotifyPostsTwilioForm(t *testing.T) {
	srv, got := provider(t, http.StatusCreated, `{"sid":"SM1","status":"queued"}`)
	retry, err := newTwilio(t, srv.URL, "").Notify(context.Background(), page())
	require.NoError(t, err)
	require.False(t, retry)

	reqs := got()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.method)
	require.Equal(t, "/2010-04-01/Accounts/"+sid+"/Messages.json", r.path)
	require.Equal(t, "application/x-www-form-urlencoded", r.contentType)
	require.True(t, r.basic)
	require.Equal(t, sid, r.user)
	require.Equal(t, token, r.pass)
	require.Equal(t, page().IdempotencyKey, r.idempotency)
	form, err := url.ParseQuery(string(r.body))
	require.NoError(t, err)
	require.Equal(t, "+393331234567", form.Get("To"))
	require.Equal(t, "+15550100", form.Get("From"))
	require.Equal(t, "[sev1] checkout down (level 1 of 2)\nincident opened\nhttp://ui/namespaces/default/workflows/incident-k", form.Get("Body"))
}

func TestNotifyPostsJSONWithBearer(t *testing.T) {
	srv, got := provider(t, http.StatusOK, `{}`)
	n, err := New(Config{URL: srv.URL + "/v1/messages", From: "Firebreak", Token: token, Encoding: EncodingJSON, Phone: phones})
	require.NoError(t, err)
	_, err = n.Notify(context.Background(), page())
	require.NoError(t, err)

	r := got()[0]
	require.Equal(t, "/v1/messages", r.path)
	require.Equal(t, "application/json", r.contentType)
	require.Equal(t, "Bearer "+token, r.auth)
	var body map[string]string
	require.NoError(t, json.Unmarshal(r.body, &body))
	require.Equal(t, "+393331234567", body["To"])
	require.Equal(t, "Firebreak", body["From"])
	require.Contains(t, body["Body"], "checkout down")
}

func TestNotifyStatusDecidesRetry(t *testing.T) {
	cases := []struct {
		name   string
		status int
		answer string
		retry  bool
	}{
		{"rate limited", http.StatusTooManyRequests, `{"code":20429,"message":"Too Many Requests"}`, true},
		{"provider error", http.StatusInternalServerError, "", true},
		{"provider unavailable", http.StatusServiceUnavailable, "", true},
		{"bad number", http.StatusBadRequest, `{"code":21211,"message":"The 'To' number is not valid"}`, false},
		{"wrong credentials", http.StatusUnauthorized, `{"code":20003,"message":"Authenticate"}`, false},
		{"not found", http.StatusNotFound, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := provider(t, c.status, c.answer)
			retry, err := newTwilio(t, srv.URL, "").Notify(context.Background(), page())
			require.Error(t, err)
			require.Equal(t, c.retry, retry)
			require.Contains(t, err.Error(), "status "+strconv.Itoa(c.status))
			require.NotContains(t, err.Error(), token)
		})
	}
}

func TestNotifyNeverRepeatsTheToken(t *testing.T) {
	srv, _ := provider(t, http.StatusForbidden, `{"message":"token `+token+` is revoked"}`)
	_, err := newTwilio(t, srv.URL, "").Notify(context.Background(), page())
	require.Error(t, err)
	require.NotContains(t, err.Error(), token)
	require.Contains(t, err.Error(), "REDACTED")
}

func TestNotifyNetworkErrorIsRetryable(t *testing.T) {
	srv, _ := provider(t, http.StatusOK, "")
	n := newTwilio(t, srv.URL, "")
	srv.Close()
	retry, err := n.Notify(context.Background(), page())
	require.Error(t, err)
	require.True(t, retry)
	require.NotContains(t, err.Error(), token)
}

func TestNotifyRefusesWhatCannotBeSent(t *testing.T) {
	srv, got := provider(t, http.StatusCreated, "")
	n := newTwilio(t, srv.URL, "")
	noPhone := page()
	noPhone.Recipient = "bob"
	retry, err := n.Notify(context.Background(), noPhone)
	require.ErrorContains(t, err, "no phone number")
	require.False(t, retry)

	noKey := page()
	noKey.IdempotencyKey = ""
	retry, err = n.Notify(context.Background(), noKey)
	require.ErrorContains(t, err, "idempotency key")
	require.False(t, retry)

	broadcast := page()
	broadcast.Recipient = ""
	_, err = n.Notify(context.Background(), broadcast)
	require.NoError(t, err)
	require.Empty(t, got(), "nothing reaches the provider")
}

func TestBodyIsSafeAndBounded(t *testing.T) {
	m := page()
	m.Subject = "evil\x1b[31m subject\nsecond line"
	m.Text = strings.Repeat("é", 2000)
	body := Body(m)
	require.LessOrEqual(t, len(body), MaxBody)
	require.NotContains(t, body, "\x1b")
	require.True(t, strings.HasSuffix(body, "…"))
	require.True(t, strings.HasPrefix(body, "evil"))
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"relative URL", Config{URL: "/messages", From: "x", Token: "t", Phone: phones}, "absolute"},
		{"no sender", Config{URL: "https://p.example/m", Token: "t", Phone: phones}, "sender"},
		{"no token", Config{URL: "https://p.example/m", From: "x", Phone: phones}, "token"},
		{"no phones", Config{URL: "https://p.example/m", From: "x", Token: "t"}, "phone"},
		{"unknown encoding", Config{URL: "https://p.example/m", From: "x", Token: "t", Phone: phones, Encoding: "xml"}, "encoding"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.cfg)
			require.ErrorContains(t, err, c.want)
		})
	}
}
