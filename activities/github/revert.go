package github

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
	"go.temporal.io/sdk/activity"
)

// revertBranchPrefix starts the name of every branch a revert pull request comes from.
const revertBranchPrefix = "firebreak/revert-"

// maxConflictsNamed bounds the paths a conflict error names.
const maxConflictsNamed = 5

func (in RevertPullRequestInput) validate() (owner, repo string, err error) {
	if owner, repo, err = splitRepo(in.Repo); err != nil {
		return "", "", err
	}
	if !shaPattern.MatchString(in.Commit) {
		return "", "", badInput("commit %q: want a commit SHA of 7 to 64 hex digits", clean(in.Commit, 80))
	}
	if in.Base != "" {
		if err := checkRef("base", in.Base); err != nil {
			return "", "", err
		}
	}
	if len(in.Title) > maxTitleLen || containsControl(in.Title) {
		return "", "", badInput("title: want at most %d printable characters", maxTitleLen)
	}
	return owner, repo, checkKey(in.IdempotencyKey)
}

// OpenRevertPullRequest opens a pull request that reverts a commit on a base branch. It
// builds the revert with the Git data API: every path the commit changed goes back to its
// content in the commit's first parent, on top of the base branch's tree, in a new commit on
// the branch firebreak/revert-<12 digits of the SHA>. A path the base branch changed again
// since the commit is a non-retryable Conflict. A pull request from that branch that is open
// or merged, or a base branch that no longer has any of the commit's changes, is
// already_in_place.
func (a *Activities) OpenRevertPullRequest(ctx context.Context, in RevertPullRequestInput) (RevertPullRequestOutput, error) {
	owner, repo, err := in.validate()
	if err != nil {
		return RevertPullRequestOutput{}, err
	}
	log := a.logger.With("action", "github.revert_pull_request", "repo", in.Repo, "idempotency_key", in.IdempotencyKey)

	commit, _, err := a.client.Repositories.GetCommit(ctx, owner, repo, in.Commit, &gh.ListOptions{PerPage: 1})
	if err != nil {
		return RevertPullRequestOutput{}, githubapi.Classify(fmt.Sprintf("get commit %s of %s", in.Commit, in.Repo), err)
	}
	sha := commit.GetSHA()
	if !shaPattern.MatchString(sha) || len(sha) != 40 && len(sha) != 64 {
		return RevertPullRequestOutput{}, fmt.Errorf("get commit %s of %s: GitHub returned no full SHA", in.Commit, in.Repo)
	}
	if len(commit.Parents) == 0 {
		return RevertPullRequestOutput{}, badInput("commit %s of %s is a root commit; there is nothing to revert it to", sha, in.Repo)
	}
	branch := revertBranchPrefix + sha[:12]
	out := RevertPullRequestOutput{Branch: branch}

	base := in.Base
	if base == "" {
		r, _, err := a.client.Repositories.Get(ctx, owner, repo)
		if err != nil {
			return RevertPullRequestOutput{}, githubapi.Classify(fmt.Sprintf("get repository %s", in.Repo), err)
		}
		if base = r.GetDefaultBranch(); base == "" {
			return RevertPullRequestOutput{}, fmt.Errorf("get repository %s: no default branch", in.Repo)
		}
	}

	if pr, err := a.existingPullRequest(ctx, owner, repo, branch); err != nil || pr != nil {
		if err != nil {
			return RevertPullRequestOutput{}, err
		}
		out.Number, out.URL, out.AlreadyInPlace = pr.GetNumber(), pr.GetHTMLURL(), true
		return out, nil
	}

	subject, _, _ := strings.Cut(commit.GetCommit().GetMessage(), "\n")
	subject = clean(strings.TrimSpace(subject), 200)

	ref, _, err := a.client.Git.GetRef(ctx, owner, repo, "heads/"+branch)
	switch {
	case err == nil:
		// An earlier attempt made the branch; use it if it holds Firebreak's revert.
		head, _, err := a.client.Git.GetCommit(ctx, owner, repo, ref.GetObject().GetSHA())
		if err != nil {
			return RevertPullRequestOutput{}, githubapi.Classify(fmt.Sprintf("get head commit of branch %s", branch), err)
		}
		if !strings.Contains(head.GetMessage(), "This reverts commit "+sha) {
			return RevertPullRequestOutput{}, nonRetryable(ErrConflict,
				"open revert pull request: branch %s exists and its head is not Firebreak's revert of %s", branch, sha)
		}
	case statusOf(err) == http.StatusNotFound:
		revert, err := a.revertCommit(ctx, owner, repo, commit, base, subject, in.IdempotencyKey)
		if err != nil {
			return RevertPullRequestOutput{}, err
		}
		if revert == "" {
			log.Info("base branch no longer has the commit's changes", "commit", sha, "base", base)
			return RevertPullRequestOutput{AlreadyInPlace: true}, nil
		}
		_, _, err = a.client.Git.CreateRef(ctx, owner, repo, &gh.Reference{
			Ref:    gh.String("refs/heads/" + branch),
			Object: &gh.GitObject{SHA: gh.String(revert)},
		})
		if err != nil {
			if status, text := responseText(err); status == http.StatusUnprocessableEntity && strings.Contains(text, "already exists") {
				// Another attempt made it meanwhile; the next attempt checks and uses it.
				return RevertPullRequestOutput{}, fmt.Errorf("create branch %s: it was created meanwhile", branch)
			}
			return RevertPullRequestOutput{}, githubapi.Classify(fmt.Sprintf("create branch %s", branch), err)
		}
		activity.RecordHeartbeat(ctx, branch)
	default:
		return RevertPullRequestOutput{}, githubapi.Classify(fmt.Sprintf("get branch %s", branch), err)
	}

	title := in.Title
	if title == "" {
		title = clean(`Revert "`+subject+`"`, maxTitleLen-3)
	}
	body := fmt.Sprintf("This reverts commit %s.\n\nOpened by Firebreak during an incident.\n\n<!-- firebreak-key: %s -->",
		sha, in.IdempotencyKey)
	pr, _, err := a.client.PullRequests.Create(ctx, owner, repo, &gh.NewPullRequest{
		Title:               gh.String(title),
		Head:                gh.String(branch),
		Base:                gh.String(base),
		Body:                gh.String(body),
		MaintainerCanModify: gh.Bool(true),
	})
	if err != nil {
		if status, text := responseText(err); status == http.StatusUnprocessableEntity && strings.Contains(text, "already exists") {
			existing, lerr := a.existingPullRequest(ctx, owner, repo, branch)
			if lerr == nil && existing != nil {
				out.Number, out.URL, out.AlreadyInPlace = existing.GetNumber(), existing.GetHTMLURL(), true
				return out, nil
			}
		}
		return RevertPullRequestOutput{}, githubapi.Classify(fmt.Sprintf("open pull request from %s into %s", branch, clean(base, 80)), err)
	}
	log.Info("opened revert pull request", "number", pr.GetNumber(), "commit", sha)
	out.Number, out.URL = pr.GetNumber(), pr.GetHTMLURL()
	return out, nil
}

// existingPullRequest returns the open or merged pull request from branch, or nil when there
// is none. A pull request from it that was closed without merging is a Conflict: someone
// decided against it.
func (a *Activities) existingPullRequest(ctx context.Context, owner, repo, branch string) (*gh.PullRequest, error) {
	prs, _, err := a.client.PullRequests.List(ctx, owner, repo, &gh.PullRequestListOptions{
		State: "all", Head: owner + ":" + branch, ListOptions: gh.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, githubapi.Classify(fmt.Sprintf("list pull requests from %s", branch), err)
	}
	var closed *gh.PullRequest
	for _, pr := range prs {
		if pr.GetHead().GetRef() != "" && pr.GetHead().GetRef() != branch {
			continue
		}
		if pr.GetState() == "open" || pr.MergedAt != nil {
			return pr, nil
		}
		closed = pr
	}
	if closed != nil {
		return nil, nonRetryable(ErrConflict, "open revert pull request: #%d from %s was closed without merging; reopen it or delete the branch",
			closed.GetNumber(), branch)
	}
	return nil, nil
}

// revertCommit creates a commit on top of the base branch's head that puts every path the
// commit changed back to its content in the commit's first parent, and returns its SHA. It
// returns "" when the base branch has none of the commit's changes left.
func (a *Activities) revertCommit(ctx context.Context, owner, repo string, commit *gh.RepositoryCommit, base, subject, key string) (string, error) {
	sha := commit.GetSHA()
	baseRef, _, err := a.client.Git.GetRef(ctx, owner, repo, "heads/"+base)
	if err != nil {
		return "", githubapi.Classify(fmt.Sprintf("get base branch %s", clean(base, 80)), err)
	}
	baseHead := baseRef.GetObject().GetSHA()
	baseCommit, _, err := a.client.Git.GetCommit(ctx, owner, repo, baseHead)
	if err != nil {
		return "", githubapi.Classify(fmt.Sprintf("get head commit of %s", clean(base, 80)), err)
	}
	parent, _, err := a.client.Git.GetCommit(ctx, owner, repo, commit.Parents[0].GetSHA())
	if err != nil {
		return "", githubapi.Classify(fmt.Sprintf("get parent of commit %s", sha), err)
	}
	parentTree, err := a.files(ctx, owner, repo, parent.GetTree().GetSHA())
	if err != nil {
		return "", err
	}
	commitTree, err := a.files(ctx, owner, repo, commit.GetCommit().GetTree().GetSHA())
	if err != nil {
		return "", err
	}
	baseTree, err := a.files(ctx, owner, repo, baseCommit.GetTree().GetSHA())
	if err != nil {
		return "", err
	}

	paths := make([]string, 0)
	for p, e := range commitTree {
		if !sameEntry(parentTree[p], e) {
			paths = append(paths, p)
		}
	}
	for p := range parentTree {
		if _, ok := commitTree[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)

	var entries []*gh.TreeEntry
	var conflicts []string
	for _, p := range paths {
		want, now := parentTree[p], baseTree[p]
		switch {
		case sameEntry(now, want):
			// The base branch already has this path as it was before the commit.
		case !sameEntry(now, commitTree[p]):
			conflicts = append(conflicts, p)
		case want == nil:
			entries = append(entries, &gh.TreeEntry{Path: gh.String(p), Mode: now.Mode, Type: now.Type}) // no SHA: delete
		default:
			entries = append(entries, &gh.TreeEntry{Path: gh.String(p), Mode: want.Mode, Type: want.Type, SHA: want.SHA})
		}
	}
	if len(conflicts) > 0 {
		named := conflicts[:min(len(conflicts), maxConflictsNamed)]
		for i, p := range named {
			named[i] = clean(p, 120)
		}
		return "", nonRetryable(ErrConflict, "revert commit %s onto %s: %d changed paths were changed again since, such as %s",
			sha, clean(base, 80), len(conflicts), strings.Join(named, ", "))
	}
	if len(entries) == 0 {
		return "", nil
	}
	tree, _, err := a.client.Git.CreateTree(ctx, owner, repo, baseCommit.GetTree().GetSHA(), entries)
	if err != nil {
		return "", githubapi.Classify(fmt.Sprintf("create revert tree of %s", sha), err)
	}
	message := fmt.Sprintf("Revert \"%s\"\n\nThis reverts commit %s.\n\nFirebreak-Key: %s\n", subject, sha, key)
	revert, _, err := a.client.Git.CreateCommit(ctx, owner, repo, &gh.Commit{
		Message: gh.String(message),
		Tree:    &gh.Tree{SHA: tree.SHA},
		Parents: []*gh.Commit{{SHA: gh.String(baseHead)}},
	}, nil)
	if err != nil {
		return "", githubapi.Classify(fmt.Sprintf("create revert commit of %s", sha), err)
	}
	return revert.GetSHA(), nil
}

// files returns the file, symbolic link and submodule entries of a tree and its subtrees by
// path.
func (a *Activities) files(ctx context.Context, owner, repo, treeSHA string) (map[string]*gh.TreeEntry, error) {
	tree, _, err := a.client.Git.GetTree(ctx, owner, repo, treeSHA, true)
	if err != nil {
		return nil, githubapi.Classify(fmt.Sprintf("get tree %s", clean(treeSHA, 40)), err)
	}
	if tree.GetTruncated() {
		return nil, nonRetryable(ErrRejected, "get tree %s: GitHub truncated it; the repository is too large to revert through the API", clean(treeSHA, 40))
	}
	files := make(map[string]*gh.TreeEntry, len(tree.Entries))
	for _, e := range tree.Entries {
		if e.GetType() == "tree" || e.GetPath() == "" {
			continue
		}
		files[e.GetPath()] = e
	}
	return files, nil
}

// sameEntry reports whether two tree entries have the same content and mode; nil is a
// missing path.
func sameEntry(x, y *gh.TreeEntry) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	return x.GetSHA() == y.GetSHA() && x.GetMode() == y.GetMode()
}
