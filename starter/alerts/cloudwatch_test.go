package alerts

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseCloudWatchAlarm(t *testing.T) {
	const arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-alb-5xx-high"
	labels := map[string]string{
		"alarm_name":             "checkout-alb-5xx-high",
		"account_id":             "123456789012",
		"region":                 "us-east-1",
		"namespace":              "AWS/ApplicationELB",
		"metric_name":            "HTTPCode_Target_5XX_Count",
		"dimension_LoadBalancer": "app/checkout-prod/50dc6c495c0c9188",
		"dimension_TargetGroup":  "targetgroup/checkout-tg/73e2d6bc24d8a067",
	}
	links := map[string]string{
		"console": "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/checkout-alb-5xx-high",
	}
	tests := []struct {
		name    string
		fixture string
		want    Alert
	}{
		{
			name:    "alarm fires",
			fixture: "sns_notification_cloudwatch_alarm.json",
			want: Alert{
				Source: SourceSNS, Fingerprint: arn, GroupKey: arn, Status: Firing,
				Title:  "checkout-alb-5xx-high",
				Labels: labels,
				Annotations: map[string]string{
					"description":  "Checkout ALB returns more than 5 5xx responses a minute",
					"state_reason": "Threshold Crossed: 2 out of the last 3 datapoints [14.0 (01/03/26 11:58:00), 9.0 (01/03/26 11:57:00)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).",
					"old_state":    "OK",
					"new_state":    "ALARM",
					"region_name":  "US East (N. Virginia)",
				},
				Links:    links,
				StartsAt: mustTime(t, "2026-03-01T11:59:10.468Z"),
			},
		},
		{
			name:    "alarm back to OK",
			fixture: "sns_notification_cloudwatch_ok.json",
			want: Alert{
				Source: SourceSNS, Fingerprint: arn, GroupKey: arn, Status: Resolved,
				Title:  "checkout-alb-5xx-high",
				Labels: labels,
				Annotations: map[string]string{
					"description":  "Checkout ALB returns more than 5 5xx responses a minute",
					"state_reason": "Threshold Crossed: 3 datapoints [0.0 (01/03/26 12:14:00), 1.0 (01/03/26 12:13:00), 0.0 (01/03/26 12:12:00)] were not greater than the threshold (5.0).",
					"old_state":    "ALARM",
					"new_state":    "OK",
					"region_name":  "US East (N. Virginia)",
				},
				Links:  links,
				EndsAt: mustTime(t, "2026-03-01T12:15:10.902Z"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseSNSEnvelope(readFixture(t, tt.fixture))
			require.NoError(t, err)
			got, err := ParseCloudWatchAlarm(m)
			require.NoError(t, err)
			require.Len(t, got, 1)
			checkInvariants(t, got)
			require.True(t, tt.want.StartsAt.Equal(got[0].StartsAt), "StartsAt %s", got[0].StartsAt)
			require.True(t, tt.want.EndsAt.Equal(got[0].EndsAt), "EndsAt %s", got[0].EndsAt)
			got[0].StartsAt, got[0].EndsAt = tt.want.StartsAt, tt.want.EndsAt
			require.Equal(t, tt.want, got[0])
		})
	}
}

func TestParseCloudWatchAlarmVariants(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(alarm map[string]any)
		count   int
		wantKey string
		wantErr string
	}{
		{name: "insufficient data gives no alert", edit: func(a map[string]any) { a["NewStateValue"] = "INSUFFICIENT_DATA" }},
		{name: "no ARN falls back to account, topic region and name", count: 1,
			edit:    func(a map[string]any) { delete(a, "AlarmArn") },
			wantKey: "cloudwatch:123456789012:us-east-1:checkout-alb-5xx-high"},
		{name: "composite alarm without trigger", count: 1,
			edit:    func(a map[string]any) { delete(a, "Trigger") },
			wantKey: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-alb-5xx-high"},
		{name: "RFC 3339 state change time", count: 1,
			edit:    func(a map[string]any) { a["StateChangeTime"] = "2026-03-01T11:59:10.468Z" },
			wantKey: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-alb-5xx-high"},
		{name: "unknown state", edit: func(a map[string]any) { a["NewStateValue"] = "PENDING" },
			wantErr: `NewStateValue: must be "ALARM", "OK" or "INSUFFICIENT_DATA", got "PENDING"`},
		{name: "missing alarm name", edit: func(a map[string]any) { delete(a, "AlarmName") },
			wantErr: "AlarmName: required"},
		{name: "bad state change time", edit: func(a map[string]any) { a["StateChangeTime"] = "01/03/26" },
			wantErr: `StateChangeTime: invalid time "01/03/26"`},
		{name: "alarm name not a string", edit: func(a map[string]any) { a["AlarmName"] = 7 },
			wantErr: "Message: AlarmName: cannot use JSON number as string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseSNSEnvelope(readFixture(t, "sns_notification_cloudwatch_alarm.json"))
			require.NoError(t, err)
			var alarm map[string]any
			require.NoError(t, json.Unmarshal([]byte(m.Message), &alarm))
			tt.edit(alarm)
			b, err := json.Marshal(alarm)
			require.NoError(t, err)
			m.Message = string(b)

			got, err := ParseCloudWatchAlarm(m)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			require.Len(t, got, tt.count)
			checkInvariants(t, got)
			if tt.count > 0 {
				require.Equal(t, tt.wantKey, got[0].Fingerprint)
			}
		})
	}
}

func TestParseCloudWatchAlarmRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  *SNSMessage
		want string
	}{
		{name: "nil", msg: nil, want: "no message"},
		{name: "subscription confirmation", msg: &SNSMessage{Type: SNSSubscriptionConfirmation, Message: "{}"},
			want: `Type: must be "Notification", got "SubscriptionConfirmation"`},
		{name: "plain text message", msg: &SNSMessage{Type: SNSNotification, Message: "hello"},
			want: "Message: invalid JSON at byte 1"},
		{name: "empty message", msg: &SNSMessage{Type: SNSNotification},
			want: "Message: empty body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCloudWatchAlarm(tt.msg)
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, got)
		})
	}
}
