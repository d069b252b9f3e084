package archive_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// WriteRecord, what the archive action runs before its transaction,
// stores the record's objects and leaves their rows to that transaction:
// a crash between the PUTs and the state change leaves the index listing
// none of them (fixity finds nothing to check, nothing to report), and
// the retry lists each once, with the bytes and versions the crashed
// attempt stored.
func TestArchiveObjectsListedWithTheStateChange(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		f := archivetest.New(t, db, nil)
		d := f.Issued(t, archivetest.Options{Attachments: 1})
		events, err := db.Events(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		crashed, err := f.Archive.WriteRecord(ctx, d, events, nil) // then "crash": the transaction never runs
		if err != nil {
			t.Fatal(err)
		}
		if len(crashed.Objects) != 3 {
			t.Fatalf("WriteRecord returned %d objects to record, want 3", len(crashed.Objects))
		}
		wantListed(t, f, 0, 0)
		f.ArchiveDoc(t, d.ID)
		rec, err := f.Index.Record(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Objects) != len(crashed.Objects) {
			t.Fatalf("the retry listed %d objects, want %d", len(rec.Objects), len(crashed.Objects))
		}
		stored := map[string]archive.Object{}
		for _, c := range crashed.Objects {
			stored[c.Key] = c
		}
		for _, o := range rec.Objects {
			c := stored[o.Key]
			if o.SHA256 != c.SHA256 || o.Size != c.Size || o.VersionID != c.VersionID {
				t.Errorf("listed %+v, the crashed attempt stored %+v", o, c)
			}
		}
		wantListed(t, f, 3, 3)
	})
}

// An archive whose state change fails after its record was stored (the
// document changed meanwhile: ECONFLICT) lists the record's objects after
// the failed transaction, on their own: written once, they are checked by
// fixity even though the retry archives another version, whose record
// lists only its own objects.
func TestArchiveObjectsOfAFailedStateChangeListed(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		f := archivetest.New(t, db, nil)
		d := f.Issued(t, archivetest.Options{})
		bump := func() {
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				cur, err := tx.LockDocument(ctx, d.ID)
				if err != nil {
					return err
				}
				prev := cur.Version
				cur.Version++
				return tx.UpdateDocument(ctx, cur, prev)
			})
			if err != nil {
				t.Errorf("change the document meanwhile: %v", err)
			}
		}
		var inTx int
		f.Docs.Archiver = changedAfter{f.Archive, bump, &inTx}
		_, err := f.Docs.Apply(ctx, f.Users[workflow.RoleArchivist], d.ID, workflow.Archive, workflow.ActionInput{})
		wantCode(t, err, workflow.ECONFLICT)
		if inTx != 2 {
			t.Fatalf("WriteRecord left %d objects to the transaction, want 2", inTx)
		}
		wantListed(t, f, 2, 2)
		if cur, _ := db.Document(ctx, d.ID); cur.State == workflow.Archived {
			t.Fatal("archived although its transaction failed")
		}
		f.Docs.Archiver = f.Archive
		got := f.ArchiveDoc(t, d.ID)
		rec, err := f.Index.Record(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := archive.Prefix(d.ID, d.Version+1); rec.Key != want || got.State != workflow.Archived || len(rec.Objects) != 2 {
			t.Fatalf("retry: record %s with %d objects, state %s; want %s with 2, archived", rec.Key, len(rec.Objects), got.State, want)
		}
		wantListed(t, f, 4, 4)
	})
}

// changedAfter is the archive service whose WriteRecord is followed by
// change (another action on the document, between the record's objects
// and the state change).
// inTx counts the objects it left to the transaction.
type changedAfter struct {
	*archive.Service
	change func()
	inTx   *int
}

func (c changedAfter) WriteRecord(ctx context.Context, d *workflow.Document, events []workflow.Event, signer *workflow.User) (workflow.ArchivedRecord, error) {
	rec, err := c.Service.WriteRecord(ctx, d, events, signer)
	*c.inTx += len(rec.Objects)
	c.change()
	return rec, err
}

// wantListed checks that the index lists n objects and that fixity
// checks and verifies them all, with no problem.
func wantListed(tb testing.TB, f *archivetest.Fixture, n, verified int64) {
	tb.Helper()
	ctx := context.Background()
	if got, _, err := f.Index.ObjectStats(ctx); err != nil || got != n {
		tb.Fatalf("the index lists %d objects (%v), want %d", got, err, n)
	}
	rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if !rep.OK || rep.Objects != n || rep.Verified != verified {
		tb.Fatalf("fixity: ok %v, %d objects, %d verified; want %d", rep.OK, rep.Objects, rep.Verified, n)
	}
}

// Three instances archive the same document at once: one archives it,
// the others are refused (ECONFLICT or EILLEGAL; never a deadlock: every
// path of the archive transaction locks the document before the object
// rows), and the index lists the record's objects once, all verified by
// fixity.
func TestArchiveConcurrentInstancesListObjectsOnce(t *testing.T) {
	for _, backend := range []string{gormdb.SQLite, gormdb.Postgres} {
		t.Run(backend, func(t *testing.T) {
			if backend == gormdb.Postgres && os.Getenv("VANTHU_TEST_DATABASE_URL") == "" {
				t.Skip("VANTHU_TEST_DATABASE_URL is not set")
			}
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 3)
			f := archivetest.New(t, dbs[0], nil)
			docs := []*workflow.Service{f.Docs}
			for _, db := range dbs[1:] {
				a := *f.Archive
				a.Index, a.Repo = gormdb.NewArchiveIndex(db), db
				docs = append(docs, &workflow.Service{Repo: db, Blobs: f.Work, Signer: workflowtest.Signer{}, Archiver: &a, Agency: f.Docs.Agency})
			}
			for round := range 8 {
				d := f.Issued(t, archivetest.Options{})
				errs := make([]error, len(docs))
				var wg sync.WaitGroup
				for i, s := range docs {
					wg.Go(func() {
						_, errs[i] = s.Apply(ctx, f.Users[workflow.RoleArchivist], d.ID, workflow.Archive, workflow.ActionInput{})
					})
				}
				wg.Wait()
				ok := 0
				for _, err := range errs {
					if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "40P01" {
						t.Fatalf("round %d: deadlock: %v", round, err)
					}
					switch workflow.ErrorCode(err) {
					case "":
						ok++
					case workflow.ECONFLICT, workflow.EILLEGAL:
					default:
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if ok != 1 {
					t.Fatalf("round %d: %d instances archived the document, want 1 (%v)", round, ok, errs)
				}
				n := int64(2 * (round + 1))
				wantListed(t, f, n, n)
			}
		})
	}
}

// The archive action reads the document with its trail and signer at once
// (workflow.ArchiveReader): a classified document the archivist may not
// see is answered as missing, and nothing of a record is started; the
// clerk archives it, with the signer in its metadata.
func TestArchiveReadsWithTheDocumentKeepVisibility(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		f := archivetest.New(t, db, nil)
		d := f.Issued(t, archivetest.Options{Confidentiality: workflow.Confidential})
		_, err := f.Docs.Apply(ctx, f.Users[workflow.RoleArchivist], d.ID, workflow.Archive, workflow.ActionInput{})
		if workflow.ErrorCode(err) != workflow.ENOTFOUND || workflow.ErrorMessage(err) != workflow.ErrorMessage(workflow.DocumentNotFound()) {
			t.Fatalf("archivist archiving a classified document: %v, want the answer for a missing one", err)
		}
		if _, err := f.Index.Record(ctx, d.ID); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("record started for a document its archivist may not see: %v", err)
		}
		if _, err := f.Docs.Apply(ctx, f.Users[workflow.RoleClerk], d.ID, workflow.Archive, workflow.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		rec, err := f.Index.Record(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		signer, _ := db.User(ctx, d.SignerID)
		var md archive.Metadata
		if err := json.Unmarshal(readAll(t, f.Store, rec.Key+archive.NameMetadata), &md); err != nil {
			t.Fatal(err)
		}
		if md.Signer == nil || md.Signer.FullName != signer.FullName || rec.SignerName != signer.FullName || md.Events.Count == 0 {
			t.Fatalf("metadata signer %+v, record signer %q, %d events; want %s", md.Signer, rec.SignerName, md.Events.Count, signer.FullName)
		}
	})
}
