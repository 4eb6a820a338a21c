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
)

// Alert is one alert from an alerting tool, normalised: Prometheus Alertmanager, Grafana,
// CloudWatch through Amazon SNS, or Firebreak's generic format.
type Alert struct {
	// Source is the sender: "alertmanager", "grafana", "sns" or "generic".
	Source string `json:"source"`
	// Fingerprint is the stable identity of this alert within its source: the Alertmanager or
	// Grafana fingerprint, the CloudWatch alarm ARN, or the generic dedup_key.
	Fingerprint string `json:"fingerprint"`
	// GroupKey is the sender's grouping: the Alertmanager groupKey, the CloudWatch alarm ARN,
	// or the generic dedup_key.
	GroupKey string `json:"group_key"`
	// Status is AlertFiring or AlertResolved.
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
	Reasons          []string      `json:"reasons,omitempty"`
	PolicyRevision   string        `json:"policy_revision"`
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

// ReceiveAlerts books a batch of alerts: the count, each distinct alert's status, the most recent
// records, one timeline entry for a run of batches, and what it means when every alert has
// resolved. The work is proportional to the batch, never to the alerts seen before. It reports
// whether an alert fired again while the incident waited to close as a false alarm.
func (s *State) ReceiveAlerts(now time.Time, b AlertBatch) (firesAgain bool) {
	if len(b.Alerts) == 0 {
		return false
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
	firing := 0
	for _, a := range b.Alerts {
		isFiring := a.Status == AlertFiring
		if isFiring {
			firing++
		}
		s.AlertBook.book(alertID(a), isFiring)
		s.noteRecent(now, a)
	}
	s.AlertCount += len(b.Alerts)
	s.recordAlerts(now, len(b.Alerts), firing)

	nowAllResolved := s.AlertBook.AllResolved()
	switch {
	case !nowAllResolved && s.FalseAlarmDue != nil:
		s.FalseAlarmDue = nil
		firesAgain = true
		s.Record(now, "alert", "", "an alert fires again: not a false alarm")
	case nowAllResolved && !wasAllResolved && s.Status == StatusTriggered && s.AcknowledgedAt == nil &&
		s.Routing != nil && s.Routing.CloseFalseAlarms:
		s.FalseAlarmDue = at(now.Add(s.Routing.FalseAlarmGrace))
		s.Record(now, "alert", "", "every alert resolved before anyone acknowledged: closing as a false alarm at "+
			s.FalseAlarmDue.Format(time.RFC3339)+" unless one fires again")
	case nowAllResolved && !wasAllResolved:
		s.Record(now, "alert", "", "every alert resolved; resolving the incident stays with the responders")
	}
	return firesAgain
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
	r.Title, r.Status, r.LastSeen = Truncate(a.Title, 300), a.Status, now
	r.Count++
}

// recordAlerts keeps one timeline entry for a run of alert batches with nothing else between
// them, so that a storm adds one line, not one per batch.
func (s *State) recordAlerts(now time.Time, received, firing int) {
	text := fmt.Sprintf("%d alerts received (%d firing, %d resolved); %d alerts in all, %d distinct tracked, %d of them firing",
		received, firing, received-firing, s.AlertCount, len(s.AlertBook.Firing), s.AlertBook.FiringNow)
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
		Source: a.Source, Fingerprint: Truncate(a.Fingerprint, 256), GroupKey: Truncate(a.GroupKey, 256),
		Status: a.Status, Title: Truncate(a.Title, 300), StartsAt: a.StartsAt, EndsAt: a.EndsAt,
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
