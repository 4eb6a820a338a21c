package aws

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// flagDoc returns feature flag JSON with flag checkout-v2 whose values are value.
func flagDoc(value string) string {
	return `{"version":"1","flags":{"checkout-v2":{"name":"Checkout v2","_createdAt":"2026-01-01T00:00:00Z"},"search":{"name":"Search"}},
		"values":{"checkout-v2":` + value + `,"search":{"enabled":true}}}`
}

// flagDocWithAttr is flagDoc with the customers attribute declared.
func flagDocWithAttr(value string) string {
	return `{"version":"1","flags":{"checkout-v2":{"name":"Checkout v2","_createdAt":"2026-01-01T00:00:00Z",
		"attributes":{"customers":{"constraints":{"type":"array","elements":{"type":"string"}}}}},"search":{"name":"Search"}},
		"values":{"checkout-v2":` + value + `,"search":{"enabled":true}}}`
}

func TestSetFlag(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		enabled   bool
		customers []string
		want      string // empty: unchanged
		wantErr   string
	}{
		{name: "off for everyone", content: flagDoc(`{"enabled":true,"_updatedAt":"x"}`),
			want: flagDoc(`{"enabled":false,"_updatedAt":"x"}`)},
		{name: "already off for everyone", content: flagDoc(`{"enabled":false}`)},
		{name: "missing enabled counts as off", content: flagDoc(`{}`)},
		{name: "on for everyone drops the customer list", content: flagDocWithAttr(`{"enabled":false,"customers":["acme"]}`), enabled: true,
			want: flagDocWithAttr(`{"enabled":true}`)},
		{name: "off for two customers declares the attribute", content: flagDoc(`{"enabled":true}`), customers: []string{"globex", "acme"},
			want: flagDocWithAttr(`{"enabled":false,"customers":["acme","globex"]}`)},
		{name: "off for one more customer keeps the others off", content: flagDocWithAttr(`{"enabled":false,"customers":["acme"]}`),
			customers: []string{"globex"}, want: flagDocWithAttr(`{"enabled":false,"customers":["acme","globex"]}`)},
		{name: "already off for the customers", content: flagDocWithAttr(`{"enabled":false,"customers":["acme","globex"]}`),
			customers: []string{"globex"}},
		{name: "already off for everyone, so for the customers", content: flagDoc(`{"enabled":false}`), customers: []string{"acme"}},
		{name: "back on for a customer", content: flagDocWithAttr(`{"enabled":false,"customers":["acme","globex"]}`), enabled: true,
			customers: []string{"acme"}, want: flagDocWithAttr(`{"enabled":false,"customers":["globex"]}`)},
		{name: "back on for the last customer", content: flagDocWithAttr(`{"enabled":false,"customers":["acme"]}`), enabled: true,
			customers: []string{"acme"}, want: flagDocWithAttr(`{"enabled":true}`)},
		{name: "unknown flag", content: `{"version":"1","flags":{"search":{}},"values":{}}`, wantErr: "no flag checkout-v2"},
		{name: "other format version", content: `{"version":"2","flags":{},"values":{}}`, wantErr: `want feature flag format version "1"`},
		{name: "not JSON", content: `enabled=false`, wantErr: "parse feature flag JSON"},
		{name: "enabled is not a boolean", content: flagDoc(`{"enabled":"no"}`), wantErr: "not a boolean"},
		{name: "customers attribute of another type", customers: []string{"acme"},
			content: `{"version":"1","flags":{"checkout-v2":{"attributes":{"customers":{"constraints":{"type":"string"}}}}},"values":{"checkout-v2":{"enabled":true}}}`,
			wantErr: "declared, but not as an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := setFlag([]byte(tt.content), "checkout-v2", tt.enabled, tt.customers)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			if tt.want == "" {
				require.False(t, changed)
				require.Equal(t, tt.content, string(got))
				return
			}
			require.True(t, changed)
			require.JSONEq(t, tt.want, string(got))
			// Setting the same state again changes nothing: set, never toggle.
			_, again, err := setFlag(got, "checkout-v2", tt.enabled, tt.customers)
			require.NoError(t, err)
			require.False(t, again)
		})
	}
}

func TestSetAppConfigFlag(t *testing.T) {
	const (
		apps     = "/applications"
		envs     = "/applications/app1234/environments"
		profiles = "/applications/app1234/configurationprofiles"
		versions = "/applications/app1234/configurationprofiles/prof567/hostedconfigurationversions"
		deploys  = "/applications/app1234/environments/env890/deployments"
	)
	page := q("max_results", "50")
	resolve := []call{
		{method: "GET", path: apps, query: page, reply: `{"Items":[{"Id":"other12","Name":"search"},{"Id":"app1234","Name":"shop"}]}`},
		{method: "GET", path: envs, query: page, reply: `{"Items":[{"Id":"env890","Name":"production"},{"Id":"env111","Name":"staging"}]}`},
		{method: "GET", path: profiles, query: page,
			reply: `{"Items":[{"Id":"prof567","Name":"flags","Type":"AWS.AppConfig.FeatureFlags","LocationUri":"hosted"}]}`},
		{method: "GET", path: versions, query: page, reply: `{"Items":[{"VersionNumber":4},{"VersionNumber":3}]}`},
	}
	getVersion := func(content string) call {
		return call{method: "GET", path: versions + "/4", reply: content,
			replyHeader: map[string]string{"Version-Number": "4", "Content-Type": "application/json"}}
	}
	description := "firebreak:" + testKey + " switch AppConfig flag checkout-v2 off for everyone in shop/production"
	byIDs := "firebreak:" + testKey + " switch AppConfig flag checkout-v2 off for everyone in app1234/env890"
	createDesc := func(content, description string) call {
		return call{method: "POST", path: versions, body: content, status: 201,
			header:      map[string]string{"Content-Type": "application/json", "Latest-Version-Number": "4", "Description": description},
			replyHeader: map[string]string{"Version-Number": "5", "Content-Type": "application/json"}}
	}
	create := func(content string) call { return createDesc(content, description) }
	deployDesc := func(version, strategy, description string) call {
		return call{method: "POST", path: deploys, status: 201,
			body: mustJSON(t, map[string]string{"ConfigurationProfileId": "prof567", "ConfigurationVersion": version,
				"DeploymentStrategyId": strategy, "Description": description}),
			reply: `{"DeploymentNumber":8,"State":"DEPLOYING"}`}
	}
	deploy := func(version, strategy string) call { return deployDesc(version, strategy, description) }
	listDeploys := func(version, state string) call {
		return call{method: "GET", path: deploys, query: page,
			reply: `{"Items":[{"DeploymentNumber":9,"ConfigurationName":"other","ConfigurationVersion":"1","State":"COMPLETE"},
				{"DeploymentNumber":7,"ConfigurationName":"flags","ConfigurationVersion":"` + version + `","State":"` + state + `"}]}`}
	}
	on, off := flagDoc(`{"enabled":true}`), flagDoc(`{"enabled":false}`)
	concat := func(parts ...[]call) []call {
		var out []call
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		input   func(*AppConfigFlagInput)
		script  []call
		want    AppConfigFlagOutput
		wantErr *errorWant
	}{
		{
			name:   "writes the state into a new version and deploys it",
			script: concat(resolve, []call{getVersion(on), create(compact(t, off)), deploy("5", "AppConfig.AllAtOnce")}),
			want:   AppConfigFlagOutput{Version: 5, DeploymentNumber: 8},
		},
		{
			name: "by IDs, with a deployment strategy",
			input: func(in *AppConfigFlagInput) {
				in.Application, in.Environment, in.Profile, in.DeploymentStrategy = "app1234", "env890", "prof567", "AppConfig.Linear50PercentEvery30Seconds"
			},
			script: concat(resolve, []call{getVersion(on), createDesc(compact(t, off), byIDs),
				deployDesc("5", "AppConfig.Linear50PercentEvery30Seconds", byIDs)}),
			want: AppConfigFlagOutput{Version: 5, DeploymentNumber: 8},
		},
		{
			name:   "already in place: the latest version has the state and is deployed",
			script: concat(resolve, []call{getVersion(off), listDeploys("4", "COMPLETE")}),
			want:   AppConfigFlagOutput{Version: 4, DeploymentNumber: 7, AlreadyInPlace: true},
		},
		{
			name:   "the latest version has the state but is not deployed: deploy it",
			script: concat(resolve, []call{getVersion(off), listDeploys("3", "COMPLETE"), deploy("4", "AppConfig.AllAtOnce")}),
			want:   AppConfigFlagOutput{Version: 4, DeploymentNumber: 8},
		},
		{
			name:   "the latest version's deployment rolled back: deploy it again",
			script: concat(resolve, []call{getVersion(off), listDeploys("4", "ROLLED_BACK"), deploy("4", "AppConfig.AllAtOnce")}),
			want:   AppConfigFlagOutput{Version: 4, DeploymentNumber: 8},
		},
		{
			name: "a version created meanwhile is retried",
			script: concat(resolve, []call{getVersion(on),
				create(compact(t, off)).with(call{status: 409, replyHeader: map[string]string{"X-Amzn-ErrorType": "ConflictException"},
					reply: `{"Message":"LatestVersionNumber does not match"}`})}),
			wantErr: &errorWant{contains: "ConflictException"},
		},
		{
			name: "a deployment in progress is retried",
			script: concat(resolve, []call{getVersion(on), create(compact(t, off)),
				deploy("5", "AppConfig.AllAtOnce").with(call{status: 409, replyHeader: map[string]string{"X-Amzn-ErrorType": "ConflictException"},
					reply: `{"Message":"Deployment number 7 already in progress"}`})}),
			wantErr: &errorWant{contains: "already in progress"},
		},
		{
			name:    "unknown flag is not retryable",
			input:   func(in *AppConfigFlagInput) { in.Flag = "payments" },
			script:  concat(resolve, []call{getVersion(on)}),
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "no flag payments"},
		},
		{
			name:    "unknown environment is not retryable",
			input:   func(in *AppConfigFlagInput) { in.Environment = "dr" },
			script:  resolve[:2],
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "environment dr"},
		},
		{
			name: "a profile that is not feature flags is not retryable",
			script: concat(resolve[:2], []call{{method: "GET", path: profiles, query: page,
				reply: `{"Items":[{"Id":"prof567","Name":"flags","Type":"AWS.Freeform","LocationUri":"hosted"}]}`}}),
			wantErr: &errorWant{errType: ErrRejected, nonRetryable: true, contains: "AWS.Freeform"},
		},
		{
			name:    "control characters in a customer are bad input",
			input:   func(in *AppConfigFlagInput) { in.Customers = []string{"acme\x1b[2J"} },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "customers"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, done := newFake(t, tt.script)
			in := AppConfigFlagInput{Application: "shop", Environment: "production", Profile: "flags", Flag: "checkout-v2", IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			val, err := newEnv(a).ExecuteActivity(a.SetAppConfigFlag, in)
			done()
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got AppConfigFlagOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
		})
	}
}

// compact re-encodes JSON the way setFlag writes it, for comparison.
func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return mustJSON(t, v)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestAppConfigFlagInputSummary(t *testing.T) {
	tests := []struct {
		name string
		in   AppConfigFlagInput
		want string
	}{
		{"everyone", AppConfigFlagInput{Application: "shop", Environment: "production", Flag: "checkout-v2"},
			"switch AppConfig flag checkout-v2 off for everyone in shop/production"},
		{"customers", AppConfigFlagInput{Application: "shop", Environment: "production", Flag: "checkout-v2", Enabled: true,
			Customers: []string{"acme", "globex", "initech", "umbrella"}},
			"switch AppConfig flag checkout-v2 on for customers acme, globex, initech and 1 more in shop/production"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.Summary())
		})
	}
}
