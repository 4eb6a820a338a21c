package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/firebreak-dev/firebreak/internal/safetext"
)

// Error is one problem in a configuration file. Its message names the file, the line, the
// field path and the problem, as in
//
//	firebreak.yaml:12: services[1].team: unknown team "paymnts"
type Error struct {
	// File is the file name given to Load or Parse.
	File string
	// Line is the 1-based line of the problem, or 0 when it is not known.
	Line int
	// Path is the field path, such as services[1].team, or "" when the problem is not
	// about one field.
	Path string
	// Problem says what is wrong.
	Problem string
}

// Error returns "file:line: path: problem", leaving out the parts that are not known. Control
// and formatting characters, which a file may hold in its keys and values, are shown escaped
// (as \x1b) by safetext.Line, so that the message is safe to print on a terminal.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Path != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return safetext.Line(b.String())
}

// decodeError turns an error from the YAML decoder into *Errors.
func decodeError(file string, root *yaml.Node, err error) error {
	var te *yaml.TypeError
	var pe *time.ParseError
	switch {
	case errors.As(err, &pe):
		// The decoder reports a bad time without its place: find the value.
		p, line, _ := find(root, func(_, value *yaml.Node) bool {
			return value.Kind == yaml.ScalarNode && value.Value == pe.Value
		})
		return &Error{File: file, Line: line, Path: p.String(), Problem: fmt.Sprintf("invalid time %q: want a timestamp such as 2025-01-06T09:00:00Z", pe.Value)}
	case !errors.As(err, &te):
		return lineError(file, root, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return join(typeErrors(file, root, te))
}

// typeErrors turns each message of a *yaml.TypeError into an *Error.
func typeErrors(file string, root *yaml.Node, te *yaml.TypeError) []*Error {
	errs := make([]*Error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		errs = append(errs, lineError(file, root, msg))
	}
	return errs
}

// lineError turns a decoder message such as "line 3: field colour not found in type
// config.Config" into an *Error, adding the field path when the message lacks one.
func lineError(file string, root *yaml.Node, msg string) *Error {
	e := &Error{File: file, Problem: msg}
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return e
	}
	num, problem, ok := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(num)
	if !ok || err != nil {
		return e
	}
	e.Line, e.Problem = line, problem
	if !strings.HasPrefix(problem, "field ") {
		e.Path = pathAtLine(root, line)
	}
	return e
}

func join(errs []*Error) error {
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// path is a field path: map keys (string) and sequence indices (int).
type path []any

// with returns the path extended by elems.
func (p path) with(elems ...any) path {
	return append(slices.Clip(p), elems...)
}

func (p path) String() string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(e) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, e)
		}
	}
	return b.String()
}

// line returns the line of the field at p in the document root: the line of its key, or of
// the nearest parent present in the file when the field is missing.
func (p path) line(root *yaml.Node) int {
	n := resolve(root)
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = resolve(n.Content[0])
	}
	if n == nil {
		return 0
	}
	line := n.Line
	for _, e := range p {
		var next *yaml.Node
		switch e := e.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == e {
					line, next = n.Content[i].Line, n.Content[i+1]
					break
				}
			}
		case int:
			if n.Kind != yaml.SequenceNode || e >= len(n.Content) {
				return line
			}
			next = n.Content[e]
			line = next.Line
		}
		if next = resolve(next); next == nil {
			return line
		}
		n = next
	}
	return line
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pathAtLine returns the path of the first field whose key, or sequence item, is on line.
func pathAtLine(root *yaml.Node, line int) string {
	return fieldAtLine(root, line).String()
}

func fieldAtLine(root *yaml.Node, line int) path {
	p, _, _ := find(root, func(key, value *yaml.Node) bool {
		if key != nil {
			return key.Line == line
		}
		return value.Kind != yaml.MappingNode && value.Line == line
	})
	return p
}

// find walks the fields of the document root, mapping entries and sequence items, and
// returns the path and line of the first one for which match reports true. The key of a
// sequence item is nil.
func find(root *yaml.Node, match func(key, value *yaml.Node) bool) (path, int, bool) {
	var walk func(n *yaml.Node, p path) (path, int, bool)
	walk = func(n *yaml.Node, p path) (path, int, bool) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, value := n.Content[i], n.Content[i+1]
				if match(key, value) {
					return p.with(key.Value), key.Line, true
				}
				if found, line, ok := walk(value, p.with(key.Value)); ok {
					return found, line, true
				}
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				if match(nil, item) {
					return p.with(i), item.Line, true
				}
				if found, line, ok := walk(item, p.with(i)); ok {
					return found, line, true
				}
			}
		}
		return nil, 0, false
	}
	// Only a mapping has fields; any other document is wrong as a whole.
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, 0, false
	}
	return walk(root.Content[0], nil)
}

// validator collects the problems of one configuration file.
type validator struct {
	file string
	root *yaml.Node
	errs []*Error
}

func (v *validator) errorf(p path, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: p.line(v.root), Path: p.String(), Problem: fmt.Sprintf(format, args...)})
}

// validate checks c, which has its defaults and the file and tree it came from, and sets its
// location. decodeErrs are the problems the decoder found; they are reported with the
// validation's, except those the decoder's problems cause (see unrelated).
func (c *Config) validate(decodeErrs []*Error) error {
	v := &validator{file: c.file, root: c.root}

	if loc, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "Local" {
		v.errorf(path{"timezone"}, "unknown time zone %q: want an IANA name such as \"Europe/Rome\"", c.Timezone)
	} else {
		c.loc = loc
	}
	v.workingHours(c.WorkingHours)
	if !absoluteHTTP(c.UIURL) {
		v.errorf(path{"ui_url"}, "want an absolute http or https URL")
	}
	if !absoluteHTTP(strings.ReplaceAll(c.BridgeURL, "{incident}", "incident")) {
		v.errorf(path{"bridge_url"}, "want an absolute http or https URL")
	}

	notifiers := v.ids("notifier", "notifiers", len(c.Notifiers), func(i int) string { return c.Notifiers[i].ID })
	for i, n := range c.Notifiers {
		v.notifier(path{"notifiers", i}, n)
	}

	people := v.ids("person", "people", len(c.People), func(i int) string { return c.People[i].ID })
	for i, p := range c.People {
		if p.Email != "" {
			if _, err := mail.ParseAddress(p.Email); err != nil {
				v.errorf(path{"people", i, "email"}, "invalid email address %q", p.Email)
			}
		}
		for j, id := range p.Notify {
			if !notifiers[id] {
				v.errorf(path{"people", i, "notify", j}, "unknown notifier %q", id)
			}
		}
	}

	teams := v.ids("team", "teams", len(c.Teams), func(i int) string { return c.Teams[i].ID })
	for i, t := range c.Teams {
		v.teamOnCall(path{"teams", i}, t, people)
	}
	v.schedules(c, people)

	v.ids("service", "services", len(c.Services), func(i int) string { return c.Services[i].ID })
	// Without people, teams and services a worker would page nobody.
	if len(c.People) == 0 {
		v.errorf(path{"people"}, "no people: want at least one person who can be paged")
	}
	if len(c.Teams) == 0 {
		v.errorf(path{"teams"}, "no teams: want at least one team with an on-call rotation")
	}
	if len(c.Services) == 0 {
		v.errorf(path{"services"}, "no services: want at least one service, owned by a team")
	}
	for i, s := range c.Services {
		p := path{"services", i}
		switch {
		case s.Team == "":
			v.errorf(p.with("team"), "missing team")
		case !teams[s.Team]:
			v.errorf(p.with("team"), "unknown team %q", s.Team)
		}
		if s.EscalationTeam != "" && !teams[s.EscalationTeam] {
			v.errorf(p.with("escalation_team"), "unknown team %q", s.EscalationTeam)
		}
		for j, f := range s.Features {
			if strings.TrimSpace(f) == "" {
				v.errorf(p.with("features", j), "empty feature name")
			}
		}
		if s.AckTimeout != 0 {
			v.duration(p.with("ack_timeout"), s.AckTimeout, MinAckTimeout, MaxAckTimeout)
		}
	}
	v.escalation(c, people, teams, notifiers)
	v.alerts(c.Alerts)
	v.heartbeats(c)
	v.pagerDuty(c)
	v.email(c)
	v.tracking(c)
	v.statusPage(c)
	v.chat(c)
	v.slackDM(c)
	v.secrets(c.secretFields())
	return join(append(decodeErrs, unrelated(v.errs, decodeErrs, v.root)...))
}

// unrelated returns the validation problems outside the items the decoder's problems are in:
// a value the decoder could not read is missing from the decoded configuration, and what
// validation says of that item would only repeat the decoder's problem.
func unrelated(errs, decodeErrs []*Error, root *yaml.Node) []*Error {
	var scopes []string
	for _, d := range decodeErrs {
		scope := d.Path
		if scope == "" && d.Line > 0 && strings.HasPrefix(d.Problem, "field ") {
			// An unknown field: the item that holds it.
			if p := fieldAtLine(root, d.Line); len(p) > 1 {
				scope = p[:len(p)-1].String()
			}
		}
		if scope != "" {
			scopes = append(scopes, scope)
		}
	}
	return slices.DeleteFunc(errs, func(e *Error) bool {
		return slices.ContainsFunc(scopes, func(scope string) bool { return within(e.Path, scope) })
	})
}

// within reports whether the field path p is scope or inside it.
func within(p, scope string) bool {
	rest, ok := strings.CutPrefix(p, scope)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

// duration checks that d lies in [lo, hi] and is a whole number of seconds, as the policies
// read durations in seconds.
func (v *validator) duration(p path, d Duration, lo, hi time.Duration) {
	switch {
	case time.Duration(d) < lo || time.Duration(d) > hi:
		v.errorf(p, "%s is outside the range %s to %s", d.short(), Duration(lo).short(), Duration(hi).short())
	case time.Duration(d)%time.Second != 0:
		v.errorf(p, "%s is not a whole number of seconds", d.short())
	}
}

// ids checks the IDs of one kind of thing and returns the set of declared ones. An invalid ID
// is still declared, so that references to it report no second problem.
func (v *validator) ids(kind, list string, n int, id func(int) string) map[string]bool {
	first := make(map[string]int, n)
	for i := range n {
		p := path{list, i, "id"}
		id := id(i)
		if id == "" {
			v.errorf(p, "missing id")
			continue
		}
		if j, dup := first[id]; dup {
			v.errorf(p, "duplicate %s id %q, first defined on line %d", kind, id, path{list, j, "id"}.line(v.root))
			continue
		}
		first[id] = i
		if len(id) > MaxIDLength {
			v.errorf(p, "id %q is longer than %d characters", id, MaxIDLength)
		} else if !validID(id) {
			v.errorf(p, "invalid id %q: use lowercase letters, digits and hyphens, starting with a letter or digit", id)
		}
	}
	declared := make(map[string]bool, len(first))
	for id := range first {
		declared[id] = true
	}
	return declared
}

// validID reports whether id matches ^[a-z0-9][a-z0-9-]*$.
func validID(id string) bool {
	for i, r := range id {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' && i > 0) {
			return false
		}
	}
	return id != ""
}

func (v *validator) workingHours(w WorkingHours) {
	p := path{"working_hours"}
	seen := make(map[string]bool, len(w.Days))
	for i, d := range w.Days {
		if _, ok := parseDay(d); !ok {
			v.errorf(p.with("days", i), "unknown day %q: want mon, tue, wed, thu, fri, sat or sun", d)
		} else if seen[d] {
			v.errorf(p.with("days", i), "duplicate day %q", d)
		}
		seen[d] = true
	}
	start, errStart := parseClock(w.Start)
	if errStart != nil {
		v.errorf(p.with("start"), "%v", errStart)
	}
	end, errEnd := parseClock(w.End)
	if errEnd != nil {
		v.errorf(p.with("end"), "%v", errEnd)
	}
	if errStart == nil && errEnd == nil && start >= end {
		v.errorf(p.with("end"), "end %s is not after start %s", w.End, w.Start)
	}
}

func (v *validator) notifier(p path, n Notifier) {
	switch n.Type {
	case "":
		v.errorf(p.with("type"), "missing type: want console, webhook, email, sms or slack")
	case NotifierTypeConsole:
		for key, set := range map[string]bool{"secret": n.Secret != "", "secret_env": n.SecretEnv != ""} {
			if set {
				v.errorf(p.with(key), "a console notifier signs nothing: remove %s", key)
			}
		}
	case NotifierTypeWebhook:
		if !absoluteHTTP(n.URL) {
			v.errorf(p.with("url"), "want an absolute http or https URL")
		}
		if n.SecretEnv == "" && n.Secret == "" {
			v.errorf(p.with("secret_env"), "missing name of the environment variable holding the HMAC signing secret")
		} else if n.SecretEnv != "" && !validEnvName(n.SecretEnv) {
			v.errorf(p.with("secret_env"), "invalid environment variable name %q", n.SecretEnv)
		}
	case NotifierTypeSMS: // checked by escalation (escalation.go)
	case NotifierTypeEmail: // checked by email (email.go)
	case NotifierTypeSlack: // checked by slackDM (slackdm.go)
	default:
		v.errorf(p.with("type"), "unknown type %q: want console, webhook, email, sms or slack", n.Type)
	}
	if n.ID == ConsoleNotifier && n.Type != NotifierTypeConsole && n.Type != "" {
		v.errorf(p.with("type"), "notifier %q is built in and must have type console", ConsoleNotifier)
	}
}

func (v *validator) rotation(p path, r Rotation, people map[string]bool) {
	if r.Start.IsZero() && r.Shift == 0 && len(r.Members) == 0 {
		v.errorf(p, "missing rotation: want start, shift and members")
		return
	}
	if r.Start.IsZero() {
		v.errorf(p.with("start"), "missing start time, such as 2025-01-06T09:00:00Z")
	}
	if r.Shift <= 0 {
		v.errorf(p.with("shift"), "want a positive duration, such as 168h")
	} else {
		v.duration(p.with("shift"), r.Shift, MinShift, MaxShift)
	}
	if len(r.Members) == 0 {
		v.errorf(p.with("members"), "no members: want at least one person id")
	}
	for j, id := range r.Members {
		if !people[id] {
			v.errorf(p.with("members", j), "unknown person %q", id)
		}
	}
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func validEnvName(s string) bool {
	for i, r := range s {
		if !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || r == '_' || '0' <= r && r <= '9' && i > 0) {
			return false
		}
	}
	return s != ""
}
