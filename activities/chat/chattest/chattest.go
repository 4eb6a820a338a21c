// Package chattest is the conformance suite every chat implementation passes: each runs it
// against an httptest server holding a fake of its system, which checks the method, path,
// headers and body of every request as the system would.
package chattest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/chat"
	"github.com/firebreak-dev/firebreak/activities/chat/internal/hook"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Fake is a chat system's side of the conversation.
type Fake interface {
	// Serve checks one request as the system would (method, path, headers and body), failing
	// t when it is wrong, answers it as the system does a good request, and returns every text
	// of it that people will read (a message, a topic).
	Serve(t *testing.T, w http.ResponseWriter, r *http.Request) []string
	// Reject answers a request as the system answers one it refuses for good, and returns the
	// words that name the problem, which the implementation's error must repeat.
	Reject(w http.ResponseWriter, r *http.Request) string
}

// Target is one implementation under test.
type Target struct {
	// New returns the implementation talking to the server at baseURL, waiting out a rate limit
	// of at most maxWait.
	New func(t *testing.T, baseURL string, maxWait time.Duration) chat.Chat
	// Fake is the system it talks to, fresh for each test.
	Fake Fake
	// Secret is the credential (a token, a webhook URL's secret part) no error may name.
	Secret string
	// MaxText is the most bytes of text one message may carry.
	MaxText int
}

// hostile is text from outside that, shown raw, would retitle a terminal, clear the screen and
// reverse what follows.
const hostile = "\x1b]0;owned\x07\x1b[2JALL CLEAR\u009b31m\u202eretsiger"

// fault is what the server does to the requests of one test before the fake sees them.
type fault struct {
	mu sync.Mutex
	// answer answers request n (from 1); it returns false to let the fake answer instead.
	answer func(n int, w http.ResponseWriter, r *http.Request) bool
	n      int
	texts  []string
}

// server starts an httptest server that passes requests through f to the fake, and returns its
// URL.
func server(t *testing.T, fake Fake, f *fault) string {
	return Serve(t, func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.n++
		n, answer := f.n, f.answer
		f.mu.Unlock()
		if answer != nil && answer(n, w, r) {
			return
		}
		texts := fake.Serve(t, w, r)
		f.mu.Lock()
		f.texts = append(f.texts, texts...)
		f.mu.Unlock()
	})
}

// set makes answer answer the requests from now on.
func (f *fault) set(answer func(n int, w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

func (f *fault) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *fault) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.texts...)
}

func incidentFor(key string) chat.Incident {
	return chat.Incident{
		Key: key, IdempotencyKey: "incident-" + key + "/channels", Summary: "Checkout is failing", Service: "checkout",
		Severity: "sev1", Links: []chat.Link{{Name: "ui", URL: "http://ui.test/namespaces/default/workflows/incident-" + key}},
	}
}

func message(key string) chat.Message {
	return chat.Message{IdempotencyKey: "incident-x/chat/" + key, Kind: chat.KindNote, Subject: "note from ana", Text: "restarted the pods"}
}

// Run runs the conformance suite; newTarget returns a fresh target for each test.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Run("opens and posts", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		ch, err := c.Open(context.Background(), incidentFor("checkout-abc"))
		require.NoError(t, err)
		require.NotEmpty(t, ch.Name)
		require.NoError(t, c.Post(context.Background(), ch, message("1")))
		texts := strings.Join(f.seen(), "\n")
		require.Contains(t, texts, "Checkout is failing", "the opening shows the summary")
		require.Contains(t, texts, "restarted the pods", "the post reached the channel")
	})

	t.Run("neutralises text from outside", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		in := incidentFor("checkout-abc")
		in.Summary = hostile
		ch, err := c.Open(context.Background(), in)
		require.NoError(t, err)
		m := message("1")
		m.Subject, m.Text = hostile, "line one\n"+hostile
		m.Links = []chat.Link{{Name: "ev\u202eil", URL: "http://x.test/\x1b[2J"}}
		require.NoError(t, c.Post(context.Background(), ch, m))
		texts := f.seen()
		require.NotEmpty(t, texts)
		for _, text := range texts {
			require.Equal(t, safetext.Text(text), text, "unsafe characters reached the chat: %q", text)
		}
		require.Contains(t, strings.Join(texts, "\n"), `\x1b]0;owned\x07`, "shown escaped, not dropped")
	})

	t.Run("truncates oversized text with a marker", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		m := message("big")
		m.Text = strings.Repeat("é long text ", 20_000)
		require.NoError(t, c.Post(context.Background(), openQuietly(t, c), m))
		texts := f.seen()
		last := texts[len(texts)-1]
		require.LessOrEqual(t, len(last), tg.MaxText)
		require.Contains(t, last, "…[truncated]")
	})

	t.Run("waits out a short 429 Retry-After", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		c := tg.New(t, server(t, tg.Fake, f), 5*time.Second)
		ch := openQuietly(t, c)
		before := f.requests()
		f.set(func(n int, w http.ResponseWriter, _ *http.Request) bool {
			if n != before+1 {
				return false
			}
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		})
		start := time.Now()
		require.NoError(t, c.Post(context.Background(), ch, message("rl")))
		require.GreaterOrEqual(t, time.Since(start), time.Second, "waited as asked")
		require.Contains(t, strings.Join(f.seen(), "\n"), "restarted the pods")
	})

	t.Run("returns a long 429 Retry-After as retryable", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		ch := openQuietly(t, c)
		f.set(func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		})
		start := time.Now()
		err := c.Post(context.Background(), ch, message("rl"))
		require.Error(t, err)
		require.Less(t, time.Since(start), 5*time.Second, "did not wait two minutes")
		retry, after := chat.Retryable(err)
		require.True(t, retry)
		require.Equal(t, 120*time.Second, after)
		requireNoSecret(t, tg, err)
	})

	t.Run("5xx is retryable", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{answer: func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			http.Error(w, "upstream down", http.StatusBadGateway)
			return true
		}}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		_, err := c.Open(context.Background(), incidentFor("checkout-abc"))
		require.Error(t, err)
		retry, _ := chat.Retryable(err)
		require.True(t, retry, "error: %v", err)
		require.Contains(t, err.Error(), "502")
		requireNoSecret(t, tg, err)
	})

	t.Run("a refusal is final and names the problem", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		var problem string
		f.answer = func(_ int, w http.ResponseWriter, r *http.Request) bool {
			problem = tg.Fake.Reject(w, r)
			return true
		}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		_, err := c.Open(context.Background(), incidentFor("checkout-abc"))
		require.Error(t, err)
		retry, _ := chat.Retryable(err)
		require.False(t, retry, "error: %v", err)
		require.Contains(t, err.Error(), problem)
		requireNoSecret(t, tg, err)
	})

	t.Run("a slow server meets the context deadline", func(t *testing.T) {
		tg := newTarget(t)
		release := make(chan struct{})
		f := &fault{answer: func(_ int, _ http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return true
		}}
		srv := server(t, tg.Fake, f)
		defer close(release)
		c := tg.New(t, srv, time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Open(ctx, incidentFor("checkout-abc"))
		require.Error(t, err)
		require.Less(t, time.Since(start), 3*time.Second)
		retry, _ := chat.Retryable(err)
		require.True(t, retry, "a timeout may succeed with more time: %v", err)
		requireNoSecret(t, tg, err)
	})

	t.Run("a post without an idempotency key is refused", func(t *testing.T) {
		tg := newTarget(t)
		f := &fault{}
		c := tg.New(t, server(t, tg.Fake, f), time.Second)
		ch := openQuietly(t, c)
		before := f.requests()
		m := message("x")
		m.IdempotencyKey = ""
		require.Error(t, c.Post(context.Background(), ch, m))
		require.Equal(t, before, f.requests(), "nothing was sent")
	})
}

// openQuietly opens a channel for a test about posting.
func openQuietly(t *testing.T, c chat.Chat) chat.Channel {
	t.Helper()
	ch, err := c.Open(context.Background(), incidentFor("checkout-abc"))
	require.NoError(t, err)
	return ch
}

// requireNoSecret fails when err or anything it wraps names the target's secret or holds an
// unsafe character.
func requireNoSecret(t *testing.T, tg Target, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		require.NotContains(t, e.Error(), tg.Secret)
		require.Equal(t, safetext.Line(e.Error()), e.Error())
	}
}

// Webhook returns a Target's New for a webhook implementation: newChat given the webhook at
// pathQuery (its path and query) on the test server, whose channel people call channel.
func Webhook(newChat func(hook.Config) (*hook.Chat, error), pathQuery, channel string) func(*testing.T, string, time.Duration) chat.Chat {
	return func(t *testing.T, baseURL string, maxWait time.Duration) chat.Chat {
		c, err := newChat(hook.Config{URL: baseURL + pathQuery, Channel: channel, MaxWait: maxWait})
		require.NoError(t, err)
		return c
	}
}

// DecodePost checks that r is a JSON POST to path, as every webhook's request is, and decodes
// its body into v.
func DecodePost(t *testing.T, r *http.Request, path string, v any) {
	t.Helper()
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, path, r.URL.Path)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.NoError(t, json.NewDecoder(r.Body).Decode(v))
}

// Serve starts an httptest server for the rest of the test and returns its URL.
func Serve(t *testing.T, handler http.HandlerFunc) string {
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv.URL
}
