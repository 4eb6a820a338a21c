package aws

import (
	"context"
	"fmt"
	"maps"
	"math"
	"regexp"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"go.temporal.io/sdk/activity"
)

// lambdaAPI is the part of the Lambda API the rollback uses.
type lambdaAPI interface {
	GetAlias(context.Context, *lambda.GetAliasInput, ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
	ListVersionsByFunction(context.Context, *lambda.ListVersionsByFunctionInput, ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error)
	UpdateAlias(context.Context, *lambda.UpdateAliasInput, ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
}

// maxVersionPages bounds the pages of 50 versions searched for the previous version.
const maxVersionPages = 40

var (
	functionPattern = regexp.MustCompile(`^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$`)
	aliasPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	versionPattern  = regexp.MustCompile(`^([0-9]{1,10}|\$LATEST)$`)
)

// lambdaProgress is what RollbackLambdaAlias records in its heartbeat: the versions it moves
// the alias from and to, decided once per step.
type lambdaProgress struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (in LambdaRollbackInput) validate() error {
	if err := checkName("function", in.Function, functionPattern); err != nil {
		return err
	}
	if err := checkName("alias", in.Alias, aliasPattern); err != nil {
		return err
	}
	if versionPattern.MatchString(in.Alias) {
		return badInput("alias %q: an alias name cannot be a number", in.Alias)
	}
	if in.Version != "" && !versionPattern.MatchString(in.Version) {
		return badInput("version %q: want a published version number or $LATEST", clean(in.Version, 40))
	}
	if w := in.Weight; w != nil && (math.IsNaN(*w) || *w < 0 || *w > 1) {
		return badInput("weight %g: want a share of traffic from 0 to 1", *w)
	}
	return checkKey(in.IdempotencyKey)
}

// aliasMarker starts the description the rollback gives the alias; the rest says from and to.
func aliasMarker(key string) string { return "firebreak:" + key + " from " }

// RollbackLambdaAlias moves a Lambda alias to an earlier version: the one named, or the
// newest published version older than the alias's current one. With a weight below 1 it
// shifts that share of the alias's traffic to the version instead (routing configuration), and
// a weight of 0 ends the shift. The target is decided once per step: the heartbeat and the
// alias's description ("firebreak:<key> from 7 to 6") record it, so a retry does not go back one
// more version, and an alias already as asked is already_in_place. The update names the
// alias's revision, so it never overwrites a concurrent change.
func (a *Activities) RollbackLambdaAlias(ctx context.Context, in LambdaRollbackInput) (LambdaRollbackOutput, error) {
	if err := in.validate(); err != nil {
		return LambdaRollbackOutput{}, err
	}
	log := a.logger.With("action", "aws.lambda_rollback", "function", in.Function, "alias", in.Alias, "idempotency_key", in.IdempotencyKey)
	alias, err := a.lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: awssdk.String(in.Function), Name: awssdk.String(in.Alias)})
	if err != nil {
		return LambdaRollbackOutput{}, classify(fmt.Sprintf("get Lambda alias %s of %s", in.Alias, in.Function), err)
	}
	current := awssdk.ToString(alias.FunctionVersion)
	weights := map[string]float64{}
	if alias.RoutingConfig != nil {
		maps.Copy(weights, alias.RoutingConfig.AdditionalVersionWeights)
	}

	var p lambdaProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			return LambdaRollbackOutput{}, badInput("read heartbeat details of an earlier attempt: %v", err)
		}
	}
	if p.To == "" {
		if rest, ok := strings.CutPrefix(awssdk.ToString(alias.Description), aliasMarker(in.IdempotencyKey)); ok {
			if from, to, ok := strings.Cut(rest, " to "); ok && versionPattern.MatchString(to) {
				p = lambdaProgress{From: from, To: to}
			}
		}
	}
	if p.To == "" {
		to := in.Version
		if to == "" {
			if to, err = a.previousVersion(ctx, in.Function, current); err != nil {
				return LambdaRollbackOutput{}, err
			}
		}
		p = lambdaProgress{From: current, To: to}
		// The attempt's first heartbeat is sent at once, before the change.
		activity.RecordHeartbeat(ctx, p)
	}

	wantVersion, wantWeights := p.To, map[string]float64{}
	if w := in.Weight; w != nil && *w < 1 {
		wantVersion = p.From
		if p.To == p.From {
			return LambdaRollbackOutput{}, badInput("shift traffic of alias %s to version %s: it is the alias's own version", in.Alias, p.To)
		}
		if *w > 0 {
			wantWeights[p.To] = *w
		}
	}
	out := LambdaRollbackOutput{From: p.From, To: p.To}
	if current == wantVersion && sameWeights(weights, wantWeights) {
		out.AlreadyInPlace = true
		log.Info("alias already as asked", "version", current)
		return out, nil
	}
	_, err = a.lambda.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName:    awssdk.String(in.Function),
		Name:            awssdk.String(in.Alias),
		FunctionVersion: awssdk.String(wantVersion),
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: wantWeights},
		RevisionId:      alias.RevisionId,
		Description:     awssdk.String(aliasMarker(in.IdempotencyKey) + p.From + " to " + p.To),
	})
	if err != nil {
		return LambdaRollbackOutput{}, classify(fmt.Sprintf("update Lambda alias %s of %s", in.Alias, in.Function), err,
			"PreconditionFailedException", "ResourceConflictException")
	}
	log.Info("updated Lambda alias", "from", p.From, "to", p.To, "version", wantVersion, "weights", wantWeights)
	return out, nil
}

// previousVersion returns the newest published version of the function older than current
// ($LATEST is newer than every published version).
func (a *Activities) previousVersion(ctx context.Context, function, current string) (string, error) {
	limit := math.MaxInt
	if current != "$LATEST" {
		n, err := strconv.Atoi(current)
		if err != nil {
			return "", fmt.Errorf("find previous version: alias points to %q, not a version", clean(current, 40))
		}
		limit = n
	}
	req := &lambda.ListVersionsByFunctionInput{FunctionName: awssdk.String(function), MaxItems: awssdk.Int32(50)}
	best := -1
	for range maxVersionPages {
		page, err := a.lambda.ListVersionsByFunction(ctx, req)
		if err != nil {
			return "", classify(fmt.Sprintf("list versions of Lambda function %s", function), err)
		}
		for _, v := range page.Versions {
			n, err := strconv.Atoi(awssdk.ToString(v.Version))
			if err == nil && n < limit && n > best {
				best = n
			}
		}
		if page.NextMarker == nil {
			break
		}
		req.Marker = page.NextMarker
	}
	if best < 0 {
		return "", nonRetryable(ErrNotFound, "find previous version of Lambda function %s: no published version older than %s", function, clean(current, 40))
	}
	return strconv.Itoa(best), nil
}

// sameWeights reports whether two routing configurations send the same shares to the same
// versions.
func sameWeights(x, y map[string]float64) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if w, ok := y[k]; !ok || math.Abs(v-w) > 1e-9 {
			return false
		}
	}
	return true
}
