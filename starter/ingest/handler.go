package ingest

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds how long a request waits for routing and Temporal.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxUnauthenticated bounds the signed requests being read and verified at once.
	DefaultMaxUnauthenticated = 64
	// SignatureWindow is how far the X-Firebreak-Timestamp of a signed request may be from
	// Firebreak's clock; a signature is accepted once within it.
	SignatureWindow = 5 * time.Minute
	// busyRetry is the Retry-After of a request refused because the server is busy.
	busyRetry = "1"
	// maxErrorBytes bounds the error text of an answer.
	maxErrorBytes = 1024
)

// Options configure the ingestion handlers. The zero value of every field but Config, Router,
// Submitter and SNS is a safe default.
type Options struct {
	// Config gives each integration's credentials and the largest body accepted.
	Config    AlertSettings
	Router    *Router
	Submitter *Submitter
	// SNS verifies SNS signatures and confirms subscriptions.
	SNS *alerts.SNSVerifier
	// Timeout bounds how long a request waits for routing and Temporal before answering 503;
	// default DefaultTimeout.
	Timeout time.Duration
	Logger  *slog.Logger
	// Now is the clock for HMAC timestamps; nil means time.Now.
	Now func() time.Time
	// MaxUnauthenticated bounds the requests that are being authenticated at once: signed
	// requests, whose body must be read before their signature can be checked. A request beyond
	// it is answered 503 with Retry-After at once. Default DefaultMaxUnauthenticated.
	MaxUnauthenticated int
	// MaxSignatures bounds the signatures remembered so that each is accepted once; when that
	// many unexpired signatures are remembered, new signed requests are answered 503 until some
	// expire. Default DefaultMaxSignatures.
	MaxSignatures int
}

// AlertSettings gives the alerts section of the configuration. *config.Config implements it.
type AlertSettings interface {
	AlertSettings() config.Alerts
}

// Handler serves POST /v1/alerts/alertmanager, /v1/alerts/sns and /v1/alerts/generic.
type Handler struct {
	opts Options
	mux  *http.ServeMux
	// authenticating holds a token for each request being authenticated (see
	// Options.MaxUnauthenticated).
	authenticating chan struct{}
	replays        *replayGuard
}

// NewHandler returns the ingestion handlers.
func NewHandler(opts Options) *Handler {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxUnauthenticated <= 0 {
		opts.MaxUnauthenticated = DefaultMaxUnauthenticated
	}
	if opts.MaxSignatures <= 0 {
		opts.MaxSignatures = DefaultMaxSignatures
	}
	h := &Handler{
		opts: opts, mux: http.NewServeMux(),
		authenticating: make(chan struct{}, opts.MaxUnauthenticated),
		replays:        newReplayGuard(opts.MaxSignatures),
	}
	h.mux.HandleFunc("POST /v1/alerts/alertmanager", h.alertmanager)
	h.mux.HandleFunc("POST /v1/alerts/sns", h.sns)
	h.mux.HandleFunc("POST /v1/alerts/generic", h.generic)
	h.mux.Handle("POST /v2/enqueue", newPagerDuty(h))
	h.mux.HandleFunc("POST /v1/heartbeats/{name}", h.heartbeat)
	return h
}

// ServeHTTP routes a request to its integration.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Response is the JSON answer to an accepted request.
type Response struct {
	Accepted  int      `json:"accepted"`
	Ignored   int      `json:"ignored"`
	Incidents []string `json:"incidents"`
	// Truncated counts the alerts of the request beyond alerts.MaxAlertsPerRequest, which were
	// left out.
	Truncated int `json:"truncated,omitempty"`
}

// problem is an error with the HTTP status it answers. msg is for the sender, in its terms;
// cause, when set, is what went wrong inside, for the log only.
type problem struct {
	status int
	msg    string
	cause  error
	// retryAfter is the Retry-After of the answer, in seconds; empty for none.
	retryAfter string
	// unread says the request's body was not read: the answer closes the connection rather than
	// wait for a body nobody will read.
	unread bool
}

func (p *problem) Error() string { return p.msg }

func fail(status int, format string, args ...any) *problem {
	p := &problem{status: status, msg: fmt.Sprintf(format, args...)}
	if status == http.StatusServiceUnavailable {
		p.retryAfter = "5"
	}
	return p
}

// unavailable is a 503 whose cause is logged and never shown: the sender reads msg and retries.
func unavailable(cause error, format string, args ...any) *problem {
	p := fail(http.StatusServiceUnavailable, format, args...)
	p.cause = cause
	return p
}

// refused is a problem answered before the request's body was read.
func refused(status int, format string, args ...any) *problem {
	p := fail(status, format, args...)
	p.unread = true
	return p
}

func (h *Handler) alertmanager(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, config.IntegrationAlertmanager, []string{"application/json"}, func(_ context.Context, body []byte) ([]incident.Alert, *problem) {
		list, err := alerts.ParseAlertmanager(body)
		if err != nil {
			return nil, fail(http.StatusBadRequest, "%v", err)
		}
		return list, nil
	})
}

func (h *Handler) generic(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, config.IntegrationGeneric, []string{"application/json"}, func(_ context.Context, body []byte) ([]incident.Alert, *problem) {
		list, err := alerts.ParseGeneric(body)
		if err != nil {
			return nil, fail(http.StatusBadRequest, "%v", err)
		}
		return list, nil
	})
}

// sns accepts Amazon SNS HTTP deliveries: it confirms subscriptions and turns CloudWatch alarm
// notifications into alerts, after checking each message's signature.
func (h *Handler) sns(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, config.IntegrationSNS, []string{"text/plain", "application/json"}, func(ctx context.Context, body []byte) ([]incident.Alert, *problem) {
		m, err := alerts.ParseSNSEnvelope(body)
		if err != nil {
			return nil, fail(http.StatusBadRequest, "%v", err)
		}
		if topics := h.opts.Config.AlertSettings().Integrations[config.IntegrationSNS].TopicARNs; len(topics) > 0 && !slices.Contains(topics, m.TopicARN) {
			return nil, fail(http.StatusForbidden, "topic %s is not accepted", strconv.Quote(incident.Truncate(m.TopicARN, 256)))
		}
		if err := h.opts.SNS.Verify(ctx, m); err != nil {
			if errors.Is(err, alerts.ErrSNSUnreachable) {
				return nil, unavailable(err, "the SNS signing certificate could not be fetched to verify the message: retry")
			}
			p := fail(http.StatusUnauthorized, "the SNS message signature does not verify")
			p.cause = err
			return nil, p
		}
		switch m.Type {
		case alerts.SNSSubscriptionConfirmation:
			if err := h.opts.SNS.Confirm(ctx, m); err != nil {
				if errors.Is(err, alerts.ErrSNSUnreachable) {
					return nil, unavailable(err, "Amazon SNS could not be reached to confirm the subscription: retry")
				}
				p := fail(http.StatusBadRequest, "%v", err)
				p.cause = err
				return nil, p
			}
			h.opts.Logger.Info("confirmed SNS subscription", "topic", m.TopicARN)
			return nil, nil
		case alerts.SNSNotification:
			list, err := alerts.ParseCloudWatchAlarm(m)
			if err != nil {
				return nil, fail(http.StatusBadRequest, "%v", err)
			}
			return list, nil
		default:
			return nil, nil
		}
	})
}

// serve is the path every integration shares: authenticate (from the headers, or for a signed
// request from the body read within the limit), check the content type and size, parse, route,
// submit, answer.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, integration string, contentTypes []string,
	parse func(context.Context, []byte) ([]incident.Alert, *problem)) {
	resp, p := h.handle(r, integration, contentTypes, parse)
	if p != nil {
		h.answerProblem(w, integration, p)
		return
	}
	if resp.Truncated > 0 {
		h.opts.Logger.Warn("alert webhook truncated", "integration", integration, "stored", resp.Accepted+resp.Ignored,
			"left_out", resp.Truncated)
	}
	writeJSON(w, http.StatusAccepted, resp)
}

// answerProblem logs p, its cause included, and answers the sender p's status and message.
func (h *Handler) answerProblem(w http.ResponseWriter, integration string, p *problem) {
	attrs := []any{"integration", integration, "status", p.status, "error", p.msg}
	if p.cause != nil {
		attrs = append(attrs, "cause", incident.Truncate(p.cause.Error(), 2048))
	}
	if p.status >= 500 {
		h.opts.Logger.Error("alert webhook not stored", attrs...)
	} else {
		h.opts.Logger.Warn("alert webhook refused", attrs...)
	}
	if p.retryAfter != "" {
		w.Header().Set("Retry-After", p.retryAfter)
	}
	if p.unread {
		// Close the connection after the answer, and make the server give up reading the body
		// at once: without the deadline it would first try to read up to 256 KB of it.
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).SetReadDeadline(time.Now()) // not supported by recorders
	}
	writeJSON(w, p.status, map[string]string{"error": incident.Truncate(p.msg, maxErrorBytes)})
}

func (h *Handler) handle(r *http.Request, integration string, contentTypes []string,
	parse func(context.Context, []byte) ([]incident.Alert, *problem)) (Response, *problem) {
	alertSettings := h.opts.Config.AlertSettings()
	settings := alertSettings.Integrations[integration]
	token, secret := settings.BearerToken(), settings.HMACSecret()
	if token == "" && len(secret) == 0 {
		return Response{}, refused(http.StatusUnauthorized, "the %s integration has no token configured (alerts.integrations.%s)", integration, integration)
	}
	limit := alertSettings.MaxBodyBytes
	var body []byte
	if token != "" && bearerMatches(r, token) {
		if p := checkContentType(r, contentTypes); p != nil {
			return Response{}, p
		}
		var p *problem
		if body, p = readBody(r, limit); p != nil {
			return Response{}, p
		}
	} else {
		var release func()
		var p *problem
		body, release, p = h.verifySigned(r, integration, secret, limit)
		if p != nil {
			return Response{}, p
		}
		resp, p := h.afterAuthentication(r, body, contentTypes, parse)
		if p != nil && p.status == http.StatusServiceUnavailable {
			release() // not stored: the same signed request may be sent again
		}
		return resp, p
	}
	return h.afterAuthentication(r, body, contentTypes, parse)
}

// afterAuthentication checks the content type of an authenticated request, then parses, routes
// and submits its alerts.
func (h *Handler) afterAuthentication(r *http.Request, body []byte, contentTypes []string,
	parse func(context.Context, []byte) ([]incident.Alert, *problem)) (Response, *problem) {
	if p := checkContentType(r, contentTypes); p != nil {
		p.unread = false
		return Response{}, p
	}
	// Parsing (an SNS certificate fetch has its own timeout) and routing are bounded by the
	// request's own life; only the wait for Temporal is bounded by Options.Timeout (in submit),
	// so that a slow machine never answers 503 to a request Temporal would take.
	list, p := parse(r.Context(), body)
	if p != nil {
		return Response{}, p
	}
	return h.submit(r.Context(), list)
}

// bearerMatches reports whether the request carries token as its bearer token, or (for SNS
// subscriptions, whose URL carries it) as its basic-auth password. It reads only headers.
func bearerMatches(r *http.Request, token string) bool {
	given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		_, given, ok = r.BasicAuth()
	}
	return ok && subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1
}

// checkContentType answers 415 unless the request's media type is one of contentTypes.
func checkContentType(r *http.Request, contentTypes []string) *problem {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(contentTypes, mediaType) {
		return refused(http.StatusUnsupportedMediaType, "content type %s: want %s",
			strconv.Quote(incident.Truncate(r.Header.Get("Content-Type"), 64)), strings.Join(contentTypes, " or "))
	}
	return nil
}

// readBody reads the request's body, at most limit bytes: 413 beyond it (told by Content-Length
// before anything is read), 408 when it does not arrive within the server's read timeout.
func readBody(r *http.Request, limit int64) ([]byte, *problem) {
	if r.ContentLength > limit {
		return nil, refused(http.StatusRequestEntityTooLarge, "body larger than %d bytes", limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, refused(http.StatusRequestEntityTooLarge, "body larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		p := refused(http.StatusRequestTimeout, "the body did not arrive in time")
		p.cause = err
		return nil, p
	case err != nil:
		p := refused(http.StatusBadRequest, "the body could not be read to its end")
		p.cause = err
		return nil, p
	}
	return body, nil
}

// verifySigned authenticates a request by its HMAC signature, which covers the body: it checks
// the timestamp from the headers, takes one of the MaxUnauthenticated places (503 when none is
// free), reads the body within the limit, verifies the signature, and claims it so that it is
// accepted once. release gives the claim back, for a request that was not stored.
func (h *Handler) verifySigned(r *http.Request, integration string, secret []byte, limit int64) (body []byte, release func(), p *problem) {
	wrong := refused(http.StatusUnauthorized, "missing or wrong credentials for the %s integration", integration)
	ts, sig := r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature)
	if len(secret) == 0 || ts == "" || sig == "" {
		return nil, nil, wrong
	}
	mac, ok := parseSignature(sig)
	if !ok {
		return nil, nil, refused(http.StatusUnauthorized, "%s: want sha256= and 64 hexadecimal digits", notify.HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	now := h.opts.Now()
	if err != nil || notify.CheckTimestamp(ts, now, SignatureWindow) != nil {
		return nil, nil, refused(http.StatusUnauthorized, "%s: want Unix seconds within %s of Firebreak's clock",
			notify.HeaderTimestamp, SignatureWindow)
	}
	select {
	case h.authenticating <- struct{}{}:
		defer func() { <-h.authenticating }()
	default:
		p := refused(http.StatusServiceUnavailable, "too many requests are being authenticated: retry in %s second", busyRetry)
		p.retryAfter = busyRetry
		return nil, nil, p
	}
	if body, p = readBody(r, limit); p != nil {
		return nil, nil, p
	}
	if notify.VerifySignature(secret, ts, body, sig) != nil {
		return nil, nil, fail(http.StatusUnauthorized, "missing or wrong credentials for the %s integration", integration)
	}
	expiry := time.Unix(sec, 0).Add(SignatureWindow + time.Second)
	switch h.replays.claim(mac, expiry, now) {
	case replayed:
		return nil, nil, fail(http.StatusUnauthorized, "this signature was already used: each signed request is accepted once; sign a new request with a fresh %s", notify.HeaderTimestamp)
	case full:
		p := fail(http.StatusServiceUnavailable, "too many signed requests in the last %s: retry in %s second", 2*SignatureWindow, busyRetry)
		p.retryAfter = busyRetry
		return nil, nil, p
	}
	return body, func() { h.replays.release(mac) }, nil
}

// parseSignature decodes an X-Firebreak-Signature header: "sha256=" and 64 hexadecimal digits.
func parseSignature(sig string) ([32]byte, bool) {
	var mac [32]byte
	digest, ok := strings.CutPrefix(sig, "sha256=")
	if !ok || len(digest) != 64 {
		return mac, false
	}
	n, err := hex.Decode(mac[:], []byte(digest))
	return mac, err == nil && n == 32
}

// submit bounds each alert (see alerts.Bound; at most alerts.MaxAlertsPerRequest of them, the
// rest counted in Response.Truncated), routes it and hands each group's alerts to the submitter;
// it answers only once every group's signal was accepted. Its problems are 400 for an alert
// Bound rejects, naming the alert and field, and 503 when routing or Temporal failed, whose
// message says only that, so that the sender retries: the cause is logged.
func (h *Handler) submit(ctx context.Context, list []incident.Alert) (Response, *problem) {
	type group struct {
		route  Route
		alerts []incident.Alert
	}
	var truncated int
	if len(list) > alerts.MaxAlertsPerRequest {
		truncated = len(list) - alerts.MaxAlertsPerRequest
		list = list[:alerts.MaxAlertsPerRequest]
	}
	bounded := make([]incident.Alert, len(list))
	for i, a := range list {
		b, err := alerts.Bound(a)
		if err != nil {
			if len(list) == 1 {
				return Response{}, fail(http.StatusBadRequest, "%v", err)
			}
			return Response{}, fail(http.StatusBadRequest, "alerts[%d].%v", i, err)
		}
		bounded[i] = b
	}
	routes, err := h.route(ctx, bounded)
	if err != nil {
		return Response{}, unavailable(err, "the alerts could not be routed now, so none was stored: retry")
	}
	var order []string
	groups := map[string]*group{}
	for i, a := range bounded {
		route := routes[i]
		g, ok := groups[route.Key]
		if !ok {
			g = &group{route: route}
			groups[route.Key] = g
			order = append(order, route.Key)
		}
		g.route.Open = g.route.Open || route.Open
		g.route.Routing = route.Routing
		g.alerts = append(g.alerts, a)
	}

	ctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	defer cancel()
	resp := Response{Incidents: []string{}, Truncated: truncated}
	errs := make([]error, len(order))
	done := make(chan int)
	for i, key := range order {
		go func() {
			errs[i] = h.opts.Submitter.Submit(ctx, groups[key].route, groups[key].alerts)
			done <- i
		}()
	}
	for range order {
		<-done
	}
	var unstored []error
	for i, key := range order {
		switch err := errs[i]; {
		case errors.Is(err, ErrNoIncident):
			resp.Ignored += len(groups[key].alerts)
		case err != nil:
			unstored = append(unstored, err)
		default:
			resp.Accepted += len(groups[key].alerts)
			resp.Incidents = append(resp.Incidents, workflows.WorkflowID(key))
		}
	}
	if len(unstored) > 0 {
		return Response{}, unavailable(errors.Join(unstored...), "Temporal is unavailable, so the alerts were not stored: retry")
	}
	return resp, nil
}

// route asks the routing policy about each alert, on as many goroutines as there are CPUs (a
// decision takes 0.6-1 ms of CPU, BENCHMARKS.md), and returns the routes in the order of list.
func (h *Handler) route(ctx context.Context, list []incident.Alert) ([]Route, error) {
	routes := make([]Route, len(list))
	errs := make([]error, len(list))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(list)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(list) || ctx.Err() != nil {
					return
				}
				routes[i], errs[i] = h.opts.Router.Route(ctx, list[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("route alerts: %w", err)
	}
	return routes, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do about it
}
