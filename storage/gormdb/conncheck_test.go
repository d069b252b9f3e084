//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gormdb

import (
	"net"
	"testing"
	"time"
)

// socketPair returns both ends of a loopback TCP connection.
func socketPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestSocketQuiet(t *testing.T) {
	t.Run("Idle", func(t *testing.T) {
		c, _ := socketPair(t)
		if !socketQuiet(&quietConn{Conn: c, limit: &quietLimit{}}) {
			t.Error("an open connection with nothing to read is not quiet")
		}
	})
	t.Run("DataWaiting", func(t *testing.T) {
		c, s := socketPair(t)
		s.Write([]byte("E"))
		if !waitFor(func() bool { return !socketQuiet(c) }) {
			t.Error("a connection with bytes waiting is quiet")
		}
		b := make([]byte, 1) // the peek consumed nothing
		if n, err := c.Read(b); n != 1 || b[0] != 'E' {
			t.Errorf("after the peek: read %q, %v", b[:n], err)
		}
	})
	t.Run("ClosedByPeer", func(t *testing.T) {
		c, s := socketPair(t)
		s.Close()
		if !waitFor(func() bool { return !socketQuiet(c) }) {
			t.Error("a connection the peer closed is quiet")
		}
	})
	// pgx's background reader can sit in a Read on an idle connection: the
	// peek must not wait for it (it would wait for the answer to the query
	// that the check holds back).
	t.Run("ReaderBlocked", func(t *testing.T) {
		c, s := socketPair(t)
		stop := blockedReader(c)
		defer stop(s)
		done := make(chan bool, 1)
		go func() { done <- socketQuiet(c) }()
		select {
		case quiet := <-done:
			if !quiet {
				t.Error("an idle connection with a blocked reader is not quiet")
			}
		case <-time.After(30 * time.Second):
			t.Error("the peek waited for the blocked reader")
		}
	})
	// Through the silence timeout's wrapper, such a reader is seen: its
	// Read may end in a timeout the next query would meet.
	t.Run("ReaderBlockedWithTimeout", func(t *testing.T) {
		c, s := socketPair(t)
		qc := &quietConn{Conn: c, limit: &quietLimit{}}
		qc.limit.d.Store(int64(time.Minute))
		stop := blockedReader(qc)
		defer stop(s)
		if !waitFor(func() bool { return !socketQuiet(qc) }) {
			t.Error("a connection with a reader waiting is quiet")
		}
	})
	t.Run("ReadFailed", func(t *testing.T) {
		c, _ := socketPair(t)
		qc := &quietConn{Conn: c, limit: &quietLimit{}}
		qc.limit.d.Store(int64(time.Millisecond))
		if _, err := qc.Read(make([]byte, 1)); err == nil {
			t.Fatal("read with nothing sent succeeded")
		}
		if socketQuiet(qc) {
			t.Error("a connection whose read failed is quiet")
		}
	})
}

// blockedReader starts a Read on c that waits until stop writes a byte
// from the peer.
func blockedReader(c net.Conn) (stop func(peer net.Conn)) {
	read := make(chan struct{})
	go func() {
		c.Read(make([]byte, 1))
		close(read)
	}()
	time.Sleep(50 * time.Millisecond) // let it block
	return func(peer net.Conn) {
		peer.Write([]byte("x"))
		<-read
	}
}

// waitFor polls cond for up to 5 s (the kernel delivers a loopback FIN or
// byte at once, but not synchronously with the peer's call).
func waitFor(cond func() bool) bool {
	for range 500 {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
