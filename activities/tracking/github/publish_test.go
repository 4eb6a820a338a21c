package github

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/githubapi/githubtest"
)

func TestCutDocument(t *testing.T) {
	tests := []struct {
		name    string
		md      string
		room    int
		want    string
		wantCut bool
	}{
		{name: "fits", md: "# Review\n\nall of it\n", room: 20, want: "# Review\n\nall of it\n"},
		{name: "cut at the end of a line", md: "line one\nline two\nline three\n", room: 28,
			want: "line one\n\n\nsee the file\n", wantCut: true},
		{name: "an open code fence is closed", md: "intro\n```text\ncode\nmore code\nmore code\nmore code\n```\n", room: 40,
			want: "intro\n```text\ncode\n```\n\n\nsee the file\n", wantCut: true},
		{name: "one long line is cut on a rune boundary", md: strings.Repeat("é", 30), room: 30,
			want: "ééééé\n\nsee the file\n", wantCut: true},
		{name: "the note is one line", md: strings.Repeat("x\n", 40), room: 30,
			want: "x\nx\nx\nx\nx\n\n\nsee the file\n", wantCut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note := "see the file"
			if tt.name == "the note is one line" {
				note = "see\n  the\tfile"
			}
			got, cut := cutDocument(tt.md, note, tt.room)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantCut, cut)
			require.LessOrEqual(t, len(got), tt.room)
		})
	}
}

func TestPublishComment(t *testing.T) {
	const marker = "<!-- firebreak-key: incident-checkout-x7k2mp/review/sha256:00112233445566778899aabbccddeeff -->"
	doc := Document{IdempotencyKey: "incident-checkout-x7k2mp/review/sha256:00112233445566778899aabbccddeeff",
		Markdown: "# Post-incident review\n", CutNote: "see the file"}
	comments := repoPath + "/issues/4/comments"
	t.Run("posted", func(t *testing.T) {
		body := doc.Markdown + "\n\n" + marker
		tr, done := newFake(t, []exchange{
			{Method: "GET", Path: comments, Query: commentsQuery(1), Reply: "[]"},
			{Method: "POST", Path: comments, Body: jsonString(t, map[string]string{"body": body}), Status: 201,
				Reply: jsonString(t, map[string]any{"id": 9, "body": body, "html_url": "https://github.test/example/incidents/issues/4#issuecomment-9"})},
		})
		got, err := tr.PublishComment(context.Background(), "example/incidents#4", doc)
		require.NoError(t, err)
		done()
		require.Equal(t, Published{URL: "https://github.test/example/incidents/issues/4#issuecomment-9"}, got)
	})
	t.Run("already posted", func(t *testing.T) {
		tr, done := newFake(t, []exchange{
			{Method: "GET", Path: comments, Query: commentsQuery(1),
				Reply: jsonString(t, []any{map[string]any{"id": 9, "body": "old\n\n" + marker, "html_url": "https://github.test/example/incidents/issues/4#issuecomment-9"}})},
		})
		got, err := tr.PublishComment(context.Background(), "example/incidents#4", doc)
		require.NoError(t, err)
		done()
		require.Equal(t, Published{URL: "https://github.test/example/incidents/issues/4#issuecomment-9", AlreadyPosted: true}, got)
	})
	t.Run("bad issue reference", func(t *testing.T) {
		tr, done := newFake(t, nil)
		_, err := tr.PublishComment(context.Background(), "#4", doc)
		done()
		githubtest.RequireError(t, githubtest.ErrorWant{Type: ErrBadInput, NonRetryable: true,
			Text: `tracking issue "#4": want owner/name#number`}, err, testToken)
	})
}
