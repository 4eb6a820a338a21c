package policies

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Memo answers decisions as its Evaluator does, remembering the most recent ones by their
// input so that the same input is not evaluated twice: an alert sent again (Alertmanager sends
// a whole group again at every group interval; a storm repeats the same few alerts) is routed
// at the cost of hashing it. It remembers nothing when a policy of the bundle calls a
// nondeterministic built-in, whose answer may change for the same input. It is safe for
// concurrent use.
type Memo struct {
	evaluator *Evaluator
	// decisions maps a decision's name and the hash of its input's JSON to the decision's
	// JSON; nil when the bundle is not deterministic.
	decisions *lru.Cache[memoKey, []byte]
}

type memoKey struct {
	name  Name
	input [sha256.Size]byte
}

// NewMemo returns a Memo of e that remembers at most size decisions (at least one).
func NewMemo(e *Evaluator, size int) *Memo {
	m := &Memo{evaluator: e}
	if e.deterministic {
		m.decisions, _ = lru.New[memoKey, []byte](max(size, 1)) // an error only for size < 1
	}
	return m
}

// Decide evaluates the named decision for input, or answers it from memory when the same input
// was decided before, and decodes the decision into out through JSON.
func (m *Memo) Decide(ctx context.Context, name Name, input any, out any) error {
	if m.decisions == nil {
		return m.evaluator.Decide(ctx, name, input, out)
	}
	data, err := json.Marshal(input) // map keys are sorted: the same input, the same bytes
	if err != nil {
		return fmt.Errorf("encode %s input: %w", name, err)
	}
	key := memoKey{name: name, input: sha256.Sum256(data)}
	raw, ok := m.decisions.Get(key)
	if !ok {
		value, err := ast.ValueFromReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("encode %s input: %w", name, err)
		}
		if raw, err = m.evaluator.decide(ctx, name, rego.EvalParsedInput(value)); err != nil {
			return err
		}
		m.decisions.Add(key, raw)
	}
	return decode(name, raw, out)
}

// Revision returns the revision of the bundle the evaluator was built from.
func (m *Memo) Revision() string { return m.evaluator.Revision() }
