package blobgc_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/workflow"
)

// A blob the collector moves to trash, and one it puts back from trash,
// keep the type they were stored with (the file of a document is served
// with it): the copies were written without one, so a PDF put back was
// application/octet-stream (binary/octet-stream on S3).
func TestIntegrationCollectKeepsContentType(t *testing.T) {
	types := []string{workflow.PDFType, "image/png", "application/octet-stream",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		sums := make([]string, len(types))
		for i, ct := range types {
			b, sum := content(t)
			sums[i] = sum
			if _, err := s.Put(ctx, workflow.BlobKey(sum), bytes.NewReader(b), int64(len(b)), sum, workflow.PutOptions{ContentType: ct}); err != nil {
				t.Fatal(err)
			}
		}
		age(st)
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Grace: st.grace}
		if rep, err := c.Run(ctx, blobgc.Options{}); err != nil || rep.Collected != len(types) {
			t.Fatalf("run: %+v %v", rep, err)
		}
		for i, sum := range sums {
			wantType(t, s, "trash/"+workflow.BlobKey(sum), types[i])
		}
		// Referenced after all (a row restored by hand): put back.
		r.mu.Lock()
		for _, sum := range sums {
			r.set[sum] = true
		}
		r.mu.Unlock()
		if rep, err := c.Run(ctx, blobgc.Options{}); err != nil || rep.Restored != len(types) {
			t.Fatalf("second run: %+v %v", rep, err)
		}
		for i, sum := range sums {
			wantType(t, s, workflow.BlobKey(sum), types[i])
		}
	})
}

func wantType(t *testing.T, s workflow.Blobs, key, want string) {
	t.Helper()
	oi, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if oi.ContentType != want {
		t.Errorf("%s: type %q, want %q", key, oi.ContentType, want)
	}
}
