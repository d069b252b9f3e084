package minio_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// onlyReader hides everything but Read: a source that cannot seek.
type onlyReader struct{ io.Reader }

// readBack reads key and compares it with want.
func readBack(t *testing.T, s *minio.Store, key string, want []byte) {
	t.Helper()
	r, _, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %q: %d bytes, %v; want the %d bytes put", key, len(got), err, len(want))
	}
}

// TestIntegrationPutRetriedAfterReset: a PUT whose connection is reset in
// the middle of its body (a MinIO restarting, a load balancer dropping
// its state) is sent again and succeeds, from a source that can seek
// (an upload spooled to a file, bytes, an object of the work store) and
// from a small one that cannot. A dependency that keeps resetting still
// ends in EUNAVAILABLE, within the timeout. Before, a Put gave minio-go a
// body it could not rewind, which it never sends twice: the first reset
// failed the Put.
func TestIntegrationPutRetriedAfterReset(t *testing.T) {
	cfg := envConfig(t)
	p := faultproxy.New(t, cfg.Endpoint)
	direct := newStore(t, cfg, false)
	cfg.Endpoint = p.Addr()
	cfg.DialTimeout, cfg.Timeout = time.Second, 2*time.Second
	cfg.Bucket = direct.Bucket()
	s, err := minio.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := make([]byte, 4<<20)
	rand.Read(data)
	putDirect := func(key string, b []byte) { putBytes(t, direct, key, b, workflow.PutOptions{}) }
	putDirect("source", data)

	for _, tc := range []struct {
		name  string
		data  []byte
		src   func(b []byte) io.Reader
		after int64
	}{
		{"bytes", data, func(b []byte) io.Reader { return bytes.NewReader(b) }, 1 << 20},
		{"section at an offset", data, func(b []byte) io.Reader {
			r := io.NewSectionReader(bytes.NewReader(append([]byte("not this "), b...)), 0, int64(len(b))+9)
			r.Seek(9, io.SeekStart)
			return r
		}, 1 << 20},
		{"object of the work store", data, func([]byte) io.Reader {
			r, _, err := direct.Get(ctx, "source")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			return r
		}, 1 << 20},
		{"small source that cannot seek", data[:512<<10], func(b []byte) io.Reader { return onlyReader{bytes.NewReader(b)} }, 128 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "reset/" + strings.ReplaceAll(tc.name, " ", "-")
			before := p.Resets()
			p.ResetAfter(tc.after)
			defer p.Restore()
			if _, err := s.Put(ctx, key, tc.src(tc.data), int64(len(tc.data)), sum(tc.data), workflow.PutOptions{}); err != nil {
				t.Fatalf("Put across one reset: %v", err)
			}
			if p.Resets() == before {
				t.Fatal("no connection was reset: the test proves nothing")
			}
			readBack(t, direct, key, tc.data)
		})
	}

	t.Run("resets that go on", func(t *testing.T) {
		p.ResetAll()
		defer p.Restore()
		start := time.Now()
		_, err := s.Put(ctx, "reset/never", bytes.NewReader(data), int64(len(data)), sum(data), workflow.PutOptions{})
		took := time.Since(start)
		if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
			t.Fatalf("Put while every connection is reset: %v (%s), want EUNAVAILABLE", err, workflow.ErrorCode(err))
		}
		// Three tries and minio-go's backoff after each (at most 0.2,
		// 0.4, 0.8 s, less a random part): about 1 s; the bound leaves
		// room for a loaded machine, never a timeout per try.
		if bound := 2 * cfg.Timeout; took > bound {
			t.Errorf("Put while every connection is reset took %s, bound %s", took, bound)
		}
		t.Logf("%v after %s, %d resets", err, took.Round(time.Millisecond), p.Resets())
	})
	t.Run("partition after a reset", func(t *testing.T) {
		// The first try is reset, the second meets a partition: one
		// timeout, not one per try.
		src := &stallingReader{r: bytes.NewReader(data), after: 2 << 20, stall: p.Stall}
		p.ResetAfter(1 << 20)
		defer p.Restore()
		checkPartitioned(t, cfg.Timeout+2*time.Second, func() error {
			_, err := s.Put(ctx, "reset/then-partition", seekable{src, bytes.NewReader(data)}, int64(len(data)), sum(data), workflow.PutOptions{})
			return err
		})
	})
}

// seekable is a stallingReader that can seek (through r's twin).
type seekable struct {
	*stallingReader
	twin *bytes.Reader
}

func (s seekable) Seek(off int64, whence int) (int64, error) {
	n, err := s.twin.Seek(off, whence)
	s.stallingReader.r = s.twin
	return n, err
}

// failingTransport answers the first fail PUTs of the key "blob" itself, as a busy or
// failing server does, after taking part of their body: 503 SlowDown, or
// a bare 5xx without a body.
type failingTransport struct {
	base http.RoundTripper
	fail atomic.Int32
	code int
	body string
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPut || !strings.HasSuffix(r.URL.Path, "/blob") || f.fail.Add(-1) < 0 {
		return f.base.RoundTrip(r)
	}
	if r.Body != nil {
		io.CopyN(io.Discard, r.Body, 64<<10)
		r.Body.Close()
	}
	h := http.Header{}
	if f.body != "" {
		h.Set("Content-Type", "application/xml")
	}
	return &http.Response{StatusCode: f.code, Status: http.StatusText(f.code), Header: h, Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(strings.NewReader(f.body)), ContentLength: int64(len(f.body))}, nil
}

// TestIntegrationPutRetriedAfter5xx: a PUT answered 503 SlowDown, or 500
// / 502 without a body, is sent again and succeeds; one the server keeps
// refusing ends in EUNAVAILABLE. Before, the first such answer failed the
// Put.
func TestIntegrationPutRetriedAfter5xx(t *testing.T) {
	cfg := envConfig(t)
	data := make([]byte, 2<<20)
	rand.Read(data)
	slowDown := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`
	for _, tc := range []struct {
		name string
		code int
		body string
		fail int32
		want string
	}{
		{"503 SlowDown once", http.StatusServiceUnavailable, slowDown, 1, ""},
		{"500 without body twice", http.StatusInternalServerError, "", 2, ""},
		{"502 without body once", http.StatusBadGateway, "", 1, ""},
		{"503 SlowDown always", http.StatusServiceUnavailable, slowDown, 1 << 20, workflow.EUNAVAILABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := minio.NewTransport(false)
			if err != nil {
				t.Fatal(err)
			}
			ft := &failingTransport{base: base, code: tc.code, body: tc.body}
			ft.fail.Store(tc.fail)
			c := cfg
			c.Transport = ft
			s := newStore(t, c, false)
			_, err = s.Put(context.Background(), "blob", bytes.NewReader(data), int64(len(data)), sum(data), workflow.PutOptions{})
			if workflow.ErrorCode(err) != tc.want || (tc.want == "") != (err == nil) {
				t.Fatalf("Put: %v (%q), want %q", err, workflow.ErrorCode(err), tc.want)
			}
			if err == nil {
				readBack(t, s, "blob", data)
			}
			if n := ft.fail.Load(); tc.want == "" && n >= 0 {
				t.Fatalf("%d failures left: the test proves nothing", n)
			}
		})
	}
}
