package cli

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewCmdScheduleValidate(t *testing.T) {
	testParse(t, newCmdScheduleValidate, []parseCase[scheduleValidateOptions]{
		{name: "the built-in example", args: nil, want: scheduleValidateOptions{}},
		{name: "a file", args: []string{"firebreak.yaml"}, want: scheduleValidateOptions{Path: "firebreak.yaml"}},
		{name: "a comparison", args: []string{"new.yaml", "--compare", "firebreak.yaml"}, want: scheduleValidateOptions{Path: "new.yaml", Compare: "firebreak.yaml"}},
		{name: "two files", args: []string{"a.yaml", "b.yaml"}, wantErr: "accepts at most 1 arg(s), received 2"},
	}, func(_ *testing.T, o *scheduleValidateOptions) { o.IO = IOStreams{} })
}

func TestScheduleValidateRun(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		compare string
		want    string
		wantErr string
	}{
		{
			name: "valid, with a warning of the nights and weekends nobody covers",
			path: oncallConfig,
			want: "ok  office    1 layer: office hours  teams: support\n" +
				"ok  payments  1 layer: rotation      teams: payments\n" +
				"warning: schedule office has nobody on call from 2026-12-01 17:00Z to 2026-12-02 09:00Z and 9 more times in the next 14 days: " +
				"pages to its teams then reach nobody unless an override covers them\n",
		},
		{
			name: "every problem with its line",
			path: filepath.Join("testdata", "config", "schedules_bad.yaml"),
			want: `testdata/config/schedules_bad.yaml:9: schedules[0].layers[0].rotation.participants[1]: unknown person "bobby"` + "\n" +
				`testdata/config/schedules_bad.yaml:11: schedules[0].layers[0].rotation.time_zone: unknown time zone "Europe/Rom": want an IANA name such as Europe/Rome or UTC` + "\n",
			wantErr: "2 problems in testdata/config/schedules_bad.yaml",
		},
		{
			name:    "an edit that changes who is on call now",
			path:    filepath.Join("testdata", "config", "oncall_edited.yaml"),
			compare: oncallConfig,
			want: "ok  office    1 layer: office hours  teams: support\n" +
				"ok  payments  1 layer: rotation      teams: payments\n" +
				"warning: schedule office has nobody on call from 2026-12-01 17:00Z to 2026-12-02 09:00Z and 9 more times in the next 14 days: " +
				"pages to its teams then reach nobody unless an override covers them\n" +
				"warning: schedule office puts dan on call now instead of carol; to make the change later, keep the old layer with an end: at a handoff and add the new layer with that start:\n",
		},
		{name: "an edit compared with itself", path: oncallConfig, compare: oncallConfig,
			want: "ok  office    1 layer: office hours  teams: support\n" +
				"ok  payments  1 layer: rotation      teams: payments\n" +
				"warning: schedule office has nobody on call from 2026-12-01 17:00Z to 2026-12-02 09:00Z and 9 more times in the next 14 days: " +
				"pages to its teams then reach nobody unless an override covers them\n"},
		{name: "no file", path: filepath.Join("testdata", "config", "missing.yaml"), wantErr: "read config: open testdata/config/missing.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, stdout, _ := testIO("")
			err := scheduleValidateRun(context.Background(), &scheduleValidateOptions{IO: io, Path: tt.path, Compare: tt.compare, Now: func() time.Time { return testNow }})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.want, stdout.String())
		})
	}
}

func TestScheduleValidateExample(t *testing.T) {
	io, stdout, _ := testIO("")
	require.NoError(t, scheduleValidateRun(context.Background(), &scheduleValidateOptions{IO: io, Now: func() time.Time { return testNow }}))
	require.Contains(t, stdout.String(), "ok  payments")
	require.NotContains(t, stdout.String(), "warning")
}
