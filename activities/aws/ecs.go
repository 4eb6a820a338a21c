package aws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// ecsAPI is the part of the ECS API the rollback uses.
type ecsAPI interface {
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	ListTaskDefinitions(context.Context, *ecs.ListTaskDefinitionsInput, ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	TagResource(context.Context, *ecs.TagResourceInput, ...func(*ecs.Options)) (*ecs.TagResourceOutput, error)
}

// Tags the rollback leaves on the service, so that a retry of the step puts it on the same task
// definition instead of going back one more revision: the step's key and the revision it moves
// the service from. Versions before 2026-12-02 also tagged the target (tagRollbackTo), which a
// retry still honours.
const (
	tagRollbackKey  = "firebreak:rollback-key"
	tagRollbackFrom = "firebreak:rollback-from"
	tagRollbackTo   = "firebreak:rollback-to"
)

// maxTaskDefinitionPages bounds the pages of 100 task definitions searched for the previous
// revision.
const maxTaskDefinitionPages = 20

var (
	ecsNamePattern = regexp.MustCompile(`^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:[a-z-]+/[A-Za-z0-9/_-]{1,512}|[A-Za-z0-9_-]{1,255})$`)
	taskDefPattern = regexp.MustCompile(`^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/)?[A-Za-z0-9_-]{1,255}:\d{1,9}$`)
)

// ecsProgress is what RollbackECSService records in its heartbeats: the task definition it moves
// the service from, decided once per step (the attempt's first heartbeat holds only that), and
// then the one it moves it to.
type ecsProgress struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (in ECSRollbackInput) validate() error {
	if err := checkName("cluster", in.Cluster, ecsNamePattern); err != nil {
		return err
	}
	if err := checkName("service", in.Service, ecsNamePattern); err != nil {
		return err
	}
	if in.TaskDefinition != "" && !taskDefPattern.MatchString(in.TaskDefinition) {
		return badInput("task_definition %q: want family:revision or a task definition ARN", clean(in.TaskDefinition, 200))
	}
	return checkKey(in.IdempotencyKey)
}

// shortTaskDefinition returns family:revision of a task definition ARN, or s itself.
func shortTaskDefinition(s string) string {
	if _, after, ok := strings.Cut(s, ":task-definition/"); ok {
		return after
	}
	return s
}

// splitTaskDefinition returns the family and revision of a family:revision or ARN.
func splitTaskDefinition(s string) (family string, revision int, ok bool) {
	family, rev, ok := strings.Cut(shortTaskDefinition(s), ":")
	if !ok {
		return "", 0, false
	}
	n, err := strconv.Atoi(rev)
	if err != nil {
		return "", 0, false
	}
	return family, n, true
}

// RollbackECSService puts an ECS service on an earlier task definition: the one named, or the
// newest ACTIVE revision of its current family older than its current one, and unless in.Wait
// is false waits, heartbeating, until the service is stable (one deployment, all desired tasks
// running). The target is decided once per step: the attempt's first heartbeat and the service's
// tags firebreak:rollback-key and firebreak:rollback-from record the revision it is decided from
// before the change, so a retry puts the service on the same revision rather than one further
// back, and a service already on it is already_in_place. A failed ECS deployment is a
// non-retryable Failed error.
func (a *Activities) RollbackECSService(ctx context.Context, in ECSRollbackInput) (ECSRollbackOutput, error) {
	if err := in.validate(); err != nil {
		return ECSRollbackOutput{}, err
	}
	log := a.logger.With("action", "aws.ecs_rollback", "cluster", in.Cluster, "service", in.Service, "idempotency_key", in.IdempotencyKey)
	svc, err := a.describeService(ctx, in.Cluster, in.Service)
	if err != nil {
		return ECSRollbackOutput{}, err
	}
	current := awssdk.ToString(svc.TaskDefinition)

	var p ecsProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			return ECSRollbackOutput{}, badInput("read heartbeat details of an earlier attempt: %v", err)
		}
	}
	if p.To == "" {
		if tagged := recordedRollback(svc.Tags, in.IdempotencyKey, current); tagged.To != "" {
			p = tagged
		} else {
			p.From = cmp.Or(p.From, tagged.From)
		}
	}
	if p.To == "" {
		// The origin goes into the attempt's first heartbeat (sent at once) and on the service's
		// tags while the target is looked up, all before the change: a retry takes the origin
		// from either and finds the same target from it.
		from := cmp.Or(p.From, current)
		var recorded sync.WaitGroup
		recorded.Go(func() { activity.RecordHeartbeat(ctx, ecsProgress{From: from}) })
		recorded.Go(func() { a.tagRollback(ctx, log, svc, in.IdempotencyKey, from) })
		to, err := a.rollbackTarget(ctx, in, from)
		recorded.Wait()
		if err != nil {
			return ECSRollbackOutput{}, err
		}
		p = ecsProgress{From: from, To: to}
	}

	out := ECSRollbackOutput{From: shortTaskDefinition(p.From), To: shortTaskDefinition(p.To)}
	if sameTaskDefinition(current, p.To) {
		out.AlreadyInPlace = true
		log.Info("service already on the task definition", "task_definition", out.To)
	} else {
		_, err := a.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{
			Cluster:        awssdk.String(in.Cluster),
			Service:        awssdk.String(in.Service),
			TaskDefinition: awssdk.String(p.To),
		})
		if err != nil {
			return ECSRollbackOutput{}, classify(fmt.Sprintf("update ECS service %s to %s", in.Service, out.To), err)
		}
		log.Info("rolled back ECS service", "from", out.From, "to", out.To)
	}
	if in.Wait != nil && !*in.Wait {
		return out, nil
	}
	return out, a.waitStable(ctx, in, p, out)
}

// recordedRollback returns the rollback the service's tags record for the key, if any: its
// origin, and its target when an earlier version of the step tagged that too.
func recordedRollback(tags []ecstypes.Tag, key, current string) ecsProgress {
	var gotKey, from, to string
	for _, t := range tags {
		switch awssdk.ToString(t.Key) {
		case tagRollbackKey:
			gotKey = awssdk.ToString(t.Value)
		case tagRollbackFrom:
			from = awssdk.ToString(t.Value)
		case tagRollbackTo:
			to = awssdk.ToString(t.Value)
		}
	}
	if gotKey != key {
		return ecsProgress{}
	}
	p := ecsProgress{From: from, To: to}
	if !taskDefPattern.MatchString(from) {
		p.From = ""
	}
	if !taskDefPattern.MatchString(to) {
		p.To = ""
	}
	if p.To != "" {
		p.From = cmp.Or(p.From, current)
	}
	return p
}

// sameTaskDefinition reports whether two task definitions, as ARN or family:revision, are the
// same revision.
func sameTaskDefinition(x, y string) bool {
	return shortTaskDefinition(x) == shortTaskDefinition(y)
}

// describeService returns the ACTIVE service with its tags.
func (a *Activities) describeService(ctx context.Context, cluster, service string) (*ecstypes.Service, error) {
	out, err := a.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster:  awssdk.String(cluster),
		Services: []string{service},
		Include:  []ecstypes.ServiceField{ecstypes.ServiceFieldTags},
	})
	if err != nil {
		return nil, classify(fmt.Sprintf("describe ECS service %s", service), err)
	}
	for i := range out.Services {
		if s := &out.Services[i]; awssdk.ToString(s.Status) == "ACTIVE" {
			return s, nil
		}
	}
	reason := "not found"
	if len(out.Failures) > 0 {
		reason = strings.ToLower(clean(awssdk.ToString(out.Failures[0].Reason), 80))
	}
	return nil, nonRetryable(ErrNotFound, "describe ECS service %s in cluster %s: %s", service, cluster, reason)
}

// rollbackTarget returns the ARN of the task definition to put the service on.
func (a *Activities) rollbackTarget(ctx context.Context, in ECSRollbackInput, current string) (string, error) {
	if in.TaskDefinition != "" {
		td, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: awssdk.String(in.TaskDefinition)})
		if err != nil {
			op := fmt.Sprintf("describe task definition %s", shortTaskDefinition(in.TaskDefinition))
			var api smithy.APIError
			if errors.As(err, &api) && api.ErrorCode() == "ClientException" {
				// ECS answers ClientException for a task definition it does not have.
				return "", nonRetryable(ErrNotFound, "%s: %s", op, clean(api.ErrorMessage(), 200))
			}
			return "", classify(op, err)
		}
		return awssdk.ToString(td.TaskDefinition.TaskDefinitionArn), nil
	}
	family, revision, ok := splitTaskDefinition(current)
	if !ok {
		return "", fmt.Errorf("find previous task definition: service is on %q, not a family:revision", clean(current, 200))
	}
	req := &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: awssdk.String(family),
		Status:       ecstypes.TaskDefinitionStatusActive,
		Sort:         ecstypes.SortOrderDesc,
		MaxResults:   awssdk.Int32(100),
	}
	best, bestRevision := "", 0
	for range maxTaskDefinitionPages {
		page, err := a.ecs.ListTaskDefinitions(ctx, req)
		if err != nil {
			return "", classify(fmt.Sprintf("list task definitions of %s", family), err)
		}
		for _, arn := range page.TaskDefinitionArns {
			f, r, ok := splitTaskDefinition(arn)
			if ok && f == family && r < revision && r > bestRevision {
				best, bestRevision = arn, r
			}
		}
		if page.NextToken == nil {
			break
		}
		req.NextToken = page.NextToken
	}
	if best == "" {
		return "", nonRetryable(ErrNotFound, "find previous task definition of %s:%d: no older ACTIVE revision", family, revision)
	}
	return best, nil
}

// tagRollback records the step's key and origin on the service. A service that cannot be
// tagged (an old ARN format, or no ecs:TagResource permission) is rolled back all the same;
// then only the heartbeat records the origin.
func (a *Activities) tagRollback(ctx context.Context, log *slog.Logger, svc *ecstypes.Service, key, from string) {
	_, err := a.ecs.TagResource(ctx, &ecs.TagResourceInput{
		ResourceArn: svc.ServiceArn,
		Tags: []ecstypes.Tag{
			{Key: awssdk.String(tagRollbackKey), Value: awssdk.String(key)},
			{Key: awssdk.String(tagRollbackFrom), Value: awssdk.String(shortTaskDefinition(from))},
		},
	})
	if err != nil {
		log.Warn("could not tag the ECS service with the rollback", "error", classify("tag ECS service", err))
	}
}

// waitStable polls the service until it has one deployment and runs its desired count.
func (a *Activities) waitStable(ctx context.Context, in ECSRollbackInput, p ecsProgress, out ECSRollbackOutput) error {
	deadline := time.Now().Add(a.maxWait)
	for {
		svc, err := a.describeService(ctx, in.Cluster, in.Service)
		if err != nil {
			return err
		}
		for _, d := range svc.Deployments {
			if awssdk.ToString(d.Status) == "PRIMARY" && d.RolloutState == ecstypes.DeploymentRolloutStateFailed {
				return temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("roll back ECS service %s to %s: deployment failed: %s", in.Service, out.To,
						clean(awssdk.ToString(d.RolloutStateReason), 300)), ErrFailed, nil, out)
			}
		}
		if len(svc.Deployments) == 1 && svc.RunningCount == svc.DesiredCount {
			return nil
		}
		activity.RecordHeartbeat(ctx, p)
		if !time.Now().Before(deadline) {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("wait for ECS service %s to be stable: %d deployments, %d of %d tasks running after %s",
					in.Service, len(svc.Deployments), svc.RunningCount, svc.DesiredCount, a.maxWait), ErrTimeout, nil, out)
		}
		if !sleep(ctx.Done(), a.poll) {
			return fmt.Errorf("wait for ECS service %s to be stable: %w", in.Service, ctx.Err())
		}
	}
}
