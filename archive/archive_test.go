package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

func readAll(tb testing.TB, s workflow.Blobs, key string) []byte {
	tb.Helper()
	rc, _, err := s.Get(context.Background(), key)
	if err != nil {
		tb.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := workflow.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestArchiveIssuedDocument(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		f := archivetest.New(t, db, nil)
		d := f.Issued(t, archivetest.Options{Attachments: 2})
		signed, _ := d.MainFile()
		want, err := workflow.FilesOf(f.Work, db).Read(ctx, d.Files, signed) // a tail on the work store's draft
		if err != nil || signed.Base == "" {
			t.Fatalf("issued file (base %q): %v", signed.Base, err)
		}
		before := time.Now().UTC().Truncate(time.Second)
		got := f.ArchiveDoc(t, d.ID)
		if got.State != workflow.Archived || got.ArchivedAt == nil || got.RetainUntil == nil {
			t.Fatalf("after archive: %+v", got)
		}
		rec, err := f.Archive.Get(ctx, f.Users[workflow.RoleArchivist], d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Key != archive.Prefix(d.ID, d.Version) || rec.Class != "10y" {
			t.Fatalf("record %+v", rec)
		}
		// Retention date: 10 years after the archive date (KH defaults to 10y).
		if !rec.ArchivedAt.Before(before.Add(-time.Second)) && rec.RetainUntil.Equal(rec.ArchivedAt.AddDate(10, 0, 0)) && got.RetainUntil.Equal(rec.RetainUntil) {
		} else {
			t.Fatalf("retain until %s (doc %s), archived %s", rec.RetainUntil, got.RetainUntil, rec.ArchivedAt)
		}
		names := map[string]archive.Object{}
		for _, o := range rec.Objects {
			names[o.Name] = o
			if !o.RetainUntil.Equal(rec.RetainUntil) {
				t.Errorf("%s retained until %s, record %s", o.Key, o.RetainUntil, rec.RetainUntil)
			}
			// Every recorded hash is the hash of the stored bytes.
			if b := readAll(t, f.Store, o.Key); sum(b) != o.SHA256 || int64(len(b)) != o.Size {
				t.Errorf("%s: recorded %s/%d, stored %s/%d", o.Key, o.SHA256, o.Size, sum(b), len(b))
			}
		}
		// The report and the trail are in metadata.json: 2 objects fewer.
		for _, n := range []string{"document.pdf", "attachments/01-phu-luc-1.pdf", "attachments/02-phu-luc-2.pdf", "metadata.json"} {
			if _, ok := names[n]; !ok {
				t.Errorf("record has no %s; has %v", n, names)
			}
		}
		if len(names) != 4 {
			t.Errorf("record has %d objects, want 4 (only the signed attachments): %v", len(names), names)
		}
		// The PDF is byte-identical to the signed version in the work store.
		rc, _, _, err := f.Archive.Open(ctx, f.Users[workflow.RoleClerk], d.ID, "document.pdf")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, want) || !bytes.Contains(b, []byte("%L2 ")) {
			t.Fatalf("archived PDF differs from the signed one (%d vs %d bytes)", len(b), len(want))
		}
		att := readAll(t, f.Store, names["attachments/01-phu-luc-1.pdf"].Key)
		if !bytes.Contains(att, []byte("%A ")) {
			t.Error("attachment in the record is not the signed copy")
		}
		var md archive.Metadata
		if err := json.Unmarshal(readAll(t, f.Store, names["metadata.json"].Key), &md); err != nil {
			t.Fatal(err)
		}
		if md.DocumentID != d.ID || md.Register.Notation != d.Notation || md.Register.Number != d.Number || md.Signer == nil ||
			md.Signer.FullName != "Trần Thị Bình" || md.Retention.Class != "10y" || !md.Retention.RetainUntil.Equal(rec.RetainUntil) ||
			md.Verification == nil || md.Verification.Verdict != "valid" || len(md.Files) != 3 || md.Files[0].SHA256 != signed.SHA256 ||
			md.Format != archive.MetadataFormat {
			t.Fatalf("metadata %+v", md)
		}
		// Served as files of their own, whose SHA-256 metadata.json records.
		evb := openAll(t, f, d.ID, "events.json", md.Events.SHA256)
		var evs []map[string]any
		if err := json.Unmarshal(evb, &evs); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(evb, []byte("[\n  {\n    \"seq\": ")) {
			t.Errorf("events.json not indented as before: %.40q", evb)
		}
		var all []workflow.Event
		evAll, _ := db.Events(ctx, d.ID)
		for _, e := range evAll {
			if e.Kind != workflow.EventArchiveUse { // reads of the record, after it was written
				all = append(all, e)
			}
		}
		if len(evAll) == len(all) {
			t.Error("reading the record's objects left no archive_use event")
		}
		if len(evs) != len(all)-1 || md.Events.Count != len(evs) { // all but the archive event itself
			t.Fatalf("events.json has %d events, document has %d", len(evs), len(all))
		}
		if v := openAll(t, f, d.ID, "verification.json", md.Verification.SHA256); string(v) != `{"verdict":"valid","signatures":2}` {
			t.Fatalf("verification.json = %s", v)
		}
		// The archive event names the record.
		last := all[len(all)-1]
		if last.Action != workflow.Archive || last.Data["record"] != rec.Key {
			t.Fatalf("archive event %+v", last)
		}
	})
}

// openAll reads a record's object through Open and checks its SHA-256
// against want and the one Open gives.
func openAll(t *testing.T, f *archivetest.Fixture, docID, name, want string) []byte {
	t.Helper()
	rc, _, o, err := f.Archive.Open(context.Background(), f.Users[workflow.RoleClerk], docID, name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if sum(b) != want || o.SHA256 != want || o.Size != int64(len(b)) || o.Name != name {
		t.Fatalf("%s: SHA-256 %s, Open says %s/%d, want %s", name, sum(b), o.SHA256, o.Size, want)
	}
	return b
}

func TestArchiveIncomingCompleted(t *testing.T) {
	f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	d := f.Completed(t, archivetest.Options{Type: "QĐ"})
	got := f.ArchiveDoc(t, d.ID)
	if !got.RetainUntil.Equal(archive.Forever) {
		t.Fatalf("QĐ defaults to permanent: retain until %s", got.RetainUntil)
	}
}

func TestRetentionClass(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 59, 59, 500, time.UTC)
	for _, tc := range []struct {
		class string
		want  time.Time
	}{
		{"5y", time.Date(2031, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"10y", time.Date(2036, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"20y", time.Date(2046, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"permanent", archive.Forever},
	} {
		t.Run(tc.class, func(t *testing.T) {
			got, err := archive.RetainUntil(tc.class, at)
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("RetainUntil(%s) = %s, %v; want %s", tc.class, got, err, tc.want)
			}
		})
	}
	if _, err := archive.RetainUntil("7y", at); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("7y: %v", err)
	}
	// Leap day: 5 years after 29 Feb is 1 March.
	if got, _ := archive.RetainUntil("5y", time.Date(2028, 2, 29, 10, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2033, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("leap day: %s", got)
	}
}

func TestParseDefaults(t *testing.T) {
	d, err := archive.ParseDefaults("QĐ=permanent, NQ=20y,*=5y")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		doc  workflow.Document
		want string
	}{
		{workflow.Document{Type: "QĐ"}, "permanent"},
		{workflow.Document{Type: "NQ"}, "20y"},
		{workflow.Document{Type: "CV"}, "5y"},
		{workflow.Document{Type: "QĐ", Retention: "10y"}, "10y"},
	} {
		if got := d.Class(&tc.doc); got != tc.want {
			t.Errorf("%s/%q: %s, want %s", tc.doc.Type, tc.doc.Retention, got, tc.want)
		}
	}
	for _, bad := range []string{"QĐ=forever", "XX=5y", "QĐ"} {
		if _, err := archive.ParseDefaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	d, _ = archive.ParseDefaults("")
	if d.Class(&workflow.Document{Type: "CV"}) != "10y" {
		t.Error("empty defaults: want 10y")
	}
}

// A crash after the record was written but before the state changed:
// the retry reuses the record (same archive date, no new objects or rows).
func TestArchiveRetryAfterCrash(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	clock := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	f.Archive.Now = func() time.Time { return clock }
	d := f.Issued(t, archivetest.Options{Attachments: 1})
	events, _ := db.Events(ctx, d.ID)
	first, err := f.Archive.ArchiveRecord(ctx, d, events) // then "crash": the transaction never runs
	if err != nil {
		t.Fatal(err)
	}
	n1, b1, _ := f.Index.ObjectStats(ctx)
	clock = clock.Add(3 * time.Hour)
	got := f.ArchiveDoc(t, d.ID)
	if !got.RetainUntil.Equal(first.RetainUntil) {
		t.Fatalf("retry changed the retention: %s, first %s", got.RetainUntil, first.RetainUntil)
	}
	n2, b2, _ := f.Index.ObjectStats(ctx)
	if n1 != n2 || b1 != b2 || n1 != 3 {
		t.Fatalf("objects %d/%d bytes before, %d/%d after the retry", n1, b1, n2, b2)
	}
	var files int
	f.Store.List(ctx, "records/", func(workflow.ObjectInfo) error { files++; return nil })
	if files != 3 {
		t.Fatalf("%d objects in the store, want 3", files)
	}
	// Archiving again is refused by the state machine and writes nothing.
	_, err = f.Docs.Apply(ctx, f.Users[workflow.RoleArchivist], d.ID, workflow.Archive, workflow.ActionInput{})
	wantCode(t, err, workflow.EILLEGAL)
}

// A metadata.json left by a crashed attempt is reused byte for byte even
// if what it was derived from (the signer's title) changed since.
func TestArchiveRetryKeepsMetadata(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	d := f.Issued(t, archivetest.Options{})
	events, _ := db.Events(ctx, d.ID)
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	key := archive.Prefix(d.ID, d.Version) + "metadata.json"
	before := readAll(t, f.Store, key)
	db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		u, _ := tx.User(ctx, d.SignerID)
		u.Title = "Chủ tịch"
		return tx.UpdateUser(ctx, u)
	})
	f.ArchiveDoc(t, d.ID)
	if after := readAll(t, f.Store, key); !bytes.Equal(before, after) {
		t.Fatal("metadata.json changed")
	}
}

func TestArchiveRefusesDeleteAndOverwrite(t *testing.T) {
	ctx := context.Background()
	f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	d := f.ArchiveDoc(t, f.Issued(t, archivetest.Options{}).ID)
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	o := rec.Objects[0]
	wantCode(t, f.Store.Delete(ctx, o.Key), workflow.EFORBIDDEN)
	other := []byte("forged content")
	_, err = f.Store.Put(ctx, o.Key, bytes.NewReader(other), int64(len(other)), sum(other), workflow.PutOptions{})
	wantCode(t, err, workflow.ECONFLICT)
	err = f.Archive.Delete(ctx, f.Users[workflow.RoleAdmin], d.ID)
	wantCode(t, err, workflow.EFORBIDDEN)
	if !strings.Contains(workflow.ErrorMessage(err), "write-once until") {
		t.Fatalf("reason: %v", err)
	}
	wantCode(t, f.Archive.Dispose(ctx, d.ID), workflow.EFORBIDDEN)
	if b := readAll(t, f.Store, o.Key); sum(b) != o.SHA256 {
		t.Fatal("object changed")
	}
}

// Legal hold blocks deletion after the retention date too (short
// retention, a clock moved past it).
func TestLegalHoldAfterRetention(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	store, _ := localfs.New(t.TempDir())
	f := archivetest.New(t, db, store)
	f.Archive.Retain = func(string, time.Time) (time.Time, error) { return time.Now().Add(time.Hour), nil }
	d := f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
	clerk, archivist := f.Users[workflow.RoleClerk], f.Users[workflow.RoleArchivist]

	_, err := f.Archive.SetLegalHold(ctx, clerk, d.ID, true, "")
	wantCode(t, err, workflow.EFORBIDDEN)
	// A comment longer than workflow.MaxComment is refused before any
	// object is held (it was kept whatever its size).
	_, err = f.Archive.SetLegalHold(ctx, archivist, d.ID, true, strings.Repeat("x", workflow.MaxComment+1))
	wantCode(t, err, workflow.EINVALID)
	held, err := f.Index.Record(ctx, d.ID)
	if err != nil || held.LegalHold {
		t.Fatalf("record after the refusal: %v, hold %v", err, held.LegalHold)
	}
	for _, o := range held.Objects {
		if info, _ := store.Stat(ctx, o.Key); info.LegalHold {
			t.Fatalf("%s is held after the refusal", o.Key)
		}
	}
	rec, err := f.Archive.SetLegalHold(ctx, archivist, d.ID, true, "thanh tra vụ việc 12/2026")
	if err != nil || !rec.LegalHold {
		t.Fatalf("hold: %v %+v", err, rec)
	}
	doc, _ := db.Document(ctx, d.ID)
	evs, _ := db.Events(ctx, d.ID)
	if !doc.LegalHold || evs[len(evs)-1].Data["legal_hold"] != "on" || evs[len(evs)-1].Comment == "" {
		t.Fatalf("document hold %v, last event %+v", doc.LegalHold, evs[len(evs)-1])
	}
	later := time.Now().Add(2 * time.Hour) // retention is over
	store.Now = func() time.Time { return later }
	f.Archive.Now = store.Now
	for _, o := range rec.Objects {
		info, _ := store.Stat(ctx, o.Key)
		if !info.LegalHold {
			t.Fatalf("%s has no hold in the store", o.Key)
		}
		wantCode(t, store.Delete(ctx, o.Key), workflow.EFORBIDDEN)
	}
	err = f.Archive.Dispose(ctx, d.ID)
	wantCode(t, err, workflow.EFORBIDDEN)
	wantCode(t, f.Archive.Delete(ctx, archivist, d.ID), workflow.EFORBIDDEN)

	if _, err := f.Archive.SetLegalHold(ctx, archivist, d.ID, false, "hết thời hạn thanh tra"); err != nil {
		t.Fatal(err)
	}
	if err := f.Archive.Dispose(ctx, d.ID); err != nil {
		t.Fatalf("dispose after retention without hold: %v", err)
	}
	if _, err := store.Stat(ctx, rec.Objects[0].Key); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("object still there: %v", err)
	}
}

func TestFixityReportsCorruption(t *testing.T) {
	ctx := context.Background()
	store, _ := localfs.New(t.TempDir())
	f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), store)
	d1 := f.ArchiveDoc(t, f.Issued(t, archivetest.Options{}).ID)
	f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)

	rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil || !rep.OK || rep.Objects != 4 || rep.Verified != 4 || rep.Bytes == 0 {
		t.Fatalf("clean archive: %v %+v", err, rep)
	}
	rec, _ := f.Index.Record(ctx, d1.ID)
	bad := rec.Objects[0] // document.pdf
	p, _ := store.Path(bad.Key)
	os.Chmod(p, 0o644)
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 0x01 // one flipped bit
	if err := os.WriteFile(p, b, 0o444); err != nil {
		t.Fatal(err)
	}
	gone := rec.Objects[1]
	gp, _ := store.Path(gone.Key)
	os.Remove(strings.Replace(gp, "/objects/", "/meta/", 1))

	var last archive.Progress
	rep, err = f.Archive.Fixity(ctx, archive.FixityOptions{Workers: 2, Progress: func(p archive.Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || len(rep.Mismatches) != 1 || rep.Mismatches[0].Key != bad.Key || rep.Mismatches[0].Actual == bad.SHA256 ||
		len(rep.Missing) != 1 || rep.Missing[0].Key != gone.Key || rep.Verified != 2 {
		t.Fatalf("report %+v", rep)
	}
	if last.Objects != 4 || last.TotalObjects != 4 || last.TotalBytes == 0 {
		t.Fatalf("progress %+v", last)
	}
	// Never repaired: the corrupted bytes are still there.
	if b2, _ := os.ReadFile(p); !bytes.Equal(b, b2) {
		t.Fatal("fixity changed the object")
	}
}

func TestArchiveStoreDown(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	f.Archive.Store = downStore{f.Store}
	d := f.Issued(t, archivetest.Options{})
	_, err := f.Docs.Apply(ctx, f.Users[workflow.RoleClerk], d.ID, workflow.Archive, workflow.ActionInput{})
	wantCode(t, err, workflow.EUNAVAILABLE)
	if !strings.Contains(workflow.ErrorMessage(err), "archive store is unavailable") {
		t.Fatalf("message: %q", workflow.ErrorMessage(err))
	}
	after, _ := db.Document(ctx, d.ID)
	if after.State != workflow.Issued || after.Version != d.Version || after.ArchivedAt != nil {
		t.Fatalf("state changed: %+v", after)
	}
}

type downStore struct{ workflow.Blobs }

func (downStore) Put(context.Context, string, io.Reader, int64, string, workflow.PutOptions) (workflow.ObjectInfo, error) {
	return workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "put: object store unreachable")
}

func (downStore) Stat(context.Context, string) (workflow.ObjectInfo, error) {
	return workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "stat: object store unreachable")
}
