package aws

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/mototest"
)

// createRole creates an IAM role on moto through the IAM query API (the project has no IAM
// client) and returns its ARN.
func createRole(t *testing.T, base, name string) string {
	t.Helper()
	form := url.Values{
		"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {name},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
	}
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto_server picks the service by the credential scope.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	return "arn:aws:iam::123456789012:role/" + name
}

// lambdaFixture creates function checkout-fn with published versions 1..versions and alias
// live on version current, with routing weights.
func lambdaFixture(t *testing.T, base string, client *lambda.Client, versions int, current string, weights map[string]float64) {
	t.Helper()
	// moto loads a service on its first call: slow on a busy machine.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	role := createRole(t, base, "checkout-fn-role")
	var code bytes.Buffer
	zw := zip.NewWriter(&code)
	f, err := zw.Create("index.py")
	require.NoError(t, err)
	_, err = f.Write([]byte("def handler(event, context):\n    return 'ok'\n"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	_, err = client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: awssdk.String("checkout-fn"),
		Runtime:      lambdatypes.RuntimePython312,
		Role:         awssdk.String(role),
		Handler:      awssdk.String("index.handler"),
		Code:         &lambdatypes.FunctionCode{ZipFile: code.Bytes()},
	})
	require.NoError(t, err)
	for v := range versions {
		if v > 0 {
			_, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
				FunctionName: awssdk.String("checkout-fn"), Description: awssdk.String(strings.Repeat("v", v+1)),
			})
			require.NoError(t, err)
		}
		_, err := client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: awssdk.String("checkout-fn")})
		require.NoError(t, err)
	}
	alias := &lambda.CreateAliasInput{
		FunctionName: awssdk.String("checkout-fn"), Name: awssdk.String("live"), FunctionVersion: awssdk.String(current),
	}
	if weights != nil {
		alias.RoutingConfig = &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
	}
	_, err = client.CreateAlias(ctx, alias)
	require.NoError(t, err)
}

func TestRollbackLambdaAlias(t *testing.T) {
	base := mototest.Start(t)
	useEndpoint(t, base)
	a, cfg := newActivities(t, time.Second)
	client := lambda.NewFromConfig(cfg)
	weight := func(w float64) *float64 { return &w }

	tests := []struct {
		name      string
		versions  int
		current   string
		weights   map[string]float64
		input     func(*LambdaRollbackInput)
		heartbeat *lambdaProgress
		before    bool
		want      LambdaRollbackOutput
		// wantVersion and wantWeights are the alias afterwards.
		wantVersion string
		wantWeights map[string]float64
		wantErr     *errorWant
	}{
		{
			name: "previous version", versions: 3, current: "3",
			want: LambdaRollbackOutput{From: "3", To: "2"}, wantVersion: "2",
		},
		{
			name: "named version", versions: 3, current: "3",
			input: func(in *LambdaRollbackInput) { in.Version = "1" },
			want:  LambdaRollbackOutput{From: "3", To: "1"}, wantVersion: "1",
		},
		{
			name: "a retry of the step does not move back a second version", versions: 3, current: "3", before: true,
			want: LambdaRollbackOutput{From: "3", To: "2", AlreadyInPlace: true}, wantVersion: "2",
		},
		{
			name: "an attempt resumes the target its predecessor recorded", versions: 3, current: "3",
			heartbeat: &lambdaProgress{From: "3", To: "1"},
			want:      LambdaRollbackOutput{From: "3", To: "1"}, wantVersion: "1",
		},
		{
			name: "already in place: the alias is on the named version", versions: 3, current: "2",
			input: func(in *LambdaRollbackInput) { in.Version = "2" },
			want:  LambdaRollbackOutput{From: "2", To: "2", AlreadyInPlace: true}, wantVersion: "2",
		},
		{
			name: "shift a share of traffic to the previous version", versions: 3, current: "3",
			input: func(in *LambdaRollbackInput) { in.Weight = weight(0.25) },
			want:  LambdaRollbackOutput{From: "3", To: "2"}, wantVersion: "3", wantWeights: map[string]float64{"2": 0.25},
		},
		{
			name: "weight 1 moves the alias and ends a shift", versions: 3, current: "3", weights: map[string]float64{"2": 0.1},
			input: func(in *LambdaRollbackInput) { in.Weight = weight(1) },
			want:  LambdaRollbackOutput{From: "3", To: "2"}, wantVersion: "2",
		},
		{
			name: "weight 0 ends a shift", versions: 3, current: "3", weights: map[string]float64{"2": 0.1},
			input: func(in *LambdaRollbackInput) { in.Weight = weight(0); in.Version = "2" },
			want:  LambdaRollbackOutput{From: "3", To: "2"}, wantVersion: "3",
		},
		{
			name: "already in place: the shift is as asked", versions: 3, current: "3", weights: map[string]float64{"2": 0.25},
			input: func(in *LambdaRollbackInput) { in.Weight = weight(0.25); in.Version = "2" },
			want:  LambdaRollbackOutput{From: "3", To: "2", AlreadyInPlace: true}, wantVersion: "3", wantWeights: map[string]float64{"2": 0.25},
		},
		{
			name: "no older version", versions: 1, current: "1", wantVersion: "1",
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "no published version older than 1"},
		},
		{
			name: "unknown alias", versions: 2, current: "2", wantVersion: "2",
			input:   func(in *LambdaRollbackInput) { in.Alias = "canary" },
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "canary"},
		},
		{
			name: "weight above 1 is bad input", versions: 2, current: "2", wantVersion: "2",
			input:   func(in *LambdaRollbackInput) { in.Weight = weight(1.5) },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "weight"},
		},
		{
			name: "shifting to the alias's own version is bad input", versions: 2, current: "2", wantVersion: "2",
			input:   func(in *LambdaRollbackInput) { in.Weight = weight(0.5); in.Version = "2" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "own version"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mototest.Reset(t, base)
			lambdaFixture(t, base, client, tt.versions, tt.current, tt.weights)
			in := LambdaRollbackInput{Function: "checkout-fn", Alias: "live", IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			if tt.before {
				_, err := newEnv(a).ExecuteActivity(a.RollbackLambdaAlias, in)
				require.NoError(t, err)
			}
			env := newEnv(a)
			if tt.heartbeat != nil {
				env.SetHeartbeatDetails(*tt.heartbeat)
			}
			val, err := env.ExecuteActivity(a.RollbackLambdaAlias, in)

			alias, aerr := client.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: awssdk.String("checkout-fn"), Name: awssdk.String("live")})
			require.NoError(t, aerr)
			require.Equal(t, tt.wantVersion, awssdk.ToString(alias.FunctionVersion), "alias version")
			gotWeights := map[string]float64{}
			if alias.RoutingConfig != nil {
				for k, v := range alias.RoutingConfig.AdditionalVersionWeights {
					gotWeights[k] = v
				}
			}
			if tt.wantWeights == nil {
				tt.wantWeights = map[string]float64{}
			}
			require.Equal(t, tt.wantWeights, gotWeights, "alias routing weights")
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got LambdaRollbackOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
			if !got.AlreadyInPlace || tt.before {
				// The idempotency key reached the alias's description.
				require.Equal(t, "firebreak:"+testKey+" from "+tt.want.From+" to "+tt.want.To, awssdk.ToString(alias.Description))
			}
		})
	}
}

func TestLambdaRollbackInputSummary(t *testing.T) {
	w := 0.1
	tests := []struct {
		name string
		in   LambdaRollbackInput
		want string
	}{
		{"previous", LambdaRollbackInput{Function: "checkout-fn", Alias: "live"}, "move Lambda alias checkout-fn:live to its previous version"},
		{"shift", LambdaRollbackInput{Function: "arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn", Alias: "live", Version: "7", Weight: &w},
			"shift 10% of Lambda alias checkout-fn:live traffic to version 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.Summary())
		})
	}
}
