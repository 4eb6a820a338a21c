package cli

import (
	"testing"

	"github.com/stretchr/testify/mock"
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
