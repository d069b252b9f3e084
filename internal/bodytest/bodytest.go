// Package bodytest sends request bodies that never end, for tests that a
// server refuses a request before reading its body (an upload from a user
// who may not make it): the answer must come while the body is still
// being sent, and the server must have read only a small part of it.
package bodytest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Boundary is the multipart boundary of the bodies Endless sends.
const Boundary = "b0undary"

// Answer is the server's answer to an endless body.
type Answer struct {
	Status int
	Body   []byte
	// Read is how many bytes the server read from its connections, Sent
	// how many the client pushed after the head.
	Read, Sent int64
}

// Endless posts to path, on a new test server running h, a
// multipart/form-data body (boundary Boundary) that begins with head and
// goes on with 64 KiB chunks until the server has answered. prepare adds
// what the request needs (authorization, cookies). Endless fails the test
// if no answer comes while the body is still being sent; it returns once
// the server is closed.
func Endless(tb testing.TB, h http.Handler, path, head string, prepare func(*http.Request)) Answer {
	tb.Helper()
	var read, sent atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = countingListener{srv.Listener, &read}
	srv.Start()

	pr, pw := io.Pipe()
	go func() {
		if _, err := pw.Write([]byte(head)); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
		for {
			n, err := pw.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang guard, not a speed test
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, pr)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+Boundary)
	prepare(req)
	resp, err := srv.Client().Do(req)
	if err != nil {
		pr.CloseWithError(errors.New("test done"))
		srv.CloseClientConnections()
		srv.Close()
		tb.Fatalf("no answer while the body was still being sent: %v (server read %d bytes)", err, read.Load())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pr.CloseWithError(errors.New("test done"))
	srv.CloseClientConnections()
	srv.Close() // waits for the handler and the server's own draining
	return Answer{Status: resp.StatusCode, Body: body, Read: read.Load(), Sent: sent.Load()}
}

// countingListener counts the bytes the server reads from its
// connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}
