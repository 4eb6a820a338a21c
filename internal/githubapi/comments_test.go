package githubapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"

	gh "github.com/google/go-github/v60/github"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/githubapi/githubtest"
)

func TestFindComment(t *testing.T) {
	const path = "/repos/acme/shop/issues/7/comments"
	const marker = "<!-- firebreak-key: k-1 -->"
	// list is the request for a page of comments; last, when not zero, is the last page the
	// answer's Link header names.
	list := func(page, last int, reply string) githubtest.Exchange {
		x := githubtest.Exchange{Method: "GET", Path: path, Reply: reply,
			Query: url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}}}
		if last != 0 {
			x.Header = map[string]string{"Link": fmt.Sprintf(`<https://x/api/v3%s?page=%d>; rel="last"`, path, last)}
		}
		return x
	}
	tests := []struct {
		name    string
		script  []githubtest.Exchange
		wantID  int64
		wantErr int // the status of the go-github error; 0 means none
	}{
		{name: "on the only page", script: []githubtest.Exchange{list(1, 0, `[{"id":1,"body":"a"},{"id":2,"body":"done `+marker+`"}]`)}, wantID: 2},
		{name: "none on the only page", script: []githubtest.Exchange{list(1, 0, `[{"id":1,"body":"a"}]`)}},
		{name: "on the last page, read after the first",
			script: []githubtest.Exchange{list(1, 30, `[{"id":1}]`), list(30, 0, `[{"id":3001,"body":"`+marker+`"}]`)}, wantID: 3001},
		{name: "backwards from the last page",
			script: []githubtest.Exchange{list(1, 3, `[]`), list(3, 0, `[]`), list(2, 0, `[{"id":201,"body":"`+marker+`"}]`)}, wantID: 201},
		{name: "at most ten pages: the first and the last nine", script: func() []githubtest.Exchange {
			s := []githubtest.Exchange{list(1, 50, `[]`)}
			for p := 50; p > 41; p-- {
				s = append(s, list(p, 0, `[]`))
			}
			return s
		}()},
		{name: "an error is go-github's", script: []githubtest.Exchange{{Method: "GET", Path: path, Status: 404, Reply: `{"message":"Not Found"}`}}, wantErr: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.New(t, "t0ken", tt.script)
			c, err := NewClient(ClientConfig{Token: "t0ken", BaseURL: srv.BaseURL()})
			require.NoError(t, err)
			got, err := FindComment(context.Background(), c, "acme", "shop", 7, marker)
			srv.Done()
			if tt.wantErr != 0 {
				var resp *gh.ErrorResponse
				require.ErrorAs(t, err, &resp)
				require.Equal(t, tt.wantErr, resp.Response.StatusCode)
				return
			}
			require.NoError(t, err)
			if tt.wantID == 0 {
				require.Nil(t, got)
				return
			}
			require.Equal(t, tt.wantID, got.GetID())
		})
	}
}
