package service

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/starter/ingest"
)

func TestHTTPLimitsWithDefaults(t *testing.T) {
	cases := []struct {
		name   string
		limits HTTPLimits
		want   HTTPLimits
		err    string
	}{
		{
			name:   "zero is every default",
			limits: HTTPLimits{},
			want: HTTPLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute,
				IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10, MaxUnauthenticated: ingest.DefaultMaxUnauthenticated},
		},
		{
			name:   "set fields are kept",
			limits: HTTPLimits{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxUnauthenticated: 3},
			want: HTTPLimits{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Minute,
				IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10, MaxUnauthenticated: 3},
		},
		{name: "a negative timeout", limits: HTTPLimits{ReadTimeout: -time.Second}, err: "check HTTP limits: ReadTimeout must not be negative, got -1s"},
		{name: "a negative count", limits: HTTPLimits{MaxUnauthenticated: -1}, err: "check HTTP limits: MaxHeaderBytes and MaxUnauthenticated must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.limits.withDefaults()
			if c.err != "" {
				require.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestStartRefusesNegativeHTTPLimits(t *testing.T) {
	_, err := Start(context.Background(), Options{HTTP: HTTPLimits{IdleTimeout: -time.Minute}})
	require.EqualError(t, err, "check HTTP limits: IdleTimeout must not be negative, got -1m0s")
}
