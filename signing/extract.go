package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/workflow"
)

// An extract (trích sao, Decree 30 Art. 25): a new PDF of the selected
// pages of a document that passed the intake — not an incremental
// update, so that nothing of the other pages is in the file. Each kept
// page is written with its content streams, its boxes (MediaBox, CropBox,
// BleedBox, TrimBox, ArtBox), Rotate, Group and UserUnit, Resources,
// MediaBox, CropBox and Rotate taken from the Pages nodes above it when
// the page inherits them, and its annotations but links, widgets and
// popups (a text box, a stamp, a highlight: drawn on the page, their /P
// the new page, their /Popup, /IRT, /Parent and /StructParent left out);
// the objects they refer to are copied, each once, numbered anew,
// dictionaries through pdfwrite.go's writer and streams with their raw
// bytes (their /Filter and /DecodeParms kept, /Length recomputed). Left
// out: links (they go to pages that may not be kept), widgets (the
// original's fields and signatures, which the extract does not carry: an
// issued document's form fields were flattened at the intake), /Parent (a
// fresh page tree), /StructParents, /B, /AA, /Thumb, /PieceInfo, /Metadata
// and any other page entry not named above; a reference to a page, a
// page tree node or the catalog, met anywhere, is written null.
// The page's resources of kinds XObject, Font, ExtGState, Pattern,
// Shading and Properties keep only the names its content streams use
// (LibreOffice shares one resource dictionary between pages: the images
// of the other pages stay out); ColorSpace and ProcSet are kept whole.
// So do the resources of everything copied that has content of its own
// (ownContent): a form XObject (an annotation's appearance and a soft
// mask's group are forms too), a tiling pattern and a Type 3 font keep of
// their /Resources the names their own content uses — a form's stream,
// a pattern's cell, the font's glyph procedures (CharProcs) — each
// written pruned where the object is (resourceValue: a Type 3 font that
// is a direct dictionary too), never the shared dictionary (some
// scanners, Word and LibreOffice exports and merge tools give every form
// the document's one resource dictionary, or a page-sized form that lists
// every image: a whole copy would carry the excluded pages' images,
// fonts and forms). A form, or a Type 3 font, with no /Resources uses its
// caller's: its names count as its caller's (usedNames). Nothing is
// copied whole. A form in a form is pruned when it is written in turn:
// every object is written once, whatever refers to it, from a queue, so
// a form that draws itself, directly or through others, refers to its
// own new number and costs no stack; the forms without resources a
// content draws are read into its names, each once (one that draws
// itself too), at most maxFormNesting deep (an error past that), and the
// content decoded for one extract is bounded by maxExtractDecoded.

// maxExtractContent bounds the decoded bytes of one page's content
// streams read to find the resources it uses.
const maxExtractContent = 64 << 20

// maxExtractDecoded bounds the decoded bytes of all the content streams
// (pages, forms, patterns, glyph procedures) one extract reads.
const maxExtractDecoded = 4 * maxExtractContent

// maxFormNesting bounds how deep usedNames follows forms (and Type 3
// fonts) without resources of their own into those that draw them.
const maxFormNesting = 8

// prunedResources are the resource kinds an extract's page keeps only
// the names of its content uses.
var prunedResources = map[string]bool{"XObject": true, "Font": true, "ExtGState": true, "Pattern": true, "Shading": true, "Properties": true}

// pageKeys are the page entries an extract's page keeps as they are.
var pageKeys = []string{"Contents", "BleedBox", "TrimBox", "ArtBox", "Group", "UserUnit"}

// PageCount is the number of pages of in: EUNPROCESSABLE when it cannot
// be read.
func PageCount(in []byte) (int, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return 0, workflow.Wrap(workflow.EUNPROCESSABLE, err, "read the PDF")
	}
	return rdr.NumPage(), nil
}

// ExtractPages writes a new PDF of in's pages (1-based, in the order
// given, each once): EINVALID when a page is not in in (a
// *workflow.PageRangeError), when in is encrypted or when a kept page's
// objects cannot be read, with the reason.
func ExtractPages(in []byte, pages []int) ([]byte, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "read the PDF to extract pages")
	}
	if !rdr.Trailer().Key("Encrypt").IsNull() {
		return nil, workflow.Errorf(workflow.EINVALID, "an encrypted PDF: its pages cannot be extracted")
	}
	n := rdr.NumPage()
	x := &extractor{src: in, nums: map[uint32]uint32{}, offs: []int64{0}}
	catalog, tree := x.alloc(), x.alloc()
	var kids []string
	for _, p := range pages {
		if p < 1 || p > n {
			return nil, workflow.Wrap(workflow.EINVALID, &workflow.PageRangeError{Page: p, Count: n}, "extract pages")
		}
		pg := rdr.Page(p)
		if pg.V.Kind() != pdf.Dict {
			return nil, workflow.Errorf(workflow.EINVALID, "page %d cannot be read", p)
		}
		num, err := x.page(pg.V, tree)
		if err == nil {
			err = x.drain()
		}
		if err != nil {
			return nil, workflow.Wrap(workflow.EINVALID, err, "page %d cannot be extracted", p)
		}
		kids = append(kids, fmt.Sprintf("%d 0 R", num))
	}
	x.put(tree, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	cat := fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R", tree)
	if lang := rdr.Trailer().Key("Root").Key("Lang"); lang.Kind() == pdf.String {
		cat += " /Lang <" + hex.EncodeToString([]byte(lang.RawString())) + ">"
	}
	x.put(catalog, cat+" >>")
	return x.finish(catalog), nil
}

// extractor writes an extract: the objects copied, under their new
// numbers.
type extractor struct {
	src    []byte
	out    bytes.Buffer
	offs   []int64           // new object number -> offset in out (0: not written yet)
	nums   map[uint32]uint32 // object number in src -> new number
	queue  []pdf.Value       // objects numbered, not written yet
	err    error             // the first value that could not be read
	read   int64             // content bytes decoded so far (maxExtractDecoded)
	inline int               // direct Type 3 fonts being written inside one another (resourceValue)
}

func (x *extractor) alloc() uint32 {
	x.offs = append(x.offs, 0)
	return uint32(len(x.offs) - 1)
}

// ref is the writer's hook (holder.refs): the new number of object v,
// which is queued to be written the first time; null for a page, a page
// tree node or the catalog.
func (x *extractor) ref(v pdf.Value) string {
	if err := v.Err(); err != nil {
		if x.err == nil {
			x.err = err
		}
		return "null"
	}
	if v.Kind() == pdf.Dict {
		switch v.Key("Type").Name() {
		case "Page", "Pages", "Catalog":
			return "null"
		}
	}
	id := v.GetPtr().GetID()
	n, ok := x.nums[id]
	if !ok {
		n = x.alloc()
		x.nums[id] = n
		x.queue = append(x.queue, v)
	}
	return fmt.Sprintf("%d 0 R", n)
}

// holder is the writer's holder of values read from object v.
func (x *extractor) holder(v pdf.Value) *holder {
	return &holder{id: v.GetPtr().GetID(), self: v, refs: x.ref}
}

func (x *extractor) put(n uint32, body string) {
	x.offs[n] = int64(x.out.Len())
	fmt.Fprintf(&x.out, "%d 0 obj\n%s\nendobj\n", n, body)
}

// drain writes the queued objects, and those they refer to.
func (x *extractor) drain() error {
	for len(x.queue) > 0 {
		v := x.queue[0]
		x.queue = x.queue[1:]
		if err := x.object(x.nums[v.GetPtr().GetID()], v); err != nil {
			return err
		}
	}
	return x.err
}

// object writes v, object id of src, as object n.
func (x *extractor) object(n uint32, v pdf.Value) error {
	var w strings.Builder
	set, err := x.ownResources(v)
	if err != nil {
		return fmt.Errorf("object %d: %w", v.GetPtr().GetID(), err)
	}
	switch v.Kind() {
	case pdf.Stream:
		raw, ok := rawStream(v, x.src)
		if !ok {
			return fmt.Errorf("the stream of object %d cannot be read", v.GetPtr().GetID())
		}
		if set == nil {
			set = map[string]string{}
		}
		set["Length"] = strconv.Itoa(len(raw))
		pdfDictAt(&w, v, x.holder(v), set, 0)
		x.offs[n] = int64(x.out.Len())
		fmt.Fprintf(&x.out, "%d 0 obj\n%s\nstream\n", n, w.String())
		x.out.Write(raw)
		x.out.WriteString("\nendstream\nendobj\n")
		return nil
	case pdf.Dict:
		pdfDictAt(&w, v, x.holder(v), set, 0)
	default:
		pdfValueAt(&w, v, &holder{id: v.GetPtr().GetID(), refs: x.ref}, 0)
	}
	x.put(n, w.String())
	return nil
}

// page writes page p under the page tree node parent: its number.
func (x *extractor) page(p pdf.Value, parent uint32) (uint32, error) {
	n := x.alloc()
	var w strings.Builder
	fmt.Fprintf(&w, "<< /Type /Page /Parent %d 0 R", parent)
	for _, k := range []string{"MediaBox", "CropBox", "Rotate"} {
		v, node := inheritedFrom(p, k)
		if v.IsNull() {
			if k == "MediaBox" {
				return 0, fmt.Errorf("the page has no MediaBox")
			}
			continue
		}
		w.WriteString(" /" + k + " ")
		pdfValueAt(&w, v, x.holder(node), 1)
	}
	for _, k := range pageKeys {
		if v := p.Key(k); !v.IsNull() {
			w.WriteString(" /" + k + " ")
			pdfValueAt(&w, v, x.holder(p), 1)
		}
	}
	if p.Key("Contents").Kind() == pdf.Dict {
		return 0, fmt.Errorf("its /Contents is no stream")
	}
	if res, _ := inheritedFrom(p, "Resources"); res.Kind() == pdf.Dict {
		used, err := x.usedNames(p.Key("Contents"), res, 0, nil)
		if err != nil {
			return 0, err
		}
		w.WriteString(" /Resources ")
		x.resources(&w, res, used)
	}
	if annots := x.annots(p.Key("Annots"), n); len(annots) > 0 {
		w.WriteString(" /Annots [" + strings.Join(annots, " ") + "]")
	}
	w.WriteString(" >>")
	if x.err != nil {
		return 0, x.err
	}
	x.put(n, w.String())
	return n, nil
}

// droppedAnnots are the annotations an extract's page leaves out.
var droppedAnnots = map[string]bool{"Link": true, "Widget": true, "Popup": true}

// annots writes the annotations of list (a page's /Annots) the extract
// keeps, each an object of its own on page: references to them.
func (x *extractor) annots(list pdf.Value, page uint32) []string {
	var refs []string
	for i := range list.Len() {
		a := list.Index(i)
		if a.Kind() != pdf.Dict || droppedAnnots[a.Key("Subtype").Name()] {
			continue
		}
		var w strings.Builder
		pdfDictAt(&w, a, x.holder(a), map[string]string{"P": fmt.Sprintf("%d 0 R", page), "Popup": "", "IRT": "", "Parent": "", "StructParent": ""}, 0)
		m := x.alloc()
		x.put(m, w.String())
		refs = append(refs, fmt.Sprintf("%d 0 R", m))
	}
	return refs
}

// inheritedFrom is key's value on page p or on the nearest page tree node
// above it, and the dictionary it was read from.
func inheritedFrom(p pdf.Value, key string) (v, from pdf.Value) {
	for n, depth := p, 0; n.Kind() == pdf.Dict && depth < maxWriteDepth; n, depth = n.Key("Parent"), depth+1 {
		if v := n.Key(key); !v.IsNull() {
			return v, n
		}
	}
	return pdf.Value{}, pdf.Value{}
}

// resources writes res, keeping of the kinds prunedResources only the
// names in used.
func (x *extractor) resources(w *strings.Builder, res pdf.Value, used map[string]bool) {
	h := x.holder(res)
	w.WriteString("<<")
	for _, k := range res.Keys() {
		sub := res.Key(k)
		w.WriteString(" " + pdfName(k) + " ")
		if !prunedResources[k] || sub.Kind() != pdf.Dict {
			pdfValueAt(w, sub, h, 1)
			continue
		}
		sh := x.holder(sub)
		w.WriteString("<<")
		for _, name := range sub.Keys() {
			if used[name] {
				w.WriteString(" " + pdfName(name) + " ")
				x.resourceValue(w, sub.Key(name), sh)
			}
		}
		w.WriteString(" >>")
	}
	w.WriteString(" >>")
}

// ownContent is the content of v when v is an object with content and
// resources of its own — a form XObject's stream, a tiling pattern's
// (PatternType 1) or a Type 3 font's glyph procedures (its CharProcs) —
// and whether it is one.
func ownContent(v pdf.Value) (pdf.Value, bool) {
	switch {
	case v.Kind() == pdf.Stream && (v.Key("Subtype").Name() == "Form" || v.Key("PatternType").Int64() == 1):
		return v, true
	case v.Kind() == pdf.Dict && v.Key("Subtype").Name() == "Type3":
		return v.Key("CharProcs"), true
	}
	return pdf.Value{}, false
}

// ownResources is the entry of the set pdfDictAt writes v with that
// replaces v's /Resources by the names its own content uses (ownContent),
// or nil when v is no such object or has no /Resources (it uses its
// caller's).
func (x *extractor) ownResources(v pdf.Value) (map[string]string, error) {
	content, ok := ownContent(v)
	res := v.Key("Resources")
	if !ok || res.Kind() != pdf.Dict {
		return nil, nil
	}
	used, err := x.usedNames(content, res, 0, nil)
	if err != nil {
		return nil, err
	}
	var w strings.Builder
	x.resources(&w, res, used)
	return map[string]string{"Resources": w.String()}, nil
}

// resourceValue writes v, an entry of a resource sub-dictionary held in
// h: a Type 3 font written there (a direct dictionary) with its resources
// pruned as ownResources does — an indirect one is when object writes it
// — at most maxFormNesting inside one another (a font among its own
// resources); other values as they are.
func (x *extractor) resourceValue(w *strings.Builder, v pdf.Value, h *holder) {
	id := v.GetPtr().GetID()
	if _, ok := ownContent(v); !ok || v.Kind() != pdf.Dict || (id != 0 && id != h.id) || h.refersToSelf(v) {
		pdfValueAt(w, v, h, 2)
		return
	}
	x.inline++
	defer func() { x.inline-- }()
	set, err := map[string]string(nil), fmt.Errorf("Type 3 fonts nest more than %d deep in their resources", maxFormNesting)
	if x.inline <= maxFormNesting {
		set, err = x.ownResources(v)
	}
	if err != nil {
		if x.err == nil {
			x.err = err
		}
		w.WriteString("null")
		return
	}
	pdfDictAt(w, v, h, set, 3)
}

// usedNames is the names content (a stream, an array of them or a Type 3
// font's CharProcs) uses as operands, and those of the form XObjects and
// Type 3 fonts it uses that have no resources of their own (they use
// res, the caller's), each read once (seen: their object numbers; a form
// that draws itself is read once): an error past maxFormNesting of those.
func (x *extractor) usedNames(content, res pdf.Value, depth int, seen map[uint32]bool) (map[string]bool, error) {
	used := map[string]bool{}
	if seen == nil {
		seen = map[uint32]bool{}
	}
	if depth > maxFormNesting {
		return nil, fmt.Errorf("forms without resources of their own nest more than %d deep", maxFormNesting)
	}
	data, err := x.contentBytes(content)
	if err != nil {
		return nil, err
	}
	l := contentLexer{b: data}
	add := func(o operand) {
		if o.kind == operandName {
			used[o.Name()] = true
		}
	}
	for {
		_, args, ok := l.next()
		if !ok {
			break
		}
		for _, a := range args {
			add(a)
			for _, e := range a.arr {
				add(e)
			}
		}
	}
	if l.done {
		return nil, fmt.Errorf("its content nests operands too deep to be read")
	}
	xo, fonts := res.Key("XObject"), res.Key("Font")
	for name := range used {
		for _, f := range []pdf.Value{xo.Key(name), fonts.Key(name)} {
			content, ok := ownContent(f)
			if !ok || !f.Key("Resources").IsNull() || seen[f.GetPtr().GetID()] {
				continue
			}
			seen[f.GetPtr().GetID()] = true
			more, err := x.usedNames(content, res, depth+1, seen)
			if err != nil {
				return nil, err
			}
			for k := range more {
				used[k] = true
			}
		}
	}
	return used, nil
}

// contentBytes is content decoded, streams of an array (or of a Type 3
// font's CharProcs) joined by a newline: an error when a stream cannot be
// decoded whole, or past maxExtractDecoded for the extract.
func (x *extractor) contentBytes(content pdf.Value) ([]byte, error) {
	var parts []pdf.Value
	switch content.Kind() {
	case pdf.Stream:
		parts = []pdf.Value{content}
	case pdf.Array:
		for i := range content.Len() {
			parts = append(parts, content.Index(i))
		}
	case pdf.Dict:
		for _, k := range content.Keys() {
			parts = append(parts, content.Key(k))
		}
	case pdf.Null:
		if err := content.Err(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("its /Contents is no stream")
	}
	var buf bytes.Buffer
	for _, s := range parts {
		if s.Kind() != pdf.Stream {
			return nil, fmt.Errorf("a content stream cannot be read")
		}
		rc := streamData(s, x.src)
		_, err := buf.ReadFrom(io.LimitReader(rc, maxExtractContent-int64(buf.Len())+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("a content stream cannot be decoded: %w", err)
		}
		if buf.Len() > maxExtractContent {
			return nil, fmt.Errorf("its content is over %d MiB", maxExtractContent>>20)
		}
		buf.WriteByte('\n')
	}
	if x.read += int64(buf.Len()); x.read > maxExtractDecoded {
		return nil, fmt.Errorf("the content read for the extract is over %d MiB", maxExtractDecoded>>20)
	}
	return buf.Bytes(), nil
}

// finish writes the cross-reference table and the trailer: the file.
func (x *extractor) finish(root uint32) []byte {
	body := x.out.Bytes()
	id := sha256.Sum256(body)
	var f bytes.Buffer
	f.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	head := int64(f.Len())
	f.Write(body)
	xref := f.Len()
	fmt.Fprintf(&f, "xref\n0 %d\n0000000000 65535 f\r\n", len(x.offs))
	for _, off := range x.offs[1:] {
		fmt.Fprintf(&f, "%010d 00000 n\r\n", head+off)
	}
	h := hex.EncodeToString(id[:16])
	fmt.Fprintf(&f, "trailer\n<< /Size %d /Root %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n", len(x.offs), root, h, h, xref)
	return f.Bytes()
}

// ExtractPages implements workflow.CopyExtractor: the package's
// ExtractPages, a panic of the PDF library answered with EINVALID.
func (s *Service) ExtractPages(_ context.Context, in []byte, pages []int) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, workflow.Errorf(workflow.EINVALID, "the pages cannot be extracted from this PDF (%v)", p)
		}
	}()
	return ExtractPages(in, pages)
}
