package cli

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/workflows"
)

// expectUpdate makes the mock client accept one update and answer it with out, or fail with err
// before the update is sent.
func expectUpdate(t *testing.T, mc *mocks.Client, key, name string, req any, out workflows.Outcome, err error) {
	t.Helper()
	if err != nil {
		mc.On("UpdateWorkflow", mock.Anything, updateOptions(key, name, req)).Return(nil, err)
		return
	}
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.AnythingOfType("*workflows.Outcome")).
		Run(func(args mock.Arguments) { *args.Get(1).(*workflows.Outcome) = out }).
		Return(nil)
	mc.On("UpdateWorkflow", mock.Anything, updateOptions(key, name, req)).Return(handle, nil)
}

// updateCase is one run of a responder command: the error the update fails with, if any, and
// either what the command must print or the error it must return.
type updateCase struct {
	name      string
	updateErr error
	want      string
	wantErr   string
}

// testUpdateRun runs each case as a subtest in which alice acts on incident chk-1 through run,
// which wraps the shared options in the command's own. The mock client expects the update name
// with req, and answers it with out or fails it with the case's updateErr. A case with wantErr
// must return exactly that error and print nothing; any other must print want.
func testUpdateRun(t *testing.T, name string, req any, out workflows.Outcome, run func(context.Context, responderOptions) error, cases []updateCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, _ := testIO("")
			f, mc := mockFactory(t, io)
			expectUpdate(t, mc, "chk-1", name, req, out, tt.updateErr)

			err := run(context.Background(), responderOptions{IO: io, Starter: f.Starter, Key: "chk-1", As: "alice"})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.Empty(t, stdout.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, stdout.String())
		})
	}
}
