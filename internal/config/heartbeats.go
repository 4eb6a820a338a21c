package config

import (
	"fmt"
	"time"
)

// Bounds and defaults of the heartbeats section.
const (
	// DefaultHeartbeatIntegration is the integration whose token authenticates a heartbeat's
	// pings when the heartbeat names none: Alertmanager's Watchdog is the usual sender.
	DefaultHeartbeatIntegration = IntegrationAlertmanager
	// MinHeartbeatInterval and MaxHeartbeatInterval bound a heartbeat's interval, and
	// MaxHeartbeatInterval its grace.
	MinHeartbeatInterval = time.Second
	MaxHeartbeatInterval = 31 * 24 * time.Hour
	// MaxHeartbeats bounds how many heartbeats one configuration declares.
	MaxHeartbeats = 1000
	// MaxHeartbeatName bounds the length of a heartbeat's name.
	MaxHeartbeatName = 63
	// MaxHeartbeatTitle bounds the length of a heartbeat's incident title.
	MaxHeartbeatTitle = 300
)

// Heartbeat is a dead man's switch. A sender pings it (POST /v1/heartbeats/<name> with the
// bearer token of Integration) at least every Interval. When no ping has arrived for Interval
// plus Grace, it raises an alert that opens an incident on Service with Impact, through the
// routing policy like any other alert; when pings resume, it resolves that alert. A heartbeat
// is watched from its first ping on.
type Heartbeat struct {
	// Name identifies the heartbeat in its URL: lowercase letters, digits and hyphens.
	Name string `yaml:"name"`
	// Integration names the alert integration whose bearer token authenticates the pings:
	// alertmanager (the default) or generic. It must be listed under alerts.integrations.
	Integration string `yaml:"integration"`
	// Interval is how often the sender pings, at most; between 1s and 744h. Required.
	Interval Duration `yaml:"interval"`
	// Grace is how late a ping may be before the alert is raised; zero or missing means the
	// interval itself, so one lost ping is tolerated. At most 744h.
	Grace Duration `yaml:"grace"`
	// Service is the ID of the configured service whose team is paged. Required.
	Service string `yaml:"service"`
	// Title is the incident's title; default "Heartbeat <name> missed".
	Title string `yaml:"title"`
	// Impact holds the impact facts the severity policy reads. Leaving out customers_affected
	// lets the severity policy fail safe to sev1.
	Impact HeartbeatImpact `yaml:"impact"`
}

// HeartbeatImpact holds the impact facts of a missed heartbeat, as the severity policy reads
// them. A missing fact is not reported.
type HeartbeatImpact struct {
	// CustomersAffected is none, some or all.
	CustomersAffected   string `yaml:"customers_affected"`
	DataLoss            *bool  `yaml:"data_loss"`
	SecurityBreach      *bool  `yaml:"security_breach"`
	CoreDegraded        *bool  `yaml:"core_degraded"`
	PerformanceDegraded *bool  `yaml:"performance_degraded"`
	Workaround          *bool  `yaml:"workaround"`
}

// Facts returns the reported facts by their names in the severity policy, such as
// customers_affected, for an alert's impact.
func (i HeartbeatImpact) Facts() map[string]any {
	facts := map[string]any{}
	if i.CustomersAffected != "" {
		facts["customers_affected"] = i.CustomersAffected
	}
	for name, v := range map[string]*bool{
		"data_loss": i.DataLoss, "security_breach": i.SecurityBreach, "core_degraded": i.CoreDegraded,
		"performance_degraded": i.PerformanceDegraded, "workaround": i.Workaround,
	} {
		if v != nil {
			facts[name] = *v
		}
	}
	return facts
}

// Deadline is how long after a ping the alert is raised if no other ping arrives.
func (h Heartbeat) Deadline() time.Duration {
	return time.Duration(h.Interval) + time.Duration(h.Grace)
}

// Heartbeat returns the heartbeat with the given name.
func (c *Config) Heartbeat(name string) (Heartbeat, bool) {
	for _, h := range c.Heartbeats {
		if h.Name == name {
			return h, true
		}
	}
	return Heartbeat{}, false
}

// heartbeats applies the defaults of the heartbeats section to c and checks it against the
// rest of the configuration.
func (v *validator) heartbeats(c *Config) {
	if len(c.Heartbeats) > MaxHeartbeats {
		v.errorf(path{"heartbeats"}, "%d heartbeats: at most %d", len(c.Heartbeats), MaxHeartbeats)
		return
	}
	services := map[string]bool{}
	for _, id := range c.ServiceIDs() {
		services[id] = true
	}
	first := map[string]int{}
	for i := range c.Heartbeats {
		h := &c.Heartbeats[i]
		p := path{"heartbeats", i}
		switch j, dup := first[h.Name]; {
		case h.Name == "":
			v.errorf(p.with("name"), "missing name")
		case dup:
			v.errorf(p.with("name"), "duplicate heartbeat name %q, first defined on line %d", h.Name, path{"heartbeats", j, "name"}.line(v.root))
		case !validID(h.Name) || len(h.Name) > MaxHeartbeatName:
			v.errorf(p.with("name"), "invalid name %q: use at most %d lowercase letters, digits and hyphens, starting with a letter or digit", h.Name, MaxHeartbeatName)
			first[h.Name] = i
		default:
			first[h.Name] = i
		}

		if h.Integration == "" {
			h.Integration = DefaultHeartbeatIntegration
		}
		switch _, listed := c.Alerts.Integrations[h.Integration]; {
		case h.Integration != IntegrationAlertmanager && h.Integration != IntegrationGeneric:
			v.errorf(p.with("integration"), "unknown integration %q: want alertmanager or generic, whose bearer token authenticates the pings", h.Integration)
		case !listed:
			v.errorf(p.with("integration"), "alerts.integrations has no %s integration: nothing could authenticate the pings", h.Integration)
		}

		switch d := time.Duration(h.Interval); {
		case d == 0:
			v.errorf(p.with("interval"), "missing interval: want how often the sender pings, such as 1m")
		case d < MinHeartbeatInterval || d > MaxHeartbeatInterval:
			v.errorf(p.with("interval"), "interval %s out of range: want %s to %s", d, MinHeartbeatInterval, MaxHeartbeatInterval)
		case h.Grace == 0:
			h.Grace = h.Interval
		}
		if d := time.Duration(h.Grace); d < 0 || d > MaxHeartbeatInterval {
			v.errorf(p.with("grace"), "grace %s out of range: want 0s to %s", d, MaxHeartbeatInterval)
		}

		switch {
		case h.Service == "":
			v.errorf(p.with("service"), "missing service: want the ID of the service whose team is paged")
		case !services[h.Service]:
			v.errorf(p.with("service"), "unknown service %q", h.Service)
		}
		if h.Title == "" {
			h.Title = fmt.Sprintf("Heartbeat %s missed", h.Name)
		}
		if len(h.Title) > MaxHeartbeatTitle {
			v.errorf(p.with("title"), "title of %d bytes: at most %d", len(h.Title), MaxHeartbeatTitle)
		}
		switch h.Impact.CustomersAffected {
		case "", "none", "some", "all":
		default:
			v.errorf(p.with("impact", "customers_affected"), "unknown scope %q: want none, some or all", h.Impact.CustomersAffected)
		}
	}
}
