package config

import (
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds and defaults of the tracking section.
const (
	// DefaultGitHubAPI is the REST API of github.com.
	DefaultGitHubAPI = "https://api.github.com/"
	// DefaultTrackingLabel marks the issues Firebreak opens.
	DefaultTrackingLabel = "incident"
	// DefaultTrackingTimeout bounds each request to the tracking tool when the file does not say.
	DefaultTrackingTimeout = 10 * time.Second
	// MinTrackingTimeout and MaxTrackingTimeout bound the tracking tool's timeout.
	MinTrackingTimeout = time.Second
	MaxTrackingTimeout = 2 * time.Minute
	// MaxLabelLength is the length of GitHub's longest label name, in characters.
	MaxLabelLength = 50
	// MaxTrackingLabels bounds the extra labels of every tracking issue.
	MaxTrackingLabels = 10
)

var repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

// Tracking configures the tracking tool incidents are logged in at detection. Without github,
// they are logged in the local JSON log in the worker's data directory.
type Tracking struct {
	// GitHub logs each incident as an issue of a GitHub or GitHub Enterprise repository.
	GitHub *GitHubTracking `yaml:"github"`
}

// GitHubTracking is the repository incidents are logged in as issues: opened at detection,
// labelled with the severity and the service, commented at key events, closed at resolution.
type GitHubTracking struct {
	// Repository is the repository, "owner/name". Required.
	Repository string `yaml:"repository"`
	// BaseURL is the REST API's base URL; default https://api.github.com/, or
	// https://HOST/api/v3/ for GitHub Enterprise Server.
	BaseURL string `yaml:"base_url"`
	// TokenEnv names the environment variable that holds the token, which needs the issues
	// permission (read and write) on the repository. Required.
	TokenEnv string `yaml:"token_env"`
	// Label marks the issues Firebreak opens, and finds them again; default "incident".
	Label string `yaml:"label"`
	// Labels are put on every issue besides Label and the severity and service labels.
	Labels []string `yaml:"labels"`
	// Timeout bounds each request; default 10s, between 1s and 2m.
	Timeout Duration `yaml:"timeout"`
}

// Token returns the token from the environment.
func (g GitHubTracking) Token(lookup func(string) (string, bool)) string {
	v, _ := lookup(g.TokenEnv)
	return strings.TrimSpace(v)
}

// tracking applies the defaults of the tracking section and checks it.
func (v *validator) tracking(c *Config) {
	g := c.Tracking.GitHub
	if g == nil {
		return
	}
	p := path{"tracking", "github"}
	switch {
	case g.Repository == "":
		v.errorf(p.with("repository"), "missing repository: want owner/name")
	case !repositoryPattern.MatchString(g.Repository) || strings.HasSuffix(g.Repository, "/.") || strings.HasSuffix(g.Repository, "/.."):
		v.errorf(p.with("repository"), "invalid repository %q: want owner/name", g.Repository)
	}
	if g.BaseURL == "" {
		g.BaseURL = DefaultGitHubAPI
	} else if u, err := url.Parse(g.BaseURL); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		v.errorf(p.with("base_url"), "want an absolute http or https URL without credentials or query, such as https://github.example.com/api/v3/")
	} else if !strings.HasSuffix(g.BaseURL, "/") {
		g.BaseURL += "/"
	}
	switch {
	case g.TokenEnv == "":
		v.errorf(p.with("token_env"), "missing name of the environment variable holding the GitHub token")
	case !validEnvName(g.TokenEnv):
		v.errorf(p.with("token_env"), "invalid environment variable name %q", g.TokenEnv)
	}
	if g.Label == "" {
		g.Label = DefaultTrackingLabel
	}
	v.label(p.with("label"), g.Label)
	if len(g.Labels) > MaxTrackingLabels {
		v.errorf(p.with("labels"), "%d labels: at most %d", len(g.Labels), MaxTrackingLabels)
	}
	for i, l := range g.Labels {
		v.label(p.with("labels", i), l)
	}
	if g.Timeout == 0 {
		g.Timeout = Duration(DefaultTrackingTimeout)
	} else {
		v.duration(p.with("timeout"), g.Timeout, MinTrackingTimeout, MaxTrackingTimeout)
	}
}

// label checks a GitHub label name: not blank, at most 50 characters, no comma (the issues
// list separates labels with commas) and no control characters.
func (v *validator) label(p path, l string) {
	switch {
	case strings.TrimSpace(l) == "":
		v.errorf(p, "empty label")
	case utf8.RuneCountInString(l) > MaxLabelLength:
		v.errorf(p, "label %q is longer than %d characters", l, MaxLabelLength)
	case strings.ContainsAny(l, ",") || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		v.errorf(p, "label %q has a comma or a control character", l)
	}
}

// trackingSecrets lists the tracking tool's token, which lives only in the environment.
func (c *Config) trackingSecrets() []secretField {
	if g := c.Tracking.GitHub; g != nil && g.TokenEnv != "" {
		return []secretField{{at: path{"tracking", "github"}, literalKey: "token", envKey: "token_env", envName: g.TokenEnv, use: NotifierSecrets}}
	}
	return nil
}
