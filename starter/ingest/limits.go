package ingest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/starter/alerts"
	"github.com/firebreak-dev/firebreak/workflows"
)

// Limits on what one request hands to Temporal, whatever it held: far below Temporal's 2 MB
// payload and 4 MB message limits, and its 2 KB limit on a search attribute value. Sizes in
// "encoded" limits are of the JSON the SDK sends, in which one byte of text can take six ("<"
// becomes \u003c).
const (
	// maxSignalBytes bounds the encoded alerts of one signal; a group's alerts that need more
	// travel in several signals.
	maxSignalBytes = 256 << 10
	// maxIncidentKeyBytes bounds the fingerprint and group key of an alert as an incident keeps
	// it (see incident.Alert.ForIncident, which would cut longer ones without a hash and so merge
	// them).
	maxIncidentKeyBytes = 256
	// maxRoutingTextBytes bounds the group and title of a routing decision.
	maxRoutingTextBytes = alerts.MaxTitleBytes
	// maxReasonBytes bounds one reason of a routing decision; maxReasonsEncoded all of them.
	maxReasonBytes    = 512
	maxReasonsEncoded = 4 << 10
	// maxLabelsEncoded bounds the labels an incident starts with.
	maxLabelsEncoded = 8 << 10
	// maxSummaryEncoded bounds the workflow's static summary: Temporal's default
	// limit.userMetadataSummarySize.
	maxSummaryEncoded = 400
	// maxDetailsGroupBytes bounds the group shown in the workflow's static details.
	maxDetailsGroupBytes = 256
)

// encodedLen returns the length of v in JSON, as the SDK's data converter encodes it.
func encodedLen(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// slim returns what an incident keeps of an alert (see incident.Alert.ForIncident), with its
// fingerprint and group key cut so that different ones stay different.
func slim(a incident.Alert) incident.Alert {
	a.Fingerprint = alerts.CutKey(a.Fingerprint, maxIncidentKeyBytes)
	a.GroupKey = alerts.CutKey(a.GroupKey, maxIncidentKeyBytes)
	return a.ForIncident()
}

// fitText returns s cut (with the truncation marker) so that its JSON encoding takes at most limit
// bytes.
func fitText(s string, limit int) string {
	n := min(len(s), limit)
	for {
		t := incident.Truncate(s, n)
		l := encodedLen(t)
		if l <= limit || n == 0 {
			return t
		}
		n = max(min(n-1, n*limit/l), 0)
	}
}

// fitRouting returns r with every text bounded, and with what IncidentInput.Validate requires
// filled in, so that no routing decision (the policy is the organisation's own code) can make a
// start fail or exceed Temporal's limits: a blank service becomes "unknown", a blank title names
// the source, an invalid impact fact is dropped.
func fitRouting(r workflows.Routing, source string) workflows.Routing {
	r.Group = alerts.CutKey(r.Group, maxRoutingTextBytes)
	r.Service = incident.Truncate(strings.TrimSpace(r.Service), alerts.MaxNameBytes)
	if r.Service == "" {
		r.Service = "unknown"
	}
	r.Type = incident.Truncate(r.Type, alerts.MaxNameBytes)
	r.Title = incident.Truncate(r.Title, maxRoutingTextBytes)
	if strings.TrimSpace(r.Title) == "" {
		r.Title = "Alert from " + incident.Truncate(source, alerts.MaxNameBytes)
	}
	r.PolicyRevision = incident.Truncate(r.PolicyRevision, alerts.MaxNameBytes)
	switch r.Impact.CustomersAffected {
	case "", "none", "some", "all":
	default:
		r.Impact.CustomersAffected = ""
	}
	if r.Impact.SupportCases != nil && *r.Impact.SupportCases < 0 {
		r.Impact.SupportCases = nil
	}
	var reasons []string
	used := 2
	for i, reason := range r.Reasons {
		reason = incident.Truncate(reason, maxReasonBytes)
		if n := encodedLen(reason) + 1; used+n <= maxReasonsEncoded-64 {
			reasons = append(reasons, reason)
			used += n
			continue
		}
		reasons = append(reasons, fmt.Sprintf("%d more reasons left out", len(r.Reasons)-i))
		break
	}
	r.Reasons = reasons
	return r
}

// fitLabels returns the labels an incident starts with: those of labels, in order of name, that
// fit in maxLabelsEncoded bytes of JSON, and the label alerts.TruncatedLabel saying how many did
// not.
func fitLabels(labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	out := map[string]string{}
	used, left := 2, 0
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		n := encodedLen(k) + encodedLen(labels[k]) + 2
		if left == 0 && used+n <= maxLabelsEncoded-256 {
			out[k] = labels[k]
			used += n
			continue
		}
		left++
	}
	if left > 0 {
		out[alerts.TruncatedLabel] = fmt.Sprintf("%d labels left out (the incident keeps %d bytes of labels)", left, maxLabelsEncoded)
	}
	return out
}
