package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/workflows"
)

// assignOptions are the inputs of incident assign.
type assignOptions struct {
	responderOptions
	Role   incident.Role
	Person string
}

// newCmdAssign returns incident assign; runF replaces assignRun in tests.
func newCmdAssign(f *Factory, runF func(context.Context, *assignOptions) error) *cobra.Command {
	opts := &assignOptions{}
	var role string
	cmd := &cobra.Command{
		Use:     "assign KEY --role ROLE --person PERSON --as PERSON",
		Short:   "Give an incident role to a person",
		Example: "  firebreak incident assign checkout-7k2m9q --role commander --person bob --as alice",
	}
	cmd.Flags().StringVar(&role, "role", "", "`role`: commander, tech_lead or communications_lead (required)")
	cmd.Flags().StringVar(&opts.Person, "person", "", "`person` taking the role (required)")
	return responderCommand(f, &opts.responderOptions, cmd, func(cmd *cobra.Command) error {
		if err := requireFlags(cmd, "role", "person"); err != nil {
			return err
		}
		opts.Role = incident.Role(role)
		if !opts.Role.Valid() {
			return usageErrorf("invalid --role %q: use commander, tech_lead or communications_lead", role)
		}
		if err := workflows.ValidateKey(opts.Person); err != nil {
			return usageErrorf("invalid --person %q: use lowercase letters, digits and dashes", opts.Person)
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return assignRun(cmd.Context(), opts)
	})
}

// assignRun assigns the role.
func assignRun(ctx context.Context, opts *assignOptions) error {
	return sendUpdate(ctx, opts.responderOptions, workflows.UpdateAssign, func(e workflows.Expiry) any {
		return workflows.AssignRequest{By: opts.As, Role: opts.Role, Person: opts.Person, Expiry: e}
	})
}
