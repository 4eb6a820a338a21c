package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/firebreak-dev/firebreak/activities"
	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/policies"
	"github.com/firebreak-dev/firebreak/starter/ingest"
	"github.com/firebreak-dev/firebreak/worker"
)

// preflight is what `firebreak dev`, `worker` and `serve` check before they start anything.
type preflight struct {
	// ConfigPath is the configuration file; "" means the built-in example, whose alert
	// integrations stay off while their environment variables are unset.
	ConfigPath string
	// Secrets are the secrets the command uses.
	Secrets config.SecretUse
	// Intake says the command serves the alert webhooks only, so that accepting no alert at all
	// is a problem.
	Intake bool
	// Lookup reads an environment variable: os.LookupEnv.
	Lookup func(name string) (string, bool)
}

// run loads the configuration and checks the secrets the command uses and the policies (they
// compile, and every decision answers sensibly for every configured service). It reports every
// problem it finds at once, joined; each names its file and line where there is one.
func (p preflight) run(ctx context.Context) (*config.Config, error) {
	cfg, err := loadConfig(p.ConfigPath)
	if err != nil {
		return nil, err
	}
	use := p.Secrets
	if p.ConfigPath == "" {
		use &^= config.IntakeSecrets
	}
	var errs []error
	if err := cfg.CheckSecrets(use, p.Lookup); err != nil {
		errs = append(errs, err)
	} else if p.Intake && len(cfg.EnabledIntegrations(p.Lookup)) == 0 {
		errs = append(errs, fmt.Errorf("%s: no alert integration has a token or secret set, so firebreak serve would accept no alert", describeConfig(p.ConfigPath)))
	}
	if err := checkPolicies(ctx, cfg); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// checkPolicies compiles the configured policies and smoke-tests them against cfg.
func checkPolicies(ctx context.Context, cfg *config.Config) error {
	evaluator, err := policies.Load(ctx, cfg.Policies)
	if err != nil {
		return err
	}
	return smokePolicies(ctx, cfg, evaluator)
}

// smokePolicies asks every decision, through the code the worker and the alert webhooks run,
// about the configured services: the route of a firing alert naming each service, and for each
// kind of service (its owning team, escalation team, customer-facing flag and acknowledgement
// timeout; the first service of each kind stands for the others, which keeps the check short for
// large organisations) its severity for each impact and its engagement plan for each severity and
// type. A decision that fails, or a plan that pages a team or person the configuration does not
// have, is a problem named by the decision's file and line. The same problem for several cases
// is reported once, with a count.
func smokePolicies(ctx context.Context, cfg *config.Config, evaluator *policies.Evaluator) error {
	acts := &activities.Activities{
		Directory:    worker.Directory{Config: cfg},
		Policies:     evaluator,
		WorkingHours: worker.WorkingHours{Config: cfg},
	}
	router := &ingest.Router{Policies: evaluator, Config: cfg}
	problems := &smokeProblems{evaluator: evaluator}
	// Every scope of impact, and none reported; the built-in policies treat security
	// incidents apart from other types.
	impacts := []string{"all", "some", "none", ""}
	types := []string{"outage", "security"}
	type kind struct {
		team, escalationTeam string
		customerFacing       bool
		ackTimeout           config.Duration
	}
	kinds := map[kind]bool{}
	for _, s := range cfg.Services {
		c := "a firing alert of service " + s.ID
		route, err := router.Route(ctx, smokeAlert(s.ID))
		switch {
		case err != nil:
			problems.failed(policies.Routing, c, err)
		case route.Routing.Service != "" && !configured(cfg, route.Routing.Service):
			problems.add(policies.Routing, c, fmt.Sprintf("routes to service %q, which is not in the configuration", route.Routing.Service))
		}
		k := kind{team: s.Team, escalationTeam: s.EscalationTeam, customerFacing: s.CustomerFacing, ackTimeout: s.AckTimeout}
		if kinds[k] {
			continue
		}
		kinds[k] = true
		for _, customers := range impacts {
			c := fmt.Sprintf("service %s, customers affected %q", s.ID, customers)
			req := activities.SeverityRequest{Service: s.ID, Impact: incident.Impact{CustomersAffected: customers}}
			if _, err := acts.AssessSeverity(ctx, req); err != nil {
				problems.failed(policies.Severity, c, err)
			}
		}
		for _, sev := range []incident.Severity{incident.Sev1, incident.Sev2, incident.Sev3} {
			for _, typ := range types {
				c := fmt.Sprintf("service %s, %s %s", s.ID, sev, typ)
				plan, err := acts.DecideEngagement(ctx, activities.EngagementRequest{Service: s.ID, Type: typ, Severity: sev, Source: "cli"})
				if err != nil {
					problems.failed(policies.Engagement, c, err)
					continue
				}
				checkPlan(cfg, plan, func(name policies.Name, problem string) { problems.add(name, c, problem) })
			}
		}
	}
	return problems.err()
}

// configured reports whether cfg has the service.
func configured(cfg *config.Config, service string) bool {
	_, ok := cfg.Service(service)
	return ok
}

// checkPlan reports, through problem, each part of an engagement plan that would page nobody.
func checkPlan(cfg *config.Config, plan incident.EngagementPlan, problem func(policies.Name, string)) {
	unknown := func(t incident.Target) string {
		switch {
		case t.Person != "":
			if _, ok := cfg.Person(t.Person); !ok {
				return fmt.Sprintf("person %q, who is not in the configuration", t.Person)
			}
		case t.Team != "":
			if _, ok := cfg.Team(t.Team); !ok {
				return fmt.Sprintf("team %q, which is not in the configuration", t.Team)
			}
		case t.Schedule != "":
			if _, ok := cfg.ScheduleDefinition(t.Schedule); !ok {
				return fmt.Sprintf("schedule %q, which is not in the configuration", t.Schedule)
			}
		default:
			return "a target with neither team, schedule nor person"
		}
		return ""
	}
	for i, tier := range plan.Tiers {
		if len(tier) == 0 {
			problem(policies.Engagement, fmt.Sprintf("tier %d names nobody", i+1))
		}
		for _, t := range tier {
			if u := unknown(t); u != "" {
				problem(policies.Engagement, fmt.Sprintf("tier %d names %s", i+1, u))
			}
		}
	}
	if plan.CommanderTeam != "" {
		if _, ok := cfg.Team(plan.CommanderTeam); !ok {
			problem(policies.Engagement, fmt.Sprintf("the commander team %q is not in the configuration", plan.CommanderTeam))
		}
	}
	for _, t := range plan.LadderEnd.Targets {
		if u := unknown(t); u != "" {
			problem(policies.Engagement, "the ladder's end names "+u)
		}
	}
	for i, d := range plan.AckTimeouts {
		if d <= 0 {
			problem(policies.Escalation, fmt.Sprintf("level %d waits %s for an acknowledgement: want a positive timeout", i+1, d))
		}
	}
}

// smokeAlert is a firing alert naming service, as the generic webhook would parse it.
func smokeAlert(service string) incident.Alert {
	return incident.Alert{
		Source: "generic", Fingerprint: "firebreak-preflight", GroupKey: "firebreak-preflight",
		Status: incident.AlertFiring, Title: "Firebreak start-up check", Service: service,
		Labels:   map[string]string{"service": service, "severity": "critical"},
		StartsAt: time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC),
	}
}

// smokeProblems collects the smoke test's problems, each once, in the order first seen.
type smokeProblems struct {
	evaluator *policies.Evaluator
	keys      []string
	seen      map[string]*smokeProblem
}

type smokeProblem struct {
	name    policies.Name
	first   string // the first case that showed it
	problem string
	more    int
}

// failed records a decision that failed. The activities report which decision failed in their
// message ("decide escalation: ..."); it wins over name, the decision the caller asked about.
func (s *smokeProblems) failed(name policies.Name, c string, err error) {
	msg := err.Error()
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		msg = appErr.Message()
	}
	for _, n := range policies.Names() {
		if rest, ok := strings.CutPrefix(msg, "decide "+string(n)+": "); ok {
			name, msg = n, rest
		}
	}
	s.add(name, c, msg)
}

func (s *smokeProblems) add(name policies.Name, c, problem string) {
	key := string(name) + "\x00" + problem
	if p, ok := s.seen[key]; ok {
		p.more++
		return
	}
	if s.seen == nil {
		s.seen = map[string]*smokeProblem{}
	}
	s.seen[key] = &smokeProblem{name: name, first: c, problem: problem}
	s.keys = append(s.keys, key)
}

// err returns the problems joined, one per line, as
// "policies/engagement.rego:39: engagement decision for service checkout, sev1 outage: ...".
func (s *smokeProblems) err() error {
	errs := make([]error, 0, len(s.keys))
	for _, key := range s.keys {
		p := s.seen[key]
		msg := fmt.Sprintf("%s decision for %s: %s", p.name, p.first, p.problem)
		if src := s.evaluator.Source(p.name); src != "" {
			msg = src + ": " + msg
		}
		switch {
		case p.more == 1:
			msg += " (and 1 more case)"
		case p.more > 1:
			msg += fmt.Sprintf(" (and %d more cases)", p.more)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}
