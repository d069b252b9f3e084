package blobgc_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// refs is the committed references: a set of SHA-256s.
type refs struct {
	mu  sync.Mutex
	set map[string]bool
}

func newRefs() *refs { return &refs{set: map[string]bool{}} }

func (r *refs) commit(sum string) {
	r.mu.Lock()
	r.set[sum] = true
	r.mu.Unlock()
}

func (r *refs) ReferencedBlobs(ctx context.Context, fn func(string) error) error {
	r.mu.Lock()
	var sums []string
	for s := range r.set {
		sums = append(sums, s)
	}
	r.mu.Unlock()
	for _, s := range sums {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func content(tb testing.TB) ([]byte, string) {
	tb.Helper()
	b := make([]byte, 300)
	rand.Read(b)
	s := sha256.Sum256(b)
	return b, hex.EncodeToString(s[:])
}

// upload stores b as an upload does: under its content's key.
func upload(tb testing.TB, s workflow.Blobs, b []byte, sum string) {
	tb.Helper()
	if _, err := s.Put(context.Background(), workflow.BlobKey(sum), bytes.NewReader(b), int64(len(b)), sum, workflow.PutOptions{ContentType: "application/pdf"}); err != nil {
		tb.Fatal(err)
	}
}

func exists(tb testing.TB, s workflow.Blobs, key string) bool {
	tb.Helper()
	_, err := s.Stat(context.Background(), key)
	if err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
		tb.Fatal(err)
	}
	return err == nil
}

// stores are the work stores the collector runs on, with the grace
// period that suits each (S3 dates are to the second) and a wait that
// makes what was put before it older than that.
type store struct {
	name  string
	open  func(t *testing.T) workflow.Blobs
	grace time.Duration
}

func stores() []store {
	return []store{
		{"localfs", func(t *testing.T) workflow.Blobs {
			s, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 300 * time.Millisecond},
		{"minio", func(t *testing.T) workflow.Blobs {
			ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
			if ep == "" {
				t.Skip("VANTHU_TEST_S3_ENDPOINT not set: source scripts/setup/minio.sh (or run ./scripts/test)")
			}
			var rnd [4]byte
			rand.Read(rnd[:])
			s, err := minio.New(context.Background(), minio.Config{Endpoint: ep, AccessKey: os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
				SecretKey: os.Getenv("VANTHU_TEST_S3_SECRET_KEY"), Bucket: fmt.Sprintf("blobgc-test-%x", rnd)})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 2500 * time.Millisecond},
	}
}

func age(s store) { time.Sleep(s.grace + s.grace/2) }

// eachStore runs test on every store, each in a subtest, with the store
// open and no reference committed.
func eachStore(t *testing.T, test func(t *testing.T, st store, s workflow.Blobs, r *refs)) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) { test(t, st, st.open(t), newRefs()) })
	}
}

// leftOver uploads a blob as a request that never committed leaves it,
// and waits until it is older than the grace period.
func leftOver(t *testing.T, st store, s workflow.Blobs) ([]byte, string) {
	t.Helper()
	b, sum := content(t)
	upload(t, s, b, sum)
	age(st)
	return b, sum
}

// The collector deletes what is old and unreferenced, keeps what is
// referenced or young, never touches what is locked, and a dry run
// changes nothing.
func TestIntegrationCollect(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		kept, keptSum := content(t)
		upload(t, s, kept, keptSum)
		r.commit(keptSum)
		garbage, garbageSum := content(t)
		upload(t, s, garbage, garbageSum)
		other, _ := content(t)
		otherKey := "reports/other.json" // not a blob: never looked at
		if _, err := s.Put(ctx, otherKey, bytes.NewReader(other), int64(len(other)), sum(other), workflow.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		age(st)
		young, youngSum := content(t)
		upload(t, s, young, youngSum) // an upload in flight
		c := &blobgc.Collector{Blobs: s, Refs: r, Grace: st.grace}

		rep, err := c.Run(ctx, blobgc.Options{DryRun: true})
		if err != nil || rep.Blobs != 3 || rep.Referenced != 1 || rep.Young != 1 || rep.Unreferenced != 1 ||
			len(rep.Candidates) != 1 || rep.Candidates[0] != workflow.BlobKey(garbageSum) {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if !exists(t, s, workflow.BlobKey(garbageSum)) {
			t.Fatal("the dry run deleted")
		}
		rep, err = c.Run(ctx, blobgc.Options{})
		if err != nil || rep.Collected != 1 {
			t.Fatalf("run: %+v %v", rep, err)
		}
		for key, want := range map[string]bool{workflow.BlobKey(keptSum): true, workflow.BlobKey(youngSum): true,
			workflow.BlobKey(garbageSum): false, otherKey: true} {
			if exists(t, s, key) != want {
				t.Errorf("%s exists: %v, want %v", key, !want, want)
			}
		}
		// Trash older than the grace period, still unreferenced, goes for good.
		age(st)
		rep, err = c.Run(ctx, blobgc.Options{})
		if err != nil || rep.Purged != 1 || exists(t, s, "trash/"+workflow.BlobKey(garbageSum)) {
			t.Fatalf("second run: %+v %v", rep, err)
		}
	})
}

// The race of a content-addressed upload: a blob listed as old and
// unreferenced is re-used by an upload (its Put finds the same bytes
// there) before the collector deletes it, and the upload commits its
// reference after the run. The re-used blob must survive. Before re-puts
// refreshed Modtime, the collector deleted it and the committed document
// referred to a missing file.
func TestIntegrationReuseDuringCollection(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		b, sum := leftOver(t, st, s)
		c := &blobgc.Collector{Blobs: s, Refs: r, Grace: st.grace,
			BeforeCheck: func(string) { upload(t, s, b, sum) }} // the re-use, after the listing
		rep, err := c.Run(ctx, blobgc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r.commit(sum) // the upload's transaction
		if !exists(t, s, workflow.BlobKey(sum)) {
			t.Fatalf("the re-used blob was collected: %+v", rep)
		}
		if rep.Reused != 1 || rep.Collected != 0 {
			t.Fatalf("report %+v: want the blob left as re-used", rep)
		}
	})
}

// The narrowest window: the upload re-uses the blob after the collector's
// last look and before its move to trash, and commits after the run. The
// blob goes to trash, and the next run (any run, however soon) puts it
// back because it is referenced: nothing is lost.
func TestIntegrationReuseAtTheLastMoment(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		b, sum := leftOver(t, st, s)
		c := &blobgc.Collector{Blobs: s, Refs: r, Grace: st.grace,
			BeforeMove: func(string) { upload(t, s, b, sum) }}
		if _, err := c.Run(ctx, blobgc.Options{}); err != nil {
			t.Fatal(err)
		}
		r.commit(sum)
		c.BeforeMove = nil
		rep, err := c.Run(ctx, blobgc.Options{})
		if err != nil || rep.Restored != 1 || !exists(t, s, workflow.BlobKey(sum)) {
			t.Fatalf("next run: %+v %v; blob present %v", rep, err, exists(t, s, workflow.BlobKey(sum)))
		}
		got, _, err := s.Get(ctx, workflow.BlobKey(sum))
		if err != nil {
			t.Fatal(err)
		}
		defer got.Close()
		var buf bytes.Buffer
		buf.ReadFrom(got)
		if !bytes.Equal(buf.Bytes(), b) {
			t.Fatal("restored content differs")
		}
	})
}

// Uploads re-using a few blobs over and over while collectors (two, as
// two instances would if their lease failed) run in a loop: after the
// uploads stop and one more run, every committed reference's blob is
// there.
func TestIntegrationConcurrentReuse(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		// Moves and uploads must take far less than the grace period,
		// which 300 ms is not on a loaded machine (a local Put's
		// fsyncs).
		st.grace = max(st.grace, time.Second)
		const n = 6
		bs, sums := make([][]byte, n), make([]string, n)
		for i := range n {
			bs[i], sums[i] = content(t)
			upload(t, s, bs[i], sums[i])
		}
		age(st)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() {
				c := &blobgc.Collector{Blobs: s, Refs: r, Grace: st.grace}
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := c.Run(ctx, blobgc.Options{}); err != nil {
						t.Errorf("collector %d: %v", w, err)
						return
					}
				}
			})
		}
		// Each upload commits well within the grace period of its Put.
		for i := range n {
			time.Sleep(st.grace / 3)
			upload(t, s, bs[i], sums[i])
			time.Sleep(st.grace / 10)
			r.commit(sums[i])
		}
		time.Sleep(st.grace / 2)
		close(stop)
		wg.Wait()
		c := &blobgc.Collector{Blobs: s, Refs: r, Grace: st.grace}
		if _, err := c.Run(ctx, blobgc.Options{}); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if !exists(t, s, workflow.BlobKey(sums[i])) {
				t.Errorf("blob %d, referenced, is gone", i)
			}
		}
	})
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
