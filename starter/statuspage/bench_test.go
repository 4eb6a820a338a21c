package statuspage

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// benchReader is max_incidents open incidents, each with a timeline of 200 entries and 10
// public updates.
func benchReader(n int) *fakeReader {
	r := &fakeReader{states: map[string]incident.State{}}
	for i := range n {
		key := fmt.Sprintf("checkout-%04d", i)
		r.open = append(r.open, Row{Key: key, Service: "checkout", Status: "acknowledged", Running: true, StartedAt: t0})
		s := incident.State{Key: key, Title: "Checkout errors", Service: "checkout", Severity: incident.Sev2, ConfirmedAt: &t0,
			Status: incident.StatusAcknowledged, Roles: map[incident.Role]string{incident.RoleCommander: "ana"}}
		for j := range 200 {
			s.Timeline = append(s.Timeline, incident.Entry{At: t0.Add(time.Duration(j) * time.Second), Kind: "note", Text: "observation"})
		}
		for j := range 10 {
			s.Messages = append(s.Messages, incident.Message{Audience: incident.AudienceExternal, At: t0.Add(time.Duration(j) * time.Minute), Text: "We are on it."})
		}
		r.states[key] = s
	}
	return r
}

// BenchmarkCachedPublicPage is a page view while the look is fresh: no read, no rendering.
func BenchmarkCachedPublicPage(b *testing.B) {
	p, err := New(Options{Config: testConfig(), Reader: benchReader(50), Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/status", nil)
	p.ServeHTTP(httptest.NewRecorder(), req)
	b.ReportAllocs()
	for b.Loop() {
		p.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkLookAndRender is a page view after the cache expired, with 50 open incidents: the
// reads (from memory here) and rendering the public and internal pages.
func BenchmarkLookAndRender(b *testing.B) {
	cfg := testConfig()
	now := t0
	p, err := New(Options{Config: cfg, Reader: benchReader(50), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	pub := httptest.NewRequest(http.MethodGet, "/status", nil)
	internal := httptest.NewRequest(http.MethodGet, "/status/internal", nil)
	internal.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Minute)
		p.ServeHTTP(httptest.NewRecorder(), pub)
		p.ServeHTTP(httptest.NewRecorder(), internal)
	}
}
