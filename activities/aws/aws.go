// Package aws holds the runbook actions that act on AWS: put an ECS service back on an earlier
// task definition, move or shift a Lambda alias, stop a CodeDeploy deployment with rollback,
// set an AppConfig feature flag and run an SSM Automation document. Each action is a Temporal
// activity method on Activities with one input and one output struct whose JSON field names
// are the runbook catalog's parameter names.
package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/firebreak-dev/firebreak/internal/httplimit"
)

// Defaults of Options' zero values.
const (
	defaultPollInterval = 10 * time.Second
	defaultMaxWait      = 30 * time.Minute
	requestTimeout      = 30 * time.Second
	// maxResponseBytes bounds every response body read from AWS.
	maxResponseBytes = 8 << 20
)

// Options tunes Activities. Their zero values are safe defaults.
type Options struct {
	// PollInterval is how often the actions poll while they wait; zero means 10 seconds.
	PollInterval time.Duration
	// MaxWait bounds the wait for an ECS service to become stable; zero means 30 minutes.
	MaxWait time.Duration
}

// Activities runs the AWS actions. Workflows call its methods through a nil pointer; the
// worker registers one made by New. It is safe for concurrent use.
type Activities struct {
	ecs        ecsAPI
	lambda     lambdaAPI
	codedeploy codeDeployAPI
	appconfig  appConfigAPI
	ssm        ssmAPI
	logger     *slog.Logger
	poll       time.Duration
	maxWait    time.Duration
}

// LoadConfig loads the AWS configuration from the default chain: the environment
// (AWS_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_PROFILE, ...), the shared files, web
// identity and the instance or container role. Every request times out after 30 seconds and
// every response is limited to 8 MB.
func LoadConfig(ctx context.Context) (awssdk.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(requestTimeout)))
	if err != nil {
		return awssdk.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	// Wrapped after loading: a custom CA bundle (AWS_CA_BUNDLE) needs the buildable client.
	cfg.HTTPClient = limitClient{next: cfg.HTTPClient, max: maxResponseBytes}
	if cfg.Region == "" {
		return awssdk.Config{}, errors.New("load AWS configuration: no region; set AWS_REGION or a profile's region")
	}
	return cfg, nil
}

// New returns Activities whose clients use cfg, as LoadConfig returns it.
func New(cfg awssdk.Config, logger *slog.Logger, opts Options) *Activities {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = defaultPollInterval
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = defaultMaxWait
	}
	return &Activities{
		ecs:        ecs.NewFromConfig(cfg),
		lambda:     lambda.NewFromConfig(cfg),
		codedeploy: codedeploy.NewFromConfig(cfg),
		appconfig:  appconfig.NewFromConfig(cfg),
		ssm:        ssm.NewFromConfig(cfg),
		logger:     logger,
		poll:       opts.PollInterval,
		maxWait:    opts.MaxWait,
	}
}

// Actions returns the activity of each of a's actions by its runbook catalog name. It is a
// function, not a method, so that registering Activities registers only activities.
func Actions(a *Activities) map[string]any {
	return map[string]any{
		"aws.ecs_rollback":    a.RollbackECSService,
		"aws.lambda_rollback": a.RollbackLambdaAlias,
		"aws.codedeploy_stop": a.StopCodeDeployDeployment,
		"aws.appconfig_flag":  a.SetAppConfigFlag,
		"aws.ssm_automation":  a.RunSSMAutomation,
	}
}

// limitClient fails the read of any response body longer than max bytes.
type limitClient struct {
	next awssdk.HTTPClient
	max  int64
}

// Do sends r and limits the body of its response.
func (c limitClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err != nil {
		return nil, err
	}
	resp.Body = httplimit.Body(resp.Body, c.max, errBodyTooLarge)
	return resp, nil
}

// errBodyTooLarge is what reading a response body past the limit returns.
var errBodyTooLarge = errors.New("response body exceeds 8 MB")

// maxKeyLen bounds idempotency keys, which go into tags and descriptions.
const maxKeyLen = 200

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/=@+-]*$`)

// checkKey validates an idempotency key.
func checkKey(key string) error {
	if key == "" {
		return badInput("missing idempotency_key")
	}
	if len(key) > maxKeyLen || !keyPattern.MatchString(key) {
		return badInput("idempotency_key %q: want at most %d characters of letters, digits and ._:/=@+-", clean(key, 80), maxKeyLen)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// clean makes text from outside safe to print: control and bidirectional formatting
// characters become spaces and the text is cut to max bytes on a rune boundary.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if isControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return ' '
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// checkName validates a required resource name or ARN.
func checkName(field, v string, pattern *regexp.Regexp) error {
	if v == "" {
		return badInput("missing %s", field)
	}
	if !pattern.MatchString(v) {
		return badInput("%s %q is not a valid name or ARN", field, clean(v, 120))
	}
	return nil
}

// sleep waits for d and reports true, or reports false when done closes first.
func sleep(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}
