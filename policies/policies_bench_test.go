package policies_test

import (
	"testing"

	"github.com/firebreak-dev/firebreak/policies"
)

// severityInput is a sev2 incident with several causes and an ignored override.
func severityInput() map[string]any {
	return map[string]any{
		"impact": map[string]any{
			"customers_affected":   "some",
			"data_loss":            false,
			"security_breach":      false,
			"core_degraded":        true,
			"performance_degraded": true,
			"workaround":           false,
			"support_cases":        12,
			"started_at":           "2026-03-01T10:00:00Z",
		},
		"service":  map[string]any{"id": "checkout", "customer_facing": true},
		"override": map[string]any{"severity": "sev4", "reason": "typo", "by": "bob"},
	}
}

// engagementInput is a sev1 security incident on a service with both teams.
func engagementInput() map[string]any {
	return map[string]any{
		"incident": map[string]any{"service": "checkout", "type": "security", "severity": "sev1"},
		"service":  map[string]any{"id": "checkout", "team": "payments", "escalation_team": "platform", "customer_facing": true},
	}
}

func BenchmarkDecideSeverity(b *testing.B) {
	benchmarkDecide(b, policies.Severity, severityInput())
}

func BenchmarkDecideSeverityParallel(b *testing.B) {
	benchmarkDecideParallel(b, policies.Severity, severityInput())
}

func BenchmarkDecideEngagement(b *testing.B) {
	benchmarkDecide(b, policies.Engagement, engagementInput())
}

func BenchmarkDecideEngagementParallel(b *testing.B) {
	benchmarkDecideParallel(b, policies.Engagement, engagementInput())
}

func benchmarkDecide(b *testing.B, name policies.Name, input map[string]any) {
	e := newEvaluator(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		var out map[string]any
		if err := e.Decide(ctx, name, input, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkDecideParallel(b *testing.B, name policies.Name, input map[string]any) {
	e := newEvaluator(b)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var out map[string]any
			if err := e.Decide(ctx, name, input, &out); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
