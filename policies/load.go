package policies

import (
	"context"
	"fmt"
)

// Load compiles the policies in dir, or the built-in ones when dir is empty. A broken policy is
// an error naming its file and line.
func Load(ctx context.Context, dir string) (*Evaluator, error) {
	var bundle *Bundle
	var err error
	if dir == "" {
		bundle, err = Embedded()
	} else {
		bundle, err = LoadDir(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	evaluator, err := NewEvaluator(ctx, bundle)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	return evaluator, nil
}
