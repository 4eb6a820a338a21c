package github

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Bounds of what an issue or comment holds, well within GitHub's 65,536 characters.
const (
	maxTitleRunes = 256
	maxField      = 300
	maxLabels     = 30
	maxText       = 50_000
)

// issueTitle is "[key] title", one line of at most 256 characters.
func issueTitle(in Incident) string {
	title := safetext.Line("[" + in.Key + "] " + in.Title)
	if r := []rune(title); len(r) > maxTitleRunes {
		title = string(r[:maxTitleRunes-1]) + "…"
	}
	return title
}

// issueBody describes the incident. Every text from outside stands in a code span or block,
// so that it can mention nobody, link nowhere and format nothing.
func issueBody(in Incident, marker string) string {
	var b strings.Builder
	b.WriteString("Firebreak logged this incident at detection. Key events and the resolution follow as comments.\n\n")
	severity := "not yet assessed"
	if in.Severity != "" {
		severity = codeSpan(in.Severity)
	}
	fmt.Fprintf(&b, "- Incident: %s\n- Service: %s\n- Severity: %s\n", codeSpan(in.Key), codeSpan(in.Service), severity)
	if !in.StartedAt.IsZero() {
		fmt.Fprintf(&b, "- Started: %s\n", in.StartedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "- Source: %s (%s)\n", codeSpan(in.Source), codeSpan(in.Type))
	if link := linkURL(in.WorkflowURL); link != "" {
		fmt.Fprintf(&b, "- History: [the incident in the Temporal Web UI](<%s>)\n", link)
	}
	b.WriteString("\nTitle:\n\n" + fence(safetext.Line(in.Title)))
	if len(in.Labels) > 0 {
		b.WriteString("\nAlert labels:\n\n")
		for i, k := range slices.Sorted(maps.Keys(in.Labels)) {
			if i == maxLabels {
				fmt.Fprintf(&b, "- and %d more\n", len(in.Labels)-maxLabels)
				break
			}
			fmt.Fprintf(&b, "- %s: %s\n", codeSpan(k), codeSpan(in.Labels[k]))
		}
	}
	b.WriteString("\n" + marker + "\n")
	return b.String()
}

// eventBody is a key event as a comment: its kind and time, and its text in a code block.
func eventBody(ev Event) string {
	head := "**" + strings.ToUpper(safetext.Line(plain(ev.Kind))) + "**"
	if !ev.At.IsZero() {
		head += " · " + ev.At.UTC().Format(time.RFC3339)
	}
	if ev.Severity != "" {
		head += " · severity " + codeSpan(ev.Severity)
	}
	return head + "\n\n" + fence(safetext.Text(ev.Text))
}

// resolutionBody is the closing comment: when the incident was resolved, and its summary.
func resolutionBody(res Resolution) string {
	head := "**RESOLVED**"
	if !res.ResolvedAt.IsZero() {
		head += " · " + res.ResolvedAt.UTC().Format(time.RFC3339)
	}
	return head + "\n\n" + fence(safetext.Text(res.Summary))
}

// plain keeps the letters, digits, spaces and hyphens of s, so that it needs no escaping.
func plain(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
	if s == "" {
		return "event"
	}
	return cutBytes(s, 40)
}

// codeSpan returns s, one line, as a Markdown code span whose delimiter is longer than any run
// of backticks in s; "(none)" when s is empty.
func codeSpan(s string) string {
	s = cutBytes(safetext.Line(s), maxField)
	if s == "" {
		return "(none)"
	}
	delim := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return delim + s + delim
}

// fence returns text as a fenced code block whose fence is longer than any run of backticks in
// it, so that nothing in the text can end the block.
func fence(text string) string {
	text = cutBytes(text, maxText)
	if len(text) == maxText {
		text += "\n[cut by Firebreak]"
	}
	delim := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return delim + "text\n" + strings.TrimRight(text, "\n") + "\n" + delim + "\n"
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// linkURL returns an http or https URL fit to stand in a Markdown link destination in angle
// brackets, or "" when it is not one.
func linkURL(u string) string {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return ""
	}
	var b strings.Builder
	for _, r := range u {
		switch {
		case r == '<' || r == '>' || r == ' ' || r == '\\' || isControl(r) || r == '\u2028' || r == '\u2029':
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		default:
			b.WriteRune(r)
		}
	}
	return cutBytes(b.String(), 2000)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// clean makes text from outside safe to print in one line (safetext.Line), cut to max bytes.
func clean(s string, max int) string {
	s = safetext.Line(s)
	if len(s) <= max {
		return s
	}
	return cutBytes(s, max) + "…"
}

// cutBytes returns the longest prefix of s of at most max bytes ending on a rune boundary.
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
