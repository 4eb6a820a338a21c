package github

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateGitHubDeployment(t *testing.T) {
	const (
		listPath   = "/repos/acme/shop/deployments"
		statusPath = "/repos/acme/shop/deployments/7/statuses"
		mine       = `{"id":7,"ref":"v1.4.2","environment":"production","payload":{"firebreak_key":"` + testKey + `"}}`
		other      = `{"id":6,"ref":"v1.4.2","environment":"production","payload":{"firebreak_key":"another-step"}}`
	)
	list := func(reply string) exchange {
		return exchange{Method: "GET", Path: listPath,
			Query: q("ref", "v1.4.2", "environment", "production", "per_page", "100"), Reply: reply}
	}
	create := exchange{Method: "POST", Path: listPath,
		Body: `{"ref":"v1.4.2","environment":"production","auto_merge":false,"description":"roll back checkout",
			"payload":{"firebreak_key":"` + testKey + `"}}`,
		Status: 201, Reply: `{"id":7}`}
	setStatus := func(state string) exchange {
		return exchange{Method: "POST", Path: statusPath, Body: `{"state":"` + state + `","description":"roll back checkout"}`,
			Status: 201, Reply: `{"id":70,"state":"` + state + `"}`}
	}
	tests := []struct {
		name    string
		input   func(*CreateDeploymentInput)
		script  []exchange
		want    CreateDeploymentOutput
		wantErr *errorWant
	}{
		{
			name:   "creates the deployment with the key in its payload and sets success",
			script: []exchange{list(`[` + other + `]`), create, setStatus("success")},
			want:   CreateDeploymentOutput{DeploymentID: 7, StatusID: 70},
		},
		{
			name:   "state asked for",
			input:  func(in *CreateDeploymentInput) { in.State = "in_progress" },
			script: []exchange{list(`[]`), create, setStatus("in_progress")},
			want:   CreateDeploymentOutput{DeploymentID: 7, StatusID: 70},
		},
		{
			name: "already in place: this step's deployment has the state",
			script: []exchange{
				list(`[` + other + `,` + mine + `]`),
				{Method: "GET", Path: statusPath, Query: q("per_page", "1"), Reply: `[{"id":69,"state":"success"}]`},
			},
			want: CreateDeploymentOutput{DeploymentID: 7, StatusID: 69, AlreadyInPlace: true},
		},
		{
			name: "this step's deployment exists without the state: set it only",
			script: []exchange{
				list(`[` + mine + `]`),
				{Method: "GET", Path: statusPath, Query: q("per_page", "1"), Reply: `[{"id":68,"state":"pending"}]`},
				setStatus("success"),
			},
			want: CreateDeploymentOutput{DeploymentID: 7, StatusID: 70},
		},
		{
			name: "failing required checks (409) are not retryable",
			script: []exchange{list(`[]`),
				{Method: create.Method, Path: create.Path, Body: create.Body, Status: 409,
					Reply: `{"message":"Conflict: Commit status checks failed for v1.4.2."}`}},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "status checks failed"},
		},
		{
			name:    "server error is retryable",
			script:  []exchange{list(`[]`), create, {Method: "POST", Path: statusPath, Body: `{"state":"success","description":"roll back checkout"}`, Status: 503}},
			wantErr: &errorWant{contains: "503"},
		},
		{
			name:    "unknown state is bad input",
			input:   func(in *CreateDeploymentInput) { in.State = "done" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "state"},
		},
		{
			name:    "missing environment is bad input",
			input:   func(in *CreateDeploymentInput) { in.Environment = "" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "environment"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			in := CreateDeploymentInput{Repo: "acme/shop", Ref: "v1.4.2", Environment: "production",
				Description: "roll back checkout", IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			val, err := newEnv(a).ExecuteActivity(a.CreateGitHubDeployment, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got CreateDeploymentOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCreateDeploymentInputSummary(t *testing.T) {
	in := CreateDeploymentInput{Repo: "acme/shop", Ref: "v1.4.2", Environment: "production"}
	require.Equal(t, "create GitHub deployment of v1.4.2 in acme/shop to production with status success", in.Summary())
}
