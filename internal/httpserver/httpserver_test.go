package httpserver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
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
