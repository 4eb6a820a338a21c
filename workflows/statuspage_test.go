package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities/statuspage"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// fakeStatusPage keeps every push; the first answer is lost once when told, as a timeout would.
type fakeStatusPage struct {
	mu     sync.Mutex
	pushes []statuspage.PushRequest
}

func (f *fakeStatusPage) PushStatuspage(_ context.Context, req statuspage.PushRequest) (statuspage.PushResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushes = append(f.pushes, req)
	if req.StatuspageID == "" {
		return statuspage.PushResult{StatuspageID: "sp-1", Created: true}, nil
	}
	return statuspage.PushResult{StatuspageID: req.StatuspageID}, nil
}

// Customers' updates reach the hosted status page in order: the confirmation opens its incident,
// a public update and the resolution update the same one.
func TestPublicUpdatesArePushedToTheStatusPage(t *testing.T) {
	h := newHarness(t, wednesday10)
	page := &fakeStatusPage{}
	h.acts.StatusPage = page
	responder := h.onCall("discovery", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.send(2*time.Minute, workflows.UpdateAssign, workflows.AssignRequest{By: responder, Role: incident.RoleCommunications, Person: "lena"}, nil)
	h.send(3*time.Minute, workflows.UpdatePost, workflows.PostUpdateRequest{By: "lena", Public: "rolling back"}, nil)
	h.send(4*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: "lena", Summary: "rolled back"}, nil)
	h.send(5*time.Minute, workflows.UpdateCloseReview, workflows.CloseReviewRequest{By: "lena", Summary: "done"}, nil)
	h.run(input("search", some("some")))
	require.NoError(t, h.env.GetWorkflowError())

	var got []string
	for _, p := range page.pushes {
		got = append(got, p.Status+" "+p.StatuspageID+": "+p.Body)
	}
	require.Equal(t, []string{
		"investigating : We are investigating an incident affecting Search and will post updates here shortly.",
		"identified sp-1: rolling back",
		"resolved sp-1: The incident affecting Search has been resolved and service is restored. A review of what happened will follow.",
	}, got)
	require.Equal(t, "sp-1", h.state().StatuspageID)
}

// A private incident never reaches the hosted status page, and its customers hear nothing.
func TestAPrivateIncidentIsNeverPushed(t *testing.T) {
	h := newHarness(t, wednesday10)
	page := &fakeStatusPage{}
	h.acts.StatusPage = page
	responder := h.onCall("discovery", wednesday10)
	h.send(time.Minute, workflows.UpdateAcknowledge, workflows.AckRequest{By: responder}, nil)
	h.reject(2*time.Minute, workflows.UpdatePost, workflows.PostUpdateRequest{By: responder, Public: "x"}, "private")
	h.send(3*time.Minute, workflows.UpdateResolve, workflows.ResolveRequest{By: responder, Summary: "done"}, nil)
	in := input("search", some("some"))
	in.Private = true
	h.run(in)
	require.Empty(t, page.pushes)
	for _, m := range h.state().Messages {
		require.Equal(t, incident.AudienceInternal, m.Audience, m.Text)
	}
}
