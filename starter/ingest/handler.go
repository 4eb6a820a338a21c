package ingest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Options configure the ingestion handlers.
type Options struct {
	// Config gives each integration's credentials and the largest body accepted.
	Config    AlertSettings
	Router    *Router
	Submitter *Submitter
	// SNS verifies SNS signatures and confirms subscriptions.
	SNS *alerts.SNSVerifier
	// Timeout bounds how long a request waits for Temporal before answering 503; default 5s.
	Timeout time.Duration
	Logger  *slog.Logger
	// Now is the clock for HMAC timestamps; nil means time.Now.
	Now func() time.Time
}

// AlertSettings gives the alerts section of the configuration. *config.Config implements it.
type AlertSettings interface {
	AlertSettings() config.Alerts
}

// Handler serves POST /v1/alerts/alertmanager, /v1/alerts/sns and /v1/alerts/generic.
type Handler struct {
	opts Options
	mux  *http.ServeMux
}

// NewHandler returns the ingestion handlers.
func NewHandler(opts Options) *Handler {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{opts: opts, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /v1/alerts/alertmanager", h.alertmanager)
	h.mux.HandleFunc("POST /v1/alerts/sns", h.sns)
	h.mux.HandleFunc("POST /v1/alerts/generic", h.generic)
	return h
}

// ServeHTTP routes a request to its integration.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Response is the JSON answer to an accepted request.
type Response struct {
	Accepted  int      `json:"accepted"`
	Ignored   int      `json:"ignored"`
	Incidents []string `json:"incidents"`
}

// problem is an error with the HTTP status it answers.
type problem struct {
	status int
	msg    string
}

func (p *problem) Error() string { return p.msg }

func fail(status int, format string, args ...any) *problem {
	return &problem{status: status, msg: fmt.Sprintf(format, args...)}
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
			return nil, fail(http.StatusForbidden, "topic %s is not accepted", m.TopicARN)
		}
		if err := h.opts.SNS.Verify(ctx, m); err != nil {
			return nil, fail(http.StatusUnauthorized, "sns signature: %v", err)
		}
		switch m.Type {
		case alerts.SNSSubscriptionConfirmation:
			if err := h.opts.SNS.Confirm(ctx, m); err != nil {
				return nil, fail(http.StatusBadGateway, "confirm subscription: %v", err)
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

// serve is the path every integration shares: authenticate, check the content type and size,
// parse, route, submit, answer.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, integration string, contentTypes []string,
	parse func(context.Context, []byte) ([]incident.Alert, *problem)) {
	resp, p := h.handle(r, integration, contentTypes, parse)
	if p != nil {
		if p.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		h.opts.Logger.Warn("alert webhook refused", "integration", integration, "status", p.status, "error", p.msg)
		writeJSON(w, p.status, map[string]string{"error": p.msg})
		return
	}
	writeJSON(w, http.StatusAccepted, resp)
}

func (h *Handler) handle(r *http.Request, integration string, contentTypes []string,
	parse func(context.Context, []byte) ([]incident.Alert, *problem)) (Response, *problem) {
	alertSettings := h.opts.Config.AlertSettings()
	settings := alertSettings.Integrations[integration]
	token, secret := settings.BearerToken(), settings.HMACSecret()
	if token == "" && len(secret) == 0 {
		return Response{}, fail(http.StatusUnauthorized, "the %s integration has no token configured (alerts.integrations.%s)", integration, integration)
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(contentTypes, mediaType) {
		return Response{}, fail(http.StatusUnsupportedMediaType, "content type %q: want %s", r.Header.Get("Content-Type"), strings.Join(contentTypes, " or "))
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, alertSettings.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return Response{}, fail(http.StatusRequestEntityTooLarge, "body larger than %d bytes", tooLarge.Limit)
	case err != nil:
		return Response{}, fail(http.StatusBadRequest, "read body: %v", err)
	}
	if !h.authenticated(r, body, token, secret) {
		return Response{}, fail(http.StatusUnauthorized, "missing or wrong credentials for the %s integration", integration)
	}

	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	list, p := parse(ctx, body)
	if p != nil {
		return Response{}, p
	}
	return h.submit(ctx, list)
}

// authenticated accepts a bearer token (or, for SNS subscriptions, the basic-auth password of
// the subscription URL), or an HMAC signature of the body made with the integration's secret.
func (h *Handler) authenticated(r *http.Request, body []byte, token string, secret []byte) bool {
	if token != "" {
		given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			_, given, ok = r.BasicAuth()
		}
		if ok && subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1 {
			return true
		}
	}
	if len(secret) > 0 {
		ts, sig := r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature)
		if ts != "" && sig != "" && notify.CheckTimestamp(ts, h.opts.Now(), 5*time.Minute) == nil &&
			notify.VerifySignature(secret, ts, body, sig) == nil {
			return true
		}
	}
	return false
}

// submit routes each alert and hands each group's alerts to the submitter; it answers only once
// every group's signal was accepted.
func (h *Handler) submit(ctx context.Context, list []incident.Alert) (Response, *problem) {
	type group struct {
		route  Route
		alerts []incident.Alert
	}
	var order []string
	groups := map[string]*group{}
	for _, a := range list {
		route, err := h.opts.Router.Route(ctx, a)
		if err != nil {
			return Response{}, fail(http.StatusInternalServerError, "%v", err)
		}
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

	resp := Response{Incidents: []string{}}
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
	var unavailable []error
	for i, key := range order {
		switch err := errs[i]; {
		case errors.Is(err, ErrNoIncident):
			resp.Ignored += len(groups[key].alerts)
		case err != nil:
			unavailable = append(unavailable, err)
		default:
			resp.Accepted += len(groups[key].alerts)
			resp.Incidents = append(resp.Incidents, workflows.WorkflowID(key))
		}
	}
	if len(unavailable) > 0 {
		return Response{}, fail(http.StatusServiceUnavailable, "temporal did not accept the alerts: %v", errors.Join(unavailable...))
	}
	return resp, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do about it
}
