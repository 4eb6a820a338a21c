package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

// changeOutbox is the change ID of one delivery per message and notifier: a stage's messages are
// composed once and each goes out through each notifier as an activity of its
// own, with its own idempotency key and retries, so a notifier that fails or rate limits is
// retried alone and never makes another send its message twice.
const changeOutbox = "outbox-per-notifier"

// deliver composes a stage's messages and delivers each through every notifier beside the paging
// path. The timeline holds the outbox: what is about to go out and under which keys, then what
// went out and what failed.
func (r *incidentRun) deliver(ctx workflow.Context, stage, audience string, req activities.CommunicateRequest) {
	var a *activities.Activities
	s := &r.state
	r.beside(ctx, fmt.Sprintf("sending the %s %s messages", audiences(audience), stage), func(ctx workflow.Context) error {
		var composed activities.Composed
		// An activity, not a local one: composing must not lengthen the workflow task that pages.
		err := workflow.ExecuteActivity(besideCtx(ctx, fmt.Sprintf("compose %s messages (%s)", stage, audiences(audience))),
			a.ComposeMessages, req).Get(ctx, &composed)
		if err != nil {
			return err
		}
		s.AddMessages(composed.Messages)
		futures := make([][]workflow.Future, len(composed.Messages))
		for i, m := range composed.Messages {
			r.record(ctx, "outbox", "", fmt.Sprintf("sending the %s %s message via %s (idempotency keys %s/<notifier>)",
				m.Audience, stage, strings.Join(composed.Notifiers, ", "), activities.CommunicateKey(req)+"/"+m.Audience))
			for _, n := range composed.Notifiers {
				summary := fmt.Sprintf("deliver the %s %s message via %s", m.Audience, stage, n)
				futures[i] = append(futures[i], workflow.ExecuteActivity(besideCtx(ctx, summary), a.DeliverMessage,
					activities.DeliverRequest{Request: req, Message: m, Notifier: n}))
			}
			if m.Audience == incident.AudienceExternal {
				r.pushStatus(ctx, stage, m.Text)
			}
		}
		for i, m := range composed.Messages {
			for j, f := range futures[i] {
				if err := f.Get(ctx, nil); err != nil {
					r.record(ctx, "failed", "", fmt.Sprintf("the %s %s message via %s failed (best effort, paging goes on): %s",
						m.Audience, stage, composed.Notifiers[j], failure(err)))
				}
			}
			r.record(ctx, "update", "", m.Audience+": "+m.Text)
		}
		return nil
	})
}
