package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
)

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
	existing, err := githubapi.FindComment(ctx, a.client, owner, repo, in.Number, marker)
	if err != nil {
		return CommentIssueOutput{}, githubapi.Classify(fmt.Sprintf("list comments of %s/%s#%d", owner, repo, in.Number), err)
	}
	if existing != nil {
		return CommentIssueOutput{CommentID: existing.GetID(), URL: existing.GetHTMLURL(), AlreadyInPlace: true}, nil
	}
	c, _, err := a.client.Issues.CreateComment(ctx, owner, repo, in.Number, &gh.IssueComment{
		Body: gh.String(in.Body + "\n\n" + marker),
	})
	if err != nil {
		return CommentIssueOutput{}, githubapi.Classify(fmt.Sprintf("comment on %s#%d", in.Repo, in.Number), err)
	}
	a.logger.Info("commented on issue", "action", "github.comment_issue", "repo", in.Repo, "number", in.Number,
		"comment_id", c.GetID(), "idempotency_key", in.IdempotencyKey)
	return CommentIssueOutput{CommentID: c.GetID(), URL: c.GetHTMLURL()}, nil
}
