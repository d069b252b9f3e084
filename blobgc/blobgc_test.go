package blobgc_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"

	"github.com/vanthu/vanthu/storage/gormdb"
)

// refs is the committed references (a set of SHA-256s) and the
// collector's claims, under one lock as in the database: commit is a
// transaction that commits a reference.
type refs struct {
	mu     sync.Mutex
	set    map[string]bool
	claims map[string]fakeClaim
	// store is the work store a commit finds a blob sent again in.
	store workflow.Blobs
}

type fakeClaim struct {
	state, token string
	since        time.Time
}

func newRefs() *refs { return &refs{set: map[string]bool{}, claims: map[string]fakeClaim{}} }

// commit commits a reference to sum: it cancels a collector's mark, and
// fails (EUNAVAILABLE) while sum is being deleted or was deleted.
func (r *refs) commit(sum string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.claims[sum].state {
	case blobgc.ClaimMarked:
		delete(r.claims, sum)
	case blobgc.ClaimDeleted:
		// As storage/gormdb's: the tombstone goes if the blob is back.
		if r.store == nil {
			return workflow.Errorf(workflow.EUNAVAILABLE, "file %s was deleted as unreferenced: send it again", sum)
		}
		if _, err := r.store.Stat(context.Background(), workflow.BlobKey(sum)); err != nil {
			return workflow.Errorf(workflow.EUNAVAILABLE, "file %s was deleted as unreferenced: send it again", sum)
		}
		delete(r.claims, sum)
	case blobgc.ClaimDeleting:
		return workflow.Errorf(workflow.EUNAVAILABLE, "file %s was deleted as unreferenced: send it again", sum)
	}
	r.set[sum] = true
	return nil
}

// mustCommit commits, sending the file again as a
// client told to would, until the commit succeeds.
func (r *refs) mustCommit(tb testing.TB, s workflow.Blobs, b []byte, sum string) {
	tb.Helper()
	for range 100 {
		err := r.commit(sum)
		if err == nil {
			return
		}
		if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
			tb.Fatal(err)
		}
		upload(tb, s, b, sum)
	}
	tb.Fatalf("blob %s: the commit still fails", sum)
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

func (r *refs) ClaimBlobs(_ context.Context, token string, sums []string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range sums {
		if _, ok := r.claims[s]; !ok {
			r.claims[s] = fakeClaim{blobgc.ClaimMarked, token, time.Now()}
			out = append(out, s)
		}
	}
	return out, nil
}

// swap replaces sum's claim if it is in state from with token, and says
// whether it did.
func (r *refs) swap(sum, token, from string, to fakeClaim) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	cl, ok := r.claims[sum]
	if !ok || cl.token != token || (from != "" && cl.state != from) {
		return false
	}
	if to.state == "" {
		delete(r.claims, sum)
	} else {
		r.claims[sum] = to
	}
	return true
}

func (r *refs) StartBlobDelete(_ context.Context, token, sum string) (bool, error) {
	return r.swap(sum, token, blobgc.ClaimMarked, fakeClaim{blobgc.ClaimDeleting, token, time.Now()}), nil
}

func (r *refs) HoldsBlobDelete(_ context.Context, token, sum string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cl := r.claims[sum]
	return cl.token == token && cl.state == blobgc.ClaimDeleting, nil
}

func (r *refs) FinishBlobDelete(_ context.Context, token, sum string) error {
	r.swap(sum, token, blobgc.ClaimDeleting, fakeClaim{blobgc.ClaimDeleted, token, time.Now()})
	return nil
}

func (r *refs) ReleaseBlobClaims(_ context.Context, token string, sums []string) error {
	for _, s := range sums {
		r.swap(s, token, blobgc.ClaimMarked, fakeClaim{})
	}
	return nil
}

func (r *refs) TakeOverBlobClaim(_ context.Context, sum, old, token string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cl, ok := r.claims[sum]
	if !ok || cl.token != old {
		return false, nil
	}
	r.claims[sum] = fakeClaim{cl.state, token, time.Now()}
	return true, nil
}

func (r *refs) BlobClaims(_ context.Context, fn func(sum, state, token string, since time.Time) error) error {
	r.mu.Lock()
	cls := maps.Clone(r.claims)
	r.mu.Unlock()
	for s, cl := range cls {
		if err := fn(s, cl.state, cl.token, cl.since); err != nil {
			return err
		}
	}
	return nil
}

func (r *refs) ClearBlobTombstone(_ context.Context, sum, token string) error {
	r.swap(sum, token, blobgc.ClaimDeleted, fakeClaim{})
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

// backend is the database paired with the store in the tests that commit
// for real: SQLite with the local folder, PostgreSQL with MinIO.
func (s store) backend() string {
	if s.name == "minio" {
		return gormdb.Postgres
	}
	return gormdb.SQLite
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
		t.Run(st.name, func(t *testing.T) {
			s, r := st.open(t), newRefs()
			r.store = s
			test(t, st, s, r)
		})
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
		r.mustCommit(t, s, kept, keptSum)
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
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Grace: st.grace}

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
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Grace: st.grace,
			BeforeCheck: func(string) { upload(t, s, b, sum) }} // the re-use, after the listing
		rep, err := c.Run(ctx, blobgc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.commit(sum); err != nil { // the upload's transaction
			t.Fatalf("the re-use's commit: %v", err)
		}
		if !exists(t, s, workflow.BlobKey(sum)) {
			t.Fatalf("the re-used blob was collected: %+v", rep)
		}
		if rep.Reused != 1 || rep.Collected != 0 {
			t.Fatalf("report %+v: want the blob left as re-used", rep)
		}
	})
}

// The narrowest window: the upload re-uses the blob after the collector's
// last look and after its claim became "deleting", and commits after the
// run. The commit fails (EUNAVAILABLE: send it again) rather than refer
// to a blob that is gone; sent again, the blob is back and the commit
// succeeds.
func TestIntegrationReuseAtTheLastMoment(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		b, sum := leftOver(t, st, s)
		guarded := s
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Grace: st.grace,
			BeforeMove: func(string) { upload(t, guarded, b, sum) }}
		if rep, err := c.Run(ctx, blobgc.Options{}); err != nil || rep.Collected != 1 {
			t.Fatalf("run: %+v %v", rep, err)
		}
		if err := r.commit(sum); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
			t.Fatalf("commit of a collected blob: %v, want EUNAVAILABLE", err)
		}
		upload(t, guarded, b, sum) // sent again
		if err := r.commit(sum); err != nil {
			t.Fatalf("commit after sending again: %v", err)
		}
		c.BeforeMove = nil
		rep, err := c.Run(ctx, blobgc.Options{})
		if err != nil || rep.Referenced != 1 || !exists(t, s, workflow.BlobKey(sum)) {
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
			t.Fatal("content differs")
		}
	})
}

// Uploads re-using a few blobs over and over while collectors (two, as
// two instances would if their lease failed) run in a loop with a grace
// period of a nanosecond, so that every unreferenced blob is collectable
// at once: each commit either succeeds or fails and is sent again, and
// after the uploads stop and one more run, every committed reference's
// blob is there. No sleep orders anything.
func TestIntegrationConcurrentReuse(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		const n = 6
		bs, sums := make([][]byte, n), make([]string, n)
		for i := range n {
			bs[i], sums[i] = content(t)
			upload(t, s, bs[i], sums[i])
		}
		opts := blobgc.Options{OlderThan: time.Nanosecond}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() {
				c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r}
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := c.Run(ctx, opts); err != nil {
						t.Errorf("collector %d: %v", w, err)
						return
					}
				}
			})
		}
		guarded := s
		for i := range n {
			upload(t, guarded, bs[i], sums[i])
			r.mustCommit(t, s, bs[i], sums[i])
		}
		close(stop)
		wg.Wait()
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r}
		if _, err := c.Run(ctx, opts); err != nil {
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

// A tombstone goes once older than the grace period if its blob is
// neither in place nor referenced; a younger one, or one of a referenced
// blob, stays.
func TestIntegrationOldTombstonesPurged(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		old, young, referenced := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
		long := time.Now().Add(-2 * blobgc.DefaultGrace)
		r.claims[old] = fakeClaim{blobgc.ClaimDeleted, "t1", long}
		r.claims[young] = fakeClaim{blobgc.ClaimDeleted, "t2", time.Now()}
		r.claims[referenced] = fakeClaim{blobgc.ClaimDeleted, "t3", long}
		r.set[referenced] = true
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, Grace: blobgc.DefaultGrace}
		if rep, err := c.Run(ctx, blobgc.Options{DryRun: true}); err != nil || len(r.claims) != 3 {
			t.Fatalf("dry run: %+v %v, claims %v", rep, err, r.claims)
		}
		rep, err := c.Run(ctx, blobgc.Options{})
		if err != nil || rep.Tombstones != 1 {
			t.Fatalf("run: %+v %v", rep, err)
		}
		if _, ok := r.claims[old]; ok || len(r.claims) != 2 {
			t.Fatalf("claims after the run: %v", r.claims)
		}
	})
}

// With a short grace period (a minute) a tombstone older than it but not
// by StaleDeleting stays: an upload that stored the blob before it went
// may still be committing, and the tombstone is what fails that commit.
// One older than both goes. (Before, both went, and such an upload
// committed a reference to its deleted blob.)
func TestIntegrationShortGraceKeepsRecentTombstones(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		recent, old := strings.Repeat("d", 64), strings.Repeat("e", 64)
		r.claims[recent] = fakeClaim{blobgc.ClaimDeleted, "t1", time.Now().Add(-2 * time.Minute)}
		r.claims[old] = fakeClaim{blobgc.ClaimDeleted, "t2", time.Now().Add(-time.Minute - blobgc.StaleDeleting - time.Minute)}
		c := &blobgc.Collector{Blobs: s, Refs: r, Claims: r}
		rep, err := c.Run(ctx, blobgc.Options{OlderThan: time.Minute})
		if err != nil || rep.Tombstones != 1 {
			t.Fatalf("run: %+v %v", rep, err)
		}
		if _, ok := r.claims[recent]; !ok {
			t.Errorf("the tombstone of 2 minutes went with a grace of 1")
		}
		if _, ok := r.claims[old]; ok {
			t.Errorf("the tombstone older than grace + StaleDeleting stayed")
		}
	})
}

// A run with a grace period shorter than another run takes (here a
// nanosecond) does not take over that live run's claim while it deletes:
// claims are taken over only once older than StaleDeleting as well. (It
// did: the second run finished the first's deletion, purged the trash
// copy, and a blob stored again meanwhile could be deleted by the first.)
func TestIntegrationShortGraceTakesNoLiveClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, st store, s workflow.Blobs, r *refs) {
		ctx := context.Background()
		b, sm := content(t)
		upload(t, s, b, sm)
		opts := blobgc.Options{OlderThan: time.Nanosecond}
		var second *blobgc.Report
		var secondErr error
		first := &blobgc.Collector{Blobs: s, Refs: r, Claims: r, BeforeMove: func(string) {
			second, secondErr = (&blobgc.Collector{Blobs: s, Refs: r, Claims: r}).Run(ctx, opts)
		}}
		rep, err := first.Run(ctx, opts)
		if err != nil || secondErr != nil {
			t.Fatalf("runs: %v, %v", err, secondErr)
		}
		if second == nil || second.TakenOver != 0 {
			t.Fatalf("the second run took over the first's live claim: %+v", second)
		}
		if rep.Collected != 1 || exists(t, s, workflow.BlobKey(sm)) {
			t.Fatalf("the first run did not collect the blob: %+v", rep)
		}
	})
}
