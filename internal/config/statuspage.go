package config

import (
	"os"
	"strings"
	"time"
)

// Defaults and bounds of the status_page section.
const (
	// DefaultStatusMaxIncidents is how many incidents of each kind (open, resolved) the status
	// page lists when the configuration does not say.
	DefaultStatusMaxIncidents = 50
	// MaxStatusMaxIncidents bounds status_page.max_incidents: each open incident listed costs a
	// state query on every refresh of the page's cache.
	MaxStatusMaxIncidents = 500
	// DefaultStatusCache is how long one look at Temporal answers every status page request.
	DefaultStatusCache = 5 * time.Second
	// MinStatusCache and MaxStatusCache bound status_page.cache.
	MinStatusCache = time.Second
	MaxStatusCache = 5 * time.Minute
	// DefaultStatusRefresh is how often the status page's HTML asks the browser to reload it.
	DefaultStatusRefresh = time.Minute
	// MinStatusRefresh and MaxStatusRefresh bound status_page.refresh.
	MinStatusRefresh = 5 * time.Second
	MaxStatusRefresh = time.Hour
	// DefaultAtlassianBaseURL is Atlassian Statuspage's REST API.
	DefaultAtlassianBaseURL = "https://api.statuspage.io"
)

// StatusPage configures the status page that `firebreak serve` and `firebreak dev` serve under
// /status, and the optional push of public updates to Atlassian Statuspage.
type StatusPage struct {
	// Title heads the page and its feed; default "<organisation> status".
	Title string `yaml:"title"`
	// URL is the page's public base address, such as "https://status.example.com", used for the
	// links of the Atom feed; empty means the address each request came to.
	URL string `yaml:"url"`
	// MaxIncidents is the most open incidents, and the most resolved ones, listed; default 50.
	MaxIncidents int `yaml:"max_incidents"`
	// Cache is how long one look at Temporal answers every request; default 5s.
	Cache Duration `yaml:"cache"`
	// Refresh is how often the HTML page reloads itself; default 1m.
	Refresh Duration `yaml:"refresh"`
	// InternalIntegration names the alert integration whose bearer token opens
	// /status/internal; default "generic". Without that token, the internal page opens to no one.
	InternalIntegration string `yaml:"internal_integration"`
	// Atlassian, when set, pushes public updates to an Atlassian Statuspage page.
	Atlassian *Atlassian `yaml:"atlassian"`
}

// Atlassian configures the push to Atlassian Statuspage.
type Atlassian struct {
	// PageID is the Statuspage page's ID.
	PageID string `yaml:"page_id"`
	// APIKey is the API key itself; prefer APIKeyEnv.
	APIKey string `yaml:"api_key"`
	// APIKeyEnv names the environment variable that holds the API key.
	APIKeyEnv string `yaml:"api_key_env"`
	// BaseURL is the API's address; default "https://api.statuspage.io".
	BaseURL string `yaml:"base_url"`
	// Components maps a service ID to its Statuspage component ID; an incident on a service
	// not listed sets no component status.
	Components map[string]string `yaml:"components"`
}

// Key returns the API key, from the file or the environment, with surrounding blanks removed.
func (a Atlassian) Key() string {
	if a.APIKey != "" {
		return strings.TrimSpace(a.APIKey)
	}
	if a.APIKeyEnv != "" {
		return strings.TrimSpace(os.Getenv(a.APIKeyEnv))
	}
	return ""
}

func (s *StatusPage) setDefaults(organisation string) {
	if s.Title == "" {
		s.Title = strings.TrimSpace(organisation + " status")
	}
	if s.MaxIncidents == 0 {
		s.MaxIncidents = DefaultStatusMaxIncidents
	}
	if s.Cache == 0 {
		s.Cache = Duration(DefaultStatusCache)
	}
	if s.Refresh == 0 {
		s.Refresh = Duration(DefaultStatusRefresh)
	}
	if s.InternalIntegration == "" {
		s.InternalIntegration = IntegrationGeneric
	}
	if s.Atlassian != nil && s.Atlassian.BaseURL == "" {
		s.Atlassian.BaseURL = DefaultAtlassianBaseURL
	}
}

// statusPageSecrets lists the Atlassian API key as a secret, for secretFields: a worker pushes.
func (c *Config) statusPageSecrets() []secretField {
	a := c.StatusPage.Atlassian
	if a == nil {
		return nil
	}
	return []secretField{{at: path{"status_page", "atlassian"}, literalKey: "api_key", envKey: "api_key_env",
		literal: a.APIKey, envName: a.APIKeyEnv, use: NotifierSecrets}}
}

func (v *validator) statusPage(c *Config) {
	s := c.StatusPage
	p := path{"status_page"}
	if s.URL != "" && !absoluteHTTP(s.URL) {
		v.errorf(p.with("url"), "want an absolute http or https URL")
	}
	if s.MaxIncidents < 1 || s.MaxIncidents > MaxStatusMaxIncidents {
		v.errorf(p.with("max_incidents"), "%d is outside the range 1 to %d", s.MaxIncidents, MaxStatusMaxIncidents)
	}
	v.duration(p.with("cache"), s.Cache, MinStatusCache, MaxStatusCache)
	v.duration(p.with("refresh"), s.Refresh, MinStatusRefresh, MaxStatusRefresh)
	switch s.InternalIntegration {
	case IntegrationAlertmanager, IntegrationSNS, IntegrationGeneric:
	default:
		v.errorf(p.with("internal_integration"), "unknown integration %q: want alertmanager, sns or generic, whose bearer token opens /status/internal",
			s.InternalIntegration)
	}
	a := s.Atlassian
	if a == nil {
		return
	}
	ap := p.with("atlassian")
	if strings.TrimSpace(a.PageID) == "" || strings.ContainsAny(a.PageID, "/?#% ") {
		v.errorf(ap.with("page_id"), "want the page's ID, such as \"kctbh9vrtdwd\"")
	}
	if a.APIKey == "" && a.APIKeyEnv == "" {
		v.errorf(ap, "missing api_key_env: the API key authenticates every request")
	}
	if a.APIKeyEnv != "" && !validEnvName(a.APIKeyEnv) {
		v.errorf(ap.with("api_key_env"), "invalid environment variable name %q", a.APIKeyEnv)
	}
	if !absoluteHTTP(a.BaseURL) {
		v.errorf(ap.with("base_url"), "want an absolute http or https URL")
	}
	for service, component := range a.Components {
		if _, ok := c.Service(service); !ok {
			v.errorf(ap.with("components", service), "unknown service %q", service)
		}
		if strings.TrimSpace(component) == "" || strings.ContainsAny(component, "/?#% ") {
			v.errorf(ap.with("components", service), "want the component's ID")
		}
	}
}
