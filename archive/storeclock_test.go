package archive_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// retainStore records the retain-until date each record object was
// written with.
type retainStore struct {
	workflow.Blobs
	mu  sync.Mutex
	got map[string]time.Time
}

func (s *retainStore) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	if strings.HasPrefix(key, "records/") {
		s.mu.Lock()
		s.got[key] = opts.RetainUntil
		s.mu.Unlock()
	}
	return s.Blobs.Put(ctx, key, r, size, sum, opts)
}

// TestRecordRetentionByStoreClock: whether a record's objects are written
// with its retain-until date is judged by the store's clock (storeNow),
// not by the service's injected Now — the store refuses a date already
// past by its own clock, and accepts one that the injected clock has
// passed.
func TestRecordRetentionByStoreClock(t *testing.T) {
	until := time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name            string
		serviceNow      time.Time // the injected clock
		storeNow        time.Time // the store's
		wantRetainUntil time.Time
	}{
		{"past by the service's clock, ahead by the store's: retained", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC), until},
		{"ahead by the service's clock, past by the store's: not retained", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			store := &retainStore{Blobs: fs, got: map[string]time.Time{}}
			f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), store)
			f.Archive.Now = func() time.Time { return c.serviceNow }
			f.Archive.Retain = func(string, time.Time) (time.Time, error) { return until, nil }
			archive.SetStoreNow(t, func() time.Time { return c.storeNow })
			d := f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
			if len(store.got) == 0 {
				t.Fatalf("no record object of %s written", d.ID)
			}
			for key, got := range store.got {
				if !got.Equal(c.wantRetainUntil) {
					t.Errorf("%s written with retain-until %v, want %v", key, got, c.wantRetainUntil)
				}
			}
		})
	}
}
