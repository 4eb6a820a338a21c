// Package runbook defines Firebreak's runbooks as plain data and gives them meaning: the
// definition types, the catalog of actions a step may call, the expressions (CEL) in conditions
// and step parameters, validation that reports every problem with its path, matching a runbook
// to an incident, resolving a step's parameters, and the content hash a run records.
//
// It knows neither YAML nor Temporal. The runbooks package loads definitions from files and maps
// the paths of problems back to lines; an interpreter walks Runbook.Steps in a workflow and asks a
// Compiled runbook for each step's condition, parameters and outputs. A Runbook marshals to JSON
// in the same shape as its YAML file, so it can be a workflow or activity input as it is, and
// expression evaluation is deterministic, so a workflow may evaluate expressions itself.
package runbook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-dev/firebreak/incident"
)

// Bounds on a runbook. Validation rejects a definition beyond any of them, so that whatever a
// file holds, a run's input, its expressions and their results stay small.
const (
	// MaxNameLen bounds a runbook's name, which takes part in workflow IDs.
	MaxNameLen = 63
	// MaxDescriptionLen bounds a runbook's description and a param's, in bytes.
	MaxDescriptionLen = 2000
	// MaxParams bounds the params of a runbook.
	MaxParams = 32
	// MaxSteps bounds the steps of a runbook, counting each step of a parallel block and not
	// counting undo steps.
	MaxSteps = 100
	// MaxParallel bounds the steps of one parallel block.
	MaxParallel = 20
	// MaxOutputs bounds the outputs a step declares.
	MaxOutputs = 20
	// MaxIDLen bounds step IDs and the names of params and outputs.
	MaxIDLen = 63
	// MaxStringLen bounds every string in a definition and every string an expression makes,
	// in bytes.
	MaxStringLen = 8192
	// MaxExpressionLen bounds one expression, in bytes.
	MaxExpressionLen = 2048
	// MaxItems bounds every list and map in a definition, in a param's value and in an
	// expression's result.
	MaxItems = 100
	// MaxEvalCost bounds the work of evaluating one expression, in CEL cost units (about one
	// per operation, one per element a comprehension visits).
	MaxEvalCost = 1_000_000
	// MaxTimeout is the longest step timeout.
	MaxTimeout = 24 * time.Hour
	// MinTimeout is the shortest step timeout.
	MinTimeout = time.Second
	// MaxAttempts bounds a step's retry.max_attempts.
	MaxAttempts = 10
	// MaxBackoff bounds a step's retry.backoff and retry.max_backoff.
	MaxBackoff = time.Hour
)

// Defaults for a step that leaves out its timeout or retry.
const (
	DefaultTimeout     = 10 * time.Minute
	DefaultMaxAttempts = 3
	DefaultBackoff     = 10 * time.Second
	DefaultMaxBackoff  = 5 * time.Minute
)

// Runbook is one runbook definition: what it is, which incidents it applies to, the params a
// run takes and the steps it runs. Its JSON has the shape of its YAML file, plus the hash.
type Runbook struct {
	// Name identifies the runbook: lowercase letters, digits and dashes, at most 63.
	Name string `json:"name"`
	// Description says what the runbook does, for people choosing one.
	Description string `json:"description,omitempty"`
	// Match says which incidents the runbook applies to; empty means it runs only when a
	// responder starts it.
	Match Match `json:"match,omitzero"`
	// Params are the values a run takes, in order.
	Params []Param `json:"params,omitempty"`
	// Steps run in order; a parallel block's steps run together.
	Steps []Step `json:"steps"`
	// Hash is the content hash ComputeHash gives, set by the loader. A run records it, and
	// Compile refuses a definition whose hash does not match its content.
	Hash string `json:"hash,omitempty"`
}

// Match says which incidents a runbook applies to. Every criterion given must hold; a list
// holds when any of its entries equals the incident's value. A Match with no criterion
// matches no incident.
type Match struct {
	// Service lists services, such as "checkout-api".
	Service []string `json:"service,omitempty"`
	// Type lists incident types, such as "deploy".
	Type []string `json:"type,omitempty"`
	// Severity lists severities: sev1, sev2 or sev3.
	Severity []incident.Severity `json:"severity,omitempty"`
	// Labels must all be on the incident with these values.
	Labels map[string]string `json:"labels,omitempty"`
	// Condition is a CEL expression over incident that must be true.
	Condition string `json:"condition,omitempty"`
}

// IsZero reports whether m has no criterion.
func (m Match) IsZero() bool {
	return len(m.Service) == 0 && len(m.Type) == 0 && len(m.Severity) == 0 &&
		len(m.Labels) == 0 && m.Condition == ""
}

// String describes m in one line, such as "service=checkout-api severity=sev1,sev2".
func (m Match) String() string {
	var parts []string
	add := func(key string, values []string) {
		if len(values) > 0 {
			parts = append(parts, key+"="+strings.Join(values, ","))
		}
	}
	add("service", m.Service)
	add("type", m.Type)
	sev := make([]string, len(m.Severity))
	for i, s := range m.Severity {
		sev[i] = string(s)
	}
	add("severity", sev)
	for _, k := range sortedKeys(m.Labels) {
		parts = append(parts, "labels."+k+"="+m.Labels[k])
	}
	if m.Condition != "" {
		parts = append(parts, "condition="+m.Condition)
	}
	return strings.Join(parts, " ")
}

// Type is the type of a param, of an action's parameter or of an output.
type Type string

// The types. Params may be string, int, bool, duration or list; actions also take float, map
// and map_of_lists.
const (
	TypeString   Type = "string"
	TypeInt      Type = "int"
	TypeBool     Type = "bool"
	TypeFloat    Type = "float"
	TypeDuration Type = "duration"
	// TypeList is a list of strings.
	TypeList Type = "list"
	// TypeMap is a map from strings to strings.
	TypeMap Type = "map"
	// TypeMapOfLists is a map from strings to lists of strings.
	TypeMapOfLists Type = "map_of_lists"
)

// ParamTypes lists the types a runbook's params may have.
func ParamTypes() []Type {
	return []Type{TypeString, TypeInt, TypeBool, TypeDuration, TypeList}
}

// Param is a value a run takes. A required param has no default; an optional param without a
// default is its type's zero value: "", 0, false, 0s or an empty list.
type Param struct {
	// Name is how expressions reference the param, as params.<name>.
	Name string `json:"name"`
	// Type is string, int, bool, duration or list (of strings).
	Type        Type   `json:"type"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
	// Default is the value when a run gives none, of the param's type: a string, an integer,
	// a bool, a duration such as "10m", or a list of strings. A string default may be an
	// expression over incident, such as "${{ incident.labels.cluster }}", evaluated when the
	// run starts; that is how a runbook that starts on its own gets its params.
	Default any `json:"default,omitempty"`
}

// Step is one entry of a runbook's steps: either an action step, with an ID and an action, or
// a parallel block, with only Parallel.
type Step struct {
	// ID names the step in references (steps.<id>.outputs.<name>), in idempotency keys and in
	// the Web UI: a lowercase letter, then lowercase letters, digits and underscores.
	ID string `json:"id,omitempty"`
	// Action is the catalog action the step calls, such as "aws.ecs_rollback".
	Action string `json:"action,omitempty"`
	// With holds the action's parameters. A string value may hold expressions, as
	// "${{ params.service }}"; a list or a map holds values the same way.
	With map[string]any `json:"with,omitempty"`
	// Timeout bounds one attempt of the step; zero means DefaultTimeout.
	Timeout Duration `json:"timeout,omitempty"`
	// Retry says how often a failing step is tried; nil means the defaults.
	Retry *Retry `json:"retry,omitempty"`
	// When is a CEL condition; the step runs only when it is true. Empty means always.
	When string `json:"when,omitempty"`
	// Approval asks for an approval before the step runs; the approval policy decides who
	// approves, how many and how long to wait.
	Approval *Approval `json:"approval,omitempty"`
	// Undo is the compensating step, run when a later step fails. It has an action, with,
	// timeout and retry only, and may use this step's own outputs.
	Undo *Step `json:"undo,omitempty"`
	// Outputs are the step's own named outputs, each a value over result (the action's
	// outputs), params, incident and earlier steps' outputs.
	Outputs map[string]string `json:"outputs,omitempty"`
	// Parallel holds the steps of a parallel block, which run together.
	Parallel []Step `json:"parallel,omitempty"`
}

// IsParallel reports whether s is a parallel block.
func (s Step) IsParallel() bool { return s.Parallel != nil }

// EffectiveTimeout returns the step's timeout, or DefaultTimeout when it has none.
func (s Step) EffectiveTimeout() time.Duration {
	if s.Timeout == 0 {
		return DefaultTimeout
	}
	return time.Duration(s.Timeout)
}

// EffectiveRetry returns the step's retry with the defaults filled in.
func (s Step) EffectiveRetry() Retry {
	r := Retry{MaxAttempts: DefaultMaxAttempts, Backoff: Duration(DefaultBackoff), MaxBackoff: Duration(DefaultMaxBackoff)}
	if s.Retry == nil {
		return r
	}
	if s.Retry.MaxAttempts != 0 {
		r.MaxAttempts = s.Retry.MaxAttempts
	}
	if s.Retry.Backoff != 0 {
		r.Backoff = s.Retry.Backoff
	}
	if s.Retry.MaxBackoff != 0 {
		r.MaxBackoff = s.Retry.MaxBackoff
	} else if r.Backoff > r.MaxBackoff {
		r.MaxBackoff = r.Backoff
	}
	return r
}

// Retry says how often a step is tried and how long it waits in between: Backoff after the
// first failure, doubling after each further one up to MaxBackoff.
type Retry struct {
	MaxAttempts int      `json:"max_attempts,omitempty"`
	Backoff     Duration `json:"backoff,omitempty"`
	MaxBackoff  Duration `json:"max_backoff,omitempty"`
}

// Approval asks for an approval before a step runs, with an optional reason shown to the
// approvers. Its JSON and YAML form is true, false or the reason as a string.
type Approval struct {
	Required bool
	Reason   string
}

// MarshalJSON writes the approval as false, true or its reason.
func (a Approval) MarshalJSON() ([]byte, error) {
	if a.Reason != "" {
		return json.Marshal(a.Reason)
	}
	return json.Marshal(a.Required)
}

// UnmarshalJSON reads false, true or a reason.
func (a *Approval) UnmarshalJSON(data []byte) error {
	var b bool
	if err := json.Unmarshal(data, &b); err == nil {
		*a = Approval{Required: b}
		return nil
	}
	var reason string
	if err := json.Unmarshal(data, &reason); err != nil {
		return fmt.Errorf("decode approval: want true, false or a reason")
	}
	*a = Approval{Required: true, Reason: reason}
	return nil
}

// Duration is a length of time written as Go writes durations, such as "90s" or "1h30m".
type Duration time.Duration

// String formats d as Go does, such as "1m30s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a string, such as "1m30s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a string such as "90s".
func (d *Duration) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("decode duration: want a string such as \"90s\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration reads a duration as Go writes them, such as "90s" or "1h30m", and rejects a
// negative one.
func ParseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use a number and a unit, such as 90s, 10m or 1h30m", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return v, nil
}

// Incident is what a runbook's expressions see of the incident, as the incident variable.
type Incident struct {
	Key      string            `json:"key"`
	Service  string            `json:"service"`
	Type     string            `json:"type"`
	Severity incident.Severity `json:"severity"`
	Title    string            `json:"title"`
	Labels   map[string]string `json:"labels,omitempty"`
}
