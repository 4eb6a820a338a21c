// Package configtest gives tests an organisation of their own: people, teams with rotations,
// services and working hours that tests may rely on, independent of the example configuration
// users read and edit.
package configtest

import (
	_ "embed"
	"fmt"

	"github.com/firebreak-dev/firebreak/internal/config"
)

//go:embed organisation.yaml
var organisation []byte

// Organisation returns a fresh copy of the test organisation's configuration. The file is
// embedded and checked by this package's test, so a parse error is a broken build: it panics.
func Organisation() *config.Config {
	c, err := config.Parse("configtest/organisation.yaml", organisation)
	if err != nil {
		panic(fmt.Sprintf("parse the test organisation: %v", err))
	}
	return c
}
