// Package githubapi holds what Firebreak's GitHub integrations share: a go-github client for
// github.com or GitHub Enterprise Server whose response bodies are bounded, and the
// classification of go-github's errors into Temporal application errors whose types workflows
// and retry policies match.
package githubapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/httplimit"
)

const (
	// DefaultBaseURL is the REST API of github.com.
	DefaultBaseURL = "https://api.github.com/"
	// maxResponseBytes bounds every response body read from GitHub. The largest answers the
	// integrations read, a recursive tree or a page of 100 issues, are at most about 7 MB.
	maxResponseBytes = 16 << 20
)

// ErrBodyTooLarge is what reading a response body longer than 16 MB returns.
var ErrBodyTooLarge = errors.New("response body exceeds 16 MB")

// ClientConfig configures NewClient. Every field but Token has a safe zero value.
type ClientConfig struct {
	// Token authenticates every request. It appears in no error.
	Token string
	// BaseURL is the REST API's base URL: DefaultBaseURL when empty, or https://HOST/api/v3/
	// for GitHub Enterprise Server. A missing trailing slash is added.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with Timeout. It is copied, not changed.
	HTTPClient *http.Client
	// Timeout bounds each request when HTTPClient is nil.
	Timeout time.Duration
}

// NewClient returns a go-github client that authenticates with cfg.Token, talks to
// cfg.BaseURL, says it is firebreak and fails the read of any response body longer than
// 16 MB with ErrBodyTooLarge. The base URL must be an absolute http or https URL without
// credentials or query; the error, when it is not, shows the URL without its password.
func NewClient(cfg ClientConfig) (*gh.Client, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("parse GitHub base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, fmt.Errorf("validate GitHub base URL %s: want an absolute http or https URL without credentials or query", u.Redacted())
	}
	hc := &http.Client{Timeout: cfg.Timeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = limitTransport{next: next}
	client := gh.NewClient(hc).WithAuthToken(cfg.Token)
	client.BaseURL = u
	client.UserAgent = "firebreak"
	return client, nil
}

// limitTransport fails the read of any response body longer than maxResponseBytes.
type limitTransport struct{ next http.RoundTripper }

// RoundTrip sends r and limits the body of its response.
func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = httplimit.Body(resp.Body, maxResponseBytes, ErrBodyTooLarge)
	return resp, nil
}
