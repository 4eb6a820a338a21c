package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

func TestComposeMessagesNamesEveryNotifier(t *testing.T) {
	a := newActivities(t, &pager{seen: map[string]bool{}})
	got, err := a.ComposeMessages(context.Background(), activities.CommunicateRequest{
		WorkflowID: "incident-o", Stage: activities.StageUpdate, Service: "checkout", Title: "down",
		Public: "rolling back", Internal: "failover", StartedAt: time.Now(),
	})
	require.NoError(t, err)
	require.Equal(t, []string{"pager"}, got.Notifiers)
	require.Len(t, got.Messages, 2)
	require.Equal(t, incident.AudienceInternal, got.Messages[0].Audience)
	require.Equal(t, "rolling back", got.Messages[1].Text)
}

func TestDeliverMessage(t *testing.T) {
	req := activities.DeliverRequest{
		Request:  activities.CommunicateRequest{WorkflowID: "incident-o", Stage: activities.StageUpdate, Step: "7", Title: "down"},
		Message:  incident.Message{Audience: incident.AudienceExternal, Text: "rolling back"},
		Notifier: "pager",
	}
	t.Run("delivered once under retry", func(t *testing.T) {
		receiver := &pager{seen: map[string]bool{}, failNext: 1}
		a := newActivities(t, receiver)
		err := a.DeliverMessage(context.Background(), req)
		require.ErrorContains(t, err, "503", "a receiver that is down is retried")
		require.NoError(t, a.DeliverMessage(context.Background(), req))
		require.NoError(t, a.DeliverMessage(context.Background(), req))
		require.Len(t, receiver.delivered, 1)
		require.Equal(t, "incident-o/communicate/update/7/external/pager", receiver.delivered[0].IdempotencyKey)
	})
	t.Run("an unknown notifier is not retried", func(t *testing.T) {
		a := newActivities(t, &pager{seen: map[string]bool{}})
		bad := req
		bad.Notifier = "pigeon"
		err := a.DeliverMessage(context.Background(), bad)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		require.True(t, appErr.NonRetryable())
		require.Contains(t, err.Error(), `notifier "pigeon" is not configured`)
	})
	t.Run("an unknown audience is bad input", func(t *testing.T) {
		a := newActivities(t, &pager{seen: map[string]bool{}})
		bad := req
		bad.Message.Audience = "everyone"
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, a.DeliverMessage(context.Background(), bad), &appErr)
		require.Equal(t, activities.ErrBadInput, appErr.Type())
	})
}
