package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/firebreak-dev/firebreak/incident"
)

// publish keeps search attributes, memo and the Web UI's current details in step with the state.
// Search attributes and memo are written only when what they say changed, so that a storm of
// alerts adds no commands to the history.
func (r *incidentRun) publish(ctx workflow.Context) {
	s := &r.state
	workflow.SetCurrentDetails(ctx, r.details())
	summary := r.summaryLine()
	if summary == r.published {
		return
	}
	r.published = summary
	logger := workflow.GetLogger(ctx)
	updates := []temporal.SearchAttributeUpdate{
		AttrService.ValueSet(s.Service),
		AttrType.ValueSet(s.Type),
		AttrPhase.ValueSet(string(s.Phase)),
		AttrStatus.ValueSet(string(s.Status)),
		AttrEscalationLevel.ValueSet(int64(s.Level)),
	}
	if s.Severity != "" {
		updates = append(updates, AttrSeverity.ValueSet(string(s.Severity)))
	}
	if c := s.Roles[incident.RoleCommander]; c != "" {
		updates = append(updates, AttrCommander.ValueSet(c))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		logger.Error("upsert search attributes", "error", err)
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{"title": s.Title, "summary": summary}); err != nil {
		logger.Error("upsert memo", "error", err)
	}
}

// summaryLine is the memo's one-line summary; it names everything the search attributes hold.
func (r *incidentRun) summaryLine() string {
	s := &r.state
	line := fmt.Sprintf("%s %s, phase %s", orUnknown(string(s.Severity)), s.Status, s.Phase)
	if s.Level > 0 {
		line += fmt.Sprintf(", level %d of %d", s.Level, s.Plan.Levels())
	}
	if c := s.Roles[incident.RoleCommander]; c != "" {
		line += ", commander " + c
	}
	return line
}

func (r *incidentRun) details() string {
	s := &r.state
	var b strings.Builder
	b.WriteString(fmt.Sprintf("## %s\n\n", s.Title))
	b.WriteString(fmt.Sprintf("- **Severity:** %s (%s)\n", orUnknown(string(s.Severity)), strings.Join(s.SeverityReasons, "; ")))
	b.WriteString(fmt.Sprintf("- **Status:** %s, phase %s\n", s.Status, s.Phase))
	b.WriteString(fmt.Sprintf("- **Service:** %s; channel %s; bridge %s\n", s.Service, orUnknown(s.Channels.Channel), orUnknown(s.Channels.BridgeURL)))
	if s.Level > 0 {
		b.WriteString(fmt.Sprintf("- **Escalation:** level %d of %d\n", s.Level, s.Plan.Levels()))
	}
	if s.AlertCount > 0 {
		b.WriteString(fmt.Sprintf("- **Alerts:** %d received, %d distinct tracked, %d firing\n", s.AlertCount, len(s.AlertBook.Firing), s.AlertBook.FiringNow))
	}
	for _, role := range incident.Roles() {
		b.WriteString(fmt.Sprintf("- **%s:** %s\n", role, orUnknown(s.Roles[role])))
	}
	return b.String()
}

func orUnknown(v string) string {
	if v == "" {
		return "—"
	}
	return v
}
