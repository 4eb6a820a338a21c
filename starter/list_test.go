package starter_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/firebreak-dev/firebreak/starter"
)

func TestListFilterQuery(t *testing.T) {
	const base = "WorkflowType = 'Incident' AND ExecutionStatus != 'ContinuedAsNew'"
	cases := []struct {
		name    string
		filter  starter.ListFilter
		want    string
		wantErr string
	}{
		{"everything", starter.ListFilter{}, base, ""},
		{"all filters", starter.ListFilter{Status: "triggered", Severity: "sev1", Service: "checkout"},
			base + " AND IncidentStatus = 'triggered' AND IncidentSeverity = 'sev1' AND IncidentService = 'checkout'", ""},
		{"open", starter.ListFilter{Status: "open", Service: "checkout"},
			base + " AND IncidentStatus IN ('triggered', 'acknowledged') AND IncidentService = 'checkout'", ""},
		{"since, in UTC", starter.ListFilter{Since: time.Date(2026, 12, 1, 10, 30, 0, 5, time.FixedZone("CET", 3600))},
			base + " AND StartTime >= '2026-12-01T09:30:00.000000005Z'", ""},
		{"injection", starter.ListFilter{Service: "x' OR 1=1"}, "", `filter IncidentService: "x' OR 1=1" is not a valid value`},
		{"injection in the status", starter.ListFilter{Status: "open' OR 1=1"}, "", `filter IncidentStatus: "open' OR 1=1" is not a valid value`},
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

// visibility is a Temporal client whose ListWorkflow answers from total incidents, newest first,
// in pages of at most the size asked, and records the page sizes asked for. It calls nothing else.
type visibility struct {
	client.Client
	total int
	asked []int32
	// slowAbove, when set, answers every page larger than it with slowErr, as a busy server
	// runs out of the client's deadline.
	slowAbove int32
	slowErr   error
}

func (v *visibility) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	v.asked = append(v.asked, req.GetPageSize())
	if v.slowAbove > 0 && req.GetPageSize() > v.slowAbove {
		return nil, v.slowErr
	}
	from := 0
	if len(req.GetNextPageToken()) > 0 {
		from, _ = strconv.Atoi(string(req.GetNextPageToken()))
	}
	to := min(from+int(req.GetPageSize()), v.total)
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	for i := from; i < to; i++ {
		id := fmt.Sprintf("incident-i%05d", i)
		resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	}
	if to < v.total {
		resp.NextPageToken = []byte(strconv.Itoa(to))
	}
	return resp, nil
}

func TestListPages(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		limit     int
		wantRows  int
		wantAsked []int32
		wantErr   string
	}{
		{name: "one short page", total: 7, limit: 100, wantRows: 7, wantAsked: []int32{100}},
		{name: "default limit", total: 1000, limit: 0, wantRows: 100, wantAsked: []int32{100}},
		{name: "750 in pages", total: 1000, limit: 750, wantRows: 750, wantAsked: []int32{200, 200, 200, 150}},
		{name: "fewer than the limit", total: 450, limit: 750, wantRows: 450, wantAsked: []int32{200, 200, 200}},
		{name: "exactly a page", total: 200, limit: 200, wantRows: 200, wantAsked: []int32{200}},
		{name: "nothing", total: 0, limit: 10, wantRows: 0, wantAsked: []int32{10}},
		{name: "the maximum", total: 100_001, limit: starter.MaxListLimit, wantRows: starter.MaxListLimit},
		{name: "above the maximum", total: 10, limit: starter.MaxListLimit + 1, wantErr: "list incidents: limit 100001 is outside 1 to 100000"},
		{name: "negative", total: 10, limit: -1, wantErr: "list incidents: limit -1 is outside 1 to 100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &visibility{total: tt.total}
			rows, err := (&starter.Client{Temporal: v}).List(context.Background(), starter.ListFilter{Limit: tt.limit})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.Empty(t, v.asked, "nothing is asked of visibility")
				return
			}
			require.NoError(t, err)
			require.Len(t, rows, tt.wantRows)
			for i, r := range rows {
				if want := fmt.Sprintf("i%05d", i); r.Key != want {
					require.Equal(t, want, r.Key, "row %d: in visibility's order, none twice", i)
				}
			}
			if tt.wantAsked != nil {
				require.Equal(t, tt.wantAsked, v.asked)
			}
			for _, size := range v.asked {
				require.LessOrEqual(t, size, int32(200), "no page larger than the embedded server answers quickly")
			}
		})
	}
}

func TestListStopsOnAnEmptyPageWithAToken(t *testing.T) {
	mc := mocks.NewClient(t)
	mc.On("ListWorkflow", mock.Anything, mock.Anything).Return(
		&workflowservice.ListWorkflowExecutionsResponse{NextPageToken: []byte("again")}, nil).Once()
	rows, err := (&starter.Client{Temporal: mc}).List(context.Background(), starter.ListFilter{Limit: 500})
	require.NoError(t, err)
	require.Empty(t, rows)
}

func TestListFallsBackToSmallerPagesWhenVisibilityIsSlow(t *testing.T) {
	deadline := serviceerror.NewDeadlineExceeded("context deadline exceeded")
	tests := []struct {
		name      string
		slowAbove int32
		slowErr   error
		limit     int
		wantRows  int
		wantAsked []int32
		wantErr   string
	}{
		{
			name: "pages of 50 answer", slowAbove: 60, slowErr: context.DeadlineExceeded, limit: 150, wantRows: 150,
			wantAsked: []int32{150, 75, 37, 37, 37, 37, 2},
		},
		{
			name: "a gRPC deadline", slowAbove: 100, slowErr: deadline, limit: 750, wantRows: 750,
			wantAsked: []int32{200, 100, 100, 100, 100, 100, 100, 100, 50},
		},
		{
			name: "not even 25 answer", slowAbove: 10, slowErr: context.DeadlineExceeded, limit: 750,
			wantAsked: []int32{200, 100, 50, 25},
			wantErr:   "list incidents: visibility did not answer a page of 25 in time: context deadline exceeded",
		},
		{
			name: "other errors end the listing", slowAbove: 1, slowErr: serviceerror.NewUnavailable("visibility unavailable"), limit: 750,
			wantAsked: []int32{200},
			wantErr:   "list incidents: visibility unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &visibility{total: 1000, slowAbove: tt.slowAbove, slowErr: tt.slowErr}
			rows, err := (&starter.Client{Temporal: v}).List(context.Background(), starter.ListFilter{Limit: tt.limit})
			require.Equal(t, tt.wantAsked, v.asked)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, rows, tt.wantRows)
			for i, r := range rows {
				require.Equal(t, fmt.Sprintf("i%05d", i), r.Key)
			}
		})
	}
}
