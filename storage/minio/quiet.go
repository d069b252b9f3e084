package minio

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Default timeouts of the object store (Config.DialTimeout, Config.Timeout).
const (
	DefaultDialTimeout = 5 * time.Second
	DefaultTimeout     = 10 * time.Second
)

// quietTransport cuts a request during which the server stays silent for
// longer than timeout while vanthu waits for it: connecting, sending (a
// write that does not go through), waiting for the answer's headers, or
// reading the answer's body. Time spent elsewhere — reading the upload
// being forwarded from its client, or the caller not reading a download
// yet (its own client is slow) — does not count: a 100 MB transfer that
// keeps moving is never cut, however long it takes. A cut request fails
// EUNAVAILABLE, and so do at once the retries of the same Store call
// (minio-go would otherwise wait the timeout again on each).
type quietTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

// opKey marks the context of one Store call (operation).
type opKey struct{}

// opState is what the requests of one Store call share.
type opState struct{ silent atomic.Bool }

// operation marks ctx as one Store call's: once one of its requests has
// been cut for silence, the others fail at once.
func operation(ctx context.Context) context.Context {
	if _, ok := ctx.Value(opKey{}).(*opState); ok {
		return ctx
	}
	return context.WithValue(ctx, opKey{}, &opState{})
}

func (t *quietTransport) silentErr() error {
	return workflow.Errorf(workflow.EUNAVAILABLE, "the object store sent nothing for %s (VANTHU_S3_TIMEOUT)", t.timeout)
}

func (t *quietTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op, _ := req.Context().Value(opKey{}).(*opState)
	if op != nil && op.silent.Load() {
		return nil, t.silentErr()
	}
	ctx, cancel := context.WithCancel(req.Context())
	w := &watchdog{d: t.timeout}
	w.timer = time.AfterFunc(t.timeout, func() {
		w.fired.Store(true)
		if op != nil {
			op.silent.Store(true)
		}
		cancel()
	})
	r := req.WithContext(ctx)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &sendBody{ReadCloser: r.Body, w: w}
		if get := req.GetBody; get != nil {
			r.GetBody = func() (io.ReadCloser, error) {
				b, err := get()
				if err != nil || b == nil || b == http.NoBody {
					return b, err
				}
				return &sendBody{ReadCloser: b, w: w}, nil
			}
		}
	}
	resp, err := t.base.RoundTrip(r)
	w.answered()
	if err != nil {
		cancel()
		if w.fired.Load() {
			return nil, t.silentErr()
		}
		return nil, err
	}
	resp.Body = &recvBody{ReadCloser: resp.Body, w: w, cancel: cancel, t: t}
	return resp, nil
}

// watchdog cuts one request (cancels its context) when armed for longer
// than d without being disarmed.
type watchdog struct {
	d     time.Duration
	timer *time.Timer
	fired atomic.Bool

	mu   sync.Mutex
	sent bool // the answer's headers are in: the request body no longer re-arms
}

func (w *watchdog) arm()    { w.timer.Reset(w.d) }
func (w *watchdog) disarm() { w.timer.Stop() }

// answered disarms at the end of RoundTrip.
func (w *watchdog) answered() {
	w.mu.Lock()
	w.sent = true
	w.mu.Unlock()
	w.disarm()
}

// sendBody is the request body: the watchdog is off while the transport
// reads it (the time is the source's: an upload arriving from its
// client), on while the transport writes what it read.
type sendBody struct {
	io.ReadCloser
	w *watchdog
}

func (b *sendBody) Read(p []byte) (int, error) {
	b.w.mu.Lock()
	sent := b.w.sent
	b.w.mu.Unlock()
	if sent {
		return b.ReadCloser.Read(p)
	}
	b.w.disarm()
	n, err := b.ReadCloser.Read(p)
	b.w.mu.Lock()
	if !b.w.sent {
		b.w.arm()
	}
	b.w.mu.Unlock()
	return n, err
}

// recvBody is the answer's body: the watchdog is on while a Read waits
// for the server, off between Reads.
type recvBody struct {
	io.ReadCloser
	w      *watchdog
	cancel context.CancelFunc
	t      *quietTransport
}

func (b *recvBody) Read(p []byte) (int, error) {
	b.w.arm()
	n, err := b.ReadCloser.Read(p)
	b.w.disarm()
	if err != nil && err != io.EOF && b.w.fired.Load() {
		return n, b.t.silentErr()
	}
	return n, err
}

func (b *recvBody) Close() error {
	b.w.disarm()
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
