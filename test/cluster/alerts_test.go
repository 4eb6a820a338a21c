package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// alertSender is Alertmanager under test: it posts a steady flow of new alerts for several
// groups, round robin over the serve processes, and retries every answer that is not 202 or a
// 4xx on the next process after a short pause, as Alertmanager retries a failed notification.
type alertSender struct {
	urls   []string
	token  string
	groups int
	every  time.Duration

	mu sync.Mutex
	// accepted holds, per group, the fingerprints answered 202, and incidents the workflow IDs
	// those answers named.
	accepted  []map[string]bool
	incidents []map[string]bool
	// unavailable counts 5xx answers and failed connections, each retried; refused counts 4xx.
	unavailable, refused, posts int
	refusals                    []string
}

func newAlertSender(urls []string, token string, groups int, every time.Duration) *alertSender {
	s := &alertSender{urls: urls, token: token, groups: groups, every: every}
	for range groups {
		s.accepted = append(s.accepted, map[string]bool{})
		s.incidents = append(s.incidents, map[string]bool{})
	}
	return s
}

// run sends until ctx ends, then finishes the alert in flight.
func (s *alertSender) run(ctx context.Context) {
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for seq := 0; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.deliver(seq%s.groups, fmt.Sprintf("g%d-%06d", seq%s.groups, seq), seq)
	}
}

// deliver posts one alert until a serve process answers 202 or 4xx, trying the processes in
// turn.
func (s *alertSender) deliver(group int, fingerprint string, seq int) {
	name := fmt.Sprintf("ClusterFault%d", group)
	body := alertmanagerBody(fmt.Sprintf(`{}:{alertname=%q}`, name), name, "checkout", fingerprint)
	client := &http.Client{Timeout: 10 * time.Second}
	for attempt := 0; ; attempt++ {
		url := s.urls[(seq+attempt)%len(s.urls)] + "/v1/alerts/alertmanager"
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.token)
		resp, err := client.Do(req)
		var answer struct {
			Incidents []string `json:"incidents"`
		}
		status := 0
		if err == nil {
			status = resp.StatusCode
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			_ = json.Unmarshal(b, &answer)
			if status >= 400 && status < 500 {
				s.record(func() { s.refused++; s.refusals = append(s.refusals, fmt.Sprintf("%d %s", status, b)) })
				return
			}
		}
		if status == http.StatusAccepted {
			s.record(func() {
				s.posts++
				s.accepted[group][fingerprint] = true
				for _, id := range answer.Incidents {
					s.incidents[group][id] = true
				}
			})
			return
		}
		s.record(func() { s.unavailable++ })
		time.Sleep(250 * time.Millisecond)
	}
}

func (s *alertSender) record(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// alertmanagerBody is one Alertmanager webhook notification of a group with one firing alert
// for a service.
func alertmanagerBody(groupKey, name, service, fingerprint string) []byte {
	body, _ := json.Marshal(map[string]any{
		"version": "4", "status": "firing", "receiver": "firebreak",
		"groupKey":    groupKey,
		"groupLabels": map[string]string{"alertname": name},
		"alerts": []map[string]any{{
			"status":      "firing",
			"labels":      map[string]string{"alertname": name, "service": service, "instance": fingerprint},
			"annotations": map[string]string{"summary": "Checkout is failing requests"},
			"startsAt":    time.Now().UTC().Format(time.RFC3339),
			"fingerprint": fingerprint,
		}},
	})
	return body
}
