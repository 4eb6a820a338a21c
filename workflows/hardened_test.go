package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// failing is a notifier that is down: every delivery fails, worth retrying. It counts attempts
// by kind.
type failing struct {
	mu       sync.Mutex
	attempts map[string]int
}

func (f *failing) Notify(_ context.Context, m notify.Message) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attempts == nil {
		f.attempts = map[string]int{}
	}
	f.attempts[m.Kind]++
	return true, errors.New("503 Service Unavailable")
}

func (f *failing) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[kind]
}

// entries returns the texts of the timeline entries of a kind.
func entries(s workflows.State, kind string) []string {
	var texts []string
	for _, e := range s.Timeline {
		if e.Kind == kind {
			texts = append(texts, e.Text)
		}
	}
	return texts
}

func TestANotifierDownForMessagesDoesNotDelayPages(t *testing.T) {
	h := newHarness(t, wednesday10)
	chat := &failing{}
	h.acts.Notifiers["chat"] = chat
	responder := h.onCall("discovery", wednesday10)
	checked := 0
	h.at(9*time.Minute, func() {
		checked++
		s := h.state()
		failed := entries(s, "failed")
		require.Len(t, failed, 2, "the channel and the internal message each gave up")
		assert.Contains(t, failed[0], "best effort, paging goes on")
		assert.NotNil(t, s.AckDeadline, "the ladder is armed")
	})
	h.send(9*time.Minute+time.Second, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(11*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: responder, Summary: "fixed"}, nil)
	h.run(input("search", some("some")))

	require.Equal(t, 1, checked)
	pages := h.rec.paged()
	require.Len(t, pages, 1)
	require.Zero(t, pages[0].elapsed, "the first page does not wait for the channel or the messages")
	require.Equal(t, 5, chat.count(notify.KindChannel), "channel announcements are retried a bounded number of times")
	require.Zero(t, chat.count(notify.KindPage), "nobody uses the chat tool for pages")
}

func TestABrokenContactMethodDoesNotStallTheLadder(t *testing.T) {
	h := newHarness(t, wednesday10)
	broken := &failing{}
	h.acts.Notifiers["broken"] = broken
	responder := h.onCall("discovery", wednesday10)
	for i := range h.cfg.People {
		if h.cfg.People[i].ID == responder {
			h.cfg.People[i].Notify = []string{"broken", "console"}
		}
	}
	var ackAnswered time.Duration
	h.at(11*time.Minute, func() {
		sent := h.env.Now()
		h.env.UpdateWorkflow(workflows.UpdateAcknowledge, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("ack rejected: %v", err) },
			OnAccept: func() {},
			OnComplete: func(_ any, err error) {
				assert.NoError(t, err)
				ackAnswered = h.env.Now().Sub(sent) + time.Nanosecond
			},
		}, workflows.AckRequest{By: responder})
	})
	checked := 0
	h.at(12*time.Minute, func() {
		checked++
		s := h.state()
		assert.Contains(t, strings.Join(entries(s, "page"), "\n"), "could not page "+responder+" (discovery) via broken")
	})
	h.send(13*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: responder, Summary: "fixed"}, nil)
	h.run(input("search", some("some")))

	require.Equal(t, 1, checked)
	require.NotZero(t, ackAnswered, "the acknowledgement was answered")
	require.Less(t, ackAnswered, 2*time.Second)
	pages := h.rec.paged()
	require.GreaterOrEqual(t, len(pages), 2)
	require.Zero(t, pages[0].elapsed, "the working method pages at once")
	require.Equal(t, 10*time.Minute, pages[1].elapsed, "level 2 pages exactly at level 1's deadline (sev2: 10 minutes)")
	require.Greater(t, broken.count(notify.KindPage), 1, "the broken method was retried")
}

func TestAHundredThousandAlertsKeepTheIncidentWorking(t *testing.T) {
	h := newHarness(t, wednesday10)
	summary := strings.Repeat("x", 10*1024)
	const batches, perBatch, distinct = 200, 500, 1000
	for i := range batches {
		b := workflows.AlertBatch{Routing: routing}
		for j := range perBatch {
			status := incident.AlertFiring
			if j%7 == 0 {
				status = incident.AlertResolved
			}
			b.Alerts = append(b.Alerts, incident.Alert{
				Source: "alertmanager", Fingerprint: fmt.Sprintf("fp-%04d", (i*perBatch+j)%distinct), Status: status,
				Title: "Search errors", Annotations: map[string]string{"summary": summary},
			})
		}
		h.signal(time.Duration(i)*2*time.Second, b)
	}
	responder := h.onCall("discovery", wednesday10)
	var largest int
	checked := 0
	h.at(10*time.Minute+time.Second, func() {
		checked++
		s := h.state()
		data, err := json.Marshal(s)
		require.NoError(t, err)
		largest = len(data)
		assert.Equal(t, batches*perBatch+1, s.AlertCount)
		assert.Len(t, s.AlertBook.Firing, distinct+1, "the starting alert and the thousand")
		assert.Len(t, s.Alerts, incident.RecentAlerts)
		assert.Equal(t, 2, s.Level, "the ladder went on through the storm")
	})
	h.send(11*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(12*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: responder, Summary: "fixed"}, nil)
	h.run(alertInput(batch(incident.AlertFiring, "a")))

	require.Equal(t, 1, checked)
	t.Logf("state after %d alerts: %d bytes", batches*perBatch, largest)
	require.Less(t, largest, 256*1024, "the state stays far below Temporal's 2 MB payload limit")
	pages := h.rec.paged()
	require.GreaterOrEqual(t, len(pages), 3)
	require.Equal(t, 10*time.Minute, pages[1].elapsed, "level 2 at its deadline despite the storm")
}

func TestPeopleTheOrganisationDoesNotKnowCannotAct(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.reject(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "nobody-known"}, `"nobody-known" is not a person the organisation knows`)
	h.reject(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: "tom", Role: incident.RoleCommander, Person: "stranger"},
		`cannot give stranger the role: "stranger" is not a person the organisation knows`)
	h.reject(3*time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: "Tom; rm -rf"}, "is not a person ID")
	h.at(4*time.Minute, func() { assert.Equal(t, incident.StatusTriggered, h.state().Status, "nothing was applied") })
	h.send(5*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", some("some")))
	require.NoError(t, h.env.GetWorkflowError())
}

func TestTheLadderNeverGoesQuietForSev1(t *testing.T) {
	h := newHarness(t, wednesday10)
	// sev1: three levels of 5 minutes, repeated twice: 45 minutes of ladder, then its end
	// pages the last tier and the commanders every 10 minutes.
	checked := 0
	h.at(4*time.Hour, func() {
		checked++
		s := h.state()
		assert.True(t, s.LadderExhausted)
		assert.NotNil(t, s.LadderEndDue, "another page of the ladder's end is due")
		assert.Equal(t, 20, s.LadderEndPages, "every 10 minutes from 45 minutes to 3 h 55")
	})
	h.send(4*time.Hour+time.Second, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, nil)
	h.at(5*time.Hour, func() { assert.Nil(t, h.state().LadderEndDue, "the acknowledgement ends the repeats") })
	h.send(5*time.Hour+time.Second, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("checkout", some("all")))

	require.Equal(t, 1, checked)
	var ends []time.Duration
	for _, p := range h.rec.paged() {
		if strings.Contains(p.msg.IdempotencyKey, "/ladder-end-") && p.msg.Recipient == "giulia" {
			ends = append(ends, p.elapsed)
		}
	}
	require.Len(t, ends, 20, "the commanders are paged at every repeat of the end")
	require.Equal(t, 45*time.Minute, ends[0])
	require.Equal(t, 55*time.Minute, ends[1])
}

func TestAFalseAlarmTellsNoCustomers(t *testing.T) {
	h := newHarness(t, wednesday10)
	// sev2 opened by an alert: confirmation waits for an ack or 5 minutes of firing; the alert
	// resolves first, and the ladder pauses through the grace period.
	h.signal(time.Minute, batch(incident.AlertResolved, "a"))
	h.run(alertInput(batch(incident.AlertFiring, "a")))

	sum := h.summary()
	require.Contains(t, sum.Resolution, "false alarm")
	s := h.state()
	require.True(t, s.FalseAlarm)
	require.Nil(t, s.ConfirmedAt)
	require.NotEmpty(t, s.Messages)
	for _, m := range s.Messages {
		require.Equal(t, incident.AudienceInternal, m.Audience, "customers hear nothing of an unconfirmed incident: %s", m.Text)
	}
	require.True(t, strings.HasPrefix(s.Messages[len(s.Messages)-1].Text, "False alarm:"), s.Messages[len(s.Messages)-1].Text)
	require.Len(t, h.rec.paged(), 1, "only the first page went out")
}

func TestTheLadderPausesDuringTheFalseAlarmGrace(t *testing.T) {
	h := newHarness(t, wednesday10)
	// sev2: level 1's deadline (10 minutes) falls inside the grace period (8 to 13 minutes).
	h.signal(8*time.Minute, batch(incident.AlertResolved, "a"))
	checked := 0
	h.at(11*time.Minute, func() {
		checked++
		s := h.state()
		assert.True(t, s.LadderPaused)
		assert.Len(t, h.rec.paged(), 1, "no level-2 page while the alert is resolved")
	})
	h.signal(12*time.Minute, batch(incident.AlertFiring, "a"))
	h.at(12*time.Minute+time.Second, func() {
		checked++
		assert.Len(t, h.rec.paged(), 3, "the alert fires again: level 2 pages at once")
	})
	h.send(13*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(alertInput(batch(incident.AlertFiring, "a")))
	require.Equal(t, 2, checked)
}

func TestAnUpdateSeenAfterItExpiredIsNotApplied(t *testing.T) {
	h := newHarness(t, wednesday10)
	expired := workflows.AckRequest{By: "tom"}
	expired.Expires = wednesday10.Add(time.Minute)
	h.reject(2*time.Minute, workflows.UpdateAcknowledge, expired, "expired before a worker could apply it")
	fresh := workflows.AckRequest{By: "tom"}
	fresh.Expires = wednesday10.Add(4 * time.Minute)
	h.send(3*time.Minute, workflows.UpdateAcknowledge, fresh, nil)
	h.send(5*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.run(input("search", some("some")))
	require.Equal(t, 3*time.Minute, h.summary().Metrics.TimeToAcknowledge)
}

func TestAResolvedIncidentTakesNotesUntilItCloses(t *testing.T) {
	h := newHarness(t, wednesday10)
	h.send(time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "tom", Summary: "fixed"}, nil)
	h.reject(time.Hour, workflows.UpdateAcknowledge, workflows.AckRequest{By: "tom"}, "the incident is resolved")
	h.send(2*time.Hour, workflows.UpdateNote, workflows.NoteRequest{By: "ana", Kind: incident.NoteObservation, Text: "the disk alarm was muted"}, nil)
	h.run(input("search", some("some")))

	require.Equal(t, incident.MaxReviewOpen+time.Minute, h.env.Now().Sub(wednesday10),
		"a review nobody closes ends when the incident has waited the longest a review stays open")
	require.Contains(t, entries(h.state(), string(incident.NoteObservation)), "the disk alarm was muted")
}

func TestALongTimelineContinuesAsNewCarryingItsTail(t *testing.T) {
	h := newHarness(t, wednesday10)
	// One note a second, each scheduling the next: the test environment holds few callbacks.
	var noteAt func(i int)
	noteAt = func(i int) {
		h.env.UpdateWorkflow(workflows.UpdateNote, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("note %d rejected: %v", i, err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, workflows.NoteRequest{By: "tom", Kind: incident.NoteObservation, Text: fmt.Sprintf("observation %d", i)})
		if i+1 < incident.MaxTimeline {
			h.env.RegisterDelayedCallback(func() { noteAt(i + 1) }, time.Second)
		}
	}
	h.at(time.Minute, func() { noteAt(0) })
	h.env.ExecuteWorkflow(workflows.IncidentWorkflowName, input("search", some("some")))
	require.True(t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	var next *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &next)
	var carried workflows.IncidentInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &carried))
	require.NotNil(t, carried.Carried)
	require.Len(t, carried.Carried.Timeline, incident.CarriedTimeline)
	require.Equal(t, incident.MaxTimeline-incident.CarriedTimeline, carried.Carried.TimelineEarlier)
	require.Equal(t, "default-test-run-id", carried.Carried.EarlierRun)
	last := carried.Carried.Timeline[len(carried.Carried.Timeline)-1]
	require.Contains(t, last.Text, "observation", "the newest entries are carried")
}
