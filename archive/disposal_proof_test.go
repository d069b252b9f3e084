package archive_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

func TestDisposalProvableSQLite(t *testing.T) {
	testDisposalProvable(t, gormdbtest.Open(t, gormdb.SQLite))
}
func TestDisposalProvablePostgres(t *testing.T) {
	testDisposalProvable(t, gormdbtest.Open(t, gormdb.Postgres))
}

// failingUpdates fails the first list update: the run stopped after the
// record's transaction, before the list was written.
type failingUpdates struct {
	workflow.DisposalStore
	failed bool
}

func (s *failingUpdates) UpdateDisposal(ctx context.Context, d *workflow.Disposal) error {
	if !s.failed {
		s.failed = true
		return workflow.Errorf(workflow.EUNAVAILABLE, "database down")
	}
	return s.DisposalStore.UpdateDisposal(ctx, d)
}

// testDisposalProvable: what was destroyed stays provable — the
// record_disposed event (hash-chained) and the list's item name each
// destroyed object with its key, size and SHA-256, as the index had them;
// the item has the main PDF's SHA-256; a run that stopped after the
// record's transaction reads them back from the event; the chain verifies.
func testDisposalProvable(t *testing.T, db *gormdb.DB) {
	ctx := context.Background()
	w := newDisposalWorld(t, db, nil)
	f, arch := w.f, w.user(workflow.RoleArchivist)
	d, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 4", []string{w.expired.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = f.Archive.ApproveDisposal(ctx, w.user(workflow.RoleOfficer), d.ID, decision); err != nil {
		t.Fatal(err)
	}
	before, _ := f.Index.Record(ctx, w.expired.ID)
	var want []workflow.DisposedObject
	var total int64
	var main string
	for _, o := range before.Objects {
		want = append(want, workflow.DisposedObject{Name: o.Name, Key: o.Key, Size: o.Size, SHA256: o.SHA256})
		total += o.Size
		if o.Name == archive.NameDocument {
			main = o.SHA256
		}
	}
	if len(want) < 3 || main == "" {
		t.Fatalf("record objects %+v", before.Objects)
	}
	f.Archive.Disposals = &failingUpdates{DisposalStore: db}
	_, err = f.Archive.RunDisposal(ctx, arch, d.ID)
	wantCode(t, err, workflow.EUNAVAILABLE)
	f.Archive.Disposals = db
	if d, err = f.Archive.RunDisposal(ctx, arch, d.ID); err != nil {
		t.Fatal(err)
	}
	if d, err = db.Disposal(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	it := d.Items[0]
	if it.State != workflow.ItemDisposed || !slices.Equal(it.Files, want) || it.Bytes != total || it.Objects != len(want) || it.DocumentSHA256 != main {
		t.Errorf("item after the run: %+v\nwant files %+v, %d bytes, main %s", it, want, total, main)
	}
	events, _ := db.Events(ctx, w.expired.ID)
	last := events[len(events)-1]
	got, err := workflow.DisposedFiles(last)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("record_disposed files %+v %v, want %+v", got, err, want)
	}
	if last.Data[workflow.DisposedBytesKey] == "" || last.Data["decision_number"] != decision.Number {
		t.Errorf("record_disposed data %v", last.Data)
	}
	if rep, err := f.Docs.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("audit verify: %+v %v", rep, err)
	}
}
