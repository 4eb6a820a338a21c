package github

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	gh "github.com/google/go-github/v60/github"

	"github.com/firebreak-dev/firebreak/internal/githubapi"
	"go.temporal.io/sdk/activity"
)

// deploymentStates are the states a deployment status can have.
var deploymentStates = []string{"success", "failure", "in_progress", "queued", "pending", "inactive", "error"}

// maxDeploymentPages bounds the pages of deployments searched for this step's deployment.
const maxDeploymentPages = 3

// Limits GitHub sets on deployments.
const (
	maxEnvironmentLen       = 255
	maxStatusDescriptionLen = 140
	maxDeployDescriptionLen = 1000
)

func (in CreateDeploymentInput) validate() (owner, repo string, err error) {
	if owner, repo, err = splitRepo(in.Repo); err != nil {
		return "", "", err
	}
	if err := checkRef("ref", in.Ref); err != nil {
		return "", "", err
	}
	switch {
	case in.Environment == "":
		return "", "", badInput("missing environment")
	case len(in.Environment) > maxEnvironmentLen || containsControl(in.Environment):
		return "", "", badInput("environment %q: want at most %d printable characters", clean(in.Environment, 80), maxEnvironmentLen)
	case len(in.Description) > maxDeployDescriptionLen:
		return "", "", badInput("description is longer than %d bytes", maxDeployDescriptionLen)
	case in.State != "" && !slices.Contains(deploymentStates, in.State):
		return "", "", badInput("state %q: want one of %v", clean(in.State, 40), deploymentStates)
	}
	return owner, repo, checkKey(in.IdempotencyKey)
}

func containsControl(s string) bool {
	for _, r := range s {
		if isControl(r) {
			return true
		}
	}
	return false
}

// deploymentPayload is what the action stores in a deployment's payload.
type deploymentPayload struct {
	FirebreakKey string `json:"firebreak_key"`
}

// CreateGitHubDeployment creates a deployment of a ref to an environment and gives it a status
// with in.State. The deployment's payload holds the idempotency key: a retry finds the
// deployment it made and, when its latest status already has the state, reports
// already_in_place. The deployment does not merge the default branch into the ref
// (auto_merge false).
func (a *Activities) CreateGitHubDeployment(ctx context.Context, in CreateDeploymentInput) (CreateDeploymentOutput, error) {
	owner, repo, err := in.validate()
	if err != nil {
		return CreateDeploymentOutput{}, err
	}
	state := in.state()
	log := a.logger.With("action", "github.create_deployment", "repo", in.Repo, "idempotency_key", in.IdempotencyKey)

	deployment, err := a.findDeployment(ctx, owner, repo, in)
	if err != nil {
		return CreateDeploymentOutput{}, err
	}
	found := deployment != nil
	if !found {
		req := &gh.DeploymentRequest{
			Ref:         gh.String(in.Ref),
			Environment: gh.String(in.Environment),
			AutoMerge:   gh.Bool(false),
			Payload:     deploymentPayload{FirebreakKey: in.IdempotencyKey},
		}
		if in.Description != "" {
			req.Description = gh.String(in.Description)
		}
		deployment, _, err = a.client.Repositories.CreateDeployment(ctx, owner, repo, req)
		if err != nil {
			return CreateDeploymentOutput{}, githubapi.Classify(fmt.Sprintf("create deployment of %s in %s", clean(in.Ref, 80), in.Repo), err)
		}
		if deployment.GetID() == 0 {
			return CreateDeploymentOutput{}, fmt.Errorf("create deployment of %s in %s: GitHub returned no deployment ID", clean(in.Ref, 80), in.Repo)
		}
		log.Info("created deployment", "deployment_id", deployment.GetID())
		activity.RecordHeartbeat(ctx, deployment.GetID())
	}
	out := CreateDeploymentOutput{DeploymentID: deployment.GetID()}

	if found {
		statuses, _, err := a.client.Repositories.ListDeploymentStatuses(ctx, owner, repo, out.DeploymentID, &gh.ListOptions{PerPage: 1})
		if err != nil {
			return CreateDeploymentOutput{}, githubapi.Classify(fmt.Sprintf("list statuses of deployment %d", out.DeploymentID), err)
		}
		if len(statuses) > 0 && statuses[0].GetState() == state {
			out.StatusID, out.AlreadyInPlace = statuses[0].GetID(), true
			return out, nil
		}
	}
	req := &gh.DeploymentStatusRequest{State: gh.String(state)}
	if in.Description != "" {
		req.Description = gh.String(clean(in.Description, maxStatusDescriptionLen-3))
	}
	status, _, err := a.client.Repositories.CreateDeploymentStatus(ctx, owner, repo, out.DeploymentID, req)
	if err != nil {
		return CreateDeploymentOutput{}, githubapi.Classify(fmt.Sprintf("set status of deployment %d to %s", out.DeploymentID, state), err)
	}
	out.StatusID = status.GetID()
	return out, nil
}

// findDeployment returns the deployment of ref to the environment whose payload holds the
// step's idempotency key, or nil.
func (a *Activities) findDeployment(ctx context.Context, owner, repo string, in CreateDeploymentInput) (*gh.Deployment, error) {
	opts := &gh.DeploymentsListOptions{Ref: in.Ref, Environment: in.Environment, ListOptions: gh.ListOptions{PerPage: 100}}
	for range maxDeploymentPages {
		list, resp, err := a.client.Repositories.ListDeployments(ctx, owner, repo, opts)
		if err != nil {
			return nil, githubapi.Classify(fmt.Sprintf("list deployments of %s in %s", clean(in.Ref, 80), in.Repo), err)
		}
		for _, d := range list {
			var p deploymentPayload
			if json.Unmarshal(d.Payload, &p) == nil && p.FirebreakKey == in.IdempotencyKey {
				return d, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return nil, nil
}
