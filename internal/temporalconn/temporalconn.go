// Package temporalconn dials a Temporal cluster from command-line settings: address, namespace,
// mutual TLS and an API key.
package temporalconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// APIKeyEnv is the environment variable an API key is read from.
const APIKeyEnv = "TEMPORAL_API_KEY"

// Options say where a Temporal cluster is and how to authenticate to it.
type Options struct {
	Address   string // host:port; default "127.0.0.1:7233"
	Namespace string // default "default"
	TLSCert   string // client certificate file (PEM), with TLSKey for mutual TLS
	TLSKey    string
	TLSCA     string // CA bundle (PEM) to verify the server; system roots when empty
	TLSServer string // server name to verify, when it differs from the address's host
	APIKey    string // bearer API key; enables TLS
	// MetricsHandler receives the SDK's metrics; nil discards them.
	MetricsHandler client.MetricsHandler
}

// FromEnv fills APIKey from the environment when it is not set.
func (o Options) FromEnv() Options {
	if o.APIKey == "" {
		o.APIKey = os.Getenv(APIKeyEnv)
	}
	return o
}

func (o Options) validate() error {
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	return nil
}

// ClientOptions returns the SDK options for these settings.
func (o Options) ClientOptions(logger *slog.Logger) (client.Options, error) {
	if err := o.validate(); err != nil {
		return client.Options{}, err
	}
	opts := client.Options{HostPort: o.Address, Namespace: o.Namespace, MetricsHandler: o.MetricsHandler}
	if opts.HostPort == "" {
		opts.HostPort = "127.0.0.1:7233"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if isLoopback(opts.HostPort) {
		// The SDK gzips every request by default, and the server answers in kind. Bytes that
		// never leave the machine gain nothing from it: compressing and decompressing them took
		// about 5% of the CPU of an alert storm on the embedded server.
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if logger != nil {
		opts.Logger = sdklog.NewStructuredLogger(logger)
	}
	if o.TLSCert != "" || o.TLSCA != "" || o.APIKey != "" {
		tlsConfig := &tls.Config{ServerName: o.TLSServer, MinVersion: tls.VersionTLS12}
		if o.TLSCert != "" {
			cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
			if err != nil {
				return client.Options{}, fmt.Errorf("load client certificate: %w", err)
			}
			tlsConfig.Certificates = []tls.Certificate{cert}
		}
		if o.TLSCA != "" {
			pem, err := os.ReadFile(o.TLSCA)
			if err != nil {
				return client.Options{}, fmt.Errorf("read CA bundle: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return client.Options{}, fmt.Errorf("read CA bundle %s: no PEM certificates", o.TLSCA)
			}
			tlsConfig.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = tlsConfig
	}
	if o.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(o.APIKey)
	}
	return opts, nil
}

// isLoopback reports whether hostPort names this machine: localhost or a loopback address.
func isLoopback(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Dial connects to the cluster and checks that it answers.
func Dial(ctx context.Context, o Options, logger *slog.Logger) (client.Client, error) {
	opts, err := o.ClientOptions(logger)
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", opts.HostPort, err)
	}
	return c, nil
}
