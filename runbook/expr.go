package runbook

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
)

// The roots of the variables expressions use.
const (
	rootParams   = "params"
	rootIncident = "incident"
	rootSteps    = "steps"
	rootResult   = "result"
)

// Delimiters of an expression inside a string value.
const (
	exprOpen  = "${{"
	exprClose = "}}"
)

// incidentFields returns the fields of the incident variable and their types, in the order
// messages list them.
func incidentFields() []ActionOutput {
	return []ActionOutput{
		{Name: "key", Type: TypeString},
		{Name: "service", Type: TypeString},
		{Name: "type", Type: TypeString},
		{Name: "severity", Type: TypeString},
		{Name: "labels", Type: TypeMap},
		{Name: "title", Type: TypeString},
	}
}

// incidentVars returns the incident's fields as activation entries.
func incidentVars(inc Incident) map[string]any {
	labels := inc.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return map[string]any{
		"incident.key":      inc.Key,
		"incident.service":  inc.Service,
		"incident.type":     inc.Type,
		"incident.severity": string(inc.Severity),
		"incident.title":    inc.Title,
		"incident.labels":   toCEL(TypeMap, labels),
	}
}

// newBaseEnv returns the CEL environment every expression starts from: the standard library,
// the strings extension (join, split, lowerAscii, ...) and the parser's bounds.
func newBaseEnv() (*cel.Env, error) {
	env, err := cel.NewEnv(
		ext.Strings(),
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.ParserExpressionSizeLimit(MaxExpressionLen),
		cel.ParserRecursionLimit(50),
	)
	if err != nil {
		return nil, fmt.Errorf("create expression environment: %w", err)
	}
	return env, nil
}

// scope is what the expressions of one place in a runbook may use.
type scope struct {
	// what names the place for messages, such as "a match condition".
	what string
	// params are the runbook's params by name; nil when params are not available.
	params map[string]Type
	// visible holds, for each step whose outputs may be used, its outputs' types.
	visible map[string]map[string]Type
	// actions names each visible step's action, for messages.
	actions map[string]string
	// hidden says, for every other step of the runbook, why its outputs cannot be used.
	hidden map[string]string
	// result holds the types of the action's own outputs, for a step's outputs; else nil.
	result map[string]Type
	// resultAction names the action result comes from.
	resultAction string

	env *cel.Env
}

// declare builds the scope's CEL environment from base.
func (s *scope) declare(base *cel.Env) error {
	var opts []cel.EnvOption
	for _, name := range sortedKeys(s.params) {
		t := cel.DynType // a param of an invalid type, reported already
		if isParamType(s.params[name]) {
			t = s.params[name].celType()
		}
		opts = append(opts, cel.Variable(rootParams+"."+name, t))
	}
	for _, f := range incidentFields() {
		opts = append(opts, cel.Variable(rootIncident+"."+f.Name, f.Type.celType()))
	}
	for _, id := range sortedKeys(s.visible) {
		for _, name := range sortedKeys(s.visible[id]) {
			opts = append(opts, cel.Variable(outputVar(id, name), s.visible[id][name].celType()))
		}
	}
	for _, name := range sortedKeys(s.result) {
		opts = append(opts, cel.Variable(rootResult+"."+name, s.result[name].celType()))
	}
	env, err := base.Extend(opts...)
	if err != nil {
		return fmt.Errorf("declare expression variables: %w", err)
	}
	s.env = env
	return nil
}

// outputVar is the name of the variable that holds a step's output.
func outputVar(step, output string) string {
	return rootSteps + "." + step + ".outputs." + output
}

// expr is a compiled expression.
type expr struct {
	src string
	prg cel.Program
	out *cel.Type
	// refs are the variables the expression uses, by their full names.
	refs []string
}

// exprProblem is a problem at a byte offset in an expression's source.
type exprProblem struct {
	offset  int
	message string
}

// compile parses, checks and plans src in the scope. want, when not nil, is the type the
// expression must have.
func (s *scope) compile(src string, want *cel.Type) (*expr, []exprProblem) {
	if strings.TrimSpace(src) == "" {
		return nil, []exprProblem{{0, "empty expression"}}
	}
	if len(src) > MaxExpressionLen {
		return nil, []exprProblem{{0, fmt.Sprintf("expression is %d bytes long; at most %d are allowed", len(src), MaxExpressionLen)}}
	}
	parsed, iss := s.env.Parse(src)
	if iss.Err() != nil {
		return nil, issueProblems(src, iss)
	}
	refs, problems := s.references(src, parsed.NativeRep())
	if len(problems) > 0 {
		return nil, problems
	}
	checked, iss := s.env.Check(parsed)
	if iss.Err() != nil {
		return nil, issueProblems(src, iss)
	}
	if want != nil && !want.IsAssignableType(checked.OutputType()) {
		return nil, []exprProblem{{0, fmt.Sprintf("expression has type %s; want %s", cel.FormatCELType(checked.OutputType()), cel.FormatCELType(want))}}
	}
	prg, err := s.env.Program(checked, cel.CostLimit(MaxEvalCost), cel.CustomDecorator(sortMapLiterals))
	if err != nil {
		return nil, []exprProblem{{0, fmt.Sprintf("plan expression: %v", err)}}
	}
	return &expr{src: src, prg: prg, out: checked.OutputType(), refs: refs}, nil
}

// sortMapLiterals makes a map written in an expression, like the maps of variables, visit its
// keys in sorted order in comprehensions, so that evaluation never depends on Go's map order.
func sortMapLiterals(i interpreter.Interpretable) (interpreter.Interpretable, error) {
	if c, ok := i.(interpreter.InterpretableConstructor); ok && c.Type() == types.MapType {
		return sortedMapLiteral{c}, nil
	}
	return i, nil
}

// sortedMapLiteral evaluates a map literal to a sortedMap.
type sortedMapLiteral struct {
	interpreter.InterpretableConstructor
}

// Eval builds the map.
func (m sortedMapLiteral) Eval(a interpreter.Activation) ref.Val {
	v := m.InterpretableConstructor.Eval(a)
	if mapper, ok := v.(traits.Mapper); ok {
		return sortedMap{mapper}
	}
	return v
}

// issueProblems turns CEL's issues into problems at byte offsets of src.
func issueProblems(src string, iss *cel.Issues) []exprProblem {
	var out []exprProblem
	for _, e := range iss.Errors() {
		msg := strings.ReplaceAll(e.Message, " (in container '')", "")
		out = append(out, exprProblem{byteOffset(src, e.Location.Line(), e.Location.Column()), msg})
	}
	return out
}

// byteOffset returns the byte offset in src of a 1-based line and 0-based rune column.
func byteOffset(src string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return 0
		}
		off += i + 1
	}
	for ; col > 0 && off < len(src); col-- {
		_, size := utf8.DecodeRuneInString(src[off:])
		off += size
	}
	return off
}

// runeToByte returns the byte offset of the n-th rune of src.
func runeToByte(src string, n int32) int {
	off := 0
	for ; n > 0 && off < len(src); n-- {
		_, size := utf8.DecodeRuneInString(src[off:])
		off += size
	}
	return off
}

// references checks every use of params, incident, steps and result in the expression against
// the scope, and returns the variables it uses.
func (s *scope) references(src string, a *ast.AST) ([]string, []exprProblem) {
	var refs []string
	var problems []exprProblem
	at := func(e ast.Expr) int {
		r, ok := a.SourceInfo().GetOffsetRange(e.ID())
		if !ok {
			return 0
		}
		return runeToByte(src, r.Start)
	}
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		switch e.Kind() {
		case ast.IdentKind, ast.SelectKind:
			chain, root, ok := selectChain(e)
			if !ok {
				walk(e.AsSelect().Operand())
				return
			}
			if !isRoot(chain[0]) {
				return // the checker reports an unknown name
			}
			name, msg := s.reference(chain)
			if msg != "" {
				problems = append(problems, exprProblem{at(root), msg})
				return
			}
			if !slices.Contains(refs, name) {
				refs = append(refs, name)
			}
		case ast.CallKind:
			call := e.AsCall()
			if call.FunctionName() == "_[_]" {
				if chain, root, ok := selectChain(call.Args()[0]); ok && isRoot(chain[0]) && len(chain) < 2 {
					problems = append(problems, exprProblem{at(root), fmt.Sprintf("write %s.<name>, not %s[...]", chain[0], chain[0])})
					return
				}
			}
			if call.IsMemberFunction() {
				walk(call.Target())
			}
			for _, arg := range call.Args() {
				walk(arg)
			}
		case ast.ComprehensionKind:
			c := e.AsComprehension()
			for _, sub := range []ast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()} {
				walk(sub)
			}
		case ast.ListKind:
			for _, el := range e.AsList().Elements() {
				walk(el)
			}
		case ast.MapKind:
			for _, entry := range e.AsMap().Entries() {
				walk(entry.AsMapEntry().Key())
				walk(entry.AsMapEntry().Value())
			}
		case ast.StructKind:
			for _, f := range e.AsStruct().Fields() {
				walk(f.AsStructField().Value())
			}
		}
	}
	walk(a.Expr())
	return refs, problems
}

// isRoot reports whether name is one of the variables' roots.
func isRoot(name string) bool {
	return name == rootParams || name == rootIncident || name == rootSteps || name == rootResult
}

// selectChain returns the names of a chain of field selections on an identifier, such as
// [steps rollback outputs to], and the identifier's expression.
func selectChain(e ast.Expr) ([]string, ast.Expr, bool) {
	var rev []string
	for e.Kind() == ast.SelectKind {
		rev = append(rev, e.AsSelect().FieldName())
		e = e.AsSelect().Operand()
	}
	if e.Kind() != ast.IdentKind {
		return nil, nil, false
	}
	rev = append(rev, e.AsIdent())
	slices.Reverse(rev)
	return rev, e, true
}

// reference checks one chain rooted at a variable and returns the variable's full name, or a
// message saying what is wrong.
func (s *scope) reference(chain []string) (string, string) {
	switch chain[0] {
	case rootParams:
		if s.params == nil {
			return "", s.what + " cannot use params"
		}
		if len(chain) < 2 {
			return "", "write params.<name>; params alone is not a value"
		}
		if _, ok := s.params[chain[1]]; !ok {
			return "", fmt.Sprintf("unknown param %q%s", chain[1], knownList("params", sortedKeys(s.params)))
		}
		return rootParams + "." + chain[1], ""
	case rootIncident:
		if len(chain) < 2 {
			return "", "write incident.<field>; incident alone is not a value"
		}
		var names []string
		for _, f := range incidentFields() {
			if f.Name == chain[1] {
				return rootIncident + "." + chain[1], ""
			}
			names = append(names, f.Name)
		}
		return "", fmt.Sprintf("unknown incident field %q: use %s", chain[1], orList(names))
	case rootSteps:
		if s.visible == nil && s.hidden == nil {
			return "", s.what + " cannot use steps"
		}
		if len(chain) < 4 || chain[2] != "outputs" {
			return "", "write steps.<id>.outputs.<name>"
		}
		id, name := chain[1], chain[3]
		outputs, ok := s.visible[id]
		if !ok {
			if why, ok := s.hidden[id]; ok {
				return "", why
			}
			return "", fmt.Sprintf("unknown step %q", id)
		}
		if _, ok := outputs[name]; !ok {
			return "", fmt.Sprintf("step %q (%s) has no output %q%s", id, s.actions[id], name, knownList("outputs", sortedKeys(outputs)))
		}
		return outputVar(id, name), ""
	default: // rootResult
		if s.result == nil {
			return "", "only a step's outputs can use result"
		}
		if len(chain) < 2 {
			return "", "write result.<name>; result alone is not a value"
		}
		if _, ok := s.result[chain[1]]; !ok {
			return "", fmt.Sprintf("%s has no output %q%s", s.resultAction, chain[1], knownList("outputs", sortedKeys(s.result)))
		}
		return rootResult + "." + chain[1], ""
	}
}

// knownList ends a message with the names there are: "; params are a, b".
func knownList(what string, names []string) string {
	if len(names) == 0 {
		return "; there are no " + what
	}
	return "; " + what + ": " + strings.Join(names, ", ")
}

// eval evaluates e with the variables in vars, first checking that every variable it uses has
// a value.
func (e *expr) eval(vars map[string]any) (ref.Val, error) {
	for _, name := range e.refs {
		if _, ok := vars[name]; !ok {
			return nil, missingVar(name)
		}
	}
	v, _, err := e.prg.Eval(vars)
	if err != nil {
		return nil, fmt.Errorf("evaluate %q: %w", e.src, err)
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("evaluate %q: %v", e.src, v)
	}
	return v, nil
}

// ErrStepNotRun is wrapped by the error of an expression that uses the output of a step that was
// skipped or has not run yet, as when a run is planned before any step runs.
var ErrStepNotRun = errors.New("the step was skipped or has not run")

// missingVar explains a variable without a value.
func missingVar(name string) error {
	if rest, ok := strings.CutPrefix(name, rootSteps+"."); ok {
		id, output, _ := strings.Cut(rest, ".outputs.")
		return fmt.Errorf("step %q has no output %q: %w", id, output, ErrStepNotRun)
	}
	if rest, ok := strings.CutPrefix(name, rootParams+"."); ok {
		return fmt.Errorf("param %q has no value", rest)
	}
	if rest, ok := strings.CutPrefix(name, rootResult+"."); ok {
		return fmt.Errorf("the action gave no output %q", rest)
	}
	return fmt.Errorf("%s has no value", name)
}

// segment is one part of a string value: literal text, or an expression written ${{ ... }}.
type segment struct {
	text string
	// src is the expression's source, when the segment is one; offset is where it starts in
	// the string.
	src    string
	offset int
	isExpr bool
	expr   *expr
}

// splitTemplate splits s into text and expressions. whole reports whether s is a single
// expression, with nothing but white space around it.
func splitTemplate(s string) (segs []segment, whole bool, problem *exprProblem) {
	rest, base := s, 0
	for {
		i := strings.Index(rest, exprOpen)
		if i < 0 {
			if rest != "" {
				segs = append(segs, segment{text: rest})
			}
			break
		}
		if i > 0 {
			segs = append(segs, segment{text: rest[:i]})
		}
		body := rest[i+len(exprOpen):]
		j := strings.Index(body, exprClose)
		if j < 0 {
			return nil, false, &exprProblem{base + i, "unclosed ${{: end the expression with }}"}
		}
		src := body[:j]
		lead := len(src) - len(strings.TrimLeft(src, " \t\n\r"))
		src = strings.TrimSpace(src)
		start := base + i + len(exprOpen) + lead
		if src == "" {
			return nil, false, &exprProblem{base + i, "empty ${{ }}"}
		}
		segs = append(segs, segment{src: src, offset: start, isExpr: true})
		consumed := i + len(exprOpen) + j + len(exprClose)
		rest, base = rest[consumed:], base+consumed
	}
	exprs := 0
	blank := true
	for _, seg := range segs {
		if seg.isExpr {
			exprs++
		} else if strings.TrimSpace(seg.text) != "" {
			blank = false
		}
	}
	return segs, exprs == 1 && blank, nil
}

// hasExpr reports whether s holds an expression.
func hasExpr(s string) bool { return strings.Contains(s, exprOpen) }

// isScalarType reports whether an expression of type t can be written into text.
func isScalarType(t *cel.Type) bool {
	switch t.Kind() {
	case types.StringKind, types.IntKind, types.UintKind, types.DoubleKind, types.BoolKind,
		types.DurationKind, types.TimestampKind, types.DynKind, types.AnyKind:
		return true
	}
	return false
}

// assignable reports whether an expression of type got can give a value of type want:
// exactly, or through the conversions fromCEL makes.
func assignable(want Type, got *cel.Type) bool {
	if got.Kind() == types.DynKind || got.Kind() == types.AnyKind {
		return true
	}
	switch want {
	case TypeString:
		return isScalarType(got)
	case TypeInt:
		return got.Kind() == types.IntKind || got.Kind() == types.UintKind
	case TypeFloat:
		return got.Kind() == types.DoubleKind || got.Kind() == types.IntKind || got.Kind() == types.UintKind
	case TypeDuration:
		return got.Kind() == types.DurationKind || got.Kind() == types.StringKind
	}
	return want.celType().IsAssignableType(got)
}

// typeOf returns the Type of an expression's result type, for a step's own outputs.
func typeOf(t *cel.Type) (Type, bool) {
	for _, c := range []Type{TypeString, TypeInt, TypeBool, TypeFloat, TypeDuration, TypeList, TypeMap, TypeMapOfLists} {
		if t.IsExactType(c.celType()) {
			return c, true
		}
	}
	if t.Kind() == types.UintKind {
		return TypeInt, true
	}
	return "", false
}
