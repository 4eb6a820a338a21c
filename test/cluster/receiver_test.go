package cluster_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-dev/firebreak/activities/notify"
)

// receiver is the pager behind the webhook notifier: it counts every delivery by idempotency
// key, as a pager that deduplicates does.
type receiver struct {
	srv *httptest.Server

	mu    sync.Mutex
	pages map[string]*delivery // by idempotency key
}

// delivery is what the receiver saw of one idempotency key.
type delivery struct {
	message notify.Message
	first   time.Time
	count   int
}

// newReceiver listens on addr ("127.0.0.1:0", or an address a network namespace reaches).
func newReceiver(addr string) (*receiver, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &receiver{pages: map[string]*delivery{}}
	r.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(r.serve)}}
	r.srv.Start()
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	var m notify.Message
	if err != nil || json.Unmarshal(body, &m) != nil {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	key := req.Header.Get(notify.HeaderIdempotencyKey)
	r.mu.Lock()
	d, ok := r.pages[key]
	if !ok {
		d = &delivery{message: m, first: time.Now()}
		r.pages[key] = d
	}
	d.count++
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// pagesOf returns the first delivery time of each page step of an incident workflow, by step
// (the part of the idempotency key between the workflow ID and the person and method, such as
// "engagement-1/round-0/level-1").
func (r *receiver) pagesOf(workflowID string) map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	steps := map[string]time.Time{}
	for key, d := range r.pages {
		if d.message.Kind != notify.KindPage || d.message.IncidentID == "" {
			continue
		}
		rest, ok := strings.CutPrefix(key, workflowID+"/")
		if !ok {
			continue
		}
		parts := strings.Split(rest, "/")
		if len(parts) < 3 {
			continue
		}
		step := strings.Join(parts[:len(parts)-2], "/")
		if t, seen := steps[step]; !seen || d.first.Before(t) {
			steps[step] = d.first
		}
	}
	return steps
}

// counts returns how many distinct page keys were delivered and how many deliveries there were
// in all (retries of a key included).
func (r *receiver) counts() (keys, deliveries int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.pages {
		if d.message.Kind == notify.KindPage {
			keys++
			deliveries += d.count
		}
	}
	return keys, deliveries
}
