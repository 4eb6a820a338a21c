package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-dev/firebreak/incident"
)

// SourcePagerDuty is the Source of an Alert made from a PagerDuty Events API v2 event.
const SourcePagerDuty = "pagerduty"

// Acknowledged is the status of an Alert made from an acknowledge event: its alert keeps firing
// and its incident is acknowledged.
const Acknowledged = incident.AlertAcknowledged

// The event actions of the PagerDuty Events API v2.
const (
	EventTrigger     = "trigger"
	EventAcknowledge = "acknowledge"
	EventResolve     = "resolve"
)

// Limits of the PagerDuty Events API v2, as PagerDuty documents them.
const (
	// MaxPagerDutyBodyBytes bounds an event's body: 512 KiB.
	MaxPagerDutyBodyBytes = 512 << 10
	// MaxPagerDutySummary bounds payload.summary, in characters.
	MaxPagerDutySummary = 1024
	// MaxPagerDutyDedupKey bounds dedup_key, in characters.
	MaxPagerDutyDedupKey = 255
	// maxPagerDutyLinks bounds the links and images read from one event.
	maxPagerDutyLinks = MaxLinks
)

// pagerDutySeverities are the severities of payload.severity.
var pagerDutySeverities = []string{"critical", "error", "warning", "info"}

// PagerDutyEvent is one event of the PagerDuty Events API v2 (POST /v2/enqueue), validated.
type PagerDutyEvent struct {
	// RoutingKey is the routing_key: the credential that names the integration the event is for.
	RoutingKey string
	// Action is EventTrigger, EventAcknowledge or EventResolve.
	Action string
	// DedupKey identifies the alert the event is about; "" when a trigger came without one, and
	// the receiver makes one up.
	DedupKey string
	// The payload: Summary, Source and Severity are set for every trigger; Severity is one of
	// critical, error, warning and info.
	Summary, Source, Severity, Component, Group, Class string
	// Timestamp is payload.timestamp, in UTC; zero when absent.
	Timestamp time.Time
	// CustomDetails holds payload.custom_details: each member as text, a string as it is and any
	// other value as compact JSON; a custom_details that is not an object is kept whole under
	// the name "custom_details".
	CustomDetails map[string]string
	// Links holds the links, images and client_url, by name: a link's text, an image's alt
	// text, or the client's name, else "link N", "image N" or "client".
	Links map[string]string
	// Client is the name of the monitoring client that sent the event.
	Client string
}

// InvalidEventError lists every problem of an event that is not valid, each naming its field.
type InvalidEventError struct {
	Problems []string
}

// Error joins the problems.
func (e *InvalidEventError) Error() string {
	return "invalid event: " + strings.Join(e.Problems, "; ")
}

// ParsePagerDuty parses one PagerDuty Events API v2 event:
//
//	{
//	  "routing_key": "e93facc04764012d7bfb002500d5d1a6",
//	  "event_action": "trigger",
//	  "dedup_key": "srv01/mysql",
//	  "payload": {
//	    "summary": "DISK at 99% on machine prod-datapipe03.example.com",
//	    "source": "prod-datapipe03.example.com",
//	    "severity": "critical",
//	    "timestamp": "2015-07-17T08:42:58.315+0000",
//	    "component": "mysql", "group": "prod-datapipe", "class": "disk",
//	    "custom_details": {"free space": "1%"}
//	  },
//	  "client": "Sample Monitoring Service", "client_url": "https://monitoring.example.com",
//	  "links": [{"href": "https://example.com", "text": "An example link"}],
//	  "images": [{"src": "https://example.com/chart.png", "href": "https://example.com", "alt": "Chart"}]
//	}
//
// routing_key and event_action (trigger, acknowledge or resolve) are required. dedup_key, at
// most MaxPagerDutyDedupKey characters, is required unless the event is a trigger. A trigger
// needs a payload with summary (at most MaxPagerDutySummary characters), source and severity
// (critical, error, warning or info, in any case); the payload of an acknowledge or resolve
// event is optional. timestamp is an RFC 3339 time, or one with a numeric offset lacking its
// colon as PagerDuty's own example has. A link needs an href and an image a src. Fields the API
// does not define are ignored, as PagerDuty ignores them.
//
// The problems found are reported at once, in an *InvalidEventError, as PagerDuty lists them in
// its answer's errors (the first 20, then how many more): a body that is not one JSON object, a
// text that is not valid UTF-8, a field missing, blank, too long, of the wrong JSON type or with
// a value outside its set.
func ParsePagerDuty(body []byte) (PagerDutyEvent, error) {
	var top map[string]json.RawMessage
	if err := decodeObject(body, &top); err != nil {
		return PagerDutyEvent{}, &InvalidEventError{Problems: []string{err.Error()}}
	}
	if err := CheckUTF8(body); err != nil {
		return PagerDutyEvent{}, &InvalidEventError{Problems: []string{err.Error()}}
	}
	p := &eventParser{}
	e := PagerDutyEvent{}
	e.RoutingKey, _ = p.str(top, "", "routing_key", true)
	e.Action, _ = p.str(top, "", "event_action", true)
	if e.Action != "" && !slices.Contains([]string{EventTrigger, EventAcknowledge, EventResolve}, e.Action) {
		p.problemf("'event_action' must be trigger, acknowledge or resolve, got %s", quote(e.Action))
	}
	trigger := e.Action == EventTrigger
	if key, ok := p.str(top, "", "dedup_key", false); ok {
		if n := utf8.RuneCountInString(key); n > MaxPagerDutyDedupKey {
			p.problemf("'dedup_key' must be at most %d characters, got %d", MaxPagerDutyDedupKey, n)
		}
		e.DedupKey = key
	}
	if strings.TrimSpace(e.DedupKey) == "" {
		e.DedupKey = ""
		if e.Action == EventAcknowledge || e.Action == EventResolve {
			article := map[string]string{EventAcknowledge: "an", EventResolve: "a"}[e.Action]
			p.problemf("'dedup_key' is missing or blank: %s %s event names the alert it acts on by its dedup_key", article, e.Action)
		}
	}
	if payload, ok := p.object(top, "", "payload"); ok {
		p.payload(&e, payload, trigger)
	} else if _, given := present(top, "payload"); trigger && !given {
		p.problemf("'payload' is missing: a trigger event needs one")
	}
	e.Client, _ = p.str(top, "", "client", false)
	e.Links = p.links(top, e.Client)
	if len(p.problems) > 0 {
		return PagerDutyEvent{}, &InvalidEventError{Problems: p.report()}
	}
	return e, nil
}

// decodeObject decodes body, which must hold exactly one JSON object, into v.
func decodeObject(body []byte, v *map[string]json.RawMessage) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("the body is empty: send one JSON object")
	}
	if trimmed[0] != '{' {
		return errors.New("the body must be one JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON: unexpected data after the event at byte %d", dec.InputOffset())
	}
	return nil
}

// maxProblems bounds the problems reported for one event; the rest are counted.
const maxProblems = 20

// eventParser collects the problems of one event.
type eventParser struct {
	problems []string
	more     int
}

func (p *eventParser) problemf(format string, args ...any) {
	if len(p.problems) >= maxProblems {
		p.more++
		return
	}
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// report returns the problems found, the last saying how many more were left out.
func (p *eventParser) report() []string {
	if p.more > 0 {
		return append(p.problems, fmt.Sprintf("and %d more problems", p.more))
	}
	return p.problems
}

// field names a member of the object at path for a problem, in PagerDuty's quoting.
func field(path, name string) string {
	if path == "" {
		return "'" + name + "'"
	}
	return "'" + path + "." + name + "'"
}

// present returns the member name of obj when it is there and not null.
func present(obj map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	raw, ok := obj[name]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, false
	}
	return raw, true
}

// str returns the string member name of obj. A member of another type is a problem, as is a
// required one that is missing or blank.
func (p *eventParser) str(obj map[string]json.RawMessage, path, name string, required bool) (string, bool) {
	raw, ok := present(obj, name)
	if !ok {
		if required {
			p.problemf("%s is missing or blank", field(path, name))
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.problemf("%s must be a string, got %s", field(path, name), describeRaw(raw))
		return "", false
	}
	if required && strings.TrimSpace(s) == "" {
		p.problemf("%s is missing or blank", field(path, name))
		return "", false
	}
	return s, true
}

// object returns the object member name of obj; a member of another type is a problem.
func (p *eventParser) object(obj map[string]json.RawMessage, path, name string) (map[string]json.RawMessage, bool) {
	raw, ok := present(obj, name)
	if !ok {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		p.problemf("%s must be an object, got %s", field(path, name), describeRaw(raw))
		return nil, false
	}
	return m, true
}

// payload reads the payload of e; for a trigger, summary, source and severity are required.
func (p *eventParser) payload(e *PagerDutyEvent, payload map[string]json.RawMessage, trigger bool) {
	e.Summary, _ = p.str(payload, "payload", "summary", trigger)
	if n := utf8.RuneCountInString(e.Summary); n > MaxPagerDutySummary {
		p.problemf("'payload.summary' must be at most %d characters, got %d", MaxPagerDutySummary, n)
	}
	e.Source, _ = p.str(payload, "payload", "source", trigger)
	if severity, ok := p.str(payload, "payload", "severity", trigger); ok {
		e.Severity = strings.ToLower(strings.TrimSpace(severity))
		if !slices.Contains(pagerDutySeverities, e.Severity) {
			p.problemf("'payload.severity' must be critical, error, warning or info, got %s", quote(severity))
			e.Severity = ""
		}
	}
	if ts, ok := p.str(payload, "payload", "timestamp", false); ok && strings.TrimSpace(ts) != "" {
		t, err := parseTime("payload.timestamp", strings.TrimSpace(ts))
		if err != nil {
			p.problemf("'payload.timestamp' must be an RFC 3339 time such as 2015-07-17T08:42:58.315Z, got %s", quote(ts))
		}
		e.Timestamp = t
	}
	e.Component, _ = p.str(payload, "payload", "component", false)
	e.Group, _ = p.str(payload, "payload", "group", false)
	e.Class, _ = p.str(payload, "payload", "class", false)
	e.CustomDetails = customDetails(payload)
}

// customDetails renders payload.custom_details as texts.
func customDetails(payload map[string]json.RawMessage) map[string]string {
	raw, ok := present(payload, "custom_details")
	if !ok {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return map[string]string{"custom_details": compactText(raw)}
	}
	details := make(map[string]string, len(obj))
	for name, value := range obj {
		details[name] = compactText(value)
	}
	return nonEmpty(details)
}

// compactText renders a JSON value as text: a string as it is, anything else as compact JSON.
func compactText(raw json.RawMessage) string {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "null"
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// links reads links, images and client_url into one map of named URLs, at most MaxLinks of
// them. A link without an href and an image without a src are problems.
func (p *eventParser) links(top map[string]json.RawMessage, client string) map[string]string {
	out := map[string]string{}
	add := func(name, fallback, url string) {
		name = strings.TrimSpace(name)
		if name == "" {
			name = fallback
		}
		if _, taken := out[name]; taken {
			name += " (" + fallback + ")"
		}
		if len(out) < maxPagerDutyLinks {
			out[name] = url
		}
	}
	for i, item := range p.array(top, "links") {
		path := "links[" + strconv.Itoa(i) + "]"
		href, _ := p.str(item, path, "href", true)
		text, _ := p.str(item, path, "text", false)
		if href != "" {
			add(text, "link "+strconv.Itoa(i+1), href)
		}
	}
	for i, item := range p.array(top, "images") {
		path := "images[" + strconv.Itoa(i) + "]"
		src, _ := p.str(item, path, "src", true)
		_, _ = p.str(item, path, "href", false)
		alt, _ := p.str(item, path, "alt", false)
		if src != "" {
			add(alt, "image "+strconv.Itoa(i+1), src)
		}
	}
	if url, ok := p.str(top, "", "client_url", false); ok && strings.TrimSpace(url) != "" {
		add(client, "client", url)
	}
	return nonEmpty(out)
}

// array returns the objects of the array member name of top; anything else is a problem.
func (p *eventParser) array(top map[string]json.RawMessage, name string) []map[string]json.RawMessage {
	raw, ok := present(top, name)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		p.problemf("%s must be an array, got %s", field("", name), describeRaw(raw))
		return nil
	}
	var out []map[string]json.RawMessage
	for i, item := range items {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(item, &obj); err != nil {
			p.problemf("'%s[%d]' must be an object, got %s", name, i, describeRaw(item))
			continue
		}
		out = append(out, obj)
	}
	return out
}

// Alert returns the event as the Alert it stands for, sent with the routing key named keyName
// ("pagerduty/<keyName>" is its Sender). service is the routing key's service, or "". The dedup
// key groups the alert, within its routing key only: its GroupKey is
// "pagerduty/<keyName>/<dedup key>". A trigger is firing, a resolve resolved and an acknowledge
// AlertAcknowledged. The payload's severity, source, component, group and class and the client
// become labels; custom_details become annotations. The alert is bounded with Bound. It returns
// an error when the event has no dedup key: the caller makes one up for a trigger without.
func (e PagerDutyEvent) Alert(keyName, service string) (Alert, error) {
	if e.DedupKey == "" {
		return Alert{}, errors.New("dedup_key: required to make an alert")
	}
	status := map[string]string{EventTrigger: Firing, EventAcknowledge: Acknowledged, EventResolve: Resolved}[e.Action]
	if status == "" {
		return Alert{}, fmt.Errorf("event_action: unknown action %s", quote(e.Action))
	}
	labels := map[string]string{}
	for name, value := range map[string]string{
		"severity": e.Severity, "source": e.Source, "component": e.Component, "group": e.Group,
		"class": e.Class, "client": e.Client,
	} {
		if strings.TrimSpace(value) != "" {
			labels[name] = value
		}
	}
	sender := SourcePagerDuty + "/" + keyName
	return Bound(Alert{
		Source:      SourcePagerDuty,
		Sender:      sender,
		Fingerprint: e.DedupKey,
		GroupKey:    sender + "/" + e.DedupKey,
		Status:      status,
		Title:       e.Summary,
		Service:     service,
		Labels:      nonEmpty(labels),
		Annotations: maps.Clone(e.CustomDetails),
		Links:       maps.Clone(e.Links),
		StartsAt:    e.Timestamp,
	})
}
