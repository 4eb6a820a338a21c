package runbook

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
)

// Compiled is a valid runbook with its expressions compiled: it matches incidents, binds a run's
// params and resolves each step's condition, parameters and outputs. It is safe for concurrent
// use. Values it takes and gives are in canonical form: string, int64, bool, float64, a duration
// as a string Go writes ("1m30s"), []string, map[string]string or map[string][]string; it also
// takes what a JSON round trip makes of them (float64 for an integer, []any, map[string]any).
type Compiled struct {
	runbook  *Runbook
	params   []Param
	types    map[string]Type
	defaults map[string]*value
	match    *expr
	steps    map[string]*CompiledStep
}

// CompiledStep is one action step of a Compiled runbook, or the undo step of one.
type CompiledStep struct {
	// ID is the step's ID; an undo step has its step's ID followed by ".undo".
	ID string
	// Step is the definition.
	Step *Step
	// Action is the catalog action the step calls.
	Action Action

	when    *expr
	with    map[string]*value
	outputs map[string]*value
	// outputTypes are the types of every output later steps may use: the action's and the
	// step's own.
	outputTypes map[string]Type
	undo        *CompiledStep
	compiled    *Compiled
}

// Validate checks r and returns Problems listing everything wrong with it, or nil.
func Validate(r *Runbook) error {
	_, err := Compile(r)
	return err
}

// Compile checks r and compiles its expressions. When r is not valid the error is Problems,
// listing every problem found, each with its path.
func Compile(r *Runbook) (*Compiled, error) {
	if r == nil {
		return nil, errors.New("compile runbook: no definition")
	}
	base, err := newBaseEnv()
	if err != nil {
		return nil, err
	}
	v := &validator{base: base, actions: actionIndex()}
	c := &Compiled{runbook: r, types: map[string]Type{}, defaults: map[string]*value{}, steps: map[string]*CompiledStep{}}
	v.header(r)
	c.params = v.params(r.Params, c)
	c.match = v.match(r.Match)
	v.steps(r.Steps, c)
	if r.Hash != "" {
		if got, err := r.ComputeHash(); err != nil {
			v.addf(Path{"hash"}, "%v", err)
		} else if got != r.Hash {
			v.addf(Path{"hash"}, "hash %s does not match the content, whose hash is %s: the definition changed after it was hashed", r.Hash, got)
		}
	}
	if len(v.problems) > 0 {
		return nil, v.problems
	}
	return c, nil
}

// validator collects problems as it compiles a runbook.
type validator struct {
	problems Problems
	base     *cel.Env
	actions  map[string]Action
}

func (v *validator) addf(p Path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: p, Offset: -1, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) addAt(p Path, offset int, msg string) {
	v.problems = append(v.problems, Problem{Path: p, Offset: offset, Message: msg})
}

// text checks the length of a string and that it holds no control characters other than
// line breaks and tabs.
func (v *validator) text(p Path, s string, limit int) {
	if len(s) > limit {
		v.addf(p, "%d bytes long; at most %d are allowed", len(s), limit)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			v.addf(p, "holds the control character %q", r)
			return
		}
	}
}

// header checks the name and description.
func (v *validator) header(r *Runbook) {
	switch {
	case r.Name == "":
		v.addf(Path{"name"}, "a runbook needs a name")
	case !validName(r.Name):
		v.addf(Path{"name"}, "invalid name %q: use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most %d", r.Name, MaxNameLen)
	}
	v.text(Path{"description"}, r.Description, MaxDescriptionLen)
}

// validName reports whether s is a runbook name.
func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// validID reports whether s is a step ID, a param name or an output name: a lowercase letter,
// then lowercase letters, digits and underscores.
func validID(s string) bool {
	if s == "" || len(s) > MaxIDLen || !(s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// params checks the params, recording their types and compiling their defaults into c.
func (v *validator) params(params []Param, c *Compiled) []Param {
	if len(params) > MaxParams {
		v.addf(Path{"params"}, "%d params; at most %d are allowed", len(params), MaxParams)
	}
	sc := &scope{what: "a param's default"}
	if err := sc.declare(v.base); err != nil {
		v.addf(Path{"params"}, "%v", err)
		return nil
	}
	out := make([]Param, 0, len(params))
	for i, p := range params {
		path := Path{"params"}.with(i)
		switch {
		case !validID(p.Name):
			v.addf(path.with("name"), "invalid param name %q: use a lowercase letter, then lowercase letters, digits and underscores, at most %d", p.Name, MaxIDLen)
		case c.types[p.Name] != "":
			v.addf(path.with("name"), "param %q is declared twice", p.Name)
		}
		v.text(path.with("description"), p.Description, MaxDescriptionLen)
		if !validID(p.Name) || c.types[p.Name] != "" {
			continue
		}
		// A param of an invalid type is still declared, so that its uses are not reported too.
		c.types[p.Name] = p.Type
		if !isParamType(p.Type) {
			v.addf(path.with("type"), "invalid type %q: use %s", p.Type, orList(typeNames(ParamTypes())))
			continue
		}
		out = append(out, p)
		if p.Default == nil {
			continue
		}
		if p.Required {
			v.addf(path.with("default"), "a required param has no default: remove the default or required")
			continue
		}
		if def := v.value(sc, path.with("default"), p.Type, p.Default); def != nil {
			c.defaults[p.Name] = def
		}
	}
	return out
}

// isParamType reports whether t is a type a param may have.
func isParamType(t Type) bool {
	for _, pt := range ParamTypes() {
		if t == pt {
			return true
		}
	}
	return false
}

// typeNames returns the names of types.
func typeNames(ts []Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// match checks the match criteria and compiles the condition.
func (v *validator) match(m Match) *expr {
	path := Path{"match"}
	list := func(key string, values []string) {
		if len(values) > MaxItems {
			v.addf(path.with(key), "%d entries; at most %d are allowed", len(values), MaxItems)
		}
		for i, s := range values {
			if strings.TrimSpace(s) == "" {
				v.addf(path.with(key, i), "empty entry")
			}
			v.text(path.with(key, i), s, MaxStringLen)
		}
	}
	list("service", m.Service)
	list("type", m.Type)
	for i, s := range m.Severity {
		if !s.Valid() {
			v.addf(path.with("severity", i), "invalid severity %q: use sev1, sev2 or sev3", s)
		}
	}
	if len(m.Labels) > MaxItems {
		v.addf(path.with("labels"), "%d labels; at most %d are allowed", len(m.Labels), MaxItems)
	}
	for _, k := range sortedKeys(m.Labels) {
		if k == "" {
			v.addf(path.with("labels"), "empty label name")
		}
		v.text(path.with("labels", k), m.Labels[k], MaxStringLen)
	}
	if m.Condition == "" {
		return nil
	}
	cp := path.with("condition")
	if hasExpr(m.Condition) {
		v.addf(cp, "a condition is an expression already: write it without ${{ }}")
		return nil
	}
	sc := &scope{what: "a match condition"}
	if err := sc.declare(v.base); err != nil {
		v.addf(cp, "%v", err)
		return nil
	}
	e, problems := sc.compile(m.Condition, cel.BoolType)
	for _, p := range problems {
		v.addAt(cp, p.offset, p.message)
	}
	return e
}

// stepRef is where a step is: its top-level index and its path.
type stepRef struct {
	top    int
	path   Path
	action string
}

// steps checks the steps in order and compiles each action step into c.
func (v *validator) steps(steps []Step, c *Compiled) {
	if len(steps) == 0 {
		v.addf(Path{"steps"}, "a runbook needs at least one step")
		return
	}
	// First pass: every step's ID and place, so that a reference to a later step says so.
	index := map[string]stepRef{}
	total := 0
	add := func(s Step, top int, path Path) {
		total++
		if s.ID == "" {
			return
		}
		if prev, ok := index[s.ID]; ok {
			v.addf(path.with("id"), "step id %q is already used by %s", s.ID, prev.path)
			return
		}
		index[s.ID] = stepRef{top: top, path: path, action: s.Action}
	}
	for i, s := range steps {
		if s.IsParallel() {
			for j, ps := range s.Parallel {
				add(ps, i, Path{"steps"}.with(i, "parallel", j))
			}
			continue
		}
		add(s, i, Path{"steps"}.with(i))
	}
	if total > MaxSteps {
		v.addf(Path{"steps"}, "%d steps; at most %d are allowed", total, MaxSteps)
	}

	visible := map[string]map[string]Type{}
	actions := map[string]string{}
	for i := range steps {
		s := &steps[i]
		path := Path{"steps"}.with(i)
		var done []*CompiledStep
		if s.IsParallel() {
			v.parallelBlock(s, path)
			for j := range s.Parallel {
				ps := &s.Parallel[j]
				if ps.IsParallel() {
					v.addf(path.with("parallel", j), "parallel blocks cannot be nested")
					continue
				}
				done = append(done, v.step(ps, path.with("parallel", j), i, index, visible, actions, c))
			}
		} else {
			done = append(done, v.step(s, path, i, index, visible, actions, c))
		}
		for _, cs := range done {
			if cs != nil && cs.ID != "" {
				visible[cs.ID] = cs.outputTypes
				actions[cs.ID] = cs.Step.Action
			}
		}
	}
}

// parallelBlock checks that a parallel block holds only its steps.
func (v *validator) parallelBlock(s *Step, path Path) {
	if len(s.Parallel) == 0 {
		v.addf(path.with("parallel"), "an empty parallel block: list its steps")
	}
	if len(s.Parallel) > MaxParallel {
		v.addf(path.with("parallel"), "%d steps in one parallel block; at most %d are allowed", len(s.Parallel), MaxParallel)
	}
	for _, f := range s.setFields() {
		v.addf(path.with(f), "a parallel block holds only parallel: move %s into one of its steps", f)
	}
}

// setFields names the fields of s other than parallel that are set.
func (s *Step) setFields() []string {
	var f []string
	add := func(set bool, name string) {
		if set {
			f = append(f, name)
		}
	}
	add(s.ID != "", "id")
	add(s.Action != "", "action")
	add(s.With != nil, "with")
	add(s.Timeout != 0, "timeout")
	add(s.Retry != nil, "retry")
	add(s.When != "", "when")
	add(s.Approval != nil, "approval")
	add(s.Undo != nil, "undo")
	add(s.Outputs != nil, "outputs")
	return f
}

// step checks one action step and compiles it.
func (v *validator) step(s *Step, path Path, top int, index map[string]stepRef, visible map[string]map[string]Type, actions map[string]string, c *Compiled) *CompiledStep {
	if !validID(s.ID) {
		if s.ID == "" {
			v.addf(path, "a step needs an id")
		} else {
			v.addf(path.with("id"), "invalid step id %q: use a lowercase letter, then lowercase letters, digits and underscores, at most %d", s.ID, MaxIDLen)
		}
	}
	sc := &scope{what: "a step", params: c.types, visible: visible, actions: actions, hidden: map[string]string{}}
	for id, ref := range index {
		if _, ok := visible[id]; ok {
			continue
		}
		switch {
		case id == s.ID:
			sc.hidden[id] = fmt.Sprintf("step %q is this step: its outputs are result.<name> in its outputs and steps.%s.outputs.<name> in its undo", id, id)
		case ref.top == top:
			sc.hidden[id] = fmt.Sprintf("step %q runs in parallel with this step: use its outputs in a later step", id)
		case ref.top > top:
			sc.hidden[id] = fmt.Sprintf("step %q runs after this step (%s)", id, ref.path)
		default:
			sc.hidden[id] = fmt.Sprintf("step %q has no outputs to use", id)
		}
	}
	if err := sc.declare(v.base); err != nil {
		v.addf(path, "%v", err)
		return nil
	}
	cs := v.actionStep(s, path, sc, c)
	if cs == nil {
		return nil
	}
	cs.ID = s.ID

	if s.When != "" {
		wp := path.with("when")
		if hasExpr(s.When) {
			v.addf(wp, "a condition is an expression already: write it without ${{ }}")
		} else {
			e, problems := sc.compile(s.When, cel.BoolType)
			for _, p := range problems {
				v.addAt(wp, p.offset, p.message)
			}
			cs.when = e
		}
	}
	if s.Approval != nil {
		v.text(path.with("approval"), s.Approval.Reason, MaxDescriptionLen)
	}
	cs.outputTypes = map[string]Type{}
	for _, o := range cs.Action.Outputs {
		cs.outputTypes[o.Name] = o.Type
	}
	v.stepOutputs(s, path, sc, cs)
	if s.Undo != nil {
		cs.undo = v.undo(s, path.with("undo"), sc, cs, c)
	}
	if cs.ID != "" && validID(cs.ID) {
		if _, dup := c.steps[cs.ID]; !dup {
			c.steps[cs.ID] = cs
		}
	}
	return cs
}

// actionStep checks what an action step and an undo step share, action, with, timeout and
// retry, and compiles with in sc.
func (v *validator) actionStep(s *Step, path Path, sc *scope, c *Compiled) *CompiledStep {
	cs := &CompiledStep{Step: s, compiled: c, with: map[string]*value{}}
	action, known := v.actions[s.Action]
	switch {
	case s.Action == "":
		v.addf(path, "a step needs an action")
	case !known:
		v.addf(path.with("action"), "unknown action %q; actions: %s", s.Action, strings.Join(actionNames(v.actions), ", "))
	}
	cs.Action = action
	if len(s.With) > MaxItems {
		v.addf(path.with("with"), "%d parameters; at most %d are allowed", len(s.With), MaxItems)
	}
	for _, key := range sortedKeys(s.With) {
		kp := path.with("with", key)
		if !known {
			v.value(sc, kp, "", s.With[key]) // still check its expressions
			continue
		}
		p, ok := action.Param(key)
		if !ok {
			v.addf(kp, "%s has no parameter %q; it takes %s", action.Name, key, paramNames(action))
			continue
		}
		val := v.value(sc, kp, p.Type, s.With[key])
		if val == nil {
			continue
		}
		if val.isLiteral() && p.Check != nil {
			if err := p.Check(val.literal); err != nil {
				v.addf(kp, "%v", err)
			}
		}
		cs.with[key] = val
	}
	if known {
		for _, p := range action.Params {
			if _, ok := s.With[p.Name]; p.Required && !ok {
				v.addf(path.with("with"), "%s needs the parameter %q", action.Name, p.Name)
			}
		}
	}
	if s.Timeout != 0 && (time.Duration(s.Timeout) < MinTimeout || time.Duration(s.Timeout) > MaxTimeout) {
		v.addf(path.with("timeout"), "timeout %s is out of range: want %s to %s", s.Timeout, MinTimeout, MaxTimeout)
	}
	if r := s.Retry; r != nil {
		rp := path.with("retry")
		if r.MaxAttempts < 0 || r.MaxAttempts > MaxAttempts {
			v.addf(rp.with("max_attempts"), "max_attempts %d is out of range: want 1 to %d", r.MaxAttempts, MaxAttempts)
		}
		if r.Backoff != 0 && (time.Duration(r.Backoff) < time.Second || time.Duration(r.Backoff) > MaxBackoff) {
			v.addf(rp.with("backoff"), "backoff %s is out of range: want 1s to %s", r.Backoff, Duration(MaxBackoff))
		}
		if r.MaxBackoff != 0 && (time.Duration(r.MaxBackoff) > MaxBackoff || r.MaxBackoff < r.Backoff || time.Duration(r.MaxBackoff) < time.Second) {
			v.addf(rp.with("max_backoff"), "max_backoff %s is out of range: want backoff to %s", r.MaxBackoff, Duration(MaxBackoff))
		}
	}
	return cs
}

// stepOutputs checks and compiles a step's own outputs, in sc with result added.
func (v *validator) stepOutputs(s *Step, path Path, sc *scope, cs *CompiledStep) {
	if len(s.Outputs) == 0 {
		return
	}
	op := path.with("outputs")
	if len(s.Outputs) > MaxOutputs {
		v.addf(op, "%d outputs; at most %d are allowed", len(s.Outputs), MaxOutputs)
	}
	osc := *sc
	osc.what = "a step's outputs"
	osc.result = map[string]Type{}
	for _, o := range cs.Action.Outputs {
		osc.result[o.Name] = o.Type
	}
	osc.resultAction = cs.Action.Name
	if err := osc.declare(v.base); err != nil {
		v.addf(op, "%v", err)
		return
	}
	cs.outputs = map[string]*value{}
	for _, name := range sortedKeys(s.Outputs) {
		np := op.with(name)
		if !validID(name) {
			v.addf(np, "invalid output name %q: use a lowercase letter, then lowercase letters, digits and underscores, at most %d", name, MaxIDLen)
			continue
		}
		if _, ok := cs.Action.Output(name); ok {
			v.addf(np, "%s already has an output %q: choose another name", cs.Action.Name, name)
			continue
		}
		val := v.value(&osc, np, "", s.Outputs[name])
		if val == nil {
			continue
		}
		if val.typ == "" {
			v.addf(np, "expression has type %s; an output must be a string, int, bool, float, duration, list of strings or map of strings", celTypeString(val.whole))
			continue
		}
		cs.outputs[name] = val
		cs.outputTypes[name] = val.typ
	}
}

// undo checks and compiles a step's undo, which may also use the step's own outputs.
func (v *validator) undo(s *Step, path Path, sc *scope, cs *CompiledStep, c *Compiled) *CompiledStep {
	u := s.Undo
	for _, f := range []struct {
		set  bool
		name string
	}{{u.ID != "", "id"}, {u.When != "", "when"}, {u.Approval != nil, "approval"}, {u.Undo != nil, "undo"}, {u.Outputs != nil, "outputs"}, {u.Parallel != nil, "parallel"}} {
		if f.set {
			v.addf(path.with(f.name), "an undo step has only action, with, timeout and retry: remove %s", f.name)
		}
	}
	usc := *sc
	usc.what = "an undo step"
	if s.ID != "" {
		usc.visible = map[string]map[string]Type{}
		for id, outs := range sc.visible {
			usc.visible[id] = outs
		}
		usc.visible[s.ID] = cs.outputTypes
		usc.actions = map[string]string{}
		for id, a := range sc.actions {
			usc.actions[id] = a
		}
		usc.actions[s.ID] = s.Action
		usc.hidden = map[string]string{}
		for id, why := range sc.hidden {
			if id != s.ID {
				usc.hidden[id] = why
			}
		}
	}
	if err := usc.declare(v.base); err != nil {
		v.addf(path, "%v", err)
		return nil
	}
	ucs := v.actionStep(u, path, &usc, c)
	ucs.ID = s.ID + ".undo"
	return ucs
}

// actionNames returns the catalog's action names in order.
func actionNames(actions map[string]Action) []string { return sortedKeys(actions) }

// paramNames lists an action's parameters for messages.
func paramNames(a Action) string {
	var names []string
	for _, p := range a.Params {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
