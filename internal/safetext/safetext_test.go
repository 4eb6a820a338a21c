package safetext

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "plain text unchanged", in: "Checkout returns 500s", want: "Checkout returns 500s"},
		{name: "letters, accents and emoji unchanged", in: "Café ⚠️ 🔥 Zahlung fehlgeschlagen", want: "Café ⚠️ 🔥 Zahlung fehlgeschlagen"},
		{name: "empty", in: "", want: ""},
		{name: "OSC retitles the terminal", in: "\x1b]0;pwned\x07title", want: `\x1b]0;pwned\x07title`},
		{name: "CSI clears the screen", in: "\x1b[2J\x1b[HALL CLEAR", want: `\x1b[2J\x1b[HALL CLEAR`},
		{name: "DCS", in: "\x1bP1$r\x1b\\", want: `\x1bP1$r\x1b\`},
		{name: "C1 CSI", in: "\u009b31mred", want: `\u009b31mred`},
		{name: "C1 OSC and string terminator", in: "\u009d0;x\u009c", want: `\u009d0;x\u009c`},
		{name: "DEL and backspace", in: "ab\x7f\bc", want: `ab\x7f\x08c`},
		{name: "bidi override", in: "invoice\u202Efdp.exe", want: `invoice\u202efdp.exe`},
		{name: "bidi isolates and marks", in: "\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c", want: `\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c`},
		{name: "zero-width characters and BOM", in: "ad\u200bmi\u200cn\u200d\u2060\ufeff", want: `ad\u200bmi\u200cn\u200d\u2060\ufeff`},
		{name: "soft hyphen", in: "pay\u00adments", want: `pay\u00adments`},
		{name: "tag characters", in: "ok\U000E0041\U000E007F", want: `ok\U000e0041\U000e007f`},
		{name: "invisible fillers", in: "a\u3164b\u115fc", want: `a\u3164b\u115fc`},
		{name: "line breaks and tabs become spaces", in: "a\nb\r\nc\td\ve\ff", want: "a b  c d e f"},
		{name: "unicode line breaks become spaces", in: "a\u0085b\u2028c\u2029d", want: "a b c d"},
		{name: "carriage return cannot overwrite the line", in: "all good\rALL CLEAR", want: "all good ALL CLEAR"},
		{name: "invalid UTF-8", in: "a\xffb\xc3", want: `a\xffb\xc3`},
		{name: "a real replacement character stays", in: "a\uFFFDb", want: "a\uFFFDb"},
		{name: "a NUL byte", in: "a\x00b", want: `a\x00b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Line(tt.in)
			require.Equal(t, tt.want, got)
			require.Equal(t, got, Line(got), "cleaning is idempotent")
			require.NotContains(t, got, "\x1b")
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "line feeds and tabs stay", in: "first\n\tsecond\n", want: "first\n\tsecond\n"},
		{name: "CRLF becomes LF", in: "a\r\nb\r\n", want: "a\nb\n"},
		{name: "lone carriage return is shown", in: "all good\rALL CLEAR", want: `all good\x0dALL CLEAR`},
		{name: "escape sequences are shown", in: "a\x1b[2J\nb\u009b1m", want: "a\\x1b[2J\nb\\u009b1m"},
		{name: "unicode separators are shown", in: "a\u2028b\u0085c", want: `a\u2028b\u0085c`},
		{name: "vertical tab and form feed are shown", in: "a\vb\fc", want: `a\x0bb\x0cc`},
		{name: "bidi override", in: "x\u202ey", want: `x\u202ey`},
		{name: "plain text unchanged", in: "Résumé: rolled back v41", want: "Résumé: rolled back v41"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			require.Equal(t, tt.want, got)
			require.Equal(t, got, Text(got), "cleaning is idempotent")
		})
	}
}

func TestJSON(t *testing.T) {
	type doc struct {
		Title string            `json:"title"`
		Links map[string]string `json:"links"`
	}
	tests := []struct {
		name    string
		in      doc
		escapes []string
	}{
		{name: "clean", in: doc{Title: "Checkout ⚠️ down"}},
		{name: "C0 controls, as encoding/json escapes them", in: doc{Title: "a\x1b[2Jb"}, escapes: []string{`\u001b`}},
		{name: "C1 controls and DEL", in: doc{Title: "a\u009b31m\x7f"}, escapes: []string{`\u009b`, `\u007f`}},
		{name: "bidi override in a map key and value", in: doc{Links: map[string]string{"x\u202e": "y\u2066"}}, escapes: []string{`\u202e`, `\u2066`}},
		{name: "tag characters beyond the BMP", in: doc{Title: "ok\U000E0041"}, escapes: []string{`\udb40\udc41`}},
		{name: "line separators", in: doc{Title: "a\u2028b"}, escapes: []string{`\u2028`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded, err := json.MarshalIndent(tt.in, "", "  ")
			require.NoError(t, err)
			got := JSON(encoded)
			for _, e := range tt.escapes {
				require.Contains(t, string(got), e)
			}
			require.Equal(t, string(got), Text(string(got)), "nothing unsafe is left")
			var back doc
			require.NoError(t, json.Unmarshal(got, &back))
			require.Equal(t, tt.in, back, "the document decodes to the same values")
			if len(tt.escapes) == 0 {
				require.Equal(t, encoded, got)
			}
		})
	}
}

func TestJSONInvalidUTF8(t *testing.T) {
	require.Equal(t, `{"a":"x\ufffdy"}`, string(JSON([]byte("{\"a\":\"x\xffy\"}"))))
}
