package runbook

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Scope is what a step's expressions see when it runs: the run's params (as BindParams gives
// them), the incident, and the outputs of the steps that have completed, by step ID (as
// CompiledStep.Outputs gives them).
type Scope struct {
	Params   map[string]any            `json:"params"`
	Incident Incident                  `json:"incident"`
	Outputs  map[string]map[string]any `json:"outputs,omitempty"`
}

// Runbook returns the definition c was compiled from.
func (c *Compiled) Runbook() *Runbook { return c.runbook }

// Params returns the runbook's params.
func (c *Compiled) Params() []Param { return slices.Clone(c.params) }

// Step returns the action step with the given ID.
func (c *Compiled) Step(id string) (*CompiledStep, bool) {
	s, ok := c.steps[id]
	return s, ok
}

// Matches reports whether the runbook applies to inc: every criterion of its match holds. A
// runbook without criteria matches no incident.
func (c *Compiled) Matches(inc Incident) (bool, error) {
	m := c.runbook.Match
	if m.IsZero() {
		return false, nil
	}
	if len(m.Service) > 0 && !slices.Contains(m.Service, inc.Service) {
		return false, nil
	}
	if len(m.Type) > 0 && !slices.Contains(m.Type, inc.Type) {
		return false, nil
	}
	if len(m.Severity) > 0 && !slices.Contains(m.Severity, inc.Severity) {
		return false, nil
	}
	for k, want := range m.Labels {
		if got, ok := inc.Labels[k]; !ok || got != want {
			return false, nil
		}
	}
	if c.match == nil {
		return true, nil
	}
	v, err := c.match.eval(incidentVars(inc))
	if err != nil {
		return false, fmt.Errorf("match runbook %s: %w", c.runbook.Name, err)
	}
	ok, _ := v.Value().(bool)
	return ok, nil
}

// BindParams returns the values of a run's params from arguments written as text, such as
// a command line's --param cluster=prod: an integer, true or false, a duration such as 10m, or
// a comma-separated list. A param left out takes its default, evaluated over inc when it is an
// expression, or its type's zero value when it is optional without a default. It reports every
// unknown, missing and malformed argument at once.
func (c *Compiled) BindParams(args map[string]string, inc Incident) (map[string]any, error) {
	var errs []error
	for _, name := range sortedKeys(args) {
		if _, ok := c.types[name]; !ok {
			errs = append(errs, fmt.Errorf("unknown param %q%s", name, knownList("params", sortedKeys(c.types))))
		}
	}
	out := make(map[string]any, len(c.params))
	for _, p := range c.params {
		text, ok := args[p.Name]
		if !ok {
			v, err := c.defaultValue(p, inc)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[p.Name] = v
			continue
		}
		v, err := parseParam(p.Type, text)
		if err != nil {
			errs = append(errs, fmt.Errorf("param %q: %w", p.Name, err))
			continue
		}
		out[p.Name] = v
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// defaultValue returns the value of a param a run leaves out.
func (c *Compiled) defaultValue(p Param, inc Incident) (any, error) {
	if p.Required {
		return nil, fmt.Errorf("param %q is required", p.Name)
	}
	def, ok := c.defaults[p.Name]
	if !ok {
		return p.Type.zero(), nil
	}
	v, err := def.eval(incidentVars(inc))
	if err != nil {
		return nil, fmt.Errorf("param %q default: %w", p.Name, err)
	}
	return v, nil
}

// parseParam reads a param's value written as text.
func parseParam(t Type, text string) (any, error) {
	switch t {
	case TypeInt:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid integer %q", text)
		}
		return coerce(t, n)
	case TypeBool:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("invalid bool %q: use true or false", text)
		}
		return b, nil
	case TypeList:
		items := []any{}
		for _, s := range strings.Split(text, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		return coerce(t, items)
	case TypeDuration:
		return coerce(t, strings.TrimSpace(text))
	}
	return coerce(t, text)
}

// vars returns the variables of an expression in sc; self, when not nil, adds the step's own
// result as result.<name>.
func (c *Compiled) vars(sc Scope, self *CompiledStep, result map[string]any) (map[string]any, error) {
	vars := incidentVars(sc.Incident)
	for name := range sc.Params {
		if _, ok := c.types[name]; !ok {
			return nil, fmt.Errorf("unknown param %q", name)
		}
	}
	for _, p := range c.params {
		raw, ok := sc.Params[p.Name]
		if !ok {
			def, err := c.defaultValue(p, sc.Incident)
			if err != nil {
				return nil, err
			}
			raw = def
		}
		v, err := coerce(p.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", p.Name, err)
		}
		vars[rootParams+"."+p.Name] = toCEL(p.Type, v)
	}
	for _, id := range sortedKeys(sc.Outputs) {
		step, ok := c.steps[id]
		if !ok {
			continue
		}
		for _, name := range sortedKeys(sc.Outputs[id]) {
			t, ok := step.outputTypes[name]
			if !ok {
				continue
			}
			v, err := coerce(t, sc.Outputs[id][name])
			if err != nil {
				return nil, fmt.Errorf("step %q output %q: %w", id, name, err)
			}
			vars[outputVar(id, name)] = toCEL(t, v)
		}
	}
	if self != nil {
		for name, v := range result {
			vars[rootResult+"."+name] = toCEL(self.outputTypes[name], v)
		}
	}
	return vars, nil
}

// Undo returns the step's undo step, or nil when it has none.
func (s *CompiledStep) Undo() *CompiledStep { return s.undo }

// When reports whether the step runs: its condition holds, or it has none.
func (s *CompiledStep) When(sc Scope) (bool, error) {
	if s.when == nil {
		return true, nil
	}
	vars, err := s.compiled.vars(sc, nil, nil)
	if err != nil {
		return false, fmt.Errorf("evaluate step %s condition: %w", s.ID, err)
	}
	v, err := s.when.eval(vars)
	if err != nil {
		return false, fmt.Errorf("evaluate step %s condition: %w", s.ID, err)
	}
	ok, _ := v.Value().(bool)
	return ok, nil
}

// With resolves the step's parameters: every expression evaluated, every value converted to the
// action parameter's canonical type and checked, and the default of each optional parameter
// the step leaves out filled in. It gives the action's input, apart from the idempotency key.
func (s *CompiledStep) With(sc Scope) (map[string]any, error) {
	vars, err := s.compiled.vars(sc, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("resolve step %s: %w", s.ID, err)
	}
	out := make(map[string]any, len(s.Action.Params))
	var errs []error
	for _, p := range s.Action.Params {
		val, ok := s.with[p.Name]
		if !ok {
			if p.Default != nil {
				out[p.Name] = clone(p.Default)
			}
			continue
		}
		v, err := val.eval(vars)
		if err == nil && p.Check != nil {
			err = p.Check(v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("parameter %s: %w", p.Name, err))
			continue
		}
		out[p.Name] = v
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("resolve step %s: %w", s.ID, errors.Join(errs...))
	}
	return out, nil
}

// Outputs returns what later steps see of the step once its action gave result: each of the
// action's outputs in canonical form (its type's zero value when result lacks it), and each of
// the step's own outputs evaluated. Names result has beyond the action's outputs are dropped.
func (s *CompiledStep) Outputs(sc Scope, result map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(s.outputTypes))
	for _, o := range s.Action.Outputs {
		raw, ok := result[o.Name]
		if !ok || raw == nil {
			out[o.Name] = o.Type.zero()
			continue
		}
		v, err := coerce(o.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("read step %s output %s: %w", s.ID, o.Name, err)
		}
		out[o.Name] = v
	}
	if len(s.outputs) == 0 {
		return out, nil
	}
	vars, err := s.compiled.vars(sc, s, out)
	if err != nil {
		return nil, fmt.Errorf("evaluate step %s outputs: %w", s.ID, err)
	}
	for _, name := range sortedKeys(s.outputs) {
		v, err := s.outputs[name].eval(vars)
		if err != nil {
			return nil, fmt.Errorf("evaluate step %s output %s: %w", s.ID, name, err)
		}
		out[name] = v
	}
	return out, nil
}
