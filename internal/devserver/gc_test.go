package devserver

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTuneGCRaisesTheTargetUnlessGOGCIsSet(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want int
	}{
		{name: "GOGC unset", env: map[string]string{}, want: gcPercent},
		{name: "GOGC set", env: map[string]string{"GOGC": "100"}, want: 100},
		{name: "GOGC set to off", env: map[string]string{"GOGC": "off"}, want: 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := debug.SetGCPercent(100) // as the runtime starts without GOGC
			t.Cleanup(func() { debug.SetGCPercent(before) })

			tuneGC(func(key string) (string, bool) { v, ok := c.env[key]; return v, ok })

			require.Equal(t, c.want, debug.SetGCPercent(100), "the target after tuneGC")
		})
	}
}
