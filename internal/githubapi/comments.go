package githubapi

import (
	"context"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// maxCommentPages bounds the pages of 100 comments FindComment reads.
const maxCommentPages = 10

// FindComment returns the comment on issue or pull request number of owner/repo whose body
// holds marker, or nil. It reads the first page of 100 comments and then pages from the last
// one backwards, where a recent comment is: at most 10 pages, so the first 100 and the last
// 900 comments. An error is go-github's, for the caller to Classify with its own operation.
func FindComment(ctx context.Context, client *gh.Client, owner, repo string, number int, marker string) (*gh.IssueComment, error) {
	page := 1
	for read := 0; read < maxCommentPages; read++ {
		comments, resp, err := client.Issues.ListComments(ctx, owner, repo, number, &gh.IssueListCommentsOptions{
			ListOptions: gh.ListOptions{PerPage: 100, Page: page},
		})
		if err != nil {
			return nil, err
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
