package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Disposal of archived records (tiêu hủy tài liệu hết giá trị, Luật Lưu
// trữ, Decree 30): an archivist proposes a list of records whose
// retention has ended (danh mục tài liệu hết giá trị); the head of the
// agency — the official (RoleOfficer), who signs for it — approves it by
// a decision (quyết định tiêu hủy: number, date, text) or rejects it; then
// the records are destroyed, each checked again as it goes. The list,
// its decision and what was destroyed are kept forever (the biên bản).

// EventRecordDisposed is the audit event of a record destroyed, in its
// document's chain, naming the list and the decision.
const EventRecordDisposed EventKind = "record_disposed"

// DisposalCLI is the system user `vanthu archive disposals run` acts as,
// as `vanthu archive import` acts as system:import: an archivist for
// RunDisposal's checks, named as the list's DisposedBy and the actor of
// its record_disposed events.
var DisposalCLI = &User{ID: "system:disposal", Username: "disposal", FullName: "Dòng lệnh vanthu archive disposals run",
	Roles: []Role{RoleArchivist}}

// DisposalState is where a disposal list is in its procedure.
type DisposalState string

const (
	DisposalProposed DisposalState = "proposed" // đề nghị: items may change
	DisposalApproved DisposalState = "approved" // quyết định tiêu hủy taken
	DisposalDisposed DisposalState = "disposed" // run: every item destroyed or held back
	DisposalRejected DisposalState = "rejected" // rejected by the head, or cancelled by the archivist
)

// Item states of a disposal list.
const (
	ItemPending  = ""         // not run yet
	ItemDisposed = "disposed" // destroyed
	ItemHeld     = "held"     // held back at the run (Reason says why)
)

// Disposal is a disposal list (đợt tiêu hủy) with its decision.
type Disposal struct {
	ID        string
	Title     string
	CreatedBy string
	CreatedAt time.Time
	State     DisposalState
	Version   int // guards updates (ECONFLICT when stale)

	ApprovedBy     string
	ApprovedAt     *time.Time
	DecisionNumber string // số quyết định
	DecisionDate   *Date
	DecisionText   string // trích yếu / căn cứ

	RejectedBy   string
	RejectedAt   *time.Time
	RejectReason string

	DisposedBy string
	DisposedAt *time.Time

	Items []DisposalItem
}

// DisposalItem is an archived record on a list, with what the biên bản
// prints of it (copied when it was added) and its outcome.
type DisposalItem struct {
	DocumentID  string
	Number      int
	Year        int
	Notation    string
	Subject     string
	Class       string
	DocDate     *Date
	RetainUntil time.Time
	State       string // ItemPending, ItemDisposed, ItemHeld
	Reason      string // why it was held back
	DisposedAt  *time.Time
	Objects     int   // archive objects deleted
	Bytes       int64 // their size
	// Files are the objects deleted, each with its size and SHA-256
	// (also in the record_disposed event); DocumentSHA256 is the main
	// signed PDF's among them.
	Files          []DisposedObject
	DocumentSHA256 string
}

// DisposedObject is an archive object of a destroyed record: what an
// inspector compares with a copy to show which bytes were destroyed.
type DisposedObject struct {
	Name   string `json:"name"` // path within the record
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Event data keys of record_disposed that list what was destroyed.
const (
	DisposedFilesKey = "files" // a JSON array of DisposedObject
	DisposedBytesKey = "bytes" // their total size
)

// DisposedFiles reads the destroyed objects a record_disposed event
// lists (none in an event written before they were kept).
func DisposedFiles(e Event) ([]DisposedObject, error) {
	s := e.Data[DisposedFilesKey]
	if e.Kind != EventRecordDisposed || s == "" {
		return nil, nil
	}
	var out []DisposedObject
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("event %d: %s: %w", e.Seq, DisposedFilesKey, err)
	}
	return out, nil
}

// DisposedFilesData is the event data listing objs (DisposedFiles reads it).
func DisposedFilesData(objs []DisposedObject) map[string]string {
	if objs == nil {
		objs = []DisposedObject{}
	}
	b, _ := json.Marshal(objs) // strings and numbers only
	var total int64
	for _, o := range objs {
		total += o.Size
	}
	return map[string]string{DisposedFilesKey: string(b), DisposedBytesKey: strconv.FormatInt(total, 10)}
}

// Decision is what the head gives when approving a list.
type Decision struct {
	Number string
	Date   Date
	Text   string
}

// DisposedRecord is what stays of a destroyed record, by document.
type DisposedRecord struct {
	DocumentID     string
	DisposalID     string
	DecisionNumber string
	DecisionDate   Date
	DisposedAt     time.Time
	DisposedBy     string
}

// Note is what a register's line of the destroyed record says in its
// notes (the page, its print, the CSV and JSON files, the API's).
func (r *DisposedRecord) Note() string {
	return "Đã tiêu hủy theo QĐ số " + r.DecisionNumber + " ngày " + r.DecisionDate.Format("02/01/2006")
}

// AddNote appends note to notes, after "; " when notes has text.
func AddNote(notes, note string) string {
	if notes == "" {
		return note
	}
	return notes + "; " + note
}

// Gone is the EGONE error of a destroyed record.
func (r *DisposedRecord) Gone() error {
	return Errorf(EGONE, "the record of %s was destroyed on %s by decision %s of %s (disposal list %s)", r.DocumentID,
		VietnamDate(r.DisposedAt), r.DecisionNumber, r.DecisionDate, r.DisposalID)
}

// DisposalStore keeps disposal lists and what stays of destroyed records
// (storage/gormdb).
type DisposalStore interface {
	CreateDisposal(ctx context.Context, d *Disposal) error
	// Disposal returns a list with its items; ENOTFOUND.
	Disposal(ctx context.Context, id string) (*Disposal, error)
	// Disposals lists the lists, newest first; state "" for all.
	Disposals(ctx context.Context, state DisposalState) ([]*Disposal, error)
	// UpdateDisposal writes d when the stored version is d.Version-1;
	// ECONFLICT otherwise.
	UpdateDisposal(ctx context.Context, d *Disposal) error
	// DisposedRecords returns what stays of the destroyed records among
	// ids, by document ID.
	DisposedRecords(ctx context.Context, ids []string) (map[string]*DisposedRecord, error)
	// FinishRecordDisposal records, in the transaction ctx carries, that
	// r's archive objects are gone: the row of r, the record's object and
	// evidence rows removed (fixity no longer expects them).
	FinishRecordDisposal(ctx context.Context, r *DisposedRecord) error
}

// CheckDisposalProposer: archivists propose, change, cancel and run lists.
func CheckDisposalProposer(u *User) error {
	if !u.Has(RoleArchivist) {
		return Errorf(EFORBIDDEN, "disposal lists are proposed and run by an archivist (role archivist)")
	}
	return nil
}

// CheckDisposalApprover: the head of the agency — an official (role
// officer), who signs for it — approves or rejects, and not a list they
// proposed themselves.
func CheckDisposalApprover(u *User, d *Disposal) error {
	if !u.Has(RoleOfficer) {
		return Errorf(EFORBIDDEN, "a disposal list is approved or rejected by the head of the agency (role officer)")
	}
	if d != nil && d.CreatedBy == u.ID {
		return Errorf(EFORBIDDEN, "disposal list %s was proposed by you: another official approves or rejects it", d.ID)
	}
	return nil
}

// CheckDisposable says why rec may not be destroyed at now (retention not
// ended, legal hold: EUNPROCESSABLE naming the record), or nil.
func CheckDisposable(rec *ArchiveRecord, now time.Time) error {
	if rec.LegalHold {
		return Errorf(EUNPROCESSABLE, "record of %s (%s) is under legal hold: it cannot be destroyed until the hold is lifted", rec.DocumentID, recordName(rec))
	}
	if now.Before(rec.RetainUntil) {
		return Errorf(EUNPROCESSABLE, "record of %s (%s) is retained until %s (class %s): it cannot be destroyed before then", rec.DocumentID, recordName(rec),
			VietnamDate(rec.RetainUntil), rec.Class)
	}
	return nil
}

func recordName(rec *ArchiveRecord) string {
	if rec.Number > 0 {
		return strings.TrimSpace(rec.Notation)
	}
	return "“" + rec.Subject + "”"
}

// ItemOf is rec as an item of a list.
func ItemOf(rec *ArchiveRecord) DisposalItem {
	return DisposalItem{DocumentID: rec.DocumentID, Number: rec.Number, Year: rec.Year, Notation: rec.Notation,
		Subject: rec.Subject, Class: rec.Class, DocDate: rec.DocDate, RetainUntil: rec.RetainUntil}
}

func (d *Disposal) needState(s DisposalState, what string) error {
	if d.State != s {
		return Errorf(EILLEGAL, "disposal list %s is %s: %s needs it %s", d.ID, d.State, what, s)
	}
	return nil
}

// Has reports whether the list holds the record of docID.
func (d *Disposal) Has(docID string) bool {
	for _, it := range d.Items {
		if it.DocumentID == docID {
			return true
		}
	}
	return false
}

// CheckTitle: a list's title is 1–500 characters.
func CheckDisposalTitle(title string) error {
	if t := strings.TrimSpace(title); t == "" || utf8.RuneCountInString(t) > 500 {
		return Errorf(EINVALID, "title: 1 to 500 characters")
	}
	return nil
}

// Add puts records on a proposed list (each checked by CheckDisposable
// at now); those already on it are left.
func (d *Disposal) Add(now time.Time, recs ...*ArchiveRecord) error {
	if err := d.needState(DisposalProposed, "adding records"); err != nil {
		return err
	}
	for _, r := range recs {
		if err := CheckDisposable(r, now); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if !d.Has(r.DocumentID) {
			d.Items = append(d.Items, ItemOf(r))
		}
	}
	return nil
}

// Remove takes records off a proposed list.
func (d *Disposal) Remove(ids ...string) error {
	if err := d.needState(DisposalProposed, "removing records"); err != nil {
		return err
	}
	for _, id := range ids {
		if !d.Has(id) {
			return Errorf(ENOTFOUND, "record of %s is not on disposal list %s", id, d.ID)
		}
	}
	kept := d.Items[:0]
	for _, it := range d.Items {
		if !containsString(ids, it.DocumentID) {
			kept = append(kept, it)
		}
	}
	d.Items = kept
	return nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Approve records the head's decision on a proposed list, whose records
// (recs, read now, one for each item) are checked again.
func (d *Disposal) Approve(u *User, now time.Time, dec Decision, recs []*ArchiveRecord) error {
	if err := CheckDisposalApprover(u, d); err != nil {
		return err
	}
	if err := d.needState(DisposalProposed, "approval"); err != nil {
		return err
	}
	if len(d.Items) == 0 {
		return Errorf(EINVALID, "disposal list %s has no records", d.ID)
	}
	if strings.TrimSpace(dec.Number) == "" || len(dec.Number) > 100 {
		return Errorf(EINVALID, "decision_number: the decision's number (số quyết định), 1 to 100 characters")
	}
	if dec.Date.IsZero() {
		return Errorf(EINVALID, "decision_date: the decision's date")
	}
	if err := CheckComment(dec.Text); err != nil {
		return err
	}
	for _, r := range recs {
		if err := CheckDisposable(r, now); err != nil {
			return err
		}
	}
	t := now.UTC()
	d.State, d.ApprovedBy, d.ApprovedAt = DisposalApproved, u.ID, &t
	d.DecisionNumber, d.DecisionDate, d.DecisionText = strings.TrimSpace(dec.Number), &dec.Date, dec.Text
	return nil
}

// Reject ends a proposed list: the head rejects it, or its archivist
// cancels it, with a reason.
func (d *Disposal) Reject(u *User, now time.Time, reason string) error {
	if u.Has(RoleOfficer) && d.CreatedBy != u.ID {
		// the head
	} else if err := CheckDisposalProposer(u); err != nil {
		return err
	}
	if err := d.needState(DisposalProposed, "rejection"); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return Errorf(EINVALID, "reason: why the list is rejected")
	}
	if err := CheckComment(reason); err != nil {
		return err
	}
	t := now.UTC()
	d.State, d.RejectedBy, d.RejectedAt, d.RejectReason = DisposalRejected, u.ID, &t, reason
	return nil
}

// Waiting reports whether d waits for the head's decision or for its run
// (proposed, approved): the records on it are taken.
func (d *Disposal) Waiting() bool {
	return d.State == DisposalProposed || d.State == DisposalApproved
}

// OnWaitingLists maps each record (its document's ID) on one of lists
// that waits (Waiting), not destroyed, to that list: a record is on one
// waiting list at a time — the expired records' page listed one already
// proposed first again, and proposed it a second time; once both lists
// were approved, the second run found it gone.
func OnWaitingLists(lists []*Disposal) map[string]*Disposal {
	out := map[string]*Disposal{}
	for _, d := range lists {
		if !d.Waiting() {
			continue
		}
		for _, it := range d.Items {
			if it.State != ItemDisposed {
				out[it.DocumentID] = d
			}
		}
	}
	return out
}

// Pending returns the items not yet destroyed nor held back.
func (d *Disposal) Pending() []DisposalItem {
	var out []DisposalItem
	for _, it := range d.Items {
		if it.State == ItemPending {
			out = append(out, it)
		}
	}
	return out
}

// Item returns a pointer to the item of docID, or nil.
func (d *Disposal) Item(docID string) *DisposalItem {
	for i := range d.Items {
		if d.Items[i].DocumentID == docID {
			return &d.Items[i]
		}
	}
	return nil
}

// FinishDisposal is the transaction that ends the destruction of a
// record whose archive objects are gone: its document's files released
// (the blob collector takes them unless another document refers to the
// same blob; the row, its number and metadata stay), what stays of the
// record stored (store.FinishRecordDisposal, in this transaction) and
// record_disposed appended to the document's chain, naming the list and
// the decision.
func (s *Service) FinishDisposal(ctx context.Context, actor *User, store DisposalStore, r *DisposedRecord, data map[string]string) error {
	return s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		doc, err := tx.LockDocument(ctx, r.DocumentID)
		if err != nil {
			return err
		}
		if doc.State != Archived {
			return Errorf(EILLEGAL, "document %s is not archived (state %s)", doc.ID, doc.State)
		}
		ev := map[string]string{"disposal": r.DisposalID, "decision_number": r.DecisionNumber,
			"decision_date": r.DecisionDate.String(), "files_released": strconv.Itoa(len(doc.Files))}
		for k, v := range data {
			ev[k] = v
		}
		prev := doc.Version
		doc.Files, doc.Version, doc.UpdatedAt = nil, doc.Version+1, r.DisposedAt
		if err := tx.UpdateDocument(ctx, doc, prev); err != nil {
			return err
		}
		if err := store.FinishRecordDisposal(ctx, r); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &Event{DocumentID: r.DocumentID, Actor: actor.ID, Kind: EventRecordDisposed, At: r.DisposedAt, Data: ev})
	})
}
