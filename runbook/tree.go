package runbook

import (
	"fmt"
	"strings"
)

// value is a compiled value of a step's with or outputs: a literal, a single expression, a
// text with expressions inside, or a list or map holding values.
type value struct {
	// typ is the value's type; empty when not known (the action is unknown).
	typ Type
	// literal is the canonical value when the value holds no expression.
	literal any
	// whole is the expression when the value is a single ${{ }}.
	whole *expr
	// segs are the text and expressions of a text with expressions inside.
	segs []segment
	// items and entries are the values of a list or a map that holds expressions.
	items   []*value
	entries map[string]*value
}

// isLiteral reports whether v holds no expression.
func (v *value) isLiteral() bool {
	return v.whole == nil && v.segs == nil && v.items == nil && v.entries == nil
}

// value checks raw, as written at path, against want and compiles its expressions in sc. An
// empty want accepts any type. It returns nil after recording a problem.
func (v *validator) value(sc *scope, path Path, want Type, raw any) *value {
	switch r := raw.(type) {
	case string:
		if hasExpr(r) {
			return v.template(sc, path, want, r)
		}
	case []any:
		if (want == TypeList || want == "") && anyExpr(r) {
			return v.listValue(sc, path, want, r)
		}
	case map[string]any:
		if (want == TypeMap || want == TypeMapOfLists || want == "") && anyExpr(r) {
			return v.mapValue(sc, path, want, r)
		}
	}
	if want == "" {
		if s, ok := raw.(string); ok && len(s) > MaxStringLen {
			v.addf(path, "string is %d bytes long; at most %d are allowed", len(s), MaxStringLen)
			return nil
		}
		return &value{typ: literalType(raw), literal: raw}
	}
	lit, err := coerce(want, raw)
	if err != nil {
		v.addf(path, "%v", err)
		return nil
	}
	return &value{typ: want, literal: lit}
}

// literalType guesses the type of a literal whose wanted type is not known.
func literalType(raw any) Type {
	switch raw.(type) {
	case string:
		return TypeString
	case bool:
		return TypeBool
	}
	if _, ok := toInt(raw); ok {
		return TypeInt
	}
	return ""
}

// anyExpr reports whether a list or map literal holds an expression anywhere.
func anyExpr(raw any) bool {
	switch r := raw.(type) {
	case string:
		return hasExpr(r)
	case []any:
		for _, item := range r {
			if anyExpr(item) {
				return true
			}
		}
	case map[string]any:
		for _, item := range r {
			if anyExpr(item) {
				return true
			}
		}
	}
	return false
}

// template compiles a string holding expressions.
func (v *validator) template(sc *scope, path Path, want Type, s string) *value {
	if len(s) > MaxStringLen {
		v.addf(path, "string is %d bytes long; at most %d are allowed", len(s), MaxStringLen)
		return nil
	}
	segs, whole, problem := splitTemplate(s)
	if problem != nil {
		v.addAt(path, problem.offset, problem.message)
		return nil
	}
	if whole {
		seg := segs[0]
		for _, s := range segs {
			if s.isExpr {
				seg = s
			}
		}
		e, problems := sc.compile(seg.src, nil)
		for _, p := range problems {
			v.addAt(path, seg.offset+p.offset, p.message)
		}
		if e == nil {
			return nil
		}
		if want != "" && !assignable(want, e.out) {
			v.addAt(path, seg.offset, fmt.Sprintf("expression has type %s; want %s", celTypeString(e), want.describe()))
			return nil
		}
		typ := want
		if typ == "" {
			typ, _ = typeOf(e.out)
		}
		return &value{typ: typ, whole: e}
	}
	if want != "" && want != TypeString && want != TypeDuration {
		v.addf(path, "text with ${{ }} inside is a string; want %s: write the value as one ${{ }} and nothing else", want.describe())
		return nil
	}
	ok := true
	for i := range segs {
		seg := &segs[i]
		if !seg.isExpr {
			continue
		}
		e, problems := sc.compile(seg.src, nil)
		for _, p := range problems {
			v.addAt(path, seg.offset+p.offset, p.message)
		}
		if e == nil {
			ok = false
			continue
		}
		if !isScalarType(e.out) {
			v.addAt(path, seg.offset, fmt.Sprintf("expression has type %s, which cannot be written into text; for a list use join()", celTypeString(e)))
			ok = false
			continue
		}
		seg.expr = e
	}
	if !ok {
		return nil
	}
	typ := want
	if typ == "" {
		typ = TypeString
	}
	return &value{typ: typ, segs: segs}
}

// celTypeString names an expression's type as CEL writes it.
func celTypeString(e *expr) string {
	return strings.ReplaceAll(e.out.String(), "google.protobuf.Duration", "duration")
}

// listValue compiles a list literal holding expressions; each item is a string.
func (v *validator) listValue(sc *scope, path Path, want Type, items []any) *value {
	if len(items) > MaxItems {
		v.addf(path, "list has %d entries; at most %d are allowed", len(items), MaxItems)
		return nil
	}
	item := TypeString
	if want == "" {
		item = ""
	}
	out := &value{typ: want, items: make([]*value, 0, len(items))}
	ok := true
	for i, raw := range items {
		iv := v.value(sc, path.with(i), item, raw)
		if iv == nil {
			ok = false
			continue
		}
		out.items = append(out.items, iv)
	}
	if !ok {
		return nil
	}
	return out
}

// mapValue compiles a map literal holding expressions: strings in a map, lists of strings in a
// map of lists.
func (v *validator) mapValue(sc *scope, path Path, want Type, entries map[string]any) *value {
	if len(entries) > MaxItems {
		v.addf(path, "map has %d entries; at most %d are allowed", len(entries), MaxItems)
		return nil
	}
	item := TypeString
	switch want {
	case TypeMapOfLists:
		item = TypeList
	case "":
		item = ""
	}
	out := &value{typ: want, entries: map[string]*value{}}
	ok := true
	for _, k := range sortedKeys(entries) {
		ev := v.value(sc, path.with(k), item, entries[k])
		if ev == nil {
			ok = false
			continue
		}
		out.entries[k] = ev
	}
	if !ok {
		return nil
	}
	return out
}

// eval gives the value's canonical form with the variables in vars.
func (v *value) eval(vars map[string]any) (any, error) {
	switch {
	case v.whole != nil:
		res, err := v.whole.eval(vars)
		if err != nil {
			return nil, err
		}
		return fromCEL(res, v.typ)
	case v.segs != nil:
		var b strings.Builder
		for _, seg := range v.segs {
			if !seg.isExpr {
				b.WriteString(seg.text)
				continue
			}
			res, err := seg.expr.eval(vars)
			if err != nil {
				return nil, err
			}
			s, err := scalarString(res)
			if err != nil {
				return nil, fmt.Errorf("evaluate %q: %w", seg.src, err)
			}
			b.WriteString(s)
			if b.Len() > MaxStringLen {
				return nil, fmt.Errorf("text is longer than %d bytes", MaxStringLen)
			}
		}
		return coerce(v.typ, b.String())
	case v.items != nil:
		items := make([]any, 0, len(v.items))
		for i, item := range v.items {
			s, err := item.eval(vars)
			if err != nil {
				return nil, fmt.Errorf("entry %d: %w", i, err)
			}
			items = append(items, s)
		}
		return coerce(v.typ, items)
	case v.entries != nil:
		m := make(map[string]any, len(v.entries))
		for _, k := range sortedKeys(v.entries) {
			e, err := v.entries[k].eval(vars)
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", k, err)
			}
			m[k] = e
		}
		return coerce(v.typ, m)
	}
	return clone(v.literal), nil
}

// clone copies a canonical list or map, so that a caller may change what it is given.
func clone(v any) any {
	switch v := v.(type) {
	case []string:
		return append([]string{}, v...)
	case map[string]string:
		out := make(map[string]string, len(v))
		for k, s := range v {
			out[k] = s
		}
		return out
	case map[string][]string:
		out := make(map[string][]string, len(v))
		for k, l := range v {
			out[k] = append([]string{}, l...)
		}
		return out
	}
	return v
}
