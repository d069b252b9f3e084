package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Copies (bản sao) of a document, Decree 30/2020/NĐ-CP Art. 25–27 and
// Appendix I. A copy is the original's signed PDF with the agency's
// signature added as an incremental update (the original's own
// signatures stay intact): no image, at the top right of page 1 the form
// of copy, the agency's name, the copy's number and the signing time. It
// has its own number in the register of copies (RegisterCopies), one per
// year for every form, from 01 on 1 January, gapless; its notation is
// "{number}/{SY|SL|TS}-{agency abbr.}" (07/SY-UBND).
//
// Which forms a source allows:
//   - a paper document registered by hand (an incoming one that did not
//     come over the exchange): SAO Y, the scan signed by the agency (Art.
//     25.1: sao y from paper to electronic is the scan with the agency's
//     digital signature), and TRÍCH SAO, the scan's selected pages
//     extracted as an electronic original's are, then signed by the
//     agency (Art. 25.3: trích sao too is made from paper to
//     electronic, by digitising the part to extract and the agency's
//     digital signature). Not SAO LỤC: Art. 25.2 makes it by printing or
//     scanning a sao y, not the paper original the scan is of;
//   - an electronic original (an outgoing document issued here, an
//     incoming one received over the exchange): SAO Y and SAO LỤC. Both
//     are made from the same bytes: an electronic sao y carries the
//     original's signatures whole, so a sao lục of it (Art. 25.2: a copy
//     made from a sao y) has the same content, and the office may be
//     asked for either by name;
//   - TRÍCH SAO (an extract: selected pages, CopyInput.Pages, "1,3-4") of
//     an electronic original, or of a paper one's scan: a new PDF of
//     those pages only (CopyExtractor: the others' content is not in the
//     file, nor the original's signatures), which the agency signs as it
//     signs a sao y.
//     The pages are checked, and extracted, before a number is reserved:
//     a page the document does not have (a *PageRangeError) or one that
//     cannot be extracted is EINVALID on pages, and numbers nothing.
//
// A copy's number is reserved as an outgoing document's (numbering.go):
// its number is printed in the signature, and the signature (a key
// operation, perhaps a time-stamp server's round trip) runs outside any
// transaction, so that no other request waits for it. MakeCopy
//
//  1. reserves the next number of the register of copies in a short
//     transaction (a Reservation of RegisterCopies, the same table, the
//     same sweep), its DocumentID the key copyReservationKey(original,
//     copy), so that copies of one document are made at once;
//  2. signs the PDF with that number and stores the blob, in no
//     transaction;
//  3. in a second short transaction consumes the reservation (ECONFLICT
//     when a sweep resolved it meanwhile), inserts the copy's row and the
//     event "copied" on the original.
//
// A copy that fails after phase 1 releases its number as a failed issue
// does: given back while it is the register's last, otherwise voided —
// kept in the register of copies with the reason, an event number_voided
// on the original; a copy whose server died is resolved by the sweep.
// The register stays gapless. A blob stored by a copy that then failed
// is one no row refers to, which the blob collector deletes.

// CopyForm is the form of a copy: its notation's code.
type CopyForm string

const (
	CopySaoY     CopyForm = "SY" // sao y
	CopySaoLuc   CopyForm = "SL" // sao lục
	CopyTrichSao CopyForm = "TS" // trích sao
)

// RegisterCopies numbers the copies (sổ đăng ký bản sao): one sequence
// per year for every form. It is no document register (RegisterKind's
// Valid is false): its numbers are reserved by MakeCopy (NumberReserver,
// Reservations), as the outgoing registers' by an issue.
const RegisterCopies RegisterKind = "copies"

// EventCopied records on the original that a copy was made (Data: copy,
// number, notation, form, requested_for).
const EventCopied EventKind = "copied"

// MaxRequestedFor is the most characters of a copy's "for whom".
const MaxRequestedFor = 500

// Label is the form as printed on the copy ("SAO Y").
func (f CopyForm) Label() string {
	switch f {
	case CopySaoY:
		return "SAO Y"
	case CopySaoLuc:
		return "SAO LỤC"
	case CopyTrichSao:
		return "TRÍCH SAO"
	}
	return string(f)
}

// Valid reports whether f is a form of copy.
func (f CopyForm) Valid() bool {
	return f == CopySaoY || f == CopySaoLuc || f == CopyTrichSao
}

// Copy is one copy of a document, numbered in the register of copies.
type Copy struct {
	ID           string
	DocumentID   string // the original
	Form         CopyForm
	Year         int
	Number       int
	Notation     string // "07/SY-UBND"
	RequestedFor string // for whom, free text ("Ông Nguyễn Văn A, theo đơn ngày …")
	CreatedBy    string
	CreatedAt    time.Time
	SHA256       string // the signed copy's blob (BlobKey)
	Size         int64
	Pages        string // a trích sao's pages, as FormatPages writes them ("1,3-4"); "" for the others
}

// CopyNotation is the notation of copy number n in form f.
func CopyNotation(n int, f CopyForm, agencyAbbr string) string {
	return NotationWith(n, copyNotationSuffix(f, agencyAbbr))
}

// copyNotationSuffix is what follows a copy's number: "/SY-UBND".
func copyNotationSuffix(f CopyForm, agencyAbbr string) string {
	return "/" + string(f) + "-" + agencyAbbr
}

// CopyWriter is a Tx that stores copies.
type CopyWriter interface {
	// CreateCopy inserts c; its blob is a reference the blob collector
	// keeps (EUNAVAILABLE when the collector deleted it meanwhile).
	CreateCopy(ctx context.Context, c *Copy) error
}

// CopyReader reads copies outside a transaction.
type CopyReader interface {
	// CopiesOf returns the copies of document id, by number.
	CopiesOf(ctx context.Context, documentID string) ([]Copy, error)
	// Copy returns copy id; ENOTFOUND if missing.
	Copy(ctx context.Context, id string) (*Copy, error)
	// CopyRegister returns a year's copies, by number.
	CopyRegister(ctx context.Context, year int) ([]Copy, error)
}

// CopySigner applies the agency's signature of a copy. signing.Service
// implements it.
type CopySigner interface {
	// SignCopy signs pdf as copy c: EUNAVAILABLE when the agency key
	// cannot be used, EUNPROCESSABLE when the PDF cannot be signed.
	SignCopy(ctx context.Context, c *Copy, pdf []byte) ([]byte, error)
}

// CopyExtractor writes a new PDF of selected pages of a document (a
// trích sao's). signing.Service implements it.
type CopyExtractor interface {
	// ExtractPages returns a PDF of pdf's pages (1-based, in order, each
	// once): EINVALID with a *PageRangeError for a page pdf does not have,
	// EINVALID with the reason for one that cannot be extracted.
	ExtractPages(ctx context.Context, pdf []byte, pages []int) ([]byte, error)
}

// PageRangeError is a page asked for that the document does not have.
type PageRangeError struct {
	Page, Count int
}

func (e *PageRangeError) Error() string {
	return fmt.Sprintf("page %d is not in the document: it has %d pages", e.Page, e.Count)
}

// CopyInput is a request for a copy.
type CopyInput struct {
	Form         CopyForm
	RequestedFor string
	Pages        string // a trích sao's pages: "1,3-4"
}

// MaxCopyPages is the most characters of a trích sao's list of pages.
const MaxCopyPages = 200

// ParsePages reads a list of pages, "1,3-4" (blanks allowed, an en dash
// for a range too): 1-based, in increasing order, each page once;
// EINVALID on pages otherwise.
func ParsePages(spec string) ([]int, error) {
	spec = strings.ReplaceAll(strings.TrimSpace(spec), "–", "-")
	if spec == "" {
		return nil, Errorf(EINVALID, "say which pages the extract holds: \"1,3-4\"").On("pages")
	}
	if len(spec) > MaxCopyPages {
		return nil, Errorf(EINVALID, "the pages: at most %d characters", MaxCopyPages).On("pages")
	}
	var out []int
	for part := range strings.SplitSeq(spec, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 1 || b < a {
			return nil, Errorf(EINVALID, "pages %q: write page numbers and ranges from 1, as \"1,3-4\"", strings.TrimSpace(part)).On("pages")
		}
		if len(out) > 0 && a <= out[len(out)-1] {
			return nil, Errorf(EINVALID, "pages %q: the pages go in increasing order, each once", strings.TrimSpace(part)).On("pages")
		}
		if b-a > 10000 {
			return nil, Errorf(EINVALID, "pages %q: too many pages", strings.TrimSpace(part)).On("pages")
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	return out, nil
}

// FormatPages writes pages (increasing) as ParsePages reads them, runs
// as ranges: "1,3-4".
func FormatPages(pages []int) string {
	var parts []string
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", pages[i], pages[j]))
		} else {
			parts = append(parts, strconv.Itoa(pages[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// CopyForms returns the forms a copy of d may take (none when d cannot
// be copied: see checkCopyable).
func CopyForms(d *Document) []CopyForm {
	if checkCopyable(d) != nil {
		return nil
	}
	if d.Direction == Incoming && d.ExternalID == "" {
		return []CopyForm{CopySaoY, CopyTrichSao}
	}
	return []CopyForm{CopySaoY, CopySaoLuc, CopyTrichSao}
}

// checkCopyable says why d's PDF is not final, ECONFLICT: an outgoing
// document before its issue (drafts never), an incoming one before its
// registration or rejected, a revoked one.
func checkCopyable(d *Document) error {
	ok := false
	switch d.Direction {
	case Outgoing:
		ok = d.State == Issued || d.State == Sent || d.State == Archived
	case Incoming:
		ok = d.State == Registered || d.State == Assigned || d.State == InProgress || d.State == Completed || d.State == Archived
	}
	if !ok {
		return Errorf(ECONFLICT, "a %s document in state %s cannot be copied: only an issued outgoing document or a registered incoming one", d.Direction, d.State)
	}
	if _, found := d.MainFile(); !found {
		return Errorf(ECONFLICT, "document %s has no file to copy", d.ID)
	}
	return nil
}

// validateCopy checks the request against d: EINVALID on form or
// requested_for.
func validateCopy(d *Document, in *CopyInput) error {
	in.RequestedFor = strings.TrimSpace(in.RequestedFor)
	if !in.Form.Valid() {
		return Errorf(EINVALID, "form must be SY (sao y), SL (sao lục) or TS (trích sao)").On("form")
	}
	if !slices.Contains(CopyForms(d), in.Form) {
		return Errorf(EINVALID, "a document registered from paper is copied as sao y or trích sao (its scan, or pages of it, signed by the agency), not %s", in.Form.Label()).On("form")
	}
	if in.Form != CopyTrichSao && strings.TrimSpace(in.Pages) != "" {
		return Errorf(EINVALID, "pages are chosen for a trích sao only: a %s copies the whole document", in.Form.Label()).On("pages")
	}
	if in.RequestedFor == "" {
		return Errorf(EINVALID, "say for whom the copy is made").On("requested_for")
	}
	if utf8.RuneCountInString(in.RequestedFor) > MaxRequestedFor {
		return Errorf(EINVALID, "for whom: at most %d characters", MaxRequestedFor).On("requested_for")
	}
	return nil
}

// MayCopy reports whether actor makes copies of d: a clerk (văn thư) of
// any document, an archivist of an archived one — the archive gives
// copies of the records it keeps (the Law on Archives: sao tài liệu lưu
// trữ); the citizen asking the archivist for a copy of a decision of
// years ago was sent to the clerk. Whether d's PDF is final is
// checkCopyable's.
func MayCopy(actor *User, d *Document) bool {
	return actor.Has(RoleClerk) || actor.Has(RoleArchivist) && d.State == Archived
}

// MakeCopy makes a copy of document id for actor, who may copy it
// (MayCopy): EFORBIDDEN for anyone else, DocumentNotFound for a
// document actor may not see, ECONFLICT for one whose PDF is not final
// (checkCopyable), EINVALID for a form the document does not allow or
// no "for whom", EUNAVAILABLE when the repository or the signer cannot
// make copies.
func (s *Service) MakeCopy(ctx context.Context, actor *User, id string, in CopyInput) (*Copy, error) {
	if !actor.HasAny([]Role{RoleClerk, RoleArchivist}) {
		return nil, Errorf(EFORBIDDEN, "copies of documents are made by a clerk (văn thư), and of archived records by an archivist")
	}
	d, err := VisibleDocument(ctx, s.Repo, actor, id)
	if err != nil {
		return nil, err
	}
	if !MayCopy(actor, d) {
		return nil, Errorf(EFORBIDDEN, "an archivist makes copies of archived records only: this document is %s (a clerk copies it)", d.State)
	}
	if err := checkCopyable(d); err != nil {
		return nil, err
	}
	if err := validateCopy(d, &in); err != nil {
		return nil, err
	}
	signer, ok := s.Signer.(CopySigner)
	if !ok {
		return nil, Errorf(EUNAVAILABLE, "the signer cannot sign copies")
	}
	src, err := s.readMain(ctx, d)
	if err != nil {
		return nil, err
	}
	src, pages, err := s.extract(ctx, d, in, src)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &Copy{ID: s.newID(), DocumentID: d.ID, Form: in.Form, Year: RegisterYear(now), RequestedFor: in.RequestedFor,
		CreatedBy: actor.ID, CreatedAt: now, Pages: pages}
	r, err := s.reserveCopyNumber(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("copy of %s: %w", id, err)
	}
	c.Number, c.Notation = r.Number, r.Notation
	err = s.signCopy(ctx, signer, c, src)
	if err == nil {
		err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error { return s.copyIn(ctx, tx, c, r) })
	}
	if err != nil {
		s.releaseNumber(ctx, r, actor.ID, fmt.Sprintf("copy %s of document %s failed after its number was reserved: %s", c.Notation, d.ID, ErrorMessage(err)))
		return nil, fmt.Errorf("copy of %s: %w", id, err)
	}
	return c, nil
}

// extract is the source of a trích sao: src's pages in.Pages, before any
// number is reserved (EINVALID on pages: a page d does not have, one that
// cannot be extracted), and the pages as the copy records them; src
// itself for the other forms.
func (s *Service) extract(ctx context.Context, d *Document, in CopyInput, src []byte) ([]byte, string, error) {
	if in.Form != CopyTrichSao {
		return src, "", nil
	}
	pages, err := ParsePages(in.Pages)
	if err != nil {
		return nil, "", err
	}
	x, ok := s.Signer.(CopyExtractor)
	if !ok {
		return nil, "", Errorf(EUNAVAILABLE, "the signer cannot extract pages")
	}
	out, err := x.ExtractPages(ctx, src, pages)
	if ErrorCode(err) == EINVALID {
		return nil, "", OnField(err, "pages")
	} else if err != nil {
		return nil, "", fmt.Errorf("extract of %s: %w", d.ID, err)
	}
	return out, FormatPages(pages), nil
}

// copyKeySep joins the original's ID and the copy's in the DocumentID of
// a copy's reservation (copyReservationKey).
const copyKeySep = "/copy/"

// copyReservationKey is the DocumentID of copy c's reservation: the
// original's ID then the copy's. A document has one live reservation
// (of its issue); its copies, made at once, have one each.
// Reservation.Document reads the original back.
func copyReservationKey(c *Copy) string {
	return c.DocumentID + copyKeySep + c.ID
}

// reserveCopyNumber is MakeCopy's phase 1: the next number of the
// register of copies for c, reserved in a short transaction; stale
// reservations of the register are swept first (as reserveNumber's).
func (s *Service) reserveCopyNumber(ctx context.Context, c *Copy) (*Reservation, error) {
	r := &Reservation{ID: s.newID(), Register: RegisterCopies, Year: c.Year, DocumentID: copyReservationKey(c),
		Actor: c.CreatedBy, State: NumberReserved, CreatedAt: c.CreatedAt, Holder: s.Instance}
	suffix := copyNotationSuffix(c.Form, s.Agency.Abbr)
	for swept := false; ; swept = true {
		err := s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
			if !swept {
				live, err := tx.ReservationsOf(ctx, r.Register, r.Year)
				if err != nil {
					return err
				}
				if s.anyStale(ctx, tx, live, r.CreatedAt) {
					return errStaleReservation
				}
			}
			return takeReserved(ctx, tx, r, suffix)
		})
		if errors.Is(err, errStaleReservation) {
			s.sweepRegister(ctx, r.Register, r.Year, r.CreatedAt)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("take a copy number: %w", err)
		}
		return r, nil
	}
}

// signCopy is MakeCopy's phase 2, in no transaction: c's signature on
// src, stored as c's blob.
func (s *Service) signCopy(ctx context.Context, signer CopySigner, c *Copy, src []byte) error {
	signed, err := signer.SignCopy(ctx, c, src)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(signed)
	c.SHA256, c.Size = hex.EncodeToString(sum[:]), int64(len(signed))
	if _, err := s.Blobs.Put(ctx, BlobKey(c.SHA256), bytes.NewReader(signed), c.Size, c.SHA256, PutOptions{ContentType: PDFType}); err != nil {
		return fmt.Errorf("store the copy: %w", err)
	}
	return nil
}

// copyIn is MakeCopy's phase 3: the reservation consumed, the row and
// the event.
func (s *Service) copyIn(ctx context.Context, tx Tx, c *Copy, r *Reservation) error {
	w, ok := tx.(CopyWriter)
	if !ok {
		return Errorf(EUNAVAILABLE, "the repository cannot store copies")
	}
	if err := tx.DeleteReservation(ctx, r.ID); err != nil {
		if ErrorCode(err) == ECONFLICT || ErrorCode(err) == ENOTFOUND {
			return Errorf(ECONFLICT, "copy number %d was released while the copy was being signed (it took longer than %s): retry", r.Number, s.reservationTTL())
		}
		return err
	}
	if err := w.CreateCopy(ctx, c); err != nil {
		return err
	}
	return tx.AppendEvent(WithLastWrite(ctx), &Event{DocumentID: c.DocumentID, Actor: c.CreatedBy, Kind: EventCopied, At: c.CreatedAt,
		Data: map[string]string{"copy": c.ID, "number": fmt.Sprint(c.Number), "notation": c.Notation,
			"form": string(c.Form), "requested_for": c.RequestedFor, "pages": c.Pages}})
}

// readMain reads d's current principal file whole.
func (s *Service) readMain(ctx context.Context, d *Document) ([]byte, error) {
	f, _ := d.MainFile()
	rc, err := s.files().Open(ctx, d.Files, f)
	if err != nil {
		return nil, fmt.Errorf("open the file of %s: %w", d.ID, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, Wrap(EUNAVAILABLE, err, "read the file of %s", d.ID)
	}
	return b, nil
}

// copyReader is the repository's CopyReader; EUNAVAILABLE without one.
func (s *Service) copyReader() (CopyReader, error) {
	r, ok := s.Repo.(CopyReader)
	if !ok {
		return nil, Errorf(EUNAVAILABLE, "the repository keeps no copies")
	}
	return r, nil
}

// Copies returns the copies of a document actor may see, by number:
// DocumentNotFound as Get.
func (s *Service) Copies(ctx context.Context, actor *User, id string) ([]Copy, error) {
	if _, err := VisibleDocument(ctx, s.Repo, actor, id); err != nil {
		return nil, err
	}
	r, err := s.copyReader()
	if err != nil {
		return nil, err
	}
	return r.CopiesOf(ctx, id)
}

// OpenCopy streams a copy's signed PDF, with its original as actor may
// see it: ENOTFOUND ("copy not found") for a copy that does not exist or
// whose original actor may not see.
func (s *Service) OpenCopy(ctx context.Context, actor *User, copyID string) (io.ReadCloser, *Copy, *Document, error) {
	r, err := s.copyReader()
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := r.Copy(ctx, copyID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, nil, Errorf(ENOTFOUND, "copy not found")
	} else if err != nil {
		return nil, nil, nil, err
	}
	d, err := VisibleDocument(ctx, s.Repo, actor, c.DocumentID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, nil, Errorf(ENOTFOUND, "copy not found")
	} else if err != nil {
		return nil, nil, nil, err
	}
	rc, _, err := s.Blobs.Get(ctx, BlobKey(c.SHA256))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open copy %s: %w", c.ID, err)
	}
	return rc, c, d, nil
}

// CopyRegister returns a year's register of copies for actor (a clerk or
// an admin, as the other registers), by number: the copies, and the
// numbers that carry none (reserved by a copy being made, or voided by a
// failed one) as lines with their State. The lines of originals actor may
// not see are left out.
func (s *Service) CopyRegister(ctx context.Context, actor *User, year int) ([]CopyLine, error) {
	if !actor.Has(RoleClerk) && !actor.Has(RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "the register of copies is the clerk's")
	}
	r, err := s.copyReader()
	if err != nil {
		return nil, err
	}
	cs, err := r.CopyRegister(ctx, year)
	if err != nil {
		return nil, err
	}
	lines := make([]CopyLine, 0, len(cs))
	for _, c := range cs {
		lines = append(lines, CopyLine{Copy: c})
	}
	if rr, ok := s.Repo.(ReservationReader); ok {
		rs, err := rr.ReservationsOf(ctx, RegisterCopies, year)
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			lines = append(lines, CopyLine{Copy: Copy{DocumentID: x.Document(), Year: x.Year, Number: x.Number, Notation: x.Notation,
				CreatedBy: x.Actor, CreatedAt: x.CreatedAt}, State: x.State, Reason: x.Reason})
		}
		slices.SortFunc(lines, func(a, b CopyLine) int { return a.Number - b.Number })
	}
	// The originals in a few statements (VisibleDocuments), not one
	// per line: a line whose original actor may not see is left out.
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.DocumentID
	}
	originals, err := VisibleDocuments(ctx, s.Repo, actor, ids)
	if err != nil {
		return nil, err
	}
	out := lines[:0]
	for _, l := range lines {
		if l.Original = originals[l.DocumentID]; l.Original != nil {
			out = append(out, l)
		}
	}
	return out, nil
}

// CopyLine is a line of the register of copies: the copy and its
// original; for a number that carries no copy, its State (reserved or
// voided, with the Reason) and only the copy's number, notation, year,
// original, clerk and time.
type CopyLine struct {
	Copy
	Original *Document
	State    ReservationState // "" for a copy made
	Reason   string           // why a voided number was voided
}

// Note is how the register prints a line without a copy ("" for a copy).
func (l CopyLine) Note() string {
	switch l.State {
	case NumberVoided:
		return "Số đã hủy (voided): " + l.Reason
	case NumberReserved:
		return "Số đang được giữ cho bản sao đang ký (reserved)"
	}
	return ""
}

// CopyDownloadName is the name copy c of d is downloaded under: "Bản sao
// y 07-SY-UBND - " and the original's download name.
func CopyDownloadName(d *Document, c *Copy) string {
	f, _ := d.MainFile()
	orig := DownloadName(d, f)
	label := map[CopyForm]string{CopySaoY: "Bản sao y", CopySaoLuc: "Bản sao lục", CopyTrichSao: "Bản trích sao"}[c.Form]
	head := label + " " + strings.ReplaceAll(c.Notation, "/", "-") + " - "
	stem := strings.TrimSuffix(orig, ".pdf")
	if room := MaxDownloadStem - utf8.RuneCountInString(head); utf8.RuneCountInString(stem) > room {
		stem = strings.TrimSpace(string([]rune(stem)[:room]))
	}
	return head + stem + ".pdf"
}
