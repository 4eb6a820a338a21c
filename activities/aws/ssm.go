package aws

import (
	"context"
	"crypto/sha256"
	"fmt"
	"regexp"
	"slices"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// ssmAPI is the part of the Systems Manager API the Automation action uses.
type ssmAPI interface {
	StartAutomationExecution(context.Context, *ssm.StartAutomationExecutionInput, ...func(*ssm.Options)) (*ssm.StartAutomationExecutionOutput, error)
	GetAutomationExecution(context.Context, *ssm.GetAutomationExecutionInput, ...func(*ssm.Options)) (*ssm.GetAutomationExecutionOutput, error)
}

const (
	defaultAutomationTimeout = 30 * time.Minute
	maxAutomationTimeout     = 72 * time.Hour
	maxParameters            = 200
	maxParameterValues       = 100
	maxParameterBytes        = 64 << 10
)

var (
	documentPattern  = regexp.MustCompile(`^(arn:aws[a-z-]*:ssm:[a-z0-9-]*:\d{0,12}:document/)?[A-Za-z0-9_.:/-]{3,128}$`)
	parameterPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,50}$`)
)

// Statuses of an Automation execution that has ended.
var (
	automationSucceeded = []ssmtypes.AutomationExecutionStatus{
		ssmtypes.AutomationExecutionStatusSuccess, ssmtypes.AutomationExecutionStatusCompletedWithSuccess,
	}
	automationFailed = []ssmtypes.AutomationExecutionStatus{
		ssmtypes.AutomationExecutionStatusFailed, ssmtypes.AutomationExecutionStatusTimedout,
		ssmtypes.AutomationExecutionStatusCancelled, ssmtypes.AutomationExecutionStatusRejected,
		ssmtypes.AutomationExecutionStatusCompletedWithFailure, ssmtypes.AutomationExecutionStatusExited,
		ssmtypes.AutomationExecutionStatusChangeCalendarOverrideRejected,
	}
)

// ssmProgress is what RunSSMAutomation records in its heartbeat.
type ssmProgress struct {
	ExecutionID string    `json:"execution_id"`
	Deadline    time.Time `json:"deadline,omitzero"`
}

func (in SSMAutomationInput) validate() error {
	if err := checkName("document", in.Document, documentPattern); err != nil {
		return err
	}
	if len(in.Parameters) > maxParameters {
		return badInput("parameters: %d parameters, at most %d", len(in.Parameters), maxParameters)
	}
	size := 0
	for k, vs := range in.Parameters {
		if !parameterPattern.MatchString(k) {
			return badInput("parameters: %q is not a valid parameter name", clean(k, 60))
		}
		if len(vs) > maxParameterValues {
			return badInput("parameters.%s: %d values, at most %d", k, len(vs), maxParameterValues)
		}
		for _, v := range vs {
			size += len(v)
		}
	}
	if size > maxParameterBytes {
		return badInput("parameters: %d bytes of values, at most %d", size, maxParameterBytes)
	}
	if in.Timeout < 0 || time.Duration(in.Timeout) > maxAutomationTimeout {
		return badInput("timeout %s: want between 0 and %s", time.Duration(in.Timeout), maxAutomationTimeout)
	}
	return checkKey(in.IdempotencyKey)
}

// clientToken returns the UUID-formatted client token made from an idempotency key: the same
// key always gives the same token.
func clientToken(key string) string {
	h := sha256.Sum256([]byte("firebreak:" + key))
	h[6] = h[6]&0x0f | 0x50 // version 5 (name-based)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// RunSSMAutomation starts a Systems Manager Automation runbook with parameters and, unless
// in.Wait is false, waits, heartbeating, until the execution ends. The client token is a UUID
// made from the idempotency key, so Systems Manager never starts a second execution for the
// step; the heartbeat records the execution, so a retried attempt waits for the same one and
// reports already_in_place. An execution that ends in any state but Success is a
// non-retryable Failed error; one still running at the timeout is a Timeout error and keeps
// running.
func (a *Activities) RunSSMAutomation(ctx context.Context, in SSMAutomationInput) (SSMAutomationOutput, error) {
	if err := in.validate(); err != nil {
		return SSMAutomationOutput{}, err
	}
	var p ssmProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			return SSMAutomationOutput{}, badInput("read heartbeat details of an earlier attempt: %v", err)
		}
	}
	out := SSMAutomationOutput{ExecutionID: p.ExecutionID, AlreadyInPlace: p.ExecutionID != ""}
	if p.ExecutionID == "" {
		started, err := a.ssm.StartAutomationExecution(ctx, &ssm.StartAutomationExecutionInput{
			DocumentName: awssdk.String(in.Document),
			Parameters:   in.Parameters,
			ClientToken:  awssdk.String(clientToken(in.IdempotencyKey)),
		})
		if err != nil {
			return SSMAutomationOutput{}, classify(fmt.Sprintf("start SSM Automation %s", in.Document), err)
		}
		p.ExecutionID = awssdk.ToString(started.AutomationExecutionId)
		if p.ExecutionID == "" {
			return SSMAutomationOutput{}, fmt.Errorf("start SSM Automation %s: AWS returned no execution ID", in.Document)
		}
		out.ExecutionID = p.ExecutionID
		activity.RecordHeartbeat(ctx, p)
		a.logger.Info("started SSM Automation", "action", "aws.ssm_automation", "document", in.Document,
			"execution_id", p.ExecutionID, "idempotency_key", in.IdempotencyKey)
	}
	if in.Wait != nil && !*in.Wait {
		out.Status = string(ssmtypes.AutomationExecutionStatusInprogress)
		return out, nil
	}
	if p.Deadline.IsZero() {
		timeout := time.Duration(in.Timeout)
		if timeout == 0 {
			timeout = defaultAutomationTimeout
		}
		p.Deadline = time.Now().Add(timeout)
		activity.RecordHeartbeat(ctx, p)
	}
	for {
		got, err := a.ssm.GetAutomationExecution(ctx, &ssm.GetAutomationExecutionInput{AutomationExecutionId: awssdk.String(p.ExecutionID)})
		if err != nil {
			return out, classify(fmt.Sprintf("get SSM Automation execution %s", p.ExecutionID), err)
		}
		var status ssmtypes.AutomationExecutionStatus
		failure := ""
		if e := got.AutomationExecution; e != nil {
			status, failure = e.AutomationExecutionStatus, awssdk.ToString(e.FailureMessage)
		}
		out.Status = string(status)
		switch {
		case slices.Contains(automationSucceeded, status):
			return out, nil
		case slices.Contains(automationFailed, status):
			msg := fmt.Sprintf("SSM Automation execution %s of %s ended %s", p.ExecutionID, in.Document, clean(out.Status, 40))
			if failure != "" {
				msg += ": " + clean(failure, 300)
			}
			return out, temporal.NewNonRetryableApplicationError(msg, ErrFailed, nil, out)
		}
		activity.RecordHeartbeat(ctx, p)
		if !time.Now().Before(p.Deadline) {
			return out, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("wait for SSM Automation execution %s: still %s at the deadline", p.ExecutionID, clean(out.Status, 40)),
				ErrTimeout, nil, out)
		}
		if !sleep(ctx.Done(), min(a.poll, time.Until(p.Deadline)+time.Millisecond)) {
			return out, fmt.Errorf("wait for SSM Automation execution %s: %w", p.ExecutionID, ctx.Err())
		}
	}
}
