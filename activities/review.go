package activities

import (
	"context"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// ReviewMeetingDue returns when the review meeting of an incident resolved at resolvedAt is due:
// the start of the incident.ReviewWorkingDays-th working day after it. Working hours are read
// here, never in the workflow, which runs this as a local activity.
func (a *Activities) ReviewMeetingDue(_ context.Context, resolvedAt time.Time) (time.Time, error) {
	t := resolvedAt
	for range incident.ReviewWorkingDays {
		t = a.nextWorkingHours(t.Add(24 * time.Hour))
	}
	return t.UTC(), nil
}
