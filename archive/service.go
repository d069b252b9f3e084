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
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// Service writes, holds, checks, exports and searches archival records.
// It implements workflow.Archiver.
type Service struct {
	Work  workflow.Blobs      // the work store: where documents' files are
	Store workflow.Blobs      // the archive store (object lock / read-only files)
	Index Index               // the database side
	Repo  workflow.Repository // documents, users, audit
	Docs  LegalHolder         // records legal holds on documents (workflow.Service)
	// Disposals keeps disposal lists and the destroyed records
	// (disposal.go); nil: disposal is not offered.
	Disposals workflow.DisposalStore
	Defaults  Defaults // retention class per type
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

var (
	_ workflow.Archiver     = (*Service)(nil)
	_ workflow.RecordWriter = (*Service)(nil)
)

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

// storeNow is the archive store's clock, by which writeRecord judges
// whether a record's retain-until date is still ahead — deliberately not
// the service's Now. The store itself judges a retain-until date by its
// own clock (S3 object lock, and localfs, refuse one already past), so a
// record archived under an injected clock (a test's, an import's earlier
// date) must be measured by the clock the store will measure it by:
// its objects are written with retention only if the store will accept
// it. time.Now; a test may replace it (export_test.go).
var storeNow = time.Now

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
// the archive store and the index. Idempotent: the first attempt keeps the
// archive date and the last event of the trail in the index before
// anything is written, so a retry (after a crash or an outage), or an
// attempt running at the same time, writes byte-identical objects with
// the same retention, which the stores accept as no-ops, and an existing
// metadata.json is reused as is. A store outage is EUNAVAILABLE; nothing
// about the document changes then.
func (s *Service) ArchiveRecord(ctx context.Context, d *workflow.Document, events []workflow.Event) (workflow.ArchivedRecord, error) {
	rec, err := s.WriteRecord(ctx, d, events, nil)
	if err != nil || len(rec.Objects) == 0 {
		return rec, err
	}
	if err := s.Index.PutObjects(ctx, d.ID, rec.Objects); err != nil {
		return workflow.ArchivedRecord{}, fmt.Errorf("index archived record of %s: %w", d.ID, err)
	}
	rec.Objects = nil
	return rec, nil
}

// WriteRecord implements workflow.RecordWriter: ArchiveRecord, except that
// the objects' rows are left to the transaction that archives d (they are
// returned) when the index is on the database of s.Repo, the workflow
// service's repository (TxIndex); else the index lists them before it
// returns, as ArchiveRecord does. Either way, the record's row was stored
// before any object (StartRecord), so that a retry writes the same bytes.
// signer is d's signer as read with d; nil: read from s.Repo.
func (s *Service) WriteRecord(ctx context.Context, d *workflow.Document, events []workflow.Event, signer *workflow.User) (workflow.ArchivedRecord, error) {
	if s.Store == nil || s.Index == nil {
		return workflow.ArchivedRecord{}, workflow.Errorf(workflow.EUNAVAILABLE, "the archive is not configured on this server")
	}
	prefix := Prefix(d.ID, d.Version)
	rec, signer, err := s.startRecord(ctx, d, prefix, events, signer)
	if err != nil {
		return workflow.ArchivedRecord{}, err
	}
	if events, err = trailThrough(events, rec.EventsThrough); err != nil {
		return workflow.ArchivedRecord{}, fmt.Errorf("archived record of %s: %w", d.ID, err)
	}
	objs, err := s.writeRecord(ctx, d, events, rec, signer)
	if err != nil {
		return workflow.ArchivedRecord{}, err
	}
	out := workflow.ArchivedRecord{Key: prefix, RetainUntil: rec.RetainUntil, Objects: objs}
	if tx, ok := s.Index.(TxIndex); !ok || !tx.WrittenIn(s.Repo) {
		// The record's row is as StartRecord left it: only the objects are new.
		if err := s.Index.PutObjects(ctx, d.ID, objs); err != nil {
			return workflow.ArchivedRecord{}, fmt.Errorf("index archived record of %s: %w", d.ID, err)
		}
		out.Objects = nil
	}
	s.logger().InfoContext(ctx, "record archived", "doc_id", d.ID, "record", prefix, "class", rec.Class,
		"retain_until", rec.RetainUntil.Format(time.RFC3339), "objects", len(objs))
	return out, nil
}

// startRecord makes the record of d at prefix, dated now, with the trail
// through its last event, and stores it unless an earlier (or concurrent)
// attempt at the same version did: then that one is returned, with its
// date, retention, signer's name and trail. It also returns the signer
// (signer when d's, else read here; nil when there is none or it cannot
// be read), for the metadata.
func (s *Service) startRecord(ctx context.Context, d *workflow.Document, prefix string, events []workflow.Event, signer *workflow.User) (*Record, *workflow.User, error) {
	r := recordOf(d, prefix)
	r.Class = s.Defaults.Class(d)
	if !ValidClass(r.Class) {
		return nil, nil, workflow.Errorf(workflow.EINVALID, "document %s has unknown retention class %q", d.ID, r.Class)
	}
	r.ArchivedAt = s.now().UTC().Truncate(time.Second)
	var err error
	if r.RetainUntil, err = s.retain(r.Class, r.ArchivedAt); err != nil {
		return nil, nil, err
	}
	switch {
	case d.SignerID == "":
		signer = nil
	case signer != nil && signer.ID == d.SignerID:
		r.SignerName = signer.FullName
	case s.Repo != nil:
		signer = nil
		if u, err := s.Repo.User(ctx, d.SignerID); err == nil {
			signer, r.SignerName = u, u.FullName
		}
	default:
		signer = nil
	}
	if n := len(events); n > 0 {
		r.EventsThrough = events[n-1].Seq
	}
	started, err := s.Index.StartRecord(ctx, r)
	if err != nil {
		return nil, nil, fmt.Errorf("index archived record of %s: %w", d.ID, err)
	}
	rec := recordOf(d, prefix)
	rec.Class, rec.ArchivedAt, rec.RetainUntil, rec.SignerName, rec.EventsThrough =
		started.Class, started.ArchivedAt, started.RetainUntil, started.SignerName, started.EventsThrough
	return rec, signer, nil
}

// trailThrough returns the events up to the one numbered seq (all of them
// when seq is 0: a record started before the trail's end was kept).
func trailThrough(events []workflow.Event, seq int64) ([]workflow.Event, error) {
	if seq == 0 {
		return events, nil
	}
	for i, e := range events {
		if e.Seq == seq {
			return events[:i+1], nil
		}
	}
	return nil, workflow.Errorf(workflow.ECONFLICT, "the record was started with the audit trail through event %d, which this attempt has not read: retry", seq)
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
	for _, r := range vifold.Fold(name) {
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

// writeRecord writes every object of the record at once: the files and
// metadata.json, which carries the validation report and the audit trail,
// each in one conditional PUT carrying its retention (no Stat before, no
// retention call after), so a record costs one round trip to the store.
// metadata.json need not wait for the others: it is made from the
// document, its events and the record, not from the store's answers, and
// it names every other object with its SHA-256; the index lists the
// record's objects only once all of them are stored. When an earlier
// attempt left a metadata.json of the split layout, which is kept, the
// report and the trail are then written as the objects it names.
func (s *Service) writeRecord(ctx context.Context, d *workflow.Document, events []workflow.Event, rec *Record, signer *workflow.User) ([]Object, error) {
	opts := workflow.PutOptions{RetainUntil: rec.RetainUntil, LegalHold: rec.LegalHold}
	if !rec.RetainUntil.After(storeNow()) {
		// Past by the store's clock (a record archived under an earlier
		// date: an import, a test's clock): written without retention, as
		// restore writes such objects; the stores refuse a past date.
		opts.RetainUntil = time.Time{}
	}
	rp, err := s.recordParts(d, events, rec, signer)
	if err != nil {
		return nil, err
	}
	md := rp.meta
	mb, err := json.Marshal(md)
	if err != nil {
		return nil, fmt.Errorf("encode metadata of %s: %w", md.DocumentID, err)
	}
	parts := append(rp.parts, part{name: NameMetadata, data: append(fieldLines(mb), '\n'), meta: md})
	objs, kept, err := s.putParts(ctx, d.ID, rec.Key, parts, rp, opts)
	if err != nil || kept == nil || kept.Format != MetadataFormatSplit {
		return objs, err
	}
	more, _, err := s.putParts(ctx, d.ID, rec.Key, rp.split(kept), rp, opts)
	return append(objs, more...), err
}

// putParts writes parts at once under prefix and returns their objects,
// in order, and the metadata.json an earlier attempt stored and that is
// kept (nil when this attempt's was stored).
func (s *Service) putParts(ctx context.Context, docID, prefix string, parts []part, rp *recordParts, opts workflow.PutOptions) ([]Object, *Metadata, error) {
	objs := make([]Object, len(parts))
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
		kept     *Metadata
	)
	for i, p := range parts {
		wg.Go(func() {
			var oi workflow.ObjectInfo
			var err error
			switch {
			case p.file != nil:
				oi, err = s.copyFile(ctx, prefix+p.name, rp.files, *p.file, opts)
			case p.meta != nil:
				oi, kept, err = s.putMetadata(ctx, prefix+p.name, p.data, rp, opts)
			default:
				oi, err = s.putBytes(ctx, prefix+p.name, p.data, "application/json", opts)
			}
			if err != nil {
				errMu.Lock()
				firstErr = cmp.Or(firstErr, err)
				errMu.Unlock()
				return
			}
			objs[i] = objectOf(docID, p.name, oi)
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	return objs, kept, nil
}

// part is an object of a record: a document's file copied from the work
// store, or bytes made here.
type part struct {
	name string
	file *workflow.File // copied from the work store, or
	data []byte         // these bytes (JSON)
	meta *Metadata      // data is this metadata.json
}

// recordParts is what a record is made of: the files, the metadata
// (carrying the report and the trail), and the report and the trail as
// the split layout wrote them, for a retry that keeps a metadata.json of
// that layout.
type recordParts struct {
	parts        []part          // the files, and the report when metadata cannot carry it
	files        []workflow.File // the document's files (a tailed file's base is one)
	meta         *Metadata
	verification []byte // the split layout's verification.json (nil: no report)
	events       []byte // events.json, in both layouts
}

// split returns the objects a kept split-layout metadata.json names
// besides the files: the report and the trail.
func (rp *recordParts) split(kept *Metadata) []part {
	var out []part
	if kept.Verification != nil && rp.verification != nil && rp.meta.Verification.Report != nil {
		out = append(out, part{name: NameVerification, data: rp.verification})
	}
	return append(out, part{name: NameEvents, data: rp.events})
}

// recordParts makes the record's parts: its files, in the record's order,
// then the metadata that describes them and carries the report and the
// trail. A report that is not valid JSON stays an object of its own
// (verification.json, named by the metadata).
func (s *Service) recordParts(d *workflow.Document, events []workflow.Event, rec *Record, signer *workflow.User) (*recordParts, error) {
	nfs := recordFiles(d)
	rp := &recordParts{parts: make([]part, 0, len(nfs)+1), files: d.Files}
	files := make([]FileMeta, len(nfs))
	for i, nf := range nfs {
		files[i] = fileMeta(nf.name, nf.f)
		rp.parts = append(rp.parts, part{name: nf.name, file: &nf.f})
	}
	var verif *VerificationMeta
	if v := d.Verification; v != nil {
		vb := v.Report
		if len(vb) == 0 {
			vb, _ = json.MarshalIndent(map[string]any{"verdict": v.Verdict, "reasons": v.Reasons}, "", "  ")
		}
		rp.verification = vb
		verif = &VerificationMeta{Verdict: v.Verdict, Reasons: v.Reasons, File: NameVerification}
		if cb, err := partBytes(vb, false); err == nil {
			verif.SHA256, verif.Report = hexSum(cb), cb
		} else {
			verif.SHA256 = hexSum(vb)
			rp.parts = append(rp.parts, part{name: NameVerification, data: vb})
		}
	}
	eb, err := json.MarshalIndent(eventsJSON(events), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode events of %s: %w", d.ID, err)
	}
	rp.events = eb
	evMeta := EventsMeta{File: NameEvents, SHA256: hexSum(eb), Count: len(events), Trail: eb}
	if n := len(events); n > 0 {
		evMeta.FirstSeq, evMeta.LastSeq, evMeta.LastHash = events[0].Seq, events[n-1].Seq, events[n-1].Hash
	}
	rp.meta = s.metadata(d, rec, signer, files, verif, evMeta)
	return rp, nil
}

// putMetadata writes metadata.json (mb, encoding rp.meta). An existing
// one with other content (from an attempt that crashed before its state
// change committed, since when the signer's title changed, say, or one
// written in the split layout before this version) is kept as is and
// returned: the conditional PUT refuses to replace it, and only then is
// it read — and refused (ECONFLICT) unless it describes the same files,
// report and events as rp, which this attempt stores beside it.
func (s *Service) putMetadata(ctx context.Context, key string, mb []byte, rp *recordParts, opts workflow.PutOptions) (workflow.ObjectInfo, *Metadata, error) {
	oi, err := s.putBytes(ctx, key, mb, "application/json", opts)
	if workflow.ErrorCode(err) != workflow.ECONFLICT {
		return oi, nil, err
	}
	rc, oi, err := s.Store.Get(ctx, key)
	if err != nil {
		return workflow.ObjectInfo{}, nil, storeErr(err, "archive store: read %s", key)
	}
	defer rc.Close()
	var old Metadata
	if err := json.NewDecoder(io.LimitReader(rc, maxMetadata)).Decode(&old); err != nil {
		return workflow.ObjectInfo{}, nil, workflow.Wrap(workflow.ECONFLICT, err, "archive store: %s of an earlier attempt cannot be read", key)
	}
	if !rp.sameContents(&old) {
		return workflow.ObjectInfo{}, nil, workflow.Errorf(workflow.ECONFLICT, "archive store: %s of an earlier attempt describes other files, report or events than this attempt's", key)
	}
	return oi, &old, nil
}

// maxMetadata bounds the metadata.json read back from the store.
const maxMetadata = 16 << 20

// sameContents reports whether a metadata.json describes the same
// objects as rp: files (name, SHA-256, size), validation report and
// events, of either layout (the split layout's report is compared with
// the report as that layout wrote it).
func (rp *recordParts) sameContents(a *Metadata) bool {
	b := rp.meta
	if a.Format != MetadataFormat && a.Format != MetadataFormatSplit {
		return false
	}
	wantVerif := ""
	if b.Verification != nil {
		wantVerif = b.Verification.SHA256
		if a.Format == MetadataFormatSplit {
			wantVerif = hexSum(rp.verification)
		}
	}
	if a.Events.File != b.Events.File || a.Events.SHA256 != b.Events.SHA256 || len(a.Files) != len(b.Files) ||
		(a.Verification == nil) != (b.Verification == nil) ||
		(a.Verification != nil && (a.Verification.File != b.Verification.File || a.Verification.SHA256 != wantVerif)) {
		return false
	}
	for i, f := range a.Files {
		g := b.Files[i]
		if f.Name != g.Name || f.SHA256 != g.SHA256 || f.Size != g.Size {
			return false
		}
	}
	return true
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

// copyFile streams f, a file of files, from the work store (or, when it
// is tailed, its base and its tail: workflow.Files) into the archive
// store; the read and the archive store both verify its SHA-256 (the
// archive store refuses content that does not match).
func (s *Service) copyFile(ctx context.Context, key string, files []workflow.File, f workflow.File, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	// No Stat first: Put answers an object an earlier attempt wrote with
	// the same content as a success, in the same round trip.
	if s.Work == nil {
		return workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "no work store to copy %s from", f.Name)
	}
	rc, err := workflow.FilesOf(s.Work, s.Repo).Open(ctx, files, f)
	if err != nil {
		// Gone from the work store: an earlier attempt may have archived it.
		if oi, serr := s.Store.Stat(ctx, key); serr == nil && oi.SHA256 == f.SHA256 && oi.Size == f.Size {
			return oi, nil
		}
		return workflow.ObjectInfo{}, storeErr(err, "read %q from the work store", f.Name)
	}
	defer rc.Close()
	typ, body, err := mediatype.Sniff(rc, f.Name) // a received .docx is not a PDF
	if err != nil {
		return workflow.ObjectInfo{}, storeErr(err, "read %q from the work store", f.Name)
	}
	oi, err := s.Store.Put(ctx, key, body, f.Size, f.SHA256, withType(opts, typ))
	if err != nil {
		if errors.Is(err, workflow.ErrDigestMismatch) {
			return workflow.ObjectInfo{}, workflow.Wrap(workflow.EINTERNAL, err, "file %q in the work store does not match its SHA-256: storage corruption", f.Name)
		}
		return workflow.ObjectInfo{}, storeErr(err, "archive store: write %s", key)
	}
	return oi, nil
}

// withType is o recording ct as the type of the object's content.
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
