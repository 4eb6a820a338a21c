package statuspage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/workflows"
)

const token = "s3cret-token"

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// fakeReader serves rows, states and summaries from memory and counts the calls.
type fakeReader struct {
	mu        sync.Mutex
	open      []Row
	resolved  []Row
	states    map[string]incident.State
	summaries map[string]workflows.Summary
	listErr   error
	// block, when set, holds every List until it is closed.
	block chan struct{}
	// hang makes State wait for its context to end.
	hang map[string]bool

	lists, queries atomic.Int32
	limits         []int
}

func (f *fakeReader) List(ctx context.Context, which Which, since time.Time, limit int) ([]Row, error) {
	f.lists.Add(1)
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits = append(f.limits, limit)
	if f.listErr != nil {
		return nil, f.listErr
	}
	rows := f.open
	if which == Resolved {
		rows = f.resolved
	}
	return rows[:min(len(rows), limit)], nil
}

func (f *fakeReader) State(ctx context.Context, key string) (incident.State, error) {
	f.queries.Add(1)
	if f.hang[key] {
		<-ctx.Done()
		return incident.State{}, ctx.Err()
	}
	s, ok := f.states[key]
	if !ok {
		return incident.State{}, errors.New("no such incident")
	}
	return s, nil
}

func (f *fakeReader) Summary(ctx context.Context, key string) (workflows.Summary, error) {
	s, ok := f.summaries[key]
	if !ok {
		return workflows.Summary{}, errNotCompleted
	}
	return s, nil
}

func ptr[T any](v T) *T { return &v }

// world is three open incidents (one public, one private, one not yet confirmed) and two closed
// ones (one resolved, one a false alarm).
func world() *fakeReader {
	confirmed := ptr(t0.Add(time.Minute))
	return &fakeReader{
		open: []Row{
			{Key: "checkout-aaaaaa", Title: "db-prod-3 connection pool exhausted", Service: "checkout", Severity: "sev1", Status: "acknowledged", Running: true, StartedAt: t0},
			{Key: "search-private", Title: "Leaked credentials in search logs", Service: "search", Severity: "sev1", Status: "triggered", Running: true, StartedAt: t0, Private: true},
			{Key: "reports-unconfirmed", Title: "Report export slow", Service: "reports", Severity: "sev3", Status: "triggered", Running: true, StartedAt: t0},
		},
		resolved: []Row{
			{Key: "search-old", Title: "Search index stale", Service: "search", Severity: "sev2", Status: "resolved", StartedAt: t0.Add(-72 * time.Hour)},
			{Key: "search-falsealarm", Title: "Flapping probe", Service: "search", Severity: "sev3", Status: "resolved", StartedAt: t0.Add(-48 * time.Hour)},
		},
		states: map[string]incident.State{
			"checkout-aaaaaa": {
				Key: "checkout-aaaaaa", Title: "db-prod-3 connection pool exhausted", Service: "checkout", Severity: incident.Sev1,
				Status: incident.StatusAcknowledged, Phase: incident.PhaseDelegate, StartedAt: t0, ConfirmedAt: confirmed,
				Roles:      map[incident.Role]string{incident.RoleCommander: "ana", incident.RoleCommunications: "bo"},
				Responders: []incident.Responder{{Person: "ana", Team: "payments", Level: 1, PagedAt: t0, AcknowledgedAt: confirmed}},
				Timeline:   []incident.Entry{{At: t0, Kind: "page", Text: "paged ana"}, {At: *confirmed, Kind: "ack", By: "ana", Text: "acknowledged"}},
				Messages: []incident.Message{
					{Audience: incident.AudienceInternal, At: *confirmed, Text: "Internal: db-prod-3 pool exhausted."},
					{Audience: incident.AudienceExternal, At: *confirmed, Text: "We are investigating an incident affecting Checkout."},
					{Audience: incident.AudienceExternal, At: t0.Add(10 * time.Minute), Text: "A fix is rolling out <script>alert(1)</script>."},
				},
			},
			"search-private": {
				Key: "search-private", Title: "Leaked credentials in search logs", Service: "search", Severity: incident.Sev1,
				Status: incident.StatusTriggered, StartedAt: t0, ConfirmedAt: confirmed, Private: true,
				Messages: []incident.Message{{Audience: incident.AudienceExternal, At: *confirmed, Text: "Secret update about credentials."}},
			},
			"reports-unconfirmed": {
				Key: "reports-unconfirmed", Title: "Report export slow", Service: "reports", Severity: incident.Sev3,
				Status: incident.StatusTriggered, StartedAt: t0,
			},
		},
		summaries: map[string]workflows.Summary{
			"search-old":        {Key: "search-old", Severity: incident.Sev2, StartedAt: t0.Add(-72 * time.Hour), ResolvedAt: t0.Add(-70 * time.Hour), Resolution: "reindexed"},
			"search-falsealarm": {Key: "search-falsealarm", Severity: incident.Sev3, ResolvedAt: t0.Add(-47 * time.Hour), Resolution: "false alarm: every alert resolved"},
		},
	}
}

// testConfig is the test organisation with the generic integration's token set.
func testConfig() *config.Config {
	cfg := configtest.Organisation()
	cfg.Alerts.Integrations = map[string]config.Integration{config.IntegrationGeneric: {Token: token}}
	cfg.StatusPage.Cache = config.Duration(5 * time.Second)
	return cfg
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newPage(t *testing.T, r Reader, opts ...func(*Options)) (*Page, *clock) {
	t.Helper()
	c := &clock{now: t0.Add(15 * time.Minute)}
	o := Options{Config: testConfig(), Reader: r, Now: c.Now, QueryTimeout: 200 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	p, err := New(o)
	require.NoError(t, err)
	return p, c
}

// get serves one request and returns the answer's code, headers and body.
func get(t *testing.T, h http.Handler, path string, header ...string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://status.test"+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, rec.Header(), string(body)
}

func TestPublicPageShowsOnlyWhatCustomersMaySee(t *testing.T) {
	p, _ := newPage(t, world())
	code, h, body := get(t, p, "/status")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"))
	require.Equal(t, "public, max-age=5", h.Get("Cache-Control"))
	require.Contains(t, h.Get("Content-Security-Policy"), "default-src 'none'")

	// The confirmed public incident, its public updates, the latest first, and its component.
	require.Contains(t, body, `id="incident-checkout-aaaaaa"`)
	require.Contains(t, body, "Incident affecting Checkout")
	require.Contains(t, body, "We are investigating an incident affecting Checkout.")
	require.Less(t, strings.Index(body, "A fix is rolling out"), strings.Index(body, "We are investigating an incident"))
	require.Contains(t, body, `<li id="component-checkout" data-status="major_outage"><span class="name">Checkout</span><span class="status major_outage">Major outage</span></li>`)
	require.Contains(t, body, `id="overall" class="overall major_outage">Major outage: we are working on it`)
	// A resolved incident of the last 90 days, but not the false alarm.
	require.Contains(t, body, `id="resolved-search-old"`)
	require.Contains(t, body, "resolved <time datetime=\"2026-11-27T11:00:00Z\">2026-11-27 11:00 UTC</time>")
	require.NotContains(t, body, "search-falsealarm")

	// The private incident, the unconfirmed one, the internal title and the internal message
	// are nowhere; their services are operational.
	for _, hidden := range []string{"search-private", "Leaked credentials", "Secret update", "reports-unconfirmed",
		"db-prod-3", "Internal:"} {
		require.NotContains(t, body, hidden)
	}
	require.Contains(t, body, `id="component-search" data-status="operational"`)
	require.Contains(t, body, `id="component-reports" data-status="operational"`)

	// Escaped, self-refreshing, no script.
	require.Contains(t, body, "A fix is rolling out &lt;script&gt;alert(1)&lt;/script&gt;.")
	require.NotContains(t, body, "<script")
	require.Contains(t, body, `<meta http-equiv="refresh" content="60">`)
}

func TestPublicJSON(t *testing.T) {
	p, _ := newPage(t, world())
	code, h, body := get(t, p, "/status.json")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "application/json", h.Get("Content-Type"))
	var v Public
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.Equal(t, StatusMajorOutage, v.Status)
	require.Equal(t, []Component{
		{ID: "checkout", Name: "Checkout", Status: StatusMajorOutage},
		{ID: "search", Name: "Search", Status: StatusOperational},
		{ID: "reports", Name: "Reports", Status: StatusOperational},
	}, v.Components)
	require.Len(t, v.Incidents, 1)
	in := v.Incidents[0]
	require.Equal(t, "checkout-aaaaaa", in.Key)
	require.Equal(t, "investigating", in.Status)
	require.Equal(t, []string{"A fix is rolling out <script>alert(1)</script>.", "We are investigating an incident affecting Checkout."},
		[]string{in.Updates[0].Text, in.Updates[1].Text})
	require.Len(t, v.Resolved, 1)
	require.Equal(t, "search-old", v.Resolved[0].Key)
	require.NotContains(t, body, "Leaked credentials")
	require.NotContains(t, body, "db-prod-3", "the internal title stays internal")
}

func TestFeed(t *testing.T) {
	p, _ := newPage(t, world())
	code, h, body := get(t, p, "/status/feed.atom")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "application/atom+xml; charset=utf-8", h.Get("Content-Type"))
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title   string `xml:"title"`
			ID      string `xml:"id"`
			Updated string `xml:"updated"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	require.NoError(t, xml.Unmarshal([]byte(body), &feed))
	require.Equal(t, "Example Corp status", feed.Title)
	require.Len(t, feed.Entries, 3, "two updates of the open incident, one for the resolved one")
	first := feed.Entries[0]
	require.Equal(t, "Incident affecting Checkout", first.Title)
	require.Equal(t, "A fix is rolling out &lt;script&gt;alert(1)&lt;/script&gt;.", first.Content, "HTML content, escaped once")
	require.Equal(t, "http://status.test/status#incident-checkout-aaaaaa", first.Link.Href)
	require.True(t, strings.HasPrefix(first.ID, "tag:status.test,2026-11-30:incident/checkout-aaaaaa/"), first.ID)
	require.Equal(t, "Incident affecting Search (resolved)", feed.Entries[2].Title)
	require.NotContains(t, body, "search-private")
	require.NotContains(t, body, "Secret update")
}

func TestFeedUsesTheConfiguredAddress(t *testing.T) {
	p, _ := newPage(t, world(), func(o *Options) { o.Config.StatusPage.URL = "https://status.example.com/" })
	_, _, body := get(t, p, "/status/feed.atom")
	require.Contains(t, body, `href="https://status.example.com/status#incident-checkout-aaaaaa"`)
	require.NotContains(t, body, "status.test")
}

func TestInternalPage(t *testing.T) {
	p, _ := newPage(t, world())
	basic := "Basic " + b64("anyone:"+token)
	for _, auth := range []string{"Bearer " + token, "bearer " + token, basic} {
		code, h, body := get(t, p, "/status/internal", "Authorization", auth)
		require.Equal(t, http.StatusOK, code, auth)
		require.Equal(t, "private, no-store", h.Get("Cache-Control"))
		require.Contains(t, body, "db-prod-3 connection pool exhausted")
		require.Contains(t, body, "<tr><th>commander</th><td>ana</td></tr>")
		require.Contains(t, body, "<tr><th>communications_lead</th><td>bo</td></tr>")
		require.Contains(t, body, "<tr><th>tech_lead</th><td>-</td></tr>")
		require.Contains(t, body, "<tr><td>ana</td><td>payments</td><td>1</td>")
		require.Contains(t, body, "paged ana")
		require.Contains(t, body, "Internal: db-prod-3 pool exhausted.")
		require.Contains(t, body, "Leaked credentials in search logs")
		require.Contains(t, body, `<span class="tag private">private</span>`)
		require.Contains(t, body, "Report export slow")
		require.Contains(t, body, `<meta name="robots" content="noindex, nofollow">`)
	}

	_, _, body := get(t, p, "/status/internal.json", "Authorization", "Bearer "+token)
	var v Internal
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.Len(t, v.Incidents, 3)
	require.Equal(t, []RoleHolder{{"commander", "ana"}, {"tech_lead", ""}, {"communications_lead", "bo"}}, v.Incidents[0].Roles)
	require.True(t, v.Incidents[1].Private)
	require.False(t, v.Incidents[2].Confirmed)
	require.Equal(t, StatusMajorOutage, v.Components[1].Status, "the internal page counts the private incident")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestInternalPageNeedsTheToken(t *testing.T) {
	cases := []struct {
		name, auth string
	}{
		{"none", ""},
		{"wrong bearer", "Bearer nope"},
		{"token as basic user", "Basic " + b64(token+":")},
		{"wrong basic", "Basic " + b64("x:nope")},
		{"not base64", "Basic !!!"},
		{"other scheme", "Token " + token},
	}
	p, _ := newPage(t, world())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, h, body := get(t, p, "/status/internal", "Authorization", tc.auth)
			require.Equal(t, http.StatusUnauthorized, code)
			require.Contains(t, h.Values("WWW-Authenticate"), `Basic realm="Firebreak internal status", charset="UTF-8"`)
			require.Contains(t, body, "bearer token of the generic integration")
			require.NotContains(t, body, "db-prod-3")
			require.NotContains(t, body, token)
		})
	}

	t.Run("no token configured", func(t *testing.T) {
		p, _ := newPage(t, world(), func(o *Options) { o.Config.Alerts.Integrations = nil })
		code, _, _ := get(t, p, "/status/internal", "Authorization", "Bearer ")
		require.Equal(t, http.StatusUnauthorized, code)
	})
}

func TestOneLookAnswersManyRequests(t *testing.T) {
	r := world()
	r.block = make(chan struct{})
	p, c := newPage(t, r)
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for range 50 {
		wg.Go(func() {
			code, _, _ := get(t, p, "/status")
			codes <- code
		})
	}
	require.Eventually(t, func() bool { return r.lists.Load() >= 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond) // let the other requests queue behind the first look
	close(r.block)
	wg.Wait()
	close(codes)
	for code := range codes {
		require.Equal(t, http.StatusOK, code)
	}
	require.Equal(t, int32(2), r.lists.Load(), "one look: open and resolved listed once for 50 requests")
	require.Equal(t, int32(3), r.queries.Load(), "each open incident queried once")

	get(t, p, "/status.json")
	get(t, p, "/status/internal", "Authorization", "Bearer "+token)
	require.Equal(t, int32(2), r.lists.Load(), "every view reads the same look")

	c.add(5 * time.Second)
	get(t, p, "/status")
	require.Equal(t, int32(4), r.lists.Load(), "a look older than the cache is taken again")
}

func TestTemporalDownIsA503(t *testing.T) {
	r := world()
	r.listErr = errors.New("connection refused")
	p, c := newPage(t, r)
	for _, tc := range []struct{ path, contentType, text string }{
		{"/status", "text/plain; charset=utf-8", "Temporal did not answer"},
		{"/status.json", "application/json", `{"error":"The status page cannot read incidents right now: Temporal did not answer.`},
		{"/status/feed.atom", "text/plain; charset=utf-8", "Temporal did not answer"},
	} {
		code, h, body := get(t, p, tc.path)
		require.Equal(t, http.StatusServiceUnavailable, code, tc.path)
		require.Equal(t, "5", h.Get("Retry-After"))
		require.Equal(t, tc.contentType, h.Get("Content-Type"))
		require.Contains(t, body, tc.text)
		require.NotContains(t, body, "connection refused", "the cause is logged, not shown")
	}
	require.Equal(t, int32(1), r.lists.Load(), "a failed look is cached too")

	code, _, _ := get(t, p, "/status/internal", "Authorization", "Bearer "+token)
	require.Equal(t, http.StatusServiceUnavailable, code)

	r.mu.Lock()
	r.listErr = nil
	r.mu.Unlock()
	c.add(5 * time.Second)
	code, _, _ = get(t, p, "/status")
	require.Equal(t, http.StatusOK, code, "the page recovers with Temporal")
}

func TestUnansweredQueryHidesTheIncidentFromCustomers(t *testing.T) {
	r := world()
	r.hang = map[string]bool{"checkout-aaaaaa": true}
	p, _ := newPage(t, r)
	start := time.Now()
	code, _, body := get(t, p, "/status")
	require.Equal(t, http.StatusOK, code)
	require.Less(t, time.Since(start), 2*time.Second, "the query's deadline bounds the page")
	require.NotContains(t, body, "checkout-aaaaaa", "without its state, nobody knows whether it is private")

	_, _, body = get(t, p, "/status/internal", "Authorization", "Bearer "+token)
	require.Contains(t, body, "db-prod-3 connection pool exhausted", "the internal page shows visibility's row")
	require.Contains(t, body, "state not available: no worker answered in time")
}

func TestListingIsBounded(t *testing.T) {
	r := &fakeReader{states: map[string]incident.State{}}
	for i := range 7 {
		key := "checkout-" + string(rune('a'+i))
		r.open = append(r.open, Row{Key: key, Service: "checkout", Status: "triggered", Running: true, StartedAt: t0})
		r.states[key] = incident.State{Key: key, Service: "checkout", ConfirmedAt: &t0}
	}
	p, _ := newPage(t, r, func(o *Options) { o.Config.StatusPage.MaxIncidents = 5 })
	_, _, body := get(t, p, "/status.json")
	var v Public
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.Len(t, v.Incidents, 5)
	require.Equal(t, []int{6, 5}, r.limits, "one more open incident than shown, to tell that there are more")
	_, _, body = get(t, p, "/status/internal", "Authorization", "Bearer "+token)
	require.Contains(t, body, "Open incidents (5, more not listed)")
	require.Equal(t, int32(5), r.queries.Load())
}

func TestNothingOpen(t *testing.T) {
	p, _ := newPage(t, &fakeReader{})
	_, _, body := get(t, p, "/status")
	require.Contains(t, body, "All systems operational")
	require.Contains(t, body, `<p id="no-incidents">No open incidents.</p>`)
	require.Contains(t, body, "No incidents in the last 90 days.")
}

func TestMethodsAndPaths(t *testing.T) {
	p, _ := newPage(t, &fakeReader{})
	code, _, _ := get(t, p, "/status/")
	require.Equal(t, http.StatusOK, code)
	code, _, _ = get(t, p, "/status/nope")
	require.Equal(t, http.StatusNotFound, code)
	req := httptest.NewRequest(http.MethodPost, "/status", nil)
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	req = httptest.NewRequest(http.MethodHead, "/status", nil)
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Empty(t, rec.Body.String())
}

func TestPrivateByMemoAloneIsHidden(t *testing.T) {
	r := world()
	r.open = append(r.open, Row{Key: "checkout-memo", Title: "Card data exposure", Service: "checkout", Severity: "sev1",
		Status: "triggered", Running: true, StartedAt: t0, Private: true})
	r.states["checkout-memo"] = incident.State{Key: "checkout-memo", Title: "Card data exposure", Service: "checkout",
		Severity: incident.Sev1, StartedAt: t0, ConfirmedAt: &t0,
		Messages: []incident.Message{{Audience: incident.AudienceExternal, At: t0, Text: "Card update."}}}
	r.resolved = append(r.resolved, Row{Key: "search-memo", Service: "search", Status: "resolved", StartedAt: t0, Private: true})
	r.summaries["search-memo"] = workflows.Summary{Key: "search-memo", ResolvedAt: t0, Resolution: "rotated keys"}
	p, _ := newPage(t, r)
	for _, path := range []string{"/status", "/status.json", "/status/feed.atom"} {
		_, _, body := get(t, p, path)
		for _, hidden := range []string{"checkout-memo", "Card data", "Card update", "search-memo"} {
			require.NotContains(t, body, hidden, path)
		}
	}
	_, _, body := get(t, p, "/status/internal", "Authorization", "Bearer "+token)
	require.Contains(t, body, "Card data exposure")
}
