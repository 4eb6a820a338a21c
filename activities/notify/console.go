package notify

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// consoleMemory is how many idempotency keys a Console remembers.
const consoleMemory = 10_000

// Console writes each message as one readable line, such as
//
//	PAGE sev1 incident-abc → alice: Checkout is down
//
// It writes a message whose idempotency key it has seen among the last 10,000 only once.
// A Console is safe for concurrent use.
type Console struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
	keys []string // the remembered keys, a ring whose oldest entry is at next once full
	next int
	size int
}

// NewConsole returns a Console that writes to w.
func NewConsole(w io.Writer) *Console {
	return newConsole(w, consoleMemory)
}

func newConsole(w io.Writer, size int) *Console {
	return &Console{w: w, seen: make(map[string]bool), size: size}
}

// Notify writes m as one line, unless a message with the same idempotency key was written
// before. A message without a key is always written. A failed write is not worth retrying.
func (c *Console) Notify(ctx context.Context, m Message) (bool, error) {
	if err := ctx.Err(); err != nil {
		return true, fmt.Errorf("write message: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.IdempotencyKey != "" && c.seen[m.IdempotencyKey] {
		return false, nil
	}
	if _, err := io.WriteString(c.w, consoleLine(m)); err != nil {
		return false, fmt.Errorf("write message: %w", err)
	}
	if m.IdempotencyKey != "" {
		c.remember(m.IdempotencyKey)
	}
	return false, nil
}

// remember adds key to the remembered keys, forgetting the oldest when full.
func (c *Console) remember(key string) {
	c.seen[key] = true
	if len(c.keys) < c.size {
		c.keys = append(c.keys, key)
		return
	}
	delete(c.seen, c.keys[c.next])
	c.keys[c.next] = key
	c.next = (c.next + 1) % c.size
}

// consoleLine formats m as "KIND [severity] incident → recipient: subject — text (links)".
func consoleLine(m Message) string {
	var b strings.Builder
	kind := strings.ToUpper(m.Kind)
	if kind == "" {
		kind = "MESSAGE"
	}
	b.WriteString(oneLine(kind))
	for _, s := range []string{m.Severity, m.IncidentID} {
		if s != "" {
			b.WriteString(" " + oneLine(s))
		}
	}
	to := m.Recipient
	if to == "" {
		to = "everyone"
	}
	b.WriteString(" → " + oneLine(to) + ": " + oneLine(m.Subject))
	if m.Text != "" {
		b.WriteString(" — " + oneLine(m.Text))
	}
	if len(m.Links) > 0 {
		links := make([]string, 0, len(m.Links))
		for _, name := range slices.Sorted(maps.Keys(m.Links)) {
			links = append(links, oneLine(name)+" "+oneLine(m.Links[name]))
		}
		b.WriteString(" (" + strings.Join(links, ", ") + ")")
	}
	b.WriteByte('\n')
	return b.String()
}

// oneLine collapses white space and neutralises control characters, escape sequences and
// invisible formatting characters (safetext.Line), so that a message cannot break the line,
// send escape sequences to a terminal or reorder what it shows.
func oneLine(s string) string {
	return safetext.Line(strings.Join(strings.Fields(s), " "))
}
