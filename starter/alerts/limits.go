package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/firebreak-dev/firebreak/incident"
)

// Limits on one alert, applied by Bound to every alert a parser returns. Sizes are in bytes of
// UTF-8. A text over its limit is cut on a character boundary and ends in TruncatedMarker; an
// identity over its limit (fingerprint, group key, the name of a label, annotation or link) keeps
// its beginning and ends in a marker that holds a hash of the whole, so that two different
// identities never become one.
const (
	// MaxTitleBytes bounds Title.
	MaxTitleBytes = 1024
	// MaxFingerprintBytes bounds Fingerprint.
	MaxFingerprintBytes = 1024
	// MaxGroupKeyBytes bounds GroupKey.
	MaxGroupKeyBytes = 1024
	// MaxNameBytes bounds Service and Type.
	MaxNameBytes = 128
	// MaxKeyBytes bounds the name of a label, an annotation or a link.
	MaxKeyBytes = 128
	// MaxLabels bounds the labels of an alert, the marker label included.
	MaxLabels = 64
	// MaxLabelValueBytes bounds the value of a label.
	MaxLabelValueBytes = 1024
	// MaxAnnotations bounds the annotations of an alert.
	MaxAnnotations = 64
	// MaxAnnotationValueBytes bounds the value of an annotation.
	MaxAnnotationValueBytes = 4096
	// MaxLinks bounds the links of an alert.
	MaxLinks = 16
	// MaxLinkBytes bounds the URL of a link.
	MaxLinkBytes = 2048
	// MaxImpactValueBytes bounds a text value of the generic format's impact object.
	MaxImpactValueBytes = 64
	// MaxAlertsPerRequest bounds the alerts taken from one request; the ingestion handlers store
	// the first MaxAlertsPerRequest and report the rest as truncated, as Alertmanager's own
	// max_alerts does.
	MaxAlertsPerRequest = 1000
)

// TruncatedMarker ends a text that was cut to fit its limit.
const TruncatedMarker = " …[truncated]"

// TruncatedLabel is the label Bound adds to an alert whose labels, annotations or links were
// too many: its value says how many of each were left out.
const TruncatedLabel = "firebreak_truncated"

// Bound returns a with every limit of this package applied: texts cut with TruncatedMarker,
// identities cut with a marker holding their hash, and labels, annotations and links beyond their
// count left out (the entries kept are the first by name, and the label TruncatedLabel says what
// was left out). Maps are copied, never changed in place. It returns an error naming the field
// when a text of a is not valid UTF-8; such an alert must be rejected, since replacing the bad
// bytes could make two different identities one. Bound(Bound(a)) is Bound(a).
func Bound(a Alert) (Alert, error) {
	if err := checkAlertUTF8(a); err != nil {
		return Alert{}, err
	}
	if withinLimits(a) {
		return a, nil // the common case: nothing to cut, nothing to copy
	}
	var dropped []string
	a.Fingerprint = CutKey(a.Fingerprint, MaxFingerprintBytes)
	a.GroupKey = CutKey(a.GroupKey, MaxGroupKeyBytes)
	a.Title = incident.Truncate(a.Title, MaxTitleBytes)
	a.Service = incident.Truncate(a.Service, MaxNameBytes)
	a.Type = incident.Truncate(a.Type, MaxNameBytes)
	// A marker label already present (from an earlier Bound) is kept unless more is left out now,
	// so that bounding twice gives the same alert.
	labels := a.Labels
	marker, marked := labels[TruncatedLabel]
	if marked {
		labels = maps.Clone(labels)
		delete(labels, TruncatedLabel)
	}
	var n int
	var annotations, links map[string]string
	annotations, n = boundMap(a.Annotations, MaxAnnotations, MaxAnnotationValueBytes)
	if n > 0 {
		dropped = append(dropped, fmt.Sprintf("%d annotations", n))
	}
	links, n = boundMap(a.Links, MaxLinks, MaxLinkBytes)
	if n > 0 {
		dropped = append(dropped, fmt.Sprintf("%d links", n))
	}
	room := MaxLabels
	if marked || len(dropped) > 0 || len(labels) > MaxLabels {
		room-- // for the marker label
	}
	labels, n = boundMap(labels, room, MaxLabelValueBytes)
	if n > 0 {
		dropped = append([]string{fmt.Sprintf("%d labels", n)}, dropped...)
	}
	if len(dropped) > 0 {
		marked = true
		marker = fmt.Sprintf("%s left out (limits: %d labels, %d annotations, %d links)",
			strings.Join(dropped, ", "), MaxLabels, MaxAnnotations, MaxLinks)
	}
	if marked {
		if labels == nil {
			labels = map[string]string{}
		}
		labels[TruncatedLabel] = incident.Truncate(marker, MaxLabelValueBytes)
	}
	a.Labels, a.Annotations, a.Links = labels, annotations, links
	if len(a.Impact) > 0 {
		impact := make(map[string]any, len(a.Impact))
		for k, v := range a.Impact {
			if s, ok := v.(string); ok {
				v = incident.Truncate(s, MaxImpactValueBytes)
			}
			impact[CutKey(k, MaxKeyBytes)] = v
		}
		a.Impact = impact
	}
	return a, nil
}

// withinLimits reports whether a keeps every limit of Bound, so that Bound would return it as it
// is.
func withinLimits(a Alert) bool {
	if len(a.Fingerprint) > MaxFingerprintBytes || len(a.GroupKey) > MaxGroupKeyBytes || len(a.Title) > MaxTitleBytes ||
		len(a.Service) > MaxNameBytes || len(a.Type) > MaxNameBytes ||
		len(a.Labels) > MaxLabels || len(a.Annotations) > MaxAnnotations || len(a.Links) > MaxLinks {
		return false
	}
	for _, m := range []struct {
		values   map[string]string
		maxValue int
	}{{a.Labels, MaxLabelValueBytes}, {a.Annotations, MaxAnnotationValueBytes}, {a.Links, MaxLinkBytes}} {
		for k, v := range m.values {
			if len(k) > MaxKeyBytes || len(v) > m.maxValue {
				return false
			}
		}
	}
	for k, v := range a.Impact {
		if s, ok := v.(string); len(k) > MaxKeyBytes || ok && len(s) > MaxImpactValueBytes {
			return false
		}
	}
	return true
}

// boundMap returns m with at most n entries (the first by name), names cut with CutKey and values
// with incident.Truncate to maxValue bytes, and how many entries were left out. A nil or empty m
// gives nil. Cut names keep a hash of the whole name, so that two long names stay two entries.
func boundMap(m map[string]string, n, maxValue int) (map[string]string, int) {
	if len(m) == 0 {
		return nil, 0
	}
	keys := slices.Sorted(maps.Keys(m))
	left := 0
	if len(keys) > n {
		left = len(keys) - n
		keys = keys[:n]
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[CutKey(k, MaxKeyBytes)] = incident.Truncate(m[k], maxValue)
	}
	return out, left
}

// CutKey returns s when it has at most n bytes; otherwise its beginning, cut on a character
// boundary, followed by " …[truncated " and the first 16 hexadecimal digits of the SHA-256 of the
// whole of s and "]", n bytes at most. Two different long identities stay different, and the
// same identity always gives the same key. n must be at least 64.
func CutKey(s string, n int) string {
	if len(s) <= n {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	marker := " …[truncated " + hex.EncodeToString(sum[:8]) + "]"
	cut := n - len(marker)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:max(cut, 0)] + marker
}

// checkAlertUTF8 returns an error naming the first field of a that is not valid UTF-8.
func checkAlertUTF8(a Alert) error {
	if alertIsUTF8(a) {
		return nil
	}
	for _, f := range []struct{ name, value string }{
		{"source", a.Source}, {"fingerprint", a.Fingerprint}, {"group_key", a.GroupKey},
		{"status", a.Status}, {"title", a.Title}, {"service", a.Service}, {"type", a.Type},
	} {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%s: %w", f.name, ErrNotUTF8)
		}
	}
	for _, m := range []struct {
		name   string
		values map[string]string
	}{{"labels", a.Labels}, {"annotations", a.Annotations}, {"links", a.Links}} {
		for _, k := range slices.Sorted(maps.Keys(m.values)) {
			if !utf8.ValidString(k) {
				return fmt.Errorf("%s: a name is %w", m.name, ErrNotUTF8)
			}
			if !utf8.ValidString(m.values[k]) {
				return fmt.Errorf("%s: %w", member(m.name, k), ErrNotUTF8)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.Impact)) {
		if s, _ := a.Impact[k].(string); !utf8.ValidString(k) || !utf8.ValidString(s) {
			return fmt.Errorf("impact: %w", ErrNotUTF8)
		}
	}
	return nil
}

// alertIsUTF8 reports whether every text of a is valid UTF-8, without allocating.
func alertIsUTF8(a Alert) bool {
	for _, s := range []string{a.Source, a.Fingerprint, a.GroupKey, a.Status, a.Title, a.Service, a.Type} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	for _, m := range []map[string]string{a.Labels, a.Annotations, a.Links} {
		for k, v := range m {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return false
			}
		}
	}
	for k, v := range a.Impact {
		if s, _ := v.(string); !utf8.ValidString(k) || !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// member names the member key of the object at path for an error message: path.key when key is
// a plain name, else path[key] with key quoted (and cut), so that no text from a request is shown
// raw.
func member(path, key string) string {
	plain := key != "" && len(key) <= 64
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case plain && path == "":
		return key
	case plain:
		return path + "." + key
	default:
		return path + "[" + quote(key) + "]"
	}
}

// quote renders a text from a request for an error message: quoted with Go escapes, so that no
// control character or invalid byte is shown raw, and cut to 64 bytes.
func quote(s string) string {
	return fmt.Sprintf("%q", incident.Truncate(strings.ToValidUTF8(s, "\uFFFD"), 64))
}
