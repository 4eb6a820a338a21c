package aws

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration string such as
// "10m"; it also reads a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("parse duration %q: want a Go duration such as 90s or 10m", clean(s, 40))
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("parse duration %s: want a string such as \"10m\"", clean(string(b), 40))
	}
	*d = Duration(n)
	return nil
}

// ECSRollbackInput is the input of aws.ecs_rollback.
type ECSRollbackInput struct {
	// Cluster is the cluster's name or ARN.
	Cluster string `json:"cluster"`
	// Service is the service's name or ARN.
	Service string `json:"service"`
	// TaskDefinition is the task definition to put the service on, as family:revision or
	// ARN. Empty means the newest ACTIVE revision of the service's current family that is
	// older than its current one.
	TaskDefinition string `json:"task_definition,omitempty"`
	// Wait says whether to wait until the service is stable; nil means true.
	Wait *bool `json:"wait,omitempty"`
	// IdempotencyKey identifies the step; it goes in the service's tag
	// firebreak:rollback-key.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the rollback for a reviewer of the workflow history.
func (in ECSRollbackInput) Summary() string {
	to := "its previous task definition revision"
	if in.TaskDefinition != "" {
		to = "task definition " + shortTaskDefinition(clean(in.TaskDefinition, 300))
	}
	s := fmt.Sprintf("roll back ECS service %s in cluster %s to %s", lastPart(clean(in.Service, 300)), lastPart(clean(in.Cluster, 300)), to)
	if in.Wait == nil || *in.Wait {
		s += " and wait until it is stable"
	}
	return s
}

// lastPart returns the name at the end of an ARN, or the name itself.
func lastPart(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 && strings.HasPrefix(s, "arn:") {
		return s[i+1:]
	}
	return s
}

// ECSRollbackOutput is the output of aws.ecs_rollback.
type ECSRollbackOutput struct {
	// From is the task definition the service was on, as family:revision.
	From string `json:"from"`
	// To is the task definition the service is on now, as family:revision.
	To string `json:"to"`
	// AlreadyInPlace says the service was already on To.
	AlreadyInPlace bool `json:"already_in_place"`
}

// LambdaRollbackInput is the input of aws.lambda_rollback.
type LambdaRollbackInput struct {
	// Function is the function's name or ARN.
	Function string `json:"function"`
	// Alias is the alias's name.
	Alias string `json:"alias"`
	// Version is the version to move the alias to, a number or $LATEST; empty means the
	// newest published version older than the alias's current one.
	Version string `json:"version,omitempty"`
	// Weight, when set, shifts that share of the alias's traffic (0 to 1) to Version instead
	// of moving the alias: the alias keeps its version and routes Weight of its traffic to
	// Version. 1 moves the alias fully; 0 ends the shift.
	Weight *float64 `json:"weight,omitempty"`
	// IdempotencyKey identifies the step; it goes in the alias's description.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the rollback for a reviewer of the workflow history.
func (in LambdaRollbackInput) Summary() string {
	to := "its previous version"
	if in.Version != "" {
		to = "version " + clean(in.Version, 20)
	}
	fn := lastColonPart(clean(in.Function, 200))
	if in.Weight != nil && *in.Weight < 1 {
		return fmt.Sprintf("shift %g%% of Lambda alias %s:%s traffic to %s", *in.Weight*100, fn, clean(in.Alias, 128), to)
	}
	return fmt.Sprintf("move Lambda alias %s:%s to %s", fn, clean(in.Alias, 128), to)
}

// lastColonPart returns a function's name from its ARN, or the name itself.
func lastColonPart(s string) string {
	if strings.HasPrefix(s, "arn:") {
		parts := strings.Split(s, ":")
		if len(parts) >= 7 {
			return parts[6]
		}
	}
	return s
}

// LambdaRollbackOutput is the output of aws.lambda_rollback.
type LambdaRollbackOutput struct {
	// From is the alias's version before the action.
	From string `json:"from"`
	// To is the version the alias now points to, or routes Weight of its traffic to.
	To string `json:"to"`
	// AlreadyInPlace says the alias was already as asked.
	AlreadyInPlace bool `json:"already_in_place"`
}

// CodeDeployStopInput is the input of aws.codedeploy_stop.
type CodeDeployStopInput struct {
	// DeploymentID is the deployment's ID, d-XXXXXXXXX.
	DeploymentID string `json:"deployment_id"`
	// Rollback says whether CodeDeploy rolls back to the previous revision; nil means true.
	Rollback *bool `json:"rollback,omitempty"`
	// IdempotencyKey identifies the step. StopDeployment takes no client token; the action
	// is idempotent because a stopped deployment is already in place.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the stop for a reviewer of the workflow history.
func (in CodeDeployStopInput) Summary() string {
	if in.rollback() {
		return fmt.Sprintf("stop CodeDeploy deployment %s and roll back", clean(in.DeploymentID, 40))
	}
	return fmt.Sprintf("stop CodeDeploy deployment %s without rollback", clean(in.DeploymentID, 40))
}

func (in CodeDeployStopInput) rollback() bool { return in.Rollback == nil || *in.Rollback }

// CodeDeployStopOutput is the output of aws.codedeploy_stop.
type CodeDeployStopOutput struct {
	// Status is the stop's status (Pending or Succeeded), or the deployment's status (Stopped
	// or Failed) when it had already ended.
	Status string `json:"status"`
	// StatusMessage is CodeDeploy's message about the stop.
	StatusMessage string `json:"status_message"`
	// AlreadyInPlace says the deployment had already stopped or failed.
	AlreadyInPlace bool `json:"already_in_place"`
}

// AppConfigFlagInput is the input of aws.appconfig_flag.
type AppConfigFlagInput struct {
	// Application is the application's name or ID.
	Application string `json:"application"`
	// Environment is the environment's name or ID.
	Environment string `json:"environment"`
	// Profile is the feature flag configuration profile's name or ID.
	Profile string `json:"profile"`
	// Flag is the flag's key.
	Flag string `json:"flag"`
	// Enabled is the state to set; false by default, as a kill switch sets it.
	Enabled bool `json:"enabled"`
	// Customers, when set, switches the flag only for these customers, through the flag's
	// customers attribute.
	Customers []string `json:"customers,omitempty"`
	// DeploymentStrategy is the deployment strategy's ID or predefined name; empty means
	// AppConfig.AllAtOnce.
	DeploymentStrategy string `json:"deployment_strategy,omitempty"`
	// IdempotencyKey identifies the step; it goes in the descriptions of the configuration
	// version and the deployment.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the switch for a reviewer of the workflow history.
func (in AppConfigFlagInput) Summary() string {
	state := "off"
	if in.Enabled {
		state = "on"
	}
	who := "for everyone"
	if len(in.Customers) > 0 {
		names := make([]string, 0, 3)
		for _, c := range in.Customers[:min(3, len(in.Customers))] {
			names = append(names, clean(c, 40))
		}
		who = "for customers " + strings.Join(names, ", ")
		if len(in.Customers) > 3 {
			who += fmt.Sprintf(" and %d more", len(in.Customers)-3)
		}
	}
	return fmt.Sprintf("switch AppConfig flag %s %s %s in %s/%s", clean(in.Flag, 64), state, who,
		clean(in.Application, 64), clean(in.Environment, 64))
}

// AppConfigFlagOutput is the output of aws.appconfig_flag.
type AppConfigFlagOutput struct {
	// Version is the hosted configuration version that holds the state.
	Version int32 `json:"version"`
	// DeploymentNumber is the deployment of that version to the environment.
	DeploymentNumber int32 `json:"deployment_number"`
	// AlreadyInPlace says the flag already had the state and that version was deployed.
	AlreadyInPlace bool `json:"already_in_place"`
}

// SSMAutomationInput is the input of aws.ssm_automation.
type SSMAutomationInput struct {
	// Document is the Automation runbook's name or ARN.
	Document string `json:"document"`
	// Parameters are the runbook's parameters.
	Parameters map[string][]string `json:"parameters,omitempty"`
	// Wait says whether to wait for the execution to end; nil means true.
	Wait *bool `json:"wait,omitempty"`
	// Timeout bounds the wait; zero means 30 minutes.
	Timeout Duration `json:"timeout,omitempty"`
	// IdempotencyKey identifies the step; a UUID made from it is the execution's client
	// token.
	IdempotencyKey string `json:"idempotency_key"`
}

// Summary describes the execution for a reviewer of the workflow history.
func (in SSMAutomationInput) Summary() string {
	s := "run SSM Automation document " + clean(in.Document, 200)
	if in.Wait == nil || *in.Wait {
		s += " and wait for it to end"
	}
	return s
}

// SSMAutomationOutput is the output of aws.ssm_automation.
type SSMAutomationOutput struct {
	// ExecutionID is the Automation execution's ID.
	ExecutionID string `json:"execution_id"`
	// Status is the execution's status: Success when the action waited and it succeeded.
	Status string `json:"status"`
	// AlreadyInPlace says an earlier attempt of the step had started the execution.
	AlreadyInPlace bool `json:"already_in_place"`
}
