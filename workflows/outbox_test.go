package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// flakyNotifier answers "try later" to its first failures updates, then delivers.
type flakyNotifier struct {
	mu        sync.Mutex
	failures  int
	delivered []notify.Message
}

func (f *flakyNotifier) Notify(_ context.Context, m notify.Message) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return true, errors.New("429 Too Many Requests")
	}
	f.delivered = append(f.delivered, m)
	return false, nil
}

// A notifier that rate limits is retried alone: every other notifier sends each message once,
// and the slow one delivers each once too, in the end.
func TestANotifierThatRateLimitsNeverMakesAnotherSendTwice(t *testing.T) {
	h := newHarness(t, wednesday10)
	flaky := &flakyNotifier{failures: 3}
	h.acts.Notifiers["mail"] = flaky
	responder := h.onCall("discovery", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(2*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: responder, Summary: "fixed"}, nil)
	h.send(3*time.Minute, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: responder, Summary: "done"}, nil)
	h.run(input("search", some("some")))
	require.NoError(t, h.env.GetWorkflowError())

	count := func(ms []notify.Message) map[string]int {
		out := map[string]int{}
		for _, m := range ms {
			if m.Kind == notify.KindUpdate && m.Recipient == "" {
				out[m.Audience+" "+m.Subject]++
			}
		}
		return out
	}
	want := map[string]int{
		"internal internal update (investigating): Search is failing": 1,
		"external external update (investigating): Search is failing": 1,
		"internal internal update (resolved): Search is failing":      1,
		"external external update (resolved): Search is failing":      1,
	}
	h.rec.mu.Lock()
	console := count(h.rec.updates)
	h.rec.mu.Unlock()
	require.Equal(t, want, console, "the console sent each message once although mail failed three times")
	require.Equal(t, want, count(flaky.delivered), "mail delivered each message once in the end")

	var outbox int
	for _, e := range h.state().Timeline {
		if e.Kind == "outbox" {
			outbox++
		}
	}
	require.Equal(t, 4, outbox, "an outbox record before each message")
	require.Equal(t, incident.StatusResolved, h.state().Status)
}
