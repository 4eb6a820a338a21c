package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxDedupKeyLength is the longest dedup_key, in characters, that ParseGeneric accepts.
const MaxDedupKeyLength = 255

// genericAlert is the body of Firebreak's generic alert webhook.
type genericAlert struct {
	DedupKey *string           `json:"dedup_key"`
	Service  string            `json:"service"`
	Title    string            `json:"title"`
	Type     string            `json:"type"`
	Status   *string           `json:"status"`
	Impact   json.RawMessage   `json:"impact"`
	Labels   map[string]string `json:"labels"`
	Links    map[string]string `json:"links"`
	StartsAt string            `json:"starts_at"`
}

// impactKinds names the impact keys ParseGeneric accepts and the JSON kind of each value.
// They are the facts the severity policy reads (see incident.Impact).
func impactKinds() map[string]string {
	return map[string]string{
		"customers_affected":   "scope",
		"data_loss":            "bool",
		"security_breach":      "bool",
		"core_degraded":        "bool",
		"performance_degraded": "bool",
		"workaround":           "bool",
		"support_cases":        "count",
		"started_at":           "time",
	}
}

// ParseGeneric parses Firebreak's own generic alert webhook: one JSON object per request that
// describes one alert, returned as a one-element slice. Example:
//
//	{
//	  "dedup_key": "checkout-latency-eu-west-1",
//	  "title": "Checkout p99 latency above 2s",
//	  "service": "checkout",
//	  "type": "latency",
//	  "status": "firing",
//	  "impact": {"customers_affected": "some", "performance_degraded": true, "support_cases": 3},
//	  "labels": {"region": "eu-west-1", "team": "payments"},
//	  "links": {"dashboard": "https://grafana.example.com/d/checkout"},
//	  "starts_at": "2026-03-01T12:00:00Z"
//	}
//
// dedup_key (1 to 255 characters, not blank) and title (not blank) are required; they become
// Fingerprint and GroupKey, and Title. status is "firing" (the default) or "resolved". impact is
// an object whose keys are limited to customers_affected ("none", "some" or "all"), data_loss,
// security_breach, core_degraded, performance_degraded and workaround (booleans), support_cases
// (a non-negative integer) and started_at (an RFC 3339 time); it is kept as sent. labels and
// links are objects of strings. starts_at is an RFC 3339 time; when absent StartsAt is zero
// and the caller should stamp the time of receipt. Any other field, at the top or in impact, is
// an error, as is a body holding more than one JSON value, and a text anywhere in the body that is
// not valid UTF-8. The alert is bounded with Bound: a longer title, for example, is cut to
// MaxTitleBytes and ends in TruncatedMarker.
func ParseGeneric(body []byte) ([]Alert, error) {
	var g genericAlert
	if err := decodeJSON(body, &g, true); err != nil {
		return nil, fmt.Errorf("parse generic alert: %w", err)
	}
	alert, err := g.normalise()
	if err != nil {
		return nil, fmt.Errorf("parse generic alert: %w", err)
	}
	return []Alert{alert}, nil
}

// normalise validates g and converts it.
func (g *genericAlert) normalise() (Alert, error) {
	if g.DedupKey == nil {
		return Alert{}, errors.New("dedup_key: required")
	}
	key := *g.DedupKey
	if strings.TrimSpace(key) == "" {
		return Alert{}, errors.New("dedup_key: must not be blank")
	}
	if n := utf8.RuneCountInString(key); n > MaxDedupKeyLength {
		return Alert{}, fmt.Errorf("dedup_key: must be at most %d characters, got %d", MaxDedupKeyLength, n)
	}
	if strings.TrimSpace(g.Title) == "" {
		return Alert{}, errors.New("title: required")
	}
	status := Firing
	if g.Status != nil {
		status = *g.Status
		if !validStatus(status) {
			return Alert{}, statusError("status", status)
		}
	}
	startsAt, err := parseTime("starts_at", g.StartsAt)
	if err != nil {
		return Alert{}, err
	}
	impact, err := parseImpact(g.Impact)
	if err != nil {
		return Alert{}, err
	}
	return Bound(Alert{
		Source:      SourceGeneric,
		Fingerprint: key,
		GroupKey:    key,
		Status:      status,
		Title:       g.Title,
		Service:     g.Service,
		Type:        g.Type,
		Labels:      nonEmpty(g.Labels),
		Impact:      impact,
		Links:       nonEmpty(g.Links),
		StartsAt:    startsAt,
	})
}

// parseImpact decodes and checks the impact object of a generic alert. Numbers are kept as
// float64, as encoding/json decodes them into an interface.
func parseImpact(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var impact map[string]any
	if err := json.Unmarshal(raw, &impact); err != nil {
		return nil, fmt.Errorf("impact: must be an object, got %s", describeRaw(raw))
	}
	kinds := impactKinds()
	for _, key := range slices.Sorted(maps.Keys(impact)) {
		kind, ok := kinds[key]
		if !ok {
			return nil, fmt.Errorf("impact.%s: unknown impact key; allowed: %s", key, strings.Join(slices.Sorted(maps.Keys(kinds)), ", "))
		}
		if err := checkImpactValue(kind, impact[key]); err != nil {
			return nil, fmt.Errorf("impact.%s: %w", key, err)
		}
	}
	return nonEmpty(impact), nil
}

// checkImpactValue reports whether v is a valid value of the given impact kind.
func checkImpactValue(kind string, v any) error {
	switch kind {
	case "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("must be true or false, got %s", describe(v))
		}
	case "count":
		n, ok := v.(float64)
		if !ok || n < 0 || n != float64(int64(n)) || n > 1e9 {
			return fmt.Errorf("must be a non-negative integer, got %s", describe(v))
		}
	case "scope":
		s, ok := v.(string)
		if !ok || (s != "none" && s != "some" && s != "all") {
			return fmt.Errorf(`must be "none", "some" or "all", got %s`, describe(v))
		}
	case "time":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("must be an RFC 3339 time, got %s", describe(v))
		}
		if len(s) > MaxImpactValueBytes {
			return fmt.Errorf("must be an RFC 3339 time of at most %d bytes, got %d bytes", MaxImpactValueBytes, len(s))
		}
		if _, err := parseTime("started_at", s); err != nil {
			return fmt.Errorf("must be an RFC 3339 time, got %s", quote(s))
		}
	}
	return nil
}

// describeRaw renders a raw JSON value for an error message.
func describeRaw(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "invalid JSON"
	}
	return describe(v)
}

// describe renders a decoded JSON value for an error message.
func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 64 {
		return fmt.Sprintf("a JSON %T", v)
	}
	return string(b)
}
