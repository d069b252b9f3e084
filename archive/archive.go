// Package archive is the district repository (docs/archive.md): it writes a
// document's archival record — its files exactly as stored, metadata,
// validation report and audit events — write-once into the archive store
// (an S3 bucket with object lock, or a local folder) until the date its
// retention class gives; it sets legal holds, re-verifies every object
// (fixity), exports records as BagIt packages and searches them.
//
// Objects live under records/{docID}/v{version}/, where version is the
// document's version when it was archived:
//
//	document.pdf               the principal file (signed PDF), byte for byte
//	attachments/NN-name        attachments (for issued documents: their signed copies)
//	verification.json          the validation report (when the document has one)
//	events.json                the document's audit events
//	metadata.json              every document and register field, signers, hashes, retention; written last
//	evidence/NNNN-*            the archive time-stamp chain, added later (evidence.go)
//
// The database side (the record, each object's SHA-256 and S3 version,
// search fields) is the Index, which storage/gormdb implements.
package archive

import (
	"context"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Record is one archived document's record as the index keeps it.
type Record struct {
	DocumentID  string
	Version     int    // the document's version when archived
	Key         string // prefix of its objects, ending in "/"
	Class       string // retention class
	ArchivedAt  time.Time
	RetainUntil time.Time
	LegalHold   bool

	// Search fields, copied from the document.
	Direction       workflow.Direction
	Type            workflow.DocType
	Subject         string
	Number          int
	Year            int
	Notation        string
	DocDate         *workflow.Date // date of the document: of issue (in Vietnam), or the sender's date
	SignerID        string
	SignerName      string
	Orgs            []workflow.Org // sender and recipients
	Confidentiality workflow.Confidentiality
	CreatedBy       string
	AssigneeID      string

	// Evidence is the record's archive time-stamp chain (evidence.go).
	Evidence Evidence

	Objects []Object // in key order
}

// Evidence is the state of a record's archive time-stamp chain.
type Evidence struct {
	Count      int       // time-stamps in the chain (0: none yet)
	Time       time.Time // the newest one's time
	ValidUntil time.Time // the earliest expiry of the newest one's TSA certificate path
	RenewAt    time.Time // when it is due for renewal (see Service.RenewBefore)
}

// Object is one archived object with what fixity checks against.
type Object struct {
	Key         string
	DocumentID  string
	Name        string // path within the record ("document.pdf", "attachments/01-x.pdf")
	Size        int64
	SHA256      string
	VersionID   string // S3 version ("" on the local folder)
	RetainUntil time.Time
	LegalHold   bool
}

// Query selects archived records. Words of Q must all occur in the
// subject (accent-insensitive); the other fields filter exactly, except
// Notation, Signer and Org which match a part, accent-insensitive.
type Query struct {
	Q        string
	Type     workflow.DocType
	From, To *workflow.Date // document date range, inclusive
	Number   int
	Notation string
	Signer   string // signer's name or user id
	Org      string // sender or recipient: organisation code or name
	After    string // cursor: the last document ID of the previous page
	Limit    int
	// Visibility as workflow.CanSee: classified records only where
	// ViewerID is signer, assignee or creator, unless SeeAll.
	ViewerID string
	SeeAll   bool
}

// Index is the database side of the archive. storage/gormdb implements it.
type Index interface {
	// Record returns the record of a document (with its objects), or
	// ENOTFOUND.
	Record(ctx context.Context, docID string) (*Record, error)
	// PutRecord stores r and its objects, replacing the document's
	// earlier record row and any object rows with the same keys.
	PutRecord(ctx context.Context, r *Record) error
	// SetLegalHold records the legal hold of a record and its objects.
	SetLegalHold(ctx context.Context, docID string, on bool) error
	// ObjectStats counts the recorded objects and their bytes.
	ObjectStats(ctx context.Context) (objects, bytes int64, err error)
	// WalkObjects calls fn for every recorded object in key order,
	// stopping at fn's first error (returned as is).
	WalkObjects(ctx context.Context, fn func(Object) error) error
	// Search returns the records matching q whose document is archived,
	// newest document first, and the cursor of the next page ("" if none).
	Search(ctx context.Context, q Query) ([]*Record, string, error)
	// Imported returns the document ID a file with this SHA-256 was
	// imported as, or "" when it was not.
	Imported(ctx context.Context, sha256 string) (string, error)
	// MarkImported records that a file was imported as docID.
	MarkImported(ctx context.Context, sha256, docID, name string) error
	// AddEvidence records the record at key's next archive time-stamp:
	// its objects and the chain's new state ev (ev.Count = the new
	// length) when the record has exactly ev.Count-1 time-stamps;
	// ECONFLICT otherwise (another instance added it), nothing changed.
	AddEvidence(ctx context.Context, docID, key string, ev Evidence, objs []Object) error
	// EvidenceDue returns up to limit document IDs after the cursor, in
	// order, of archived records still retained at now that have no
	// archive time-stamp, or whose renewal date has come while they are
	// kept longer than their newest time-stamp is verifiable.
	EvidenceDue(ctx context.Context, now time.Time, after string, limit int) ([]string, error)
}
