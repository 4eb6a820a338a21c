package hook

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{name: "missing", value: "", want: 0},
		{name: "seconds", value: "7", want: 7 * time.Second},
		{name: "fraction rounds up", value: "0.2", want: time.Second},
		{name: "http date", value: "Tue, 01 Dec 2026 10:00:42 GMT", want: 42 * time.Second},
		{name: "date in the past", value: "Tue, 01 Dec 2026 09:00:00 GMT", want: time.Second},
		{name: "negative", value: "-3", want: 0},
		{name: "absurd", value: "999999999", want: 0},
		{name: "garbage", value: "soon", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, RetryAfter(tt.value, now))
		})
	}
}

func TestNewRefusesABadURLWithoutShowingIt(t *testing.T) {
	_, err := New("ftp://hooks.example.test/s3cret", nil, 0)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret")
}
