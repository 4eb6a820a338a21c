package activities

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	trackgh "github.com/firebreak-dev/firebreak/activities/tracking/github"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// The tracking systems a TrackingRecord names.
const (
	TrackingFile   = "file"
	TrackingGitHub = "github"
)

// maxTrackingText bounds the text of one event or summary in the local tracking log.
const maxTrackingText = 64 << 10

// RecordRequest is what the detect phase logs about a new incident.
type RecordRequest struct {
	WorkflowID string            `json:"workflow_id"`
	Key        string            `json:"key"`
	Source     string            `json:"source"`
	Service    string            `json:"service"`
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Labels     map[string]string `json:"labels,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	// Severity labels the record when it is already known; usually it is assessed later and
	// set by CommentTracking.
	Severity incident.Severity `json:"severity,omitempty"`
}

// TrackingEventRequest asks for one key event of an incident's timeline on its tracking record.
type TrackingEventRequest struct {
	WorkflowID string                  `json:"workflow_id"`
	Tracking   incident.TrackingRecord `json:"tracking"`
	// Step identifies the event within the incident, such as "severity-2" or "ack-alice";
	// with the workflow ID it makes the idempotency key, so a retry records the event once.
	Step string    `json:"step"`
	At   time.Time `json:"at"`
	// Kind names the event, such as "severity", "ack", "role", "note" or "runbook".
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Severity, when the event sets the incident's severity, replaces the record's severity
	// label.
	Severity incident.Severity `json:"severity,omitempty"`
}

// TrackingCloseRequest asks for an incident's tracking record to be closed with its summary.
type TrackingCloseRequest struct {
	WorkflowID string                  `json:"workflow_id"`
	Tracking   incident.TrackingRecord `json:"tracking"`
	ResolvedAt time.Time               `json:"resolved_at"`
	// Summary says what happened: impact, duration, support cases and the resolution.
	Summary string `json:"summary"`
}

// TrackingEvent is one event for a Tracker, with its idempotency key.
type TrackingEvent struct {
	IdempotencyKey string
	At             time.Time
	Kind, Text     string
	Severity       incident.Severity
}

// TrackingResolution is the end of an incident for a Tracker, with its idempotency key.
type TrackingResolution struct {
	IdempotencyKey string
	ResolvedAt     time.Time
	Summary        string
}

// Tracker logs incidents in a tracking tool. Every method must be idempotent: recording the
// same incident again returns the same record, and an event or resolution whose idempotency
// key is on the record already is not added again.
type Tracker interface {
	// System names the tracking tool, as TrackingRecord.System does: "file" or "github".
	System() string
	Record(ctx context.Context, req RecordRequest, uiURL string) (incident.TrackingRecord, error)
	Comment(ctx context.Context, rec incident.TrackingRecord, ev TrackingEvent) error
	Close(ctx context.Context, rec incident.TrackingRecord, res TrackingResolution) error
}

// RecordIncident logs a new incident in the tracking tool (phase 1, detect).
func (a *Activities) RecordIncident(ctx context.Context, req RecordRequest) (incident.TrackingRecord, error) {
	if req.Key == "" || req.WorkflowID == "" {
		return incident.TrackingRecord{}, badInput("record incident: key and workflow ID are required")
	}
	return a.Tracker.Record(ctx, req, a.workflowURL(req.WorkflowID))
}

// CommentTracking adds a key event of the incident's timeline to its tracking record: a
// comment on its GitHub issue, or a line of the local log. An event whose severity is set
// relabels the record. The idempotency key is the workflow ID and the step.
func (a *Activities) CommentTracking(ctx context.Context, req TrackingEventRequest) error {
	if req.WorkflowID == "" || req.Step == "" {
		return badInput("comment tracking: workflow ID and step are required")
	}
	if err := a.checkTracking(req.Tracking); err != nil {
		return err
	}
	return a.Tracker.Comment(ctx, req.Tracking, TrackingEvent{
		IdempotencyKey: req.WorkflowID + "/tracking/" + req.Step,
		At:             req.At, Kind: req.Kind, Text: req.Text, Severity: req.Severity,
	})
}

// CloseTracking closes the incident's tracking record with its summary at resolution (phase 7).
func (a *Activities) CloseTracking(ctx context.Context, req TrackingCloseRequest) error {
	if req.WorkflowID == "" {
		return badInput("close tracking: workflow ID is required")
	}
	if err := a.checkTracking(req.Tracking); err != nil {
		return err
	}
	return a.Tracker.Close(ctx, req.Tracking, TrackingResolution{
		IdempotencyKey: req.WorkflowID + "/tracking/resolved", ResolvedAt: req.ResolvedAt, Summary: req.Summary,
	})
}

// checkTracking refuses a record this worker cannot add to: none at all, or one in another
// tracking tool than the configured one.
func (a *Activities) checkTracking(rec incident.TrackingRecord) error {
	switch {
	case rec.Ref == "":
		return badInput("the incident has no tracking record: it was not logged at detection")
	case rec.System != a.Tracker.System():
		return undeliverable("the incident was logged in %s, and this worker logs incidents in %s",
			safetext.Line(rec.System), a.Tracker.System())
	}
	return nil
}

// FileTracker is the built-in tracking log: one JSON document per incident in a directory,
// and its events and resolution as JSON lines beside it. Writing the same incident twice
// rewrites the same file, and an event whose key is in the log already is not added, so
// retries are harmless.
type FileTracker struct {
	Dir string
}

// System returns "file".
func (FileTracker) System() string { return TrackingFile }

// Record writes the incident's document atomically and returns where it is. The document is
// JSON whose strings escape every character a terminal would act on (safetext.JSON), so
// printing it is safe and decoding it gives back what was recorded.
func (t FileTracker) Record(_ context.Context, req RecordRequest, uiURL string) (incident.TrackingRecord, error) {
	if err := checkFileKey(req.Key); err != nil {
		return incident.TrackingRecord{}, err
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return incident.TrackingRecord{}, fmt.Errorf("create tracking directory: %w", err)
	}
	doc := struct {
		RecordRequest
		WorkflowURL string `json:"workflow_url"`
	}{req, uiURL}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return incident.TrackingRecord{}, fmt.Errorf("encode tracking record: %w", err)
	}
	data = safetext.JSON(data)
	path := filepath.Join(t.Dir, req.Key+".json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return incident.TrackingRecord{}, fmt.Errorf("write tracking record: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return incident.TrackingRecord{}, fmt.Errorf("write tracking record: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return incident.TrackingRecord{System: TrackingFile, Ref: req.Key, URL: "file://" + abs}, nil
}

// fileEvent is one line of an incident's events in the local log.
type fileEvent struct {
	Key      string            `json:"key"`
	At       time.Time         `json:"at"`
	Kind     string            `json:"kind"`
	Text     string            `json:"text"`
	Severity incident.Severity `json:"severity,omitempty"`
}

// Comment appends the event to <key>.events.jsonl unless a line has its key.
func (t FileTracker) Comment(_ context.Context, rec incident.TrackingRecord, ev TrackingEvent) error {
	return t.appendEvent(rec.Ref, fileEvent{Key: ev.IdempotencyKey, At: ev.At, Kind: ev.Kind, Text: ev.Text, Severity: ev.Severity})
}

// Close appends the resolution, as an event of kind "resolved", unless a line has its key.
func (t FileTracker) Close(_ context.Context, rec incident.TrackingRecord, res TrackingResolution) error {
	return t.appendEvent(rec.Ref, fileEvent{Key: res.IdempotencyKey, At: res.ResolvedAt, Kind: "resolved", Text: res.Summary})
}

// appendEvent appends ev to the incident's events unless a line has its key. Events of one
// incident are appended with O_APPEND, so events written at once do not overwrite each other.
func (t FileTracker) appendEvent(ref string, ev fileEvent) error {
	if err := checkFileKey(ref); err != nil {
		return err
	}
	path := filepath.Join(t.Dir, ref+".events.jsonl")
	seen, err := fileHasKey(path, ev.Key)
	if err != nil || seen {
		return err
	}
	if len(ev.Text) > maxTrackingText {
		ev.Text = strings.ToValidUTF8(ev.Text[:maxTrackingText], "") + " [cut by Firebreak]"
	}
	line, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode tracking event: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open tracking events: %w", err)
	}
	_, err = f.Write(append(safetext.JSON(line), '\n'))
	return errors.Join(err, f.Close())
}

// fileHasKey reports whether a line of the events file at path has the key.
func fileHasKey(path, key string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read tracking events: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4*maxTrackingText)
	for sc.Scan() {
		var ev fileEvent
		if json.Unmarshal(bytes.TrimSpace(sc.Bytes()), &ev) == nil && ev.Key == key {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read tracking events: %w", err)
	}
	return false, nil
}

// checkFileKey refuses an incident key that is not a plain file name in the log's directory.
func checkFileKey(key string) error {
	if key == "" || key == "." || key == ".." || strings.ContainsAny(key, `/\`) || strings.ContainsRune(key, 0) {
		return badInput("tracking log: incident key %q is not a file name", safetext.Line(key))
	}
	return nil
}

// GitHubTracker logs incidents as issues of a GitHub repository (activities/tracking/github).
type GitHubTracker struct {
	Issues *trackgh.Tracker
}

// System returns "github".
func (GitHubTracker) System() string { return TrackingGitHub }

// Record opens the incident's issue, or finds the one an earlier attempt opened.
func (g GitHubTracker) Record(ctx context.Context, req RecordRequest, uiURL string) (incident.TrackingRecord, error) {
	issue, err := g.Issues.Open(ctx, trackgh.Incident{
		WorkflowID: req.WorkflowID, Key: req.Key, Title: req.Title, Service: req.Service, Severity: string(req.Severity),
		Source: req.Source, Type: req.Type, Labels: req.Labels, StartedAt: req.StartedAt, WorkflowURL: uiURL,
	})
	if err != nil {
		return incident.TrackingRecord{}, err
	}
	return incident.TrackingRecord{System: TrackingGitHub, Ref: issue.Ref, URL: issue.URL}, nil
}

// Comment comments the event on the incident's issue.
func (g GitHubTracker) Comment(ctx context.Context, rec incident.TrackingRecord, ev TrackingEvent) error {
	return g.Issues.Comment(ctx, rec.Ref, trackgh.Event{
		IdempotencyKey: ev.IdempotencyKey, At: ev.At, Kind: ev.Kind, Text: ev.Text, Severity: string(ev.Severity),
	})
}

// Close comments the summary on the incident's issue and closes it.
func (g GitHubTracker) Close(ctx context.Context, rec incident.TrackingRecord, res TrackingResolution) error {
	return g.Issues.Close(ctx, rec.Ref, trackgh.Resolution{IdempotencyKey: res.IdempotencyKey, ResolvedAt: res.ResolvedAt, Summary: res.Summary})
}
