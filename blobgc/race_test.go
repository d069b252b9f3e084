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
// an upload that re-used it commits and the other collector runs from
// start to end. The commit fails (send again) rather than refer to a
// blob about to go; the other run leaves the claimed blob alone; sent
// again, the blob is there and stays. (Before claims, the second run put
// the blob back and deleted the trash copy, the first deleted the live
// one, and the committed document referred to nothing.) The grace period
// is a nanosecond: nothing here depends on how long a step takes.
func TestIntegrationRestoreDuringMove(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		opts := blobgc.Options{OlderThan: time.Nanosecond}
		b, sum := content(t)
		upload(t, s, b, sum)
		other := &blobgc.Collector{Blobs: s, Refs: r, Claims: r}
		var once sync.Once
		var commitErr, otherErr error
		var otherRep *blobgc.Report
		h := &hooked{Blobs: s, beforeDelete: func(key string) {
			if key != workflow.BlobKey(sum) {
				return
			}
			once.Do(func() {
				commitErr = r.commit(sum) // the upload that re-used it commits
				otherRep, otherErr = other.Run(ctx, opts)
			})
		}}
		first := &blobgc.Collector{Blobs: h, Refs: r, Claims: r}
		rep, err := first.Run(ctx, opts)
		if err != nil || otherErr != nil || rep.Collected != 1 {
			t.Fatalf("first run: %+v %v; the other run: %v", rep, err, otherErr)
		}
		if workflow.ErrorCode(commitErr) != workflow.EUNAVAILABLE {
			t.Fatalf("commit while the blob was being deleted: %v, want EUNAVAILABLE", commitErr)
		}
		if otherRep.Collected != 0 || otherRep.Restored != 0 {
			t.Fatalf("the other run touched the claimed blob: %+v", otherRep)
		}
		r.mustCommit(t, s, b, sum)
		for range 2 {
			if rep, err := other.Run(ctx, opts); err != nil || !exists(t, s, workflow.BlobKey(sum)) {
				t.Fatalf("later run: %+v %v; the referenced blob is gone", rep, err)
			}
		}
	})
}

// A run stops (stalls) after its claim became "deleting", before it
// moves the blob; a run a day later takes its claim over and finishes
// the move; the blob is sent again and committed; then the stalled run
// goes on. Its fencing check finds the claim no longer its own, and it
// deletes nothing: the referenced blob stays.
func TestIntegrationTakeOverStalledRun(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		b, sum := content(t)
		upload(t, s, b, sum)
		later := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
		var laterRep *blobgc.Report
		var laterErr error
		first := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Now: func() time.Time { return time.Now().Add(25 * time.Hour) },
			BeforeMove: func(string) {
				laterRep, laterErr = later.Run(ctx, blobgc.Options{})
				r.mustCommit(t, s, b, sum)
			}}
		rep, err := first.Run(ctx, blobgc.Options{})
		if err != nil || laterErr != nil {
			t.Fatalf("stalled run: %+v %v; the later run: %+v %v", rep, err, laterRep, laterErr)
		}
		if laterRep.TakenOver != 1 {
			t.Fatalf("later run %+v: want the stalled run's claim taken over", laterRep)
		}
		if !exists(t, s, workflow.BlobKey(sum)) {
			t.Fatal("the stalled run deleted a referenced blob")
		}
	})
}
