package runbook

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// maxSafeInt is the largest integer a JSON number holds exactly (2^53), so that a definition
// survives a round trip through JSON unchanged.
const maxSafeInt = 1 << 53

// valid reports whether t is a known type.
func (t Type) valid() bool {
	switch t {
	case TypeString, TypeInt, TypeBool, TypeFloat, TypeDuration, TypeList, TypeMap, TypeMapOfLists:
		return true
	}
	return false
}

// describe names t for messages, with an article.
func (t Type) describe() string {
	switch t {
	case TypeString:
		return "a string"
	case TypeInt:
		return "an integer"
	case TypeBool:
		return "true or false"
	case TypeFloat:
		return "a number"
	case TypeDuration:
		return "a duration such as 90s or 10m"
	case TypeList:
		return "a list of strings"
	case TypeMap:
		return "a map of strings"
	case TypeMapOfLists:
		return "a map of lists of strings"
	}
	return string(t)
}

// zero returns the canonical zero value of t.
func (t Type) zero() any {
	switch t {
	case TypeInt:
		return int64(0)
	case TypeBool:
		return false
	case TypeFloat:
		return float64(0)
	case TypeDuration:
		return time.Duration(0).String()
	case TypeList:
		return []string{}
	case TypeMap:
		return map[string]string{}
	case TypeMapOfLists:
		return map[string][]string{}
	}
	return ""
}

// celType returns the CEL type of t.
func (t Type) celType() *cel.Type {
	switch t {
	case TypeInt:
		return cel.IntType
	case TypeBool:
		return cel.BoolType
	case TypeFloat:
		return cel.DoubleType
	case TypeDuration:
		return cel.DurationType
	case TypeList:
		return cel.ListType(cel.StringType)
	case TypeMap:
		return cel.MapType(cel.StringType, cel.StringType)
	case TypeMapOfLists:
		return cel.MapType(cel.StringType, cel.ListType(cel.StringType))
	case TypeString:
		return cel.StringType
	}
	return cel.DynType
}

// describeValue names the kind of a raw value for messages.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing (null)"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any, map[string]string, map[string][]string:
		return "a map"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// coerce converts v, a value as written in a definition or as decoded from JSON, to t's
// canonical form: string, int64, bool, float64, a duration string as Go writes it ("1m30s"),
// []string, map[string]string or map[string][]string. It rejects a value of another type and
// one beyond the bounds.
func coerce(t Type, v any) (any, error) {
	mismatch := func() error { return fmt.Errorf("want %s, not %s", t.describe(), describeValue(v)) }
	switch t {
	case TypeString:
		s, ok := v.(string)
		if !ok {
			if describeValue(v) == "a number" || describeValue(v) == "a bool" {
				return nil, fmt.Errorf("want a string, not %s: quote the value", describeValue(v))
			}
			return nil, mismatch()
		}
		if len(s) > MaxStringLen {
			return nil, fmt.Errorf("string is %d bytes long; at most %d are allowed", len(s), MaxStringLen)
		}
		return s, nil
	case TypeInt:
		n, ok := toInt(v)
		if !ok {
			return nil, mismatch()
		}
		return n, nil
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nil, mismatch()
		}
		return b, nil
	case TypeFloat:
		f, ok := toFloat(v)
		if !ok {
			return nil, mismatch()
		}
		return f, nil
	case TypeDuration:
		switch d := v.(type) {
		case string:
			p, err := ParseDuration(d)
			if err != nil {
				return nil, err
			}
			return p.String(), nil
		case time.Duration:
			if d < 0 {
				return nil, fmt.Errorf("invalid duration %s: must not be negative", d)
			}
			return d.String(), nil
		}
		return nil, mismatch()
	case TypeList:
		return coerceList(v)
	case TypeMap:
		m, ok := asMap(v)
		if !ok {
			return nil, mismatch()
		}
		if len(m) > MaxItems {
			return nil, fmt.Errorf("map has %d entries; at most %d are allowed", len(m), MaxItems)
		}
		out := make(map[string]string, len(m))
		for _, k := range sortedKeys(m) {
			s, err := coerce(TypeString, m[k])
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", k, err)
			}
			out[k] = s.(string)
		}
		return out, nil
	case TypeMapOfLists:
		m, ok := asMap(v)
		if !ok {
			return nil, mismatch()
		}
		if len(m) > MaxItems {
			return nil, fmt.Errorf("map has %d entries; at most %d are allowed", len(m), MaxItems)
		}
		out := make(map[string][]string, len(m))
		for _, k := range sortedKeys(m) {
			l, err := coerceList(m[k])
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", k, err)
			}
			out[k] = l
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown type %q", t)
}

// coerceList converts v to a list of strings.
func coerceList(v any) ([]string, error) {
	var items []any
	switch l := v.(type) {
	case []string:
		for _, s := range l {
			items = append(items, s)
		}
	case []any:
		items = l
	default:
		return nil, fmt.Errorf("want a list of strings, not %s", describeValue(v))
	}
	if len(items) > MaxItems {
		return nil, fmt.Errorf("list has %d entries; at most %d are allowed", len(items), MaxItems)
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, err := coerce(TypeString, item)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		out = append(out, s.(string))
	}
	return out, nil
}

// asMap returns v as a map with any values.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[string]string:
		out := make(map[string]any, len(m))
		for k, s := range m {
			out[k] = s
		}
		return out, true
	case map[string][]string:
		out := make(map[string]any, len(m))
		for k, l := range m {
			out[k] = l
		}
		return out, true
	}
	return nil, false
}

// toInt returns v as an integer when it is a whole number a JSON number holds exactly.
func toInt(v any) (int64, bool) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int8:
		n = int64(v)
	case int16:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint8:
		n = int64(v)
	case uint16:
		n = int64(v)
	case uint32:
		n = int64(v)
	case uint:
		if uint64(v) > maxSafeInt {
			return 0, false
		}
		n = int64(v)
	case uint64:
		if v > maxSafeInt {
			return 0, false
		}
		n = int64(v)
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > maxSafeInt {
			return 0, false
		}
		n = int64(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return 0, false
		}
		n = i
	default:
		return 0, false
	}
	return n, n >= -maxSafeInt && n <= maxSafeInt
}

// toFloat returns v as a finite number.
func toFloat(v any) (float64, bool) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case float32:
		f = float64(v)
	case json.Number:
		p, err := v.Float64()
		if err != nil {
			return 0, false
		}
		f = p
	default:
		n, ok := toInt(v)
		if !ok {
			return 0, false
		}
		f = float64(n)
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}

// toCEL converts a canonical value of type t to what a CEL activation takes. Maps iterate in
// key order, so that an expression's result never depends on Go's map order.
func toCEL(t Type, v any) any {
	switch t {
	case TypeDuration:
		d, _ := time.ParseDuration(v.(string))
		return d
	case TypeMap, TypeMapOfLists:
		return sortedMap{types.DefaultTypeAdapter.NativeToValue(v).(traits.Mapper)}
	}
	return v
}

// fromCEL converts an expression's result to the canonical form of t. A string takes any
// scalar, written as CEL's string() writes it; a duration takes a string such as "90s".
func fromCEL(v ref.Val, t Type) (any, error) {
	if types.IsError(v) {
		return nil, fmt.Errorf("%v", v)
	}
	mismatch := func() error { return fmt.Errorf("expression gave %s; want %s", celTypeName(v), t.describe()) }
	switch t {
	case TypeString:
		s, err := scalarString(v)
		if err != nil {
			return nil, err
		}
		return coerce(TypeString, s)
	case TypeInt:
		switch n := v.(type) {
		case types.Int:
			return coerce(TypeInt, int64(n))
		case types.Uint:
			return coerce(TypeInt, uint64(n))
		}
	case TypeFloat:
		switch n := v.(type) {
		case types.Double:
			return coerce(TypeFloat, float64(n))
		case types.Int:
			return coerce(TypeFloat, int64(n))
		case types.Uint:
			return coerce(TypeFloat, uint64(n))
		}
	case TypeBool:
		if b, ok := v.(types.Bool); ok {
			return bool(b), nil
		}
	case TypeDuration:
		switch d := v.(type) {
		case types.Duration:
			return coerce(TypeDuration, d.Duration)
		case types.String:
			return coerce(TypeDuration, string(d))
		}
	case TypeList:
		l, ok := v.(traits.Lister)
		if !ok {
			return nil, mismatch()
		}
		items, err := listItems(l)
		if err != nil {
			return nil, err
		}
		return coerce(TypeList, items)
	case TypeMap, TypeMapOfLists:
		m, ok := v.(traits.Mapper)
		if !ok {
			return nil, mismatch()
		}
		if n, ok := m.Size().(types.Int); !ok || n > MaxItems {
			return nil, fmt.Errorf("expression gave a map of %v entries; at most %d are allowed", m.Size(), MaxItems)
		}
		out := make(map[string]any)
		for it := m.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, fmt.Errorf("expression gave a map with a %s key; want string keys", celTypeName(k))
			}
			val := m.Get(k)
			if t == TypeMap {
				s, err := scalarString(val)
				if err != nil {
					return nil, fmt.Errorf("entry %q: %w", string(ks), err)
				}
				out[string(ks)] = s
				continue
			}
			l, ok := val.(traits.Lister)
			if !ok {
				return nil, fmt.Errorf("entry %q: expression gave %s; want a list of strings", string(ks), celTypeName(val))
			}
			items, err := listItems(l)
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", string(ks), err)
			}
			out[string(ks)] = items
		}
		return coerce(t, out)
	}
	return nil, mismatch()
}

// listItems returns a CEL list of strings as Go values, within MaxItems.
func listItems(l traits.Lister) ([]any, error) {
	if n, ok := l.Size().(types.Int); !ok || n > MaxItems {
		return nil, fmt.Errorf("expression gave a list of %v entries; at most %d are allowed", l.Size(), MaxItems)
	}
	var items []any
	for it := l.Iterator(); it.HasNext() == types.True; {
		item := it.Next()
		s, ok := item.(types.String)
		if !ok {
			return nil, fmt.Errorf("expression gave a list holding %s; want strings", celTypeName(item))
		}
		items = append(items, string(s))
	}
	return items, nil
}

// scalarString writes a scalar CEL value as CEL's string() does; it rejects lists and maps.
func scalarString(v ref.Val) (string, error) {
	switch v.(type) {
	case types.String, types.Int, types.Uint, types.Double, types.Bool, types.Duration, types.Timestamp:
		s := v.ConvertToType(types.StringType)
		if types.IsError(s) {
			return "", fmt.Errorf("%v", s)
		}
		return string(s.(types.String)), nil
	}
	return "", fmt.Errorf("expression gave %s, which cannot be written as text; for a list use join()", celTypeName(v))
}

// celTypeName names a CEL value's type for messages.
func celTypeName(v ref.Val) string {
	switch v.(type) {
	case traits.Lister:
		return "a list"
	case traits.Mapper:
		return "a map"
	case types.Null:
		return "null"
	}
	return "a " + v.Type().TypeName()
}

// sortedMap is a CEL map whose comprehensions visit its keys in sorted order.
type sortedMap struct{ traits.Mapper }

// Iterator visits the map's keys in sorted order.
func (m sortedMap) Iterator() traits.Iterator {
	var keys []ref.Val
	for it := m.Mapper.Iterator(); it.HasNext() == types.True; {
		keys = append(keys, it.Next())
	}
	slices.SortFunc(keys, func(a, b ref.Val) int {
		return strings.Compare(fmt.Sprint(a.Value()), fmt.Sprint(b.Value()))
	})
	return types.NewRefValList(types.DefaultTypeAdapter, keys).Iterator()
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
