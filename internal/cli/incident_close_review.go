package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/workflows"
)

// closeReviewOptions are the inputs of incident close-review.
type closeReviewOptions struct {
	responderOptions
	Summary string
}

// newCmdCloseReview returns incident close-review; runF replaces closeReviewRun in tests.
func newCmdCloseReview(f *Factory, runF func(context.Context, *closeReviewOptions) error) *cobra.Command {
	opts := &closeReviewOptions{}
	cmd := &cobra.Command{
		Use:   "close-review KEY --summary TEXT --as PERSON",
		Short: "Close a resolved incident's review; the incident then takes nothing more",
		Long: `Close the review of a resolved incident. Until then the incident stays in its review phase,
taking notes and follow-up actions; it closes by itself 30 days after resolution.`,
		Example: `  firebreak incident close-review checkout-7k2m9q --summary "pool sizing fixed; two follow-ups" --as ana`,
	}
	cmd.Flags().StringVar(&opts.Summary, "summary", "", "what the review concluded (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "summary"); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return closeReviewRun(cmd.Context(), opts)
	})
}

// closeReviewRun closes the review.
func closeReviewRun(ctx context.Context, opts *closeReviewOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateCloseReview, func(e workflows.Expiry) any {
		return workflows.CloseReviewRequest{By: opts.As, Summary: opts.Summary, Expiry: e}
	})
}
