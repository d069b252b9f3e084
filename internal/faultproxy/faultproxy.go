// Package faultproxy is a TCP proxy for tests that put a server (the test
// PostgreSQL, MinIO) out of reach in the two ways networks fail: Cut, as a
// stopped server looks (connections refused, open ones closed), and
// Stall, as a partition looks (connections accepted and held, bytes no
// longer delivered either way, nothing closed). Restore ends either.
package faultproxy

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy forwards TCP connections from Addr to a target.
type Proxy struct {
	tb     testing.TB
	addr   string
	target string

	mu      sync.Mutex
	flowing *sync.Cond // signalled when stalled or the connections change
	ln      net.Listener
	stalled bool
	conns   map[net.Conn]struct{}
}

// New starts a proxy to target (host:port) on a free 127.0.0.1 port. It
// is cut when the test ends.
func New(tb testing.TB, target string) *Proxy {
	tb.Helper()
	p := &Proxy{tb: tb, target: target, conns: map[net.Conn]struct{}{}}
	p.flowing = sync.NewCond(&p.mu)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	tb.Cleanup(p.Cut)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *Proxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.pipe(up, c); close(done) }()
	p.pipe(c, up)
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// pipe copies src to dst, holding every chunk while the proxy is stalled,
// and closes both when either side ends.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer func() { dst.Close(); src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(dst) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// wait blocks while the proxy is stalled; false if dst was closed (cut)
// meanwhile.
func (p *Proxy) wait(dst net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.stalled {
		p.flowing.Wait()
	}
	_, open := p.conns[dst]
	return open
}

// Cut refuses and closes: no listener, every connection closed (FIN:
// what a server that stops or is killed sends).
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	p.stalled = false
	p.flowing.Broadcast()
}

// Stall partitions: new connections are still accepted (the handshake
// completes) but, like the open ones, carry nothing either way; nothing
// is closed. What the client sends is held, as a network holds packets it
// retransmits, and delivered on Restore.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = true
}

// Restore forwards again: after Stall the held bytes flow on; after Cut
// the proxy listens again on the same address.
func (p *Proxy) Restore() {
	p.tb.Helper()
	p.mu.Lock()
	p.stalled = false
	p.flowing.Broadcast()
	listening := p.ln != nil
	p.mu.Unlock()
	if listening {
		return
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.tb.Fatalf("proxy for %s: listen again on %s: %v", p.target, p.addr, err)
	}
	p.serve(ln)
}
