package github

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
	"github.com/firebreak-dev/firebreak/internal/httplimit"
)

func TestCommentGitHubIssue(t *testing.T) {
	const path = "/repos/acme/shop/issues/5/comments"
	marker := "<!-- firebreak-key: " + testKey + " -->"
	page := func(n, reply string, header map[string]string) exchange {
		return exchange{Method: "GET", Path: path, Query: q("per_page", "100", "page", n), Reply: reply, Header: header}
	}
	post := exchange{Method: "POST", Path: path, Status: 201,
		Body:  mustJSON(map[string]string{"body": "Rolling back checkout to v1.4.2.\n\n" + marker}),
		Reply: `{"id":901,"html_url":"https://ghe.example/acme/shop/issues/5#issuecomment-901"}`}
	link := func(last string) map[string]string {
		return map[string]string{"Link": `<https://ghe.example/api/v3/repos/acme/shop/issues/5/comments?per_page=100&page=2>; rel="next", ` +
			`<https://ghe.example/api/v3/repos/acme/shop/issues/5/comments?per_page=100&page=` + last + `>; rel="last"`}
	}
	tests := []struct {
		name    string
		input   func(*CommentIssueInput)
		script  []exchange
		want    CommentIssueOutput
		wantErr *errorWant
	}{
		{
			name:   "posts the comment with the key's marker",
			script: []exchange{page("1", `[{"id":1,"body":"hello"}]`, nil), post},
			want:   CommentIssueOutput{CommentID: 901, URL: "https://ghe.example/acme/shop/issues/5#issuecomment-901"},
		},
		{
			name: "already in place: the marked comment is on the last page",
			script: []exchange{
				page("1", `[{"id":1,"body":"hello"}]`, link("3")),
				page("3", `[{"id":900,"body":"Rolling back.\n\n`+marker+`","html_url":"https://ghe.example/acme/shop/issues/5#issuecomment-900"}]`, nil),
			},
			want: CommentIssueOutput{CommentID: 900, URL: "https://ghe.example/acme/shop/issues/5#issuecomment-900", AlreadyInPlace: true},
		},
		{
			name: "another step's marker is not this step's comment",
			script: []exchange{
				page("1", `[{"id":1,"body":"<!-- firebreak-key: `+testKey+`0 -->x"}]`, link("2")),
				page("2", `[{"id":2,"body":"<!-- firebreak-key: other -->"}]`, nil),
				post,
			},
			want: CommentIssueOutput{CommentID: 901, URL: "https://ghe.example/acme/shop/issues/5#issuecomment-901"},
		},
		{
			name:    "unknown issue (404) is not retryable",
			script:  []exchange{{Method: "GET", Path: path, Query: q("per_page", "100", "page", "1"), Status: 404, Reply: `{"message":"Not Found"}`}},
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true},
		},
		{
			name:    "locked issue (403) is not retryable",
			script:  []exchange{page("1", `[]`, nil), {Method: post.Method, Path: post.Path, Body: post.Body, Status: 403, Reply: `{"message":"Resource not accessible by integration"}`}},
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "not accessible"},
		},
		{
			name:    "server error is retryable",
			script:  []exchange{page("1", `[]`, nil), {Method: post.Method, Path: post.Path, Body: post.Body, Status: 500}},
			wantErr: &errorWant{contains: "500"},
		},
		{
			name:    "empty body is bad input",
			input:   func(in *CommentIssueInput) { in.Body = " \n" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "body"},
		},
		{
			name:    "too long body is bad input",
			input:   func(in *CommentIssueInput) { in.Body = strings.Repeat("x", maxCommentLen+1) },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "body"},
		},
		{
			name:    "key that could end the marker is bad input",
			input:   func(in *CommentIssueInput) { in.IdempotencyKey = "k --><script>" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "idempotency_key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			in := CommentIssueInput{Repo: "acme/shop", Number: 5, Body: "Rolling back checkout to v1.4.2.", IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			val, err := newEnv(a).ExecuteActivity(a.CommentGitHubIssue, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got CommentIssueOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		cfg     Config
		wantErr string
	}{
		{name: "no variable name", cfg: Config{}, wantErr: "empty token environment variable name"},
		{name: "empty variable", cfg: Config{TokenEnv: "FIREBREAK_TEST_UNSET_TOKEN"}, wantErr: "FIREBREAK_TEST_UNSET_TOKEN is empty or unset"},
		{name: "base URL with credentials", env: testToken, cfg: Config{TokenEnv: testTokenEnv, BaseURL: "https://user:pw@ghe.example/api/v3"}, wantErr: "without credentials"},
		{name: "relative base URL", env: testToken, cfg: Config{TokenEnv: testTokenEnv, BaseURL: "ghe.example/api/v3"}, wantErr: "absolute"},
		{name: "enterprise", env: testToken, cfg: Config{TokenEnv: testTokenEnv, BaseURL: "https://ghe.example/api/v3"}},
		{name: "github.com", env: testToken, cfg: Config{TokenEnv: testTokenEnv}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(testTokenEnv, tt.env)
			a, err := New(tt.cfg, nil)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), testToken)
				require.NotContains(t, err.Error(), "pw")
				return
			}
			require.NoError(t, err)
			require.True(t, strings.HasSuffix(a.client.BaseURL.String(), "/"))
			require.Len(t, Actions(a), 4)
		})
	}
}

func TestLimitedBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		max     int64
		wantErr bool
	}{
		{name: "under the limit", body: "abc", max: 4},
		{name: "at the limit", body: "abcd", max: 4},
		{name: "over the limit", body: "abcde", max: 4, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := httplimit.Body(nopCloser{strings.NewReader(tt.body)}, tt.max, githubapi.ErrBodyTooLarge)
			var got strings.Builder
			buf := make([]byte, 2)
			var err error
			for {
				var n int
				n, err = b.Read(buf)
				got.WriteString(string(buf[:n]))
				if err != nil {
					break
				}
			}
			if tt.wantErr {
				require.ErrorIs(t, err, githubapi.ErrBodyTooLarge)
				return
			}
			require.Equal(t, tt.body, got.String())
		})
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func TestClean(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"control characters", "a\x1b[31mb\nc", 100, "a [31mb c"},
		{"bidi override", "a\u202eb", 100, "a b"},
		{"cut on a rune boundary", "héllo", 2, "h…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, clean(tt.in, tt.max))
		})
	}
}
