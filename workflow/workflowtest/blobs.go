package workflowtest

import (
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

// CountingBlobs counts the reads of content (Get) of the store it wraps:
// a HEAD, a stat or a listing must read none.
type CountingBlobs struct {
	workflow.Blobs
	Gets atomic.Int64
}

// Get counts the read and reads from the wrapped store.
func (s *CountingBlobs) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	s.Gets.Add(1)
	return s.Blobs.Get(ctx, key)
}
