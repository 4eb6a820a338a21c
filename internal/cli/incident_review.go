package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities"
	trackgh "github.com/firebreak-dev/firebreak/activities/tracking/github"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/review"
	"github.com/firebreak-dev/firebreak/starter"
	"github.com/firebreak-dev/firebreak/workflows"
)

// EnvReviewDir sets the default of incident review's --dir.
const EnvReviewDir = "FIREBREAK_REVIEW_DIR"

// Output formats of incident review.
const formatMarkdown = "markdown"

// reviewOptions are the inputs of incident review.
type reviewOptions struct {
	IO      IOStreams
	Starter func(context.Context) (*starter.Client, error)
	// Now is when the review is made; nil means time.Now.
	Now func() time.Time

	Key        string
	Output     string
	Publish    bool
	Dir        string
	Wait       time.Duration
	ConfigPath string
}

// newCmdReview returns incident review; runF replaces reviewRun in tests.
func newCmdReview(f *Factory, runF func(context.Context, *reviewOptions) error) *cobra.Command {
	opts := &reviewOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "review KEY",
		Short: "Write an incident's post-incident review from its history",
		Long: "Write the post-incident review of an incident in Markdown: summary, impact with the minutes " +
			"at each severity, detection, response against the targets, roles, pages, every policy decision " +
			"with its policy revision, action items and the timeline, read from the incident's workflow " +
			"history (every run). A worker's answer to the state query adds where the incident stands now; " +
			"without one the review is built from the history alone.\n\n" +
			"--publish also publishes the document. When the configuration (--config) has tracking.github and " +
			"the incident has a GitHub tracking issue, it is posted as a comment on that issue, with the token " +
			"from the environment variable tracking.github.token_env names; the comment carries a hidden marker " +
			"with the incident and a hash of the document, so publishing the same document again adds no " +
			"comment and a changed one adds a new comment. A document longer than a GitHub comment holds " +
			"(65,536 characters) is cut there with a note, and written to KEY.md in --dir too. Without GitHub " +
			"tracking, or when the incident has no GitHub issue (or no worker answers the state query), the " +
			"document is written to KEY.md in --dir. Where it was published is printed on standard error.",
		Example: "  firebreak incident review checkout-7k2m9q\n" +
			"  firebreak incident review checkout-7k2m9q --publish --dir reviews\n" +
			"  firebreak incident review checkout-7k2m9q --publish --config firebreak.yaml\n" +
			"  firebreak incident review checkout-7k2m9q -o json",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Starter = f.Starter
			var err error
			if opts.Key, err = incidentKey(args); err != nil {
				return err
			}
			if opts.Output != formatMarkdown && opts.Output != formatJSON {
				return usageErrorf("invalid --output %q: use markdown or json", opts.Output)
			}
			if err := checkWait(opts.Wait); err != nil {
				return err
			}
			if opts.Publish && strings.TrimSpace(opts.Dir) == "" {
				return usageErrorf("--publish needs a directory: set --dir or %s", EnvReviewDir)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reviewRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", formatMarkdown, "output `format`: markdown or json")
	cmd.Flags().BoolVar(&opts.Publish, "publish", false, "also publish the Markdown document: a comment on the incident's GitHub issue, or KEY.md in --dir")
	cmd.Flags().StringVar(&opts.Dir, "dir", envOr(EnvReviewDir, "reviews"), "`directory` --publish writes to (env "+EnvReviewDir+")")
	cmd.Flags().StringVar(&opts.ConfigPath, "config", "", "configuration `file` whose tracking.github --publish posts to (the worker's); the built-in example, without GitHub, when empty")
	cmd.Flags().DurationVar(&opts.Wait, "wait", defaultWait, "how long a worker has to answer the state query (`duration`)")
	return cmd
}

// noWorkerReviewing is the note review writes when no worker answers the state query.
const noWorkerReviewing = "no worker answered the state query: the review is built from the history alone"

// reviewRun reads the incident's history and state, and writes its review.
func reviewRun(ctx context.Context, opts *reviewOptions) error {
	var gh *config.GitHubTracking
	if opts.Publish {
		cfg, err := loadConfig(opts.ConfigPath)
		if err != nil {
			return err
		}
		gh = cfg.Tracking.GitHub
	}
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	in, err := c.Review(ctx, opts.Key, opts.Wait, now())
	noWorker := errors.Is(err, starter.ErrNoWorker)
	switch {
	case noWorker:
		fmt.Fprintln(opts.IO.ErrOut, noWorkerReviewing)
	case err != nil:
		return err
	}
	doc := review.New(in)
	var md bytes.Buffer
	if err := doc.WriteMarkdown(&md); err != nil {
		return err
	}
	if opts.Publish {
		where, err := publishDocument(ctx, opts, c, gh, !noWorker, md.Bytes())
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "published %s\n", oneLine(where))
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, doc)
	}
	if _, err := opts.IO.Out.Write(md.Bytes()); err != nil {
		return fmt.Errorf("write review: %w", err)
	}
	return nil
}

// publishDocument publishes the review where the configuration says and returns where: the
// comment's URL on the incident's GitHub issue when gh is set and the incident has an issue
// (and the file's path too when the comment had to be cut), the file's path otherwise. The
// incident's issue is read from its state, when a worker answered (stateKnown).
func publishDocument(ctx context.Context, opts *reviewOptions, c *starter.Client, gh *config.GitHubTracking, stateKnown bool, doc []byte) (string, error) {
	if gh == nil {
		return publishReview(opts.Dir, opts.Key, doc)
	}
	var rec incident.TrackingRecord
	if stateKnown {
		s, err := c.State(ctx, opts.Key, opts.Wait)
		switch {
		case err == nil:
			rec = s.Tracking
		case !errors.Is(err, starter.ErrNoWorker):
			return "", err
		}
	}
	if rec.System != activities.TrackingGitHub || rec.Ref == "" {
		why := "the incident has no GitHub tracking issue"
		if !stateKnown {
			why = "the incident's GitHub tracking issue is unknown without a worker"
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s: writing the review to a file\n", why)
		return publishReview(opts.Dir, opts.Key, doc)
	}
	token := gh.Token(os.LookupEnv)
	if token == "" {
		return "", fmt.Errorf("publish review: the environment variable %s (tracking.github.token_env) holds no GitHub token", gh.TokenEnv)
	}
	tracker, err := trackgh.New(trackgh.Config{
		Repository: gh.Repository, Token: token, BaseURL: gh.BaseURL, Label: gh.Label, Labels: gh.Labels,
		Timeout: time.Duration(gh.Timeout),
	})
	if err != nil {
		return "", fmt.Errorf("publish review: %w", err)
	}
	path := filepath.Join(opts.Dir, opts.Key+".md")
	published, err := tracker.PublishComment(ctx, rec.Ref, trackgh.Document{
		IdempotencyKey: reviewCommentKey(opts.Key, doc),
		Markdown:       string(doc),
		CutNote: fmt.Sprintf("**Cut by Firebreak: the review is longer than a GitHub comment holds. The whole document is %s, "+
			"written by `firebreak incident review %s --publish`.**", reviewCode(path), opts.Key),
	})
	if err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) {
			return "", fmt.Errorf("publish review: %s", app.Message())
		}
		return "", fmt.Errorf("publish review: %w", err)
	}
	where := published.URL
	if published.AlreadyPosted {
		where += " (already there: the same document was published before)"
	}
	if published.Cut {
		if _, err := publishReview(opts.Dir, opts.Key, doc); err != nil {
			return "", err
		}
		where += ", cut; the whole document is " + path
	}
	return where, nil
}

// reviewCommentKey is the idempotency key of a review's comment: the incident's workflow ID
// and the first 128 bits of the document's SHA-256, so the same document is posted once and a
// changed one anew.
func reviewCommentKey(key string, doc []byte) string {
	sum := sha256.Sum256(doc)
	return workflows.WorkflowID(key) + "/review/sha256:" + hex.EncodeToString(sum[:16])
}

// reviewCode returns s as a Markdown code span, its backticks replaced so it cannot close early.
func reviewCode(s string) string {
	return "`" + strings.ReplaceAll(safetext.Line(s), "`", "'") + "`"
}

// publishReview writes the document to dir/KEY.md through a temporary file renamed into place,
// so a reader never sees half a document; it returns the file's path.
func publishReview(dir, key string, doc []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("publish review: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+key+"-*.md")
	if err != nil {
		return "", fmt.Errorf("publish review: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up after a failure
	if _, err := tmp.Write(doc); err != nil {
		tmp.Close()
		return "", fmt.Errorf("publish review: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", fmt.Errorf("publish review: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("publish review: %w", err)
	}
	path := filepath.Join(dir, key+".md")
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("publish review: %w", err)
	}
	return path, nil
}
