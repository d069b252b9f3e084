// Package faultproxy is a TCP proxy for tests that put a server (the test
// PostgreSQL, MinIO) out of reach in the ways networks fail: Cut, as a
// stopped server looks (connections refused, open ones closed); Stall, as
// a partition looks (connections accepted and held, bytes no longer
// delivered either way, nothing closed), at once or after some bytes of an
// upload (StallAfter); Reset, ResetAfter and ResetAll,
// as a crashed peer or a middlebox that dropped its state looks
// (connections ended by a TCP reset). Restore ends any of them.
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
	conns   map[net.Conn]bool // true: the client's side
	// resetIn > 0: reset every connection once that many more bytes went
	// towards the target; resetAll: reset each connection that sends.
	resetIn  int64
	resetAll bool
	resets   int
	stallIn  int64 // > 0: Stall once that many more bytes went towards the target
}

// New starts a proxy to target (host:port) on a free 127.0.0.1 port. It
// is cut when the test ends. With target "" (a server not started yet,
// see Retarget) every connection is closed as soon as it is accepted.
func New(tb testing.TB, target string) *Proxy {
	tb.Helper()
	p := &Proxy{tb: tb, target: target, conns: map[net.Conn]bool{}}
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

// Retarget forwards the connections accepted from now on to target: a
// server that came up on a port of its own choosing behind the address
// its peers already know. Open connections stay where they are.
func (p *Proxy) Retarget(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
}

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
	p.mu.Lock()
	target := p.target
	p.mu.Unlock()
	if target == "" {
		c.Close()
		return
	}
	up, err := net.DialTimeout("tcp", target, 5*time.Second)
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
	p.conns[c], p.conns[up] = true, false
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
			if !p.wait(src, dst, n) {
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

// wait blocks while the proxy is stalled, and counts the n bytes read from
// src towards a reset; false if dst was closed (cut, reset) meanwhile.
func (p *Proxy) wait(src, dst net.Conn, n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[src] && p.stallIn > 0 {
		if p.stallIn -= int64(n); p.stallIn <= 0 {
			p.stallIn, p.stalled = 0, true
		}
	}
	for p.stalled {
		p.flowing.Wait()
	}
	if p.conns[src] {
		switch {
		case p.resetAll:
			p.resetLocked(src, dst)
		case p.resetIn > 0:
			if p.resetIn -= int64(n); p.resetIn <= 0 {
				p.resetIn = 0
				p.resetLocked()
			}
		}
	}
	_, open := p.conns[dst]
	return open
}

// resetLocked ends the connections given (all when none) with a TCP
// reset: the client's side sees "connection reset by peer".
func (p *Proxy) resetLocked(conns ...net.Conn) {
	if len(conns) == 0 {
		for c := range p.conns {
			conns = append(conns, c)
		}
	}
	for _, c := range conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
		delete(p.conns, c)
	}
	p.resets++
	p.flowing.Broadcast()
}

// Reset ends every open connection with a TCP reset now; new ones are
// served as usual.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetLocked()
}

// ResetAfter resets every open connection once n more bytes have gone
// from clients towards the target (the middle of an upload), once.
func (p *Proxy) ResetAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetIn = n
}

// ResetAll resets every connection, open or new, as soon as its client
// sends anything, until Restore: a dependency that accepts connections
// and drops them at once.
func (p *Proxy) ResetAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetAll = true
}

// Resets is how many times connections were reset so far.
func (p *Proxy) Resets() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.resets
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

// StallAfter stalls (see Stall) once n more bytes have gone from clients
// towards the target: a partition in the middle of an upload.
func (p *Proxy) StallAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stallIn = n
}

// Stalled reports whether the proxy is stalled (Stall, or StallAfter's
// bytes went through).
func (p *Proxy) Stalled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stalled
}

// Restore forwards again: after Stall the held bytes flow on; after Cut
// the proxy listens again on the same address; resets still to come are
// called off.
func (p *Proxy) Restore() {
	p.tb.Helper()
	p.mu.Lock()
	p.stalled = false
	p.resetIn, p.resetAll, p.stallIn = 0, false, 0
	p.flowing.Broadcast()
	listening, target := p.ln != nil, p.target
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
		p.tb.Fatalf("proxy for %s: listen again on %s: %v", target, p.addr, err)
	}
	p.serve(ln)
}
