package policies

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// RunTests runs every Rego test in the bundle and writes a readable report to w:
// each failing test with its file:line (with verbose, every test), then a summary.
// Errored tests count as failed. It returns an error only when the tests could
// not run, for example because a module does not compile.
func RunTests(ctx context.Context, b *Bundle, w io.Writer, verbose bool) (passed, failed int, err error) {
	modules, err := b.parse(true)
	if err != nil {
		return 0, 0, fmt.Errorf("parse rego tests: %w", err)
	}
	compiler := ast.NewCompiler().WithStrict(true).WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		CapturePrintOutput(true)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("run rego tests: %w", located(err))
	}

	var results []*tester.Result
	for result := range ch {
		results = append(results, result)
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("run rego tests: %w", err)
	}
	slices.SortFunc(results, func(a, b *tester.Result) int {
		return cmp.Or(a.Location.Compare(b.Location), strings.Compare(a.Name, b.Name))
	})

	var report strings.Builder
	skipped := 0
	for _, result := range results {
		switch {
		case result.Skip:
			skipped++
			if verbose {
				fmt.Fprintf(&report, "SKIP  %s: %s.%s\n", result.Location, result.Package, result.Name)
			}
		case result.Pass():
			passed++
			if verbose {
				fmt.Fprintf(&report, "PASS  %s: %s.%s (%s)\n", result.Location, result.Package, result.Name, result.Duration)
			}
		default:
			failed++
			writeFailure(&report, result)
		}
	}
	fmt.Fprintf(&report, "%d passed, %d failed", passed, failed)
	if skipped > 0 {
		fmt.Fprintf(&report, ", %d skipped", skipped)
	}
	report.WriteString("\n")

	if _, err := io.WriteString(w, report.String()); err != nil {
		return passed, failed, fmt.Errorf("write test report: %w", err)
	}
	return passed, failed, nil
}

// writeFailure describes a failed or errored test: where it is, the error it
// raised, and anything it printed.
func writeFailure(report *strings.Builder, result *tester.Result) {
	outcome := "FAIL "
	if result.Error != nil {
		outcome = "ERROR"
	}
	fmt.Fprintf(report, "%s %s: %s.%s (%s)\n", outcome, result.Location, result.Package, result.Name, result.Duration)
	if result.Error != nil {
		fmt.Fprintf(report, "      %s\n", located(result.Error))
	}
	for line := range strings.Lines(string(result.Output)) {
		fmt.Fprintf(report, "      | %s", line)
	}
	if len(result.Output) > 0 && !strings.HasSuffix(string(result.Output), "\n") {
		report.WriteString("\n")
	}
}
