package temporalconn_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/internal/temporalconn"
)

func TestClientOptions(t *testing.T) {
	badCA := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(badCA, []byte("not a certificate"), 0o600))
	cases := []struct {
		name    string
		opts    temporalconn.Options
		wantTLS bool
		wantErr string
	}{
		{name: "defaults", opts: temporalconn.Options{}},
		{name: "api key turns on TLS", opts: temporalconn.Options{APIKey: "k"}, wantTLS: true},
		{name: "cert without key", opts: temporalconn.Options{TLSCert: "c.pem"}, wantErr: "--tls-cert and --tls-key go together"},
		{name: "missing certificate", opts: temporalconn.Options{TLSCert: "nope.pem", TLSKey: "nope.key"}, wantErr: "load client certificate"},
		{name: "CA without certificates", opts: temporalconn.Options{TLSCA: badCA}, wantErr: "no PEM certificates"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.opts.ClientOptions(nil)
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "127.0.0.1:7233", got.HostPort)
			require.Equal(t, "default", got.Namespace)
			require.Equal(t, c.wantTLS, got.ConnectionOptions.TLS != nil)
			require.Equal(t, c.opts.APIKey != "", got.Credentials != nil)
		})
	}
}

func TestRequestsToThisMachineAreNotCompressed(t *testing.T) {
	cases := []struct {
		address  string
		compress bool
	}{
		{address: "", compress: false}, // 127.0.0.1:7233
		{address: "127.0.0.1:7233", compress: false},
		{address: "127.8.0.1:7233", compress: false},
		{address: "localhost:7233", compress: false},
		{address: "[::1]:7233", compress: false},
		{address: "10.0.0.5:7233", compress: true},
		{address: "temporal.example.com:7233", compress: true},
		{address: "myns.a1b2c.tmprl.cloud:7233", compress: true},
		{address: "localhost", compress: true}, // no port: the SDK's to judge, with its default
	}
	for _, c := range cases {
		t.Run(c.address, func(t *testing.T) {
			got, err := temporalconn.Options{Address: c.address}.ClientOptions(nil)
			require.NoError(t, err)
			if c.compress {
				require.Nil(t, got.ConnectionOptions.GrpcCompression, "the SDK's default: gzip")
			} else {
				require.IsType(t, &client.GrpcCompressionNone{}, got.ConnectionOptions.GrpcCompression)
			}
		})
	}
}

func TestFromEnvReadsTheAPIKey(t *testing.T) {
	t.Setenv(temporalconn.APIKeyEnv, "from-env")
	require.Equal(t, "from-env", temporalconn.Options{}.FromEnv().APIKey)
	require.Equal(t, "flag", temporalconn.Options{APIKey: "flag"}.FromEnv().APIKey)
}
