package cluster

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Balancer is a TCP load balancer, as a production deployment puts in front of Temporal's
// frontends: each new connection goes to the next backend that accepts it, round robin. A
// connection to a backend that dies breaks, and the client's reconnection lands on a live one.
type Balancer struct {
	listener net.Listener
	backends []string

	mu    sync.Mutex
	next  int
	conns map[net.Conn]struct{}
	done  chan struct{}
}

// NewBalancer listens on addr and forwards connections to backends.
func NewBalancer(addr string, backends []string) (*Balancer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	b := &Balancer{listener: l, backends: backends, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	go b.serve()
	return b, nil
}

// setBackends sets the addresses connections go to.
func (b *Balancer) setBackends(backends []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = backends
}

// Addr is the address clients connect to.
func (b *Balancer) Addr() string { return b.listener.Addr().String() }

// Close stops listening and closes every forwarded connection.
func (b *Balancer) Close() error {
	err := b.listener.Close()
	<-b.done
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	return err
}

func (b *Balancer) serve() {
	defer close(b.done)
	for {
		client, err := b.listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go b.forward(client)
	}
}

// forward connects client to the first backend that answers, starting after the last one used.
func (b *Balancer) forward(client net.Conn) {
	b.mu.Lock()
	backends := b.backends
	b.mu.Unlock()
	var backend net.Conn
	for range backends {
		b.mu.Lock()
		addr := backends[b.next%len(backends)]
		b.next++
		b.mu.Unlock()
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			backend = c
			break
		}
	}
	if backend == nil {
		client.Close()
		return
	}
	if !b.track(client, backend) {
		return
	}
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src) // either side closing ends both directions below
		dst.Close()
		src.Close()
	}
	wg.Add(2)
	go pipe(backend, client)
	go pipe(client, backend)
	wg.Wait()
	b.untrack(client, backend)
}

func (b *Balancer) track(conns ...net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.done:
		for _, c := range conns {
			c.Close()
		}
		return false
	default:
	}
	for _, c := range conns {
		b.conns[c] = struct{}{}
	}
	return true
}

func (b *Balancer) untrack(conns ...net.Conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range conns {
		delete(b.conns, c)
	}
}
