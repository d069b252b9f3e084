package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/httpserver"
)

// serve starts httpserver.New(h, t) on a free port and returns its URL.
func serve(t *testing.T, h http.Handler, to httpserver.Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(h, to)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// slowBody yields n chunks of 1 KiB, one every gap, then stops forever
// when stall is set (a client that stopped sending).
type slowBody struct {
	n     int
	gap   time.Duration
	stall bool
	done  chan struct{}
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		if b.stall {
			<-b.done
			return 0, io.ErrUnexpectedEOF
		}
		return 0, io.EOF
	}
	time.Sleep(b.gap)
	b.n--
	return copy(p, bytes.Repeat([]byte("x"), min(len(p), 1024))), nil
}

// counting reads the whole body and answers how much it read, or the
// read error.
var counting = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("read %d then %v", n, err), http.StatusRequestTimeout)
		return
	}
	fmt.Fprintf(w, "%d", n)
})

func TestSlowButSteadyUploadIsNotCut(t *testing.T) {
	// 20 chunks 100 ms apart: 2 s in all, four times the stall timeout.
	url := serve(t, counting, httpserver.Timeouts{Stall: 500 * time.Millisecond, Max: time.Minute})
	resp, err := http.Post(url, "application/octet-stream", &slowBody{n: 20, gap: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "20480" {
		t.Fatalf("%d %s, want the whole 20480 bytes read", resp.StatusCode, b)
	}
}

func TestStalledUploadIsCut(t *testing.T) {
	got := make(chan string, 1)
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		got <- fmt.Sprint(err)
	}), httpserver.Timeouts{Stall: 300 * time.Millisecond, Max: time.Minute})
	done := make(chan struct{})
	defer close(done)
	go http.Post(url, "application/octet-stream", &slowBody{n: 2, gap: 10 * time.Millisecond, stall: true, done: done})
	select {
	case err := <-got:
		if !strings.Contains(err, "timeout") {
			t.Fatalf("read error %q, want a timeout", err)
		}
	case <-time.After(20 * time.Second): // a hang guard, not a measurement
		t.Fatal("a stalled upload was never cut")
	}
}

func TestMaxDurationCutsEvenSteadyUploads(t *testing.T) {
	url := serve(t, counting, httpserver.Timeouts{Stall: 300 * time.Millisecond, Max: time.Second})
	resp, err := http.Post(url, "application/octet-stream", &slowBody{n: 100, gap: 50 * time.Millisecond})
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("a 5 s upload passed a 1 s limit: %s", b)
		}
	}
}

func TestSlowButSteadyDownloadIsNotCut(t *testing.T) {
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "20480")
		for range 20 {
			time.Sleep(100 * time.Millisecond)
			w.Write(bytes.Repeat([]byte("y"), 1024))
			http.NewResponseController(w).Flush()
		}
	}), httpserver.Timeouts{Stall: 500 * time.Millisecond, Max: time.Minute})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != 20480 {
		t.Fatalf("read %d bytes, %v; want all 20480", n, err)
	}
}

func TestServerLimits(t *testing.T) {
	srv := httpserver.New(http.NotFoundHandler(), httpserver.Timeouts{})
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("a limit is unset: %+v", srv)
	}
	// Headers past MaxHeaderBytes are refused.
	url := serve(t, http.NotFoundHandler(), httpserver.Timeouts{})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*httpserver.MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}

// rawRequest sends req as it is on a new TCP connection to addr and
// returns the answer's status line, Content-Type and body.
func rawRequest(t *testing.T, addr, req string) (status int, ctype, body string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(c, req) // an answer may come before the whole request is read
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// headerRequest is a GET whose request line and headers are n bytes
// (n ≥ 64), padded with an X-Pad header.
func headerRequest(n int) string {
	head := "GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: "
	pad := n - len(head) - len("\r\n\r\n")
	return head + strings.Repeat("p", pad) + "\r\n\r\n"
}

// TestHeaderLimitJSON sends raw requests: HeaderSize counts the request
// line and headers as received; a request over MaxHeaderBytes gets a JSON
// 431 (before, net/http's plain text one), up to the size net/http reads
// (ReadHeaderBytes); past that, and for a malformed request, net/http's
// own plain-text answers remain, as the README says.
func TestHeaderLimitJSON(t *testing.T) {
	var seen atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(int64(httpserver.HeaderSize(r)))
		w.WriteHeader(http.StatusNoContent)
	})
	addr := strings.TrimPrefix(serve(t, h, httpserver.Timeouts{}), "http://")
	for _, tc := range []struct {
		name   string
		req    string
		status int
		json   bool
	}{
		{"OK/small", headerRequest(200), http.StatusNoContent, false},
		{"OK/at the limit", headerRequest(httpserver.MaxHeaderBytes), http.StatusNoContent, false},
		{"431/one byte over", headerRequest(httpserver.MaxHeaderBytes + 1), http.StatusRequestHeaderFieldsTooLarge, true},
		{"431/twice the limit", headerRequest(httpserver.ReadHeaderBytes), http.StatusRequestHeaderFieldsTooLarge, true},
		{"431 plain/past what net/http reads", headerRequest(httpserver.ReadHeaderBytes + 8<<10), http.StatusRequestHeaderFieldsTooLarge, false},
		{"400 plain/malformed request line", "GET\r\n\r\n", http.StatusBadRequest, false},
		{"400 plain/malformed header", "GET /x HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", http.StatusBadRequest, false},
		{"505 plain/HTTP version", "GET /x HTTP/2.0\r\nHost: a\r\n\r\n", http.StatusHTTPVersionNotSupported, false},
		{"400 plain/TLS handshake", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen.Store(0)
			status, ctype, body := rawRequest(t, addr, tc.req)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %q", status, tc.status, body)
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			isJSON := ctype == "application/json" && json.Unmarshal([]byte(body), &e) == nil && e.Error.Code == "too_large" && e.Error.Message != ""
			if isJSON != tc.json || (!tc.json && status >= 400 && !strings.HasPrefix(ctype, "text/plain")) {
				t.Fatalf("Content-Type %q, body %q; want JSON %v", ctype, body, tc.json)
			}
			if status == http.StatusNoContent && seen.Load() != int64(strings.Index(tc.req, "\r\n\r\n")+4) {
				t.Fatalf("HeaderSize %d, the request line and headers were %d bytes", seen.Load(), strings.Index(tc.req, "\r\n\r\n")+4)
			}
		})
	}
}
