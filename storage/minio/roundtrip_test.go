package minio_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/storage/minio"

	"github.com/vanthu/vanthu/storage/storagetest"
	"github.com/vanthu/vanthu/workflow"
)

// countingTransport records the method and headers of every request.
type countingTransport struct {
	base    http.RoundTripper
	mu      sync.Mutex
	methods []string
	headers []http.Header
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.methods = append(c.methods, r.Method)
	c.headers = append(c.headers, r.Header.Clone())
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *countingTransport) lastHeader() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.headers[len(c.headers)-1]
}

func (c *countingTransport) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.methods
	c.methods = nil
	return m
}

// TestIntegrationPutOneRoundTrip: a Put of a new key is one request (a
// conditional PUT, no HEAD before it); a retry with the same content and a
// different content on a locked object are still told apart after the
// PUT is refused.
func TestIntegrationPutOneRoundTrip(t *testing.T) {
	cfg := envConfig(t)
	base, err := s3.DefaultTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	tr := &countingTransport{base: base}
	cfg.Transport = tr
	s := newStore(t, cfg, true)
	tr.take()
	until := workflow.PutOptions{RetainUntil: time.Now().Add(time.Hour)}
	putBytes(t, s, "r/a.pdf", []byte("first content"), until)
	if m := tr.take(); len(m) != 1 || m[0] != http.MethodPut {
		t.Fatalf("new key: requests %v, want one PUT", m)
	}
	// Retention and legal hold travel in the PUT's headers (no call
	// after it); the payload is not signed chunk by chunk (aws-chunked
	// hashes every byte once more on both sides): the signed checksum
	// header binds the content.
	putBytes(t, s, "r/held.pdf", []byte("held content"), workflow.PutOptions{RetainUntil: until.RetainUntil, LegalHold: true})
	h := tr.lastHeader()
	if m := tr.take(); len(m) != 1 {
		t.Fatalf("new key with retention and legal hold: requests %v, want one PUT", m)
	}
	want := map[string]string{
		"If-None-Match": "*", "X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Legal-Hold": "ON",
		"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Amz-Checksum-Sha256": "80tSrjMt3LfA5FipkDTPs6k1z7jv4SbVi5kJK9D48W8=",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("PUT header %s = %q, want %q", k, got, v)
		}
	}
	if h.Get("X-Amz-Object-Lock-Retain-Until-Date") == "" || h.Get("Content-Encoding") != "" {
		t.Errorf("PUT headers %v: want a retain-until date and no content encoding", h)
	}
	if !strings.Contains(h.Get("Authorization"), "x-amz-checksum-sha256") {
		t.Errorf("the checksum header is not signed: %s", h.Get("Authorization"))
	}
	// A retry with the same content succeeds.
	putBytes(t, s, "r/a.pdf", []byte("first content"), until)
	tr.take()
	// Different content under retention is refused.
	other := []byte("other content")
	_, err = s.Put(context.Background(), "r/a.pdf", bytes.NewReader(other), int64(len(other)), storagetest.Sum(other), until)
	if workflow.ErrorCode(err) != workflow.ECONFLICT {
		t.Fatalf("different content under retention: %v, want ECONFLICT", err)
	}
}

// TestIntegrationConnectionsReused: the store's default transport keeps
// enough idle connections for many requests at once. Two bursts of 48
// concurrent Puts: no connection is closed (minio-go's own transport
// keeps 16 idle and closes the rest as they come back, to dial them again
// on the next burst). The number of connections a burst opens depends on
// how the machine schedules it, so that is not what is checked.
func TestIntegrationConnectionsReused(t *testing.T) {
	cfg := envConfig(t)
	tr, err := minio.NewTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	var dials, closes atomic.Int64
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		dials.Add(1)
		return &countedConn{Conn: c, closes: &closes}, nil
	}
	cfg.Transport = tr
	s := newStore(t, cfg, false)
	const n = 48
	burst := func(round int) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				b := []byte(strings.Repeat("x", 1000+i+round*n))
				putBytes(t, s, "burst/"+strings.Repeat("k", 1+i)+string(rune('a'+round)), b, workflow.PutOptions{})
			})
		}
		close(start)
		wg.Wait()
	}
	burst(0)
	burst(1)
	if c := closes.Load(); c > 0 {
		t.Fatalf("%d of the %d connections dialled for two bursts of %d concurrent Puts were closed: idle connections not kept", c, dials.Load(), n)
	}
	if d := dials.Load(); d <= 16 {
		t.Logf("only %d connections were needed: the bursts did not test more than minio-go's default would keep", d)
	}
}

// countedConn counts its closes.
type countedConn struct {
	net.Conn
	closes *atomic.Int64
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.closes.Add(1) })
	return c.Conn.Close()
}

// TestIntegrationGetRange: GetRange reads an object's first bytes in one
// ranged GET (what a HEAD of a file stored without its type reads),
// all of a shorter object, nothing of an empty one; a missing object is
// ENOTFOUND. From the cache, when it holds the object, without a request.
func TestIntegrationGetRange(t *testing.T) {
	for _, cache := range []int64{0, 1 << 20} {
		cfg := envConfig(t)
		base, err := s3.DefaultTransport(false)
		if err != nil {
			t.Fatal(err)
		}
		tr := &countingTransport{base: base}
		cfg.Transport, cfg.CacheBytes = tr, cache
		s := newStore(t, cfg, false)
		long := bytes.Repeat([]byte("0123456789"), 300)
		for _, c := range []struct {
			key     string
			content []byte
			want    int
		}{{"long", long, workflow.SniffLen}, {"short", long[:10], 10}, {"empty", nil, 0}} {
			key := workflow.BlobKey(storagetest.Sum(c.content)) // a key the cache keeps
			putBytes(t, s, key, c.content, workflow.PutOptions{})
			tr.take()
			b, err := workflow.ReadHead(context.Background(), s, key, workflow.SniffLen)
			if err != nil || !bytes.Equal(b, c.content[:c.want]) {
				t.Errorf("cache %d, %s: %d bytes, %v; want the first %d", cache, c.key, len(b), err, c.want)
			}
			m := tr.take()
			switch {
			case cache > 0 && len(m) != 0:
				t.Errorf("cache %d, %s: requests %v, want none", cache, c.key, m)
			case cache == 0 && (len(m) != 1 || m[0] != http.MethodGet || tr.lastHeader().Get("Range") != "bytes=0-1023"):
				t.Errorf("cache %d, %s: requests %v (Range %q), want one ranged GET", cache, c.key, m, tr.lastHeader().Get("Range"))
			}
		}
		if _, err := s.GetRange(context.Background(), "missing", 10); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("missing object: %v, want ENOTFOUND", err)
		}
	}
}
