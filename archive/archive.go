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
//	metadata.json              every document and register field, signers, hashes, retention,
//	                           the validation report and the audit events with their chain hashes
//	evidence/NNNN-*            the archive time-stamp chain, added later (evidence.go)
//
// metadata.json carries the report and the trail (a record costs the
// store one object fewer each: its cost is per object) and records the
// SHA-256 of the files they are served and exported as, verification.json
// and events.json (Metadata.Part, parts.go). Records written before it did
// (MetadataFormatSplit) have those two as objects of their own; every
// reader takes both layouts.
//
// The objects of a record are written at once (one round trip to the
// store), after the record's row (Index.StartRecord, which fixes its date
// and trail for every attempt). The record is complete when the index
// lists its objects, which it does only once all of them are stored (in
// the archive action, in the transaction that archives the document:
// WriteRecord); in the store alone, when every object metadata.json
// names is there with the SHA-256 it gives.
//
// The database side (the record, each object's SHA-256 and S3 version,
// search fields) is the Index, which storage/gormdb implements.
package archive

import (
	"context"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Record, Evidence, Object and Query are the archive's records, their
// time-stamp chains, objects and searches; the types live in workflow,
// which the index's implementation (storage/gormdb) shares with this
// package.
type (
	Record   = workflow.ArchiveRecord
	Evidence = workflow.ArchiveEvidence
	Object   = workflow.ArchiveObject
	Query    = workflow.ArchiveQuery
)

// TxIndex is an Index whose object rows the transactions of a workflow
// repository can write (workflow.ArchiveObjectWriter): storage/gormdb's,
// for the repository on its database. WriteRecord then leaves a record's
// object rows to the transaction that archives the document.
type TxIndex interface {
	Index
	// WrittenIn reports whether repo's transactions write this index's
	// object rows.
	WrittenIn(repo workflow.Repository) bool
}

// Index is the database side of the archive. storage/gormdb implements it.
type Index interface {
	// Record returns the record of a document (with its objects), or
	// ENOTFOUND.
	Record(ctx context.Context, docID string) (*Record, error)
	// StartRecord stores r (without objects) as the document's record
	// about to be written, replacing a record of another version, and
	// returns it; when the document's record already has r's key (an
	// earlier or a concurrent attempt at the same version) it stores
	// nothing and returns that record, whose archive date, retention and
	// trail every attempt then writes. ECONFLICT when the record moved to
	// another version meanwhile.
	StartRecord(ctx context.Context, r *Record) (*Record, error)
	// PutObjects stores the objects of docID's record, replacing rows
	// with the same keys; the record itself is left as it is.
	PutObjects(ctx context.Context, docID string, objs []Object) error
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
	// Count counts the records Search finds for q on all its pages
	// (q.After and q.Limit do not matter), with the same visibility.
	Count(ctx context.Context, q Query) (int, error)
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
