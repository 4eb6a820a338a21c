package runbooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/firebreak-dev/firebreak/runbook"
)

// parsed is a runbook file's YAML: its lines and its root map.
type parsed struct {
	file  string
	lines []string
	root  *yaml.Node
}

// splitLines returns data's lines without their line endings.
func splitLines(data []byte) []string {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// parseYAML parses the one YAML document in data and returns its root, which must be a map.
func parseYAML(name string, data []byte) (*yaml.Node, Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Line: 1, Column: 1, Message: "empty file: a runbook needs at least a name and steps"}}
		}
		return nil, Errors{syntaxError(name, err)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, Errors{syntaxError(name, err)}
		}
		return nil, Errors{{File: name, Line: next.Line, Column: next.Column, Message: "more than one YAML document: put each runbook in its own file"}}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		line, col := doc.Line, doc.Column
		if len(doc.Content) > 0 {
			line, col = doc.Content[0].Line, doc.Content[0].Column
		}
		return nil, Errors{{File: name, Line: line, Column: col, Message: "a runbook is a map of fields: name, description, match, params and steps"}}
	}
	return doc.Content[0], nil
}

// syntaxError turns a YAML parser error, such as "yaml: line 3: mapping values are not allowed
// in this context", into an Error at that line. The parser gives no column: the error has
// column 1.
func syntaxError(name string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: name, Message: "invalid YAML: " + msg}
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return e
	}
	num, problem, ok := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(num)
	if !ok || err != nil {
		return e
	}
	e.Line, e.Column, e.Message = line, 1, "invalid YAML: "+problem
	return e
}

// instance converts the YAML tree to the values JSON Schema validates: maps, lists, strings,
// int64, float64, bools and nil. It rejects what a runbook file has no use for and what could
// make it expensive: anchors and aliases, tags, repeated keys, keys that are not scalars, and
// nesting deeper than MaxDepth.
func (p *parsed) instance() (any, Errors) {
	var errs Errors
	fail := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, &Error{File: p.file, Line: n.Line, Column: n.Column, Message: fmt.Sprintf(format, args...)})
	}
	var conv func(n *yaml.Node, depth int) any
	conv = func(n *yaml.Node, depth int) any {
		if depth > MaxDepth {
			fail(n, "nested more than %d levels deep", MaxDepth)
			return nil
		}
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			fail(n, "YAML anchors and aliases are not supported: write the value out")
			return nil
		}
		if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
			fail(n, "YAML tag %q is not supported", n.Tag)
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			m := make(map[string]any, len(n.Content)/2)
			keys := map[string]*yaml.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Kind != yaml.ScalarNode {
					fail(k, "a key must be a plain value, not a map or a list")
					continue
				}
				if k.ShortTag() == "!!merge" {
					fail(k, "YAML merge keys (<<) are not supported: write the fields out")
					continue
				}
				if prev, ok := keys[k.Value]; ok {
					fail(k, "key %q is repeated; it is first at line %d", k.Value, prev.Line)
					continue
				}
				keys[k.Value] = k
				m[k.Value] = conv(v, depth+1)
			}
			return m
		case yaml.SequenceNode:
			l := make([]any, 0, len(n.Content))
			for _, item := range n.Content {
				l = append(l, conv(item, depth+1))
			}
			return l
		case yaml.ScalarNode:
			return p.scalar(n, fail)
		}
		fail(n, "unexpected YAML node")
		return nil
	}
	v := conv(p.root, 0)
	if errs != nil {
		return nil, errs
	}
	return v, nil
}

// scalar converts a scalar by its resolved tag; a timestamp stays the text it was written as.
func (p *parsed) scalar(n *yaml.Node, fail func(*yaml.Node, string, ...any)) any {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		return n.Value
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			fail(n, "invalid bool %q", n.Value)
		}
		return b
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			fail(n, "integer %s is out of range", n.Value)
		}
		return i
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			fail(n, "%s is not a finite number", n.Value)
		}
		return f
	}
	fail(n, "YAML type %s is not supported", n.ShortTag())
	return nil
}

// found is where a path leads in the YAML tree: the value node, the key naming it (nil for a
// list item or the root), and whether the whole path was found.
type found struct {
	key, value *yaml.Node
	full       bool
}

// nodeAt follows path from root as far as the tree goes.
func nodeAt(root *yaml.Node, path runbook.Path) *found {
	f := &found{value: root, full: true}
	for _, elem := range path {
		n := f.value
		var next, key *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == elem {
					key, next = n.Content[i], n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(elem); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			f.full = false
			return f
		}
		f.key, f.value = key, next
	}
	return f
}

// locate returns the place of the value at path: the key of a map or a list, else the value
// itself; offset, when not negative, is a byte offset into a string value, found in the
// file's text when the string is written on one line or as a literal block. A path that leads
// nowhere gives the place of the nearest value on its way.
func (p *parsed) locate(path runbook.Path, offset int, atKey bool) located {
	f := nodeAt(p.root, path)
	n := f.value
	switch {
	case f.full && atKey && f.key != nil:
		return located{line: f.key.Line, column: f.key.Column}
	case !f.full:
		return located{line: n.Line, column: n.Column}
	case n.Kind != yaml.ScalarNode && f.key != nil:
		return located{line: f.key.Line, column: f.key.Column}
	case n.Kind == yaml.ScalarNode && offset >= 0 && offset <= len(n.Value):
		if line, col, ok := p.inScalar(n, offset); ok {
			return located{line: line, column: col}
		}
	}
	return located{line: n.Line, column: n.Column}
}

// inScalar finds the line and column of a byte offset into a scalar's value, checking the
// file's text so that it never points at the wrong place.
func (p *parsed) inScalar(n *yaml.Node, offset int) (int, int, bool) {
	s := n.Value
	switch n.Style {
	case 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if strings.ContainsRune(s, '\n') || n.Line < 1 || n.Line > len(p.lines) {
			return 0, 0, false
		}
		quote := 0
		if n.Style != 0 {
			quote = 1
		}
		line := p.lines[n.Line-1]
		start := byteAtColumn(line, n.Column-1+quote)
		if start < 0 || !strings.HasPrefix(line[start:], s) {
			return 0, 0, false // escapes or folding: the text differs from the value
		}
		return n.Line, n.Column + quote + utf8.RuneCountInString(s[:offset]), true
	case yaml.LiteralStyle:
		k := strings.Count(s[:offset], "\n")
		lineStart := strings.LastIndexByte(s[:offset], '\n') + 1
		valueLine, _, _ := strings.Cut(s[lineStart:], "\n")
		idx := n.Line + k // the value's first line is the line after the indicator
		if idx >= len(p.lines) {
			return 0, 0, false
		}
		src := p.lines[idx]
		indent := len(src) - len(valueLine)
		if indent < 0 || src[indent:] != valueLine || strings.TrimLeft(src[:indent], " ") != "" {
			return 0, 0, false
		}
		return idx + 1, indent + 1 + utf8.RuneCountInString(s[lineStart:offset]), true
	}
	return 0, 0, false
}

// byteAtColumn returns the byte index of the rune at a 0-based column of line, or -1.
func byteAtColumn(line string, col int) int {
	i := 0
	for ; col > 0; col-- {
		if i >= len(line) {
			return -1
		}
		_, size := utf8.DecodeRuneInString(line[i:])
		i += size
	}
	return i
}
