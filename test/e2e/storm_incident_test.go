package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/starter/ingest"
)

// TestAHundredThousandAlertsDoNotBrickTheIncident sends one incident 100,000 alerts of 1,000
// distinct fingerprints with 10 KB summaries, through the Alertmanager webhook in posts of 60
// (about 610 KB each), while its ladder escalates. The incident must keep every alert's count,
// escalate, take an acknowledgement and show itself, and no payload in its histories may come
// near Temporal's 2 MB limit.
func TestAHundredThousandAlertsDoNotBrickTheIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1 GB of alerts")
	}
	cfg := alertConfig(t)
	cfg.Alerts.MaxBodyBytes = 1 << 20
	for i := range cfg.Services {
		if cfg.Services[i].ID == "checkout" {
			cfg.Services[i].AckTimeout = config.Duration(10 * time.Second)
		}
	}
	fb := startFirebreak(t, options{config: cfg})

	var template map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "alertmanager_v4_firing.json"), &template))
	first := template["alerts"].([]any)[0].(map[string]any)
	summary := strings.Repeat("s", 10*1024)
	const posts, perPost, distinct, senders = 1667, 60, 1000, 8
	body := func(n int) []byte {
		alerts := make([]any, perPost)
		for j := range alerts {
			a := map[string]any{}
			for k, v := range first {
				a[k] = v
			}
			a["fingerprint"] = fmt.Sprintf("fp-%04d", (n*perPost+j)%distinct)
			a["annotations"] = map[string]any{"summary": summary}
			alerts[j] = a
		}
		template["alerts"] = alerts
		data, err := json.Marshal(template)
		require.NoError(t, err)
		return data
	}
	key := ingest.GroupKey(`{}/{severity="page"}:{alertname="CheckoutHighErrorRate"}`)

	bodies := make(chan []byte, senders)
	var accepted atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for range senders {
		wg.Go(func() {
			for b := range bodies {
				for {
					status, answer := send(fb, b)
					if status == http.StatusAccepted {
						accepted.Add(1)
						break
					}
					if status != http.StatusServiceUnavailable {
						t.Errorf("post answered %d: %v", status, answer)
						return
					}
					time.Sleep(100 * time.Millisecond) // 503 means retry later
				}
			}
		})
	}
	for n := range posts {
		bodies <- body(n)
	}
	close(bodies)
	wg.Wait()
	t.Logf("%d posts of %d alerts accepted in %s", accepted.Load(), perPost, time.Since(begin).Round(time.Millisecond))

	require.Eventually(t, func() bool { return fb.state(key).AlertCount == posts*perPost }, time.Minute, 250*time.Millisecond,
		"every accepted alert is counted")
	require.Eventually(t, func() bool { return fb.state(key).Level >= 2 }, time.Minute, 250*time.Millisecond,
		"the ladder escalates through the storm")
	s := fb.state(key)
	require.Len(t, s.AlertBook.Firing, distinct)
	responder := s.Responders[0].Person
	require.Contains(t, fb.cli("incident", "ack", key, "--as", responder), "acknowledged by "+responder)
	require.Contains(t, fb.cli("incident", "show", key), "acknowledged")

	largest, where := 0, ""
	for _, run := range fb.runs(key) {
		for _, e := range fb.runHistory(key, run).GetEvents() {
			if size := proto.Size(e); size > largest {
				largest, where = size, fmt.Sprintf("%s (event %d of run %s)", e.GetEventType(), e.GetEventId(), run)
			}
		}
	}
	state, err := json.Marshal(s)
	require.NoError(t, err)
	t.Logf("%d runs; largest history event %d bytes: %s; state %d bytes", len(fb.runs(key)), largest, where, len(state))
	require.Less(t, largest, 512*1024, "every payload stays far below Temporal's 2 MB limit")
	require.Less(t, len(state), 256*1024)
}

// send posts an Alertmanager body from any goroutine: unlike fb.post, it fails no test itself.
func send(fb *firebreak, body []byte) (int, string) {
	req, err := http.NewRequest(http.MethodPost, "http://"+fb.service.HTTPAddr()+"/v1/alerts/alertmanager", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = bearer(alertmanagerToken, "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}
