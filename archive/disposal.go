package archive

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Disposal (tiêu hủy, workflow/disposal.go): an archivist proposes a list
// of records past their retention, the head of the agency (an official)
// approves it by a decision, and an archivist runs it: each record is
// checked again as it goes — one put under legal hold since is held back,
// with the reason on the list — its archive objects deleted, then, in one
// transaction, its document's working copies released (the blob
// collector takes them unless another document refers to the same blob),
// its object rows forgotten (fixity no longer expects them), what stays
// of it recorded and record_disposed appended to its document's audit
// chain. The document's row, its register entry, its metadata and the
// list with its decision stay forever. A run interrupted half way is
// finished by running it again: objects already gone are skipped, and a
// record is marked destroyed only once every one of its objects is gone.

// ExpiredIndex is an Index that lists the records past their retention
// (storage/gormdb's).
type ExpiredIndex interface {
	ExpiredRecords(ctx context.Context, q Query, now time.Time) ([]*Record, string, error)
}

// disposalReaders may read disposal lists: the archivists who make them,
// the officials who decide them, admins.
var disposalReaders = []workflow.Role{workflow.RoleArchivist, workflow.RoleOfficer, workflow.RoleAdmin}

func (s *Service) disposals() (workflow.DisposalStore, error) {
	if s.Disposals == nil || s.Index == nil || s.Repo == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "disposal is not configured on this server")
	}
	return s.Disposals, nil
}

// Expired lists the records an archivist may put on a disposal list:
// past their retention at now, with no legal hold, not destroyed.
func (s *Service) Expired(ctx context.Context, actor *workflow.User, q Query) ([]*Record, string, error) {
	if err := workflow.CheckDisposalProposer(actor); err != nil {
		return nil, "", err
	}
	q, err := s.visibleQuery(actor, q)
	if err != nil {
		return nil, "", err
	}
	x, ok := s.Index.(ExpiredIndex)
	if !ok {
		return nil, "", workflow.Errorf(workflow.EUNAVAILABLE, "this archive index cannot list records past their retention")
	}
	return x.ExpiredRecords(ctx, q, s.now())
}

// MaxDisposalRequest is how many records a request proposes or adds to
// a disposal list at most.
const MaxDisposalRequest = 1000

// disposableRecords reads the records of ids the actor may see, refusing
// one that is destroyed already or not archived.
func (s *Service) disposableRecords(ctx context.Context, actor *workflow.User, ids []string) ([]*Record, error) {
	if len(ids) > MaxDisposalRequest {
		return nil, workflow.Errorf(workflow.EINVALID, "record_ids: at most %d records a request", MaxDisposalRequest)
	}
	gone, err := s.Disposals.DisposedRecords(ctx, ids)
	if err != nil {
		return nil, err
	}
	recs := make([]*Record, 0, len(ids))
	for _, id := range ids {
		if g := gone[id]; g != nil {
			return nil, workflow.Errorf(workflow.EUNPROCESSABLE, "record of %s was destroyed already (decision %s)", id, g.DecisionNumber)
		}
		_, rec, err := s.visibleRecord(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// ProposeDisposal makes a proposed list of the records of ids (each past
// its retention, with no legal hold).
func (s *Service) ProposeDisposal(ctx context.Context, actor *workflow.User, title string, ids []string) (*workflow.Disposal, error) {
	st, err := s.disposals()
	if err != nil {
		return nil, err
	}
	if err := workflow.CheckDisposalProposer(actor); err != nil {
		return nil, err
	}
	if err := workflow.CheckDisposalTitle(title); err != nil {
		return nil, err
	}
	recs, err := s.disposableRecords(ctx, actor, ids)
	if err != nil {
		return nil, err
	}
	if err := refuseListed(ctx, st, "", recs); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	d := &workflow.Disposal{ID: workflow.NewID(now), Title: strings.TrimSpace(title), CreatedBy: actor.ID, CreatedAt: now,
		State: workflow.DisposalProposed, Version: 1}
	if err := d.Add(now, recs...); err != nil {
		return nil, err
	}
	if err := st.CreateDisposal(ctx, d); err != nil {
		return nil, err
	}
	s.logger().InfoContext(ctx, "disposal list proposed", "disposal", d.ID, "records", len(d.Items), "actor", actor.ID)
	return d, nil
}

// Disposal returns a list to the roles that read them.
func (s *Service) Disposal(ctx context.Context, actor *workflow.User, id string) (*workflow.Disposal, error) {
	st, err := s.disposals()
	if err != nil {
		return nil, err
	}
	if !actor.HasAny(disposalReaders) {
		return nil, roleErr("reading disposal lists", disposalReaders)
	}
	return st.Disposal(ctx, id)
}

// DisposalList lists the lists (state "" for all), newest first.
func (s *Service) DisposalList(ctx context.Context, actor *workflow.User, state workflow.DisposalState) ([]*workflow.Disposal, error) {
	st, err := s.disposals()
	if err != nil {
		return nil, err
	}
	if !actor.HasAny(disposalReaders) {
		return nil, roleErr("reading disposal lists", disposalReaders)
	}
	return st.Disposals(ctx, state)
}

// change reads list id, applies fn and stores it (ECONFLICT when another
// change came between).
func (s *Service) change(ctx context.Context, id string, fn func(d *workflow.Disposal) error) (*workflow.Disposal, error) {
	st, err := s.disposals()
	if err != nil {
		return nil, err
	}
	d, err := st.Disposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(d); err != nil {
		return nil, err
	}
	d.Version++
	if err := st.UpdateDisposal(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// AddToDisposal puts more records on a proposed list.
func (s *Service) AddToDisposal(ctx context.Context, actor *workflow.User, id string, ids []string) (*workflow.Disposal, error) {
	if err := workflow.CheckDisposalProposer(actor); err != nil {
		return nil, err
	}
	st, err := s.disposals()
	if err != nil {
		return nil, err
	}
	recs, err := s.disposableRecords(ctx, actor, ids)
	if err != nil {
		return nil, err
	}
	if err := refuseListed(ctx, st, id, recs); err != nil {
		return nil, err
	}
	return s.change(ctx, id, func(d *workflow.Disposal) error { return d.Add(s.now(), recs...) })
}

// refuseListed refuses, EUNPROCESSABLE, a record of recs that is on a
// list waiting for its decision or its run (workflow.OnWaitingLists)
// other than list except: take it off that list first.
func refuseListed(ctx context.Context, st workflow.DisposalStore, except string, recs []*Record) error {
	var lists []*workflow.Disposal
	for _, state := range []workflow.DisposalState{workflow.DisposalProposed, workflow.DisposalApproved} {
		ls, err := st.Disposals(ctx, state)
		if err != nil {
			return err
		}
		lists = append(lists, ls...)
	}
	on := workflow.OnWaitingLists(lists)
	for _, r := range recs {
		if d := on[r.DocumentID]; d != nil && d.ID != except {
			return workflow.Errorf(workflow.EUNPROCESSABLE, "record of %s is on disposal list %s (%q), waiting for its decision or its run: take it off that list first",
				r.DocumentID, d.ID, d.Title)
		}
	}
	return nil
}

// RemoveFromDisposal takes records off a proposed list.
func (s *Service) RemoveFromDisposal(ctx context.Context, actor *workflow.User, id string, ids []string) (*workflow.Disposal, error) {
	if err := workflow.CheckDisposalProposer(actor); err != nil {
		return nil, err
	}
	return s.change(ctx, id, func(d *workflow.Disposal) error { return d.Remove(ids...) })
}

// ApproveDisposal records the head's decision on a proposed list, whose
// records are checked again (a hold set meanwhile, or a record destroyed
// by another list, refuses it: take the record off first).
func (s *Service) ApproveDisposal(ctx context.Context, actor *workflow.User, id string, dec workflow.Decision) (*workflow.Disposal, error) {
	d, err := s.change(ctx, id, func(d *workflow.Disposal) error {
		if err := workflow.CheckDisposalApprover(actor, d); err != nil {
			return err
		}
		ids := make([]string, len(d.Items))
		for i, it := range d.Items {
			ids[i] = it.DocumentID
		}
		recs, err := s.disposableRecords(ctx, actor, ids)
		if err != nil {
			return err
		}
		return d.Approve(actor, s.now(), dec, recs)
	})
	if err == nil {
		s.logger().InfoContext(ctx, "disposal list approved", "disposal", id, "decision", dec.Number, "actor", actor.ID)
	}
	return d, err
}

// RejectDisposal ends a proposed list with a reason: the head rejects
// it, or an archivist cancels it.
func (s *Service) RejectDisposal(ctx context.Context, actor *workflow.User, id, reason string) (*workflow.Disposal, error) {
	return s.change(ctx, id, func(d *workflow.Disposal) error { return d.Reject(actor, s.now(), reason) })
}

// RunDisposal destroys the records of an approved list (or, on a list
// run before, the ones held back then), each checked again now; the list
// says which were held back and why. Running it again finishes a run
// that was interrupted.
func (s *Service) RunDisposal(ctx context.Context, actor *workflow.User, id string) (*workflow.Disposal, error) {
	st, err := s.disposals()
	if err != nil {
		return nil, err
	}
	if err := workflow.CheckDisposalProposer(actor); err != nil {
		return nil, err
	}
	d, err := st.Disposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.State != workflow.DisposalApproved && d.State != workflow.DisposalDisposed {
		return nil, workflow.Errorf(workflow.EILLEGAL, "disposal list %s is %s: only an approved list is run", d.ID, d.State)
	}
	for i := range d.Items {
		if d.Items[i].State == workflow.ItemDisposed {
			continue
		}
		if err := s.disposeItem(ctx, actor, d, &d.Items[i]); err != nil {
			return nil, err
		}
	}
	if d.State == workflow.DisposalApproved {
		now := s.now().UTC()
		d.State, d.DisposedBy, d.DisposedAt = workflow.DisposalDisposed, actor.ID, &now
	}
	d.Version++
	if err := st.UpdateDisposal(ctx, d); err != nil {
		return nil, err
	}
	s.logger().InfoContext(ctx, "disposal list run", "disposal", d.ID, "actor", actor.ID)
	return d, nil
}

// disposeItem destroys one record of d, or holds it back (it.State,
// it.Reason). An error stops the run (the store or the database is
// unavailable): nothing is marked for this record, and a new run takes
// it again.
func (s *Service) disposeItem(ctx context.Context, actor *workflow.User, d *workflow.Disposal, it *workflow.DisposalItem) error {
	gone, err := s.Disposals.DisposedRecords(ctx, []string{it.DocumentID})
	if err != nil {
		return err
	}
	if g := gone[it.DocumentID]; g != nil { // a run that stopped after the record's transaction
		if g.DisposalID != d.ID {
			it.State, it.Reason = workflow.ItemHeld, fmt.Sprintf("đã tiêu hủy theo quyết định số %s (đợt %s)", g.DecisionNumber, g.DisposalID)
			return nil
		}
		files, err := s.disposedFiles(ctx, it.DocumentID)
		if err != nil {
			return err
		}
		it.State, it.Reason, it.DisposedAt = workflow.ItemDisposed, "", &g.DisposedAt
		setFiles(it, files)
		return nil
	}
	rec, err := s.Index.Record(ctx, it.DocumentID)
	if err != nil {
		return err
	}
	now := s.now()
	doc, err := s.Repo.Document(ctx, it.DocumentID)
	if err != nil {
		return err
	}
	rec.LegalHold = rec.LegalHold || doc.LegalHold
	if err := workflow.CheckDisposable(rec, now); err != nil {
		it.State, it.Reason = workflow.ItemHeld, workflow.ErrorMessage(err)
		return nil
	}
	for _, o := range rec.Objects {
		err := s.Store.Delete(ctx, o.Key)
		switch workflow.ErrorCode(err) {
		case "", workflow.ENOTFOUND:
			continue
		case workflow.EFORBIDDEN: // the store's own lock: a hold set meanwhile
			it.State, it.Reason = workflow.ItemHeld, "kho lưu trữ từ chối xóa: "+workflow.ErrorMessage(err)
			return nil
		}
		return storeErr(err, "archive store: delete %s", o.Key)
	}
	for _, o := range rec.Objects { // never marked destroyed while an object is still there
		if _, err := s.Store.Stat(ctx, o.Key); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return workflow.Errorf(workflow.EUNAVAILABLE, "archive store: %s is still there after its deletion (%v): run the list again", o.Key, err)
		}
	}
	at := now.UTC().Truncate(time.Microsecond)
	files := disposedObjects(rec)
	if err := s.finishRecord(ctx, actor, d, rec, files, at); err != nil {
		return err
	}
	it.State, it.Reason, it.DisposedAt = workflow.ItemDisposed, "", &at
	setFiles(it, files)
	s.logger().InfoContext(ctx, "record disposed", "doc_id", rec.DocumentID, "disposal", d.ID, "objects", len(rec.Objects))
	return nil
}

// disposedObjects lists rec's objects as the record_disposed event and
// the list keep them: name, key, size, SHA-256.
func disposedObjects(rec *Record) []workflow.DisposedObject {
	out := make([]workflow.DisposedObject, len(rec.Objects))
	for i, o := range rec.Objects {
		out[i] = workflow.DisposedObject{Name: o.Name, Key: o.Key, Size: o.Size, SHA256: o.SHA256}
	}
	return out
}

// disposedFiles reads back, from the record_disposed event of docID, the
// objects it destroyed (a run that stopped after the record's transaction,
// before the list was written).
func (s *Service) disposedFiles(ctx context.Context, docID string) ([]workflow.DisposedObject, error) {
	events, err := s.Repo.Events(ctx, docID)
	if err != nil {
		return nil, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Kind == workflow.EventRecordDisposed {
			return workflow.DisposedFiles(events[i])
		}
	}
	return nil, nil
}

// finishRecord ends a record's destruction (workflow.Service.FinishDisposal).
func (s *Service) finishRecord(ctx context.Context, actor *workflow.User, d *workflow.Disposal, rec *Record, files []workflow.DisposedObject, at time.Time) error {
	fin, ok := s.Docs.(DisposalFinisher)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "disposal is not wired on this server")
	}
	dr := &workflow.DisposedRecord{DocumentID: rec.DocumentID, DisposalID: d.ID, DecisionNumber: d.DecisionNumber,
		DisposedAt: at, DisposedBy: actor.ID}
	if d.DecisionDate != nil {
		dr.DecisionDate = *d.DecisionDate
	}
	data := workflow.DisposedFilesData(files)
	data["record"], data["objects"] = rec.Key, strconv.Itoa(len(rec.Objects))
	return fin.FinishDisposal(ctx, actor, s.Disposals, dr, data)
}

// setFiles records on it the objects destroyed: their count, total size,
// each one, and the main signed PDF's SHA-256.
func setFiles(it *workflow.DisposalItem, files []workflow.DisposedObject) {
	it.Objects, it.Bytes, it.Files, it.DocumentSHA256 = len(files), 0, files, ""
	for _, o := range files {
		it.Bytes += o.Size
		if o.Name == NameDocument {
			it.DocumentSHA256 = o.SHA256
		}
	}
}

// DisposalFinisher ends a record's destruction in one transaction
// (workflow.Service).
type DisposalFinisher interface {
	FinishDisposal(ctx context.Context, actor *workflow.User, store workflow.DisposalStore, r *workflow.DisposedRecord, data map[string]string) error
}

// gone is EGONE when the record of docID was destroyed, else nil.
func (s *Service) gone(ctx context.Context, docID string) error {
	if s.Disposals == nil {
		return nil
	}
	m, err := s.Disposals.DisposedRecords(ctx, []string{docID})
	if err != nil {
		return err
	}
	if g := m[docID]; g != nil {
		return g.Gone()
	}
	return nil
}

// Disposed returns what stays of the destroyed records among recs, by
// document ID (for search pages: a destroyed record is listed, marked).
func (s *Service) Disposed(ctx context.Context, recs []*Record) (map[string]*workflow.DisposedRecord, error) {
	if s.Disposals == nil || len(recs) == 0 {
		return map[string]*workflow.DisposedRecord{}, nil
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.DocumentID
	}
	return s.Disposals.DisposedRecords(ctx, ids)
}

// DisposedDocuments returns what stays of the destroyed records among the
// documents ids, by document ID (a register's page notes them).
func (s *Service) DisposedDocuments(ctx context.Context, ids []string) (map[string]*workflow.DisposedRecord, error) {
	if s.Disposals == nil || len(ids) == 0 {
		return map[string]*workflow.DisposedRecord{}, nil
	}
	return s.Disposals.DisposedRecords(ctx, ids)
}
