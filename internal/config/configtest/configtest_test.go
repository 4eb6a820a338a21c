package configtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
)

func TestOrganisationIsValidAndFresh(t *testing.T) {
	a, b := configtest.Organisation(), configtest.Organisation()
	require.NotEmpty(t, a.People)
	a.People[0].Notify = []string{"changed"}
	require.NotEqual(t, a.People[0].Notify, b.People[0].Notify, "each call returns its own copy")
	require.Equal(t, config.ConsoleNotifier, b.Notifiers[0].ID)
}
