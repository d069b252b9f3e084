// Package httpserver builds vanthu's HTTP servers (the API and the
// exchange listener) with bounded timeouts that do not cut legitimate
// large transfers: a request may take as long as it keeps making
// progress, up to an absolute limit, while a stalled one (a slow-loris
// client, a reader that stopped) is cut after a short time.
package httpserver

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Timeouts bound the requests of one server.
type Timeouts struct {
	// Stall is how long a request may go without progress: reading its
	// body, writing its response, or between the two (the handler at
	// work). It is the server's read and write timeout, pushed forward
	// by every read and write that moves data. Default 2m.
	Stall time.Duration
	// Max is the longest any request may last, however it progresses.
	// Default 1h (a 400 MiB upload at 120 KB/s).
	Max time.Duration
}

// Defaults of the fixed limits.
const (
	ReadHeaderTimeout = 10 * time.Second // the request line and headers
	IdleTimeout       = 2 * time.Minute  // a kept-alive connection between requests
	MaxHeaderBytes    = 64 << 10         // request line and headers: more is a JSON 431 (HeaderLimit)
	// ReadHeaderBytes is what net/http itself reads of a request line and
	// headers at most (plus its own 4 KiB of slack), per connection: past
	// it, it answers 431 itself, in plain text, before any handler. Above
	// MaxHeaderBytes so that a request over the limit by less than as
	// much again reaches HeaderLimit, which answers in JSON.
	ReadHeaderBytes = 2 * MaxHeaderBytes
)

func (t Timeouts) withDefaults() Timeouts {
	if t.Stall <= 0 {
		t.Stall = 2 * time.Minute
	}
	if t.Max <= 0 {
		t.Max = time.Hour
	}
	if t.Max < t.Stall {
		t.Max = t.Stall
	}
	return t
}

// New returns a server for h with every timeout set.
func New(h http.Handler, t Timeouts) *http.Server {
	t = t.withDefaults()
	return &http.Server{
		Handler:           Progress(HeaderLimit(h), t),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       t.Stall,
		WriteTimeout:      t.Stall,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    ReadHeaderBytes,
	}
}

// HeaderLimit answers a request whose request line and headers are over
// MaxHeaderBytes (as received: each line with its CRLF) with 431 and the
// API's JSON error, and closes the connection, before h sees it. Before,
// net/http's own limit answered every such request in plain text.
func HeaderLimit(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if HeaderSize(r) > MaxHeaderBytes {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
			if r.Method != http.MethodHead {
				fmt.Fprintf(w, `{"error":{"code":"too_large","message":"the request line and headers are over %d KiB"}}`+"\n", MaxHeaderBytes>>10)
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// HeaderSize is the size of r's request line and headers as they were
// received (HTTP/1: each line with its CRLF, the empty line that ends
// them included).
func HeaderSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// Progress wraps h so that every read of the request body and every
// write of the response that moves data pushes the connection's read and
// write deadlines to Stall from now, never past Max from the start of
// the request. Under a server without timeouts it changes nothing.
func Progress(h http.Handler, t Timeouts) http.Handler {
	t = t.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		p := &progress{rc: http.NewResponseController(w), stall: t.Stall, end: now.Add(t.Max)}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &progressBody{ReadCloser: r.Body, p: p}
		}
		h.ServeHTTP(&progressWriter{ResponseWriter: w, p: p}, r)
	})
}

type progress struct {
	rc    *http.ResponseController
	stall time.Duration
	end   time.Time

	mu      sync.Mutex
	touched time.Time
}

// touch moves the deadlines forward (at most four times per Stall, and
// once a second, so a stream of small writes costs no more than that).
func (p *progress) touch() {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.touched) < min(time.Second, p.stall/4) {
		return
	}
	p.touched = now
	d := now.Add(p.stall)
	if d.After(p.end) {
		d = p.end
	}
	_ = p.rc.SetReadDeadline(d) // ErrNotSupported outside a real server: nothing to do
	_ = p.rc.SetWriteDeadline(d)
}

type progressBody struct {
	io.ReadCloser
	p *progress
}

func (b *progressBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		b.p.touch()
	}
	return n, err
}

type progressWriter struct {
	http.ResponseWriter
	p *progress
}

func (w *progressWriter) Write(buf []byte) (int, error) {
	n, err := w.ResponseWriter.Write(buf)
	if n > 0 {
		w.p.touch()
	}
	return n, err
}

// Unwrap lets http.ResponseController (Flush, deadlines, hijack) reach
// the server's writer.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher for handlers that test for it.
func (w *progressWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }
