package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// maxCommentPages bounds the pages of 100 comments searched for this step's comment.
const maxCommentPages = 10

func (in CommentIssueInput) validate() (owner, repo string, err error) {
	if owner, repo, err = splitRepo(in.Repo); err != nil {
		return "", "", err
	}
	switch {
	case in.Number <= 0:
		return "", "", badInput("number %d: want an issue or pull request number", in.Number)
	case strings.TrimSpace(in.Body) == "":
		return "", "", badInput("missing body")
	case len(in.Body) > maxCommentLen:
		return "", "", badInput("body is %d bytes, at most %d", len(in.Body), maxCommentLen)
	}
	return owner, repo, checkKey(in.IdempotencyKey)
}

// commentMarker is the hidden line that ends every comment the action posts.
func commentMarker(key string) string { return "<!-- firebreak-key: " + key + " -->" }

// CommentGitHubIssue posts a comment on an issue or pull request. The comment ends with a
// hidden marker that holds the idempotency key: a retry that finds a comment with the marker
// among the issue's first 100 and last 900 comments reports it as already_in_place instead of
// posting again.
func (a *Activities) CommentGitHubIssue(ctx context.Context, in CommentIssueInput) (CommentIssueOutput, error) {
	owner, repo, err := in.validate()
	if err != nil {
		return CommentIssueOutput{}, err
	}
	marker := commentMarker(in.IdempotencyKey)
	existing, err := a.findComment(ctx, owner, repo, in.Number, marker)
	if err != nil {
		return CommentIssueOutput{}, err
	}
	if existing != nil {
		return CommentIssueOutput{CommentID: existing.GetID(), URL: existing.GetHTMLURL(), AlreadyInPlace: true}, nil
	}
	c, _, err := a.client.Issues.CreateComment(ctx, owner, repo, in.Number, &gh.IssueComment{
		Body: gh.String(in.Body + "\n\n" + marker),
	})
	if err != nil {
		return CommentIssueOutput{}, classify(fmt.Sprintf("comment on %s#%d", in.Repo, in.Number), err)
	}
	a.logger.Info("commented on issue", "action", "github.comment_issue", "repo", in.Repo, "number", in.Number,
		"comment_id", c.GetID(), "idempotency_key", in.IdempotencyKey)
	return CommentIssueOutput{CommentID: c.GetID(), URL: c.GetHTMLURL()}, nil
}

// findComment returns the issue's comment that holds marker, or nil. It reads the first page
// and then pages from the last one backwards, where a recent comment is, up to
// maxCommentPages pages.
func (a *Activities) findComment(ctx context.Context, owner, repo string, number int, marker string) (*gh.IssueComment, error) {
	page := 1
	for read := 0; read < maxCommentPages && page >= 1; read++ {
		comments, resp, err := a.client.Issues.ListComments(ctx, owner, repo, number, &gh.IssueListCommentsOptions{
			ListOptions: gh.ListOptions{PerPage: 100, Page: page},
		})
		if err != nil {
			return nil, classify(fmt.Sprintf("list comments of %s/%s#%d", owner, repo, number), err)
		}
		for _, c := range comments {
			if strings.Contains(c.GetBody(), marker) {
				return c, nil
			}
		}
		if read == 0 {
			page = resp.LastPage
		} else {
			page--
		}
		if page <= 1 {
			break
		}
	}
	return nil, nil
}
