package alerts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readFixture returns the contents of testdata/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// mustTime parses an RFC 3339 time for a test.
func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return ts
}

// checkInvariants fails the test unless every alert has a fingerprint, a group key and a valid
// status, and keeps every limit of Bound: what the handlers rely on.
func checkInvariants(t testing.TB, alerts []Alert) {
	t.Helper()
	for i, a := range alerts {
		if a.Fingerprint == "" || a.GroupKey == "" || !validStatus(a.Status) || a.Source == "" {
			t.Fatalf("alert %d breaks an invariant: %+v", i, a)
		}
		checkLimits(t, a)
	}
}

func TestLabelsFingerprint(t *testing.T) {
	// Values from prometheus/common model.LabelsToSignature, which Alertmanager's fingerprints use.
	tests := []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{name: "empty", labels: map[string]string{}, want: "cbf29ce484222325"},
		{name: "two labels", labels: map[string]string{"name": "garland, briggs", "fear": "love is not enough"}, want: "507a62d79ee76c9a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, labelsFingerprint(tt.labels))
		})
	}
}

func TestAlertJSON(t *testing.T) {
	a := Alert{Source: SourceGeneric, Fingerprint: "k", GroupKey: "k", Status: Firing, Title: "t",
		StartsAt: mustTime(t, "2026-03-01T12:00:00Z")}
	b, err := json.Marshal(a)
	require.NoError(t, err)
	require.JSONEq(t, `{"source":"generic","fingerprint":"k","group_key":"k","status":"firing","title":"t","starts_at":"2026-03-01T12:00:00Z"}`, string(b))
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{name: "empty", body: "  ", want: "empty body"},
		{name: "syntax", body: `{"a": 1,}`, want: "invalid JSON at byte 9"},
		{name: "truncated", body: `{"a": `, want: "invalid JSON: unexpected end of input"},
		{name: "trailing value", body: `{"a": 1} {"a": 2}`, want: "invalid JSON: unexpected data after the top-level value"},
		{name: "wrong type", body: `{"a": "x"}`, want: "a: cannot use JSON string as int"},
		{name: "unknown field", body: `{"b": 1}`, want: `unknown field "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				A int `json:"a"`
			}
			err := decodeJSON([]byte(tt.body), &v, true)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
