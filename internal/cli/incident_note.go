package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// noteOptions are the inputs of incident note.
type noteOptions struct {
	responderOptions
	Kind incident.NoteKind
	Text string
}

// newCmdNote returns incident note; runF replaces noteRun in tests.
func newCmdNote(f *Factory, runF func(context.Context, *noteOptions) error) *cobra.Command {
	opts := &noteOptions{}
	var kind string
	cmd := &cobra.Command{
		Use:     "note KEY --text TEXT [--kind KIND] --as PERSON",
		Short:   "Add a note to an incident's timeline",
		Example: `  firebreak incident note checkout-7k2m9q --kind theory --text "connection pool exhausted" --as alice`,
	}
	cmd.Flags().StringVar(&kind, "kind", string(incident.NoteObservation), "`kind`: observation, theory, experiment or result")
	cmd.Flags().StringVar(&opts.Text, "text", "", "the note's `text` (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "text"); err != nil {
			return err
		}
		opts.Kind = incident.NoteKind(kind)
		if !opts.Kind.Valid() {
			return usageErrorf("invalid --kind %q: use observation, theory, experiment or result", kind)
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return noteRun(cmd.Context(), opts)
	})
}

// noteRun adds the note.
func noteRun(ctx context.Context, opts *noteOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateNote, func(e workflows.Expiry) any {
		return workflows.NoteRequest{By: opts.As, Kind: opts.Kind, Text: opts.Text, Expiry: e}
	})
}
