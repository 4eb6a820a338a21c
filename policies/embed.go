package policies

import (
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// embedded holds the policies and their tests as shipped in the binary.
//
//go:embed *.rego
var embedded embed.FS

// Bundle is a set of Rego modules (policies and their tests) with a content revision.
type Bundle struct {
	files map[string]string // module text by name, e.g. "policies/severity.rego"
}

// Embedded returns the bundle compiled into the binary, with names "policies/<file>".
func Embedded() (*Bundle, error) {
	entries, err := fs.ReadDir(embedded, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded policies: %w", err)
	}
	b := &Bundle{files: make(map[string]string, len(entries))}
	for _, entry := range entries {
		if entry.IsDir() || !isRego(entry.Name()) {
			continue
		}
		text, err := fs.ReadFile(embedded, entry.Name())
		if err != nil {
			return nil, fmt.Errorf("read embedded policy %s: %w", entry.Name(), err)
		}
		b.files[path.Join("policies", entry.Name())] = string(text)
	}
	return b, nil
}

// LoadDir returns a bundle of every *.rego file under dir, named by its path
// joined to dir as given (for example "testdata/broken/severity.rego").
func LoadDir(dir string) (*Bundle, error) {
	b := &Bundle{files: map[string]string{}}
	err := filepath.WalkDir(dir, func(name string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() || !isRego(name) {
			return nil
		}
		text, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		b.files[filepath.ToSlash(name)] = string(text)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load policies from %s: %w", dir, err)
	}
	if len(b.files) == 0 {
		return nil, fmt.Errorf("load policies from %s: no .rego files", dir)
	}
	return b, nil
}

// Files returns the names of every module in the bundle, tests included, sorted.
func (b *Bundle) Files() []string {
	names := make([]string, 0, len(b.files))
	for name := range b.files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Revision returns "sha256:<hex>" over the sorted names and contents of the
// bundle's policy modules; tests do not change it.
func (b *Bundle) Revision() string {
	h := sha256.New()
	for _, name := range b.Files() {
		if isTest(name) {
			continue
		}
		for _, part := range []string{name, b.files[name]} {
			// Length prefixes keep name/content boundaries unambiguous.
			_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
			h.Write([]byte(part))
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// parse parses the bundle's modules as Rego v1 with their annotations, leaving
// out tests unless withTests is set. Errors name file:line:col.
func (b *Bundle) parse(withTests bool) (map[string]*ast.Module, error) {
	modules := make(map[string]*ast.Module, len(b.files))
	var errs ast.Errors
	for _, name := range b.Files() {
		if isTest(name) && !withTests {
			continue
		}
		module, err := ast.ParseModuleWithOpts(name, b.files[name], ast.ParserOptions{
			RegoVersion:       ast.RegoV1,
			ProcessAnnotation: true,
		})
		if astErrs, ok := errors.AsType[ast.Errors](err); ok {
			errs = append(errs, astErrs...)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		modules[name] = module
	}
	if len(errs) > 0 {
		return nil, located(errs)
	}
	return modules, nil
}

func isRego(name string) bool {
	return strings.HasSuffix(name, ".rego")
}

func isTest(name string) bool {
	return strings.HasSuffix(name, "_test.rego")
}

// locatedErrors presents OPA's errors one per line as "file:line:col: code: message".
type locatedErrors struct {
	errs ast.Errors
}

// located wraps err so its message shows where each OPA error is; other errors pass through.
func located(err error) error {
	if errs, ok := errors.AsType[ast.Errors](err); ok && len(errs) > 0 {
		errs.Sort()
		return &locatedErrors{errs: errs}
	}
	return err
}

func (e *locatedErrors) Error() string {
	lines := make([]string, 0, len(e.errs))
	for _, err := range e.errs {
		var sb strings.Builder
		if loc := err.Location; loc != nil {
			fmt.Fprintf(&sb, "%s:%d:%d: ", loc.File, loc.Row, loc.Col)
		}
		sb.WriteString(err.Code + ": " + err.Message)
		if err.Details != nil {
			for _, line := range err.Details.Lines() {
				sb.WriteString("\n\t" + line)
			}
		}
		lines = append(lines, sb.String())
	}
	return strings.Join(lines, "\n")
}

func (e *locatedErrors) Unwrap() error {
	return e.errs
}
