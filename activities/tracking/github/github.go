// Package github logs incidents as issues of a GitHub or GitHub Enterprise repository: an
// issue opened at detection and labelled with the incident's severity and service, a comment
// for each key event of its timeline, and the issue closed with the summary at resolution.
//
// Every call is idempotent under retry. The issue's body carries a hidden marker with the
// incident's workflow ID, and Open looks for an issue with that marker (through the issues
// list, which is consistent at once, unlike the search API's index) before it creates one;
// each comment carries a marker with its idempotency key and is posted only when no comment
// has it. Errors are Temporal application errors: rate limits are retryable after the delay
// GitHub asked for, 5xx answers and network failures are retryable, and answers that can
// never succeed (404, 401, 422, ...) are not, naming the repository.
package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
)

// Defaults of Config's zero values and bounds of what the tracker reads and writes.
const (
	// DefaultBaseURL is the REST API of github.com.
	DefaultBaseURL = githubapi.DefaultBaseURL
	// DefaultLabel marks the issues the tracker opens and finds them again.
	DefaultLabel = "incident"
	// DefaultTimeout bounds each request.
	DefaultTimeout = 10 * time.Second
	// maxListPages bounds the pages of 100 issues searched for an incident's marker.
	maxListPages = 10
	// clockSlack is how much earlier than the incident's start an issue may have been created
	// and still be the incident's: the worker's and GitHub's clocks may disagree.
	clockSlack = time.Hour
	// maxLabelRunes is GitHub's limit on a label name.
	maxLabelRunes = 50
)

var (
	repoPattern = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$`)
	refPattern  = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100})#([1-9][0-9]{0,9})$`)
	keyPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/=@+-]{0,199}$`)
)

// Config configures a Tracker. Every field but Repository and Token has a safe zero value.
type Config struct {
	// Repository is the repository issues are opened in, "owner/name".
	Repository string
	// Token authenticates every request; it appears in no log, error or history.
	Token string
	// BaseURL is the REST API's base URL: DefaultBaseURL when empty, or https://HOST/api/v3/
	// for GitHub Enterprise Server.
	BaseURL string
	// Label marks the issues the tracker opens; DefaultLabel when empty.
	Label string
	// Labels are put on every issue besides Label and the severity and service labels.
	Labels []string
	// Timeout bounds each request; DefaultTimeout when zero.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client with Timeout. Responses are limited
	// to 16 MB either way.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Tracker opens, comments and closes incidents' issues. It is safe for concurrent use.
type Tracker struct {
	client      *gh.Client
	owner, name string
	label       string
	labels      []string
	logger      *slog.Logger
}

// New returns a Tracker configured by cfg.
func New(cfg Config) (*Tracker, error) {
	m := repoPattern.FindStringSubmatch(cfg.Repository)
	if m == nil || m[2] == "." || m[2] == ".." {
		return nil, fmt.Errorf("configure GitHub tracking: repository %q: want owner/name", clean(cfg.Repository, 150))
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("configure GitHub tracking: empty token")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	client, err := githubapi.NewClient(githubapi.ClientConfig{
		Token: strings.TrimSpace(cfg.Token), BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, Timeout: timeout,
	})
	if err != nil {
		return nil, errors.New("configure GitHub tracking: want an absolute http or https base URL without credentials or query")
	}
	label := cfg.Label
	if label == "" {
		label = DefaultLabel
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Tracker{client: client, owner: m[1], name: m[2], label: label, labels: slices.Clone(cfg.Labels), logger: logger}, nil
}

// Repository returns the repository new issues are opened in, "owner/name".
func (t *Tracker) Repository() string { return t.owner + "/" + t.name }

// Incident is what opening an incident's issue needs to know.
type Incident struct {
	// WorkflowID identifies the incident; the issue's hidden marker holds it. Required.
	WorkflowID string
	// Key is the incident key, such as checkout-x7k2mp. Required.
	Key string
	// Title is the incident's one-line summary.
	Title string
	// Service is the ID of the affected service; it becomes the label service:<id>.
	Service string
	// Severity is sev1, sev2 or sev3 when known; it becomes the label severity:<sev>.
	Severity string
	// Source and Type say where the incident came from, such as alertmanager and alert.
	Source, Type string
	// Labels are the alert's labels, listed in the issue.
	Labels map[string]string
	// StartedAt is when the incident started.
	StartedAt time.Time
	// WorkflowURL is the incident in the Temporal Web UI.
	WorkflowURL string
}

// Issue is an incident's issue.
type Issue struct {
	// Ref is "owner/name#number".
	Ref string
	// URL is the issue's page on GitHub.
	URL string
	// AlreadyOpen says an earlier attempt had opened the issue.
	AlreadyOpen bool
}

// Open opens the incident's issue, or finds the one an earlier attempt opened: the newest
// issues with the tracker's label, created since an hour before the incident started, are
// searched for the incident's marker, up to 1,000 of them.
func (t *Tracker) Open(ctx context.Context, in Incident) (Issue, error) {
	if !keyPattern.MatchString(in.WorkflowID) || strings.TrimSpace(in.Key) == "" {
		return Issue{}, badInput("open tracking issue: workflow ID %q or key %q is not valid", clean(in.WorkflowID, 80), clean(in.Key, 80))
	}
	marker := issueMarker(in.WorkflowID)
	existing, err := t.findIssue(ctx, marker, in.StartedAt.Add(-clockSlack))
	if err != nil {
		return Issue{}, err
	}
	if existing != nil {
		return Issue{Ref: t.ref(existing.GetNumber()), URL: existing.GetHTMLURL(), AlreadyOpen: true}, nil
	}
	labels := t.issueLabels(in.Severity, in.Service)
	issue, _, err := t.client.Issues.Create(ctx, t.owner, t.name, &gh.IssueRequest{
		Title:  gh.String(issueTitle(in)),
		Body:   gh.String(issueBody(in, marker)),
		Labels: &labels,
	})
	if err != nil {
		return Issue{}, githubapi.Classify("open tracking issue in "+t.Repository(), err)
	}
	t.logger.Info("tracking issue opened", "repository", t.Repository(), "number", issue.GetNumber(), "incident", clean(in.WorkflowID, 200))
	return Issue{Ref: t.ref(issue.GetNumber()), URL: issue.GetHTMLURL()}, nil
}

// issueLabels returns the labels of a new issue: the tracker's label, the severity and
// service labels when known, and the configured extra labels, each once.
func (t *Tracker) issueLabels(severity, service string) []string {
	labels := []string{t.label}
	if severity != "" {
		labels = append(labels, severityLabel(severity))
	}
	if service != "" {
		labels = append(labels, label("service:"+service))
	}
	for _, l := range t.labels {
		if !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	return labels
}

func severityLabel(severity string) string { return label("severity:" + severity) }

// label returns a label name GitHub accepts: one line, no comma, at most 50 characters.
func label(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ',' || isControl(r) {
			return '_'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxLabelRunes {
		s = string(r[:maxLabelRunes])
	}
	return s
}

// findIssue returns the issue that holds marker among the newest issues with the tracker's
// label created at or after since, or nil.
func (t *Tracker) findIssue(ctx context.Context, marker string, since time.Time) (*gh.Issue, error) {
	opts := &gh.IssueListByRepoOptions{
		Labels: []string{t.label}, State: "all", Sort: "created", Direction: "desc",
		ListOptions: gh.ListOptions{PerPage: 100, Page: 1},
	}
	for range maxListPages {
		issues, resp, err := t.client.Issues.ListByRepo(ctx, t.owner, t.name, opts)
		if err != nil {
			return nil, githubapi.Classify("look for the tracking issue in "+t.Repository(), err)
		}
		for _, is := range issues {
			if strings.Contains(is.GetBody(), marker) {
				return is, nil
			}
			if !since.IsZero() && is.GetCreatedAt().Before(since) {
				return nil, nil // older issues cannot be this incident's
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
	return nil, nil
}

// Event is one key event of an incident's timeline, to comment on its issue.
type Event struct {
	// IdempotencyKey identifies the event; the comment's hidden marker holds it. Required.
	IdempotencyKey string
	// At is when the event happened.
	At time.Time
	// Kind names the event, such as "severity" or "ack".
	Kind string
	// Text says what happened.
	Text string
	// Severity, when set, replaces the issue's severity label.
	Severity string
}

// Comment posts the event on the issue ref ("owner/name#number") unless a comment with its
// key is there already, and replaces the severity label when the event sets one.
func (t *Tracker) Comment(ctx context.Context, ref string, ev Event) error {
	owner, name, number, err := parseRef(ref)
	if err != nil {
		return err
	}
	if _, _, err := t.comment(ctx, owner, name, number, ev.IdempotencyKey, eventBody(ev)); err != nil {
		return err
	}
	if ev.Severity != "" {
		return t.relabel(ctx, owner, name, number, ev.Severity)
	}
	return nil
}

// Close posts the resolution summary on the issue ref unless it is there already, and closes
// the issue as completed.
func (t *Tracker) Close(ctx context.Context, ref string, res Resolution) error {
	owner, name, number, err := parseRef(ref)
	if err != nil {
		return err
	}
	if _, _, err := t.comment(ctx, owner, name, number, res.IdempotencyKey, resolutionBody(res)); err != nil {
		return err
	}
	if _, _, err := t.client.Issues.Edit(ctx, owner, name, number, &gh.IssueRequest{
		State: gh.String("closed"), StateReason: gh.String("completed"),
	}); err != nil {
		return githubapi.Classify(fmt.Sprintf("close tracking issue %s/%s#%d", owner, name, number), err)
	}
	t.logger.Info("tracking issue closed", "repository", owner+"/"+name, "number", number)
	return nil
}

// Resolution is the end of an incident, to close its issue with.
type Resolution struct {
	// IdempotencyKey identifies the closing comment. Required.
	IdempotencyKey string
	// ResolvedAt is when the incident was resolved.
	ResolvedAt time.Time
	// Summary is the incident's summary: impact, duration, resolution.
	Summary string
}

// comment posts body with a marker for key on the issue, unless a comment has the marker; it
// returns the comment with the marker, and whether it was there already.
func (t *Tracker) comment(ctx context.Context, owner, name string, number int, key, body string) (*gh.IssueComment, bool, error) {
	if !keyPattern.MatchString(key) {
		return nil, false, badInput("comment on tracking issue: idempotency key %q: want at most 200 letters, digits and ._:/=@+-", clean(key, 80))
	}
	marker := commentMarker(key)
	found, err := githubapi.FindComment(ctx, t.client, owner, name, number, marker)
	if err != nil {
		return nil, false, githubapi.Classify(fmt.Sprintf("list comments of tracking issue %s/%s#%d", owner, name, number), err)
	}
	if found != nil {
		return found, true, nil
	}
	posted, _, err := t.client.Issues.CreateComment(ctx, owner, name, number, &gh.IssueComment{Body: gh.String(body + "\n\n" + marker)})
	if err != nil {
		return nil, false, githubapi.Classify(fmt.Sprintf("comment on tracking issue %s/%s#%d", owner, name, number), err)
	}
	return posted, false, nil
}

// relabel makes severity the issue's only severity label, keeping its other labels.
func (t *Tracker) relabel(ctx context.Context, owner, name string, number int, severity string) error {
	issue, _, err := t.client.Issues.Get(ctx, owner, name, number)
	if err != nil {
		return githubapi.Classify(fmt.Sprintf("read tracking issue %s/%s#%d", owner, name, number), err)
	}
	want := severityLabel(severity)
	labels := []string{}
	for _, l := range issue.Labels {
		if !strings.HasPrefix(l.GetName(), "severity:") {
			labels = append(labels, l.GetName())
		}
	}
	labels = append(labels, want)
	have := make([]string, 0, len(issue.Labels))
	for _, l := range issue.Labels {
		have = append(have, l.GetName())
	}
	if slices.Equal(slices.Sorted(slices.Values(have)), slices.Sorted(slices.Values(labels))) {
		return nil
	}
	if _, _, err := t.client.Issues.ReplaceLabelsForIssue(ctx, owner, name, number, labels); err != nil {
		return githubapi.Classify(fmt.Sprintf("label tracking issue %s/%s#%d", owner, name, number), err)
	}
	return nil
}

func (t *Tracker) ref(number int) string { return fmt.Sprintf("%s/%s#%d", t.owner, t.name, number) }

// parseRef splits "owner/name#number".
func parseRef(ref string) (owner, name string, number int, err error) {
	m := refPattern.FindStringSubmatch(ref)
	if m == nil {
		return "", "", 0, badInput("tracking issue %q: want owner/name#number", clean(ref, 150))
	}
	owner, name, _ = strings.Cut(m[1], "/")
	number, _ = strconv.Atoi(m[2])
	return owner, name, number, nil
}

// issueMarker is the hidden line that identifies an incident's issue.
func issueMarker(workflowID string) string { return "<!-- firebreak-incident: " + workflowID + " -->" }

// commentMarker is the hidden line that ends every comment the tracker posts.
func commentMarker(key string) string { return "<!-- firebreak-key: " + key + " -->" }
