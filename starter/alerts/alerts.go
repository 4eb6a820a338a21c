// Package alerts parses the webhooks of alerting tools (Prometheus Alertmanager, Grafana
// Alerting, CloudWatch alarms delivered by Amazon SNS, and Firebreak's own generic format) into
// one normalised Alert, and verifies the signatures of SNS messages.
//
// The package does no I/O of its own except the SNS certificate fetch and subscription
// confirmation, both through an http.Client the caller provides. The HTTP handlers that call these
// parsers are expected to limit the size of request bodies.
package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/firebreak-dev/firebreak/incident"
	"hash/fnv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Firing and Resolved are the two statuses of an Alert.
const (
	Firing   = incident.AlertFiring
	Resolved = incident.AlertResolved
)

// Sources of an Alert, as set in Alert.Source.
const (
	SourceAlertmanager = "alertmanager"
	SourceGrafana      = "grafana"
	SourceSNS          = "sns"
	SourceGeneric      = "generic"
)

// Alert is one alert from any source, normalised; it is the domain's incident.Alert.
type Alert = incident.Alert

// validStatus reports whether s is Firing or Resolved.
func validStatus(s string) bool {
	return s == Firing || s == Resolved
}

// statusError describes a status that is neither Firing nor Resolved at the given path.
func statusError(path, got string) error {
	return fmt.Errorf("%s: must be %q or %q, got %s", path, Firing, Resolved, quote(got))
}

// decodeJSON decodes exactly one JSON value from body into v. With strict set, fields that v
// does not declare are rejected. Errors name the byte offset of syntax errors, and the field of a
// text that is not valid UTF-8 (see CheckUTF8).
func decodeJSON(body []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("empty body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON: unexpected data after the top-level value at byte %d", dec.InputOffset())
	}
	return CheckUTF8(body)
}

// jsonError rewrites an encoding/json error into one that names the problem and where it is.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field
		if field == "" {
			field = "body"
		}
		if !plainText(field) {
			field = quote(field) // a path through map keys a request chose
		}
		return fmt.Errorf("%s: cannot use JSON %s as %s (byte %d)", field, typ.Value, typ.Type, typ.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(msg)
		if uerr != nil {
			name = msg
		}
		return fmt.Errorf("unknown field %s", quote(name))
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: "); ok {
		return errors.New(incident.Truncate(msg, 256))
	}
	return fmt.Errorf("invalid JSON: %s", incident.Truncate(err.Error(), 256))
}

// plainText reports whether s is at most 128 bytes of printable ASCII, safe to show as it is.
func plainText(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// labelsFingerprint returns the fingerprint Prometheus and Alertmanager compute for a label
// set: FNV-1a 64 over the labels sorted by name, each name and value followed by the byte 0xff,
// printed as 16 hexadecimal digits.
func labelsFingerprint(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	sort.Strings(names)
	h := fnv.New64a()
	sep := []byte{0xff}
	for _, name := range names {
		_, _ = h.Write([]byte(name))
		_, _ = h.Write(sep)
		_, _ = h.Write([]byte(labels[name]))
		_, _ = h.Write(sep)
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// parseTime parses an RFC 3339 timestamp, or the form with a numeric offset lacking a colon
// that CloudWatch uses ("2006-01-02T15:04:05.000+0000"), and returns it in UTC. An empty string
// and "0001-01-01T00:00:00Z" are the zero time.
func parseTime(path, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999-0700", s)
	}
	if err == nil {
		if t.IsZero() {
			return time.Time{}, nil
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s: invalid time %s: want RFC 3339", path, quote(s))
}

// nonEmpty returns m, or nil when m has no entries, so that empty maps are omitted.
func nonEmpty[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}
