package starter_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

func TestListFilterQuery(t *testing.T) {
	cases := []struct {
		name    string
		filter  starter.ListFilter
		want    string
		wantErr string
	}{
		{"everything", starter.ListFilter{}, "WorkflowType = 'Incident'", ""},
		{"all filters", starter.ListFilter{Status: "triggered", Severity: "sev1", Service: "checkout"},
			"WorkflowType = 'Incident' AND IncidentStatus = 'triggered' AND IncidentSeverity = 'sev1' AND IncidentService = 'checkout'", ""},
		{"injection", starter.ListFilter{Service: "x' OR 1=1"}, "", `filter IncidentService: "x' OR 1=1" is not a valid value`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.filter.Query()
			if c.wantErr != "" {
				require.EqualError(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestNewKey(t *testing.T) {
	for _, service := range []string{"checkout", "Payments API", "", "ÜBER/service"} {
		key := starter.NewKey(service)
		require.NoError(t, workflows.ValidateKey(key), key)
	}
	require.NotEqual(t, starter.NewKey("x"), starter.NewKey("x"))
}
