package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

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
}

// Tracker logs incidents in a tracking tool. Record must be idempotent: recording the same
// incident again returns the same record.
type Tracker interface {
	Record(ctx context.Context, req RecordRequest, uiURL string) (incident.TrackingRecord, error)
}

// RecordIncident logs a new incident in the tracking tool (phase 1, detect).
func (a *Activities) RecordIncident(ctx context.Context, req RecordRequest) (incident.TrackingRecord, error) {
	if req.Key == "" || req.WorkflowID == "" {
		return incident.TrackingRecord{}, badInput("record incident: key and workflow ID are required")
	}
	return a.Tracker.Record(ctx, req, a.workflowURL(req.WorkflowID))
}

// FileTracker is the built-in tracking log: one JSON document per incident in a directory.
// Writing the same incident twice rewrites the same file, so retries are harmless.
type FileTracker struct {
	Dir string
}

// Record writes the incident's document atomically and returns where it is. The document is
// JSON whose strings escape every character a terminal would act on (safetext.JSON), so
// printing it is safe and decoding it gives back what was recorded.
func (t FileTracker) Record(_ context.Context, req RecordRequest, uiURL string) (incident.TrackingRecord, error) {
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
	return incident.TrackingRecord{System: "file", Ref: req.Key, URL: "file://" + abs}, nil
}
