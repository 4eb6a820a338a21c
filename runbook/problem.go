package runbook

import (
	"strconv"
	"strings"
)

// Path locates a value in a runbook definition by its keys and list indexes, as written in the
// file: {"steps", "2", "with", "cluster"} is steps[2].with.cluster. Indexes are decimal strings.
type Path []string

// String writes p as steps[2].with.cluster.
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		switch {
		case isIndex(e):
			b.WriteString("[" + e + "]")
		case isIdent(e):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e)
		default:
			b.WriteString("[" + strconv.Quote(e) + "]")
		}
	}
	return b.String()
}

// with returns a copy of p extended by elems: strings are keys, ints are indexes.
func (p Path) with(elems ...any) Path {
	q := make(Path, len(p), len(p)+len(elems))
	copy(q, p)
	for _, e := range elems {
		switch e := e.(type) {
		case int:
			q = append(q, strconv.Itoa(e))
		case string:
			q = append(q, e)
		}
	}
	return q
}

// isIndex reports whether e is a list index.
func isIndex(e string) bool {
	if e == "" || len(e) > 9 {
		return false
	}
	for _, r := range e {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isIdent reports whether e can be written after a dot.
func isIdent(e string) bool {
	if e == "" {
		return false
	}
	for i, r := range e {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Problem is one thing wrong with a runbook definition.
type Problem struct {
	// Path is where the problem is.
	Path Path
	// Offset is the byte offset, within the string at Path, of the part of an expression the
	// problem is about; -1 when it is about the whole value.
	Offset int
	// Message says what is wrong, and how to fix it where that is not obvious.
	Message string
}

// Error writes the problem as "path: message".
func (p Problem) Error() string {
	if len(p.Path) == 0 {
		return p.Message
	}
	return p.Path.String() + ": " + p.Message
}

// Problems are every problem found in a runbook definition, in the order of the definition.
type Problems []Problem

// Error writes one problem per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
