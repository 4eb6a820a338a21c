package service_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/internal/service"
)

type health struct{ err error }

func (h health) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, h.err
}

func TestHandler(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "firebreak_up 1\n") })
	cases := []struct {
		name, method, path string
		temporal           error
		wantCode           int
		wantBody           string
	}{
		{"healthy", http.MethodGet, "/healthz", nil, http.StatusOK, "ok\n"},
		{"temporal down", http.MethodGet, "/healthz", errors.New("connection refused"), http.StatusServiceUnavailable, "temporal unreachable: connection refused\n"},
		{"metrics", http.MethodGet, "/metrics", nil, http.StatusOK, "firebreak_up 1\n"},
		{"wrong method", http.MethodPost, "/healthz", nil, http.StatusMethodNotAllowed, ""},
		{"unknown path", http.MethodGet, "/nope", nil, http.StatusNotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			service.NewHandler(health{c.temporal}, metrics).ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			require.Equal(t, c.wantCode, rec.Code)
			if c.wantBody != "" {
				require.Equal(t, c.wantBody, rec.Body.String())
			}
		})
	}
}
