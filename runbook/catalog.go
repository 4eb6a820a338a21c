package runbook

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Action is one entry of the action catalog: what a step may call, the parameters it takes and
// the outputs later steps may use. The catalog is the contract between runbook files and the
// activities that carry the actions out.
type Action struct {
	// Name is how a step names the action, such as "aws.ecs_rollback".
	Name        string
	Description string
	// Mutating actions change something outside Firebreak. Each call gets an idempotency key,
	// derived from the incident, the run and the step, which the action passes to the provider
	// where it takes one; an action whose effect is already in place says so and succeeds.
	Mutating bool
	Params   []ActionParam
	Outputs  []ActionOutput
}

// ActionParam is one parameter of an action. A step's with must give every required one;
// resolving a step fills in the default of an optional one it leaves out.
type ActionParam struct {
	// Name is the key in a step's with.
	Name        string
	Type        Type
	Required    bool
	Description string
	// Default is the value an optional parameter takes when a step leaves it out, in its
	// type's canonical form (see Compiled); nil when there is none.
	Default any
	// Check rejects a value of the right type that the action cannot use, such as a
	// repository not written "owner/name"; nil accepts any. It sees the canonical form.
	Check func(value any) error
}

// ActionOutput is one output of an action, which later steps reference as
// steps.<id>.outputs.<name>.
type ActionOutput struct {
	Name        string
	Type        Type
	Description string
}

// Param returns the action's parameter called name.
func (a Action) Param(name string) (ActionParam, bool) {
	i := slices.IndexFunc(a.Params, func(p ActionParam) bool { return p.Name == name })
	if i < 0 {
		return ActionParam{}, false
	}
	return a.Params[i], true
}

// Output returns the action's output called name.
func (a Action) Output(name string) (ActionOutput, bool) {
	i := slices.IndexFunc(a.Outputs, func(o ActionOutput) bool { return o.Name == name })
	if i < 0 {
		return ActionOutput{}, false
	}
	return a.Outputs[i], true
}

// LookupAction returns the catalog action called name.
func LookupAction(name string) (Action, bool) {
	for _, a := range Actions() {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}

// actionIndex returns the catalog by name.
func actionIndex() map[string]Action {
	m := make(map[string]Action)
	for _, a := range Actions() {
		m[a.Name] = a
	}
	return m
}

// Actions returns the action catalog, sorted by name. Each call returns a new copy.
func Actions() []Action {
	str := func(name, desc string, check func(any) error) ActionParam {
		return ActionParam{Name: name, Type: TypeString, Required: true, Description: desc, Check: check}
	}
	opt := func(p ActionParam, def any) ActionParam {
		p.Required = false
		p.Default = def
		return p
	}
	out := func(name string, t Type, desc string) ActionOutput {
		return ActionOutput{Name: name, Type: t, Description: desc}
	}
	repo := str("repo", `the repository, as "owner/name"`, checkRepo)
	timeout := func(desc string) ActionParam {
		return ActionParam{Name: "timeout", Type: TypeDuration, Description: desc, Check: checkDuration(time.Second, MaxTimeout)}
	}
	alreadyInPlace := out("already_in_place", TypeBool, "whether the effect was already in place, so nothing changed")
	actions := []Action{
		{
			Name:        "github.dispatch_workflow",
			Description: "Dispatch a GitHub Actions workflow and wait for its conclusion.",
			Mutating:    true,
			Params: []ActionParam{
				repo,
				str("workflow", "the workflow's file name, such as deploy.yml, or its ID", checkNonEmpty),
				str("ref", "the branch or tag to run the workflow on", checkNonEmpty),
				opt(ActionParam{Name: "inputs", Type: TypeMap, Description: "the workflow's inputs"}, nil),
				opt(ActionParam{Name: "wait", Type: TypeBool, Description: "whether to wait for the run's conclusion"}, true),
				timeout("how long to wait for the run's conclusion"),
			},
			Outputs: []ActionOutput{
				out("run_id", TypeInt, "the workflow run's ID"),
				out("run_url", TypeString, "the workflow run's web page"),
				out("conclusion", TypeString, "the run's conclusion, such as success or failure; empty when not waiting"),
			},
		},
		{
			Name:        "github.create_deployment",
			Description: "Create a GitHub deployment of a ref and set its status.",
			Mutating:    true,
			Params: []ActionParam{
				repo,
				str("ref", "the branch, tag or commit SHA to deploy", checkNonEmpty),
				str("environment", "the deployment environment, such as production", checkNonEmpty),
				opt(str("description", "a short description of the deployment", nil), nil),
				opt(str("state", "the status to set after creating the deployment", checkEnum(
					"success", "failure", "in_progress", "queued", "pending", "inactive", "error")), "success"),
			},
			Outputs: []ActionOutput{
				out("deployment_id", TypeInt, "the deployment's ID"),
				out("status_id", TypeInt, "the deployment status's ID"),
			},
		},
		{
			Name:        "github.revert_pull_request",
			Description: "Open a pull request that reverts a commit.",
			Mutating:    true,
			Params: []ActionParam{
				repo,
				str("commit", "the SHA of the commit to revert", checkSHA),
				opt(str("base", "the branch to merge the revert into; default the repository's default branch", checkNonEmpty), nil),
				opt(str("title", "the pull request's title", checkNonEmpty), nil),
			},
			Outputs: []ActionOutput{
				out("number", TypeInt, "the pull request's number"),
				out("url", TypeString, "the pull request's web page"),
				out("branch", TypeString, "the branch holding the revert"),
			},
		},
		{
			Name:        "github.comment_issue",
			Description: "Comment on a GitHub issue or pull request.",
			Mutating:    true,
			Params: []ActionParam{
				repo,
				{Name: "number", Type: TypeInt, Required: true, Description: "the issue or pull request number", Check: checkIntRange(1, maxSafeInt)},
				str("body", "the comment, in Markdown", checkNonEmpty),
			},
			Outputs: []ActionOutput{
				out("comment_id", TypeInt, "the comment's ID"),
				out("url", TypeString, "the comment's web page"),
			},
		},
		{
			Name:        "aws.ecs_rollback",
			Description: "Put an ECS service back on an earlier task definition and wait until it is stable.",
			Mutating:    true,
			Params: []ActionParam{
				str("cluster", "the cluster's name or ARN", checkNonEmpty),
				str("service", "the service's name or ARN", checkNonEmpty),
				opt(str("task_definition", "the task definition as family:revision or ARN; default the previous ACTIVE revision of the service's current family", checkNonEmpty), nil),
				opt(ActionParam{Name: "wait", Type: TypeBool, Description: "whether to wait until the service is stable"}, true),
			},
			Outputs: []ActionOutput{
				out("from", TypeString, "the task definition the service ran before"),
				out("to", TypeString, "the task definition the service runs now"),
				alreadyInPlace,
			},
		},
		{
			Name:        "aws.lambda_rollback",
			Description: "Move a Lambda alias to an earlier version, or shift a share of its traffic there.",
			Mutating:    true,
			Params: []ActionParam{
				str("function", "the function's name or ARN", checkNonEmpty),
				str("alias", "the alias to move, such as live", checkNonEmpty),
				opt(str("version", "the version to move to; default the version before the alias's current one", checkLambdaVersion), nil),
				opt(ActionParam{Name: "weight", Type: TypeFloat, Description: "shift this share of traffic (0 to 1) to version instead of moving the alias fully", Check: checkFloatRange(0, 1)}, nil),
			},
			Outputs: []ActionOutput{
				out("from", TypeString, "the version the alias pointed to before"),
				out("to", TypeString, "the version the alias points to now"),
				alreadyInPlace,
			},
		},
		{
			Name:        "aws.codedeploy_stop",
			Description: "Stop a CodeDeploy deployment, rolling it back.",
			Mutating:    true,
			Params: []ActionParam{
				str("deployment_id", "the deployment's ID, such as d-A1B2C3D4E", checkNonEmpty),
				opt(ActionParam{Name: "rollback", Type: TypeBool, Description: "whether to roll back to the previous revision"}, true),
			},
			Outputs: []ActionOutput{
				out("status", TypeString, "the stop request's status: Pending or Succeeded"),
				out("status_message", TypeString, "CodeDeploy's message about the stop"),
			},
		},
		{
			Name:        "aws.appconfig_flag",
			Description: "Set an AppConfig feature flag's state, for everyone or for a list of customers, and deploy it.",
			Mutating:    true,
			Params: []ActionParam{
				str("application", "the AppConfig application's name or ID", checkNonEmpty),
				str("environment", "the environment's name or ID", checkNonEmpty),
				str("profile", "the feature flag configuration profile's name or ID", checkNonEmpty),
				str("flag", "the flag's key", checkNonEmpty),
				opt(ActionParam{Name: "enabled", Type: TypeBool, Description: "the state to set; a kill switch sets false, never toggles"}, false),
				opt(ActionParam{Name: "customers", Type: TypeList, Description: "set the state only for these customers (the flag's customers attribute)", Check: checkListNonEmptyItems}, nil),
				opt(str("deployment_strategy", "the deployment strategy's name or ID", checkNonEmpty), "AppConfig.AllAtOnce"),
			},
			Outputs: []ActionOutput{
				out("version", TypeInt, "the hosted configuration version created"),
				out("deployment_number", TypeInt, "the deployment's number"),
				alreadyInPlace,
			},
		},
		{
			Name:        "aws.ssm_automation",
			Description: "Start an SSM Automation document and wait for it to finish.",
			Mutating:    true,
			Params: []ActionParam{
				str("document", "the Automation document's name or ARN", checkNonEmpty),
				opt(ActionParam{Name: "parameters", Type: TypeMapOfLists, Description: "the document's parameters"}, nil),
				opt(ActionParam{Name: "wait", Type: TypeBool, Description: "whether to wait for the execution to finish"}, true),
				timeout("how long to wait for the execution to finish"),
			},
			Outputs: []ActionOutput{
				out("execution_id", TypeString, "the automation execution's ID"),
				out("status", TypeString, "the execution's status, such as Success or Failed"),
			},
		},
		{
			Name:        "notify",
			Description: "Post a message to the incident's audience.",
			Mutating:    true,
			Params: []ActionParam{
				str("message", "the message", checkNonEmpty),
				opt(str("audience", "who reads it: internal or external", checkEnum("internal", "external")), "internal"),
			},
		},
		{
			Name:        "wait",
			Description: "Wait for a while.",
			Params: []ActionParam{
				{Name: "duration", Type: TypeDuration, Required: true, Description: "how long to wait", Check: checkDuration(time.Second, MaxTimeout)},
			},
		},
		{
			Name:        "wait_alerts_resolved",
			Description: "Wait until every alert of the incident has resolved, or the timeout passes.",
			Params: []ActionParam{
				{Name: "timeout", Type: TypeDuration, Required: true, Description: "how long to wait", Check: checkDuration(time.Second, MaxTimeout)},
			},
			Outputs: []ActionOutput{out("resolved", TypeBool, "whether every alert resolved in time")},
		},
		{
			Name:        "http_check",
			Description: "Poll a URL until it answers with the expected status, or the timeout passes.",
			Params: []ActionParam{
				str("url", "the http or https URL to poll", checkHTTPURL),
				opt(ActionParam{Name: "expect_status", Type: TypeInt, Description: "the status that means healthy", Check: checkIntRange(100, 599)}, int64(200)),
				opt(ActionParam{Name: "interval", Type: TypeDuration, Description: "how long to wait between polls", Check: checkDuration(time.Second, time.Hour)}, "10s"),
				{Name: "timeout", Type: TypeDuration, Required: true, Description: "how long to keep polling", Check: checkDuration(time.Second, MaxTimeout)},
			},
			Outputs: []ActionOutput{
				out("status", TypeInt, "the last status received; 0 when no answer came"),
				out("attempts", TypeInt, "how many polls were made"),
			},
		},
		{
			Name:        "approval",
			Description: "Wait for the approvals the approval policy asks for.",
			Params: []ActionParam{
				opt(str("reason", "what the approvers are asked to approve", checkNonEmpty), nil),
			},
			Outputs: []ActionOutput{out("approved_by", TypeList, "who approved")},
		},
	}
	slices.SortFunc(actions, func(a, b Action) int { return strings.Compare(a.Name, b.Name) })
	return actions
}

// checkNonEmpty rejects an empty or blank string.
func checkNonEmpty(v any) error {
	if s, _ := v.(string); strings.TrimSpace(s) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

// checkRepo accepts "owner/name".
func checkRepo(v any) error {
	s, _ := v.(string)
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !repoPart(owner) || !repoPart(name) {
		return fmt.Errorf("invalid repository %q: write it as owner/name", s)
	}
	return nil
}

// repoPart reports whether s is a GitHub owner or repository name.
func repoPart(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// checkSHA accepts a full or abbreviated (7 or more) hexadecimal commit SHA.
func checkSHA(v any) error {
	s, _ := v.(string)
	ok := len(s) >= 7 && len(s) <= 64
	for _, r := range s {
		ok = ok && (r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	}
	if !ok {
		return fmt.Errorf("invalid commit %q: want a hexadecimal SHA of 7 to 64 digits", s)
	}
	return nil
}

// checkLambdaVersion accepts a published version number or $LATEST.
func checkLambdaVersion(v any) error {
	s, _ := v.(string)
	ok := s != "" && len(s) <= 20
	for _, r := range s {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok && s != "$LATEST" {
		return fmt.Errorf("invalid version %q: want a version number or $LATEST", s)
	}
	return nil
}

// checkHTTPURL accepts an absolute http or https URL.
func checkHTTPURL(v any) error {
	s, _ := v.(string)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid URL %q: want an absolute http or https URL", s)
	}
	return nil
}

// checkListNonEmptyItems rejects an empty entry in a list.
func checkListNonEmptyItems(v any) error {
	l, _ := v.([]string)
	for i, s := range l {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("entry %d is empty", i)
		}
	}
	return nil
}

// checkEnum accepts one of values.
func checkEnum(values ...string) func(any) error {
	return func(v any) error {
		s, _ := v.(string)
		if !slices.Contains(values, s) {
			return fmt.Errorf("invalid value %q: want %s", s, orList(values))
		}
		return nil
	}
}

// checkIntRange accepts an integer in [lo, hi].
func checkIntRange(lo, hi int64) func(any) error {
	return func(v any) error {
		n, _ := v.(int64)
		if n < lo || n > hi {
			return fmt.Errorf("%d is out of range: want %d to %d", n, lo, hi)
		}
		return nil
	}
}

// checkFloatRange accepts a number in [lo, hi].
func checkFloatRange(lo, hi float64) func(any) error {
	return func(v any) error {
		f, _ := v.(float64)
		if f < lo || f > hi {
			return fmt.Errorf("%g is out of range: want %g to %g", f, lo, hi)
		}
		return nil
	}
}

// checkDuration accepts a duration in [lo, hi].
func checkDuration(lo, hi time.Duration) func(any) error {
	return func(v any) error {
		s, _ := v.(string)
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		if d < lo || d > hi {
			return fmt.Errorf("duration %s is out of range: want %s to %s", d, lo, hi)
		}
		return nil
	}
}

// orList joins values as "a, b or c".
func orList(values []string) string {
	switch len(values) {
	case 0:
		return "nothing"
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
