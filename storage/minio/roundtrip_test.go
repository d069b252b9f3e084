package minio_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/storage/storagetest"
	"github.com/vanthu/vanthu/workflow"
)

// countingTransport records the method of every request.
type countingTransport struct {
	base    http.RoundTripper
	mu      sync.Mutex
	methods []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.methods = append(c.methods, r.Method)
	c.mu.Unlock()
	return c.base.RoundTrip(r)
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
