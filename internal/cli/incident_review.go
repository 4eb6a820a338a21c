package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/review"
	"github.com/firebreak-dev/firebreak/starter"
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

	Key     string
	Output  string
	Publish bool
	Dir     string
	Wait    time.Duration
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
			"without one the review is built from the history alone. --publish also writes the document to " +
			"KEY.md in --dir.",
		Example: "  firebreak incident review checkout-7k2m9q\n" +
			"  firebreak incident review checkout-7k2m9q --publish --dir reviews\n" +
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
	cmd.Flags().BoolVar(&opts.Publish, "publish", false, "also write the Markdown document to KEY.md in --dir")
	cmd.Flags().StringVar(&opts.Dir, "dir", envOr(EnvReviewDir, "reviews"), "`directory` --publish writes to (env "+EnvReviewDir+")")
	cmd.Flags().DurationVar(&opts.Wait, "wait", defaultWait, "how long a worker has to answer the state query (`duration`)")
	return cmd
}

// noWorkerReviewing is the note review writes when no worker answers the state query.
const noWorkerReviewing = "no worker answered the state query: the review is built from the history alone"

// reviewRun reads the incident's history and state, and writes its review.
func reviewRun(ctx context.Context, opts *reviewOptions) error {
	c, err := opts.Starter(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	in, err := c.Review(ctx, opts.Key, opts.Wait, now())
	switch {
	case errors.Is(err, starter.ErrNoWorker):
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
		path, err := publishReview(opts.Dir, opts.Key, md.Bytes())
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "published %s\n", oneLine(path))
	}
	if opts.Output == formatJSON {
		return writeJSON(opts.IO.Out, doc)
	}
	if _, err := opts.IO.Out.Write(md.Bytes()); err != nil {
		return fmt.Errorf("write review: %w", err)
	}
	return nil
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
