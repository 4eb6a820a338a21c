package policies

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Evaluator holds one prepared query per decision; it is safe for concurrent use.
type Evaluator struct {
	queries  map[Name]rego.PreparedEvalQuery
	revision string
}

// NewEvaluator compiles the bundle's policies once in strict mode and prepares
// every decision. A broken policy gives an error naming file:line:col and the
// problem; so does a bundle that leaves a decision's entry point undefined.
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
		queries:  make(map[Name]rego.PreparedEvalQuery, len(Names())),
		revision: b.Revision(),
	}
	for _, name := range Names() {
		query := name.entryPoint()
		if len(compiler.GetRulesExact(ast.MustParseRef(query))) == 0 {
			return nil, fmt.Errorf("prepare %s: entry point %s is undefined in the bundle", name, query)
		}
		prepared, err := rego.New(rego.Query(query), rego.Compiler(compiler)).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", name, located(err))
		}
		e.queries[name] = prepared
	}
	return e, nil
}

// Decide evaluates the named decision for input and decodes the decision object
// into out through JSON. It fails when the result is undefined or not exactly one.
func (e *Evaluator) Decide(ctx context.Context, name Name, input any, out any) error {
	query, ok := e.queries[name]
	if !ok {
		return fmt.Errorf("decide %s: unknown decision", name)
	}
	results, err := query.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", name, located(err))
	}
	if len(results) != 1 || len(results[0].Expressions) != 1 {
		if len(results) == 0 {
			return fmt.Errorf("evaluate %s: %s is undefined", name, name.entryPoint())
		}
		return fmt.Errorf("evaluate %s: %d results, want 1", name, len(results))
	}
	raw, err := json.Marshal(results[0].Expressions[0].Value)
	if err != nil {
		return fmt.Errorf("encode %s decision: %w", name, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode %s decision: %w", name, err)
	}
	return nil
}

// Revision returns the revision of the bundle the evaluator was built from.
func (e *Evaluator) Revision() string {
	return e.revision
}
