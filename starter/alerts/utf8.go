package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrNotUTF8 is wrapped by the errors that name a text which is not valid UTF-8. encoding/json
// would silently replace each bad byte with U+FFFD, so that two different keys could become one;
// the parsers reject such a text instead.
var ErrNotUTF8 = errors.New("not valid UTF-8")

// CheckUTF8 returns an error naming the first string of the JSON document body, a member name or
// a value, that is not valid UTF-8: raw bytes that do not decode, or an escaped lone surrogate
// (\ud800 to \udfff not in a pair). Its error reads like "alerts[2].labels.instance: not valid
// UTF-8 (byte 1234)". body must be one syntactically valid JSON value, for example one that
// encoding/json decoded without error; a body that is not gives no error here.
func CheckUTF8(body []byte) error {
	if utf8.Valid(body) && !hasSurrogateEscape(body) {
		return nil
	}
	s := textScanner{body: body}
	return s.value("")
}

// hasSurrogateEscape reports whether body may hold an escaped UTF-16 surrogate (\uD800 to
// \uDFFF). It may answer true for text that only looks like one, such as an escaped backslash
// followed by "ud800".
func hasSurrogateEscape(body []byte) bool {
	for {
		i := bytes.Index(body, []byte(`\u`))
		if i < 0 || i+4 > len(body) {
			return false
		}
		if (body[i+2] == 'd' || body[i+2] == 'D') && bytes.IndexByte([]byte("89abcdefABCDEF"), body[i+3]) >= 0 {
			return true
		}
		body = body[i+2:]
	}
}

// textScanner walks a syntactically valid JSON document, keeping the path of the value it is at.
// It never reads past the end of body, whatever body holds.
type textScanner struct {
	body []byte
	pos  int
}

// value checks the value at s.pos, whose path is path, and moves past it.
func (s *textScanner) value(path string) error {
	s.skipSpace()
	if s.pos >= len(s.body) {
		return nil
	}
	switch s.body[s.pos] {
	case '{':
		s.pos++
		for {
			s.skipSpace()
			if s.pos >= len(s.body) {
				return nil
			}
			switch s.body[s.pos] {
			case '}':
				s.pos++
				return nil
			case ',':
				s.pos++
				s.skipSpace()
			}
			if s.pos >= len(s.body) || s.body[s.pos] != '"' {
				return nil // not valid JSON: the decoder reports it
			}
			start := s.pos
			if bad := s.str(); bad >= 0 {
				return fmt.Errorf("%s: a member name is %w (byte %d)", orBody(path), ErrNotUTF8, bad)
			}
			var key string
			if err := json.Unmarshal(s.body[start:s.pos], &key); err != nil {
				return nil
			}
			s.skipSpace()
			if s.pos >= len(s.body) || s.body[s.pos] != ':' {
				return nil
			}
			s.pos++
			if err := s.value(member(path, key)); err != nil {
				return err
			}
		}
	case '[':
		s.pos++
		for i := 0; ; i++ {
			s.skipSpace()
			if s.pos >= len(s.body) {
				return nil
			}
			switch s.body[s.pos] {
			case ']':
				s.pos++
				return nil
			case ',':
				s.pos++
			}
			before := s.pos
			if err := s.value(path + "[" + strconv.Itoa(i) + "]"); err != nil {
				return err
			}
			if s.pos == before {
				return nil // no progress: not valid JSON
			}
		}
	case '"':
		if bad := s.str(); bad >= 0 {
			return fmt.Errorf("%s: %w (byte %d)", orBody(path), ErrNotUTF8, bad)
		}
		return nil
	default: // a number, true, false or null
		for s.pos < len(s.body) && bytes.IndexByte([]byte(",}] \t\r\n"), s.body[s.pos]) < 0 {
			s.pos++
		}
		return nil
	}
}

// str moves past the string at s.pos and returns the offset of its first byte that is not valid
// UTF-8 or its first lone surrogate escape, or -1.
func (s *textScanner) str() int {
	bad := -1
	i := s.pos + 1
	for i < len(s.body) {
		c := s.body[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return bad
		case c == '\\':
			if i+1 < len(s.body) && s.body[i+1] == 'u' {
				r, ok := hex4(s.body, i+2)
				switch {
				case !ok:
				case r >= 0xd800 && r < 0xdc00:
					// A high surrogate must be followed by an escaped low one.
					low, ok := rune(0), false
					if i+7 < len(s.body) && s.body[i+6] == '\\' && s.body[i+7] == 'u' {
						low, ok = hex4(s.body, i+8)
					}
					if !ok || low < 0xdc00 || low > 0xdfff {
						bad = firstBad(bad, i)
					} else {
						i += 6
					}
				case r >= 0xdc00 && r <= 0xdfff:
					bad = firstBad(bad, i)
				}
				i += 6
			} else {
				i += 2
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s.body[i:])
			if r == utf8.RuneError && size == 1 {
				bad = firstBad(bad, i)
			}
			i += size
		}
	}
	s.pos = len(s.body)
	return bad
}

// skipSpace moves past JSON white space.
func (s *textScanner) skipSpace() {
	for s.pos < len(s.body) && (s.body[s.pos] == ' ' || s.body[s.pos] == '\t' || s.body[s.pos] == '\r' || s.body[s.pos] == '\n') {
		s.pos++
	}
}

// hex4 decodes the four hexadecimal digits at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// firstBad returns bad, or i when bad is not set yet.
func firstBad(bad, i int) int {
	if bad >= 0 {
		return bad
	}
	return i
}

// orBody returns path, or "body" for the document itself.
func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
