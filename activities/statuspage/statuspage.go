// Package statuspage pushes an incident's public updates to Atlassian Statuspage: it opens a
// Statuspage incident with the first update and patches it with every later one, setting the
// affected component's status from the severity. Requests carry `Authorization: OAuth <key>`,
// go out at most once a second per key, wait out a 429's Retry-After, and never open the same
// incident twice: the Statuspage incident's ID comes back to the caller, and a create is first
// looked for among the page's unresolved incidents by the workflow ID in its metadata.
package statuspage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/httplimit"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Incident statuses Statuspage accepts.
const (
	StatusInvestigating = "investigating"
	StatusIdentified    = "identified"
	StatusMonitoring    = "monitoring"
	StatusResolved      = "resolved"
)

// Component statuses Statuspage accepts, from the least severe.
const (
	ComponentOperational         = "operational"
	ComponentDegradedPerformance = "degraded_performance"
	ComponentPartialOutage       = "partial_outage"
	ComponentMajorOutage         = "major_outage"
)

// Types of the application errors PushStatuspage returns. BadInput and Rejected are
// non-retryable; RateLimited is retried after the delay Statuspage asked for. Other failures
// (5xx answers, network errors, timeouts) are plain, retryable errors.
const (
	ErrBadInput    = "BadInput"
	ErrRejected    = "Rejected"
	ErrRateLimited = "RateLimited"
)

// Bounds of the client.
const (
	// DefaultMaxWait is the longest Retry-After the client waits out itself; a longer one is
	// returned as a RateLimited error for Temporal to retry after.
	DefaultMaxWait = 10 * time.Second
	// maxAttempts is how many times one call is sent when Statuspage answers 429.
	maxAttempts = 3
	// maxResponseBytes bounds an answer read from Statuspage.
	maxResponseBytes = 1 << 20
	// maxBodyLen and maxNameLen bound the text sent, in bytes.
	maxBodyLen = 10_000
	maxNameLen = 255
	// metadataKey holds Firebreak's metadata on a Statuspage incident.
	metadataKey = "firebreak"
)

// Options configure a Client. BaseURL, PageID and APIKey are required.
type Options struct {
	BaseURL string
	PageID  string
	APIKey  string
	// HTTP sends the requests; nil means a client with a 10-second timeout.
	HTTP *http.Client
	// Limiter spaces the requests; nil means one a second, Statuspage's limit per key. Give each
	// key one Client: a second Client with the same key has its own limiter.
	Limiter *rate.Limiter
	// MaxWait is the longest Retry-After waited in place; default DefaultMaxWait.
	MaxWait time.Duration
}

// Client calls the Statuspage REST API for one page with one key.
type Client struct {
	opts Options
}

// NewClient returns a client for opts.
func NewClient(opts Options) (*Client, error) {
	if _, err := url.Parse(opts.BaseURL); err != nil || opts.BaseURL == "" {
		return nil, fmt.Errorf("statuspage: invalid base URL")
	}
	if opts.PageID == "" || opts.APIKey == "" {
		return nil, errors.New("statuspage: a page ID and an API key are required")
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Limiter == nil {
		opts.Limiter = rate.NewLimiter(rate.Every(time.Second), 1)
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	return &Client{opts: opts}, nil
}

// Incident is what a create or a patch sets on a Statuspage incident.
type Incident struct {
	Name   string `json:"name,omitempty"`
	Status string `json:"status"`
	Body   string `json:"body,omitempty"`
	// Components maps component IDs to their status.
	Components   map[string]string `json:"components,omitempty"`
	ComponentIDs []string          `json:"component_ids,omitempty"`
	// Metadata carries Firebreak's workflow ID, to find the incident again.
	Metadata map[string]map[string]string `json:"metadata,omitempty"`
	// DeliverNotifications sends the update to the page's subscribers.
	DeliverNotifications bool `json:"deliver_notifications"`
}

// Remote is a Statuspage incident as the API returns it.
type Remote struct {
	ID       string                       `json:"id"`
	Status   string                       `json:"status"`
	Metadata map[string]map[string]string `json:"metadata"`
	// Updates are the incident's updates, the newest first.
	Updates []Update `json:"incident_updates"`
}

// Update is one update of a Statuspage incident.
type Update struct {
	Status string `json:"status"`
	Body   string `json:"body"`
}

// shows reports whether the incident's newest update is in: the same status and text, as a
// push whose answer was lost leaves it.
func (r Remote) shows(in Incident) bool {
	return len(r.Updates) > 0 && r.Updates[0].Status == in.Status && r.Updates[0].Body == in.Body
}

// StatusError is an answer other than 2xx.
type StatusError struct {
	Code int
	// RetryAfter is the delay a 429 asked for; zero when it named none.
	RetryAfter time.Duration
	// Detail is what Statuspage said, cleaned and cut short.
	Detail string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("Statuspage answered %d %s", e.Code, http.StatusText(e.Code))
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Create opens an incident.
func (c *Client) Create(ctx context.Context, in Incident) (Remote, error) {
	var out Remote
	err := c.do(ctx, http.MethodPost, c.incidents(""), map[string]Incident{"incident": in}, &out)
	return out, err
}

// Update patches the incident with the given ID: a new update, status and component statuses.
func (c *Client) Update(ctx context.Context, id string, in Incident) (Remote, error) {
	var out Remote
	err := c.do(ctx, http.MethodPatch, c.incidents(url.PathEscape(id)), map[string]Incident{"incident": in}, &out)
	return out, err
}

// Get returns the incident with the given ID.
func (c *Client) Get(ctx context.Context, id string) (Remote, error) {
	var out Remote
	err := c.do(ctx, http.MethodGet, c.incidents(url.PathEscape(id)), nil, &out)
	return out, err
}

// FindUnresolved returns the page's unresolved incident that Firebreak opened for the workflow;
// its ID is "" when there is none.
func (c *Client) FindUnresolved(ctx context.Context, workflowID string) (Remote, error) {
	var open []Remote
	if err := c.do(ctx, http.MethodGet, c.incidents("unresolved"), nil, &open); err != nil {
		return Remote{}, err
	}
	for _, r := range open {
		if r.Metadata[metadataKey]["workflow_id"] == workflowID {
			return r, nil
		}
	}
	return Remote{}, nil
}

func (c *Client) incidents(rest string) string {
	u := c.opts.BaseURL + "/v1/pages/" + url.PathEscape(c.opts.PageID) + "/incidents"
	if rest != "" {
		u += "/" + rest
	}
	return u
}

// do sends one call, waiting for the limiter before every attempt and out a 429's Retry-After
// when it is at most MaxWait; it decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, method, u string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
	}
	for attempt := 1; ; attempt++ {
		err := c.send(ctx, method, u, payload, out)
		var status *StatusError
		if !errors.As(err, &status) || status.Code != http.StatusTooManyRequests || attempt == maxAttempts ||
			status.RetryAfter > c.opts.MaxWait {
			return err
		}
		wait := max(status.RetryAfter, time.Second)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

func (c *Client) send(ctx context.Context, method, u string, payload []byte, out any) error {
	if err := c.opts.Limiter.Wait(ctx); err != nil {
		return fmt.Errorf("wait for the rate limit: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "OAuth "+c.opts.APIKey)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL says nothing the caller does not know
		}
		return fmt.Errorf("%s Statuspage incident: %w", strings.ToLower(method), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(httplimit.Body(resp.Body, maxResponseBytes, errTooLarge))
	if err != nil {
		return fmt.Errorf("read Statuspage's answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		// An answer that echoes the key must not carry it into an error and the history.
		return &StatusError{Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header), Detail: safetext.Scrub(detail(data), []string{c.opts.APIKey})}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode Statuspage's answer: %w", err)
		}
	}
	return nil
}

var errTooLarge = fmt.Errorf("Statuspage's answer is larger than %d bytes", maxResponseBytes)

// retryAfter reads Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// detail is Statuspage's error message, cleaned and cut short.
func detail(data []byte) string {
	var e struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	text := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &e) == nil {
		switch {
		case e.Message != "":
			text = e.Message
		case e.Error != nil:
			text = fmt.Sprint(e.Error)
		}
	}
	return incident.Truncate(safetext.Line(text), 300)
}

// Activities push public updates to one Statuspage page.
type Activities struct {
	Client *Client
	// Components maps a service ID to its Statuspage component ID.
	Components map[string]string
}

// New returns the activities for the configuration's status_page.atlassian section; httpClient
// may be nil.
func New(conf config.Atlassian, httpClient *http.Client) (*Activities, error) {
	c, err := NewClient(Options{BaseURL: conf.BaseURL, PageID: conf.PageID, APIKey: conf.Key(), HTTP: httpClient})
	if err != nil {
		return nil, err
	}
	return &Activities{Client: c, Components: conf.Components}, nil
}

// PushRequest is one public update of an incident.
type PushRequest struct {
	// WorkflowID is the incident's workflow ID; it marks the Statuspage incident as this one's.
	WorkflowID string `json:"workflow_id"`
	// StatuspageID is the Statuspage incident's ID from an earlier push; empty for the first.
	StatuspageID string `json:"statuspage_id,omitempty"`
	Service      string `json:"service"`
	// Name is the public name of the incident, such as "Incident affecting Checkout".
	Name string `json:"name"`
	// Status is investigating, identified, monitoring or resolved.
	Status string `json:"status"`
	// Body is the public update's text.
	Body     string            `json:"body"`
	Severity incident.Severity `json:"severity"`
}

// PushResult names the Statuspage incident the update went to; the workflow keeps its ID for the
// next push.
type PushResult struct {
	StatuspageID string `json:"statuspage_id"`
	Created      bool   `json:"created"`
}

// PushStatuspage sends one public update: it patches the Statuspage incident the request names,
// or the unresolved one already opened for the workflow, or opens one. The affected service's
// component is set from the severity, and back to operational when resolved. An update the
// incident already shows as its newest (a retry after a lost answer) is not posted again, so
// customers see each update once.
func (a *Activities) PushStatuspage(ctx context.Context, req PushRequest) (PushResult, error) {
	if err := req.validate(); err != nil {
		return PushResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrBadInput, nil)
	}
	in := Incident{
		Name:                 incident.Truncate(safetext.Line(req.Name), maxNameLen),
		Status:               req.Status,
		Body:                 incident.Truncate(safetext.Text(req.Body), maxBodyLen),
		DeliverNotifications: true,
	}
	if component, ok := a.Components[req.Service]; ok {
		in.Components = map[string]string{component: componentStatus(req.Status, req.Severity)}
		in.ComponentIDs = []string{component}
	}
	id := req.StatuspageID
	var existing Remote
	switch {
	case id == "":
		// A create whose answer was lost left an unresolved incident marked with the workflow.
		found, err := a.Client.FindUnresolved(ctx, req.WorkflowID)
		if err != nil {
			return PushResult{}, classify("find the Statuspage incident", err)
		}
		id, existing = found.ID, found
	default:
		// An earlier attempt's patch may have gone through with its answer lost.
		got, err := a.Client.Get(ctx, id)
		if err != nil {
			return PushResult{}, classify("read the Statuspage incident", err)
		}
		existing = got
	}
	if id != "" && existing.shows(in) {
		// Customers see this update already: a second one would repeat it.
		return PushResult{StatuspageID: id}, nil
	}
	if id != "" {
		if _, err := a.Client.Update(ctx, id, in); err != nil {
			return PushResult{}, classify("update the Statuspage incident", err)
		}
		return PushResult{StatuspageID: id}, nil
	}
	in.Metadata = map[string]map[string]string{metadataKey: {"workflow_id": req.WorkflowID}}
	created, err := a.Client.Create(ctx, in)
	if err != nil {
		return PushResult{}, classify("open a Statuspage incident", err)
	}
	if created.ID == "" {
		return PushResult{}, errors.New("open a Statuspage incident: the answer has no incident ID")
	}
	return PushResult{StatuspageID: created.ID, Created: true}, nil
}

func (r PushRequest) validate() error {
	switch {
	case r.WorkflowID == "":
		return errors.New("push to Statuspage: workflow_id is required")
	case strings.TrimSpace(r.Name) == "":
		return errors.New("push to Statuspage: name is required")
	case !slices.Contains([]string{StatusInvestigating, StatusIdentified, StatusMonitoring, StatusResolved}, r.Status):
		return fmt.Errorf("push to Statuspage: status must be investigating, identified, monitoring or resolved, not \"%s\"", safetext.Line(r.Status))
	}
	return nil
}

// componentStatus is the component's status during an incident of severity sev: sev1 a major
// outage, sev2 a partial outage, otherwise degraded performance; operational once resolved.
func componentStatus(status string, sev incident.Severity) string {
	switch {
	case status == StatusResolved:
		return ComponentOperational
	case sev == incident.Sev1:
		return ComponentMajorOutage
	case sev == incident.Sev2:
		return ComponentPartialOutage
	}
	return ComponentDegradedPerformance
}

// classify turns a client error into the activity's: 429 retryable after its delay, other 4xx
// non-retryable, the rest plain and retryable.
func classify(op string, err error) error {
	var status *StatusError
	if !errors.As(err, &status) {
		return fmt.Errorf("%s: %w", op, err)
	}
	msg := op + ": " + status.Error()
	switch {
	case status.Code == http.StatusTooManyRequests:
		delay := min(max(status.RetryAfter, time.Second), time.Hour)
		return temporal.NewApplicationErrorWithOptions(msg, ErrRateLimited, temporal.ApplicationErrorOptions{NextRetryDelay: delay})
	case status.Code == http.StatusRequestTimeout, status.Code >= 500:
		return errors.New(msg)
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrRejected, nil)
}
