package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"go.temporal.io/sdk/temporal"
)

// Types of the application errors the actions return; every one is non-retryable, because
// the same call can never succeed. Retryable failures (5xx answers, throttling, network errors,
// timeouts, a change in progress) are plain errors.
const (
	// ErrBadInput is an input the action rejects before calling AWS.
	ErrBadInput = "BadInput"
	// ErrNotFound is a cluster, service, task definition, function, alias, version,
	// deployment, application, environment, profile, flag or document AWS does not know, or
	// one the credentials may not see.
	ErrNotFound = "NotFound"
	// ErrRejected is a request AWS refused for good (a validation error, missing permission or
	// other 4xx answer), or a change that can no longer be made, such as stopping a CodeDeploy
	// deployment that already succeeded.
	ErrRejected = "Rejected"
	// ErrFailed is a change that finished unsuccessfully: an ECS deployment that failed or an
	// Automation execution that did not succeed. The error's details hold the action's output.
	ErrFailed = "Failed"
	// ErrTimeout is a wait that reached its timeout; the error's details hold the output.
	ErrTimeout = "Timeout"
)

func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}

func nonRetryable(errType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), errType, nil)
}

// throttlingCodes are the error codes AWS services use for throttling.
var throttlingCodes = []string{
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
	"SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
}

// notFoundCodes are the error codes that say a resource does not exist.
var notFoundCodes = []string{
	"ResourceNotFoundException", "ServiceNotFoundException", "ClusterNotFoundException",
	"ServiceNotActiveException", "DeploymentDoesNotExistException", "AutomationDefinitionNotFoundException",
	"AutomationDefinitionVersionNotFoundException", "AutomationExecutionNotFoundException", "InvalidDocument",
}

// classify turns an error of an AWS SDK call into the activity's error: non-retryable typed
// application errors for answers that can never succeed and plain errors for the rest.
// retryable names further error codes worth retrying for this call, such as a conflict with a
// change in progress. Text AWS sent is cleaned of control characters and cut short.
func classify(op string, err error, retryable ...string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if errors.Is(err, errBodyTooLarge) {
		return nonRetryable(ErrRejected, "%s: %v", op, errBodyTooLarge)
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return fmt.Errorf("%s: %s", op, clean(err.Error(), 300))
	}
	code := api.ErrorCode()
	msg := fmt.Sprintf("%s: AWS answered %s", op, clean(code, 80))
	if status != 0 {
		msg += fmt.Sprintf(" (%d)", status)
	}
	if m := api.ErrorMessage(); m != "" {
		msg += ": " + clean(m, 300)
	}
	switch {
	case slices.Contains(throttlingCodes, code), slices.Contains(retryable, code),
		status == http.StatusTooManyRequests, status == http.StatusRequestTimeout, status >= 500,
		api.ErrorFault() == smithy.FaultServer:
		return errors.New(msg)
	case slices.Contains(notFoundCodes, code), status == http.StatusNotFound:
		return nonRetryable(ErrNotFound, "%s", msg)
	default:
		return nonRetryable(ErrRejected, "%s", msg)
	}
}
