package ingest

import (
	"container/heap"
	"sync"
	"time"
)

// DefaultMaxSignatures is how many signatures a Handler remembers by default to refuse replays.
const DefaultMaxSignatures = 100_000

// replayGuard remembers the signatures of accepted signed requests until their timestamp expires,
// so that each is accepted once. It holds at most max signatures; when full of unexpired ones it
// refuses new claims rather than forget one (forgetting would let that one be replayed).
type replayGuard struct {
	max int

	mu      sync.Mutex
	seen    map[[32]byte]time.Time
	expires expiryHeap
}

// newReplayGuard returns a guard that remembers at most max signatures.
func newReplayGuard(max int) *replayGuard {
	return &replayGuard{max: max, seen: map[[32]byte]time.Time{}}
}

// claimResult says what a claim found.
type claimResult int

const (
	claimed  claimResult = iota // the signature is new and now remembered
	replayed                    // the signature was seen before
	full                        // the guard is full of unexpired signatures
)

// claim remembers sig until expiry, unless it is remembered already or the guard is full. now
// drops the signatures whose expiry has passed.
func (g *replayGuard) claim(sig [32]byte, expiry, now time.Time) claimResult {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.expires) > 0 && !g.expires[0].at.After(now) {
		e := heap.Pop(&g.expires).(expiring)
		if at, ok := g.seen[e.sig]; ok && at.Equal(e.at) {
			delete(g.seen, e.sig)
		}
	}
	if _, ok := g.seen[sig]; ok {
		return replayed
	}
	if len(g.seen) >= g.max || len(g.expires) >= 2*g.max { // released claims leave stale heap entries
		return full
	}
	g.seen[sig] = expiry
	heap.Push(&g.expires, expiring{sig: sig, at: expiry})
	return claimed
}

// release forgets sig, so that the same signed request may be sent again: for a request that
// was not stored (Temporal unavailable) and will be retried as it is.
func (g *replayGuard) release(sig [32]byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.seen, sig) // its heap entry no longer matches and is dropped when it expires
}

// expiring is one remembered signature and when it expires.
type expiring struct {
	sig [32]byte
	at  time.Time
}

// expiryHeap orders signatures by expiry, earliest first.
type expiryHeap []expiring

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiring)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
