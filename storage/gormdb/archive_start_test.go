package gormdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// StartRecord stores a new record, leaves one with the same key as it is
// (returning it: an earlier or concurrent attempt's date and trail win),
// and replaces a record of another version.
func TestStartRecord(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		idx := gormdb.NewArchiveIndex(db)
		rec := func(version int, at time.Time, through int64) *archive.Record {
			return &archive.Record{DocumentID: "d-start", Version: version, Key: archive.Prefix("d-start", version), Class: "10y",
				ArchivedAt: at, RetainUntil: at.AddDate(10, 0, 0), Direction: workflow.Incoming, Type: "CV", Subject: "Bình Thủy",
				SignerName: "Trần Thị Bình", EventsThrough: through}
		}
		first := rec(5, t0, 7)
		got, err := idx.StartRecord(ctx, first)
		if err != nil || !got.ArchivedAt.Equal(t0) || got.EventsThrough != 7 {
			t.Fatalf("new record: %+v %v", got, err)
		}
		again := rec(5, t0.Add(time.Hour), 9)
		again.SignerName = "someone else"
		got, err = idx.StartRecord(ctx, again)
		if err != nil || !got.ArchivedAt.Equal(t0) || got.EventsThrough != 7 || got.SignerName != "Trần Thị Bình" || got.Key != first.Key {
			t.Fatalf("same key: %+v %v, want the first attempt's record", got, err)
		}
		stored, err := idx.Record(ctx, "d-start")
		if err != nil || !stored.ArchivedAt.Equal(t0) || stored.EventsThrough != 7 {
			t.Fatalf("stored after the second attempt: %+v %v", stored, err)
		}
		next := rec(6, t0.Add(2*time.Hour), 11)
		got, err = idx.StartRecord(ctx, next)
		if err != nil || got.Key != next.Key || got.EventsThrough != 11 {
			t.Fatalf("another version: %+v %v", got, err)
		}
		if stored, _ := idx.Record(ctx, "d-start"); stored.Key != next.Key || !stored.ArchivedAt.Equal(next.ArchivedAt) {
			t.Fatalf("stored after another version: %+v", stored)
		}
		// Its objects, added without touching the row; again: replaced.
		objs := []archive.Object{
			{Key: next.Key + "document.pdf", Name: "document.pdf", Size: 10, SHA256: strings.Repeat("a", 64), RetainUntil: next.RetainUntil},
			{Key: next.Key + "metadata.json", Name: "metadata.json", Size: 2, SHA256: strings.Repeat("b", 64), RetainUntil: next.RetainUntil},
		}
		for range 2 {
			if err := idx.PutObjects(ctx, "d-start", objs); err != nil {
				t.Fatal(err)
			}
		}
		stored, err = idx.Record(ctx, "d-start")
		if err != nil || len(stored.Objects) != 2 || stored.Objects[1].SHA256 != objs[1].SHA256 || stored.EventsThrough != 11 {
			t.Fatalf("after PutObjects: %+v %v", stored, err)
		}
	})
}

// PutArchiveObjects in a transaction: the rows commit with it (on
// PostgreSQL, sent with its last write), or not at all — a failure before
// the last write, or a stale version in it, leaves none; outside one,
// they are stored at once. Rows with the same keys are replaced.
func TestPutArchiveObjectsInTransaction(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		idx := gormdb.NewArchiveIndex(db)
		if !idx.WrittenIn(db) || idx.WrittenIn(gormdbtest.Open(t, gormdb.SQLite)) {
			t.Fatal("WrittenIn: want true for its own database only")
		}
		d := incomingDoc("d-objects", 1)
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.(workflow.CreateAppender).CreateAndAppend(workflow.WithLastWrite(ctx), d,
				[]*workflow.Event{{DocumentID: d.ID, Kind: workflow.EventCreate, At: t0}})
		}); err != nil {
			t.Fatal(err)
		}
		key := archive.Prefix(d.ID, 2)
		objs := func(c string) []workflow.ArchiveObject {
			return []workflow.ArchiveObject{
				{Key: key + "document.pdf", Name: "document.pdf", Size: 10, SHA256: strings.Repeat(c, 64), VersionID: "v1", RetainUntil: t0.AddDate(10, 0, 0)},
				{Key: key + "metadata.json", Name: "metadata.json", Size: 2, SHA256: strings.Repeat("f", 64), RetainUntil: t0.AddDate(10, 0, 0), LegalHold: true},
			}
		}
		archiveWith := func(o []workflow.ArchiveObject, stale bool, before error) error {
			read, err := db.Document(ctx, d.ID)
			if err != nil {
				return err
			}
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.(workflow.ArchiveObjectWriter).PutArchiveObjects(ctx, d.ID, o); err != nil {
					return err
				}
				if before != nil {
					return before
				}
				cur, prev, err := adoptNext(tx, read)
				if err != nil {
					return err
				}
				if stale {
					prev--
				}
				return tx.(workflow.UpdateAppender).UpdateAndAppend(workflow.WithLastWrite(ctx), cur, prev,
					&workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0})
			})
		}
		listed := func(want int, sha string) {
			t.Helper()
			n, _, err := idx.ObjectStats(ctx)
			if err != nil || n != int64(want) {
				t.Fatalf("%d objects listed (%v), want %d", n, err, want)
			}
			if want == 0 {
				return
			}
			var got []workflow.ArchiveObject
			idx.WalkObjects(ctx, func(o workflow.ArchiveObject) error { got = append(got, o); return nil })
			if got[0].SHA256 != sha || got[0].VersionID != "v1" || !got[1].LegalHold || !got[1].RetainUntil.Equal(t0.AddDate(10, 0, 0)) {
				t.Fatalf("listed %+v", got)
			}
		}
		wantCode(t, archiveWith(objs("a"), true, nil), workflow.ECONFLICT)
		listed(0, "")
		failed := workflow.Errorf(workflow.EINTERNAL, "before the last write")
		if err := archiveWith(objs("a"), false, failed); workflow.ErrorCode(err) != workflow.EINTERNAL {
			t.Fatalf("failure before the last write: %v", err)
		}
		listed(0, "")
		if err := archiveWith(objs("a"), false, nil); err != nil {
			t.Fatal(err)
		}
		listed(2, strings.Repeat("a", 64))
		if err := db.PutArchiveObjects(ctx, d.ID, objs("b")); err != nil {
			t.Fatal(err)
		}
		listed(2, strings.Repeat("b", 64))
	})
}
