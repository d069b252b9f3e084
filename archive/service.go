package archive

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Service writes, holds, checks, exports and searches archival records.
// It implements workflow.Archiver.
type Service struct {
	Work     workflow.Blobs      // the work store: where documents' files are
	Store    workflow.Blobs      // the archive store (object lock / read-only files)
	Index    Index               // the database side
	Repo     workflow.Repository // documents, users, audit
	Docs     LegalHolder         // records legal holds on documents (workflow.Service)
	Defaults Defaults            // retention class per type
	// Retain gives the retain-until date of a class from the archive date;
	// RetainUntil by default. Tests inject short periods.
	Retain func(class string, archivedAt time.Time) (time.Time, error)
	Now    func() time.Time
	Logger *slog.Logger
	// Org names the agency in BagIt packages.
	Org workflow.Agency

	// Evidence renewal (evidence.go). Stamper is the time-stamp
	// authority (nil: no renewal); TrustRoots the anchors its
	// certificates must chain to; VerifyDocument re-validates the
	// principal file at the first archive time-stamp's time (nil: not
	// re-validated); RenewBefore how long before the newest time-stamp's
	// certificate expires a record is renewed (DefaultRenewBefore when zero).
	Stamper        Stamper
	TrustRoots     func() *x509.CertPool
	VerifyDocument DocumentVerifier
	RenewBefore    Period
	// FetchRevocation gets, at each renewal, the revocation data of the
	// previous time-stamp's TSA certificate, kept under the new one;
	// CheckRevocation verifies it at verification. Nil: not kept / not
	// checked (the report says so).
	FetchRevocation RevocationFetcher
	CheckRevocation RevocationChecker
}

var _ workflow.Archiver = (*Service)(nil)

// LegalHolder turns a document's legal hold on or off with its audit
// event (workflow.Service.SetLegalHold).
type LegalHolder interface {
	SetLegalHold(ctx context.Context, actor *workflow.User, docID string, on bool, comment string, data map[string]string) (*workflow.Document, error)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) retain(class string, at time.Time) (time.Time, error) {
	if s.Retain != nil {
		return s.Retain(class, at)
	}
	return RetainUntil(class, at)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Prefix is the key prefix of a document's record at a version.
func Prefix(docID string, version int) string {
	return fmt.Sprintf("records/%s/v%d/", docID, version)
}

// Names of the record's fixed objects.
const (
	NameDocument     = "document.pdf"
	NameMetadata     = "metadata.json"
	NameVerification = "verification.json"
	NameEvents       = "events.json"
)

// ArchiveRecord implements workflow.Archiver: it writes d's record into
// the archive store and the index. Idempotent: the archive date of a
// first attempt is kept in the index before anything is written, so a
// retry (after a crash or an outage) writes byte-identical objects with
// the same retention, which the stores accept as no-ops, and an existing
// metadata.json — written last — is reused as is. A store outage is
// EUNAVAILABLE; nothing about the document changes then.
func (s *Service) ArchiveRecord(ctx context.Context, d *workflow.Document, events []workflow.Event) (workflow.ArchivedRecord, error) {
	if s.Store == nil || s.Index == nil {
		return workflow.ArchivedRecord{}, workflow.Errorf(workflow.EUNAVAILABLE, "the archive is not configured on this server")
	}
	prefix := Prefix(d.ID, d.Version)
	rec, err := s.pendingRecord(ctx, d, prefix)
	if err != nil {
		return workflow.ArchivedRecord{}, err
	}
	objs, err := s.writeRecord(ctx, d, events, rec)
	if err != nil {
		return workflow.ArchivedRecord{}, err
	}
	rec.Objects = objs
	if err := s.Index.PutRecord(ctx, rec); err != nil {
		return workflow.ArchivedRecord{}, fmt.Errorf("index archived record of %s: %w", d.ID, err)
	}
	s.logger().InfoContext(ctx, "record archived", "doc_id", d.ID, "record", prefix, "class", rec.Class,
		"retain_until", rec.RetainUntil.Format(time.RFC3339), "objects", len(objs))
	return workflow.ArchivedRecord{Key: prefix, RetainUntil: rec.RetainUntil}, nil
}

// pendingRecord returns the record of an earlier attempt at the same
// document version, or stores a new one (without objects) dated now.
func (s *Service) pendingRecord(ctx context.Context, d *workflow.Document, prefix string) (*Record, error) {
	prev, err := s.Index.Record(ctx, d.ID)
	switch {
	case err == nil && prev.Key == prefix:
		r := recordOf(d, prefix)
		r.Class, r.ArchivedAt, r.RetainUntil, r.SignerName = prev.Class, prev.ArchivedAt, prev.RetainUntil, prev.SignerName
		return r, nil
	case err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND:
		return nil, fmt.Errorf("archived record of %s: %w", d.ID, err)
	}
	r := recordOf(d, prefix)
	r.Class = s.Defaults.Class(d)
	if !ValidClass(r.Class) {
		return nil, workflow.Errorf(workflow.EINVALID, "document %s has unknown retention class %q", d.ID, r.Class)
	}
	r.ArchivedAt = s.now().UTC().Truncate(time.Second)
	if r.RetainUntil, err = s.retain(r.Class, r.ArchivedAt); err != nil {
		return nil, err
	}
	if d.SignerID != "" && s.Repo != nil {
		if u, err := s.Repo.User(ctx, d.SignerID); err == nil {
			r.SignerName = u.FullName
		}
	}
	if err := s.Index.PutRecord(ctx, r); err != nil {
		return nil, fmt.Errorf("index archived record of %s: %w", d.ID, err)
	}
	return r, nil
}

// recordOf copies d's search fields into a record.
func recordOf(d *workflow.Document, prefix string) *Record {
	r := &Record{
		DocumentID: d.ID, Version: d.Version, Key: prefix,
		Direction: d.Direction, Type: d.Type, Subject: d.Subject, Number: d.Number, Year: d.Year, Notation: d.Notation,
		SignerID: d.SignerID, Confidentiality: d.Confidentiality, CreatedBy: d.CreatedBy, AssigneeID: d.AssigneeID,
		LegalHold: d.LegalHold,
	}
	if r.Notation == "" {
		r.Notation = d.OriginalNumber // incoming: the sender's số/ký hiệu
	}
	var day workflow.Date
	switch {
	case d.IssuedAt != nil:
		day = workflow.VietnamDate(*d.IssuedAt)
	case d.OriginalDate != nil:
		day = *d.OriginalDate
	case d.RegisteredAt != nil:
		day = workflow.VietnamDate(*d.RegisteredAt)
	default:
		day = workflow.VietnamDate(d.CreatedAt)
	}
	r.DocDate = &day
	if d.Sender != nil {
		r.Orgs = append(r.Orgs, *d.Sender)
	}
	r.Orgs = append(r.Orgs, d.Recipients...)
	return r
}

// recordFiles returns the document's files that belong in the record and
// their names there: the principal file, then the attachments (for an
// issued document, the signed copies made at issue).
func recordFiles(d *workflow.Document) []namedFile {
	var out []namedFile
	if m, ok := d.MainFile(); ok {
		out = append(out, namedFile{NameDocument, m})
	}
	var atts []workflow.File
	for _, f := range d.Files {
		if f.Kind == workflow.FileAttachment {
			atts = append(atts, f)
		}
	}
	if d.Direction == workflow.Outgoing && d.IssuedAt != nil {
		var signed []workflow.File
		for _, f := range atts {
			if !f.CreatedAt.Before(d.IssuedAt.Truncate(time.Microsecond)) {
				signed = append(signed, f)
			}
		}
		if len(signed) > 0 {
			atts = signed
		}
	}
	for i, f := range atts {
		out = append(out, namedFile{fmt.Sprintf("attachments/%02d-%s", i+1, safeName(f.Name)), f})
	}
	return out
}

type namedFile struct {
	name string
	f    workflow.File
}

// safeName makes a file name safe for object keys and zip paths: lower
// ASCII letters, digits, '.', '-' and '_' (diacritics removed).
func safeName(name string) string {
	var b strings.Builder
	for _, r := range fold(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	out := strings.Trim(b.String(), "-.")
	if out == "" {
		out = "file"
	}
	if len(out) > 100 {
		out = out[len(out)-100:]
	}
	return out
}

// writeRecord writes every object of the record, metadata.json last: the
// files, the validation report and the events concurrently, then
// metadata.json once all of them are stored. Each object is one
// conditional PUT carrying its retention (no Stat before, no retention
// call after).
func (s *Service) writeRecord(ctx context.Context, d *workflow.Document, events []workflow.Event, rec *Record) ([]Object, error) {
	opts := workflow.PutOptions{RetainUntil: rec.RetainUntil, LegalHold: rec.LegalHold}
	parts, md, err := s.recordParts(ctx, d, events, rec)
	if err != nil {
		return nil, err
	}
	objs := make([]Object, len(parts))
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	for i, p := range parts {
		wg.Go(func() {
			var oi workflow.ObjectInfo
			var err error
			if p.file != nil {
				oi, err = s.copyFile(ctx, rec.Key+p.name, *p.file, opts)
			} else {
				oi, err = s.putBytes(ctx, rec.Key+p.name, p.data, "application/json", opts)
			}
			if err != nil {
				errMu.Lock()
				firstErr = cmp.Or(firstErr, err)
				errMu.Unlock()
				return
			}
			objs[i] = objectOf(d.ID, p.name, oi)
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	moi, err := s.putMetadata(ctx, rec.Key+NameMetadata, md, opts)
	if err != nil {
		return nil, err
	}
	return append(objs, objectOf(d.ID, NameMetadata, moi)), nil
}

// part is an object of a record other than metadata.json: a document's
// file copied from the work store, or bytes made here.
type part struct {
	name string
	file *workflow.File // copied from the work store, or
	data []byte         // these bytes (JSON)
}

// recordParts returns the record's objects but metadata.json, in the
// record's order (files, [verification], events), and the metadata that
// describes them.
func (s *Service) recordParts(ctx context.Context, d *workflow.Document, events []workflow.Event, rec *Record) ([]part, *Metadata, error) {
	nfs := recordFiles(d)
	parts := make([]part, 0, len(nfs)+2)
	files := make([]FileMeta, len(nfs))
	for i, nf := range nfs {
		files[i] = FileMeta{Name: nf.name, OriginalName: nf.f.Name, Kind: string(nf.f.Kind),
			SHA256: nf.f.SHA256, Size: nf.f.Size, CreatedAt: nf.f.CreatedAt.UTC()}
		parts = append(parts, part{name: nf.name, file: &nf.f})
	}
	var verif *VerificationMeta
	if v := d.Verification; v != nil {
		vb := v.Report
		if len(vb) == 0 {
			vb, _ = json.MarshalIndent(map[string]any{"verdict": v.Verdict, "reasons": v.Reasons}, "", "  ")
		}
		verif = &VerificationMeta{Verdict: v.Verdict, Reasons: v.Reasons, File: NameVerification, SHA256: hexSum(vb)}
		parts = append(parts, part{name: NameVerification, data: vb})
	}
	eb, err := json.MarshalIndent(eventsJSON(events), "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("encode events of %s: %w", d.ID, err)
	}
	parts = append(parts, part{name: NameEvents, data: eb})
	evMeta := EventsMeta{File: NameEvents, SHA256: hexSum(eb), Count: len(events)}
	if n := len(events); n > 0 {
		evMeta.FirstSeq, evMeta.LastSeq, evMeta.LastHash = events[0].Seq, events[n-1].Seq, events[n-1].Hash
	}
	return parts, s.metadata(ctx, d, rec, files, verif, evMeta), nil
}

// putMetadata writes metadata.json, the record's last object: when it
// exists, the record is complete. An existing one with other content
// (from an attempt that crashed before its state change committed, since
// when the signer's title changed, say) is kept as is: the conditional
// PUT refuses to replace it, and only then is it looked up.
func (s *Service) putMetadata(ctx context.Context, key string, md *Metadata, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	mb, err := json.MarshalIndent(md, "", "  ")
	if err != nil {
		return workflow.ObjectInfo{}, fmt.Errorf("encode metadata of %s: %w", md.DocumentID, err)
	}
	oi, err := s.putBytes(ctx, key, append(mb, '\n'), "application/json", opts)
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		if oi, err = s.Store.Stat(ctx, key); err != nil {
			return workflow.ObjectInfo{}, storeErr(err, "archive store: check %s", key)
		}
	}
	return oi, err
}

// objectOf is the index's row of a stored object of docID's record.
func objectOf(docID, name string, oi workflow.ObjectInfo) Object {
	return Object{Key: oi.Key, DocumentID: docID, Name: name, Size: oi.Size, SHA256: oi.SHA256,
		VersionID: oi.VersionID, RetainUntil: oi.RetainUntil, LegalHold: oi.LegalHold}
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// copyFile streams a file from the work store into the archive store;
// both stores verify its SHA-256 (the archive store refuses content that
// does not match).
func (s *Service) copyFile(ctx context.Context, key string, f workflow.File, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	// No Stat first: Put answers an object an earlier attempt wrote with
	// the same content as a success, in the same round trip.
	if s.Work == nil {
		return workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "no work store to copy %s from", f.Name)
	}
	rc, _, err := s.Work.Get(ctx, workflow.BlobKey(f.SHA256))
	if err != nil {
		// Gone from the work store: an earlier attempt may have archived it.
		if oi, serr := s.Store.Stat(ctx, key); serr == nil && oi.SHA256 == f.SHA256 && oi.Size == f.Size {
			return oi, nil
		}
		return workflow.ObjectInfo{}, storeErr(err, "read %q from the work store", f.Name)
	}
	defer rc.Close()
	oi, err := s.Store.Put(ctx, key, rc, f.Size, f.SHA256, withType(opts, "application/pdf"))
	if err != nil {
		if errors.Is(err, workflow.ErrDigestMismatch) {
			return workflow.ObjectInfo{}, workflow.Wrap(workflow.EINTERNAL, err, "file %q in the work store does not match its SHA-256: storage corruption", f.Name)
		}
		return workflow.ObjectInfo{}, storeErr(err, "archive store: write %s", key)
	}
	return oi, nil
}

func withType(o workflow.PutOptions, ct string) workflow.PutOptions {
	o.ContentType = ct
	return o
}

func (s *Service) putBytes(ctx context.Context, key string, b []byte, ct string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	oi, err := s.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), hexSum(b), withType(opts, ct))
	if err != nil {
		return workflow.ObjectInfo{}, storeErr(err, "archive store: write %s", key)
	}
	return oi, nil
}

// storeErr wraps a store error; an outage stays EUNAVAILABLE with a
// message saying the archive store is down and nothing changed.
func storeErr(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	switch workflow.ErrorCode(err) {
	case workflow.EUNAVAILABLE:
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: the archive store is unavailable (%s); the document was not archived and is unchanged: retry when it is back", msg, workflow.ErrorMessage(err))
	case workflow.ECONFLICT:
		return workflow.Wrap(workflow.ECONFLICT, err, "%s: a different object is already archived under this key", msg)
	}
	if _, ok := err.(*workflow.Error); ok {
		return err
	}
	return fmt.Errorf("%s: %w", msg, err)
}
