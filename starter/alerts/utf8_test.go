package alerts

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckUTF8(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // empty: no error
	}{
		{name: "valid text", body: `{"a": "héllo \ud83d\ude00", "b": [1, true, null]}`},
		{name: "escaped backslash before u", body: `{"a": "\\ud800"}`},
		{name: "raw invalid byte in a value", body: "{\"a\": {\"b\": \"x\xffy\"}}", want: "a.b: not valid UTF-8 (byte 14)"},
		{name: "invalid byte in an array", body: "{\"alerts\": [{}, {\"labels\": {\"instance\": \"\xc3\"}}]}", want: "alerts[1].labels.instance: not valid UTF-8"},
		{name: "invalid byte in a member name", body: "{\"labels\": {\"in\xffstance\": \"x\"}}", want: "labels: a member name is not valid UTF-8"},
		{name: "lone high surrogate", body: `{"dedup_key": "a\ud800"}`, want: "dedup_key: not valid UTF-8 (byte 16)"},
		{name: "lone low surrogate", body: `{"dedup_key": "\udc00"}`, want: "dedup_key: not valid UTF-8"},
		{name: "high surrogate followed by another high one", body: `{"k": "\ud800\ud800"}`, want: "k: not valid UTF-8"},
		{name: "the document is a string", body: "\"\xff\"", want: "body: not valid UTF-8"},
		{name: "a member name that is not plain is quoted", body: "{\"a\\u001b[2J\": \"\xff\"}", want: `["a\x1b[2J"]: not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckUTF8([]byte(tt.body))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrNotUTF8)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// Two dedup keys that differ only in their invalid bytes were both decoded as "a\uFFFD" and
// merged into one group; now both are rejected, naming the field.
func TestParsersRejectInvalidUTF8(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) ([]Alert, error)
		body  string
		want  string
	}{
		{"generic dedup key", ParseGeneric, "{\"dedup_key\": \"a\xff\", \"title\": \"t\"}", "parse generic alert: dedup_key: not valid UTF-8"},
		{"generic dedup key, another byte", ParseGeneric, "{\"dedup_key\": \"a\xfe\", \"title\": \"t\"}", "parse generic alert: dedup_key: not valid UTF-8"},
		{"generic escaped surrogate", ParseGeneric, `{"dedup_key": "a\udfff", "title": "t"}`, "parse generic alert: dedup_key: not valid UTF-8"},
		{"generic label", ParseGeneric, "{\"dedup_key\": \"a\", \"title\": \"t\", \"labels\": {\"region\": \"\xff\"}}", "labels.region: not valid UTF-8"},
		{"alertmanager label", ParseAlertmanager, "{\"version\": \"4\", \"groupKey\": \"g\", \"status\": \"firing\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\": \"\xff\"}}]}",
			"parse alertmanager webhook: alerts[0].labels.alertname: not valid UTF-8"},
		{"alertmanager group key", ParseAlertmanager, "{\"version\": \"4\", \"groupKey\": \"g\xff\", \"status\": \"firing\", \"alerts\": []}",
			"parse alertmanager webhook: groupKey: not valid UTF-8"},
		{"an ignored field too", ParseAlertmanager, "{\"version\": \"4\", \"receiver\": \"\xff\", \"groupKey\": \"g\", \"status\": \"firing\", \"alerts\": []}",
			"receiver: not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := tt.parse([]byte(tt.body))
			require.Nil(t, alerts)
			require.ErrorIs(t, err, ErrNotUTF8)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestParseCloudWatchAlarmRejectsInvalidUTF8(t *testing.T) {
	m := &SNSMessage{Type: SNSNotification, TopicARN: "arn:aws:sns:eu-west-1:1:t",
		Message: `{"AlarmName": "a\ud800", "NewStateValue": "ALARM"}`}
	_, err := ParseCloudWatchAlarm(m)
	require.ErrorIs(t, err, ErrNotUTF8)
	require.ErrorContains(t, err, "Message: AlarmName: not valid UTF-8")
}
