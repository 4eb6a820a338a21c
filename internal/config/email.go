package config

import (
	"net"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NotifierTypeEmail is the type of a notifier that sends pages to people's e-mail addresses
// and updates to stakeholder lists, through an SMTP relay.
const NotifierTypeEmail = "email"

// The STARTTLS settings of an email notifier.
const (
	// StartTLSRequired refuses a relay that does not offer STARTTLS; the default.
	StartTLSRequired = "required"
	// StartTLSOff sends in plain text; allowed only to a relay on a loopback address.
	StartTLSOff = "off"
)

// The audiences of an update, as stakeholder lists name them.
const (
	AudienceInternal = "internal"
	AudienceExternal = "external"
)

// Bounds and defaults of email notifiers and stakeholder lists.
const (
	// DefaultSMTPTimeout bounds one delivery when the notifier does not say.
	DefaultSMTPTimeout = 10 * time.Second
	// MinSMTPTimeout and MaxSMTPTimeout bound an email notifier's timeout.
	MinSMTPTimeout = time.Second
	MaxSMTPTimeout = 5 * time.Minute
	// DefaultEmailBodyBytes bounds a message's text when the notifier does not say.
	DefaultEmailBodyBytes = 64 << 10
	// MinEmailBodyBytes and MaxEmailBodyBytes bound an email notifier's max_body_bytes.
	MinEmailBodyBytes = 512
	MaxEmailBodyBytes = 10 << 20
	// MaxStakeholderLists bounds how many stakeholder lists one configuration declares.
	MaxStakeholderLists = 200
	// MaxStakeholderAddresses bounds the addresses of one list.
	MaxStakeholderAddresses = 500
)

// EmailNotifier is the SMTP relay and sender of an email notifier.
type EmailNotifier struct {
	// SMTP is the relay's host and port, such as smtp.example.com:587. Required.
	SMTP string `yaml:"smtp"`
	// From is the sender, such as "Firebreak <firebreak@example.com>". Required.
	From string `yaml:"from"`
	// StartTLS is "required" (the default) or "off"; off is allowed only when the relay's
	// host is localhost or a loopback address.
	StartTLS string `yaml:"starttls"`
	// Username turns on AUTH PLAIN, with the password in the variable PasswordEnv.
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable that holds the SMTP password.
	PasswordEnv string `yaml:"password_env"`
	// Timeout bounds one delivery; default 10s, between 1s and 5m. A page is also bounded by
	// its activity's start-to-close timeout (4s per attempt on the paging path).
	Timeout Duration `yaml:"timeout"`
	// MaxBodyBytes bounds a message's text, which is cut with a visible note beyond it;
	// default 65536, between 512 and 10485760.
	MaxBodyBytes int `yaml:"max_body_bytes"`
}

// Password returns the SMTP password from the environment; "" without AUTH.
func (e EmailNotifier) Password(lookup func(string) (string, bool)) string {
	if e.PasswordEnv == "" {
		return ""
	}
	v, _ := lookup(e.PasswordEnv)
	return v
}

// StakeholderList is a list of addresses that hear an incident's updates by e-mail: those of
// the listed services and severities, for the listed audiences.
type StakeholderList struct {
	// Name names the list for people; lowercase letters, digits and hyphens.
	Name string `yaml:"name"`
	// Notifier is the ID of the email notifier that sends to the list; default the only one.
	Notifier string `yaml:"notifier"`
	// Services are the IDs of the services whose updates the list hears; empty means all.
	Services []string `yaml:"services"`
	// Severities are sev1, sev2 or sev3; empty means all. An update sent before the severity
	// is known reaches every list, so that nobody misses it.
	Severities []string `yaml:"severities"`
	// Audiences are internal and external; default internal. A list of customers hears the
	// external updates only.
	Audiences []string `yaml:"audiences"`
	// Addresses are the list's e-mail addresses. At least one.
	Addresses []string `yaml:"addresses"`
}

// Stakeholders returns the addresses of every stakeholder list sent by the email notifier
// with the given ID that asks for an update about a service, of a severity ("" when not yet
// known), for an audience; each address once, in the file's order.
func (c *Config) Stakeholders(notifier, service, severity, audience string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range c.StakeholderLists {
		if l.Notifier != notifier ||
			len(l.Services) > 0 && !slices.Contains(l.Services, service) ||
			severity != "" && len(l.Severities) > 0 && !slices.Contains(l.Severities, severity) ||
			!slices.Contains(l.Audiences, audience) {
			continue
		}
		for _, a := range l.Addresses {
			addr, err := mail.ParseAddress(a)
			if err == nil && !seen[addr.Address] {
				seen[addr.Address] = true
				out = append(out, addr.Address)
			}
		}
	}
	return out
}

// email applies the defaults of the email notifiers and stakeholder lists to c and checks
// them against the rest of the configuration.
func (v *validator) email(c *Config) {
	var emailIDs []string
	for i := range c.Notifiers {
		n := &c.Notifiers[i]
		p := path{"notifiers", i}
		if n.Type != NotifierTypeEmail {
			if n.Email != nil {
				v.errorf(p.with("email"), "only an email notifier has email settings")
			}
			continue
		}
		emailIDs = append(emailIDs, n.ID)
		v.emailNotifier(p, n)
	}
	for i, person := range c.People {
		if person.Email != "" {
			continue
		}
		for j, id := range person.Notify {
			if slices.Contains(emailIDs, id) {
				v.errorf(path{"people", i, "notify", j}, "notifier %q sends e-mail, and %s has no email address", id, person.ID)
			}
		}
		for j, r := range person.NotificationRules {
			if slices.Contains(emailIDs, r.Notifier) {
				v.errorf(path{"people", i, "notification_rules", j, "notifier"}, "notifier %q sends e-mail, and %s has no email address", r.Notifier, person.ID)
			}
		}
	}
	v.stakeholders(c, emailIDs)
}

func (v *validator) emailNotifier(p path, n *Notifier) {
	for key, set := range map[string]bool{"url": n.URL != "", "secret": n.Secret != "", "secret_env": n.SecretEnv != "",
		"from": n.From != "", "username": n.Username != "", "encoding": n.Encoding != ""} {
		if set {
			v.errorf(p.with(key), "an email notifier takes its settings under email: move or remove %s", key)
		}
	}
	if n.Email == nil {
		v.errorf(p.with("email"), "missing email settings: want at least smtp and from")
		return
	}
	e, ep := n.Email, p.with("email")
	host, port, err := net.SplitHostPort(e.SMTP)
	num, perr := strconv.Atoi(port)
	switch {
	case e.SMTP == "":
		v.errorf(ep.with("smtp"), "missing smtp: want the relay's host:port, such as smtp.example.com:587")
	case err != nil || host == "" || perr != nil || num < 1 || num > 65535:
		v.errorf(ep.with("smtp"), "invalid relay address %q: want host:port, such as smtp.example.com:587", e.SMTP)
	}
	if e.From == "" {
		v.errorf(ep.with("from"), "missing from: want the sender, such as Firebreak <firebreak@example.com>")
	} else if _, err := mail.ParseAddress(e.From); err != nil {
		v.errorf(ep.with("from"), "invalid email address %q", e.From)
	}
	switch e.StartTLS {
	case "":
		e.StartTLS = StartTLSRequired
	case StartTLSRequired:
	case StartTLSOff:
		if host != "" && !loopback(host) {
			v.errorf(ep.with("starttls"), "off is allowed only for a relay on localhost or a loopback address, not %q: mail and password would cross the network in plain text", host)
		}
	default:
		v.errorf(ep.with("starttls"), "unknown value %q: want required or off", e.StartTLS)
	}
	switch {
	case e.Username != "" && e.PasswordEnv == "":
		v.errorf(ep.with("password_env"), "missing name of the environment variable holding the password of %s", e.Username)
	case e.Username == "" && e.PasswordEnv != "":
		v.errorf(ep.with("username"), "missing username: password_env is set")
	case e.PasswordEnv != "" && !validEnvName(e.PasswordEnv):
		v.errorf(ep.with("password_env"), "invalid environment variable name %q", e.PasswordEnv)
	}
	if e.Timeout == 0 {
		e.Timeout = Duration(DefaultSMTPTimeout)
	} else {
		v.duration(ep.with("timeout"), e.Timeout, MinSMTPTimeout, MaxSMTPTimeout)
	}
	switch {
	case e.MaxBodyBytes == 0:
		e.MaxBodyBytes = DefaultEmailBodyBytes
	case e.MaxBodyBytes < MinEmailBodyBytes || e.MaxBodyBytes > MaxEmailBodyBytes:
		v.errorf(ep.with("max_body_bytes"), "%d is outside the range %d to %d", e.MaxBodyBytes, MinEmailBodyBytes, MaxEmailBodyBytes)
	}
}

// stakeholders checks the stakeholder lists: each names an email notifier (the only one by
// default), configured services, known severities and audiences, and valid addresses.
func (v *validator) stakeholders(c *Config, emailIDs []string) {
	if len(c.StakeholderLists) > MaxStakeholderLists {
		v.errorf(path{"stakeholders"}, "%d stakeholder lists: at most %d", len(c.StakeholderLists), MaxStakeholderLists)
		return
	}
	services := map[string]bool{}
	for _, id := range c.ServiceIDs() {
		services[id] = true
	}
	first := map[string]int{}
	for i := range c.StakeholderLists {
		l := &c.StakeholderLists[i]
		p := path{"stakeholders", i}
		switch j, dup := first[l.Name]; {
		case l.Name == "":
			v.errorf(p.with("name"), "missing name")
		case dup:
			v.errorf(p.with("name"), "duplicate stakeholder list %q, first defined on line %d", l.Name, path{"stakeholders", j, "name"}.line(v.root))
		case !validID(l.Name) || len(l.Name) > MaxIDLength:
			v.errorf(p.with("name"), "invalid name %q: use at most %d lowercase letters, digits and hyphens, starting with a letter or digit", l.Name, MaxIDLength)
		default:
			first[l.Name] = i
		}
		switch {
		case l.Notifier == "" && len(emailIDs) == 1:
			l.Notifier = emailIDs[0]
		case l.Notifier == "" && len(emailIDs) == 0:
			v.errorf(p, "no email notifier to send to the list: add a notifier of type email")
		case l.Notifier == "":
			v.errorf(p.with("notifier"), "missing notifier: name one of the email notifiers %s", strings.Join(emailIDs, ", "))
		case !slices.Contains(emailIDs, l.Notifier):
			v.errorf(p.with("notifier"), "%q is not an email notifier", l.Notifier)
		}
		for j, s := range l.Services {
			if !services[s] {
				v.errorf(p.with("services", j), "unknown service %q", s)
			}
		}
		for j, s := range l.Severities {
			if s != "sev1" && s != "sev2" && s != "sev3" {
				v.errorf(p.with("severities", j), "unknown severity %q: want sev1, sev2 or sev3", s)
			}
		}
		if len(l.Audiences) == 0 {
			l.Audiences = []string{AudienceInternal}
		}
		for j, a := range l.Audiences {
			if a != AudienceInternal && a != AudienceExternal {
				v.errorf(p.with("audiences", j), "unknown audience %q: want internal or external", a)
			}
		}
		switch {
		case len(l.Addresses) == 0:
			v.errorf(p.with("addresses"), "no addresses: want at least one e-mail address")
		case len(l.Addresses) > MaxStakeholderAddresses:
			v.errorf(p.with("addresses"), "%d addresses: at most %d", len(l.Addresses), MaxStakeholderAddresses)
		}
		for j, a := range l.Addresses {
			if _, err := mail.ParseAddress(a); err != nil {
				v.errorf(p.with("addresses", j), "invalid email address %q", a)
			}
		}
	}
}

// loopback reports whether host names the machine itself: localhost or a loopback IP.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// emailSecrets lists the SMTP passwords, which live only in the environment.
func (c *Config) emailSecrets() []secretField {
	var fields []secretField
	for i, n := range c.Notifiers {
		if n.Type == NotifierTypeEmail && n.Email != nil && n.Email.PasswordEnv != "" {
			fields = append(fields, secretField{at: path{"notifiers", i, "email"}, literalKey: "password", envKey: "password_env",
				envName: n.Email.PasswordEnv, use: NotifierSecrets})
		}
	}
	return fields
}
