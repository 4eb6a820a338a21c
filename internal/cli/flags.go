package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/safetext"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Output formats a command's -o flag accepts.
const (
	formatText = "text"
	formatJSON = "json"
)

// addOutputFlag adds -o/--output to cmd, stored in dst.
func addOutputFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "output", "o", formatText, "output `format`: text or json")
}

// checkOutput rejects an output format other than text or json.
func checkOutput(format string) error {
	if format != formatText && format != formatJSON {
		return usageErrorf("invalid --output %q: use text or json", format)
	}
	return nil
}

// writeJSON writes v as indented JSON whose strings escape every character a terminal would act
// on (safetext.JSON): the document decodes to the same values and is safe to print.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if _, err := w.Write(safetext.JSON(buf.Bytes())); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// requireFlags returns a usage error naming every string flag among names that is empty or blank.
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, name := range names {
		if fl := cmd.Flags().Lookup(name); fl == nil || strings.TrimSpace(fl.Value.String()) == "" {
			missing = append(missing, "--"+name)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return usageErrorf("required flag %s not set", missing[0])
	default:
		return usageErrorf("required flags %s not set", strings.Join(missing, ", "))
	}
}

// incidentKey reads the positional incident reference: a key, or the workflow ID `alert send`
// and the Web UI show ("incident-<key>").
func incidentKey(args []string) (string, error) {
	key, err := workflows.KeyFromRef(args[0])
	if err != nil {
		return "", usageError{err}
	}
	return key, nil
}

// checkWait rejects a --wait that leaves a worker no time.
func checkWait(wait time.Duration) error {
	if wait <= 0 {
		return usageErrorf("invalid --wait %s: use a positive duration such as 10s", wait)
	}
	return nil
}

// parseSeverity reads a --severity value.
func parseSeverity(value string) (incident.Severity, error) {
	s := incident.Severity(strings.ToLower(value))
	if !s.Valid() {
		return "", usageErrorf("invalid --severity %q: use sev1, sev2 or sev3", value)
	}
	return s, nil
}

// impactKeys lists the keys --impact accepts, for error messages.
const impactKeys = "customers_affected (or customers), data_loss, security_breach, core_degraded, " +
	"performance_degraded, workaround, support_cases, started_at"

// parseImpact reads repeated --impact key=value flags into impact facts. Keys may use dashes or
// underscores; a later value for the same key wins.
func parseImpact(values []string) (incident.Impact, error) {
	var impact incident.Impact
	for _, kv := range values {
		key, value, ok := strings.Cut(kv, "=")
		key = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(key)), "-", "_")
		value = strings.TrimSpace(value)
		if !ok || key == "" {
			return incident.Impact{}, usageErrorf("invalid --impact %q: use key=value", kv)
		}
		bad := func(want string) error {
			return usageErrorf("invalid --impact %q: %s must be %s", kv, key, want)
		}
		boolean := func(dst **bool) error {
			b, err := strconv.ParseBool(value)
			if err != nil {
				return bad("true or false")
			}
			*dst = &b
			return nil
		}
		var err error
		switch key {
		case "customers_affected", "customers":
			switch value {
			case "none", "some", "all":
				impact.CustomersAffected = value
			default:
				err = bad("none, some or all")
			}
		case "data_loss":
			err = boolean(&impact.DataLoss)
		case "security_breach":
			err = boolean(&impact.SecurityBreach)
		case "core_degraded":
			err = boolean(&impact.CoreDegraded)
		case "performance_degraded":
			err = boolean(&impact.PerformanceDegraded)
		case "workaround":
			err = boolean(&impact.Workaround)
		case "support_cases":
			n, convErr := strconv.Atoi(value)
			if convErr != nil || n < 0 {
				err = bad("a whole number, 0 or more")
			} else {
				impact.SupportCases = &n
			}
		case "started_at":
			t, parseErr := time.Parse(time.RFC3339, value)
			if parseErr != nil {
				err = bad("an RFC 3339 time such as 2025-01-02T15:04:05Z")
			} else {
				impact.StartedAt = &t
			}
		default:
			err = usageErrorf("invalid --impact %q: unknown key %q; use %s", kv, key, impactKeys)
		}
		if err != nil {
			return incident.Impact{}, err
		}
	}
	return impact, nil
}

// parseLabels reads repeated --label key=value flags.
func parseLabels(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	labels := make(map[string]string, len(values))
	for _, kv := range values {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return nil, usageErrorf("invalid --label %q: use key=value", kv)
		}
		labels[strings.TrimSpace(key)] = value
	}
	return labels, nil
}
