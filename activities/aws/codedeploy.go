package aws

import (
	"context"
	"fmt"
	"regexp"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// codeDeployAPI is the part of the CodeDeploy API the stop uses.
type codeDeployAPI interface {
	GetDeployment(context.Context, *codedeploy.GetDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	StopDeployment(context.Context, *codedeploy.StopDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.StopDeploymentOutput, error)
}

var deploymentIDPattern = regexp.MustCompile(`^d-[A-Z0-9]{9}$`)

func (in CodeDeployStopInput) validate() error {
	if !deploymentIDPattern.MatchString(in.DeploymentID) {
		return badInput("deployment_id %q: want a CodeDeploy deployment ID such as d-A1B2C3D4E", clean(in.DeploymentID, 40))
	}
	return checkKey(in.IdempotencyKey)
}

// StopCodeDeployDeployment stops a CodeDeploy deployment and, unless in.Rollback is false,
// has CodeDeploy roll back to the last revision that deployed successfully. A deployment that
// has already stopped or failed is already_in_place; one that already succeeded cannot be
// stopped, which is a non-retryable Rejected error.
func (a *Activities) StopCodeDeployDeployment(ctx context.Context, in CodeDeployStopInput) (CodeDeployStopOutput, error) {
	if err := in.validate(); err != nil {
		return CodeDeployStopOutput{}, err
	}
	got, err := a.codedeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: awssdk.String(in.DeploymentID)})
	if err != nil {
		return CodeDeployStopOutput{}, classify(fmt.Sprintf("get CodeDeploy deployment %s", in.DeploymentID), err)
	}
	status := cdtypes.DeploymentStatus("")
	if got.DeploymentInfo != nil {
		status = got.DeploymentInfo.Status
	}
	switch status {
	case cdtypes.DeploymentStatusStopped, cdtypes.DeploymentStatusFailed:
		return CodeDeployStopOutput{Status: string(status), StatusMessage: "the deployment had already ended", AlreadyInPlace: true}, nil
	case cdtypes.DeploymentStatusSucceeded:
		return CodeDeployStopOutput{}, nonRetryable(ErrRejected,
			"stop CodeDeploy deployment %s: it already succeeded; deploy the previous revision instead", in.DeploymentID)
	}
	stop, err := a.codedeploy.StopDeployment(ctx, &codedeploy.StopDeploymentInput{
		DeploymentId:        awssdk.String(in.DeploymentID),
		AutoRollbackEnabled: awssdk.Bool(in.rollback()),
	})
	if err != nil {
		// A deployment that ended meanwhile is checked again by the next attempt.
		return CodeDeployStopOutput{}, classify(fmt.Sprintf("stop CodeDeploy deployment %s", in.DeploymentID), err,
			"DeploymentAlreadyCompletedException")
	}
	out := CodeDeployStopOutput{Status: string(stop.Status), StatusMessage: clean(awssdk.ToString(stop.StatusMessage), 500)}
	a.logger.Info("stopped CodeDeploy deployment", "action", "aws.codedeploy_stop", "deployment_id", in.DeploymentID,
		"rollback", in.rollback(), "status", out.Status, "idempotency_key", in.IdempotencyKey)
	return out, nil
}
