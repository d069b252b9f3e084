// Package signing applies the two signature layers of Decree 30/2020/NĐ-CP to
// PDF documents: the official's personal approval signature (layer 1) and the
// agency's signature with its seal, the number and the date of issue
// (layer 2). The PDF library (github.com/digitorus/pdfsign) stays inside this
// package; callers see only the types declared here.
package signing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// Info describes an uploaded PDF as far as intake and signing care.
type Info struct {
	// Version is the effective PDF version: the header's, or the catalog's
	// /Version when that is higher ("1.7", "2.0").
	Version string `json:"version"`
	// Pages is the page count from the page tree.
	Pages int `json:"pages"`
	// Encrypted is true when the trailer has /Encrypt (with or without a
	// user password).
	Encrypted bool `json:"encrypted"`
	// HasAcroForm is true when the interactive form has fields other than
	// signature fields: content that signing would lose (the PDF library
	// drops them when it adds a signature).
	HasAcroForm bool `json:"has_acroform"`
	// HasXFA is true when the interactive form carries an XFA form.
	HasXFA bool `json:"has_xfa"`
	// DynamicXFA is true when the catalog says the viewer must draw the
	// pages from the XFA form (/NeedsRendering): what the pages hold is
	// not the document.
	DynamicXFA bool `json:"dynamic_xfa,omitempty"`
	// Signatures counts the signed signature fields (/FT /Sig with /V).
	Signatures int `json:"signatures"`
	// HeaderOffset is the position of "%PDF-" in the file; non-zero means
	// the file has junk before the header (readers accept it, signing
	// strips it before layer 1).
	HeaderOffset int64 `json:"header_offset,omitempty"`
	// XrefRebuilt is true when the file's cross-reference data (where
	// each object is) is damaged, or an unsigned file has an object
	// damaged inside or a page tree readers read otherwise than it is
	// written, and the data was made again by scanning the file for its
	// objects, as viewers do, with those objects written again as they
	// take them: the rest of Info is read from the rebuilt file, which
	// signing starts from (verify.RebuildXref).
	XrefRebuilt bool `json:"xref_rebuilt,omitempty"`
	// Active is what the file carries that acts when it is opened
	// (JavaScript, a launch action, an embedded or attached file:
	// activeContent), none when nothing.
	Active workflow.Active `json:"active,omitempty"`
}

// headerWindow is how far into a file the "%PDF-" header may start (the
// 1024 bytes that readers conventionally tolerate).
const headerWindow = 1024

// headerOffset is where b's "%PDF-" header starts within headerWindow, or
// -1 when it has none there.
func headerOffset(b []byte) int {
	return bytes.Index(b[:min(len(b), headerWindow)], []byte("%PDF-"))
}

// maxFieldDepth bounds the walk of the field tree (guards against cycles).
const maxFieldDepth = 32

// Inspect reads the structure of the PDF in r without modifying it.
//
// Errors are *workflow.Error: EUNSUPPORTEDMEDIA when r is not a PDF at all
// (no "%PDF-" within its first 1024 bytes); EUNPROCESSABLE when the PDF is
// encrypted (Info.Encrypted is then set in the returned Info) or cannot be
// parsed, and when it is past one of verify.DefaultLimits (nesting depth,
// cross-reference fields, inflated sizes, cycles in the page or field
// tree, total work). A damaged file that the parser can still read is
// accepted.
//
// The file is first read by verify.Precheck, whose parser is bounded: the
// PDF library used for signing is not (deep nesting overflows its stack,
// which no recover catches; /Size or /W size its allocations; a cyclic
// page tree loops forever), and it never sees a file the precheck
// refuses.
//
// Inspect is InspectContext without a deadline.
func Inspect(r io.ReaderAt, size int64) (info Info, err error) {
	return InspectContext(context.Background(), r, size)
}

// InspectContext is Inspect, reading r in place when it is a file (or a
// section of one, as mime/multipart hands out): the file is mapped
// read-only, so its bytes stay in the page cache instead of the Go heap,
// whatever its size and however many uploads are checked at once. Bytes
// already in memory (workflow.HeldBytes: a received package's attachment)
// are read in place too. Any other r is read into memory, within a budget for all inspections in
// flight (DefaultInspectBudget): when the budget is spent, InspectContext
// waits for its share until ctx is done, and then answers EUNAVAILABLE.
func InspectContext(ctx context.Context, r io.ReaderAt, size int64) (info Info, err error) {
	return defaultIntake.InspectContext(ctx, r, size)
}

// InspectContext is the package's InspectContext within the intake's
// budget.
func (in *Intake) InspectContext(ctx context.Context, r io.ReaderAt, size int64) (info Info, err error) {
	if b, ok := workflow.HeldContent(r, size); ok {
		// Already in memory: read in place, as a mapped file is (the
		// budget is for the copies this makes).
		return inspectBytes(b)
	}
	if f, off, ok := fileSection(r, size); ok {
		if m, ok := mapFile(f, off, size); ok {
			defer m.unmap()
			return inspectMapped(m.b)
		}
	}
	release, err := in.inFlight.acquire(ctx, size)
	if err != nil {
		return Info{}, err
	}
	defer release()
	all := make([]byte, size)
	if n, rerr := r.ReadAt(all, 0); rerr != nil && !(errors.Is(rerr, io.EOF) && int64(n) == size) {
		return Info{}, workflow.Wrap(workflow.EUNPROCESSABLE, errors.Join(workflow.ErrPDFDamaged, rerr), "PDF cannot be read")
	}
	return inspectBytes(all)
}

// inspectBytes is Inspect of a file already in memory (read in place).
func inspectBytes(all []byte) (info Info, err error) {
	info, _, err = inspectParsed(all, false)
	return info, err
}

// inspectParsed is inspectBytes that can also hand on the parse it made:
// with keep, rd is the reader of all[info.HeaderOffset:], which reads
// those bytes in place and holds the objects it resolved (the caller
// must keep the bytes unchanged while it uses rd, and use it from one
// goroutine at a time); without keep, rd is nil and the bytes are let go
// of (they may be a mapping).
func inspectParsed(all []byte, keep bool) (info Info, rd *pdf.Reader, err error) {
	x, err := inspectParse(all, keep)
	return x.info, x.rdr, err
}

// inspected is what intake found of a file: Info, with keep the reader of
// its parse (nil after an error), and the objects its cross-reference
// data lists where none is (verify.Unplaced), which signing lists free
// before layer 1.
type inspected struct {
	info     Info
	rdr      *pdf.Reader
	unplaced []verify.Unplaced
	// reread and empty are the objects readers take otherwise than they
	// are written (verify.Findings.Reread, Empty), which signing writes
	// again as read before layer 1.
	reread, empty []verify.Unplaced
	// rebuilt, when intake read the file from cross-reference data made
	// again (Info.XrefRebuilt), is the document rdr reads: the file from
	// its header with verify.RebuildXref's section appended. Signing
	// starts from it.
	rebuilt []byte
	// damaged says how the file's own cross-reference data is damaged
	// (verify.Findings.Damaged); empty when it is not. damagedObject says
	// how an object is damaged inside (verify.Findings.DamagedObject).
	damaged, damagedObject string
	// hybrid says that the engine does not see the objects a
	// cross-reference stream lists beside a table (verify.Findings.Hybrid).
	hybrid bool
	// active is what activeContent found (not in a file this system's
	// signer wrote: inspectOwn).
	active activeFound
}

// inspectToSign is inspectParsed keeping the reader, with the unplaced
// objects.
func inspectToSign(all []byte) (inspected, error) { return inspectParse(all, true) }

// inspectParse inspects all; a file whose cross-reference data is damaged,
// or that the engine cannot read, is inspected again with that data made
// again by a scan (inspectRebuilt), and is what that finds when it reads.
// A damaged file that the scan cannot stand for is judged as it is: the
// engine may still read it, as before.
//
// An unsigned file with an object damaged inside is inspected so too
// (RebuildXref writes the object again as readers take it), and so is one
// with hybrid cross-reference data (Microsoft Office's), whose objects in
// object streams the engine does not see; a signed one is judged as it
// is, its signatures over what it holds.
func inspectParse(all []byte, keep bool) (x inspected, err error) {
	x, engine, err := inspectParseAll(all, keep, false)
	inside := (x.damagedObject != "" || x.hybrid) && (err != nil || x.info.Signatures == 0)
	if x.damaged != "" || inside || (err != nil && engine) {
		if y, rerr := inspectRebuilt(all, keep); rerr == nil {
			return y, nil
		}
	}
	if err != nil {
		x.rdr = nil
	}
	return x, err
}

// rebuildTurn lets one rebuilt copy of a file be made at a time (each is
// the size of its upload, outside the intake's memory budget).
var rebuildTurn = make(chan struct{}, 1)

// inspectRebuilt inspects all with its cross-reference data made again
// (verify.RebuildXref): the copy must read as a sound file.
//
// A file without "%%EOF" is not rebuilt: it was cut short (a download
// that stopped), whatever the scan would find.
func inspectRebuilt(all []byte, keep bool) (inspected, error) {
	if bytes.LastIndex(all, []byte("%%EOF")) < 0 {
		return inspected{}, errors.New("no %%EOF marker")
	}
	doc, err := func() (doc []byte, err error) {
		rebuildTurn <- struct{}{}
		defer func() {
			<-rebuildTurn
			if p := recover(); p != nil { // the file is judged as it is
				doc, err = nil, fmt.Errorf("the scan failed: %v", p)
			}
		}()
		return verify.RebuildXref(all, verify.DefaultLimits)
	}()
	if err != nil {
		return inspected{}, err
	}
	y, _, err := inspectParseAll(doc, keep, false)
	if err == nil && (y.damaged+y.damagedObject != "" || y.hybrid) {
		err = errors.New(y.damaged + y.damagedObject)
	}
	if err != nil {
		return inspected{}, err
	}
	y.info.XrefRebuilt = true
	y.rebuilt = doc
	return y, nil
}

// inspectOwn is inspectParsed (with keep) of a layer-1 file this system's
// signer wrote, read from storage with its SHA-256 checked against the
// record made of the signer's output (AgencyLayer.own): the engine reads
// it as it reads any file, without the precheck first. Its bytes are an
// input the intake accepted at upload and again at layer 1 (read by the
// engine then) and the update layer 1 wrote; nothing is rebuilt, and an
// error refuses it.
func inspectOwn(all []byte) (Info, *pdf.Reader, error) {
	x, _, err := inspectParseAll(all, true, true)
	if err != nil {
		return x.info, nil, err
	}
	return x.info, x.rdr, nil
}

// inspectParseAll is one inspection of all; engine says that an error is
// the engine's (the precheck passed). own skips the precheck (inspectOwn).
func inspectParseAll(all []byte, keep, own bool) (x inspected, engine bool, err error) {
	size := int64(len(all))
	head := all[:min(size, headerWindow)]
	off := headerOffset(all)
	if off < 0 {
		return x, false, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF file (no %%PDF- header)")
	}
	info := &x.info
	info.HeaderOffset = int64(off)
	info.Version = headerVersion(head[off:])

	if !own {
		found, perr := verify.PrecheckFindings(all, verify.DefaultLimits)
		if perr != nil {
			return x, false, workflow.Wrap(workflow.EUNPROCESSABLE, errors.Join(workflow.ErrPDFDamaged, perr), "PDF cannot be processed: %v", perr)
		}
		x.unplaced, x.reread, x.empty, x.damaged, x.damagedObject = found.Unplaced, found.Reread, found.Empty, found.Damaged, found.DamagedObject
		x.hybrid = found.Hybrid
	}
	// The library looks for %%EOF backwards from the end in ever larger
	// reads, all the way to the start: time quadratic in the size of a
	// file without it (Precheck bounds the bytes after the marker).
	if bytes.LastIndex(all, []byte("%%EOF")) < 0 { // from the end, where it is
		return x, false, unparsable(errors.New("no %%EOF marker"))
	}

	// The parser panics on some malformed input; turn that into a clear error.
	defer func() {
		if p := recover(); p != nil {
			engine, err = true, unparsable(fmt.Errorf("%v", p))
		}
	}()

	// The library's pool of buffers keeps the last reader it was given
	// reachable: let go of the bytes when done (they may be a mapping).
	src := &heldBytes{b: all[off:]}
	if !keep {
		defer src.release()
	}
	rd, perr := pdf.NewReader(src, size-int64(off))
	if perr != nil {
		if isEncryptionError(perr) {
			info.Encrypted = true
			return x, false, encryptedError()
		}
		return x, true, unparsable(perr)
	}
	if err := inspectStructure(rd, info); err != nil {
		return x, !info.Encrypted, err
	}
	if !own {
		x.active = activeContent(rd, info.Pages)
		info.Active = x.active.kinds
	}
	if keep {
		x.rdr = rd
	}
	return x, false, nil
}

// inspectStructure reads what Info says of the catalog, the page tree
// and the form from rd into info.
func inspectStructure(rd *pdf.Reader, info *Info) error {
	trailer := rd.Trailer()
	if !trailer.Key("Encrypt").IsNull() {
		info.Encrypted = true
		return encryptedError()
	}
	root := trailer.Key("Root")
	if root.Kind() != pdf.Dict {
		return unparsable(errors.New("no document catalog"))
	}
	if v := root.Key("Version").Name(); v != "" && v > info.Version {
		info.Version = v
	}
	pages := root.Key("Pages")
	if pages.Kind() != pdf.Dict {
		return unparsable(errors.New("no page tree"))
	}
	info.Pages = int(pages.Key("Count").Int64())
	if info.Pages < 1 {
		return unparsable(errors.New("the document has no pages"))
	}
	// Resolve the first and the last page: both are where stamps go.
	for _, p := range []int{1, info.Pages} {
		if pg := rd.Page(p); pg.V.IsNull() {
			return unparsable(fmt.Errorf("page %d of %d not found in the page tree", p, info.Pages))
		}
	}

	form := root.Key("AcroForm")
	if form.Kind() == pdf.Dict {
		info.HasXFA = !form.Key("XFA").IsNull()
		info.DynamicXFA = info.HasXFA && root.Key("NeedsRendering").Bool()
		fields := form.Key("Fields")
		for i := 0; i < fields.Len(); i++ {
			walkField(fields.Index(i), "", 0, info)
		}
	}
	return nil
}

// walkField visits a field and its kids, counting signed signature fields and
// noting any other terminal field.
func walkField(f pdf.Value, inheritedFT string, depth int, info *Info) {
	if f.Kind() != pdf.Dict || depth > maxFieldDepth {
		return
	}
	ft := f.Key("FT").Name()
	if ft == "" {
		ft = inheritedFT
	}
	kids := f.Key("Kids")
	hasFieldKids := false
	for i := 0; i < kids.Len(); i++ {
		k := kids.Index(i)
		// Kids that are only widget annotations (no /T) belong to this field.
		if !k.Key("T").IsNull() || !k.Key("FT").IsNull() || !k.Key("Kids").IsNull() {
			hasFieldKids = true
			walkField(k, ft, depth+1, info)
		}
	}
	if hasFieldKids {
		return
	}
	if ft == "Sig" {
		if !f.Key("V").IsNull() {
			info.Signatures++
		}
		return
	}
	info.HasAcroForm = true
}

func headerVersion(b []byte) string {
	// "%PDF-1.7"
	if len(b) < 8 {
		return ""
	}
	v := b[5:8]
	if v[0] < '0' || v[0] > '9' || v[1] != '.' || v[2] < '0' || v[2] > '9' {
		return ""
	}
	return string(v)
}

func isEncryptionError(err error) bool {
	return errors.Is(err, pdf.ErrInvalidPassword) || strings.Contains(strings.ToLower(err.Error()), "encrypt")
}

func encryptedError() error {
	return workflow.Wrap(workflow.EUNPROCESSABLE, workflow.ErrPDFEncrypted,
		"PDF is encrypted (password protected); remove the protection and upload again")
}

func unparsable(err error) error {
	msg := err.Error()
	// The parser appends dumps of its internal token structs; keep the words.
	if i := strings.Index(msg, ": {"); i > 0 {
		msg = msg[:i]
	}
	return workflow.Wrap(workflow.EUNPROCESSABLE, errors.Join(workflow.ErrPDFDamaged, err), "PDF cannot be parsed: %s", msg)
}
