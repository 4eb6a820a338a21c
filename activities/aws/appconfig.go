package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/appconfig"
	actypes "github.com/aws/aws-sdk-go-v2/service/appconfig/types"
)

// appConfigAPI is the part of the AppConfig API the flag switch uses.
type appConfigAPI interface {
	ListApplications(context.Context, *appconfig.ListApplicationsInput, ...func(*appconfig.Options)) (*appconfig.ListApplicationsOutput, error)
	ListEnvironments(context.Context, *appconfig.ListEnvironmentsInput, ...func(*appconfig.Options)) (*appconfig.ListEnvironmentsOutput, error)
	ListConfigurationProfiles(context.Context, *appconfig.ListConfigurationProfilesInput, ...func(*appconfig.Options)) (*appconfig.ListConfigurationProfilesOutput, error)
	ListHostedConfigurationVersions(context.Context, *appconfig.ListHostedConfigurationVersionsInput, ...func(*appconfig.Options)) (*appconfig.ListHostedConfigurationVersionsOutput, error)
	GetHostedConfigurationVersion(context.Context, *appconfig.GetHostedConfigurationVersionInput, ...func(*appconfig.Options)) (*appconfig.GetHostedConfigurationVersionOutput, error)
	CreateHostedConfigurationVersion(context.Context, *appconfig.CreateHostedConfigurationVersionInput, ...func(*appconfig.Options)) (*appconfig.CreateHostedConfigurationVersionOutput, error)
	ListDeployments(context.Context, *appconfig.ListDeploymentsInput, ...func(*appconfig.Options)) (*appconfig.ListDeploymentsOutput, error)
	StartDeployment(context.Context, *appconfig.StartDeploymentInput, ...func(*appconfig.Options)) (*appconfig.StartDeploymentOutput, error)
}

const (
	defaultDeploymentStrategy = "AppConfig.AllAtOnce"
	featureFlagsType          = "AWS.AppConfig.FeatureFlags"
	// customersAttribute is the flag attribute that lists the customers a switch is for.
	customersAttribute = "customers"
	maxCustomers       = 1000
	maxCustomerLen     = 256
	// maxListPages bounds the pages read when resolving a name.
	maxListPages = 20
)

var (
	appConfigNamePattern = regexp.MustCompile(`^[A-Za-z0-9 ._-]{1,128}$`)
	flagKeyPattern       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	strategyPattern      = regexp.MustCompile(`^[A-Za-z0-9.:/_-]{1,1000}$`)
)

func (in AppConfigFlagInput) validate() error {
	for _, f := range []struct{ name, v string }{{"application", in.Application}, {"environment", in.Environment}, {"profile", in.Profile}} {
		if err := checkName(f.name, f.v, appConfigNamePattern); err != nil {
			return err
		}
	}
	if !flagKeyPattern.MatchString(in.Flag) {
		return badInput("flag %q: want a feature flag key (a letter, then letters, digits, _ or -)", clean(in.Flag, 80))
	}
	if len(in.Customers) > maxCustomers {
		return badInput("customers: %d customers, at most %d", len(in.Customers), maxCustomers)
	}
	for _, c := range in.Customers {
		if c == "" || len(c) > maxCustomerLen || containsControl(c) {
			return badInput("customers: %q: want 1 to %d printable characters", clean(c, 80), maxCustomerLen)
		}
	}
	if in.DeploymentStrategy != "" && !strategyPattern.MatchString(in.DeploymentStrategy) {
		return badInput("deployment_strategy %q is not a valid ID or name", clean(in.DeploymentStrategy, 80))
	}
	return checkKey(in.IdempotencyKey)
}

// asciiOnly replaces every rune outside printable ASCII with '?'.
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func containsControl(s string) bool { return slices.ContainsFunc([]rune(s), isControl) }

// SetAppConfigFlag sets an AppConfig feature flag's state, for everyone or for a list of
// customers, and deploys it: it reads the profile's latest hosted configuration version,
// writes the state into a new version (never toggling) and starts a deployment of that version
// to the environment. With customers, the flag's customers attribute lists the customers its
// enabled value applies to, and everyone else has the opposite value; see setFlag. A flag that
// already has the state in a version that is deployed or deploying is already_in_place. The
// idempotency key goes in the descriptions of the version and the deployment.
func (a *Activities) SetAppConfigFlag(ctx context.Context, in AppConfigFlagInput) (AppConfigFlagOutput, error) {
	if err := in.validate(); err != nil {
		return AppConfigFlagOutput{}, err
	}
	log := a.logger.With("action", "aws.appconfig_flag", "application", in.Application, "flag", in.Flag, "idempotency_key", in.IdempotencyKey)
	appID, err := a.applicationID(ctx, in.Application)
	if err != nil {
		return AppConfigFlagOutput{}, err
	}
	envID, err := a.environmentID(ctx, appID, in.Environment)
	if err != nil {
		return AppConfigFlagOutput{}, err
	}
	profileID, profileName, err := a.profile(ctx, appID, in.Profile)
	if err != nil {
		return AppConfigFlagOutput{}, err
	}

	versions, err := a.appconfig.ListHostedConfigurationVersions(ctx, &appconfig.ListHostedConfigurationVersionsInput{
		ApplicationId: awssdk.String(appID), ConfigurationProfileId: awssdk.String(profileID), MaxResults: awssdk.Int32(50),
	})
	if err != nil {
		return AppConfigFlagOutput{}, classify(fmt.Sprintf("list versions of AppConfig profile %s", in.Profile), err)
	}
	latest := int32(0)
	for _, v := range versions.Items {
		latest = max(latest, v.VersionNumber)
	}
	if latest == 0 {
		return AppConfigFlagOutput{}, nonRetryable(ErrNotFound, "read AppConfig profile %s: it has no hosted configuration version, so no flag %s", in.Profile, in.Flag)
	}
	current, err := a.appconfig.GetHostedConfigurationVersion(ctx, &appconfig.GetHostedConfigurationVersionInput{
		ApplicationId: awssdk.String(appID), ConfigurationProfileId: awssdk.String(profileID), VersionNumber: awssdk.Int32(latest),
	})
	if err != nil {
		return AppConfigFlagOutput{}, classify(fmt.Sprintf("get version %d of AppConfig profile %s", latest, in.Profile), err)
	}
	content, changed, err := setFlag(current.Content, in.Flag, in.Enabled, in.Customers)
	if err != nil {
		return AppConfigFlagOutput{}, nonRetryable(ErrRejected, "set flag %s in version %d of AppConfig profile %s: %v", in.Flag, latest, in.Profile, err)
	}

	out := AppConfigFlagOutput{Version: latest}
	// The version's description travels in an HTTP header: ASCII only.
	description := asciiOnly(clean(fmt.Sprintf("firebreak:%s %s", in.IdempotencyKey, in.Summary()), 1000))
	if changed {
		created, err := a.appconfig.CreateHostedConfigurationVersion(ctx, &appconfig.CreateHostedConfigurationVersionInput{
			ApplicationId:          awssdk.String(appID),
			ConfigurationProfileId: awssdk.String(profileID),
			Content:                content,
			ContentType:            awssdk.String("application/json"),
			Description:            awssdk.String(description),
			LatestVersionNumber:    awssdk.Int32(latest),
		})
		if err != nil {
			// A conflict is a version created meanwhile: the next attempt reads it.
			return AppConfigFlagOutput{}, classify(fmt.Sprintf("create version of AppConfig profile %s", in.Profile), err, "ConflictException")
		}
		out.Version = created.VersionNumber
		log.Info("created hosted configuration version", "version", out.Version)
	} else if n, ok, err := a.deployed(ctx, appID, envID, profileName, latest); err != nil || ok {
		if err != nil {
			return AppConfigFlagOutput{}, err
		}
		out.DeploymentNumber, out.AlreadyInPlace = n, true
		return out, nil
	}

	strategy := in.DeploymentStrategy
	if strategy == "" {
		strategy = defaultDeploymentStrategy
	}
	dep, err := a.appconfig.StartDeployment(ctx, &appconfig.StartDeploymentInput{
		ApplicationId:          awssdk.String(appID),
		EnvironmentId:          awssdk.String(envID),
		ConfigurationProfileId: awssdk.String(profileID),
		ConfigurationVersion:   awssdk.String(strconv.Itoa(int(out.Version))),
		DeploymentStrategyId:   awssdk.String(strategy),
		Description:            awssdk.String(description),
	})
	if err != nil {
		// A conflict is another deployment in progress in the environment.
		return AppConfigFlagOutput{}, classify(fmt.Sprintf("deploy version %d of AppConfig profile %s to %s", out.Version, in.Profile, in.Environment), err, "ConflictException")
	}
	out.DeploymentNumber = dep.DeploymentNumber
	log.Info("started AppConfig deployment", "version", out.Version, "deployment_number", out.DeploymentNumber)
	return out, nil
}

// applicationID returns the ID of the application with the name or ID.
func (a *Activities) applicationID(ctx context.Context, nameOrID string) (string, error) {
	req := &appconfig.ListApplicationsInput{MaxResults: awssdk.Int32(50)}
	var matches []string
	for range maxListPages {
		page, err := a.appconfig.ListApplications(ctx, req)
		if err != nil {
			return "", classify("list AppConfig applications", err)
		}
		for _, app := range page.Items {
			if awssdk.ToString(app.Id) == nameOrID {
				return nameOrID, nil
			}
			if awssdk.ToString(app.Name) == nameOrID {
				matches = append(matches, awssdk.ToString(app.Id))
			}
		}
		if page.NextToken == nil {
			break
		}
		req.NextToken = page.NextToken
	}
	return oneMatch("application", nameOrID, matches)
}

// environmentID returns the ID of the application's environment with the name or ID.
func (a *Activities) environmentID(ctx context.Context, appID, nameOrID string) (string, error) {
	req := &appconfig.ListEnvironmentsInput{ApplicationId: awssdk.String(appID), MaxResults: awssdk.Int32(50)}
	var matches []string
	for range maxListPages {
		page, err := a.appconfig.ListEnvironments(ctx, req)
		if err != nil {
			return "", classify("list AppConfig environments", err)
		}
		for _, env := range page.Items {
			if awssdk.ToString(env.Id) == nameOrID {
				return nameOrID, nil
			}
			if awssdk.ToString(env.Name) == nameOrID {
				matches = append(matches, awssdk.ToString(env.Id))
			}
		}
		if page.NextToken == nil {
			break
		}
		req.NextToken = page.NextToken
	}
	return oneMatch("environment", nameOrID, matches)
}

// profile returns the ID and name of the application's feature flag profile with the name or
// ID, which must be hosted by AppConfig.
func (a *Activities) profile(ctx context.Context, appID, nameOrID string) (id, name string, err error) {
	req := &appconfig.ListConfigurationProfilesInput{ApplicationId: awssdk.String(appID), MaxResults: awssdk.Int32(50)}
	var found []actypes.ConfigurationProfileSummary
	for range maxListPages {
		page, err := a.appconfig.ListConfigurationProfiles(ctx, req)
		if err != nil {
			return "", "", classify("list AppConfig configuration profiles", err)
		}
		for _, p := range page.Items {
			if awssdk.ToString(p.Id) == nameOrID || awssdk.ToString(p.Name) == nameOrID {
				found = append(found, p)
			}
		}
		if page.NextToken == nil {
			break
		}
		req.NextToken = page.NextToken
	}
	ids := make([]string, 0, len(found))
	for _, p := range found {
		ids = append(ids, awssdk.ToString(p.Id))
	}
	if _, err := oneMatch("configuration profile", nameOrID, ids); err != nil {
		return "", "", err
	}
	p := found[0]
	if t := awssdk.ToString(p.Type); t != featureFlagsType {
		return "", "", nonRetryable(ErrRejected, "AppConfig profile %s is of type %q, not %s", nameOrID, clean(t, 80), featureFlagsType)
	}
	if loc := awssdk.ToString(p.LocationUri); loc != "hosted" {
		return "", "", nonRetryable(ErrRejected, "AppConfig profile %s is stored at %q, not in the AppConfig hosted store", nameOrID, clean(loc, 80))
	}
	return awssdk.ToString(p.Id), awssdk.ToString(p.Name), nil
}

// oneMatch returns the only ID that matched a name.
func oneMatch(kind, nameOrID string, ids []string) (string, error) {
	switch len(ids) {
	case 0:
		return "", nonRetryable(ErrNotFound, "find AppConfig %s %s: none has that name or ID", kind, nameOrID)
	case 1:
		return ids[0], nil
	}
	return "", badInput("find AppConfig %s %s: %d have that name; use the ID", kind, nameOrID, len(ids))
}

// deployed returns the number of the environment's latest deployment of the profile, and
// whether it deploys version and has not rolled back.
func (a *Activities) deployed(ctx context.Context, appID, envID, profileName string, version int32) (int32, bool, error) {
	list, err := a.appconfig.ListDeployments(ctx, &appconfig.ListDeploymentsInput{
		ApplicationId: awssdk.String(appID), EnvironmentId: awssdk.String(envID), MaxResults: awssdk.Int32(50),
	})
	if err != nil {
		return 0, false, classify("list AppConfig deployments", err)
	}
	for _, d := range list.Items {
		if awssdk.ToString(d.ConfigurationName) != profileName {
			continue
		}
		switch d.State {
		case actypes.DeploymentStateRollingBack, actypes.DeploymentStateRolledBack, actypes.DeploymentStateReverted:
			return 0, false, nil
		}
		return d.DeploymentNumber, awssdk.ToString(d.ConfigurationVersion) == strconv.Itoa(int(version)), nil
	}
	return 0, false, nil
}

// setFlag sets a flag's state in AppConfig feature flag JSON
// ({"version":"1","flags":{...},"values":{"flag":{"enabled":false,...}}}) and returns the new
// content and whether it changed; fields it does not know are kept.
//
// A flag's state is a default for everyone plus the customers who have the other state. Its
// values encode that as {"enabled": X} when no customer is an exception, and as
// {"enabled": X, "customers": [...]} when the listed customers have X and everyone else has
// not X. Without customers, setFlag sets the state for everyone and drops the list. With
// customers, it gives them the state: it removes them from the exceptions when the default
// already is that state, and adds them otherwise. Setting the same state twice changes nothing.
func setFlag(content []byte, flag string, enabled bool, customers []string) ([]byte, bool, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(content, &doc); err != nil {
		return nil, false, fmt.Errorf("parse feature flag JSON: %w", err)
	}
	var version string
	if err := json.Unmarshal(doc["version"], &version); err != nil || version != "1" {
		return nil, false, fmt.Errorf("want feature flag format version \"1\", got %s", clean(string(doc["version"]), 40))
	}
	flags, err := object(doc["flags"], "flags")
	if err != nil {
		return nil, false, err
	}
	if _, ok := flags[flag]; !ok {
		return nil, false, fmt.Errorf("no flag %s among the profile's %d flags", flag, len(flags))
	}
	values, err := object(doc["values"], "values")
	if err != nil {
		return nil, false, err
	}
	value, err := object(values[flag], "values."+flag)
	if err != nil {
		return nil, false, err
	}
	was := false
	if raw, ok := value["enabled"]; ok {
		if err := json.Unmarshal(raw, &was); err != nil {
			return nil, false, fmt.Errorf("values.%s.enabled is not a boolean", flag)
		}
	}
	var listed []string
	if raw, ok := value[customersAttribute]; ok {
		if err := json.Unmarshal(raw, &listed); err != nil {
			return nil, false, fmt.Errorf("values.%s.%s is not a list of strings", flag, customersAttribute)
		}
	}

	// Decode into a default and exceptions, apply, encode.
	def, except := was, set(listed)
	if len(except) > 0 {
		def = !was
	}
	switch {
	case len(customers) == 0:
		def, except = enabled, map[string]bool{}
	case def == enabled:
		for _, c := range customers {
			delete(except, c)
		}
	default:
		for _, c := range customers {
			except[c] = true
		}
	}
	now, nowListed := def, sortedKeys(except)
	if len(nowListed) > 0 {
		now = !def
	}
	if now == was && slices.Equal(nowListed, sortedKeys(set(listed))) {
		return content, false, nil
	}

	value["enabled"] = mustMarshal(now)
	if len(nowListed) > 0 {
		value[customersAttribute] = mustMarshal(nowListed)
		if err := declareCustomers(flags, flag); err != nil {
			return nil, false, err
		}
		doc["flags"] = mustMarshal(flags)
	} else {
		delete(value, customersAttribute)
	}
	values[flag] = mustMarshal(value)
	doc["values"] = mustMarshal(values)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, false, fmt.Errorf("encode feature flag JSON: %w", err)
	}
	return out, true, nil
}

// declareCustomers declares the customers attribute, a list of strings, in the flag's
// definition unless it is there; one of another type is an error.
func declareCustomers(flags map[string]json.RawMessage, flag string) error {
	def, err := object(flags[flag], "flags."+flag)
	if err != nil {
		return err
	}
	attrs, err := object(def["attributes"], "flags."+flag+".attributes")
	if err != nil {
		return err
	}
	if raw, ok := attrs[customersAttribute]; ok {
		var a struct {
			Constraints *struct {
				Type string `json:"type"`
			} `json:"constraints"`
		}
		if json.Unmarshal(raw, &a) != nil || a.Constraints == nil || a.Constraints.Type != "array" {
			return fmt.Errorf("flags.%s.attributes.%s is declared, but not as an array", flag, customersAttribute)
		}
		return nil
	}
	attrs[customersAttribute] = json.RawMessage(`{"constraints":{"type":"array","elements":{"type":"string"}}}`)
	def["attributes"] = mustMarshal(attrs)
	flags[flag] = mustMarshal(def)
	return nil
}

// object decodes a JSON object; missing or null is an empty one.
func object(raw json.RawMessage, field string) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object", field)
	}
	return m, nil
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err)) // only bools, strings and raw JSON maps
	}
	return b
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
