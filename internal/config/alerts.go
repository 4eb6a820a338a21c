package config

import (
	"os"
	"time"
)

// Integrations are the alert sources Firebreak accepts webhooks from.
const (
	IntegrationAlertmanager = "alertmanager"
	IntegrationSNS          = "sns"
	IntegrationGeneric      = "generic"
)

// Defaults of the alerts section.
const (
	DefaultMaxBodyBytes    = 1 << 20
	DefaultFalseAlarmGrace = 5 * time.Minute
	DefaultReopenWindow    = 30 * time.Minute
)

// Alerts configures alert ingestion: how labels map to incidents and how each integration
// authenticates.
type Alerts struct {
	// ServiceLabels are the label names that carry the service, tried in order; default
	// ["service", "job", "dimension_Service"] (the last is a CloudWatch alarm dimension).
	ServiceLabels []string `yaml:"service_labels"`
	// TypeLabels are the label names that carry the incident type; default ["incident_type"].
	TypeLabels []string `yaml:"type_labels"`
	// ImpactPrefix marks labels and annotations that carry impact facts, such as
	// impact_customers_affected; default "impact_".
	ImpactPrefix string `yaml:"impact_prefix"`
	// FalseAlarmGrace is how long an incident whose alerts all resolved before anyone
	// acknowledged waits before it closes as a false alarm; default 5m.
	FalseAlarmGrace Duration `yaml:"false_alarm_grace"`
	// ReopenWindow is how long after resolution a firing alert starts a new incident linked to
	// the resolved one; default 30m.
	ReopenWindow Duration `yaml:"reopen_window"`
	// MaxBodyBytes is the largest webhook body accepted; default 1 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// Integrations holds each integration's credentials, by name: alertmanager, sns, generic,
	// pagerduty.
	Integrations map[string]Integration `yaml:"integrations"`
}

// Integration holds the credentials of one alert source. A bearer token (or, for SNS, the
// password of the subscription URL's basic auth) authenticates a request; the generic
// integration may instead sign its body with an HMAC secret. An integration with neither
// configured accepts nothing.
type Integration struct {
	// Token is the bearer token itself; prefer TokenEnv.
	Token string `yaml:"token"`
	// TokenEnv names the environment variable that holds the bearer token.
	TokenEnv string `yaml:"token_env"`
	// HMAC is the HMAC-SHA256 signing secret itself (generic integration only); prefer
	// HMACSecretEnv. An integration sets at most one of the two, as of Token and TokenEnv.
	HMAC string `yaml:"hmac_secret"`
	// HMACSecretEnv names the environment variable holding the HMAC-SHA256 signing secret
	// (generic integration only).
	HMACSecretEnv string `yaml:"hmac_secret_env"`
	// RoutingKeys are the PagerDuty Events API v2 routing keys accepted (pagerduty
	// integration only, which has no token).
	RoutingKeys []RoutingKey `yaml:"routing_keys"`
	// TopicARNs are the SNS topics accepted (sns integration only); empty means any topic.
	TopicARNs []string `yaml:"topic_arns"`
}

// BearerToken returns the integration's token, from the file or the environment.
func (i Integration) BearerToken() string {
	if i.Token != "" {
		return i.Token
	}
	if i.TokenEnv != "" {
		return os.Getenv(i.TokenEnv)
	}
	return ""
}

// HMACSecret returns the integration's signing secret, from the file or the environment.
func (i Integration) HMACSecret() []byte {
	if i.HMAC != "" {
		return []byte(i.HMAC)
	}
	if i.HMACSecretEnv == "" {
		return nil
	}
	return []byte(os.Getenv(i.HMACSecretEnv))
}

// AlertSettings returns the alerts section, for alert ingestion.
func (c *Config) AlertSettings() Alerts {
	return c.Alerts
}

func (a *Alerts) setDefaults() {
	if len(a.ServiceLabels) == 0 {
		a.ServiceLabels = []string{"service", "job", "dimension_Service"}
	}
	if len(a.TypeLabels) == 0 {
		a.TypeLabels = []string{"incident_type"}
	}
	if a.ImpactPrefix == "" {
		a.ImpactPrefix = "impact_"
	}
	if a.FalseAlarmGrace == 0 {
		a.FalseAlarmGrace = Duration(DefaultFalseAlarmGrace)
	}
	if a.ReopenWindow == 0 {
		a.ReopenWindow = Duration(DefaultReopenWindow)
	}
	if a.MaxBodyBytes == 0 {
		a.MaxBodyBytes = DefaultMaxBodyBytes
	}
}

func (v *validator) alerts(a Alerts) {
	p := path{"alerts"}
	v.duration(p.with("false_alarm_grace"), a.FalseAlarmGrace, MinFalseAlarmGrace, MaxFalseAlarmGrace)
	v.duration(p.with("reopen_window"), a.ReopenWindow, MinReopenWindow, MaxReopenWindow)
	if a.MaxBodyBytes < 0 {
		v.errorf(p.with("max_body_bytes"), "must be positive")
	}
	for name, in := range a.Integrations {
		ip := p.with("integrations", name)
		switch name {
		case IntegrationAlertmanager, IntegrationSNS, IntegrationGeneric, IntegrationPagerDuty:
		default:
			v.errorf(ip, "unknown integration %q: want alertmanager, sns, generic or pagerduty", name)
		}
		for field, env := range map[string]string{"token_env": in.TokenEnv, "hmac_secret_env": in.HMACSecretEnv} {
			if env != "" && !validEnvName(env) {
				v.errorf(ip.with(field), "invalid environment variable name %q", env)
			}
		}
		if in.HMACSecretEnv != "" && name != IntegrationGeneric {
			v.errorf(ip.with("hmac_secret_env"), "only the generic integration signs with an HMAC secret")
		}
		if in.HMAC != "" && name != IntegrationGeneric {
			v.errorf(ip.with("hmac_secret"), "only the generic integration signs with an HMAC secret")
		}
		if len(in.TopicARNs) > 0 && name != IntegrationSNS {
			v.errorf(ip.with("topic_arns"), "only the sns integration has topics")
		}
	}
}
