package config

import (
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Bounds of the escalation policies and notification rules.
const (
	// MaxEscalationPolicies bounds how many escalation policies one configuration declares.
	MaxEscalationPolicies = 200
	// MaxEscalationLevels bounds the levels of one policy.
	MaxEscalationLevels = 10
	// MaxLevelTargets bounds the targets of one level.
	MaxLevelTargets = 10
	// MaxEscalationRepeats bounds how many times a policy's ladder runs again.
	MaxEscalationRepeats = 9
	// MinLevelDelay and MaxLevelDelay bound how long a level waits for an acknowledgement.
	MinLevelDelay = time.Minute
	MaxLevelDelay = 24 * time.Hour
	// MinAckReminder and MaxAckReminder bound a policy's acknowledgement timeout.
	MinAckReminder = 5 * time.Minute
	MaxAckReminder = 7 * 24 * time.Hour
	// MaxNotificationRules bounds one person's notification rules.
	MaxNotificationRules = 10
	// MaxNotificationDelay bounds how long after a page a contact method is tried.
	MaxNotificationDelay = time.Hour
)

// What a level whose targets resolve to nobody does.
const (
	// OnEmptySkip moves on to the next level at once; the default.
	OnEmptySkip = "skip"
	// OnEmptyHold waits out the level's delay, paging whoever comes on call meanwhile.
	OnEmptyHold = "hold"
)

// NotifierTypeSMS is the type of a notifier that sends text messages through a provider's
// HTTP API (Twilio's, or one shaped like it).
const NotifierTypeSMS = "sms"

// EscalationPolicy is an ordered ladder a service pages through: each level pages its targets
// and waits Delay for an acknowledgement before the next level pages; after the last level the
// ladder runs again Repeats times. Services name theirs with escalation_policy; the engagement
// policy decides whether it is engaged.
type EscalationPolicy struct {
	// ID names the policy: lowercase letters, digits and hyphens.
	ID string `yaml:"id"`
	// Name is how people call the policy; optional.
	Name string `yaml:"name"`
	// Levels are paged in order; at least one.
	Levels []EscalationLevel `yaml:"levels"`
	// Repeats is how many times the ladder runs again after its last level; 0 runs it once.
	Repeats int `yaml:"repeats"`
	// OnEmpty is what a level whose targets resolve to nobody does: "skip" (the default) or
	// "hold".
	OnEmpty string `yaml:"on_empty"`
	// AckTimeout re-pages the acknowledger of an incident still unresolved this long after the
	// acknowledgement, and again every AckTimeout until it is resolved; zero never does.
	AckTimeout Duration `yaml:"ack_timeout"`
}

// EscalationLevel is one level of an escalation policy.
type EscalationLevel struct {
	// Delay is how long the level waits for an acknowledgement before the next level pages.
	Delay Duration `yaml:"delay"`
	// Targets are who the level pages.
	Targets []EscalationTarget `yaml:"targets"`
}

// EscalationTarget is one target of a level: exactly one of a schedule (whoever it has on
// call), a person, or a team (whoever its schedule has on call).
type EscalationTarget struct {
	Schedule string `yaml:"schedule"`
	Person   string `yaml:"person"`
	Team     string `yaml:"team"`
}

// NotificationRule is one contact method of a person and how long after a page it is tried:
// an acknowledgement stops the methods not yet tried.
type NotificationRule struct {
	// Notifier is the ID of a notifier of the configuration.
	Notifier string `yaml:"notifier"`
	// After is the delay after the page; zero tries the method at once.
	After Duration `yaml:"after"`
}

// EscalationPolicy returns the escalation policy with the given ID.
func (c *Config) EscalationPolicy(id string) (EscalationPolicy, bool) {
	for _, p := range c.EscalationPolicies {
		if p.ID == id {
			return p, true
		}
	}
	return EscalationPolicy{}, false
}

// Rules returns the person's notification rules: notification_rules when set, otherwise each
// notifier of notify at once.
func (p Person) Rules() []NotificationRule {
	if len(p.NotificationRules) > 0 {
		return append([]NotificationRule(nil), p.NotificationRules...)
	}
	rules := make([]NotificationRule, len(p.Notify))
	for i, id := range p.Notify {
		rules[i] = NotificationRule{Notifier: id}
	}
	return rules
}

// phonePattern is an E.164 telephone number.
var phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// escalation checks the escalation policies, the services' references to them, the people's
// notification rules and phone numbers, and the SMS notifiers. people, teams and notifiers are
// the declared IDs of each.
func (v *validator) escalation(c *Config, people, teams, notifiers map[string]bool) {
	if len(c.EscalationPolicies) > MaxEscalationPolicies {
		v.errorf(path{"escalation_policies"}, "%d escalation policies: at most %d", len(c.EscalationPolicies), MaxEscalationPolicies)
		return
	}
	schedules := map[string]bool{}
	for _, id := range c.ScheduleIDs() {
		schedules[id] = true
	}
	declared := v.ids("escalation policy", "escalation_policies", len(c.EscalationPolicies), func(i int) string { return c.EscalationPolicies[i].ID })
	for i, pol := range c.EscalationPolicies {
		v.escalationPolicy(path{"escalation_policies", i}, pol, people, teams, schedules)
	}
	for i, s := range c.Services {
		if s.EscalationPolicy != "" && !declared[s.EscalationPolicy] {
			v.errorf(path{"services", i, "escalation_policy"}, "unknown escalation policy %q", s.EscalationPolicy)
		}
		if s.AfterHoursEscalationPolicy != "" && !declared[s.AfterHoursEscalationPolicy] {
			v.errorf(path{"services", i, "after_hours_escalation_policy"}, "unknown escalation policy %q", s.AfterHoursEscalationPolicy)
		}
	}
	sms := map[string]bool{}
	for i, n := range c.Notifiers {
		if n.Type == NotifierTypeSMS {
			sms[n.ID] = true
			v.smsNotifier(path{"notifiers", i}, n)
		}
	}
	for i, p := range c.People {
		v.contactMethods(path{"people", i}, p, notifiers, sms)
	}
}

func (v *validator) escalationPolicy(p path, pol EscalationPolicy, people, teams, schedules map[string]bool) {
	switch {
	case len(pol.Levels) == 0:
		v.errorf(p.with("levels"), "no levels: want at least one level with targets")
	case len(pol.Levels) > MaxEscalationLevels:
		v.errorf(p.with("levels"), "%d levels: at most %d", len(pol.Levels), MaxEscalationLevels)
	}
	if pol.Repeats < 0 || pol.Repeats > MaxEscalationRepeats {
		v.errorf(p.with("repeats"), "%d is outside the range 0 to %d", pol.Repeats, MaxEscalationRepeats)
	}
	switch pol.OnEmpty {
	case "", OnEmptySkip, OnEmptyHold:
	default:
		v.errorf(p.with("on_empty"), "unknown value %q: want skip or hold", pol.OnEmpty)
	}
	if pol.AckTimeout != 0 {
		v.duration(p.with("ack_timeout"), pol.AckTimeout, MinAckReminder, MaxAckReminder)
	}
	for j, l := range pol.Levels {
		if j >= MaxEscalationLevels {
			break
		}
		lp := p.with("levels", j)
		v.duration(lp.with("delay"), l.Delay, MinLevelDelay, MaxLevelDelay)
		switch {
		case len(l.Targets) == 0:
			v.errorf(lp.with("targets"), "no targets: want a schedule, a person or a team")
		case len(l.Targets) > MaxLevelTargets:
			v.errorf(lp.with("targets"), "%d targets: at most %d", len(l.Targets), MaxLevelTargets)
			continue
		}
		for k, t := range l.Targets {
			tp := lp.with("targets", k)
			set := 0
			for _, s := range []string{t.Schedule, t.Person, t.Team} {
				if s != "" {
					set++
				}
			}
			switch {
			case set != 1:
				v.errorf(tp, "want exactly one of schedule, person or team")
			case t.Schedule != "" && !schedules[t.Schedule]:
				v.errorf(tp.with("schedule"), "unknown schedule %q", t.Schedule)
			case t.Person != "" && !people[t.Person]:
				v.errorf(tp.with("person"), "unknown person %q", t.Person)
			case t.Team != "" && !teams[t.Team]:
				v.errorf(tp.with("team"), "unknown team %q", t.Team)
			}
		}
	}
}

// contactMethods checks a person's ways of being reached: at least one, notify or
// notification_rules but not both, each rule's notifier and delay, and a phone number for an SMS
// notifier.
func (v *validator) contactMethods(p path, person Person, notifiers, sms map[string]bool) {
	if n := node(v.root, p.with("notify")); n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 && len(person.NotificationRules) == 0 {
		v.errorf(p.with("notify"), "no contact method: list at least one notifier (console is the built-in one)")
	}
	if len(person.NotificationRules) > 0 && node(v.root, p.with("notify")) != nil {
		v.errorf(p.with("notification_rules"), "both notify and notification_rules are set: keep notification_rules")
	}
	if n := node(v.root, p.with("notification_rules")); n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		v.errorf(p.with("notification_rules"), "no contact method: want at least one rule")
	}
	if len(person.NotificationRules) > MaxNotificationRules {
		v.errorf(p.with("notification_rules"), "%d rules: at most %d", len(person.NotificationRules), MaxNotificationRules)
		return
	}
	seen := map[string]int{}
	for j, r := range person.NotificationRules {
		rp := p.with("notification_rules", j)
		switch {
		case r.Notifier == "":
			v.errorf(rp.with("notifier"), "missing notifier")
		case !notifiers[r.Notifier]:
			v.errorf(rp.with("notifier"), "unknown notifier %q", r.Notifier)
		}
		if k, dup := seen[r.Notifier]; dup && r.Notifier != "" {
			v.errorf(rp.with("notifier"), "notifier %q is already used by notification_rules[%d]", r.Notifier, k)
		}
		seen[r.Notifier] = j
		if r.After != 0 {
			v.duration(rp.with("after"), r.After, 0, MaxNotificationDelay)
		}
	}
	if person.Phone != "" && !phonePattern.MatchString(person.Phone) {
		v.errorf(p.with("phone"), "invalid phone number %q: want E.164, such as +393331234567", person.Phone)
	}
	for _, r := range person.Rules() {
		if sms[r.Notifier] && person.Phone == "" {
			v.errorf(p.with("phone"), "missing phone number: notifier %q sends text messages", r.Notifier)
			break
		}
	}
}

// smsNotifier checks an SMS notifier: the provider's URL (which may hold {username}), the
// sender, how the body is encoded, and where its secret is.
func (v *validator) smsNotifier(p path, n Notifier) {
	if !absoluteHTTP(strings.ReplaceAll(n.URL, "{username}", "user")) {
		v.errorf(p.with("url"), "want an absolute http or https URL, such as https://api.twilio.com/2010-04-01/Accounts/{username}/Messages.json")
	}
	if strings.TrimSpace(n.From) == "" {
		v.errorf(p.with("from"), "missing sender: the provider's phone number or sender ID")
	}
	switch n.Encoding {
	case "", "form", "json":
	default:
		v.errorf(p.with("encoding"), "unknown encoding %q: want form or json", n.Encoding)
	}
	switch {
	case n.SecretEnv == "" && n.Secret == "":
		v.errorf(p.with("secret_env"), "missing name of the environment variable holding the provider's token")
	case n.SecretEnv != "" && n.Secret != "":
		v.errorf(p.with("secret"), "both secret and secret_env are set: keep secret_env")
	case n.SecretEnv != "" && !validEnvName(n.SecretEnv):
		v.errorf(p.with("secret_env"), "invalid environment variable name %q", n.SecretEnv)
	}
	if strings.Contains(n.URL, "{username}") && n.Username == "" {
		v.errorf(p.with("username"), "the URL uses {username}: set username")
	}
}

// node returns the YAML node at p in the document root, or nil when the file does not have it.
func node(root *yaml.Node, p path) *yaml.Node {
	n := resolve(root)
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = resolve(n.Content[0])
	}
	for _, e := range p {
		if n == nil {
			return nil
		}
		var next *yaml.Node
		switch e := e.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return nil
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == e {
					next = n.Content[i+1]
					break
				}
			}
		case int:
			if n.Kind != yaml.SequenceNode || e >= len(n.Content) {
				return nil
			}
			next = n.Content[e]
		}
		n = resolve(next)
	}
	return n
}
