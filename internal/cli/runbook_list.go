package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/runbook"
	"github.com/firebreak-dev/firebreak/runbooks"
)

// runbookListOptions are the inputs of runbook list.
type runbookListOptions struct {
	IO IOStreams

	// Paths are runbook files and directories; empty means ./runbooks.
	Paths  []string
	Output string
}

// newCmdRunbookList returns runbook list; runF replaces runbookListRun in tests.
func newCmdRunbookList(f *Factory, runF func(context.Context, *runbookListOptions) error) *cobra.Command {
	opts := &runbookListOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "list [PATH...] [-o json]",
		Short: "List runbooks: name, which incidents they match, params and description",
		Long: "List the valid runbooks in each file or directory (./runbooks when no PATH is given): " +
			"their name, the incidents they start for on their own, their params and description. " +
			"Problems in other files are printed on standard error, and the command then exits non-zero.",
		Example: "  firebreak runbook list\n  firebreak runbook list ./runbooks -o json",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Paths = args
			}
			if err := checkOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runbookListRun(cmd.Context(), opts)
		},
	}
	addOutputFlag(cmd, &opts.Output)
	return cmd
}

// listedRunbook is one runbook in list -o json.
type listedRunbook struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	File        string          `json:"file"`
	Hash        string          `json:"hash"`
	Match       *listedMatch    `json:"match,omitempty"`
	Params      []runbook.Param `json:"params"`
	Steps       int             `json:"steps"`
}

// listedMatch is a runbook's match criteria in list -o json.
type listedMatch struct {
	Service   []string            `json:"service,omitempty"`
	Type      []string            `json:"type,omitempty"`
	Severity  []incident.Severity `json:"severity,omitempty"`
	Labels    map[string]string   `json:"labels,omitempty"`
	Condition string              `json:"condition,omitempty"`
}

// runbookListRun lists the valid runbooks as a table or JSON, then reports the problems of the
// others.
func runbookListRun(_ context.Context, opts *runbookListOptions) error {
	paths, err := runbookPaths(opts.Paths)
	if err != nil {
		return err
	}
	files, problems, err := loadRunbooks(paths)
	if err != nil {
		return err
	}
	if opts.Output == formatJSON {
		rows := make([]listedRunbook, 0, len(files))
		for _, f := range files {
			r := f.Runbook
			row := listedRunbook{Name: r.Name, Description: r.Description, File: f.Path, Hash: r.Hash,
				Params: f.Compiled.Params(), Steps: countSteps(r.Steps)}
			if row.Params == nil {
				row.Params = []runbook.Param{}
			}
			if m := r.Match; !m.IsZero() {
				row.Match = &listedMatch{Service: m.Service, Type: m.Type, Severity: m.Severity, Labels: m.Labels, Condition: m.Condition}
			}
			rows = append(rows, row)
		}
		data, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		if _, err := opts.IO.Out.Write(append(safetext.JSON(data), '\n')); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	} else if err := writeRunbookTable(opts.IO, files); err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(opts.IO.ErrOut, p.Error())
	}
	if len(problems) > 0 {
		return problemSummary(problems)
	}
	return nil
}

// writeRunbookTable writes the runbooks as a table.
func writeRunbookTable(io IOStreams, files []*runbooks.File) error {
	if len(files) == 0 {
		_, err := fmt.Fprintln(io.Out, "No runbooks.")
		return err
	}
	w := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tMATCH\tPARAMS\tDESCRIPTION")
	for _, f := range files {
		r := f.Runbook
		match := r.Match.String()
		if match == "" {
			match = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Name, safetext.Line(clipRunes(match, 60)),
			safetext.Line(paramSummary(r.Params)), safetext.Line(clipRunes(r.Description, 80)))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write list: %w", err)
	}
	return nil
}

// paramSummary lists params as "repo (required), commit (required), ref=main", each default
// cut to 30 characters.
func paramSummary(params []runbook.Param) string {
	if len(params) == 0 {
		return "-"
	}
	parts := make([]string, len(params))
	for i, p := range params {
		switch {
		case p.Required:
			parts[i] = p.Name + " (required)"
		case p.Default != nil:
			parts[i] = p.Name + "=" + clipRunes(fmt.Sprint(p.Default), 30)
		default:
			parts[i] = p.Name
		}
	}
	return strings.Join(parts, ", ")
}

// countSteps counts action steps, each step of a parallel block included.
func countSteps(steps []runbook.Step) int {
	n := 0
	for _, s := range steps {
		if s.IsParallel() {
			n += len(s.Parallel)
		} else {
			n++
		}
	}
	return n
}

// clipRunes shortens s to at most n runes, ending it with an ellipsis when it was cut.
func clipRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
