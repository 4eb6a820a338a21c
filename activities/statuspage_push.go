package activities

import (
	"context"

	"github.com/firebreak-dev/firebreak/activities/statuspage"
)

// StatusPusher pushes public updates to a hosted status page; *statuspage.Activities is one.
type StatusPusher interface {
	PushStatuspage(ctx context.Context, req statuspage.PushRequest) (statuspage.PushResult, error)
}

// PushStatuspage sends one public update of an incident to the hosted status page (phase 4):
// the first creates the status page's incident, later ones update it. Without a hosted status
// page configured it does nothing; Firebreak's own status page reads the incident's state.
func (a *Activities) PushStatuspage(ctx context.Context, req statuspage.PushRequest) (statuspage.PushResult, error) {
	if a.StatusPage == nil {
		return statuspage.PushResult{}, nil
	}
	return a.StatusPage.PushStatuspage(ctx, req)
}
