// Package safetext makes text that came from outside safe to show on a terminal, in a log line or
// in a chat message, and hides the secrets that URLs carry.
//
// Text is neutralised, never dropped: every C0 and C1 control character, DEL, every invisible
// formatting character (bidi overrides and isolates, zero-width characters, the byte order mark,
// tag characters, other default-ignorable code points), the line and paragraph separators and
// every byte that is not UTF-8 is written as a visible Go-style escape, such as \x1b, \u202e or
// \U000e0041. An escape sequence (CSI, OSC, DCS, ...) therefore loses its leading ESC or C1 byte
// and shows as plain text. A backslash is not escaped, so the text "\x1b" and an escaped ESC look
// the same: both are harmless.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s safe to show within one line: tabs, line breaks and the other white-space
// controls become a space, and every other unsafe character a visible escape. Text without
// unsafe characters comes back unchanged.
func Line(s string) string {
	return clean(s, false)
}

// Text returns s safe to show where the output may span lines: line feeds and tabs stay, a
// carriage return before a line feed is dropped, and every other unsafe character, a lone
// carriage return among them, becomes a visible escape.
func Text(s string) string {
	return clean(s, true)
}

// Unsafe reports whether a rune must not reach a terminal or a chat message as it is: a control
// character, an invisible formatting character or a line or paragraph separator.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point)
}

// clean writes s with its unsafe characters neutralised; multiline keeps line feeds and tabs.
func clean(s string, multiline bool) string {
	if !needsCleaning(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case multiline && r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
			// CRLF is a line break: keep the LF only.
		case !multiline && isBreak(r):
			b.WriteByte(' ')
		case Unsafe(r):
			writeEscape(&b, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// needsCleaning reports whether clean would change s.
func needsCleaning(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if multiline && (r == '\n' || r == '\t') {
			i += size
			continue
		}
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			return true
		}
		i += size
	}
	return false
}

// isBreak reports whether r breaks or spaces out a line: the white-space controls and the Unicode
// line and paragraph separators.
func isBreak(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// writeEscape writes r as \xXX, \uXXXX or \UXXXXXXXX.
func writeEscape(b *strings.Builder, r rune) {
	switch {
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	case r <= 0xffff:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}
