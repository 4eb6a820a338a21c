package safetext

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON returns encoded JSON, as encoding/json writes it, with every unsafe character inside its
// strings written as a \u escape, so that the document decodes to the same values but shows
// nothing a terminal would act on. encoding/json already escapes the C0 controls; this adds the C1
// controls, DEL, the invisible formatting characters and the rest that Unsafe names. Invalid
// UTF-8 (which encoding/json never writes) becomes U+FFFD.
func JSON(encoded []byte) []byte {
	clean := true
	for i := 0; i < len(encoded); {
		if encoded[i] < utf8.RuneSelf && encoded[i] != 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRune(encoded[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return encoded
	}
	out := make([]byte, 0, len(encoded)+32)
	for i := 0; i < len(encoded); {
		r, size := utf8.DecodeRune(encoded[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r >= 0x20 && Unsafe(r):
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		default:
			out = append(out, encoded[i:i+size]...)
		}
		i += size
	}
	return out
}
