package github

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
)

const (
	runsPath     = "/repos/acme/shop/actions/workflows/rollback.yml/runs"
	dispatchPath = "/repos/acme/shop/actions/workflows/rollback.yml/dispatches"
	testKey      = "incident-checkout-1/run-1/step-2"
)

// Exchanges the dispatch tests share.
var (
	listNewest = exchange{Method: "GET", Path: runsPath, Query: q("per_page", "1"),
		Reply: `{"total_count":1,"workflow_runs":[{"id":100,"status":"completed"}]}`}
	dispatchFull = `{"ref":"main","inputs":{"version":"41","firebreak_key":"` + testKey + `"},"return_run_details":true}`
	dispatchNoRD = `{"ref":"main","inputs":{"version":"41","firebreak_key":"` + testKey + `"}}`
	runDetails   = `{"workflow_run_id":101,"run_url":"https://ghe.example/api/v3/repos/acme/shop/actions/runs/101","html_url":"https://ghe.example/acme/shop/actions/runs/101"}`
	findRuns     = exchange{Method: "GET", Path: runsPath, Query: q("event", "workflow_dispatch", "branch", "main", "per_page", "50"),
		Reply: `{"total_count":3,"workflow_runs":[
			{"id":103,"display_title":"Roll back","html_url":"https://ghe.example/acme/shop/actions/runs/103"},
			{"id":102,"display_title":"Roll back","html_url":"https://ghe.example/acme/shop/actions/runs/102"},
			{"id":100,"display_title":"Roll back"}]}`}
)

func getRun(id int, status, conclusion string) exchange {
	return exchange{Method: "GET", Path: "/repos/acme/shop/actions/runs/" + strconv.Itoa(id),
		Reply: fmt.Sprintf(`{"id":%d,"status":%q,"conclusion":%q,"html_url":"https://ghe.example/acme/shop/actions/runs/%d"}`, id, status, conclusion, id)}
}

func dispatchInput() DispatchWorkflowInput {
	return DispatchWorkflowInput{
		Repo: "acme/shop", Workflow: "rollback.yml", Ref: "main",
		Inputs: map[string]string{"version": "41"}, IdempotencyKey: testKey,
	}
}

func TestDispatchGitHubWorkflow(t *testing.T) {
	noWait := false
	tests := []struct {
		name      string
		input     func(*DispatchWorkflowInput)
		heartbeat *dispatchProgress
		script    []exchange
		want      DispatchWorkflowOutput
		wantErr   *errorWant
		// wantFirstHeartbeat says the attempt's first heartbeat, which is sent at once, must
		// record that a dispatch is under way and the newest run before it.
		wantFirstHeartbeat bool
	}{
		{
			name: "run details returned, waits for success",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Reply: runDetails},
				getRun(101, "queued", ""),
				getRun(101, "in_progress", ""),
				getRun(101, "completed", "success"),
			},
			want:               DispatchWorkflowOutput{RunID: 101, RunURL: "https://ghe.example/acme/shop/actions/runs/101", Conclusion: "success"},
			wantFirstHeartbeat: true,
		},
		{
			name: "server refuses return_run_details: dispatch again without it and find the run",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Status: 422,
					Reply: `{"message":"Invalid request.\n\n\"return_run_details\" is not a permitted key."}`},
				{Method: "POST", Path: dispatchPath, Body: dispatchNoRD, Status: 204},
				findRuns,
				getRun(102, "completed", "success"),
			},
			want:               DispatchWorkflowOutput{RunID: 102, RunURL: "https://ghe.example/acme/shop/actions/runs/102", Conclusion: "success"},
			wantFirstHeartbeat: true,
		},
		{
			name: "server ignores return_run_details: find the run, preferring the one titled with the key",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Status: 204},
				{Method: "GET", Path: runsPath, Query: q("event", "workflow_dispatch", "branch", "main", "per_page", "50"),
					Reply: `{"total_count":0,"workflow_runs":[]}`},
				{Method: "GET", Path: runsPath, Query: q("event", "workflow_dispatch", "branch", "main", "per_page", "50"),
					Reply: `{"total_count":2,"workflow_runs":[
						{"id":104,"display_title":"Rollback ` + testKey + `","html_url":"https://ghe.example/acme/shop/actions/runs/104"},
						{"id":103,"display_title":"Someone else's run"}]}`},
				getRun(104, "completed", "success"),
			},
			want: DispatchWorkflowOutput{RunID: 104, RunURL: "https://ghe.example/acme/shop/actions/runs/104", Conclusion: "success"},
		},
		{
			name: "workflow does not declare firebreak_key: dispatch again without it",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Status: 422,
					Reply: `{"message":"Unexpected inputs provided: [\"firebreak_key\"]"}`},
				{Method: "POST", Path: dispatchPath, Body: `{"ref":"main","inputs":{"version":"41"},"return_run_details":true}`, Reply: runDetails},
				getRun(101, "completed", "success"),
			},
			want: DispatchWorkflowOutput{RunID: 101, RunURL: "https://ghe.example/acme/shop/actions/runs/101", Conclusion: "success"},
		},
		{
			name:   "no wait",
			input:  func(in *DispatchWorkflowInput) { in.Wait = &noWait },
			script: []exchange{listNewest, {Method: "POST", Path: dispatchPath, Body: dispatchFull, Reply: runDetails}},
			want:   DispatchWorkflowOutput{RunID: 101, RunURL: "https://ghe.example/acme/shop/actions/runs/101"},
		},
		{
			name:      "already dispatched by an earlier attempt: wait for its run, dispatch nothing",
			heartbeat: &dispatchProgress{BeforeRunID: 100, Dispatching: true, RunID: 101, RunURL: "https://ghe.example/acme/shop/actions/runs/101"},
			script:    []exchange{getRun(101, "completed", "success")},
			want:      DispatchWorkflowOutput{RunID: 101, RunURL: "https://ghe.example/acme/shop/actions/runs/101", Conclusion: "success", AlreadyInPlace: true},
		},
		{
			name:      "earlier attempt died after dispatching, before recording the run: find it, dispatch nothing",
			heartbeat: &dispatchProgress{BeforeRunID: 100, Dispatching: true},
			script:    []exchange{findRuns, getRun(102, "completed", "success")},
			want:      DispatchWorkflowOutput{RunID: 102, RunURL: "https://ghe.example/acme/shop/actions/runs/102", Conclusion: "success", AlreadyInPlace: true},
		},
		{
			name:      "earlier attempt died before its dispatch reached GitHub: dispatch after looking",
			heartbeat: &dispatchProgress{BeforeRunID: 100, Dispatching: true},
			script: append(repeat(findPolls, exchange{Method: "GET", Path: runsPath,
				Query: q("event", "workflow_dispatch", "branch", "main", "per_page", "50"),
				Reply: `{"total_count":1,"workflow_runs":[{"id":100}]}`}),
				exchange{Method: "POST", Path: dispatchPath, Body: dispatchFull, Reply: runDetails},
				getRun(101, "completed", "success")),
			want: DispatchWorkflowOutput{RunID: 101, RunURL: "https://ghe.example/acme/shop/actions/runs/101", Conclusion: "success"},
		},
		{
			name: "run concludes failure",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Reply: runDetails},
				getRun(101, "completed", "failure"),
			},
			wantErr: &errorWant{errType: ErrFailed, nonRetryable: true, contains: "concluded failure"},
		},
		{
			name:  "run outlasts the timeout",
			input: func(in *DispatchWorkflowInput) { in.Timeout = Duration(time.Nanosecond) },
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Reply: runDetails},
				getRun(101, "in_progress", ""),
			},
			wantErr: &errorWant{errType: ErrTimeout, nonRetryable: true, contains: "still in_progress"},
		},
		{
			name: "unknown workflow (404) is not retryable",
			script: []exchange{
				{Method: "GET", Path: runsPath, Query: q("per_page", "1"), Status: 404, Reply: `{"message":"Not Found"}`},
			},
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "404"},
		},
		{
			name: "workflow without workflow_dispatch (422) is not retryable",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Status: 422,
					Reply: `{"message":"Workflow does not have 'workflow_dispatch' trigger"}`},
			},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "workflow_dispatch' trigger"},
		},
		{
			name: "bad token (401) is not retryable",
			script: []exchange{
				{Method: "GET", Path: runsPath, Query: q("per_page", "1"), Status: 401, Reply: `{"message":"Bad credentials"}`},
			},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "Bad credentials"},
		},
		{
			name: "server error (502) is retryable",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Status: 502, Reply: `{"message":"Server Error"}`},
			},
			wantErr: &errorWant{contains: "502"},
		},
		{
			name: "429 with Retry-After is retryable after that delay",
			script: []exchange{
				listNewest,
				{Method: "POST", Path: dispatchPath, Body: dispatchFull, Status: 429,
					Header: map[string]string{"Retry-After": "7"}, Reply: `{"message":"Too Many Requests"}`},
			},
			wantErr: &errorWant{errType: ErrRateLimited, retryDelay: 7 * time.Second},
		},
		{
			name: "403 secondary rate limit with Retry-After is retryable after that delay",
			script: []exchange{
				{Method: "GET", Path: runsPath, Query: q("per_page", "1"), Status: 403,
					Header: map[string]string{"Retry-After": "30"},
					Reply:  `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`},
			},
			wantErr: &errorWant{errType: ErrRateLimited, retryDelay: 30 * time.Second},
		},
		{
			name: "403 primary rate limit is retryable after the reset",
			script: []exchange{
				{Method: "GET", Path: runsPath, Query: q("per_page", "1"), Status: 403,
					Header: map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
						"X-RateLimit-Reset": strconv.FormatInt(time.Now().Add(2*time.Minute).Unix(), 10)},
					Reply: `{"message":"API rate limit exceeded"}`},
			},
			wantErr: &errorWant{errType: ErrRateLimited, retryDelay: 2 * time.Minute},
		},
		{
			name:    "bad repo is bad input",
			input:   func(in *DispatchWorkflowInput) { in.Repo = "acme/shop/../../admin" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "want owner/name"},
		},
		{
			name:    "workflow path is bad input",
			input:   func(in *DispatchWorkflowInput) { in.Workflow = "../../../user" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "workflow"},
		},
		{
			name:    "missing idempotency key is bad input",
			input:   func(in *DispatchWorkflowInput) { in.IdempotencyKey = "" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "idempotency_key"},
		},
		{
			name:    "bad input name is bad input",
			input:   func(in *DispatchWorkflowInput) { in.Inputs = map[string]string{"a b": "x"} },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "input name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			env := newEnv(a)
			if tt.heartbeat != nil {
				env.SetHeartbeatDetails(*tt.heartbeat)
			}
			var mu sync.Mutex
			var beats []dispatchProgress
			env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
				mu.Lock()
				defer mu.Unlock()
				var p dispatchProgress
				if d.HasValues() && d.Get(&p) == nil {
					beats = append(beats, p)
				}
			})
			in := dispatchInput()
			if tt.input != nil {
				tt.input(&in)
			}
			val, err := env.ExecuteActivity(a.DispatchGitHubWorkflow, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got DispatchWorkflowOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
			if tt.wantFirstHeartbeat {
				mu.Lock()
				defer mu.Unlock()
				require.NotEmpty(t, beats)
				require.Equal(t, dispatchProgress{BeforeRunID: 100, Dispatching: true}, beats[0])
			}
		})
	}
}

func repeat(n int, x exchange) []exchange {
	out := make([]exchange, n)
	for i := range out {
		out[i] = x
	}
	return out
}

func TestDispatchWorkflowInputSummary(t *testing.T) {
	noWait := false
	tests := []struct {
		name string
		in   DispatchWorkflowInput
		want string
	}{
		{"waits", dispatchInput(), "dispatch GitHub workflow rollback.yml in acme/shop on main and wait for its conclusion"},
		{"no wait", DispatchWorkflowInput{Repo: "acme/shop", Workflow: "42", Ref: "v1\n2", Wait: &noWait},
			"dispatch GitHub workflow 42 in acme/shop on v1 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.Summary())
		})
	}
}
