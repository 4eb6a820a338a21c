package policies_test

import (
	"fmt"
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
	benchmarkDecide(b, policies.Severity, severityInput(), nil)
}

func BenchmarkDecideSeverityParallel(b *testing.B) {
	benchmarkDecideParallel(b, policies.Severity, severityInput())
}

func BenchmarkDecideEngagement(b *testing.B) {
	benchmarkDecide(b, policies.Engagement, engagementInput(), nil)
}

func BenchmarkDecideEngagementParallel(b *testing.B) {
	benchmarkDecideParallel(b, policies.Engagement, engagementInput())
}

// benchmarkDecide decides input with d, or with a new Evaluator when d is nil.
func benchmarkDecide(b *testing.B, name policies.Name, input map[string]any, d decider) {
	if d == nil {
		d = newEvaluator(b)
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		var out map[string]any
		if err := d.Decide(ctx, name, input, &out); err != nil {
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

// routingInput is a generic alert, as the storm benchmark sends it, with the ingestion's
// settings.
func routingInput() map[string]any {
	return map[string]any{
		"alert": map[string]any{
			"source": "generic", "fingerprint": "storm-7", "group_key": "storm-7", "status": "firing",
			"title": "Benchmark", "service": "search", "impact": map[string]any{"customers_affected": "some"},
			"starts_at": "0001-01-01T00:00:00Z",
		},
		"settings": routingSettings(),
		"services": configuredServices,
	}
}

func BenchmarkDecideRouting(b *testing.B) {
	benchmarkDecide(b, policies.Routing, routingInput(), nil)
}

// BenchmarkMemoRoutingNew decides a new alert each time: the memo's cost on top of evaluating.
func BenchmarkMemoRoutingNew(b *testing.B) {
	memo := policies.NewMemo(newEvaluator(b), 4096)
	input := routingInput()
	alert := input["alert"].(map[string]any)
	ctx := b.Context()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		alert["fingerprint"] = fmt.Sprintf("storm-%d", n)
		var out map[string]any
		if err := memo.Decide(ctx, policies.Routing, input, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoRoutingAgain decides the same alert each time: the memo answers.
func BenchmarkMemoRoutingAgain(b *testing.B) {
	benchmarkDecide(b, policies.Routing, routingInput(), policies.NewMemo(newEvaluator(b), 4096))
}
