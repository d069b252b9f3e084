package archive_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// disposalClock is the archive's injected clock: records are archived in
// 2010–2014 with five years' retention, and disposed of in 2016.
type disposalClock struct{ t time.Time }

func (c *disposalClock) now() time.Time { return c.t }

func disposalFixture(t *testing.T, db *gormdb.DB, store workflow.Blobs) (*archivetest.Fixture, *disposalClock) {
	t.Helper()
	f := archivetest.New(t, db, store)
	c := &disposalClock{t: time.Date(2010, 3, 1, 2, 0, 0, 0, time.UTC)}
	f.Archive.Now = c.now
	f.Archive.Retain = func(_ string, at time.Time) (time.Time, error) { return at.AddDate(5, 0, 0), nil }
	f.Archive.Disposals = db
	return f, c
}

var decision = workflow.Decision{Number: "15/QĐ-UBND", Date: workflow.NewDate(2016, 5, 30), Text: "Tiêu hủy tài liệu hết giá trị năm 2016"}

// disposalWorld archives: expired (issued, with an attachment), shared and
// kept (two incoming letters with the same PDF, one archived in 2014,
// still retained in 2016), and held (put under legal hold once the list
// is approved); the clock is then 2016-06-01.
type disposalWorld struct {
	f                             *archivetest.Fixture
	clock                         *disposalClock
	expired, shared, kept, onHold *workflow.Document
}

func newDisposalWorld(t *testing.T, db *gormdb.DB, store workflow.Blobs) *disposalWorld {
	t.Helper()
	f, c := disposalFixture(t, db, store)
	w := &disposalWorld{f: f, clock: c}
	pdf := testpdf.Make(1, "Công văn dùng chung")
	w.expired = f.ArchiveDoc(t, f.Issued(t, archivetest.Options{Attachments: 1}).ID)
	w.shared = f.ArchiveDoc(t, f.Completed(t, archivetest.Options{PDF: pdf}).ID)
	w.onHold = f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
	c.t = time.Date(2014, 3, 1, 2, 0, 0, 0, time.UTC)
	w.kept = f.ArchiveDoc(t, f.Completed(t, archivetest.Options{PDF: pdf}).ID)
	c.t = time.Date(2016, 6, 1, 2, 0, 0, 0, time.UTC)
	return w
}

func (w *disposalWorld) user(r workflow.Role) *workflow.User { return w.f.Users[r] }

func TestDisposalSQLite(t *testing.T) { testDisposal(t, gormdbtest.Open(t, gormdb.SQLite), nil) }
func TestDisposalPostgres(t *testing.T) {
	testDisposal(t, gormdbtest.Open(t, gormdb.Postgres), nil)
}
func TestIntegrationMinIODisposal(t *testing.T) {
	testDisposal(t, gormdbtest.Open(t, gormdb.SQLite), sharedMinIO(t))
}

// testDisposal walks a list from its proposal to its run: records not
// yet expired refused, roles, the decision, a hold set after approval
// holding one record back, the rest destroyed; then fixity and the audit
// chain pass, downloads are gone, blobs another document uses are kept.
func testDisposal(t *testing.T, db *gormdb.DB, store workflow.Blobs) {
	ctx := context.Background()
	w := newDisposalWorld(t, db, store)
	f, arch, off := w.f, w.user(workflow.RoleArchivist), w.user(workflow.RoleOfficer)
	exp, _, err := f.Archive.Expired(ctx, arch, archive.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range exp {
		ids = append(ids, r.DocumentID)
	}
	slices.Sort(ids)
	want := []string{w.expired.ID, w.shared.ID, w.onHold.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("expired %v, want %v (not %s, retained until 2019)", ids, want, w.kept.ID)
	}
	_, err = f.Archive.ProposeDisposal(ctx, arch, "Đợt 1", []string{w.expired.ID, w.kept.ID})
	wantCode(t, err, workflow.EUNPROCESSABLE)
	if !strings.Contains(err.Error(), w.kept.ID) {
		t.Fatalf("refusal does not name the record: %v", err)
	}
	_, err = f.Archive.ProposeDisposal(ctx, off, "Đợt 1", want)
	wantCode(t, err, workflow.EFORBIDDEN)
	d, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 1", want)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Archive.RunDisposal(ctx, arch, d.ID)
	wantCode(t, err, workflow.EILLEGAL)
	_, err = f.Archive.ApproveDisposal(ctx, arch, d.ID, decision)
	wantCode(t, err, workflow.EFORBIDDEN)
	if d, err = f.Archive.ApproveDisposal(ctx, off, d.ID, decision); err != nil || d.State != workflow.DisposalApproved {
		t.Fatalf("approve: %+v %v", d, err)
	}
	if _, err := f.Archive.SetLegalHold(ctx, arch, w.onHold.ID, true, "Thanh tra đang xác minh"); err != nil {
		t.Fatal(err)
	}
	before, _ := f.Index.Record(ctx, w.expired.ID)
	if d, err = f.Archive.RunDisposal(ctx, arch, d.ID); err != nil {
		t.Fatal(err)
	}
	if d.State != workflow.DisposalDisposed {
		t.Fatalf("state %s", d.State)
	}
	for _, it := range d.Items {
		wantState := workflow.ItemDisposed
		if it.DocumentID == w.onHold.ID {
			wantState = workflow.ItemHeld
			if !strings.Contains(it.Reason, "legal hold") {
				t.Errorf("held back without the reason: %q", it.Reason)
			}
		}
		if it.State != wantState {
			t.Errorf("item %s: state %q (%s), want %q", it.DocumentID, it.State, it.Reason, wantState)
		}
	}
	checkDestroyed(t, w, before)
}

// checkDestroyed: the expired record's objects are gone and fixity does
// not miss them; downloads answer EGONE; the document keeps its number;
// its blobs are released but the one another document uses; the audit
// chain verifies with record_disposed in it.
func checkDestroyed(t *testing.T, w *disposalWorld, before *archive.Record) {
	t.Helper()
	ctx := context.Background()
	f := w.f
	for _, o := range before.Objects {
		if _, err := f.Store.Stat(ctx, o.Key); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("%s still in the store: %v", o.Key, err)
		}
	}
	rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil || !rep.OK || rep.Objects == 0 {
		t.Fatalf("fixity after disposal: %v %+v", err, rep)
	}
	_, _, _, err = f.Archive.Open(ctx, w.user(workflow.RoleArchivist), w.expired.ID, archive.NameDocument)
	wantCode(t, err, workflow.EGONE)
	if !strings.Contains(err.Error(), decision.Number) {
		t.Errorf("410 does not name the decision: %v", err)
	}
	doc, err := f.DB.Document(ctx, w.expired.ID)
	if err != nil || doc.Number == 0 || len(doc.Files) != 0 || doc.State != workflow.Archived {
		t.Fatalf("document after disposal: %+v %v", doc, err)
	}
	refs := map[string]bool{}
	f.DB.ReferencedBlobs(ctx, func(s string) error { refs[s] = true; return nil })
	if m, _ := w.expired.MainFile(); refs[m.SHA256] {
		t.Errorf("the destroyed record's PDF is still referenced")
	}
	if m, _ := w.kept.MainFile(); !refs[m.SHA256] {
		t.Errorf("the PDF another document uses was released")
	}
	rep2, err := f.Docs.VerifyAudit(ctx)
	if err != nil || !rep2.OK {
		t.Fatalf("audit verify: %+v %v", rep2, err)
	}
	events, _ := f.DB.Events(ctx, w.expired.ID)
	last := events[len(events)-1]
	if last.Kind != workflow.EventRecordDisposed || last.Data["decision_number"] != decision.Number {
		t.Fatalf("last event %+v", last)
	}
}

// failingDeletes fails every delete after the first n: the store went
// down half way through a run.
type failingDeletes struct {
	workflow.Blobs
	n int
}

func (s *failingDeletes) Delete(ctx context.Context, key string) error {
	if s.n <= 0 {
		return workflow.Errorf(workflow.EUNAVAILABLE, "store down")
	}
	s.n--
	return s.Blobs.Delete(ctx, key)
}

func TestDisposalInterruptedSQLite(t *testing.T) {
	testDisposalInterrupted(t, gormdbtest.Open(t, gormdb.SQLite), nil)
}
func TestIntegrationMinIODisposalInterrupted(t *testing.T) {
	testDisposalInterrupted(t, gormdbtest.Open(t, gormdb.SQLite), sharedMinIO(t))
}

// testDisposalInterrupted: a run that stopped after deleting some of a
// record's objects marks nothing; running it again finishes.
func testDisposalInterrupted(t *testing.T, db *gormdb.DB, store workflow.Blobs) {
	ctx := context.Background()
	w := newDisposalWorld(t, db, store)
	f, arch := w.f, w.user(workflow.RoleArchivist)
	d, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 2", []string{w.expired.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = f.Archive.ApproveDisposal(ctx, w.user(workflow.RoleOfficer), d.ID, decision); err != nil {
		t.Fatal(err)
	}
	before, _ := f.Index.Record(ctx, w.expired.ID)
	if len(before.Objects) < 3 {
		t.Fatalf("%d objects", len(before.Objects))
	}
	real := f.Archive.Store
	f.Archive.Store = &failingDeletes{Blobs: real, n: 1}
	_, err = f.Archive.RunDisposal(ctx, arch, d.ID)
	wantCode(t, err, workflow.EUNAVAILABLE)
	f.Archive.Store = real
	gone, _ := db.DisposedRecords(ctx, []string{w.expired.ID})
	if len(gone) != 0 {
		t.Fatal("marked destroyed while objects are still there")
	}
	if d, _ = db.Disposal(ctx, d.ID); d.State != workflow.DisposalApproved || d.Items[0].State != workflow.ItemPending {
		t.Fatalf("after the interrupted run: %+v", d)
	}
	if d, err = f.Archive.RunDisposal(ctx, arch, d.ID); err != nil || d.Items[0].State != workflow.ItemDisposed {
		t.Fatalf("run again: %+v %v", d, err)
	}
	if d.Items[0].Objects != len(before.Objects) {
		t.Errorf("%d objects destroyed, want %d", d.Items[0].Objects, len(before.Objects))
	}
	checkDestroyed(t, w, before)
	// A third run changes nothing.
	if d2, err := f.Archive.RunDisposal(ctx, arch, d.ID); err != nil || d2.Items[0].State != workflow.ItemDisposed {
		t.Fatalf("third run: %+v %v", d2, err)
	}
}

// lyingDeletes answers every delete with success and deletes nothing.
type lyingDeletes struct{ workflow.Blobs }

func (lyingDeletes) Delete(context.Context, string) error { return nil }

// TestDisposalNeverMarksWhatRemains: a store that says it deleted
// objects still there does not get the record marked destroyed.
func TestDisposalNeverMarksWhatRemains(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	w := newDisposalWorld(t, db, nil)
	f, arch := w.f, w.user(workflow.RoleArchivist)
	d, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 3", []string{w.expired.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = f.Archive.ApproveDisposal(ctx, w.user(workflow.RoleOfficer), d.ID, decision); err != nil {
		t.Fatal(err)
	}
	f.Archive.Store = lyingDeletes{f.Store}
	_, err = f.Archive.RunDisposal(ctx, arch, d.ID)
	wantCode(t, err, workflow.EUNAVAILABLE)
	if gone, _ := db.DisposedRecords(ctx, []string{w.expired.ID}); len(gone) != 0 {
		t.Fatal("marked destroyed while its objects are still in the store")
	}
	if rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{}); err != nil || !rep.OK {
		t.Fatalf("fixity: %+v %v", rep, err)
	}
}

// TestDisposalOneWaitingListARecord: a record on a list waiting for its
// decision or its run is refused on another (proposed or added, naming
// the list), and taken again once that list is rejected; one destroyed
// by a run is no longer on any. The expired records' page listed a
// proposed record first again and proposed it a second time (walk 12).
func TestDisposalOneWaitingListARecord(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		w := newDisposalWorld(t, db, nil)
		f, arch, off := w.f, w.user(workflow.RoleArchivist), w.user(workflow.RoleOfficer)
		first, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 1", []string{w.expired.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Archive.ProposeDisposal(ctx, arch, "Đợt 2", []string{w.shared.ID, w.expired.ID})
		wantCode(t, err, workflow.EUNPROCESSABLE)
		if !strings.Contains(err.Error(), w.expired.ID) || !strings.Contains(err.Error(), first.ID) {
			t.Errorf("the refusal names neither the record nor its list: %v", err)
		}
		second, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 2", []string{w.shared.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Archive.AddToDisposal(ctx, arch, second.ID, []string{w.expired.ID})
		wantCode(t, err, workflow.EUNPROCESSABLE)
		if _, err := f.Archive.AddToDisposal(ctx, arch, second.ID, []string{w.shared.ID, w.onHold.ID}); err != nil {
			t.Errorf("adding to a list a record already on it, and another: %v", err)
		}
		if _, err := f.Archive.ApproveDisposal(ctx, off, first.ID, decision); err != nil {
			t.Fatal(err)
		}
		_, err = f.Archive.AddToDisposal(ctx, arch, second.ID, []string{w.expired.ID})
		wantCode(t, err, workflow.EUNPROCESSABLE) // approved, waiting for its run
		if _, err := f.Archive.RejectDisposal(ctx, off, second.ID, "Cần xem xét lại"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Archive.ProposeDisposal(ctx, arch, "Đợt 3", []string{w.shared.ID}); err != nil {
			t.Errorf("a record of a rejected list proposed again: %v", err)
		}
	})
}
