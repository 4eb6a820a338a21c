package githubapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		want    string
		wantErr string
	}{
		{name: "github.com by default", want: "https://api.github.com/"},
		{name: "enterprise gets its trailing slash", base: "https://ghe.example/api/v3", want: "https://ghe.example/api/v3/"},
		{name: "credentials", base: "https://user:pw@ghe.example/api/v3",
			wantErr: "validate GitHub base URL https://user:xxxxx@ghe.example/api/v3/: want an absolute http or https URL without credentials or query"},
		{name: "relative", base: "ghe.example/api/v3", wantErr: "want an absolute http or https URL"},
		{name: "query", base: "https://ghe.example/api/v3?x=1", wantErr: "without credentials or query"},
		{name: "other scheme", base: "ftp://ghe.example/", wantErr: "want an absolute http or https URL"},
		{name: "unparsable", base: "https://ghe example/", wantErr: "parse GitHub base URL: invalid character \" \" in host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(ClientConfig{Token: "t0ken", BaseURL: tt.base})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), "pw")
				require.NotContains(t, err.Error(), "t0ken")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, c.BaseURL.String())
		})
	}
}

func TestNewClientRequests(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"login":"firebreak"}`)
	}))
	t.Cleanup(srv.Close)
	given := &http.Client{Timeout: time.Minute}
	c, err := NewClient(ClientConfig{Token: "t0ken", BaseURL: srv.URL + "/api/v3", HTTPClient: given})
	require.NoError(t, err)
	user, _, err := c.Users.Get(context.Background(), "")
	require.NoError(t, err)
	require.Equal(t, "firebreak", user.GetLogin())
	require.Equal(t, "/api/v3/user", got.URL.Path)
	require.Equal(t, "Bearer t0ken", got.Header.Get("Authorization"))
	require.Equal(t, "firebreak", got.Header.Get("User-Agent"))
	require.Nil(t, given.Transport, "the caller's client is copied, not changed")

	c, err = NewClient(ClientConfig{Token: "t0ken", Timeout: 3 * time.Second})
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, c.Client().Timeout)
}

func TestNewClientBoundsTheBody(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{name: "at the limit", size: maxResponseBytes},
		{name: "over the limit", size: maxResponseBytes + 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A JSON string of size bytes in all: the quotes and size-2 letters.
			body := `"` + strings.Repeat("a", tt.size-2) + `"`
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			c, err := NewClient(ClientConfig{Token: "t", BaseURL: srv.URL})
			require.NoError(t, err)
			req, err := c.NewRequest(http.MethodGet, "big", nil)
			require.NoError(t, err)
			var s string
			_, err = c.Do(context.Background(), req, &s)
			if !tt.wantErr {
				require.NoError(t, err)
				require.Len(t, s, tt.size-2)
				return
			}
			require.ErrorIs(t, err, ErrBodyTooLarge)
			var app *temporal.ApplicationError
			require.True(t, errors.As(Classify("read big", err), &app))
			require.Equal(t, ErrRejected, app.Type())
			require.True(t, app.NonRetryable())
		})
	}
}
