package workflowtest

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// TempBlobs returns an empty storage/localfs store in tb.TempDir(): the
// embedded store the app runs with, which passes the storage conformance
// suite (storage/storagetest), rather than a fake with its own rules.
func TempBlobs(tb testing.TB) workflow.Blobs {
	tb.Helper()
	s, err := localfs.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// CountingBlobs counts the reads of content of the store it wraps: Get,
// and the ranged reads of an object's first bytes (GetRange, with the
// bytes they asked for): a HEAD, a stat or a listing must read none, but
// a HEAD of a file stored without its type its first bytes.
type CountingBlobs struct {
	workflow.Blobs
	Gets   atomic.Int64
	Ranges atomic.Int64
	// RangeBytes is the sum of the bytes the ranged reads asked for.
	RangeBytes atomic.Int64
}

var _ workflow.RangeReader = (*CountingBlobs)(nil)

// GetRange counts the ranged read and reads from the wrapped store
// (workflow.ReadHead: ranged where it can).
func (s *CountingBlobs) GetRange(ctx context.Context, key string, n int64) (io.ReadCloser, error) {
	s.Ranges.Add(1)
	s.RangeBytes.Add(n)
	b, err := workflow.ReadHead(ctx, s.Blobs, key, int(n))
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Get counts the read and reads from the wrapped store.
func (s *CountingBlobs) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	s.Gets.Add(1)
	return s.Blobs.Get(ctx, key)
}
