package aws

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStopCodeDeployDeployment(t *testing.T) {
	const id = "d-A1B2C3D4E"
	get := call{target: "CodeDeploy_20141006.GetDeployment", body: `{"deploymentId":"` + id + `"}`}
	status := func(s string) call {
		return get.with(call{reply: `{"deploymentInfo":{"deploymentId":"` + id + `","status":"` + s + `"}}`})
	}
	stop := func(rollback string) call {
		return call{target: "CodeDeploy_20141006.StopDeployment", body: `{"deploymentId":"` + id + `","autoRollbackEnabled":` + rollback + `}`,
			reply: `{"status":"Pending","statusMessage":"Stopping Pending. Stopping to deploy"}`}
	}
	no := false
	tests := []struct {
		name    string
		input   func(*CodeDeployStopInput)
		script  []call
		want    CodeDeployStopOutput
		wantErr *errorWant
	}{
		{
			name:   "stops with rollback",
			script: []call{status("InProgress"), stop("true")},
			want:   CodeDeployStopOutput{Status: "Pending", StatusMessage: "Stopping Pending. Stopping to deploy"},
		},
		{
			name:   "stops without rollback",
			input:  func(in *CodeDeployStopInput) { in.Rollback = &no },
			script: []call{status("Baking"), stop("false")},
			want:   CodeDeployStopOutput{Status: "Pending", StatusMessage: "Stopping Pending. Stopping to deploy"},
		},
		{
			name:   "already in place: stopped",
			script: []call{status("Stopped")},
			want:   CodeDeployStopOutput{Status: "Stopped", StatusMessage: "the deployment had already ended", AlreadyInPlace: true},
		},
		{
			name:   "already in place: failed",
			script: []call{status("Failed")},
			want:   CodeDeployStopOutput{Status: "Failed", StatusMessage: "the deployment had already ended", AlreadyInPlace: true},
		},
		{
			name:    "a deployment that succeeded cannot be stopped",
			script:  []call{status("Succeeded")},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "already succeeded"},
		},
		{
			name:    "unknown deployment is not retryable",
			script:  []call{get.with(awsError(400, "DeploymentDoesNotExistException", "The deployment d-A1B2C3D4E could not be found"))},
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "DeploymentDoesNotExistException"},
		},
		{
			name:    "missing permission is not retryable",
			script:  []call{get.with(awsError(400, "AccessDeniedException", "not authorized to perform codedeploy:GetDeployment"))},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "codedeploy:GetDeployment"},
		},
		{
			name:    "throttling is retryable",
			script:  []call{get.with(awsError(400, "ThrottlingException", "Rate exceeded"))},
			wantErr: &errorWant{contains: "ThrottlingException"},
		},
		{
			name:    "server error is retryable",
			script:  []call{get.with(awsError(500, "InternalFailure", "oops"))},
			wantErr: &errorWant{contains: "500"},
		},
		{
			name: "a deployment that ended meanwhile is retried to be checked again",
			script: []call{status("InProgress"),
				stop("true").with(awsError(400, "DeploymentAlreadyCompletedException", "already completed"))},
			wantErr: &errorWant{contains: "DeploymentAlreadyCompletedException"},
		},
		{
			name:    "bad deployment ID is bad input",
			input:   func(in *CodeDeployStopInput) { in.DeploymentID = "d-1; drop" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "deployment_id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			in := CodeDeployStopInput{DeploymentID: id, IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			val, err := newEnv(a).ExecuteActivity(a.StopCodeDeployDeployment, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got CodeDeployStopOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCodeDeployStopInputSummary(t *testing.T) {
	no := false
	require.Equal(t, "stop CodeDeploy deployment d-A1B2C3D4E and roll back", CodeDeployStopInput{DeploymentID: "d-A1B2C3D4E"}.Summary())
	require.Equal(t, "stop CodeDeploy deployment d-A1B2C3D4E without rollback", CodeDeployStopInput{DeploymentID: "d-A1B2C3D4E", Rollback: &no}.Summary())
}
