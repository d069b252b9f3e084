package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestUploadFormRefusedBeforeBody posts upload forms whose file part
// never ends (a pipe fed forever) from users whose role may not use them:
// the forbidden page must come while the body is still being sent, and
// the server must have read only a small part of it. Before the guard the
// form was spooled up to the limit (8 × the upload limit) before any role
// was looked at.
func TestUploadFormRefusedBeforeBody(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct{ user, path string }{
		{"chuyenvien", "/incoming/new"}, // a handler does not receive incoming documents
		{"vanthu", "/outgoing/new"},     // a clerk does not draft outgoing ones
		{"luutru", "/incoming/new"},
		{"lanhdao", "/admin/users"}, // administration is for admins
	}
	for _, tt := range tests {
		t.Run(tt.user+tt.path, func(t *testing.T) {
			c := e.login(tt.user)
			base, _ := url.Parse(e.srv.URL)
			var read atomic.Int64
			srv := httptest.NewUnstartedServer(Mount(http.NotFoundHandler(), e.ui))
			srv.Listener = countingListener{srv.Listener, &read}
			srv.Start()

			pr, pw := io.Pipe()
			go func() {
				head := "--b0undary\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + c.csrf +
					"\r\n--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
				if _, err := pw.Write([]byte(head)); err != nil {
					return
				}
				chunk := []byte(strings.Repeat("0123456789abcdef", 4096)) // 64 KiB
				for {
					if _, err := pw.Write(chunk); err != nil {
						return
					}
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang guard, not a speed test
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+tt.path, pr)
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b0undary")
			for _, ck := range c.hc.Jar.Cookies(base) {
				req.AddCookie(ck)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("no answer while the body was still being sent: %v (server read %d bytes)", err, read.Load())
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			pr.CloseWithError(errors.New("test done"))
			srv.CloseClientConnections()
			srv.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `lang="vi"`) {
				t.Fatalf("status %d, want the forbidden page:\n%s", resp.StatusCode, body)
			}
			if n := read.Load(); n > 1<<20 {
				t.Fatalf("server read %d bytes of a form it refused, want under 1 MiB", n)
			}
		})
	}
}

// countingListener counts the bytes the server reads from its connections.
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
