package workflow

import (
	"context"
	"io"
	"time"
)

// DocumentFilter selects documents for listing. Results are ordered newest
// first by (CreatedAt, ID) — or, filtered by Signed or Issued, by the
// time of that act (Order); After is the cursor of the previous page
// (ListCursor's String, or a bare document ID as the list once gave:
// ParseListCursor), EINVALID when it is neither.
type DocumentFilter struct {
	Direction Direction
	State     State
	Type      DocType
	Query     string // words in the subject
	// OriginalNumber: the sender's number and notation, exactly (an
	// incoming document's số, ký hiệu gốc).
	OriginalNumber string
	// Source: only incoming documents received over the exchange
	// (SourceExchange) or registered by hand (SourceManual); "" = any
	// document, either direction.
	Source Source
	// Sender: only incoming documents from the agency with this org
	// code (Document.Sender.OrgID), exactly.
	Sender   string
	From, To *time.Time // creation date range, inclusive
	// OverdueOn: only documents still to be handled (DueOpenStates)
	// whose due date is before this calendar day — late on it; nil =
	// any.
	OverdueOn *Date
	// Signed: only outgoing documents whose layer-1 signature (the sign
	// transition) was made by Signed.By in its period; Issued: only
	// those issued (numbered, agency signature) by Issued.By in its
	// period, the period read on IssuedAt. A zero Act filters nothing.
	Signed, Issued Act
	After          string
	Limit          int
	// Viewer restricts the result to what a user may see: classified
	// documents only where the user is signer, assignee or creator,
	// unless SeeAll (admins and clerks).
	ViewerID string
	SeeAll   bool
}

// Act selects documents by who made one of their transitions and when:
// By the actor's user ID ("" = anyone), From and To the instants of the
// period, inclusive (nil = open).
type Act struct {
	By       string
	From, To *time.Time
}

// IsZero reports whether a filters nothing.
func (a Act) IsZero() bool { return a.By == "" && a.From == nil && a.To == nil }

// Within reports whether t lies in a's period.
func (a Act) Within(t time.Time) bool {
	return (a.From == nil || !t.Before(*a.From)) && (a.To == nil || !t.After(*a.To))
}

// DaysAct is the Act of by from the start of day from to the end of day
// to, Vietnam days (nil: open at that end).
func DaysAct(by string, from, to *Date) Act {
	a := Act{By: by}
	if from != nil {
		start := from.Midnight(Vietnam)
		a.From = &start
	}
	if to != nil {
		end := to.AddDays(1).Midnight(Vietnam).Add(-time.Nanosecond)
		a.To = &end
	}
	return a
}

// Reader is the read side of the repository.
type Reader interface {
	// Document returns the document with id, or ENOTFOUND.
	Document(ctx context.Context, id string) (*Document, error)
	// DocumentByExternalID returns the document received from the agency
	// sender (its org code) with an edXML DocumentId, or ENOTFOUND: the
	// first received under it (DeliveryKey ""). A DocumentId is unique
	// per sender, each agency's its own, but for the updates and
	// replacements sent under it (DocumentByDelivery).
	DocumentByExternalID(ctx context.Context, sender, externalID string) (*Document, error)
	// DocumentByDelivery returns the document received from sender with
	// an edXML DocumentId and a DeliveryKey, or ENOTFOUND.
	DocumentByDelivery(ctx context.Context, sender, externalID, key string) (*Document, error)
	// DocumentsByID returns the documents with ids, keyed by ID, in a few
	// statements whatever their number (a register's originals): an ID
	// that names no document is absent from the map, not an error; an ID
	// given twice is read once.
	DocumentsByID(ctx context.Context, ids []string) (map[string]*Document, error)
	// Documents lists documents matching f and the cursor of the next page
	// ("" when there is none).
	Documents(ctx context.Context, f DocumentFilter) ([]*Document, string, error)
	// CountDocuments counts the documents Documents lists for f, on every
	// page together: After and Limit are ignored, the visibility is the
	// same (ViewerID, SeeAll).
	CountDocuments(ctx context.Context, f DocumentFilter) (int, error)
	// Events returns a document's audit events in order.
	Events(ctx context.Context, documentID string) ([]Event, error)
	// RegisterEntries returns the documents numbered in a register in a
	// year, by number.
	RegisterEntries(ctx context.Context, kind RegisterKind, year int) ([]*Document, error)
	// WalkEvents calls fn for every audit event in sequence order.
	WalkEvents(ctx context.Context, fn func(Event) error) error
	// AuditHead returns the last event as recorded in the chain head (nil if none).
	AuditHead(ctx context.Context) (*Event, error)

	// User returns the user with id, or ENOTFOUND.
	User(ctx context.Context, id string) (*User, error)
	// UserByUsername returns the user, or ENOTFOUND.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// Users lists every user by username.
	Users(ctx context.Context) ([]*User, error)
	// Session returns the live session of a token hash, or ENOTFOUND.
	Session(ctx context.Context, tokenHash string) (*Session, error)
}

// AfterCommitter is implemented by a Tx that can run a function once its
// transaction has committed — never when it rolls back — for work that
// must see what the transaction wrote (waking the delivery worker).
type AfterCommitter interface {
	// AfterCommit registers fn to run after the outermost transaction
	// commits. fn must not block.
	AfterCommit(fn func())
}

// AfterCommit runs fn once tx has committed when tx can tell
// (AfterCommitter), else at once.
func AfterCommit(tx Tx, fn func()) {
	if ac, ok := tx.(AfterCommitter); ok {
		ac.AfterCommit(fn)
		return
	}
	fn()
}

// Tx is what one database transaction may do. Every change of a
// document happens inside one, together with its audit event.
type Tx interface {
	Reader
	// LockDocument returns the document, locked against concurrent
	// changes until the transaction ends. ENOTFOUND if missing.
	LockDocument(ctx context.Context, id string) (*Document, error)
	// CreateDocument inserts d.
	CreateDocument(ctx context.Context, d *Document) error
	// UpdateDocument writes d if the stored version is still prevVersion
	// (a guarded update); ECONFLICT otherwise.
	UpdateDocument(ctx context.Context, d *Document, prevVersion int) error
	// NextNumber takes the next number of a register in a year: 1 for the
	// first, gapless and unique among committed transactions.
	NextNumber(ctx context.Context, kind RegisterKind, year int) (int, error)
	// Reservations: numbers reserved by issues in progress (numbering.go).
	Reservations
	// AppendEvent chains e after the last event (see Chain) and stores it.
	AppendEvent(ctx context.Context, e *Event) error
	// CreateUser inserts u; ECONFLICT if the username is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser writes u.
	UpdateUser(ctx context.Context, u *User) error
	// CreateSession stores a login session.
	CreateSession(ctx context.Context, s *Session) error
	// EnqueueDelivery queues a message to a connected agency (the
	// transactional outbox); it is sent after the transaction commits.
	EnqueueDelivery(ctx context.Context, d *Delivery) error
	// FinishIdempotent completes an idempotency key (idempotency.go).
	IdempotencyFinisher
}

// DocumentAdopter is a Tx that can change a document read outside it
// without reading it again: the guarded update (UpdateDocument or
// UpdateAndAppend from d.Version) is then its only check — ECONFLICT when
// the row moved past that version meanwhile, ENOTFOUND when it is gone —
// and the row lock is the update's own. Every change of a document
// changes its version, so a row still at d.Version holds what d was read
// with: AdoptDocument tells the transaction so, and the update writes
// what it changes only (the files it adds need a check, the report it
// keeps is not written again), as after LockDocument.
type DocumentAdopter interface {
	AdoptDocument(d *Document) error
}

// UpdateAppender is a Tx that makes UpdateDocument and then AppendEvent
// in one go (on PostgreSQL one statement, one round trip, when the chain
// head is the one the instance last saw): the same effects and the same
// errors as the two calls in turn — ECONFLICT or ENOTFOUND from the
// update leave the chain untouched.
type UpdateAppender interface {
	UpdateAndAppend(ctx context.Context, d *Document, prevVersion int, e *Event) error
}

// updateAndAppend writes d as UpdateDocument does and appends e, in one
// go when tx can (UpdateAppender).
func updateAndAppend(ctx context.Context, tx Tx, d *Document, prevVersion int, e *Event) error {
	if ua, ok := tx.(UpdateAppender); ok {
		return ua.UpdateAndAppend(ctx, d, prevVersion, e)
	}
	if err := tx.UpdateDocument(context.WithValue(ctx, lastWriteKey{}, false), d, prevVersion); err != nil {
		return err
	}
	return tx.AppendEvent(ctx, e)
}

// lastWriteKey marks the context of a transaction's last write.
type lastWriteKey struct{}

// WithLastWrite marks ctx for the last write of the transaction that ctx
// carries: the function given to Atomic returns nil as soon as that
// write succeeds, and writes nothing after it.
func WithLastWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, lastWriteKey{}, true)
}

// LastWrite reports whether ctx carries a transaction's last write
// (UpdateAndAppend, CreateAndAppend, CreateReservation called by the
// Service as the last act of its Atomic function): a repository may
// commit with it, in the same round trip, when nothing encloses the
// transaction. An error of that write, the commit's included, is
// returned by the write itself.
func LastWrite(ctx context.Context) bool {
	v, _ := ctx.Value(lastWriteKey{}).(bool)
	return v
}

// CreateAppender is a Tx that makes CreateDocument and then AppendEvent
// of each event in one go (on PostgreSQL one statement when the chain
// head is the one the instance last saw), with the same effects and
// errors as those calls in turn.
type CreateAppender interface {
	CreateAndAppend(ctx context.Context, d *Document, events []*Event) error
}

// createAndAppend inserts d as CreateDocument does and appends events, in
// one go when tx can (CreateAppender).
func createAndAppend(ctx context.Context, tx Tx, d *Document, events []*Event) error {
	if ca, ok := tx.(CreateAppender); ok {
		return ca.CreateAndAppend(ctx, d, events)
	}
	last := ctx
	ctx = context.WithValue(ctx, lastWriteKey{}, false) // the writes before the last
	if len(events) == 0 {
		ctx = last
	}
	if err := tx.CreateDocument(ctx, d); err != nil {
		return err
	}
	for i, e := range events {
		if i == len(events)-1 {
			ctx = last
		}
		if err := tx.AppendEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// Snapshotter is a store whose reads can share one consistent view of
// the database: storage/gormdb's DB and archive index implement it.
type Snapshotter interface {
	// Snapshot runs fn with a ctx whose reads through the store (and
	// the stores sharing its database) all see the database as it was at
	// one moment: one read-only transaction. fn must not write. fn's
	// error is returned as it is.
	Snapshot(ctx context.Context, fn func(ctx context.Context) error) error
}

// InSnapshot runs fn in one snapshot of store when it is a Snapshotter,
// else with ctx as it is (reads one after the other).
func InSnapshot(ctx context.Context, store any, fn func(ctx context.Context) error) error {
	if sn, ok := store.(Snapshotter); ok {
		return sn.Snapshot(ctx, fn)
	}
	return fn(ctx)
}

// Repository is the system of record. storage/gormdb implements it on
// SQLite and PostgreSQL.
type Repository interface {
	Reader
	// Atomic runs fn in one transaction: all of fn's writes commit
	// together, or none if fn returns an error (which Atomic returns).
	Atomic(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// The idempotency keys of creating requests (idempotency.go).
	IdempotencyKeys
}

// Verification is the validation report of a PDF's signatures.
type Verification struct {
	Verdict string   // "valid", "invalid", "indeterminate", "unsigned"
	Reasons []string // human-readable
	Report  []byte   // the full report, JSON
	// Unavailable: the verdict is indeterminate only because a revocation
	// service did not answer, so asking again later may give another.
	// Not stored: it speaks for the moment of the verification.
	Unavailable bool `json:",omitempty"`
}

// Verdicts.
const (
	VerdictValid         = "valid"
	VerdictInvalid       = "invalid"
	VerdictIndeterminate = "indeterminate"
	VerdictUnsigned      = "unsigned"
)

// Signer applies the two signature layers of Decree 30 and verifies
// signed PDFs. signing.Service implements it.
type Signer interface {
	// SignOfficial applies layer 1: signer's personal approval signature
	// with their signature image. EUNAVAILABLE if the key cannot be used,
	// EUNPROCESSABLE if the PDF cannot be signed without losing content.
	SignOfficial(ctx context.Context, d *Document, signer *User, pdf []byte) ([]byte, error)
	// SignAgency writes d.Notation and the date of issue on page 1 and
	// applies layer 2, the agency signature with its seal, to a PDF that
	// carries a valid layer 1 (EINVALID otherwise).
	SignAgency(ctx context.Context, d *Document, pdf []byte) ([]byte, error)
	// SignAttachment applies the agency signature to an attachment file.
	SignAttachment(ctx context.Context, d *Document, pdf []byte) ([]byte, error)
	// Verify validates every signature of pdf.
	Verify(ctx context.Context, pdf []byte) (Verification, error)
}

// OwnLayer1 names the layer-1 file an issue hands to layer 2: SHA256 is
// the document's record of it, a signed version (FileSigned), which only
// the workflow's sign makes, of SignOfficial's output; the bytes handed
// with it were read from storage with that hash checked (Files.Read).
type OwnLayer1 struct{ SHA256 string }

// OwnLayer1Signer is implemented by Signers that take layer 1 as this
// system's own: SignAgencyOwn is SignAgency of pdf which, when pdf's
// SHA-256 is own's, does not run the intake's precheck on pdf again as it
// does on bytes from elsewhere. Only the issue calls it, with the file it
// read.
type OwnLayer1Signer interface {
	SignAgencyOwn(ctx context.Context, d *Document, pdf []byte, own OwnLayer1) ([]byte, error)
}

// DocumentVerifier is implemented by Signers that also check a
// document's own rules, e.g. that an issued outgoing document carries
// both layers in order. The service prefers it to Signer.Verify.
type DocumentVerifier interface {
	VerifyDocument(ctx context.Context, d *Document, pdf []byte) (Verification, error)
}

// PDFInspector checks that uploaded content is a usable PDF:
// EUNSUPPORTEDMEDIA if it is not a PDF at all, EUNPROCESSABLE if it is
// encrypted or cannot be parsed.
type PDFInspector interface {
	InspectPDF(ctx context.Context, r io.ReaderAt, size int64) error
}

// ArchivedRecord says where and until when a record was archived.
type ArchivedRecord struct {
	Key         string    // the record's key (prefix) in the archive store
	RetainUntil time.Time // write-once until then
	// Objects are the record's objects, stored, that the index does not
	// list yet (RecordWriter): the transaction that archives the document
	// records them (ArchiveObjectWriter). Nil when the archiver did.
	Objects []ArchiveObject
}

// Archiver writes a document's archival record: its files exactly as
// stored, metadata, validation report and audit events, write-once until
// the retention date. It must be idempotent: a retry after a crash writes
// nothing twice. EUNAVAILABLE when the archive store is down.
type Archiver interface {
	ArchiveRecord(ctx context.Context, d *Document, events []Event) (ArchivedRecord, error)
}

// RecordWriter is an Archiver that can leave the index's rows of a
// record's objects to the transaction that archives the document: WriteRecord
// is ArchiveRecord, except that the objects it returns in
// ArchivedRecord.Objects are stored but not yet listed by the index;
// signer is d's signer as read with d (ArchiveReader), nil: the archiver
// reads it. The
// service prefers it, and records the objects it returns in its
// transaction (the repository's Tx must then be an ArchiveObjectWriter;
// the archiver returns them only when its index is on the repository's
// database): they are listed with the document archived, or, when that
// transaction fails, on their own after it.
type RecordWriter interface {
	WriteRecord(ctx context.Context, d *Document, events []Event, signer *User) (ArchivedRecord, error)
}

// ArchiveReader is a Reader that reads what archiving a document needs
// at once (on PostgreSQL in one round trip): the document, its audit
// trail in sequence order, and its signer (nil when it has none, or no
// such user). ENOTFOUND when the document does not exist.
type ArchiveReader interface {
	DocumentForArchive(ctx context.Context, id string) (*Document, []Event, *User, error)
}

// ArchiveObjectWriter is a Repository, and its Tx, that records archived
// objects in the archive index (the archive's Index on the same
// database): in a Tx, they commit with the transaction, or not at all.
// Rows with the same keys are replaced.
type ArchiveObjectWriter interface {
	PutArchiveObjects(ctx context.Context, docID string, objs []ArchiveObject) error
}

// DeliveryKind says what a delivery carries.
type DeliveryKind string

const (
	DeliverDocument DeliveryKind = "document" // an issued document to a recipient (edXML envelope)
	DeliverStatus   DeliveryKind = "status"   // a status message about a received document, to its sender
)

// DeliveryState is where a delivery stands.
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered" // the peer acknowledged it
	DeliveryFailed    DeliveryState = "failed"    // refused by the peer for good (not retried)
)

// Delivery is one message to a connected agency, queued in the
// transaction of the change that causes it and delivered, with retries,
// by the exchange worker.
type Delivery struct {
	ID          string
	DocumentID  string
	Kind        DeliveryKind
	OrgID       string // the recipient agency
	OrgName     string
	StatusCode  string // status messages: 01..16
	Description string // status messages: e.g. the reason of a rejection
	State       DeliveryState
	Attempts    int
	NextAttempt time.Time
	LastError   string
	// LastStatus is where the recipient's processing of the document
	// stands (document deliveries), as its status messages said, with
	// the time it gave: the furthest stage it reported (01 arrived < 03
	// accepted < 04 assigned < 05 in progress < 06 completed; the later
	// of two of the same stage), whatever their times; or 02, refused,
	// which stays until a re-send (ResendDelivery) — a refusal from before
	// the re-send has no time, and the recipient's next answer replaces
	// it. The answers to a revocation or an update (13, 15, 16) are among
	// its statuses, not here.
	LastStatus   string
	LastStatusAt *time.Time
	// DealtAt is when a clerk marked the delivery, failed for good or
	// refused, dealt with (Đã xử lý: DealDelivery, or the inbox's mark of
	// its document's refusals); nil otherwise. A re-send or a new refusal
	// takes the mark off.
	DealtAt   *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Outbox decides what the exchange sends when documents change; it runs
// inside their transactions and queues with Tx.EnqueueDelivery.
type Outbox interface {
	// Transitioned runs after the effects of every transition: on send it
	// queues the document for each recipient, on request_revoke of an
	// outgoing document a revocation for each; on a received document's
	// register/assign/start/complete/reject (also on receipt) and on the
	// revocation actions it queues a status message to the sender
	// (02 with RejectReason, 13, 15, 16 with RevokeAnswer).
	Transitioned(ctx context.Context, tx Tx, d *Document, t Transition, ev *Event) error
	// Received runs when a document arrives over the exchange and stays at
	// received (status 01).
	Received(ctx context.Context, tx Tx, d *Document) error
}

// SignableChecker is implemented by inspectors that can tell, at upload,
// whether an outgoing document could be signed without losing content and
// then issued (EUNPROCESSABLE otherwise: forms, XFA, damaged
// cross-references, a signature already there).
type SignableChecker interface {
	CheckSignable(ctx context.Context, r io.ReaderAt, size int64) error
}

// PDFInspectorFunc adapts a function to PDFInspector.
type PDFInspectorFunc func(ctx context.Context, r io.ReaderAt, size int64) error

// InspectPDF implements PDFInspector.
func (f PDFInspectorFunc) InspectPDF(ctx context.Context, r io.ReaderAt, size int64) error {
	return f(ctx, r, size)
}

// LayoutDetector is implemented by inspectors that find where a draft's
// own template puts the number, the date and the signature block (the
// anchors of Decree 30's Appendix I in its text). The layout's boxes are
// nil where nothing was found (the default positions), and its Notes say
// why. signer (nil: not known) is who will sign: of several signature
// blocks (a joint document), the one with the signer's name or title is
// chosen. EUNPROCESSABLE when the PDF's text cannot be read.
type LayoutDetector interface {
	DetectLayout(ctx context.Context, r io.ReaderAt, size int64, signer *User) (*Layout, error)
}

// LayoutChecker is implemented by inspectors that can tell whether a
// layout's boxes lie on the pages of a PDF: EINVALID for a box on a page
// the document does not have, or wholly outside its page (where signing
// would refuse it); EUNPROCESSABLE when the PDF cannot be read.
type LayoutChecker interface {
	CheckLayout(ctx context.Context, r io.ReaderAt, size int64, l *Layout) error
}
