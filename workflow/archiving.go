package workflow

import "time"

// The archive's records as the archive service (package archive) and its
// index (storage/gormdb) both see them; archive names them Record,
// Evidence, Object and Query.

// ArchiveRecord is one archived document's record as the index keeps it.
type ArchiveRecord struct {
	DocumentID  string
	Version     int    // the document's version when archived
	Key         string // prefix of its objects, ending in "/"
	Class       string // retention class
	ArchivedAt  time.Time
	RetainUntil time.Time
	LegalHold   bool
	// EventsThrough is the Seq of the last audit event in the record's
	// trail (in its metadata.json, or events.json in older records), fixed by the attempt that started the record, so that
	// every later or concurrent attempt at the same version writes the
	// same trail (a comment adds an event without a new version); 0: no
	// events, or a record started before it was kept.
	EventsThrough int64

	// Search fields, copied from the document.
	Direction       Direction
	Type            DocType
	Subject         string
	Number          int
	Year            int
	Notation        string
	DocDate         *Date // date of the document: of issue (in Vietnam), or the sender's date
	SignerID        string
	SignerName      string
	Orgs            []Org // sender and recipients
	Confidentiality Confidentiality
	CreatedBy       string
	AssigneeID      string

	// Evidence is the record's archive time-stamp chain (archive/evidence.go).
	Evidence ArchiveEvidence

	Objects []ArchiveObject // in key order
}

// ArchiveEvidence is the state of a record's archive time-stamp chain.
type ArchiveEvidence struct {
	Count      int       // time-stamps in the chain (0: none yet)
	Time       time.Time // the newest one's time
	ValidUntil time.Time // the earliest expiry of the newest one's TSA certificate path
	RenewAt    time.Time // when it is due for renewal (see archive.Service.RenewBefore)
}

// ArchiveObject is one archived object with what fixity checks against.
type ArchiveObject struct {
	Key         string
	DocumentID  string
	Name        string // path within the record ("document.pdf", "attachments/01-x.pdf")
	Size        int64
	SHA256      string
	VersionID   string // S3 version ("" on the local folder)
	RetainUntil time.Time
	LegalHold   bool
}

// ArchiveQuery selects archived records. Words of Q must all occur in the
// subject (accent-insensitive); the other fields filter exactly, except
// Notation, Signer and Org which match a part, accent-insensitive.
type ArchiveQuery struct {
	Q        string
	Type     DocType
	From, To *Date // document date range, inclusive
	Number   int
	Notation string
	Signer   string // signer's name or user id
	Org      string // sender or recipient: organisation code or name
	Class    string // retention class ("permanent", "10y", ...), exactly
	After    string // cursor: the last document ID of the previous page
	Limit    int
	// Visibility as CanSee: classified records only where
	// ViewerID is signer, assignee or creator, unless SeeAll.
	ViewerID string
	SeeAll   bool
}
