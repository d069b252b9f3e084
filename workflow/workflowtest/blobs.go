package workflowtest

import (
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
