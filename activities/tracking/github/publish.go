package github

import (
	"context"
	"strings"
)

// MaxCommentBytes is GitHub's limit on a comment's body, 65,536 characters. PublishComment
// counts it in bytes, so that a comment fits however GitHub counts its characters.
const MaxCommentBytes = 65_536

// maxCutNote bounds the note that ends a cut document, in bytes.
const maxCutNote = 1000

// Document is a Markdown document to publish as a comment on an incident's issue.
type Document struct {
	// IdempotencyKey identifies the document; the comment's hidden marker holds it, so the
	// same key is posted once. Required: at most 200 letters, digits and ._:/=@+-.
	IdempotencyKey string
	// Markdown is the document, posted as it is: it must be Markdown whose text from outside
	// is already escaped, such as a review's.
	Markdown string
	// CutNote ends the document when it is longer than a comment holds and is cut; it should
	// say where the whole document is.
	CutNote string
}

// Published is a document's comment.
type Published struct {
	// URL is the comment's page on GitHub.
	URL string
	// AlreadyPosted says a comment with the document's key was there already.
	AlreadyPosted bool
	// Cut says the document was longer than a comment holds and the comment holds only its
	// beginning, then CutNote.
	Cut bool
}

// PublishComment posts the document on the issue ref ("owner/name#number") unless a comment
// with its key is there already, and returns the comment. A document longer than a comment
// holds is cut at the end of a line and ends with its CutNote, set apart so it stays visible.
func (t *Tracker) PublishComment(ctx context.Context, ref string, doc Document) (Published, error) {
	owner, name, number, err := parseRef(ref)
	if err != nil {
		return Published{}, err
	}
	room := MaxCommentBytes - len("\n\n"+commentMarker(doc.IdempotencyKey))
	body, cut := cutDocument(doc.Markdown, doc.CutNote, room)
	c, already, err := t.comment(ctx, owner, name, number, doc.IdempotencyKey, body)
	if err != nil {
		return Published{}, err
	}
	if !already {
		t.logger.Info("document published on tracking issue", "repository", owner+"/"+name, "number", number, "cut", cut)
	}
	return Published{URL: c.GetHTMLURL(), AlreadyPosted: already, Cut: cut}, nil
}

// cutDocument returns md when it has at most room bytes. Otherwise it returns the longest
// beginning of md made of whole lines that fits in room with a closing code fence, when the
// beginning leaves one open, and then the note (one line, at most 1,000 bytes) as a paragraph
// of its own; and true.
func cutDocument(md, note string, room int) (string, bool) {
	if len(md) <= room {
		return md, false
	}
	end := "\n\n" + cutBytes(strings.Join(strings.Fields(note), " "), maxCutNote) + "\n"
	const closeFence = "```\n"
	keep := cutBytes(md, max(0, room-len(end)-len(closeFence)))
	if i := strings.LastIndexByte(keep, '\n'); i >= 0 {
		keep = keep[:i+1]
	}
	fences := 0
	for line := range strings.SplitSeq(keep, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
			fences++
		}
	}
	if fences%2 == 1 {
		keep += closeFence
	}
	return keep + end, true
}
