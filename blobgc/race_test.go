package blobgc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/workflow"
)

// hooked is a work store that calls beforeDelete before each Delete.
type hooked struct {
	workflow.Blobs
	beforeDelete func(key string)
}

func (h *hooked) Delete(ctx context.Context, key string) error {
	if h.beforeDelete != nil {
		h.beforeDelete(key)
	}
	return h.Blobs.Delete(ctx, key)
}

// Two collectors at once (two instances whose lease failed, or `vanthu
// blobs gc` beside a serving instance): one has copied an old,
// unreferenced blob to trash and is about to delete it from blobs/ when
// an upload commits a reference to it and the other collector runs from
// start to end. That run finds the trash copy referenced; the first then
// deletes the live blob. Whatever each does, the blob must be there in
// the end, and neither run may fail. (Before the fix the second run put
// the blob back and deleted the trash copy, the first deleted the live
// one, and the committed document referred to nothing: "read
// trash/blobs/…: not found".)
func TestIntegrationRestoreDuringMove(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			r := newRefs()
			// The collector counts on a move (copy to trash, delete)
			// taking far less than the grace period; a loaded machine
			// can take longer than 300 ms over a local copy's fsyncs.
			st.grace = max(st.grace, 2*time.Second)
			b, sum := content(t)
			upload(t, s, b, sum)
			age(st)
			other := &blobgc.Collector{Blobs: s, Refs: r, Grace: st.grace}
			var once sync.Once
			var otherErr error
			h := &hooked{Blobs: s, beforeDelete: func(key string) {
				if key != workflow.BlobKey(sum) {
					return
				}
				once.Do(func() {
					r.commit(sum) // the upload that re-used it commits
					_, otherErr = other.Run(ctx, blobgc.Options{})
				})
			}}
			first := &blobgc.Collector{Blobs: h, Refs: r, Grace: st.grace}
			rep, err := first.Run(ctx, blobgc.Options{})
			if err != nil || otherErr != nil {
				t.Errorf("first run: %+v %v; the other run: %v", rep, err, otherErr)
			}
			if !exists(t, s, workflow.BlobKey(sum)) {
				if rep, err := other.Run(ctx, blobgc.Options{}); err != nil || !exists(t, s, workflow.BlobKey(sum)) {
					t.Fatalf("the referenced blob is lost: next run %+v %v", rep, err)
				}
			}
			// Once older than the grace period, the trash copy of a blob
			// that is back in place goes.
			age(st)
			rep, err = other.Run(ctx, blobgc.Options{})
			if err != nil || exists(t, s, "trash/"+workflow.BlobKey(sum)) || !exists(t, s, workflow.BlobKey(sum)) {
				t.Fatalf("later run: %+v %v; trash copy left %v", rep, err, exists(t, s, "trash/"+workflow.BlobKey(sum)))
			}
		})
	}
}
