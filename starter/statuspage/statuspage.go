// Package statuspage serves Firebreak's status page: /status for customers (the configured
// services and their state, open incidents with their public updates, and the incidents resolved
// in the last 90 days), /status/internal for responders (every open incident with its severity,
// roles, responders and timeline, behind an alert integration's bearer token), /status.json and
// an Atom feed at /status/feed.atom.
//
// Everything is read from Temporal's visibility and the incidents' state query: there is no
// second database. One look at Temporal answers every request for a few seconds, concurrent
// requests share it, every read has a deadline, and when Temporal does not answer the page says
// so with a 503. A private incident, or one not yet confirmed, never reaches the public views.
package statuspage

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/firebreak-dev/firebreak/internal/config"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one look at Temporal, every read included.
	DefaultTimeout = 10 * time.Second
	// DefaultQueryTimeout bounds one incident's state query or summary read.
	DefaultQueryTimeout = 3 * time.Second
	// DefaultConcurrency is how many incidents are read at once.
	DefaultConcurrency = 8
	// retryAfter is what a 503 asks clients to wait, in seconds.
	retryAfter = "5"
)

// Options configure a Page. Config and Reader are required; every other zero field is a safe
// default.
type Options struct {
	// Config gives the services, the status_page section and the token of the integration that
	// opens /status/internal.
	Config *config.Config
	Reader Reader
	Logger *slog.Logger
	// Timeout bounds one look at Temporal; default DefaultTimeout.
	Timeout time.Duration
	// QueryTimeout bounds one incident's read; default DefaultQueryTimeout.
	QueryTimeout time.Duration
	// Concurrency is how many incidents are read at once; default DefaultConcurrency.
	Concurrency int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Page is the status page's HTTP handler.
type Page struct {
	opts    Options
	cacheTo time.Duration
	mux     *http.ServeMux
	group   singleflight.Group

	mu     sync.Mutex
	cached *look
}

// look is one look at Temporal and what was rendered from it, kept for the cache's lifetime.
type look struct {
	at   time.Time
	snap *snapshot
	err  error

	mu       sync.Mutex
	rendered map[string][]byte
}

// New returns the status page for opts.
func New(opts Options) (*Page, error) {
	if opts.Config == nil || opts.Reader == nil {
		return nil, errors.New("status page: Config and Reader are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &Page{opts: opts, cacheTo: time.Duration(opts.Config.StatusPage.Cache), mux: http.NewServeMux()}
	if p.cacheTo <= 0 {
		p.cacheTo = config.DefaultStatusCache
	}
	p.mux.HandleFunc("GET /status", p.servePublic)
	p.mux.HandleFunc("GET /status/{$}", p.servePublic)
	p.mux.HandleFunc("GET /status.json", p.serveJSON)
	p.mux.HandleFunc("GET /status/feed.atom", p.serveFeed)
	p.mux.HandleFunc("GET /status/internal", p.serveInternal)
	p.mux.HandleFunc("GET /status/internal.json", p.serveInternal)
	return p, nil
}

// Paths lists the paths the page serves, for mounting it on a mux.
func Paths() []string {
	return []string{"/status", "/status/", "/status.json"}
}

// ServeHTTP serves the page's paths.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// current returns the cached look, or takes a new one when it is older than the cache's
// lifetime; concurrent callers share one look. A failed look is cached too, so that a Temporal
// that does not answer is not asked again by every request.
func (p *Page) current() *look {
	p.mu.Lock()
	if c := p.cached; c != nil && p.opts.Now().Sub(c.at) < p.cacheTo {
		p.mu.Unlock()
		return c
	}
	p.mu.Unlock()
	v, _, _ := p.group.Do("look", func() (any, error) {
		p.mu.Lock()
		if c := p.cached; c != nil && p.opts.Now().Sub(c.at) < p.cacheTo {
			p.mu.Unlock()
			return c, nil
		}
		p.mu.Unlock()
		// The look is shared: no one request's cancellation may end it.
		ctx, cancel := context.WithTimeout(context.Background(), p.opts.Timeout)
		defer cancel()
		snap, err := p.take(ctx)
		if err != nil {
			p.opts.Logger.Warn("status page: Temporal did not answer", "error", err)
		}
		l := &look{at: p.opts.Now(), snap: snap, err: err, rendered: map[string][]byte{}}
		p.mu.Lock()
		p.cached = l
		p.mu.Unlock()
		return l, nil
	})
	return v.(*look)
}

// take looks at Temporal: the open and the recently resolved incidents from visibility, then the
// state of each running one and the summary of each closed one, a few at a time.
func (p *Page) take(ctx context.Context) (*snapshot, error) {
	now := p.opts.Now()
	limit := p.opts.Config.StatusPage.MaxIncidents
	if limit <= 0 {
		limit = config.DefaultStatusMaxIncidents
	}
	open, err := p.opts.Reader.List(ctx, Open, time.Time{}, limit+1)
	if err != nil {
		return nil, err
	}
	resolved, err := p.opts.Reader.List(ctx, Resolved, now.Add(-HistoryWindow), limit)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{at: now.UTC(), truncated: len(open) > limit}
	open = open[:min(len(open), limit)]
	snap.open = make([]looked, len(open))
	snap.resolved = make([]looked, len(resolved))
	sem := make(chan struct{}, p.opts.Concurrency)
	var wg sync.WaitGroup
	read := func(dst *looked, row Row) {
		dst.row = row
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			qctx, cancel := context.WithTimeout(ctx, p.opts.QueryTimeout)
			defer cancel()
			var err error
			if row.Running {
				st, e := p.opts.Reader.State(qctx, row.Key)
				if e == nil {
					dst.state = &st
				}
				err = e
			} else {
				sum, e := p.opts.Reader.Summary(qctx, row.Key)
				if e == nil {
					dst.summary = &sum
				}
				err = e
			}
			if err != nil {
				dst.problem = "state not available: no worker answered in time"
				p.opts.Logger.Debug("status page: read incident", "incident", row.Key, "error", err)
			}
		})
	}
	for i, row := range open {
		read(&snap.open[i], row)
	}
	for i, row := range resolved {
		read(&snap.resolved[i], row)
	}
	wg.Wait()
	return snap, nil
}

// maxRendered bounds what one look keeps rendered: the feed is rendered per address the
// requests came to, and the Host header is the client's to choose.
const maxRendered = 16

// render returns what name renders from the look, rendering it once per look.
func (l *look) render(name string, fn func() ([]byte, error)) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.rendered[name]; ok {
		return b, nil
	}
	b, err := fn()
	if err != nil {
		return nil, err
	}
	if len(l.rendered) < maxRendered {
		l.rendered[name] = b
	}
	return b, nil
}

// unavailable answers 503 when Temporal did not answer, in the format the path serves.
func (p *Page) unavailable(w http.ResponseWriter, contentType string) {
	const text = "The status page cannot read incidents right now: Temporal did not answer. It will try again in a few seconds."
	w.Header().Set("Retry-After", retryAfter)
	w.Header().Set("Cache-Control", "no-store")
	switch contentType {
	case contentJSON:
		w.Header().Set("Content-Type", contentJSON)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "{\"error\":%q}\n", text)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, text)
	}
}

// Content types the page answers with.
const (
	contentHTML = "text/html; charset=utf-8"
	contentJSON = "application/json"
	contentAtom = "application/atom+xml; charset=utf-8"
)

// write answers 200 with a rendered body and the headers every answer carries: no scripts, no
// framing, no sniffing.
func (p *Page) write(w http.ResponseWriter, r *http.Request, contentType, cacheControl string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// publicCache is the Cache-Control of the public views: shared caches may keep them as long as
// the page does.
func (p *Page) publicCache() string {
	return fmt.Sprintf("public, max-age=%d", int(p.cacheTo.Seconds()))
}

func (p *Page) servePublic(w http.ResponseWriter, r *http.Request) {
	l := p.current()
	if l.err != nil {
		p.unavailable(w, contentHTML)
		return
	}
	body, err := l.render("public.html", func() ([]byte, error) {
		return renderHTML("public.html", p.opts.Config, publicView(p.opts.Config, l.snap))
	})
	if err != nil {
		p.fail(w, err)
		return
	}
	p.write(w, r, contentHTML, p.publicCache(), body)
}

func (p *Page) serveJSON(w http.ResponseWriter, r *http.Request) {
	l := p.current()
	if l.err != nil {
		p.unavailable(w, contentJSON)
		return
	}
	body, err := l.render("public.json", func() ([]byte, error) { return renderJSON(publicView(p.opts.Config, l.snap)) })
	if err != nil {
		p.fail(w, err)
		return
	}
	p.write(w, r, contentJSON, p.publicCache(), body)
}

func (p *Page) serveFeed(w http.ResponseWriter, r *http.Request) {
	l := p.current()
	if l.err != nil {
		p.unavailable(w, contentAtom)
		return
	}
	base := p.baseURL(r)
	body, err := l.render("feed.atom "+base, func() ([]byte, error) {
		return renderFeed(base, publicView(p.opts.Config, l.snap))
	})
	if err != nil {
		p.fail(w, err)
		return
	}
	p.write(w, r, contentAtom, p.publicCache(), body)
}

func (p *Page) serveInternal(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Firebreak internal status", charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="Firebreak internal status"`)
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, fmt.Sprintf("the internal status page needs the bearer token of the %s integration "+
			"(Authorization: Bearer <token>, or the token as the password of basic authentication)",
			p.opts.Config.StatusPage.InternalIntegration), http.StatusUnauthorized)
		return
	}
	asJSON := strings.HasSuffix(r.URL.Path, ".json")
	l := p.current()
	if l.err != nil {
		p.unavailable(w, map[bool]string{true: contentJSON, false: contentHTML}[asJSON])
		return
	}
	view := func() Internal { return internalView(p.opts.Config, l.snap) }
	name, contentType, fn := "internal.html", contentHTML, func() ([]byte, error) {
		return renderHTML("internal.html", p.opts.Config, view())
	}
	if asJSON {
		name, contentType, fn = "internal.json", contentJSON, func() ([]byte, error) { return renderJSON(view()) }
	}
	body, err := l.render(name, fn)
	if err != nil {
		p.fail(w, err)
		return
	}
	p.write(w, r, contentType, "private, no-store", body)
}

// fail answers 500 for a page that did not render; the cause is logged, not shown.
func (p *Page) fail(w http.ResponseWriter, err error) {
	p.opts.Logger.Error("status page: render", "error", err)
	http.Error(w, "the status page could not be rendered", http.StatusInternalServerError)
}

// authorized reports whether r carries the internal integration's token, as a bearer token or
// as the password of basic authentication. Without a configured token nobody is.
func (p *Page) authorized(r *http.Request) bool {
	token := p.opts.Config.AlertSettings().Integrations[p.opts.Config.StatusPage.InternalIntegration].BearerToken()
	if token == "" {
		return false
	}
	given := ""
	auth := r.Header.Get("Authorization")
	if rest, ok := cutPrefixFold(auth, "Bearer "); ok {
		given = strings.TrimSpace(rest)
	} else if rest, ok := cutPrefixFold(auth, "Basic "); ok {
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if _, password, found := bytes.Cut(decoded, []byte(":")); err == nil && found {
			given = string(password)
		}
	}
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1
}

// cutPrefixFold is strings.CutPrefix with the prefix matched without regard to case, as HTTP's
// authentication schemes are.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// baseURL is the page's public address: the configured one, or the one the request came to.
func (p *Page) baseURL(r *http.Request) string {
	if u := p.opts.Config.StatusPage.URL; u != "" {
		return strings.TrimRight(u, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
