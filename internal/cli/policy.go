package cli

import (
	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
)

// newCmdPolicy returns the policy command group.
func newCmdPolicy(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy <command>",
		Short: "Test and evaluate the Rego policies that decide severity and engagement",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	cmd.AddCommand(newCmdPolicyTest(f, nil), newCmdPolicyEval(f, nil))
	return cmd
}

// addPolicySourceFlags adds --dir and --config, which choose the policy bundle.
func addPolicySourceFlags(cmd *cobra.Command, dir, configPath *string) {
	cmd.Flags().StringVar(dir, "dir", "", "`directory` of .rego files to use instead of the built-in policies")
	cmd.Flags().StringVar(configPath, "config", "", "configuration `file` whose policies directory to use when --dir is not given")
}

// loadBundle returns the bundle in dir, else the one the configuration file names, else the
// built-in one.
func loadBundle(dir, configPath string) (*policies.Bundle, error) {
	if dir == "" && configPath != "" {
		cfg, err := config.Load(configPath)
		if err != nil {
			return nil, err
		}
		dir = cfg.Policies
	}
	if dir == "" {
		return policies.Embedded()
	}
	return policies.LoadDir(dir)
}
