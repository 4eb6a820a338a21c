package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
)

func TestRemindReachesThePersonOnceUnderRetry(t *testing.T) {
	receiver := &pager{seen: map[string]bool{}, failNext: 1}
	a := newActivities(t, receiver)
	req := activities.RemindRequest{
		WorkflowID: "incident-z", Step: "update-due-1/reminder-1", Person: "lena", Severity: incident.Sev1,
		Subject: "public update overdue: checkout down", Text: "post an update\x1b[2J",
	}
	err := a.Remind(context.Background(), req)
	require.ErrorContains(t, err, "503", "a receiver that is down is worth retrying")
	require.NoError(t, a.Remind(context.Background(), req))
	require.NoError(t, a.Remind(context.Background(), req), "a retry after delivery sends the same key")
	require.Len(t, receiver.delivered, 1)
	got := receiver.delivered[0]
	require.Equal(t, "lena", got.Recipient)
	require.Equal(t, "incident-z/update-due-1/reminder-1/lena/pager", got.IdempotencyKey)
	require.NotContains(t, got.Text, "\x1b", "text from outside is neutralised")
}

func TestRemindRefusesAnUnknownPerson(t *testing.T) {
	a := newActivities(t, &pager{seen: map[string]bool{}})
	err := a.Remind(context.Background(), activities.RemindRequest{WorkflowID: "incident-z", Step: "s", Person: "nobody"})
	require.ErrorContains(t, err, `person "nobody" is not in the configuration`)
}

func TestCommunicateStatusUpdate(t *testing.T) {
	cases := []struct {
		name             string
		public, internal string
		audience         string
		want             []incident.Message
	}{
		{
			name: "the given texts", public: "rolling back", internal: "db failover done",
			want: []incident.Message{
				{Audience: incident.AudienceInternal, Text: "db failover done"},
				{Audience: incident.AudienceExternal, Text: "rolling back"},
			},
		},
		{
			name: "the templates", audience: "",
			want: []incident.Message{
				{Audience: incident.AudienceInternal, Text: "Update on the incident affecting Checkout, cart and payments (checkout down): " +
					"the response is under way. We will send another update as soon as there is news."},
				{Audience: incident.AudienceExternal, Text: "We are continuing to work on the incident affecting Checkout. We will post another update here soon."},
			},
		},
		{
			name: "internal only", internal: "db failover done", audience: incident.AudienceInternal,
			want: []incident.Message{{Audience: incident.AudienceInternal, Text: "db failover done"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			receiver := &pager{seen: map[string]bool{}}
			a := newActivities(t, receiver)
			got, err := a.Communicate(context.Background(), activities.CommunicateRequest{
				WorkflowID: "incident-u", Stage: activities.StageUpdate, Service: "checkout", Title: "checkout down",
				Severity: incident.Sev1, StartedAt: time.Now(), Audience: c.audience, Public: c.public, Internal: c.internal, Step: "42",
			})
			require.NoError(t, err)
			for i := range got {
				got[i].At = time.Time{}
			}
			require.Equal(t, c.want, got)
		})
	}
}
