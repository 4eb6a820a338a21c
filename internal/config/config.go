// Package config loads and validates Firebreak's configuration: the organisation, its people,
// its teams and their on-call rotations, its services, the notifiers that reach people, and
// the working hours that decide when a minor incident may wait.
//
// The configuration is one YAML file. Load and Parse reject unknown fields and report every
// problem they find as an *Error naming the file, the line, the field path and the problem:
//
//	firebreak.yaml:12: services[1].team: unknown team "paymnts"
//
// When there is more than one problem, the errors are joined with errors.Join, one per line,
// in the order they appear in the file.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	// Embed the time zone database so that a binary on a host or image without one still
	// understands the configured time zone.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"
)

//go:embed example.yaml
var exampleYAML []byte

// Limits on what a configuration file may hold.
const (
	// MaxFileBytes is the size of the largest configuration file Load and Parse accept.
	MaxFileBytes = 1 << 20
	// MaxIDLength is the length of the longest ID of a person, team, service or notifier.
	MaxIDLength = 63
)

// Defaults for the fields a configuration file may leave out.
const (
	DefaultTimezone  = "UTC"
	DefaultUIURL     = "http://localhost:8233"
	DefaultBridgeURL = "https://meet.jit.si/firebreak-{incident}"
)

// ConsoleNotifier is the ID of the built-in notifier that writes to the worker's output.
// It exists even when the file does not list it, and it is every person's default.
const ConsoleNotifier = "console"

// The notifier types.
const (
	NotifierTypeConsole = "console"
	NotifierTypeWebhook = "webhook"
)

// Config is Firebreak's configuration. Use Load or Parse to get one with defaults applied
// and validated.
type Config struct {
	// Organisation is the name used in communications, such as "Example Corp".
	Organisation string `yaml:"organisation"`
	// Timezone is the IANA name of the time zone of the working hours; default "UTC".
	Timezone string `yaml:"timezone"`
	// WorkingHours are when minor incidents are handled; default Monday to Friday, 09:00-17:00.
	WorkingHours WorkingHours `yaml:"working_hours"`
	// UIURL is the base URL of the Temporal Web UI; default "http://localhost:8233".
	UIURL string `yaml:"ui_url"`
	// BridgeURL is the video bridge URL template, in which "{incident}" is replaced by the
	// incident key; default "https://meet.jit.si/firebreak-{incident}".
	BridgeURL string `yaml:"bridge_url"`
	// Policies is the directory of Rego policies; "" means the built-in ones. Load resolves a
	// relative path against the directory of the configuration file.
	Policies string `yaml:"policies"`
	// People are everyone who can be paged.
	People []Person `yaml:"people"`
	// Teams own services and page people through their on-call rotations.
	Teams []Team `yaml:"teams"`
	// Services are what incidents affect.
	Services []Service `yaml:"services"`
	// Notifiers deliver pages and updates. After Load or Parse, it always includes the
	// built-in console notifier.
	Notifiers []Notifier `yaml:"notifiers"`
	// Alerts configures alert ingestion from Alertmanager, SNS and generic webhooks.
	Alerts Alerts `yaml:"alerts"`
	// Heartbeats are dead man's switches: each opens an incident when its pings stop.
	Heartbeats []Heartbeat `yaml:"heartbeats"`
	// Schedules are on-call schedules with layers; teams page through them (schedules.go).
	Schedules []Schedule `yaml:"schedules"`
	// Chat is the chat system incident channels open in (chat.go); none means the channel is
	// only named and announced through the notifiers.
	Chat Chat `yaml:"chat"`
	// Stakeholders are the lists of addresses e-mail notifiers send updates to (email.go).
	StakeholderLists []StakeholderList `yaml:"stakeholders"`
	// Tracking configures the tracking tool incidents are logged in (tracking.go).
	Tracking Tracking `yaml:"tracking"`
	// StatusPage configures /status and the push to Atlassian Statuspage (statuspage.go).
	StatusPage StatusPage `yaml:"status_page"`
	// EscalationPolicies are ordered ladders of schedules, people and teams that services page
	// through (escalation.go).
	EscalationPolicies []EscalationPolicy `yaml:"escalation_policies"`

	loc *time.Location
	// file and root are the file name and the YAML tree Parse read, so that problems found
	// later (an unset secret) still name the file and line.
	file string
	root *yaml.Node
}

// WorkingHours are the hours of the week in which the organisation is at work. They run from
// Start to End, in the configuration's time zone, on each of Days; they cannot span midnight.
type WorkingHours struct {
	// Days are the working days: "mon", "tue", "wed", "thu", "fri", "sat" or "sun".
	Days []string `yaml:"days"`
	// Start is the time of day work starts, as "HH:MM".
	Start string `yaml:"start"`
	// End is the time of day work ends, as "HH:MM"; it must be after Start.
	End string `yaml:"end"`
}

// Person is someone who can be paged.
type Person struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	// Notify lists the IDs of the notifiers that reach this person; default ["console"].
	Notify []string `yaml:"notify"`
	// SlackID is the person's Slack member ID, such as U024BE7LH, by which incident channels
	// invite them (chat.go).
	SlackID string `yaml:"slack_id"`
	// NotificationRules are the person's contact methods, each with a delay after the page;
	// they replace Notify (escalation.go).
	NotificationRules []NotificationRule `yaml:"notification_rules"`
	// Phone is the person's E.164 telephone number, for SMS notifiers.
	Phone string `yaml:"phone"`
}

// Team is a group of people who own services, with an on-call rotation.
type Team struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Rotation Rotation `yaml:"rotation"`
	// Schedule names a schedule of the schedules section to page through instead of a rotation.
	Schedule string `yaml:"schedule"`
}

// Rotation hands the on-call duty from one member to the next every Shift, starting with the
// first member at Start.
type Rotation struct {
	// Start is when the first member's first shift begins. Required.
	Start time.Time `yaml:"start"`
	// Shift is how long each member stays on call, such as "168h" for a week.
	Shift Duration `yaml:"shift"`
	// Members are person IDs, in the order they take their shifts.
	Members []string `yaml:"members"`
}

// Service is something an incident can affect, owned by a team.
type Service struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Team is the ID of the team that owns the service and is paged first.
	Team string `yaml:"team"`
	// EscalationTeam is the ID of the team paged when the owners do not respond; optional.
	EscalationTeam string `yaml:"escalation_team"`
	// CustomerFacing says whether customers see the service; it drives the severity.
	CustomerFacing bool `yaml:"customer_facing"`
	// Features name the parts of the service that communications mention.
	Features []string `yaml:"features"`
	// AckTimeout overrides how long a page may wait for acknowledgement; zero means the default.
	AckTimeout Duration `yaml:"ack_timeout"`
	// EscalationPolicy names the escalation policy the service pages through; "" pages the
	// owning and escalation teams as the engagement policy decides.
	EscalationPolicy string `yaml:"escalation_policy"`
	// AfterHoursEscalationPolicy names the escalation policy paged outside the working hours;
	// "" means EscalationPolicy at all hours.
	AfterHoursEscalationPolicy string `yaml:"after_hours_escalation_policy"`
}

// Notifier is a way of reaching people.
type Notifier struct {
	ID string `yaml:"id"`
	// Type is "console", "webhook", "email", "sms" or "slack" (a Slack direct message).
	Type string `yaml:"type"`
	// URL is where a webhook notifier posts messages; an absolute http or https URL.
	URL string `yaml:"url"`
	// Secret is a webhook notifier's HMAC signing secret itself; prefer SecretEnv. A webhook
	// notifier sets exactly one of the two.
	Secret string `yaml:"secret"`
	// SecretEnv is the name of the environment variable that holds a webhook notifier's
	// HMAC signing secret.
	SecretEnv string `yaml:"secret_env"`
	// Email configures an email notifier (email.go).
	Email *EmailNotifier `yaml:"email"`
	// From is an SMS notifier's sender: the provider's phone number or sender ID.
	From string `yaml:"from"`
	// Username is an SMS notifier's basic-auth user (Twilio's account SID), also put in place of
	// {username} in its URL; without one the secret is sent as a bearer token.
	Username string `yaml:"username"`
	// Encoding is how an SMS notifier encodes its request: "form" (the default) or "json".
	Encoding string `yaml:"encoding"`
}

// SigningSecret returns a webhook notifier's signing secret, from the file or the environment.
func (n Notifier) SigningSecret() string {
	if n.Secret != "" {
		return n.Secret
	}
	if n.SecretEnv != "" {
		return os.Getenv(n.SecretEnv)
	}
	return ""
}

// Load reads the configuration file at path, applies defaults and validates it. A file larger
// than MaxFileBytes is refused.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if c.Policies != "" && !filepath.IsAbs(c.Policies) {
		c.Policies = filepath.Join(filepath.Dir(path), c.Policies)
	}
	return c, nil
}

// Parse parses a configuration, applies defaults and validates it. The name is the file name
// used in error messages. Parse leaves a relative Policies path as written.
//
// Parse reports every problem it finds at once: a field the decoder cannot read (a wrong type,
// an unknown field) does not hide the problems of the rest of the file, though further
// problems inside the item that holds it wait for the next run. An empty file, one with no
// people, teams or services, a team without a rotation, a duration outside its range and a
// secret given both in the file and by an environment variable are all problems.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > MaxFileBytes {
		return nil, &Error{File: name, Problem: fmt.Sprintf("file is larger than %d MiB", MaxFileBytes>>20)}
	}
	// The node tree locates problems found after decoding; the strict decoder rejects
	// unknown fields.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, decodeError(name, &root, err)
	}
	if emptyDocument(&root) {
		return nil, &Error{File: name, Line: 1, Problem: "empty configuration: want at least people, teams and services"}
	}
	var c Config
	var decodeErrs []*Error
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		// After a type error the rest of the mapping is decoded, so validation can still
		// report the other problems; any other error stops here.
		te, ok := errors.AsType[*yaml.TypeError](err)
		if !ok || !isMapping(&root) {
			return nil, decodeError(name, &root, err)
		}
		decodeErrs = typeErrors(name, &root, te)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Line: next.Line, Problem: "more than one YAML document"}
	}
	c.setDefaults()
	c.file, c.root = name, &root
	if err := c.validate(decodeErrs); err != nil {
		return nil, err
	}
	return &c, nil
}

// emptyDocument reports whether root holds nothing: no document, only comments, or null.
func emptyDocument(root *yaml.Node) bool {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return true
	}
	n := root.Content[0]
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// isMapping reports whether the document root holds a mapping.
func isMapping(root *yaml.Node) bool {
	return root.Kind == yaml.DocumentNode && len(root.Content) > 0 && resolve(root.Content[0]).Kind == yaml.MappingNode
}

// Example returns the example configuration, for `firebreak init`, `firebreak dev` and tests.
func Example() *Config {
	c, err := Parse("example.yaml", exampleYAML)
	if err != nil {
		// Unreachable: TestExample proves the embedded example is valid.
		c = &Config{}
		c.setDefaults()
	}
	return c
}

// ExampleYAML returns the text of the example configuration, comments included.
func ExampleYAML() []byte {
	return bytes.Clone(exampleYAML)
}

func (c *Config) setDefaults() {
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	if len(c.WorkingHours.Days) == 0 {
		c.WorkingHours.Days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	if c.WorkingHours.Start == "" {
		c.WorkingHours.Start = "09:00"
	}
	if c.WorkingHours.End == "" {
		c.WorkingHours.End = "17:00"
	}
	if c.UIURL == "" {
		c.UIURL = DefaultUIURL
	}
	if c.BridgeURL == "" {
		c.BridgeURL = DefaultBridgeURL
	}
	for i := range c.People {
		if len(c.People[i].Notify) == 0 {
			c.People[i].Notify = []string{ConsoleNotifier}
		}
	}
	c.Alerts.setDefaults()
	c.StatusPage.setDefaults(c.Organisation)
	if _, ok := c.Notifier(ConsoleNotifier); !ok {
		c.Notifiers = append(c.Notifiers, Notifier{ID: ConsoleNotifier, Type: NotifierTypeConsole})
	}
}

// Service returns the service with the given ID.
func (c *Config) Service(id string) (Service, bool) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// ServiceIDs returns the ID of every service, in the file's order.
func (c *Config) ServiceIDs() []string {
	ids := make([]string, len(c.Services))
	for i, s := range c.Services {
		ids[i] = s.ID
	}
	return ids
}

// Person returns the person with the given ID.
func (c *Config) Person(id string) (Person, bool) {
	for _, p := range c.People {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// Team returns the team with the given ID.
func (c *Config) Team(id string) (Team, bool) {
	for _, t := range c.Teams {
		if t.ID == id {
			return t, true
		}
	}
	return Team{}, false
}

// Notifier returns the notifier with the given ID.
func (c *Config) Notifier(id string) (Notifier, bool) {
	for _, n := range c.Notifiers {
		if n.ID == id {
			return n, true
		}
	}
	return Notifier{}, false
}

// Location returns the configured time zone, or UTC if it is not a valid one.
func (c *Config) Location() *time.Location {
	if c.loc != nil {
		return c.loc
	}
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Bridge returns the video bridge URL of the incident with the given key.
func (c *Config) Bridge(incident string) string {
	return strings.ReplaceAll(c.BridgeURL, "{incident}", url.PathEscape(incident))
}
