package starter_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestNewKey(t *testing.T) {
	for _, service := range []string{"checkout", "Payments API", "", "ÜBER/service"} {
		key := starter.NewKey(service)
		require.NoError(t, workflows.ValidateKey(key), key)
	}
	require.NotEqual(t, starter.NewKey("x"), starter.NewKey("x"))
}
