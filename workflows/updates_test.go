package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// updatesAbout returns the updates the recording notifier saw whose subject starts with prefix.
func (r *recorder) updatesAbout(prefix string) []notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []notify.Message
	for _, m := range r.updates {
		if strings.HasPrefix(m.Subject, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// reminders returns the reminders of overdue updates the recording notifier saw.
func (r *recorder) reminders() []notify.Message { return r.updatesAbout("public update overdue") }

// A sev2 incident owes customers a public update every hour once confirmed (the built-in
// communication policy): an overdue one reminds the communications lead, then the commander ten
// minutes later, once each; an update from the communications lead restarts the hour.
func TestOverdueUpdateRemindsTheCommunicationsLeadThenTheCommander(t *testing.T) {
	h := newHarness(t, wednesday10)
	responder := h.onCall("discovery", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: responder, Role: incident.RoleCommander, Person: "ana"}, nil)
	h.send(3*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: "ana", Role: incident.RoleCommunications, Person: "lena"}, nil)
	h.at(4*time.Minute, func() {
		assert.Equal(t, wednesday10.Add(61*time.Minute).UTC(), h.state().UpdateDue.UTC(),
			"the hour runs from confirmation (the acknowledgement)")
	})
	h.reject(5*time.Minute, workflows.UpdatePost, workflows.PostUpdateRequest{By: "tom", Public: "all good soon"},
		"a public sev2 update is posted by the communications lead or commander; tom holds neither role")
	h.at(61*time.Minute-time.Second, func() { assert.Empty(t, h.rec.reminders(), "no reminder before the hour") })
	h.at(61*time.Minute+time.Second, func() {
		got := h.rec.reminders()
		if assert.Len(t, got, 1) {
			assert.Equal(t, "lena", got[0].Recipient)
			assert.Contains(t, got[0].Text, "customers have not heard from us for 1h0m0s")
		}
	})
	h.at(71*time.Minute+time.Second, func() {
		got := h.rec.reminders()
		if assert.Len(t, got, 2) {
			assert.Equal(t, "ana", got[1].Recipient)
		}
	})
	h.send(75*time.Minute, workflows.UpdatePost, workflows.PostUpdateRequest{By: "lena", Public: "We found the cause and are rolling back."},
		func(out workflows.Outcome) {
			assert.Contains(t, out.Text, "public and internal update posted; the next public update is due by 2026-11-18T11:15:00Z")
		})
	h.at(76*time.Minute, func() {
		s := h.state()
		last := s.Messages[len(s.Messages)-1]
		assert.Equal(t, incident.AudienceExternal, last.Audience)
		assert.Equal(t, "We found the cause and are rolling back.", last.Text, "a public text alone goes to customers only")
		assert.Equal(t, wednesday10.Add(135*time.Minute).UTC(), s.UpdateDue.UTC(), "the update restarts the hour")
	})
	h.send(80*time.Minute, workflows.UpdatePost, workflows.PostUpdateRequest{By: "tom", Internal: "db failover done"}, nil)
	h.at(81*time.Minute, func() {
		s := h.state()
		last := s.Messages[len(s.Messages)-1]
		assert.Equal(t, incident.Message{Audience: incident.AudienceInternal, At: last.At, Text: "db failover done"}, last)
		assert.Equal(t, wednesday10.Add(135*time.Minute).UTC(), s.UpdateDue.UTC(), "an internal update does not restart the hour")
	})
	h.send(100*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "ana", Summary: "rolled back"}, nil)
	h.run(input("search", some("some")))

	require.Len(t, h.rec.reminders(), 2, "one reminder each for the communications lead and the commander, none after the update")
	keys := map[string]bool{}
	for _, m := range h.rec.reminders() {
		keys[m.IdempotencyKey] = true
	}
	require.Len(t, keys, 2, "each reminder has its own idempotency key")
}

// Before the incident is confirmed, customers have not heard of it: a public update is refused,
// and an update with no text sends only the internal template.
func TestUpdateBeforeConfirmationIsInternalOnly(t *testing.T) {
	h := newHarness(t, wednesday10)
	responder := h.onCall("discovery", wednesday10)
	h.reject(30*time.Second, workflows.UpdatePost, workflows.PostUpdateRequest{By: responder, Public: "we know"}, "not confirmed yet")
	h.send(40*time.Second, workflows.UpdatePost, workflows.PostUpdateRequest{By: responder}, func(out workflows.Outcome) {
		assert.Equal(t, "internal update posted", out.Text)
	})
	h.at(50*time.Second, func() {
		s := h.state()
		for _, m := range s.Messages {
			assert.Equal(t, incident.AudienceInternal, m.Audience, m.Text)
		}
		assert.Nil(t, s.UpdateDue, "no cadence before confirmation")
	})
	h.send(time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: responder, Summary: "blip"}, nil)
	h.run(input("search", some("some")))
	require.NoError(t, h.env.GetWorkflowError())
}
