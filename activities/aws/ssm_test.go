package aws

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunSSMAutomation(t *testing.T) {
	token := clientToken(testKey)
	start := call{target: "AmazonSSM.StartAutomationExecution",
		body:  `{"DocumentName":"AWS-RestartEC2Instance","Parameters":{"InstanceId":["i-0abc"]},"ClientToken":"` + token + `"}`,
		reply: `{"AutomationExecutionId":"4d2a3b8e-0000-4000-8000-000000000001"}`}
	get := func(status, failure string) call {
		return call{target: "AmazonSSM.GetAutomationExecution", body: `{"AutomationExecutionId":"4d2a3b8e-0000-4000-8000-000000000001"}`,
			reply: `{"AutomationExecution":{"AutomationExecutionId":"4d2a3b8e-0000-4000-8000-000000000001","AutomationExecutionStatus":"` +
				status + `","FailureMessage":"` + failure + `"}}`}
	}
	const execID = "4d2a3b8e-0000-4000-8000-000000000001"
	no := false
	tests := []struct {
		name      string
		input     func(*SSMAutomationInput)
		heartbeat *ssmProgress
		script    []call
		want      SSMAutomationOutput
		wantErr   *errorWant
	}{
		{
			name:   "starts with the key's client token and waits for success",
			script: []call{start, get("Pending", ""), get("InProgress", ""), get("Success", "")},
			want:   SSMAutomationOutput{ExecutionID: execID, Status: "Success"},
		},
		{
			name:   "no wait",
			input:  func(in *SSMAutomationInput) { in.Wait = &no },
			script: []call{start},
			want:   SSMAutomationOutput{ExecutionID: execID, Status: "InProgress"},
		},
		{
			name:      "already in place: an earlier attempt started it, so only wait",
			heartbeat: &ssmProgress{ExecutionID: execID},
			script:    []call{get("Success", "")},
			want:      SSMAutomationOutput{ExecutionID: execID, Status: "Success", AlreadyInPlace: true},
		},
		{
			name:    "execution fails",
			script:  []call{start, get("Failed", "Step fails when it is verifying the instance. i-0abc is stopped.")},
			wantErr: &errorWant{errType: ErrFailed, nonRetryable: true, contains: "ended Failed: Step fails"},
		},
		{
			name:    "execution outlasts the timeout",
			input:   func(in *SSMAutomationInput) { in.Timeout = Duration(time.Nanosecond) },
			script:  []call{start, get("InProgress", "")},
			wantErr: &errorWant{errType: ErrTimeout, nonRetryable: true, contains: "still InProgress"},
		},
		{
			name:    "same token with other parameters is not retryable",
			script:  []call{start.with(awsError(400, "IdempotentParameterMismatch", "the token was used with other parameters"))},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "IdempotentParameterMismatch"},
		},
		{
			name:    "unknown document is not retryable",
			script:  []call{start.with(awsError(400, "AutomationDefinitionNotFoundException", "no such document"))},
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true},
		},
		{
			name:    "throttling is retryable",
			script:  []call{start.with(awsError(400, "ThrottlingException", "Rate exceeded"))},
			wantErr: &errorWant{contains: "ThrottlingException"},
		},
		{
			name:    "bad parameter name is bad input",
			input:   func(in *SSMAutomationInput) { in.Parameters = map[string][]string{"a b": {"x"}} },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "parameter name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			in := SSMAutomationInput{Document: "AWS-RestartEC2Instance", Parameters: map[string][]string{"InstanceId": {"i-0abc"}}, IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			env := newEnv(a)
			if tt.heartbeat != nil {
				env.SetHeartbeatDetails(*tt.heartbeat)
			}
			val, err := env.ExecuteActivity(a.RunSSMAutomation, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got SSMAutomationOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestClientToken(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct{ name, key string }{
		{"incident step", testKey},
		{"short", "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clientToken(tt.key)
			require.Regexp(t, uuid, got)
			require.Equal(t, got, clientToken(tt.key), "the same key gives the same token")
			require.NotEqual(t, got, clientToken(tt.key+"x"), "another key gives another token")
		})
	}
}
