// Package runbooks loads runbook files: YAML documents in the format runbooks/README.md
// describes, checked against the JSON Schema in schema.json and then by the runbook package,
// each problem reported with its file, line and column:
//
//	runbooks/ecs-rollback.yaml:14:18: steps[1].with.cluster: unknown param "clustr"; params: cluster, service
//
// The example runbooks beside this file are loaded and validated by its tests.
package runbooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/runbook"
)

// Bounds on what the loader reads.
const (
	// MaxFileSize bounds a runbook file, in bytes.
	MaxFileSize = 1 << 20
	// MaxFiles bounds the runbook files of one directory.
	MaxFiles = 1000
	// MaxDepth bounds the nesting of a file's maps and lists.
	MaxDepth = 32
	// MaxErrors bounds the problems reported for one file; the last one says how many more
	// there were.
	MaxErrors = 100
)

// Error is one problem in a runbook file.
type Error struct {
	// File is the file's path as given.
	File string
	// Line and Column are 1-based; 0 when not known.
	Line, Column int
	// Path is the field path, such as steps[1].with.cluster; empty when the problem is not
	// about one field.
	Path string
	// Message says what is wrong.
	Message string
}

// Error writes "file:line:column: path: message", leaving out the parts not known. Control and
// formatting characters a file may hold are shown escaped (as \x1b), so the message is safe to
// print on a terminal.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Message)
	return safetext.Line(b.String())
}

// Errors are the problems found in one or more runbook files, in the order of the files and of
// the lines in each.
type Errors []*Error

// Error writes one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// File is a runbook loaded from a file.
type File struct {
	// Path is the file's path as given.
	Path string
	// Runbook is the definition, with its content hash set.
	Runbook *runbook.Runbook
	// Compiled is the definition compiled, ready to match incidents and resolve steps.
	Compiled *runbook.Compiled
}

// Loader reads and checks runbook files. It holds the compiled JSON Schema; it is safe for
// concurrent use.
type Loader struct {
	schema *schema
}

// NewLoader returns a loader checking files against the shipped JSON Schema.
func NewLoader() (*Loader, error) {
	s, err := compileSchema()
	if err != nil {
		return nil, err
	}
	return &Loader{schema: s}, nil
}

// Load loads every runbook in paths: each a runbook file, or a directory whose *.yaml and
// *.yml files (not its subdirectories) are runbooks. It checks that no two runbooks share a
// name. It returns the runbooks that are valid, in the order of paths and of file names in a
// directory, and Errors listing every problem in the others.
func (l *Loader) Load(paths ...string) ([]*File, error) {
	var files []string
	var errs Errors
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Message: statMessage(err)})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		found, err := listDir(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Message: err.Error()})
			continue
		}
		files = append(files, found...)
	}
	var out []*File
	names := map[string]*File{}
	seen := map[string]bool{}
	for _, path := range files {
		if seen[filepath.Clean(path)] {
			continue
		}
		seen[filepath.Clean(path)] = true
		f, err := l.LoadFile(path)
		if err != nil {
			errs = append(errs, asErrors(path, err)...)
			continue
		}
		if prev, ok := names[f.Runbook.Name]; ok {
			errs = append(errs, l.duplicateName(f, prev))
			continue
		}
		names[f.Runbook.Name] = f
		out = append(out, f)
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// duplicateName reports a runbook whose name another file already has.
func (l *Loader) duplicateName(f, prev *File) *Error {
	e := &Error{File: f.Path, Path: "name", Message: fmt.Sprintf("runbook name %q is also used by %s", f.Runbook.Name, prev.Path)}
	if data, err := os.ReadFile(f.Path); err == nil {
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil && len(root.Content) > 0 {
			if n := nodeAt(root.Content[0], runbook.Path{"name"}); n != nil {
				e.Line, e.Column = n.value.Line, n.value.Column
			}
		}
	}
	return e
}

// statMessage words a failure to open a path.
func statMessage(err error) string {
	if errors.Is(err, os.ErrNotExist) {
		return "no such file or directory"
	}
	return fmt.Sprintf("read: %v", errors.Unwrap(err))
}

// listDir returns the runbook files of dir in name order.
func listDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// Follow symbolic links, as a Kubernetes ConfigMap volume holds them.
		path := filepath.Join(dir, e.Name())
		if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
			continue // a directory, a FIFO or a device; a broken link is reported by LoadFile
		}
		out = append(out, path)
	}
	if len(out) > MaxFiles {
		return nil, fmt.Errorf("%d runbook files; at most %d are read from one directory", len(out), MaxFiles)
	}
	return out, nil
}

// asErrors returns err as Errors of the file path.
func asErrors(path string, err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	return Errors{{File: path, Message: err.Error()}}
}

// LoadFile reads and checks one runbook file.
func (l *Loader) LoadFile(path string) (*File, error) {
	// A FIFO or a device would block or never end: read regular files only.
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Message: statMessage(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, &Error{File: path, Message: "not a regular file"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Message: statMessage(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Message: fmt.Sprintf("read: %v", err)}
	}
	return l.Parse(path, data)
}

// Parse checks the runbook in data; name is the file name errors give. The error is Errors,
// each with its line and column.
func (l *Loader) Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, Errors{{File: name, Message: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}}
	}
	if !utf8.Valid(data) {
		return nil, Errors{{File: name, Line: 1, Column: 1, Message: "file is not UTF-8 text"}}
	}
	doc, errs := parseYAML(name, data)
	if errs != nil {
		return nil, errs
	}
	p := &parsed{file: name, lines: splitLines(data), root: doc}
	instance, errs := p.instance()
	if errs != nil {
		return nil, errs
	}
	schemaErrs, structural := l.schema.validate(instance)
	if structural {
		return nil, p.errors(merge(p, schemaErrs, nil))
	}
	r, err := decode(instance)
	if err != nil {
		return nil, Errors{{File: name, Line: doc.Line, Column: doc.Column, Message: err.Error()}}
	}
	if r.Hash, err = r.ComputeHash(); err != nil {
		return nil, Errors{{File: name, Message: err.Error()}}
	}
	compiled, err := runbook.Compile(r)
	var problems runbook.Problems
	if err != nil && !errors.As(err, &problems) {
		return nil, Errors{{File: name, Message: err.Error()}}
	}
	if len(problems) > 0 || len(schemaErrs) > 0 {
		return nil, p.errors(merge(p, schemaErrs, problems))
	}
	return &File{Path: name, Runbook: r, Compiled: compiled}, nil
}

// decode turns the checked instance into a definition: through JSON, where the definition's
// types read its shape, with integers kept as int64.
func decode(instance any) (*runbook.Runbook, error) {
	// match's service, type and severity may be one string or a list.
	if root, ok := instance.(map[string]any); ok {
		if m, ok := root["match"].(map[string]any); ok {
			for _, key := range []string{"service", "type", "severity"} {
				if s, ok := m[key].(string); ok {
					m[key] = []any{s}
				}
			}
		}
	}
	data, err := json.Marshal(instance)
	if err != nil {
		return nil, fmt.Errorf("decode runbook: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var r runbook.Runbook
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode runbook: %w", err)
	}
	for i := range r.Params {
		r.Params[i].Default = plainNumbers(r.Params[i].Default)
	}
	var fix func(steps []runbook.Step)
	fix = func(steps []runbook.Step) {
		for i := range steps {
			s := &steps[i]
			for k, v := range s.With {
				s.With[k] = plainNumbers(v)
			}
			if s.Undo != nil {
				fix([]runbook.Step{*s.Undo})
			}
			fix(s.Parallel)
		}
	}
	fix(r.Steps)
	return &r, nil
}

// plainNumbers replaces each json.Number in v by an int64, or a float64 when it is not whole.
func plainNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = plainNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = plainNumbers(v[k])
		}
	}
	return v
}

// merge returns the problems to report: every problem of the runbook package, and each schema
// error on a line where that check found nothing, whose own message is clearer.
func merge(p *parsed, schemaErrs []schemaError, problems runbook.Problems) []located {
	var out []located
	lines := map[int]bool{}
	for _, pr := range problems {
		loc := p.locate(pr.Path, pr.Offset, false)
		loc.path = pr.Path.String()
		loc.message = pr.Message
		lines[loc.line] = true
		out = append(out, loc)
	}
	for _, se := range schemaErrs {
		loc := p.locate(se.path, -1, se.atKey)
		if lines[loc.line] {
			continue
		}
		loc.path = se.path.String()
		loc.message = se.message
		out = append(out, loc)
	}
	return out
}

// located is a problem with its place in the file.
type located struct {
	line, column int
	path         string
	message      string
}

// errors sorts problems by place and returns them as Errors, at most MaxErrors.
func (p *parsed) errors(locs []located) Errors {
	slices.SortStableFunc(locs, func(a, b located) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return a.column - b.column
	})
	var out Errors
	for i, l := range locs {
		if i == MaxErrors-1 && len(locs) > MaxErrors {
			out = append(out, &Error{File: p.file, Line: l.line, Column: l.column, Message: fmt.Sprintf("%d more problems", len(locs)-i)})
			break
		}
		out = append(out, &Error{File: p.file, Line: l.line, Column: l.column, Path: l.path, Message: l.message})
	}
	return out
}

// Load loads the runbooks in paths with a new Loader; see Loader.Load.
func Load(paths ...string) ([]*File, error) {
	l, err := NewLoader()
	if err != nil {
		return nil, err
	}
	return l.Load(paths...)
}
