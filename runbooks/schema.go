package runbooks

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/firebreak-dev/firebreak/runbook"
)

// schemaJSON is the JSON Schema of a runbook file (draft 2020-12), for editors and for Loader.
//
//go:embed schema.json
var schemaJSON []byte

// SchemaID is the schema's $id.
const SchemaID = "https://github.com/firebreak-dev/firebreak/runbooks/schema.json"

// Schema returns the JSON Schema of a runbook file.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// schema is the compiled JSON Schema.
type schema struct {
	s       *jsonschema.Schema
	printer *message.Printer
}

// compileSchema compiles the embedded schema.
func compileSchema() (*schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("read runbook schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, fmt.Errorf("add runbook schema: %w", err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		return nil, fmt.Errorf("compile runbook schema: %w", err)
	}
	return &schema{s: s, printer: message.NewPrinter(language.English)}, nil
}

// schemaError is one schema violation: where, and what.
type schemaError struct {
	path    runbook.Path
	atKey   bool
	message string
}

// validate checks instance against the schema. structural reports a violation that leaves the
// instance without the shape of a runbook definition (a wrong type, a missing or unknown
// field, a malformed duration), so that it cannot be decoded and checked further.
func (s *schema) validate(instance any) (errs []schemaError, structural bool) {
	err := s.s.Validate(instance)
	if err == nil {
		return nil, false
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []schemaError{{message: err.Error()}}, true
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out, hard := s.describe(e)
		structural = structural || hard
		errs = append(errs, out...)
	}
	walk(ve)
	return errs, structural
}

// describe words one leaf violation, and says whether it is structural.
func (s *schema) describe(e *jsonschema.ValidationError) ([]schemaError, bool) {
	path := runbook.Path(e.InstanceLocation)
	at := func(msg string) []schemaError { return []schemaError{{path: path, message: msg}} }
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var out []schemaError
		for _, p := range k.Properties {
			out = append(out, schemaError{path: append(path[:len(path):len(path)], p), atKey: true,
				message: fmt.Sprintf("unknown field %q%s", p, fieldHint(path))})
		}
		return out, true
	case *kind.Required:
		var out []schemaError
		for _, m := range k.Missing {
			out = append(out, schemaError{path: path, message: fmt.Sprintf("missing field %q", m)})
		}
		return out, true
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonTypeName(w)
		}
		return at(fmt.Sprintf("want %s, not %s", strings.Join(want, " or "), jsonTypeName(k.Got))), true
	case *kind.Pattern:
		switch {
		case strings.HasSuffix(e.SchemaURL, "/$defs/duration"):
			return at(fmt.Sprintf("invalid duration %q: use a number and a unit, such as 90s, 10m or 1h30m", k.Got)), true
		case strings.HasSuffix(e.SchemaURL, "/$defs/id"):
			return at(fmt.Sprintf("invalid id %q: use a lowercase letter, then lowercase letters, digits and underscores, at most %d", k.Got, runbook.MaxIDLen)), false
		case strings.HasSuffix(e.SchemaURL, "#/properties/name"):
			return at(fmt.Sprintf("invalid name %q: use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most %d", k.Got, runbook.MaxNameLen)), false
		case strings.HasSuffix(e.SchemaURL, "/severity"):
			return at(fmt.Sprintf("invalid severity %q: use sev1, sev2 or sev3", k.Got)), false
		}
	case *kind.Enum:
		if strings.HasSuffix(e.SchemaURL, "/$defs/action") {
			return at(fmt.Sprintf("unknown action %v", quoteValue(k.Got))), false
		}
	case *kind.PropertyNames:
		return []schemaError{{path: append(path[:len(path):len(path)], k.Property), atKey: true,
			message: fmt.Sprintf("invalid name %q: use a lowercase letter, then lowercase letters, digits and underscores", k.Property)}}, false
	case *kind.MinItems:
		return at(fmt.Sprintf("%d entries; at least %d are needed", k.Got, k.Want)), false
	case *kind.MaxItems:
		return at(fmt.Sprintf("%d entries; at most %d are allowed", k.Got, k.Want)), false
	case *kind.MaxProperties:
		return at(fmt.Sprintf("%d entries; at most %d are allowed", k.Got, k.Want)), false
	case *kind.MinLength:
		return at(fmt.Sprintf("%d characters; at least %d are needed", k.Got, k.Want)), false
	case *kind.MaxLength:
		return at(fmt.Sprintf("%d characters; at most %d are allowed", k.Got, k.Want)), false
	case *kind.Minimum:
		return at(fmt.Sprintf("%s is less than the minimum, %s", k.Got.RatString(), k.Want.RatString())), false
	case *kind.Maximum:
		return at(fmt.Sprintf("%s is more than the maximum, %s", k.Got.RatString(), k.Want.RatString())), false
	case *kind.FalseSchema, *kind.Dependency, *kind.DependentRequired, *kind.InvalidJsonValue:
		return at(e.ErrorKind.LocalizedString(s.printer)), true
	}
	return at(e.ErrorKind.LocalizedString(s.printer)), false
}

// fieldHint lists the fields allowed where an unknown one was found, for the places people
// write most.
func fieldHint(path runbook.Path) string {
	switch {
	case len(path) == 0:
		return "; fields: name, description, match, params, steps"
	case len(path) == 1 && path[0] == "match":
		return "; fields: service, type, severity, labels, condition"
	case len(path) == 2 && path[0] == "params":
		return "; fields: name, type, description, required, default"
	case len(path) >= 2 && path[0] == "steps" && path[len(path)-1] == "undo":
		return "; an undo step has action, with, timeout and retry"
	case len(path) >= 2 && path[0] == "steps" && path[len(path)-1] == "retry":
		return "; fields: max_attempts, backoff, max_backoff"
	case len(path) >= 2 && path[0] == "steps":
		return "; fields: id, action, with, timeout, retry, when, approval, undo, outputs (or parallel alone)"
	}
	return ""
}

// jsonTypeName words a JSON type for messages.
func jsonTypeName(t string) string {
	switch t {
	case "string":
		return "a string"
	case "array":
		return "a list"
	case "object":
		return "a map"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	case "null":
		return "nothing (null)"
	}
	return t
}

// quoteValue quotes a string value, leaving other values as they print.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
