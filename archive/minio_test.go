package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// sharedMinIO opens a fresh object-locked bucket on the test script's
// MinIO server.
func sharedMinIO(tb testing.TB) *minio.Store {
	tb.Helper()
	return sharedMinIOVia(tb, nil)
}

// sharedMinIOVia is sharedMinIO with requests through tr (nil: the
// store's own transport).
func sharedMinIOVia(tb testing.TB, tr http.RoundTripper) *minio.Store {
	tb.Helper()
	ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
	if ep == "" {
		tb.Skip("VANTHU_TEST_S3_ENDPOINT not set: source scripts/setup/minio.sh (or run ./scripts/test)")
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	s, err := minio.New(context.Background(), minio.Config{Endpoint: ep, AccessKey: os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("VANTHU_TEST_S3_SECRET_KEY"), Bucket: fmt.Sprintf("archive-test-%x", rnd), ObjectLock: true, Transport: tr})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestIntegrationMinIOArchive(t *testing.T) {
	ctx := context.Background()
	store := sharedMinIO(t)
	f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), store)
	// QĐ is permanent: MinIO accepts the far-future date.
	d := f.Issued(t, archivetest.Options{Type: "QĐ", Attachments: 1})
	signed, _ := d.MainFile()
	got := f.ArchiveDoc(t, d.ID)
	if !got.RetainUntil.Equal(archive.Forever) {
		t.Fatalf("retain until %s", got.RetainUntil)
	}
	rec, _ := f.Index.Record(ctx, d.ID)
	for _, o := range rec.Objects {
		info, err := store.Stat(ctx, o.Key)
		if err != nil || !info.RetainUntil.Equal(archive.Forever) || info.VersionID != o.VersionID || info.SHA256 != o.SHA256 {
			t.Fatalf("%s: %v %+v (recorded %+v)", o.Key, err, info, o)
		}
		sum, err := store.ServerChecksum(ctx, o.Key)
		if err != nil || sum != o.SHA256 {
			t.Fatalf("server checksum of %s: %s %v", o.Key, sum, err)
		}
		// Refused by the store and by MinIO itself.
		wantCode(t, store.Delete(ctx, o.Key), workflow.EFORBIDDEN)
		if err := store.Client().RemoveObject(ctx, store.Bucket(), o.Key, s3.RemoveObjectOptions{VersionID: o.VersionID}); err == nil {
			t.Fatalf("MinIO deleted the locked version of %s", o.Key)
		}
		forged := []byte("forged")
		_, err = store.Put(ctx, o.Key, bytes.NewReader(forged), int64(len(forged)), sum256(forged), workflow.PutOptions{})
		wantCode(t, err, workflow.ECONFLICT)
	}
	if b := readAll(t, store, archive.Prefix(d.ID, d.Version)+archive.NameDocument); sum256(b) != signed.SHA256 {
		t.Fatal("archived PDF differs from the signed one")
	}
	rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil || !rep.OK || rep.Objects != int64(len(rec.Objects)) {
		t.Fatalf("fixity: %v %+v", err, rep)
	}
}

// On MinIO, a legal hold keeps a version after its retention date.
func TestIntegrationMinIOLegalHoldAfterRetention(t *testing.T) {
	ctx := context.Background()
	store := sharedMinIO(t)
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, store)
	f.Archive.Retain = func(string, time.Time) (time.Time, error) { return time.Now().Add(3 * time.Second), nil }
	d := f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
	rec, err := f.Archive.SetLegalHold(ctx, f.Users[workflow.RoleArchivist], d.ID, true, "tranh chấp")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(rec.RetainUntil.Add(1500 * time.Millisecond)))
	for _, o := range rec.Objects {
		if err := store.Client().RemoveObject(ctx, store.Bucket(), o.Key, s3.RemoveObjectOptions{VersionID: o.VersionID}); err == nil {
			t.Fatalf("MinIO deleted %s under legal hold after its retention", o.Key)
		}
	}
	wantCode(t, f.Archive.Dispose(ctx, d.ID), workflow.EFORBIDDEN)
	if _, err := f.Archive.SetLegalHold(ctx, f.Users[workflow.RoleAdmin], d.ID, false, "xong"); err != nil {
		t.Fatal(err)
	}
	if err := f.Archive.Dispose(ctx, d.ID); err != nil {
		t.Fatalf("dispose after retention, hold lifted: %v", err)
	}
}

// requestLog records the method and query of every request.
type requestLog struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]+"?"+r.URL.RawQuery)
	l.mu.Unlock()
	return l.base.RoundTrip(r)
}

// TestIntegrationMinIOArchiveOneRequestPerObject: archiving a record
// makes one request per object, a PUT carrying its retention, and nothing
// else: no HEAD of metadata.json before it is written, no retention or
// legal hold call after a PUT. All of them are in flight at once, so a
// record costs one round trip (metadata.json does not wait for the other
// objects: it is derived from the document, not from their answers). A
// retry of the whole record is answered with the stored objects.
func TestIntegrationMinIOArchiveOneRequestPerObject(t *testing.T) {
	ctx := context.Background()
	base, err := minio.NewTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	gate := &inFlight{base: base}
	log := &requestLog{base: gate}
	store := sharedMinIOVia(t, log)
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, store)
	d := f.Issued(t, archivetest.Options{Type: "QĐ", Attachments: 2})
	events, _ := db.Events(ctx, d.ID)
	log.mu.Lock()
	log.reqs = nil
	log.mu.Unlock()
	const objects = 4 // PDF, 2 attachments, metadata (with the report and the trail)
	gate.open(objects)
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	most := gate.close()
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	reqs := slices.Clone(log.reqs)
	log.mu.Unlock()
	if len(reqs) != len(rec.Objects) || len(rec.Objects) != objects {
		t.Fatalf("%d objects (want %d: PDF, 2 attachments, metadata), %d requests: %v", len(rec.Objects), objects, len(reqs), reqs)
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r, "PUT ") || !strings.HasSuffix(r, "?") {
			t.Fatalf("request %q: want only PUTs of objects; all: %v", r, reqs)
		}
	}
	if most != objects {
		t.Fatalf("at most %d of the record's %d PUTs were in flight at once: the record took more than one round trip (%v)", most, objects, reqs)
	}
	// A retry (a crash before the state change) stores nothing new.
	again, err := f.Archive.ArchiveRecord(ctx, d, events)
	if err != nil || again.Key != rec.Key {
		t.Fatalf("retry: %+v %v", again, err)
	}
	rec2, _ := f.Index.Record(ctx, d.ID)
	for i, o := range rec2.Objects {
		if o.VersionID != rec.Objects[i].VersionID {
			t.Fatalf("retry wrote a new version of %s", o.Key)
		}
	}
}

// inFlight holds each PUT in a gate (roundtrip_test.go).
type inFlight struct {
	base http.RoundTripper
	gate
}

func (g *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPut {
		return g.base.RoundTrip(r)
	}
	leave := g.enter(r.Context())
	defer leave()
	return g.base.RoundTrip(r)
}

func sum256(b []byte) string { return sum(b) }
