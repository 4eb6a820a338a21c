package safetext

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// Redacted is what stands in for a hidden part of a URL.
const Redacted = "REDACTED"

// minSecret is the shortest part of a URL that Scrub hides in other text: shorter parts match
// ordinary words too often to be worth it, and RedactURL hides them anyway.
const minSecret = 8

// RedactURL returns raw with every part that may hold a secret replaced by REDACTED: the user
// information, every query value (and a query part without a value), the fragment, and every path
// segment after the first. The scheme, host, port, first path segment and query keys stay, so
// https://hooks.slack.com/services/T0/B0/XXXX becomes https://hooks.slack.com/services/REDACTED and
// https://example.com/hook?token=abc becomes https://example.com/hook?token=REDACTED. A URL that
// does not parse comes back as "REDACTED (unparsable URL)". The result is safe to print (Line).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Redacted + " (unparsable URL)"
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme + ":")
	}
	if u.Opaque != "" {
		b.WriteString(Redacted)
	} else {
		if u.Host != "" || u.User != nil {
			b.WriteString("//")
			if u.User != nil {
				b.WriteString(Redacted + "@")
			}
			b.WriteString(u.Host)
		}
		path := u.EscapedPath()
		if rooted := strings.HasPrefix(path, "/"); rooted {
			b.WriteByte('/')
			path = path[1:]
		}
		first, rest, more := strings.Cut(path, "/")
		b.WriteString(first)
		if more {
			b.WriteByte('/')
			if rest != "" {
				b.WriteString(Redacted)
			}
		}
	}
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteString("?" + redactQuery(u.RawQuery))
	}
	if u.Fragment != "" {
		b.WriteString("#" + Redacted)
	}
	return Line(b.String())
}

// redactQuery keeps a raw query's keys and replaces each non-empty value, and each part without
// an equals sign, with REDACTED.
func redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		key, value, ok := strings.Cut(part, "=")
		switch {
		case !ok && part != "":
			parts[i] = Redacted
		case ok && value != "":
			parts[i] = key + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// URLSecrets returns the parts of raw that RedactURL hides, as written and unescaped, longest
// first, leaving out those shorter than 8 bytes; Scrub hides them wherever else they appear, such
// as in an error a library built from the whole URL or in a receiver's answer that echoes it.
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var parts []string
	add := func(escaped string, unescape func(string) (string, error)) {
		parts = append(parts, escaped)
		if plain, err := unescape(escaped); err == nil {
			parts = append(parts, plain)
		}
	}
	if u.User != nil {
		parts = append(parts, u.User.Username())
		if password, ok := u.User.Password(); ok {
			parts = append(parts, password)
		}
		add(u.User.String(), url.PathUnescape)
	}
	parts = append(parts, u.Opaque)
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	if _, rest, ok := strings.Cut(path, "/"); ok && rest != "" {
		add(rest, url.PathUnescape)
		for segment := range strings.SplitSeq(rest, "/") {
			add(segment, url.PathUnescape)
		}
	}
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		if _, value, ok := strings.Cut(part, "="); ok {
			add(value, url.QueryUnescape)
		} else {
			add(part, url.QueryUnescape)
		}
	}
	parts = append(parts, u.Fragment, u.EscapedFragment())

	var secrets []string
	for _, p := range parts {
		if len(p) >= minSecret && !slices.Contains(secrets, p) {
			secrets = append(secrets, p)
		}
	}
	slices.SortStableFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return secrets
}

// Scrub returns s with every occurrence of each secret replaced by REDACTED. Give it secrets
// longest first, as URLSecrets returns them, so that a secret containing another is hidden whole.
func Scrub(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
}
