package email

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"mime/quotedprintable"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/firebreak-dev/firebreak/activities/notify"
	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Bounds of the parts of a message's body.
const (
	// maxLinkLine bounds one "name: URL" line of the body.
	maxLinkLine = 1000
	// maxLinks bounds the links a body lists.
	maxLinks = 20
	// truncatedNote ends a text that was cut to fit the body limit.
	truncatedNote = "\n\n[truncated by Firebreak: the first %d of %d bytes of the text are shown]"
	// foldAt is the line length after which header values are folded at spaces.
	foldAt = 78
	// maxWordBytes is the most UTF-8 bytes in one encoded word: its base64 (60 characters)
	// with "=?utf-8?b?" and "?=" stays within RFC 2047's 75 characters.
	maxWordBytes = 45
)

// body returns the message's text, its links and a footer, neutralised for a mail reader
// (safetext.Text keeps the lines), with the text cut to fit the notifier's body limit.
func (n *Notifier) body(m notify.Message) string {
	var tail strings.Builder
	if len(m.Links) > 0 {
		tail.WriteString("\n")
		for i, name := range slices.Sorted(maps.Keys(m.Links)) {
			if i == maxLinks || m.Links[name] == "" {
				continue
			}
			tail.WriteString("\n" + cut(safetext.Line(name+": "+m.Links[name]), maxLinkLine))
		}
	}
	tail.WriteString("\n\n-- \nSent by Firebreak")
	if m.IncidentID != "" {
		tail.WriteString(" about incident " + cut(safetext.Line(m.IncidentID), maxHeaderValue))
	}
	tail.WriteString(". Replies are not read.\n")

	text := safetext.Text(m.Text)
	if len(text)+tail.Len() > n.maxBody {
		room := max(n.maxBody-tail.Len()-len(fmt.Sprintf(truncatedNote, len(text), len(text))), 0)
		shown := cutBytes(text, room)
		text = shown + fmt.Sprintf(truncatedNote, len(shown), len(text))
	}
	return text + tail.String()
}

// cutBytes returns the longest prefix of s of at most max bytes that ends on a rune boundary.
func cutBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	end := max
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end]
}

// cutRunes returns s cut to at most max runes, marked with an ellipsis when cut.
func cutRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// header writes one header field, folded at spaces after foldAt characters. The value must be
// one line, which safetext.Line and encodeWords make of any text.
func header(b *bytes.Buffer, name, value string) {
	line := len(name) + 1
	b.WriteString(name + ":")
	for word := range strings.SplitSeq(value, " ") {
		if line+1+len(word) > foldAt && line > len(name)+1 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(" " + word)
		line += 1 + len(word)
	}
	b.WriteString("\r\n")
}

// encodeWords returns s as it may stand in a header: printable ASCII as it is, anything else,
// and any text that looks like an encoded word already, as RFC 2047 base64 encoded words
// of whole runes, so that a mail reader shows the text and nothing it would decode again.
func encodeWords(s string) string {
	plain := !strings.Contains(s, "=?")
	for i := 0; plain && i < len(s); i++ {
		plain = s[i] >= ' ' && s[i] <= '~'
	}
	if plain {
		return s
	}
	var words []string
	for s != "" {
		chunk := cutBytes(s, maxWordBytes)
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(chunk))+"?=")
		s = s[len(chunk):]
	}
	return strings.Join(words, " ")
}

// writeQuotedPrintable writes text as a quoted-printable body with CRLF line ends.
func writeQuotedPrintable(b *bytes.Buffer, text string) {
	w := quotedprintable.NewWriter(b)
	_, _ = w.Write([]byte(text)) // writing to a bytes.Buffer cannot fail
	_ = w.Close()
}
