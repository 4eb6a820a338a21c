package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
	// AlertAcknowledged is the status of an alert whose sender says someone works on it (a
	// PagerDuty acknowledge event): the alert keeps firing, and its incident is acknowledged.
	AlertAcknowledged = "acknowledged"
)

// maxSenderLen bounds an alert's Sender, in bytes.
const maxSenderLen = 100

// Alert is one alert from an alerting tool, normalised: Prometheus Alertmanager, Grafana,
// CloudWatch through Amazon SNS, Firebreak's generic format, or a PagerDuty Events API v2 event.
type Alert struct {
	// Source is the sender: "alertmanager", "grafana", "sns", "generic" or "pagerduty".
	Source string `json:"source"`
	// Sender names the configured credential the alert came with, such as "pagerduty/prometheus"
	// for a PagerDuty routing key named prometheus. An incident acknowledged or resolved by its
	// alerts records it as the one who acted.
	Sender string `json:"sender,omitempty"`
	// Fingerprint is the stable identity of this alert within its source: the Alertmanager or
	// Grafana fingerprint, the CloudWatch alarm ARN, or the generic or PagerDuty dedup_key.
	Fingerprint string `json:"fingerprint"`
	// GroupKey is the sender's grouping: the Alertmanager groupKey, the CloudWatch alarm ARN,
	// the generic dedup_key, or "pagerduty/<routing key name>/<dedup_key>".
	GroupKey string `json:"group_key"`
	// Status is AlertFiring, AlertResolved or AlertAcknowledged.
	Status      string            `json:"status"`
	Title       string            `json:"title"`
	Service     string            `json:"service,omitempty"`
	Type        string            `json:"type,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Impact holds impact facts as sent (customers_affected, data_loss, ...); generic only.
	Impact   map[string]any    `json:"impact,omitempty"`
	Links    map[string]string `json:"links,omitempty"`
	StartsAt time.Time         `json:"starts_at"`
	EndsAt   time.Time         `json:"ends_at,omitzero"`
}

// AlertRecord is what an incident keeps of one alert: its latest status and how often it came.
type AlertRecord struct {
	Fingerprint string    `json:"fingerprint"`
	Source      string    `json:"source"`
	Title       string    `json:"title"`
	Status      string    `json:"status"`
	Count       int       `json:"count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
}

// Routing is what the routing policy decided for a group of alerts: the incident they open and
// what happens when they resolve.
type Routing struct {
	Group            string        `json:"group"`
	Service          string        `json:"service"`
	Type             string        `json:"type"`
	Title            string        `json:"title"`
	Impact           Impact        `json:"impact"`
	CloseFalseAlarms bool          `json:"close_false_alarms"`
	FalseAlarmGrace  time.Duration `json:"false_alarm_grace"`
	ReopenWindow     time.Duration `json:"reopen_window"`
	// ResolveWithAlerts resolves the incident as soon as every alert has resolved, as PagerDuty
	// does, instead of closing it as a false alarm or leaving resolution to the responders.
	ResolveWithAlerts bool     `json:"resolve_with_alerts,omitempty"`
	Reasons           []string `json:"reasons,omitempty"`
	PolicyRevision    string   `json:"policy_revision"`
}

// AlertBatch is one alerts signal: the alerts of one group that arrived together, and the routing
// decision that grouped them.
type AlertBatch struct {
	Alerts  []Alert `json:"alerts"`
	Routing Routing `json:"routing"`
}

// AlertBook is the bounded index of every distinct alert an incident has seen: whether each is
// firing, by a short hash of its source and fingerprint. Past MaxTrackedAlerts distinct alerts,
// the arrivals of the rest are only counted, in Untracked.
type AlertBook struct {
	Firing map[string]bool `json:"firing,omitempty"`
	// FiringNow counts the tracked alerts that are firing.
	FiringNow int `json:"firing_now"`
	Untracked int `json:"untracked,omitempty"`
}

// AllResolved reports whether every alert seen has resolved. With untracked alerts nobody can
// tell, so it answers false: an incident never closes itself on a guess.
func (b AlertBook) AllResolved() bool {
	return len(b.Firing) > 0 && b.Untracked == 0 && b.FiringNow == 0
}

// book sets the status of the alert id, or counts it as untracked when the book is full.
func (b *AlertBook) book(id string, firing bool) {
	was, tracked := b.Firing[id]
	if !tracked && len(b.Firing) >= MaxTrackedAlerts {
		b.Untracked++
		return
	}
	b.Firing[id] = firing
	switch {
	case firing && !was:
		b.FiringNow++
	case !firing && was:
		b.FiringNow--
	}
}

// alertID is an alert's key in the book: 16 hex digits of the SHA-256 of source and fingerprint,
// so that a long fingerprint costs the state no more than a short one.
func alertID(a Alert) string {
	sum := sha256.Sum256([]byte(a.Source + "\x00" + a.Fingerprint))
	return hex.EncodeToString(sum[:8])
}

// Booked is what a batch of alerts asks of the incident beyond its bookkeeping; the caller acts
// on it.
type Booked struct {
	// FiresAgain says an alert fired again while the incident waited to close as a false alarm.
	FiresAgain bool
	// AcknowledgedBy names the sender of the first alert that acknowledged a firing alert of a
	// triggered incident, which should now be acknowledged; "" when none did.
	AcknowledgedBy string
	// ResolvedBy names the sender of the alert that resolved the last firing one when the
	// routing resolves the incident with its alerts, which should now be resolved; "" otherwise.
	ResolvedBy string
}

// ReceiveAlerts books a batch of alerts: the count, each distinct alert's status, the most recent
// records, one timeline entry for a run of batches, and what it means when every alert has
// resolved. The work is proportional to the batch, never to the alerts seen before.
//
// An acknowledging alert (AlertAcknowledged) changes no alert's status: when the alert it names
// is firing and the incident is triggered, it asks for the incident to be acknowledged; otherwise
// it is only counted, as PagerDuty ignores an acknowledgement of an alert that is not open.
func (s *State) ReceiveAlerts(now time.Time, b AlertBatch) Booked {
	var booked Booked
	if len(b.Alerts) == 0 {
		return booked
	}
	now = now.UTC()
	if b.Routing.Group != "" {
		routing := b.Routing
		s.Routing = &routing
	}
	if s.AlertBook.Firing == nil {
		s.AlertBook.Firing = map[string]bool{}
	}
	wasAllResolved := s.AlertBook.AllResolved()
	var counts alertCounts
	lastResolvedBy := ""
	for _, a := range b.Alerts {
		id := alertID(a)
		switch a.Status {
		case AlertAcknowledged:
			counts.acknowledging++
			if !s.AlertBook.Firing[id] {
				continue
			}
			if booked.AcknowledgedBy == "" && s.Status == StatusTriggered {
				booked.AcknowledgedBy = senderOf(a)
			}
		case AlertFiring:
			counts.firing++
			s.AlertBook.book(id, true)
		default:
			counts.resolved++
			s.AlertBook.book(id, false)
			lastResolvedBy = senderOf(a)
		}
		s.noteRecent(now, a)
	}
	s.AlertCount += len(b.Alerts)
	s.recordAlerts(now, counts)

	nowAllResolved := s.AlertBook.AllResolved()
	switch {
	case nowAllResolved && !wasAllResolved && s.Routing != nil && s.Routing.ResolveWithAlerts:
		if s.Status != StatusResolved {
			booked.ResolvedBy = lastResolvedBy
		}
	case !nowAllResolved && s.FalseAlarmDue != nil:
		s.FalseAlarmDue = nil
		booked.FiresAgain = true
		s.Record(now, "alert", "", "an alert fires again: not a false alarm")
	case nowAllResolved && !wasAllResolved && s.Status == StatusTriggered && s.AcknowledgedAt == nil &&
		s.Routing != nil && s.Routing.CloseFalseAlarms:
		s.FalseAlarmDue = at(now.Add(s.Routing.FalseAlarmGrace))
		s.Record(now, "alert", "", "every alert resolved before anyone acknowledged: closing as a false alarm at "+
			s.FalseAlarmDue.Format(time.RFC3339)+" unless one fires again")
	case nowAllResolved && !wasAllResolved:
		s.Record(now, "alert", "", "every alert resolved; resolving the incident stays with the responders")
	}
	return booked
}

// senderOf names who sent an alert: its Sender, else its source.
func senderOf(a Alert) string {
	if a.Sender != "" {
		return Truncate(a.Sender, maxSenderLen)
	}
	return a.Source
}

// AcknowledgeByAlert acknowledges the incident for the sender of an alert that acknowledged it,
// exactly as a responder's acknowledgement does, with the sender as the one who acknowledged.
func (s *State) AcknowledgeByAlert(now time.Time, sender string) string {
	return s.acknowledge(now, sender, "acknowledged by "+sender+" through an acknowledge event of its alert")
}

// ResolveByAlerts resolves the incident for the sender whose alert resolved the last firing one,
// when the routing resolves incidents with their alerts.
func (s *State) ResolveByAlerts(now time.Time, sender string) string {
	return s.Resolve(now, sender, "every alert resolved: "+sender+" sent the resolve event")
}

// noteRecent updates the record of one alert, keeping the RecentAlerts most recently seen.
func (s *State) noteRecent(now time.Time, a Alert) {
	i := slices.IndexFunc(s.Alerts, func(r AlertRecord) bool { return r.Source == a.Source && r.Fingerprint == a.Fingerprint })
	if i < 0 {
		if len(s.Alerts) >= RecentAlerts {
			oldest := 0
			for j, r := range s.Alerts {
				if r.LastSeen.Before(s.Alerts[oldest].LastSeen) {
					oldest = j
				}
			}
			s.Alerts = slices.Delete(s.Alerts, oldest, oldest+1)
		}
		s.Alerts = append(s.Alerts, AlertRecord{Fingerprint: Truncate(a.Fingerprint, 256), Source: a.Source, FirstSeen: now})
		i = len(s.Alerts) - 1
	}
	r := &s.Alerts[i]
	if a.Title != "" {
		r.Title = Truncate(a.Title, 300)
	}
	r.Status, r.LastSeen = a.Status, now
	r.Count++
}

// alertCounts counts a batch's alerts by status.
type alertCounts struct{ firing, resolved, acknowledging int }

// recordAlerts keeps one timeline entry for a run of alert batches with nothing else between
// them, so that a storm adds one line, not one per batch.
func (s *State) recordAlerts(now time.Time, c alertCounts) {
	statuses := fmt.Sprintf("%d firing, %d resolved", c.firing, c.resolved)
	if c.acknowledging > 0 {
		statuses += fmt.Sprintf(", %d acknowledging", c.acknowledging)
	}
	text := fmt.Sprintf("%d alerts received (%s); %d alerts in all, %d distinct tracked, %d of them firing",
		c.firing+c.resolved+c.acknowledging, statuses, s.AlertCount, len(s.AlertBook.Firing), s.AlertBook.FiringNow)
	if s.AlertBook.Untracked > 0 {
		text += fmt.Sprintf("; %d arrivals of alerts beyond the %d tracked", s.AlertBook.Untracked, MaxTrackedAlerts)
	}
	if n := len(s.Timeline); n > 0 && s.Timeline[n-1].Kind == "alerts" {
		last := &s.Timeline[n-1]
		last.Text = fmt.Sprintf("alerts keep arriving since %s: last batch %s", last.At.Format(time.RFC3339), text)
		return
	}
	s.Record(now, "alerts", "", text)
}

// ForIncident returns what an incident needs of an alert (its identity, status and title, cut to
// fit), without the labels, annotations and links that routing has already read. Alerts signal
// an incident in this form, so that a storm of large alerts cannot fill its history.
func (a Alert) ForIncident() Alert {
	return Alert{
		Source: a.Source, Sender: Truncate(a.Sender, maxSenderLen), Fingerprint: Truncate(a.Fingerprint, 256),
		GroupKey: Truncate(a.GroupKey, 256), Status: a.Status, Title: Truncate(a.Title, 300),
		StartsAt: a.StartsAt, EndsAt: a.EndsAt,
	}
}

// Adopt brings alert records carried from a run of the first version of the workflow, which kept
// every alert in Alerts and had no AlertBook, into the bounded form: each is booked, and only the
// RecentAlerts most recently seen keep their record.
func (s *State) Adopt() {
	if s.AlertBook.Firing != nil || len(s.Alerts) == 0 {
		return
	}
	s.AlertBook.Firing = map[string]bool{}
	for _, r := range s.Alerts {
		s.AlertBook.book(alertID(Alert{Source: r.Source, Fingerprint: r.Fingerprint}), r.Status == AlertFiring)
	}
	slices.SortStableFunc(s.Alerts, func(a, b AlertRecord) int { return a.LastSeen.Compare(b.LastSeen) })
	s.Alerts = s.Alerts[max(len(s.Alerts)-RecentAlerts, 0):]
}
