package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConsoleLine(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{
			name: "page",
			m:    Message{Kind: KindPage, IdempotencyKey: "k", IncidentID: "incident-abc", Recipient: "alice", Severity: "sev1", Subject: "Checkout is down"},
			want: "PAGE sev1 incident-abc → alice: Checkout is down\n",
		},
		{
			name: "broadcast update with text and links",
			m: Message{Kind: KindUpdate, IncidentID: "incident-abc", Subject: "Investigating", Text: "We are investigating\nan incident.",
				Links: map[string]string{"ui": "http://localhost:8233/x", "bridge": "https://meet.jit.si/firebreak-abc"}},
			want: "UPDATE incident-abc → everyone: Investigating — We are investigating an incident. (bridge https://meet.jit.si/firebreak-abc, ui http://localhost:8233/x)\n",
		},
		{
			name: "control characters",
			m:    Message{Kind: KindChannel, IncidentID: "i", Subject: "a\x1b[31mred\r\nline"},
			want: "CHANNEL i → everyone: a\\x1b[31mred line\n",
		},
		{
			name: "terminal title, screen clearing and a fake all-clear",
			m:    Message{Kind: KindPage, IncidentID: "i", Recipient: "ana", Subject: "\x1b]0;owned\x07\x1b[2J\x1b[HALL CLEAR"},
			want: "PAGE i → ana: \\x1b]0;owned\\x07\\x1b[2J\\x1b[HALL CLEAR\n",
		},
		{
			name: "C1 controls and bidi overrides in every field",
			m: Message{Kind: KindUpdate, IncidentID: "i\u202e", Severity: "sev1\u009b", Subject: "s\u2066", Text: "t\u200b",
				Links: map[string]string{"ui\u202e": "http://x/\u009d"}},
			want: "UPDATE sev1\\u009b i\\u202e → everyone: s\\u2066 — t\\u200b (ui\\u202e http://x/\\u009d)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, consoleLine(tt.m))
		})
	}
}

func TestConsoleDeduplicatesByKey(t *testing.T) {
	var out strings.Builder
	c := NewConsole(&out)
	page := Message{Kind: KindPage, IdempotencyKey: "wf-1/page/alice", IncidentID: "i", Recipient: "alice", Subject: "s"}

	for range 3 {
		retry, err := c.Notify(context.Background(), page)
		require.NoError(t, err)
		require.False(t, retry)
	}
	other := page
	other.IdempotencyKey = "wf-1/page/bob"
	other.Recipient = "bob"
	_, err := c.Notify(context.Background(), other)
	require.NoError(t, err)
	noKey := Message{Kind: KindUpdate, IncidentID: "i", Subject: "no key"}
	for range 2 {
		_, err := c.Notify(context.Background(), noKey)
		require.NoError(t, err)
	}

	require.Equal(t, "PAGE i → alice: s\nPAGE i → bob: s\nUPDATE i → everyone: no key\nUPDATE i → everyone: no key\n", out.String())
}

func TestConsoleForgetsOldestKeys(t *testing.T) {
	var out strings.Builder
	c := newConsole(&out, 2)
	send := func(key string) {
		_, err := c.Notify(context.Background(), Message{Kind: KindPage, IdempotencyKey: key, IncidentID: "i", Subject: key})
		require.NoError(t, err)
	}
	send("a")
	send("b")
	send("a") // remembered: not written
	send("c") // forgets a
	send("a") // written again, forgets b
	send("c") // remembered
	require.Equal(t, "PAGE i → everyone: a\nPAGE i → everyone: b\nPAGE i → everyone: c\nPAGE i → everyone: a\n", out.String())
	require.Len(t, c.seen, 2)
}

func TestConsoleConcurrentSameKey(t *testing.T) {
	var out lockedBuilder
	c := NewConsole(&out)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := c.Notify(context.Background(), Message{Kind: KindPage, IdempotencyKey: "same", IncidentID: "i", Subject: "s"})
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Equal(t, "PAGE i → everyone: s\n", out.String())
}

func TestConsoleWriteError(t *testing.T) {
	c := NewConsole(failingWriter{})
	m := Message{Kind: KindPage, IdempotencyKey: "k", IncidentID: "i", Subject: "s"}
	retry, err := c.Notify(context.Background(), m)
	require.EqualError(t, err, "write message: disk full")
	require.False(t, retry)
	require.Empty(t, c.seen, "a failed message is not remembered")
}

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

var _ Notifier = (*Console)(nil)
