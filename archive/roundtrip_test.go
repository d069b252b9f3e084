package archive_test

import (
	"context"
	"encoding/json"
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

// gate, while open, holds each call that enters it until want of them
// are in flight (or a few seconds passed), and notes the most in flight
// at once.
type gate struct {
	mu      sync.Mutex
	want    int
	now     int
	most    int
	all     chan struct{} // closed when want are in flight
	reached bool          // all is closed
}

func (g *gate) open(want int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want, g.now, g.most, g.all, g.reached = want, 0, 0, make(chan struct{}), false
}

func (g *gate) close() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want = 0
	return g.most
}

// enter counts a call in flight and, while the gate is open, waits for
// the others (or 3 s, or ctx); the call runs, then calls leave.
func (g *gate) enter(ctx context.Context) (leave func()) {
	g.mu.Lock()
	if g.want == 0 {
		g.mu.Unlock()
		return func() {}
	}
	g.now++
	g.most = max(g.most, g.now)
	all := g.all
	if g.now == g.want && !g.reached {
		g.reached = true
		close(all)
	}
	g.mu.Unlock()
	select {
	case <-all:
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	return func() {
		g.mu.Lock()
		g.now--
		g.mu.Unlock()
	}
}

// gatedStore is an archive store whose Puts go through a gate, and which
// can refuse the first Put of keys with a given suffix as an outage.
type gatedStore struct {
	workflow.Blobs
	gate
	failMu sync.Mutex
	fail   map[string]bool // key suffix -> refuse its next Put
}

func (g *gatedStore) failNext(suffix string) {
	g.failMu.Lock()
	defer g.failMu.Unlock()
	if g.fail == nil {
		g.fail = map[string]bool{}
	}
	g.fail[suffix] = true
}

func (g *gatedStore) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	g.failMu.Lock()
	for suffix, on := range g.fail {
		if on && strings.HasSuffix(key, suffix) {
			g.fail[suffix] = false
			g.failMu.Unlock()
			return workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "store down (test)")
		}
	}
	g.failMu.Unlock()
	leave := g.enter(ctx)
	defer leave()
	return g.Blobs.Put(ctx, key, r, size, sum, opts)
}

func newGated(t *testing.T) (*gatedStore, *archivetest.Fixture, *gormdb.DB) {
	t.Helper()
	fs, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedStore{Blobs: fs}
	db := gormdbtest.Open(t, gormdb.SQLite)
	return g, archivetest.New(t, db, g), db
}

// Every object of a record, metadata.json included, is written at once:
// a record costs one round trip to the store, not two.
func TestArchiveWritesObjectsAtOnce(t *testing.T) {
	ctx := context.Background()
	g, f, db := newGated(t)
	d := f.Issued(t, archivetest.Options{Attachments: 1})
	events, _ := db.Events(ctx, d.ID)
	const objects = 3 // PDF, attachment, metadata (with the report and the trail)
	g.open(objects)
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	if most := g.close(); most != objects {
		t.Fatalf("at most %d of the record's %d objects were written at once", most, objects)
	}
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil || len(rec.Objects) != objects {
		t.Fatalf("record: %v, %d objects", err, len(rec.Objects))
	}
	if rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{}); err != nil || !rep.OK {
		t.Fatalf("fixity: %v %+v", err, rep)
	}
}

// An attempt that stored metadata.json but not the PDF (an outage in the
// middle): the index lists no objects, and the retry completes the record
// with the same objects, which fixity, the package and the evidence read.
func TestArchiveRetryAfterPartialWrite(t *testing.T) {
	ctx := context.Background()
	g, f, db := newGated(t)
	d := f.Issued(t, archivetest.Options{Attachments: 1})
	events, _ := db.Events(ctx, d.ID)
	g.failNext("/" + archive.NameDocument)
	_, err := f.Archive.ArchiveRecord(ctx, d, events)
	wantCode(t, err, workflow.EUNAVAILABLE)
	prefix := archive.Prefix(d.ID, d.Version)
	if _, err := g.Stat(ctx, prefix+archive.NameMetadata); err != nil {
		t.Fatalf("metadata.json not stored beside the failed PDF: %v", err)
	}
	if rec, err := f.Index.Record(ctx, d.ID); err != nil || len(rec.Objects) != 0 {
		t.Fatalf("after the failed attempt the index lists %v objects (%v), want none", rec, err)
	}
	f.ArchiveDoc(t, d.ID)
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil || len(rec.Objects) != 3 {
		t.Fatalf("record after the retry: %v, %+v", err, rec)
	}
	if rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{}); err != nil || !rep.OK || rep.Objects != 3 {
		t.Fatalf("fixity: %v %+v", err, rep)
	}
	if err := f.Archive.WritePackage(ctx, f.Users[workflow.RoleArchivist], d.ID, io.Discard); err != nil {
		t.Fatalf("package: %v", err)
	}
}

// The trail grew (a comment adds an event, not a version) after an
// attempt that stored metadata.json but not the PDF: the retry writes the
// trail the record was started with, so the metadata.json it writes (the
// same) carries the trail it describes.
func TestArchiveRetryWritesTheStartedTrail(t *testing.T) {
	ctx := context.Background()
	g, f, db := newGated(t)
	d := f.Issued(t, archivetest.Options{})
	events, _ := db.Events(ctx, d.ID)
	g.failNext("/" + archive.NameDocument)
	_, err := f.Archive.ArchiveRecord(ctx, d, events[:len(events)-1])
	wantCode(t, err, workflow.EUNAVAILABLE)
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatalf("retry with the grown trail: %v", err)
	}
	md, trail := storedTrail(t, g, archive.Prefix(d.ID, d.Version))
	if md.Events.SHA256 != sum(trail) || md.Events.LastSeq != events[len(events)-2].Seq {
		t.Fatalf("metadata.json describes events %s through %d; events.json is %s", md.Events.SHA256, md.Events.LastSeq, sum(trail))
	}
}

// A record fully written by an attempt whose state change never ran (a
// crash), then a comment: archiving again completes with the record as
// written (the previous code wrote the longer trail, which the store
// refused as different content under the same key: ECONFLICT).
func TestArchiveAfterCommentOnWrittenRecord(t *testing.T) {
	ctx := context.Background()
	g, f, db := newGated(t)
	d := f.Issued(t, archivetest.Options{})
	events, _ := db.Events(ctx, d.ID)
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	if err := f.Docs.Comment(ctx, f.Users[workflow.RoleClerk], d.ID, "đã xem, đề nghị lưu trữ"); err != nil {
		t.Fatal(err)
	}
	f.ArchiveDoc(t, d.ID)
	md, trail := storedTrail(t, g, archive.Prefix(d.ID, d.Version))
	if md.Events.SHA256 != sum(trail) || md.Events.LastSeq != events[len(events)-1].Seq {
		t.Fatalf("metadata.json describes events %s through %d; events.json is %s", md.Events.SHA256, md.Events.LastSeq, sum(trail))
	}
}

// Two attempts at once, one of which read the trail after a comment: the
// record holds one trail, the one metadata.json describes, and at least
// one attempt succeeds.
func TestArchiveConcurrentAttemptsWriteOneTrail(t *testing.T) {
	ctx := context.Background()
	g, f, db := newGated(t)
	for i := range 6 {
		d := f.Issued(t, archivetest.Options{})
		events, _ := db.Events(ctx, d.ID)
		trails := [][]workflow.Event{events[:len(events)-1], events}
		if i%2 == 1 {
			trails[0], trails[1] = trails[1], trails[0]
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, tr := range trails {
			wg.Go(func() { _, errs[j] = f.Archive.ArchiveRecord(ctx, d, tr) })
		}
		wg.Wait()
		if errs[0] != nil && errs[1] != nil {
			t.Fatalf("both attempts failed: %v; %v", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && workflow.ErrorCode(err) != workflow.ECONFLICT {
				t.Fatalf("attempt: %v, want success or ECONFLICT", err)
			}
		}
		md, trail := storedTrail(t, g, archive.Prefix(d.ID, d.Version))
		if md.Events.SHA256 != sum(trail) {
			t.Fatalf("round %d: metadata.json describes events %s; events.json is %s", i, md.Events.SHA256, sum(trail))
		}
	}
}

// storedTrail reads a record's metadata.json and the trail it carries
// (events.json in a record of the split layout).
func storedTrail(t *testing.T, s workflow.Blobs, prefix string) (archive.Metadata, []byte) {
	t.Helper()
	var md archive.Metadata
	if err := json.Unmarshal(readAll(t, s, prefix+archive.NameMetadata), &md); err != nil {
		t.Fatal(err)
	}
	if trail, ok := md.Part(archive.NameEvents); ok {
		return md, trail
	}
	return md, readAll(t, s, prefix+archive.NameEvents)
}

// countingIndex records the index calls made.
type countingIndex struct {
	archive.Index
	mu    sync.Mutex
	calls []string
}

func (c *countingIndex) note(name string) {
	c.mu.Lock()
	c.calls = append(c.calls, name)
	c.mu.Unlock()
}

func (c *countingIndex) Record(ctx context.Context, docID string) (*archive.Record, error) {
	c.note("Record")
	return c.Index.Record(ctx, docID)
}

func (c *countingIndex) StartRecord(ctx context.Context, r *archive.Record) (*archive.Record, error) {
	c.note("StartRecord")
	return c.Index.StartRecord(ctx, r)
}

func (c *countingIndex) PutRecord(ctx context.Context, r *archive.Record) error {
	c.note("PutRecord")
	return c.Index.PutRecord(ctx, r)
}

func (c *countingIndex) PutObjects(ctx context.Context, docID string, objs []archive.Object) error {
	c.note("PutObjects")
	return c.Index.PutObjects(ctx, docID, objs)
}

// Archiving a record asks the index twice, one statement each: start the
// record (which reads nothing when it is new) and add its objects —
// not a read of the record (three queries), then the record written
// twice in two transactions.
func TestArchiveIndexCallsPerRecord(t *testing.T) {
	ctx := context.Background()
	_, f, db := newGated(t)
	idx := &countingIndex{Index: f.Archive.Index}
	f.Archive.Index = idx
	d := f.Issued(t, archivetest.Options{Attachments: 1})
	events, _ := db.Events(ctx, d.ID)
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(idx.calls, ","); got != "StartRecord,PutObjects" {
		t.Fatalf("index calls %s, want StartRecord,PutObjects", got)
	}
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil || len(rec.Objects) != 3 || rec.EventsThrough != events[len(events)-1].Seq {
		t.Fatalf("record: %v %+v", err, rec)
	}
}

// A record started by the previous version of vanthu (its row without
// events_through, migration 4 gives 0) and retried by this one: the
// retry keeps that attempt's archive date and writes the trail it is
// given, as before.
func TestArchiveRetryOfRecordStartedBeforeEventsThrough(t *testing.T) {
	ctx := context.Background()
	_, f, db := newGated(t)
	d := f.Issued(t, archivetest.Options{})
	events, _ := db.Events(ctx, d.ID)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	old := &archive.Record{DocumentID: d.ID, Version: d.Version, Key: archive.Prefix(d.ID, d.Version), Class: "10y",
		ArchivedAt: at, RetainUntil: at.AddDate(10, 0, 0), Direction: d.Direction, Type: d.Type, Subject: d.Subject}
	if err := f.Index.PutRecord(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil || !rec.ArchivedAt.Equal(at) || len(rec.Objects) != 2 || rec.EventsThrough != 0 {
		t.Fatalf("record: %v %+v", err, rec)
	}
	md, trail := storedTrail(t, f.Store, rec.Key)
	if md.Events.SHA256 != sum(trail) || md.Events.LastSeq != events[len(events)-1].Seq || !md.Retention.ArchivedAt.Equal(at) {
		t.Fatalf("metadata.json: events %s through %d archived %s; events.json %s", md.Events.SHA256, md.Events.LastSeq, md.Retention.ArchivedAt, sum(trail))
	}
}
