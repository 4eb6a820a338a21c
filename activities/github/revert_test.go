package github

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	revertSHA    = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
	revertBranch = "firebreak/revert-c0ffee00c0ff"
	parentSHA    = "9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a"
	baseHeadSHA  = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
	revertedSHA  = "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"
)

// tree returns a recursive tree answer with blobs by path.
func tree(sha string, blobs map[string]string) string {
	type entry struct {
		Path string `json:"path"`
		Mode string `json:"mode"`
		Type string `json:"type"`
		SHA  string `json:"sha"`
	}
	entries := []entry{{Path: "lib", Mode: "040000", Type: "tree", SHA: "dir-" + sha}}
	for p, b := range blobs {
		entries = append(entries, entry{Path: p, Mode: "100644", Type: "blob", SHA: b})
	}
	b, _ := json.Marshal(map[string]any{"sha": sha, "tree": entries, "truncated": false})
	return string(b)
}

func TestOpenRevertPullRequest(t *testing.T) {
	// The commit changed a.txt, added lib/new.go and removed lib/old.go; the base branch
	// changed b.txt and README since.
	parentTree := map[string]string{"a.txt": "blob-a1", "b.txt": "blob-b1", "lib/old.go": "blob-old"}
	commitTree := map[string]string{"a.txt": "blob-a2", "b.txt": "blob-b1", "lib/new.go": "blob-new"}
	baseTree := map[string]string{"a.txt": "blob-a2", "b.txt": "blob-b3", "lib/new.go": "blob-new", "README": "blob-r"}

	getCommit := exchange{Method: "GET", Path: "/repos/acme/shop/commits/c0ffee00", Query: q("per_page", "1"),
		Reply: `{"sha":"` + revertSHA + `","commit":{"message":"Add discount engine\n\nLong text.","tree":{"sha":"tree-c"}},
			"parents":[{"sha":"` + parentSHA + `"}]}`}
	getRepo := exchange{Method: "GET", Path: "/repos/acme/shop", Reply: `{"default_branch":"main"}`}
	listPRs := func(reply string) exchange {
		return exchange{Method: "GET", Path: "/repos/acme/shop/pulls",
			Query: q("state", "all", "head", "acme:"+revertBranch, "per_page", "10"), Reply: reply}
	}
	noBranch := exchange{Method: "GET", Path: "/repos/acme/shop/git/ref/heads/" + revertBranch, Status: 404, Reply: `{"message":"Not Found"}`}
	build := func(base map[string]string) []exchange {
		return []exchange{
			{Method: "GET", Path: "/repos/acme/shop/git/ref/heads/main", Reply: `{"ref":"refs/heads/main","object":{"sha":"` + baseHeadSHA + `"}}`},
			{Method: "GET", Path: "/repos/acme/shop/git/commits/" + baseHeadSHA, Reply: `{"sha":"` + baseHeadSHA + `","tree":{"sha":"tree-b"}}`},
			{Method: "GET", Path: "/repos/acme/shop/git/commits/" + parentSHA, Reply: `{"sha":"` + parentSHA + `","tree":{"sha":"tree-p"}}`},
			{Method: "GET", Path: "/repos/acme/shop/git/trees/tree-p", Query: q("recursive", "1"), Reply: tree("tree-p", parentTree)},
			{Method: "GET", Path: "/repos/acme/shop/git/trees/tree-c", Query: q("recursive", "1"), Reply: tree("tree-c", commitTree)},
			{Method: "GET", Path: "/repos/acme/shop/git/trees/tree-b", Query: q("recursive", "1"), Reply: tree("tree-b", base)},
		}
	}
	prBody := "This reverts commit " + revertSHA + ".\n\nOpened by Firebreak during an incident.\n\n<!-- firebreak-key: " + testKey + " -->"
	createPR := exchange{Method: "POST", Path: "/repos/acme/shop/pulls",
		Body: mustJSON(map[string]any{"title": `Revert "Add discount engine"`, "head": revertBranch, "base": "main",
			"body": prBody, "maintainer_can_modify": true}),
		Status: 201, Reply: `{"number":12,"html_url":"https://ghe.example/acme/shop/pull/12"}`}
	create := []exchange{
		{Method: "POST", Path: "/repos/acme/shop/git/trees", Status: 201, Reply: `{"sha":"tree-r"}`,
			Body: `{"base_tree":"tree-b","tree":[
				{"path":"a.txt","mode":"100644","type":"blob","sha":"blob-a1"},
				{"path":"lib/new.go","mode":"100644","type":"blob","sha":null},
				{"path":"lib/old.go","mode":"100644","type":"blob","sha":"blob-old"}]}`},
		{Method: "POST", Path: "/repos/acme/shop/git/commits", Status: 201, Reply: `{"sha":"` + revertedSHA + `"}`,
			Body: mustJSON(map[string]any{
				"message": "Revert \"Add discount engine\"\n\nThis reverts commit " + revertSHA + ".\n\nFirebreak-Key: " + testKey + "\n",
				"tree":    "tree-r", "parents": []string{baseHeadSHA}})},
		{Method: "POST", Path: "/repos/acme/shop/git/refs", Status: 201,
			Body:  `{"ref":"refs/heads/` + revertBranch + `","sha":"` + revertedSHA + `"}`,
			Reply: `{"ref":"refs/heads/` + revertBranch + `"}`},
		createPR,
	}
	concat := func(parts ...[]exchange) []exchange {
		var out []exchange
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	opened := RevertPullRequestOutput{Number: 12, URL: "https://ghe.example/acme/shop/pull/12", Branch: revertBranch}

	tests := []struct {
		name    string
		input   func(*RevertPullRequestInput)
		script  []exchange
		want    RevertPullRequestOutput
		wantErr *errorWant
	}{
		{
			name:   "reverts the commit's paths onto the default branch and opens the pull request",
			script: concat([]exchange{getCommit, getRepo, listPRs(`[]`), noBranch}, build(baseTree), create),
			want:   opened,
		},
		{
			name:  "named base and title",
			input: func(in *RevertPullRequestInput) { in.Base = "main"; in.Title = "Roll back discounts" },
			script: concat([]exchange{getCommit, listPRs(`[]`), noBranch}, build(baseTree), create[:3],
				[]exchange{{Method: "POST", Path: "/repos/acme/shop/pulls", Status: 201,
					Body: mustJSON(map[string]any{"title": "Roll back discounts", "head": revertBranch, "base": "main",
						"body": prBody, "maintainer_can_modify": true}),
					Reply: `{"number":12,"html_url":"https://ghe.example/acme/shop/pull/12"}`}}),
			want: opened,
		},
		{
			name: "already in place: an open pull request from the branch",
			script: []exchange{getCommit, getRepo,
				listPRs(`[{"number":11,"state":"open","html_url":"https://ghe.example/acme/shop/pull/11","head":{"ref":"` + revertBranch + `"}}]`)},
			want: RevertPullRequestOutput{Number: 11, URL: "https://ghe.example/acme/shop/pull/11", Branch: revertBranch, AlreadyInPlace: true},
		},
		{
			name: "already in place: a merged pull request from the branch",
			script: []exchange{getCommit, getRepo,
				listPRs(`[{"number":11,"state":"closed","merged_at":"2026-11-30T10:00:00Z","html_url":"https://ghe.example/acme/shop/pull/11"}]`)},
			want: RevertPullRequestOutput{Number: 11, URL: "https://ghe.example/acme/shop/pull/11", Branch: revertBranch, AlreadyInPlace: true},
		},
		{
			name: "already in place: the base branch no longer has the commit's changes",
			script: concat([]exchange{getCommit, getRepo, listPRs(`[]`), noBranch},
				build(map[string]string{"a.txt": "blob-a1", "b.txt": "blob-b3", "lib/old.go": "blob-old"})),
			want: RevertPullRequestOutput{AlreadyInPlace: true},
		},
		{
			name: "an earlier attempt made the branch: open the pull request from it",
			script: []exchange{getCommit, getRepo, listPRs(`[]`),
				{Method: "GET", Path: "/repos/acme/shop/git/ref/heads/" + revertBranch,
					Reply: `{"ref":"refs/heads/` + revertBranch + `","object":{"sha":"` + revertedSHA + `"}}`},
				{Method: "GET", Path: "/repos/acme/shop/git/commits/" + revertedSHA,
					Reply: `{"sha":"` + revertedSHA + `","message":"Revert \"Add discount engine\"\n\nThis reverts commit ` + revertSHA + `.\n"}`},
				createPR},
			want: opened,
		},
		{
			name: "a pull request created meanwhile is already in place",
			script: concat([]exchange{getCommit, getRepo, listPRs(`[]`), noBranch}, build(baseTree), create[:3],
				[]exchange{
					{Method: createPR.Method, Path: createPR.Path, Body: createPR.Body, Status: 422,
						Reply: `{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for acme:` + revertBranch + `."}]}`},
					listPRs(`[{"number":13,"state":"open","html_url":"https://ghe.example/acme/shop/pull/13"}]`),
				}),
			want: RevertPullRequestOutput{Number: 13, URL: "https://ghe.example/acme/shop/pull/13", Branch: revertBranch, AlreadyInPlace: true},
		},
		{
			name: "a path changed again on the base branch is a conflict",
			script: concat([]exchange{getCommit, getRepo, listPRs(`[]`), noBranch},
				build(map[string]string{"a.txt": "blob-a3", "b.txt": "blob-b1", "lib/new.go": "blob-new"})),
			wantErr: &errorWant{errType: ErrConflict, nonRetryable: true, contains: "1 changed paths were changed again since, such as a.txt"},
		},
		{
			name: "a pull request closed without merging is a conflict",
			script: []exchange{getCommit, getRepo,
				listPRs(`[{"number":11,"state":"closed","html_url":"https://ghe.example/acme/shop/pull/11"}]`)},
			wantErr: &errorWant{errType: ErrConflict, nonRetryable: true, contains: "#11"},
		},
		{
			name: "a branch of that name holding something else is a conflict",
			script: []exchange{getCommit, getRepo, listPRs(`[]`),
				{Method: "GET", Path: "/repos/acme/shop/git/ref/heads/" + revertBranch,
					Reply: `{"ref":"refs/heads/` + revertBranch + `","object":{"sha":"` + revertedSHA + `"}}`},
				{Method: "GET", Path: "/repos/acme/shop/git/commits/" + revertedSHA, Reply: `{"sha":"` + revertedSHA + `","message":"WIP"}`}},
			wantErr: &errorWant{errType: ErrConflict, nonRetryable: true, contains: "is not Firebreak's revert"},
		},
		{
			name: "unknown commit (422) is not retryable",
			script: []exchange{{Method: "GET", Path: "/repos/acme/shop/commits/c0ffee00", Query: q("per_page", "1"), Status: 422,
				Reply: `{"message":"No commit found for SHA: c0ffee00"}`}},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "No commit found"},
		},
		{
			name: "truncated tree is not retryable",
			script: concat([]exchange{getCommit, getRepo, listPRs(`[]`), noBranch}, build(baseTree)[:3],
				[]exchange{{Method: "GET", Path: "/repos/acme/shop/git/trees/tree-p", Query: q("recursive", "1"),
					Reply: `{"sha":"tree-p","tree":[],"truncated":true}`}}),
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "truncated"},
		},
		{
			name:    "commit that is not a SHA is bad input",
			input:   func(in *RevertPullRequestInput) { in.Commit = "main" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "commit"},
		},
		{
			name:    "base that is not a ref name is bad input",
			input:   func(in *RevertPullRequestInput) { in.Base = "main..evil" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "base"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			in := RevertPullRequestInput{Repo: "acme/shop", Commit: "c0ffee00", IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			val, err := newEnv(a).ExecuteActivity(a.OpenRevertPullRequest, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got RevertPullRequestOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestRevertPullRequestInputSummary(t *testing.T) {
	in := RevertPullRequestInput{Repo: "acme/shop", Commit: revertSHA}
	require.Equal(t, "open a pull request in acme/shop that reverts commit c0ffee00c0ff on the default branch", in.Summary())
	in.Base = "release/1.4"
	require.True(t, strings.HasSuffix(in.Summary(), "on release/1.4"))
}

func TestRevertPullRequestInputValidate(t *testing.T) {
	tests := []struct {
		name    string
		commit  string
		wantErr bool
	}{
		{"short SHA", "c0ffee0", false},
		{"SHA-1", revertSHA, false},
		{"SHA-256", strings.Repeat("ab", 32), false},
		{"too short", "c0ffee", true},
		{"too long", strings.Repeat("a", 65), true},
		{"not hex", "c0ffeeg", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := RevertPullRequestInput{Repo: "acme/shop", Commit: tt.commit, IdempotencyKey: testKey}.validate()
			if tt.wantErr {
				require.ErrorContains(t, err, "7 to 64 hex digits")
				return
			}
			require.NoError(t, err)
		})
	}
}
