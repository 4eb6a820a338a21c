package config

import (
	"os"
	"strings"
)

// IntegrationPagerDuty is the PagerDuty Events API v2 drop-in (POST /v2/enqueue). It
// authenticates each event by the routing key in its body, not by a token.
const IntegrationPagerDuty = "pagerduty"

// Bounds of the pagerduty integration.
const (
	// DefaultEventsPerMinute is how many events a routing key may send a minute, as a burst
	// or spread out, when the configuration does not say: PagerDuty's own documented figure.
	DefaultEventsPerMinute = 120
	// MaxEventsPerMinute bounds a routing key's events_per_minute.
	MaxEventsPerMinute = 60_000
	// MaxRoutingKeys bounds how many routing keys the integration lists.
	MaxRoutingKeys = 100
	// MinRoutingKeyLength is the shortest routing key accepted; PagerDuty's are 32 characters.
	MinRoutingKeyLength = 16
)

// RoutingKey is one PagerDuty Events API v2 routing key Firebreak accepts: the credential a
// sender puts in each event's routing_key. Events match dedup keys only within one routing key.
type RoutingKey struct {
	// Name names the sender for people, in the incident's timeline and alert group
	// ("pagerduty/<name>"); the key itself is never shown.
	Name string `yaml:"name"`
	// Key is the routing key itself; prefer KeyEnv.
	Key string `yaml:"key"`
	// KeyEnv names the environment variable that holds the routing key.
	KeyEnv string `yaml:"key_env"`
	// Service, when set, is the service of every incident this key's events open, as a
	// PagerDuty routing key belongs to one service; otherwise the routing policy finds it in
	// the event's payload.
	Service string `yaml:"service"`
	// EventsPerMinute is how many events the key may send a minute before it is answered 429;
	// default DefaultEventsPerMinute.
	EventsPerMinute int `yaml:"events_per_minute"`
}

// Value returns the routing key, from the file or the environment, with surrounding blanks
// removed; "" when it is not set.
func (k RoutingKey) Value() string {
	if k.Key != "" {
		return strings.TrimSpace(k.Key)
	}
	if k.KeyEnv != "" {
		return strings.TrimSpace(os.Getenv(k.KeyEnv))
	}
	return ""
}

// Rate returns the events a minute the key may send.
func (k RoutingKey) Rate() int {
	if k.EventsPerMinute == 0 {
		return DefaultEventsPerMinute
	}
	return k.EventsPerMinute
}

// pagerDuty checks the pagerduty integration: it authenticates only by routing keys, each named
// once, each from one source, each service a configured one; and no other integration lists
// routing keys.
func (v *validator) pagerDuty(c *Config) {
	services := map[string]bool{}
	for _, id := range c.ServiceIDs() {
		services[id] = true
	}
	for name, in := range c.Alerts.Integrations {
		p := path{"alerts", "integrations", name}
		if name != IntegrationPagerDuty {
			if len(in.RoutingKeys) > 0 {
				v.errorf(p.with("routing_keys"), "only the pagerduty integration has routing keys")
			}
			continue
		}
		if in.Token != "" || in.TokenEnv != "" {
			v.errorf(p, "the pagerduty integration authenticates each event by its routing key: list routing_keys instead of a token")
		}
		switch n := len(in.RoutingKeys); {
		case n == 0:
			v.errorf(p, "no routing_keys: the pagerduty integration would accept no event")
		case n > MaxRoutingKeys:
			v.errorf(p.with("routing_keys"), "%d routing keys: at most %d", n, MaxRoutingKeys)
			return
		}
		names, envs := map[string]int{}, map[string]int{}
		for i, k := range in.RoutingKeys {
			kp := p.with("routing_keys", i)
			switch j, dup := names[k.Name]; {
			case k.Name == "":
				v.errorf(kp.with("name"), "missing name")
			case dup:
				v.errorf(kp.with("name"), "duplicate routing key name %q, first defined on line %d", k.Name, p.with("routing_keys", j, "name").line(v.root))
			case !validID(k.Name) || len(k.Name) > 63:
				v.errorf(kp.with("name"), "invalid name %q: use at most 63 lowercase letters, digits and hyphens, starting with a letter or digit", k.Name)
			default:
				names[k.Name] = i
			}
			switch j, dup := envs[k.KeyEnv]; {
			case k.Key == "" && k.KeyEnv == "":
				v.errorf(kp, "missing key_env: name the environment variable that holds the routing key")
			case k.KeyEnv != "" && !validEnvName(k.KeyEnv):
				v.errorf(kp.with("key_env"), "invalid environment variable name %q", k.KeyEnv)
			case k.KeyEnv != "" && dup:
				v.errorf(kp.with("key_env"), "routing_keys[%d] reads the same variable %s: two names for one key", j, k.KeyEnv)
			case k.KeyEnv != "":
				envs[k.KeyEnv] = i
			}
			if k.Key != "" && len(strings.TrimSpace(k.Key)) < MinRoutingKeyLength {
				v.errorf(kp.with("key"), "a routing key needs at least %d characters (PagerDuty's have 32)", MinRoutingKeyLength)
			}
			if k.Service != "" && !services[k.Service] {
				v.errorf(kp.with("service"), "unknown service %q", k.Service)
			}
			if k.EventsPerMinute < 0 || k.EventsPerMinute > MaxEventsPerMinute {
				v.errorf(kp.with("events_per_minute"), "%d is outside the range 1 to %d", k.EventsPerMinute, MaxEventsPerMinute)
			}
		}
	}
}

// routingKeySecrets lists the routing keys of the pagerduty integration as secrets, for
// secretFields.
func (c *Config) routingKeySecrets() []secretField {
	var fields []secretField
	for i, k := range c.Alerts.Integrations[IntegrationPagerDuty].RoutingKeys {
		fields = append(fields, secretField{
			at: path{"alerts", "integrations", IntegrationPagerDuty, "routing_keys", i}, literalKey: "key", envKey: "key_env",
			literal: k.Key, envName: k.KeyEnv, use: IntakeSecrets,
		})
	}
	return fields
}

// anyRoutingKey reports whether the integration has a routing key whose value lookup finds.
func (i Integration) anyRoutingKey(lookup func(string) (string, bool)) bool {
	for _, k := range i.RoutingKeys {
		if resolves(k.Key, k.KeyEnv, lookup) {
			return true
		}
	}
	return false
}
