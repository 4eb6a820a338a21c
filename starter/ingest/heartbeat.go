package ingest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/workflows"
)

// maxShownName bounds how much of an unknown heartbeat name an answer or a log line repeats.
const maxShownName = 64

// HeartbeatSettings looks up the configured heartbeats. *config.Config implements it; a Handler
// whose Options.Config does not answers every ping 404.
type HeartbeatSettings interface {
	Heartbeat(name string) (config.Heartbeat, bool)
}

// HeartbeatResponse is the JSON answer to an accepted ping.
type HeartbeatResponse struct {
	Heartbeat string `json:"heartbeat"`
	// Workflow is the ID of the heartbeat's workflow.
	Workflow string `json:"workflow"`
	// DueWithinSeconds is the ping deadline: without another ping within it, the alert is raised.
	DueWithinSeconds int64 `json:"due_within_seconds"`
}

// heartbeat serves POST /v1/heartbeats/{name}: it authenticates the ping with the bearer token of
// the heartbeat's integration and signals the heartbeat's workflow, starting it on the first
// ping. The body is never read. It answers 202 only once Temporal holds the ping.
func (h *Handler) heartbeat(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	resp, p := h.ping(r, name)
	if p != nil {
		if p.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		h.opts.Logger.Warn("heartbeat ping refused", "heartbeat", shownName(name), "status", p.status, "error", p.msg)
		writeJSON(w, p.status, map[string]string{"error": p.msg})
		return
	}
	writeJSON(w, http.StatusAccepted, resp)
}

func (h *Handler) ping(r *http.Request, name string) (HeartbeatResponse, *problem) {
	var hb config.Heartbeat
	found := false
	if beats, ok := h.opts.Config.(HeartbeatSettings); ok {
		hb, found = beats.Heartbeat(name)
	}
	given, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	integrations := h.opts.Config.AlertSettings().Integrations
	if !found {
		// Only a sender that holds a token heartbeats accept learns which names exist.
		if !bearer || !(matches(given, integrations[config.IntegrationAlertmanager].BearerToken()) ||
			matches(given, integrations[config.IntegrationGeneric].BearerToken())) {
			return HeartbeatResponse{}, fail(http.StatusUnauthorized, "missing or wrong bearer token")
		}
		return HeartbeatResponse{}, fail(http.StatusNotFound, "no heartbeat named %s is configured", shownName(name))
	}
	token := integrations[hb.Integration].BearerToken()
	if token == "" {
		return HeartbeatResponse{}, fail(http.StatusUnauthorized, "the %s integration has no token configured (alerts.integrations.%s): heartbeat %s accepts no ping",
			hb.Integration, hb.Integration, hb.Name)
	}
	if !bearer || !matches(given, token) {
		return HeartbeatResponse{}, fail(http.StatusUnauthorized, "missing or wrong bearer token for heartbeat %s (the %s integration's)", hb.Name, hb.Integration)
	}
	if h.opts.Submitter == nil || h.opts.Submitter.Temporal == nil {
		return HeartbeatResponse{}, fail(http.StatusServiceUnavailable, "heartbeats are not connected to Temporal")
	}

	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	id := workflows.HeartbeatWorkflowID(hb.Name)
	interval, grace := time.Duration(hb.Interval), time.Duration(hb.Grace)
	_, err := h.opts.Submitter.Temporal.SignalWithStartWorkflow(ctx, id, workflows.SignalHeartbeatPing,
		workflows.HeartbeatPing{Interval: interval, Grace: grace},
		client.StartWorkflowOptions{
			ID:                    id,
			TaskQueue:             workflows.TaskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			StaticSummary:         "Heartbeat " + hb.Name,
			StaticDetails: fmt.Sprintf("Dead man's switch: a ping is due within %s (interval %s + grace %s) of the last; "+
				"a missed one raises an alert for service **%s**.", hb.Deadline(), interval, grace, hb.Service),
		},
		workflows.HeartbeatWorkflowName,
		workflows.HeartbeatInput{Name: hb.Name, Interval: interval, Grace: grace})
	if err != nil {
		h.opts.Logger.Error("heartbeat ping not stored", "heartbeat", hb.Name, "error", err)
		return HeartbeatResponse{}, fail(http.StatusServiceUnavailable, "the ping of heartbeat %s could not be stored: retry", hb.Name)
	}
	return HeartbeatResponse{Heartbeat: hb.Name, Workflow: id, DueWithinSeconds: int64(hb.Deadline().Seconds())}, nil
}

// matches compares a given token with a configured one in constant time; an empty configured
// token matches nothing.
func matches(given, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1
}

// shownName quotes a heartbeat name from a request for an answer or a log line: escaped to ASCII,
// so that no control or escape sequence reaches a terminal, and cut to 64 bytes.
func shownName(name string) string {
	if len(name) <= maxShownName {
		return strconv.QuoteToASCII(name)
	}
	return strconv.QuoteToASCII(name[:maxShownName]) + "…"
}

// Intake routes alerts raised inside Firebreak, such as a missed heartbeat's, through the routing
// policy and delivers them to their incidents the way the alert webhooks do. It implements the
// heartbeat activities' activities.AlertIntake.
type Intake struct {
	Router    *Router
	Submitter *Submitter
}

// Submit routes one alert and waits until its incident holds it. It returns the incident's
// workflow ID, or "" when the alert may not open an incident and none was running to take it.
func (in *Intake) Submit(ctx context.Context, a incident.Alert) (string, error) {
	route, err := in.Router.Route(ctx, a)
	if err != nil {
		return "", err
	}
	err = in.Submitter.Submit(ctx, route, []incident.Alert{a})
	switch {
	case errors.Is(err, ErrNoIncident):
		return "", nil
	case err != nil:
		return "", err
	}
	return workflows.WorkflowID(route.Key), nil
}
