package cli

import (
	"fmt"
	"reflect"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// printable returns s safe to print in one cell of a line: its lines joined with "; " and
// every control character, escape sequence and invisible formatting character shown as a
// visible escape (safetext.Line), so that text from outside cannot drive the terminal, break a
// table or reorder what it shows.
func printable(s string) string {
	return safetext.Line(oneLine(s))
}

// printables returns args for a format with every string (of any string type), error and
// fmt.Stringer made printable; numbers and other values pass through.
func printables(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = printable(v)
		case error:
			out[i] = printable(v.Error())
		case fmt.Stringer:
			out[i] = printable(v.String())
		default:
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String {
				out[i] = printable(rv.String())
			} else {
				out[i] = a
			}
		}
	}
	return out
}
