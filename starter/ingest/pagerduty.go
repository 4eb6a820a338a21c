package ingest

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/alerts"
)

// PagerDutyAnswer is the JSON answer of POST /v2/enqueue, shaped as PagerDuty's Events API v2
// answers: status "success", message "Event processed" and the dedup key when the event was
// accepted; otherwise a status, a message and, for a bad event, the problems in Errors.
type PagerDutyAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// pagerDuty serves POST /v2/enqueue: the PagerDuty Events API v2, so that any tool that can
// send to PagerDuty sends to Firebreak by changing one URL. Each event authenticates by its
// routing key, which names the integration's configured sender; each configured key may send
// its events_per_minute, as a burst or spread out, before it is answered 429.
type pagerDuty struct {
	h      *Handler
	limits *eventLimiter
}

// newPagerDuty returns the Events API handler of h.
func newPagerDuty(h *Handler) *pagerDuty {
	return &pagerDuty{h: h, limits: &eventLimiter{buckets: map[string]*bucket{}}}
}

// pdOutcome is an answer with its status, the headers it needs and what is logged of it.
type pdOutcome struct {
	answer PagerDutyAnswer
	status int
	// retryAfter is the Retry-After header, in seconds; "" for none.
	retryAfter string
	// unread says the body was not read: the connection closes after the answer.
	unread bool
	// cause is logged, never sent.
	cause error
}

func (p *pagerDuty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o := p.handle(r)
	attrs := []any{"status", o.status, "message", o.answer.Message, "problems", len(o.answer.Errors)}
	if o.cause != nil {
		attrs = append(attrs, "cause", incident.Truncate(o.cause.Error(), 2048))
	}
	switch {
	case o.status >= 500:
		p.h.opts.Logger.Error("PagerDuty event not stored", attrs...)
	case o.status != http.StatusAccepted:
		p.h.opts.Logger.Warn("PagerDuty event refused", attrs...)
	}
	if o.retryAfter != "" {
		w.Header().Set("Retry-After", o.retryAfter)
	}
	if o.unread {
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).SetReadDeadline(time.Now()) // not supported by recorders
	}
	writeJSON(w, o.status, o.answer)
}

// handle answers one event: it authenticates it, throttles its routing key, and hands its alert
// to the submitter.
func (p *pagerDuty) handle(r *http.Request) pdOutcome {
	event, key, refusal := p.authenticate(r)
	if refusal != nil {
		return *refusal
	}
	if wait, ok := p.limits.take(key.Name, key.Rate(), p.h.opts.Now()); !ok {
		seconds := retrySeconds(wait)
		return pdOutcome{answer: PagerDutyAnswer{Status: "throttle event",
			Message: fmt.Sprintf("Requests for this routing key are arriving too quickly (over %d a minute): retry in %d seconds",
				key.Rate(), seconds)}, status: http.StatusTooManyRequests, retryAfter: strconv.Itoa(seconds)}
	}
	if event.DedupKey == "" {
		event.DedupKey = newDedupKey()
	}
	alert, err := event.Alert(key.Name, key.Service)
	if err != nil {
		return pdOutcome{answer: invalidEvent("Event object is invalid", err.Error()), status: http.StatusBadRequest}
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.h.opts.Timeout)
	defer cancel()
	if _, prob := p.h.submit(ctx, []incident.Alert{alert}); prob != nil {
		cause := errors.Join(prob, prob.cause)
		switch prob.status {
		case http.StatusServiceUnavailable:
			return pdOutcome{answer: PagerDutyAnswer{Status: "unavailable", Message: "Firebreak could not store the event now: retry later"},
				status: http.StatusServiceUnavailable, retryAfter: cmp.Or(prob.retryAfter, "5"), cause: cause}
		case http.StatusBadRequest:
			return pdOutcome{answer: invalidEvent("Event object is invalid", prob.msg), status: http.StatusBadRequest}
		default:
			return pdOutcome{answer: PagerDutyAnswer{Status: "error", Message: "Firebreak could not route the event: see its log"},
				status: http.StatusInternalServerError, cause: cause}
		}
	}
	return pdOutcome{answer: PagerDutyAnswer{Status: "success", Message: "Event processed", DedupKey: event.DedupKey},
		status: http.StatusAccepted}
}

// authenticate reads and parses the event and finds its routing key, meanwhile holding one of
// the places for requests not yet authenticated (429 when none is free, as the Events API
// answers a sender that sends too much at a time). It returns the outcome of a request it
// refuses.
func (p *pagerDuty) authenticate(r *http.Request) (alerts.PagerDutyEvent, config.RoutingKey, *pdOutcome) {
	var none alerts.PagerDutyEvent
	select {
	case p.h.authenticating <- struct{}{}:
		defer func() { <-p.h.authenticating }()
	default:
		return none, config.RoutingKey{}, &pdOutcome{
			answer: PagerDutyAnswer{Status: "throttle event", Message: "Too many events are being read at once: retry in " + busyRetry + " second"},
			status: http.StatusTooManyRequests, retryAfter: busyRetry, unread: true,
		}
	}
	settings := p.h.opts.Config.AlertSettings()
	limit := int64(alerts.MaxPagerDutyBodyBytes)
	if settings.MaxBodyBytes > 0 && settings.MaxBodyBytes < limit {
		limit = settings.MaxBodyBytes
	}
	body, prob := readBody(r, limit)
	if prob != nil {
		o := &pdOutcome{status: prob.status, unread: prob.unread, cause: prob.cause}
		switch prob.status {
		case http.StatusRequestEntityTooLarge:
			o.answer = invalidEvent("Event object is too large", fmt.Sprintf("the body is larger than %d bytes", limit))
		case http.StatusRequestTimeout:
			o.answer = PagerDutyAnswer{Status: "timeout", Message: "The event did not arrive in time"}
		default:
			o.answer = invalidEvent("Event object could not be read", "the body could not be read to its end")
		}
		return none, config.RoutingKey{}, o
	}
	event, err := alerts.ParsePagerDuty(body)
	if err != nil {
		problems := []string{"the event could not be parsed"}
		var invalid *alerts.InvalidEventError
		if errors.As(err, &invalid) {
			problems = invalid.Problems
		}
		return none, config.RoutingKey{}, &pdOutcome{answer: invalidEvent("Event object is invalid", problems...), status: http.StatusBadRequest}
	}
	key, ok := p.routingKey(settings.Integrations[config.IntegrationPagerDuty].RoutingKeys, event.RoutingKey)
	if !ok {
		return none, config.RoutingKey{}, &pdOutcome{answer: invalidEvent("Event object is invalid",
			"'routing_key' is not a routing key of this Firebreak (alerts.integrations.pagerduty.routing_keys)"), status: http.StatusBadRequest}
	}
	return event, key, nil
}

// routingKey returns the configured routing key equal to given, comparing every configured key
// in constant time. A key that is unset, or shorter than config.MinRoutingKeyLength, matches
// nothing.
func (p *pagerDuty) routingKey(keys []config.RoutingKey, given string) (config.RoutingKey, bool) {
	var found config.RoutingKey
	ok := false
	for _, k := range keys {
		value := k.Value()
		if len(value) < config.MinRoutingKeyLength {
			if value != "" {
				p.h.opts.Logger.Warn("PagerDuty routing key too short: it accepts nothing", "routing_key", k.Name,
					"minimum", config.MinRoutingKeyLength)
			}
			continue
		}
		if subtle.ConstantTimeCompare([]byte(value), []byte(given)) == 1 && !ok {
			found, ok = k, true
		}
	}
	return found, ok
}

// invalidEvent is the answer to an event that is refused for what it holds.
func invalidEvent(message string, problems ...string) PagerDutyAnswer {
	return PagerDutyAnswer{Status: "invalid event", Message: message, Errors: problems}
}

// newDedupKey makes the dedup key of a trigger sent without one: 32 random hexadecimal digits,
// like PagerDuty's.
func newDedupKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// eventLimiter holds a token bucket per routing key name: each holds a minute's worth of events
// and refills at the key's rate. Its size is bounded by the configured keys.
type eventLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take spends one event of the key name, whose rate is perMinute; when none is left it reports
// how long until one is.
func (l *eventLimiter) take(name string, perMinute int, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	capacity := float64(perMinute)
	b := l.buckets[name]
	if b == nil {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[name] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(capacity, b.tokens+elapsed.Minutes()*capacity)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / capacity * float64(time.Minute)), false
}
