package activities

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the counters Firebreak's activities keep.
type Metrics struct {
	pagesSent *prometheus.CounterVec
}

// NewMetrics registers the activities' metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		pagesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_pages_sent_total",
			Help: "Pages delivered to responders, by severity and notifier.",
		}, []string{"severity", "notifier"}),
	}
	if err := reg.Register(m.pagesSent); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Metrics) pageSent(severity, notifier string) {
	if m != nil {
		m.pagesSent.WithLabelValues(severity, notifier).Inc()
	}
}
