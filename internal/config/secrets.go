package config

import (
	"maps"
	"slices"
	"strings"
)

// SecretUse says which part of Firebreak needs a secret, so that each process checks the
// secrets it uses and no other: a worker needs the notifiers' signing secrets to page people,
// the alert webhooks need the integrations' credentials.
type SecretUse uint8

// The uses of secrets; combine them with |.
const (
	// NotifierSecrets are the webhook notifiers' signing secrets, the email notifiers' SMTP
	// passwords, the tracking tool's token and the chat's token or webhook URL, which a worker
	// needs.
	NotifierSecrets SecretUse = 1 << iota
	// IntakeSecrets are the alert integrations' tokens and HMAC secrets, which the alert
	// webhooks need.
	IntakeSecrets
)

// secretField is one secret of the configuration: given in the file under literalKey, or by the
// name of an environment variable under envKey, never both.
type secretField struct {
	at               path // the item holding both keys
	literalKey       string
	envKey           string
	literal, envName string
	use              SecretUse
}

// secretFields lists every secret the configuration holds, in a fixed order. A new secret field
// belongs here: validation then refuses it given twice, and CheckSecrets checks its variable.
func (c *Config) secretFields() []secretField {
	var fields []secretField
	for i, n := range c.Notifiers {
		if n.Type != NotifierTypeWebhook {
			continue
		}
		fields = append(fields, secretField{at: path{"notifiers", i}, literalKey: "secret", envKey: "secret_env",
			literal: n.Secret, envName: n.SecretEnv, use: NotifierSecrets})
	}
	for _, name := range slices.Sorted(maps.Keys(c.Alerts.Integrations)) {
		in := c.Alerts.Integrations[name]
		at := path{"alerts", "integrations", name}
		fields = append(fields,
			secretField{at: at, literalKey: "token", envKey: "token_env", literal: in.Token, envName: in.TokenEnv, use: IntakeSecrets},
			secretField{at: at, literalKey: "hmac_secret", envKey: "hmac_secret_env", literal: in.HMAC, envName: in.HMACSecretEnv, use: IntakeSecrets},
		)
	}
	fields = append(fields, c.routingKeySecrets()...)
	fields = append(fields, c.emailSecrets()...)
	fields = append(fields, c.trackingSecrets()...)
	fields = append(fields, c.chatSecrets()...)
	return append(fields, c.statusPageSecrets()...)
}

// secrets refuses a secret given both in the file and by an environment variable: one of them
// would be ignored without a word. The message never shows the secret.
func (v *validator) secrets(fields []secretField) {
	for _, f := range fields {
		if f.literal != "" && f.envName != "" {
			v.errorf(f.at.with(f.envKey), "both %s and %s are set: keep one (%s keeps the secret out of the file)",
				f.literalKey, f.envKey, f.envKey)
		}
	}
}

// CheckSecrets reports every secret of the given uses that names an environment variable which
// lookup (os.LookupEnv in production) finds unset, empty or blank, as *Errors naming the file,
// line and field, joined in file order. It never shows a secret's value.
func (c *Config) CheckSecrets(use SecretUse, lookup func(name string) (string, bool)) error {
	var errs []*Error
	for _, f := range c.secretFields() {
		if f.use&use == 0 || f.envName == "" || f.literal != "" {
			continue
		}
		value, ok := lookup(f.envName)
		problem := "environment variable " + f.envName + " is not set"
		switch {
		case ok && strings.TrimSpace(value) != "":
			continue
		case ok:
			problem = "environment variable " + f.envName + " is empty"
		}
		p := f.at.with(f.envKey)
		errs = append(errs, &Error{File: c.file, Line: p.line(c.root), Path: p.String(), Problem: problem})
	}
	return join(errs)
}

// EnabledIntegrations returns, sorted, the alert integrations that accept alerts: those with a
// token or HMAC secret in the file or in a variable lookup finds set and not blank.
func (c *Config) EnabledIntegrations(lookup func(name string) (string, bool)) []string {
	var enabled []string
	for _, name := range slices.Sorted(maps.Keys(c.Alerts.Integrations)) {
		in := c.Alerts.Integrations[name]
		if resolves(in.Token, in.TokenEnv, lookup) || resolves(in.HMAC, in.HMACSecretEnv, lookup) || in.anyRoutingKey(lookup) {
			enabled = append(enabled, name)
		}
	}
	return enabled
}

// resolves reports whether a secret given as literal or by the variable envName has a value.
func resolves(literal, envName string, lookup func(string) (string, bool)) bool {
	if literal != "" {
		return true
	}
	if envName == "" {
		return false
	}
	value, _ := lookup(envName)
	return strings.TrimSpace(value) != ""
}
