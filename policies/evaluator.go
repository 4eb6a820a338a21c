package policies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Evaluator holds one prepared query per decision; it is safe for concurrent use.
type Evaluator struct {
	queries  map[Name]rego.PreparedEvalQuery
	sources  map[Name]string
	revision string
	// deterministic is set when no policy calls a nondeterministic built-in (time.now_ns,
	// http.send, rand.intn...): every decision is then a function of its input alone.
	deterministic bool
}

// NewEvaluator compiles the bundle's policies once in strict mode and prepares
// every decision. A broken policy gives an error naming file:line:col and the
// problem; a bundle that leaves decisions' entry points undefined gives an error
// naming each of them.
func NewEvaluator(ctx context.Context, b *Bundle) (*Evaluator, error) {
	modules, err := b.parse(false)
	if err != nil {
		return nil, fmt.Errorf("parse policies: %w", err)
	}
	compiler := ast.NewCompiler().WithStrict(true)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", located(compiler.Errors))
	}

	e := &Evaluator{
		queries:       make(map[Name]rego.PreparedEvalQuery, len(Names())),
		sources:       make(map[Name]string, len(Names())),
		revision:      b.Revision(),
		deterministic: !slices.ContainsFunc(compiler.Required.Builtins, (*ast.Builtin).IsNondeterministic),
	}
	var errs []error
	for _, name := range Names() {
		query := name.entryPoint()
		rules := compiler.GetRulesExact(ast.MustParseRef(query))
		if len(rules) == 0 {
			errs = append(errs, fmt.Errorf("prepare %s: entry point %s is undefined in the bundle", name, query))
			continue
		}
		e.sources[name] = source(rules)
		prepared, err := rego.New(rego.Query(query), rego.Compiler(compiler)).PrepareForEval(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("prepare %s: %w", name, located(err)))
			continue
		}
		e.queries[name] = prepared
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// source returns "file:line" of the first rule that is not a default, or of the first rule.
func source(rules []*ast.Rule) string {
	rule := rules[0]
	for _, r := range rules {
		if !r.Default {
			rule = r
			break
		}
	}
	if rule.Location == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d", rule.Location.File, rule.Location.Row)
}

// Source returns where the named decision is defined, as "file:line" (its first rule that is
// not a default), or "" for a decision the evaluator does not know.
func (e *Evaluator) Source(name Name) string {
	return e.sources[name]
}

// Decide evaluates the named decision for input and decodes the decision object
// into out through JSON. It fails when the result is undefined or not exactly one.
func (e *Evaluator) Decide(ctx context.Context, name Name, input any, out any) error {
	raw, err := e.decide(ctx, name, rego.EvalInput(input))
	if err != nil {
		return err
	}
	return decode(name, raw, out)
}

// decide evaluates the named decision for the input option given and returns the decision as
// JSON.
func (e *Evaluator) decide(ctx context.Context, name Name, input rego.EvalOption) ([]byte, error) {
	query, ok := e.queries[name]
	if !ok {
		return nil, fmt.Errorf("decide %s: unknown decision", name)
	}
	results, err := query.Eval(ctx, input)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", name, located(err))
	}
	if len(results) != 1 || len(results[0].Expressions) != 1 {
		if len(results) == 0 {
			return nil, fmt.Errorf("evaluate %s: %s is undefined", name, name.entryPoint())
		}
		return nil, fmt.Errorf("evaluate %s: %d results, want 1", name, len(results))
	}
	raw, err := json.Marshal(results[0].Expressions[0].Value)
	if err != nil {
		return nil, fmt.Errorf("encode %s decision: %w", name, err)
	}
	return raw, nil
}

// decode decodes a decision's JSON into out.
func decode(name Name, raw []byte, out any) error {
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode %s decision: %w", name, err)
	}
	return nil
}

// Revision returns the revision of the bundle the evaluator was built from.
func (e *Evaluator) Revision() string {
	return e.revision
}
