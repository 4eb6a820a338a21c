package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/activities/statuspage"
)

// statusPush sends public updates to the hosted status page one at a time, in the order they
// were sent, so that the first creates the status page's incident and the rest update it.
type statusPush struct{ busy bool }

// pushStatus sends one public message to the hosted status page beside the paging path, when
// the engagement plan says one is configured; a private incident is never pushed.
func (r *incidentRun) pushStatus(ctx workflow.Context, stage, text string) {
	var a *activities.Activities
	s := &r.state
	if !r.keyEvents || s.Private || !s.Plan.StatusPage {
		return
	}
	status := statuspage.StatusIdentified
	switch stage {
	case activities.StageInvestigating:
		status = statuspage.StatusInvestigating
	case activities.StageResolved:
		status = statuspage.StatusResolved
	}
	r.beside(ctx, "pushing the public update to the status page", func(ctx workflow.Context) error {
		if err := workflow.Await(ctx, func() bool { return !r.statusPush.busy }); err != nil {
			return err
		}
		r.statusPush.busy = true
		defer func() { r.statusPush.busy = false }()
		req := statuspage.PushRequest{
			WorkflowID: s.WorkflowID, StatuspageID: s.StatuspageID, Service: s.Service,
			Name: "Incident affecting " + s.Service, Status: status, Body: text, Severity: s.Severity,
		}
		var result statuspage.PushResult
		err := workflow.ExecuteActivity(besideCtx(ctx, fmt.Sprintf("push %s to the status page", status)), a.PushStatuspage, req).
			Get(ctx, &result)
		if err != nil {
			return err
		}
		if result.StatuspageID != "" {
			s.StatuspageID = result.StatuspageID
		}
		return nil
	})
}
