// Package policies holds Firebreak's Rego decisions (severity, engagement,
// escalation, targets, routing, confirmation, approval and communication),
// embedded in the binary, the evaluator that prepares each decision once and
// answers it for any input, and the Go types the decisions decode into.
//
// Every decision's entry point is data.firebreak.<name>.decision and yields one
// object that includes "reasons", the human-readable explanation of the result.
// Each policy fails safe: missing or malformed input gives the more cautious answer.
package policies

// Name identifies one decision (entry point data.firebreak.<name>.decision).
type Name string

// The decisions the bundle must define.
const (
	// Severity classifies an incident as sev1, sev2 or sev3.
	Severity Name = "severity"
	// Engagement decides which teams are engaged, tier by tier, who commands, and
	// who is paged at the ladder's end.
	Engagement Name = "engagement"
	// Escalation decides acknowledgement timeouts, repeats, how often the ladder's
	// end pages again, and deferral.
	Escalation Name = "escalation"
	// Targets decides the response and resolution targets.
	Targets Name = "targets"
	// Routing decides whether an alert opens an incident, how alerts group into
	// incidents, and the service, type, title and impact an incident starts with.
	Routing Name = "routing"
	// Confirmation decides when an incident counts as confirmed, so that customers
	// may hear of it, and whether paging pauses while it may be a false alarm.
	Confirmation Name = "confirmation"
	// Approval decides whether a runbook step needs an approval, from whom, how
	// long to wait, and whether the step only plans.
	Approval Name = "approval"
	// Communication decides how often a public update is due, who may post one, and
	// when the commander is reminded of an overdue one.
	Communication Name = "communication"
)

// Names returns every decision in a fixed order.
func Names() []Name {
	return []Name{Severity, Engagement, Escalation, Targets, Routing, Confirmation, Approval, Communication}
}

// entryPoint returns the query that evaluates the decision.
func (n Name) entryPoint() string {
	return "data.firebreak." + string(n) + ".decision"
}
