package signing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/mattetti/filebuffer"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// This file is the only one that talks to pdfsign's engine. We drive
// sign.SignWithData (the engine under pdfsign's fluent Document API) rather
// than Document.Sign/AddInitials because the fluent renderer decodes and
// re-encodes every stamp image pixel by pixel on every signature; with the
// engine's Renderer hook we add image XObjects we prepared once (see
// preparedImage). The number/date stamp on page 1 is added exactly the way
// pdfsign's AddInitials adds initials: a PreSignCallback that writes an
// appearance, an annotation and the page-1 update in the same incremental
// update as the signature, so layer 2 covers it.

// placedImage is a prepared image at a position inside an appearance box,
// in points from the box's lower-left corner.
type placedImage struct {
	img        *preparedImage
	x, y, w, h float64
}

// pageStamp is an annotation added to a page in the same write as a signature.
type pageStamp struct {
	page     int
	geom     pageGeom
	rect     [4]float64 // llx lly urx ury on the page as displayed (see pageGeom)
	images   []placedImage
	vectors  []placedVector // text drawn as outlines (vectorText)
	texts    []placedText   // invisible text over the images, for text extraction
	contents string         // the stamp's text, for search and accessibility
}

// placedText is ASCII text drawn invisibly (render mode 3) at a position
// inside an appearance box, so that text extraction (pdftotext, search)
// finds what an image shows.
type placedText struct {
	x, y, size float64
	text       string
}

type signParams struct {
	key                    keys.Key
	name, reason, location string
	contact                string
	page                   int
	geom                   pageGeom   // of page
	rect                   [4]float64 // on the page as displayed (see pageGeom)
	images                 []placedImage
	stamp                  *pageStamp
	tsaURL                 string
	tsa                    TimeStamper // answers in process when set (see OfficerLayer.TSA)
	time                   time.Time
	tap                    *hashTap // optional, see hashTap
	// rdr, when set, is a parse of exactly the document being signed
	// (made by its intake check), which the engine reads instead of
	// parsing the document again; nothing else may use it meanwhile.
	rdr *pdf.Reader
}

// signPDF signs in and returns the signed file (in followed by the
// incremental update, one copy of in).
func signPDF(ctx context.Context, in []byte, p signParams) ([]byte, error) {
	s, err := signStream(ctx, docParts{in}, p)
	if err != nil {
		return nil, err
	}
	return s.Bytes(), nil
}

// engineStats records how pdfsign's engine used our reader and writer.
type engineStats struct {
	presized bool // the engine's buffer was grown through presizedReader
	writes   int  // Write calls on the result writer
}

// signEngine signs through pdfsign's engine alone, which holds the whole
// document in memory several times over (see stream.go). It is used for
// keys the streaming signer's CMS builder does not handle (neither RSA nor
// ECDSA) and by the tests that pin the engine's behaviour.
func signEngine(ctx context.Context, doc docParts, p signParams) ([]byte, engineStats, error) {
	var stats engineStats
	if p.key.Signer == nil || len(p.key.Chain) == 0 {
		return nil, stats, workflow.Errorf(workflow.EUNAVAILABLE, "signing key or certificate missing")
	}
	in := doc[0]
	if len(doc) != 1 {
		in = bytes.Join(doc, nil)
	}
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, stats, unparsable(err)
	}
	sd := engineSignData(ctx, p)
	if p.tsaURL != "" {
		sd.TSA.URL = p.tsaURL
	}
	if p.stamp != nil {
		st := *p.stamp
		sd.PreSignCallback = func(c *sign.SignContext) error { return addPageStamp(c, st, p.page) }
	}
	var out resultWriter
	//nolint:staticcheck // the engine under the fluent API, used for its Renderer hook (see above).
	err = sign.SignWithData(presizedReader{bytes.NewReader(in), appendSlack(p), &stats.presized}, &out, rdr, int64(len(in)), sd)
	stats.writes = out.writes
	if err != nil {
		if ctx.Err() != nil {
			return nil, stats, ctx.Err()
		}
		if p.tsaURL != "" && isTSAError(err) {
			return nil, stats, tsaUnavailable(p.tsaURL, err)
		}
		return nil, stats, fmt.Errorf("sign: %w", err)
	}
	return out.b, stats, nil
}

// Two allocation savers around pdfsign's engine, which copies the input
// into an in-memory buffer (github.com/mattetti/filebuffer) and writes the
// whole result with one final Write (both pinned by TestPdfsignFacts):
//
// presizedReader is the input. io.Copy hands the buffer to its WriteTo,
// which grows it once to the input plus room for the incremental update,
// so the appended objects do not make bytes.Buffer double (and copy) a
// file of many megabytes.
type presizedReader struct {
	*bytes.Reader
	slack int
	hit   *bool
}

func (r presizedReader) WriteTo(w io.Writer) (int64, error) {
	if fb, ok := w.(*filebuffer.Buffer); ok && fb.Buff != nil {
		fb.Buff.Grow(r.Len() + r.slack)
		*r.hit = true
	}
	return r.Reader.WriteTo(w)
}

// appendSlack estimates the size of the incremental update: the images,
// the signature placeholder (and timestamp token) and the new objects.
func appendSlack(p signParams) int {
	return 256<<10 + imagesSize(p)
}

// resultWriter keeps the slice of pdfsign's single final Write instead of
// copying it: the engine drops its buffer when SignWithData returns. A
// second Write (a future pdfsign that streams) is appended, still correct.
type resultWriter struct {
	b      []byte
	writes int
}

func (w *resultWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.b == nil {
		w.b = p
	} else {
		w.b = append(w.b, p...)
	}
	return len(p), nil
}

// appearanceForm writes the images as XObjects and returns a Form XObject
// that draws them, then the vector text.
func appearanceForm(c *sign.SignContext, w, h float64, matrix string, imgs []placedImage, vecs []placedVector, texts ...placedText) ([]byte, error) {
	var res, stream bytes.Buffer
	for i, im := range imgs {
		id, err := addImageXObject(c, im.img)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&res, " /Im%d %d 0 R", i+1, id)
		x, y, w, h := im.x, im.y, im.w, im.h
		if p := im.img; p.FullW > 0 {
			// A cropped bitmap: the part of the placed box it covers.
			sx, sy := w/float64(p.FullW), h/float64(p.FullH)
			x, y = x+float64(p.CropX)*sx, y+float64(p.FullH-p.CropY-p.H)*sy
			w, h = float64(p.W)*sx, float64(p.H)*sy
		}
		fmt.Fprintf(&stream, "q %.3f 0 0 %.3f %.3f %.3f cm /Im%d Do Q\n", w, h, x, y, i+1)
	}
	for _, v := range vecs {
		fmt.Fprintf(&stream, "q 1 0 0 1 %.3f %.3f cm\n", v.x, v.y)
		stream.Write(v.ops)
		stream.WriteString("Q\n")
	}
	font := ""
	for _, t := range texts {
		fmt.Fprintf(&stream, "BT 3 Tr /Helv %.2f Tf %.3f %.3f Td %s Tj ET\n", t.size, t.x, t.y, literal(asciiOnly(t.text)))
		font = " /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >>"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Type /XObject /Subtype /Form /FormType 1 /BBox [0 0 %.3f %.3f] /Matrix %s", w, h, matrix)
	fmt.Fprintf(&b, " /Resources << /XObject <<%s >>%s >> /Length %d >>\nstream\n", res.String(), font, stream.Len())
	b.Write(stream.Bytes())
	b.WriteString("\nendstream")
	return b.Bytes(), nil
}

// objectBuffers are the buffers image XObjects are written into before
// the engine copies them into its own (AddObject keeps nothing): kept
// only up to maxObjectBuffer bytes of capacity each.
var objectBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxObjectBuffer = 1 << 20

// addObject writes an object made of a header, data and a footer through
// a pooled buffer.
func addObject(c *sign.SignContext, header string, data []byte, footer string) (uint32, error) {
	b := objectBuffers.Get().(*bytes.Buffer)
	b.Reset()
	b.Grow(len(header) + len(data) + len(footer))
	b.WriteString(header)
	b.Write(data)
	b.WriteString(footer)
	id, err := c.AddObject(b.Bytes())
	if b.Cap() <= maxObjectBuffer {
		objectBuffers.Put(b)
	}
	return id, err
}

func addImageXObject(c *sign.SignContext, im *preparedImage) (uint32, error) {
	const end = "\nendstream"
	smask := ""
	if im.Alpha != nil {
		id, err := addObject(c, fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n", im.W, im.H, len(im.Alpha)), im.Alpha, end)
		if err != nil {
			return 0, err
		}
		smask = fmt.Sprintf(" /SMask %d 0 R", id)
	}
	w, h := im.W, im.H
	if im.RGBW > 0 {
		w, h = im.RGBW, im.RGBH
	}
	return addObject(c, fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8%s /Filter /FlateDecode /Length %d >>\nstream\n", w, h, smask, len(im.RGB)), im.RGB, end)
}

// addPageStamp adds st as a locked, printable annotation to its page.
func addPageStamp(c *sign.SignContext, st pageStamp, sigPage int) error {
	page, err := pageByNumber(c.PDFReader, st.page)
	if err != nil {
		return err
	}
	w, h := st.rect[2]-st.rect[0], st.rect[3]-st.rect[1]
	form, err := appearanceForm(c, w, h, st.geom.matrix(), st.images, st.vectors, st.texts...)
	if err != nil {
		return err
	}
	apID, err := c.AddObject(form)
	if err != nil {
		return err
	}
	ptr := page.GetPtr()
	// /F 644 = Print | Locked | LockedContents.
	u := st.geom.rectToUser(st.rect)
	annot := fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /Rect [%.3f %.3f %.3f %.3f] /F 644 /AP << /N %d 0 R >> /P %d %d R /Contents %s >>",
		u[0], u[1], u[2], u[3], apID, ptr.GetID(), ptr.GetGen(), utf16Hex(st.contents))
	annotID, err := c.AddObject([]byte(annot))
	if err != nil {
		return err
	}
	if st.page == sigPage {
		// The engine rewrites the signature page itself; let it add ours.
		if c.ExtraAnnots == nil {
			c.ExtraAnnots = map[uint32][]uint32{}
		}
		c.ExtraAnnots[ptr.GetID()] = append(c.ExtraAnnots[ptr.GetID()], annotID)
		return nil
	}
	dict, err := pageWithAnnot(page, annotID)
	if err != nil {
		return err
	}
	return c.UpdateObject(ptr.GetID(), dict)
}

// pageWithAnnot serialises a page dictionary with annotID appended to /Annots.
// Values reached through an indirect reference are written as references.
func pageWithAnnot(page pdf.Value, annotID uint32) ([]byte, error) {
	pid := page.GetPtr().GetID()
	var b bytes.Buffer
	b.WriteString("<<")
	for _, k := range page.Keys() {
		if k == "Annots" {
			continue
		}
		fmt.Fprintf(&b, " /%s %s", k, valueString(page.Key(k), pid))
	}
	b.WriteString(" /Annots [")
	annots := page.Key("Annots")
	aid := annots.GetPtr().GetID()
	for i := 0; i < annots.Len(); i++ {
		b.WriteString(" " + valueString(annots.Index(i), aid))
	}
	fmt.Fprintf(&b, " %d 0 R ] >>", annotID)
	return b.Bytes(), nil
}

func valueString(v pdf.Value, container uint32) string {
	if p := v.GetPtr(); p.GetID() != 0 && p.GetID() != container {
		return fmt.Sprintf("%d %d R", p.GetID(), p.GetGen())
	}
	if v.Kind() == pdf.String {
		return literal(v.RawString())
	}
	return v.String()
}

func literal(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, "\r", `\r`)
	return "(" + r.Replace(s) + ")"
}

// asciiOnly replaces what is not printable ASCII with '?'.
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7E {
			return '?'
		}
		return r
	}, s)
}

func utf16Hex(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// pdfText makes text safe for pdfsign's string encoder, which writes
// non-ASCII text as UTF-16BE inside an unescaped literal string: a code unit
// containing the bytes ( ) \ or CR would break the file. Of the Vietnamese
// letters only Ĩ (U+0128) and ĩ (U+0129) do that; they are written as I/i
// followed by the combining tilde (U+0303), which renders the same. Other
// offending characters become '?' (ASCII parentheses are kept when the text
// is pure ASCII, where pdfsign escapes them).
func pdfText(s string) string {
	ascii := true
	for _, r := range s {
		if r > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 'Ĩ':
			b.WriteString("I\u0303")
			continue
		case 'ĩ':
			b.WriteString("i\u0303")
			continue
		case '(':
			b.WriteRune('[')
			continue
		case ')':
			b.WriteRune(']')
			continue
		}
		bad := false
		for _, u := range utf16.Encode([]rune{r}) {
			for _, c := range []byte{byte(u >> 8), byte(u)} {
				if c == '(' || c == ')' || c == '\\' || c == '\r' {
					bad = true
				}
			}
		}
		if bad {
			b.WriteRune('?')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pageByNumber finds page n (1-based) in the page tree.
func pageByNumber(r *pdf.Reader, n int) (pdf.Value, error) {
	p := r.Page(n)
	if p.V.IsNull() {
		return pdf.Value{}, fmt.Errorf("page %d not found", n)
	}
	return p.V, nil
}

// pageBox returns the visible page (its crop box within its media box) as
// llx lly urx ury.
func pageBox(r *pdf.Reader, n int) ([4]float64, error) {
	p, err := pageByNumber(r, n)
	if err != nil {
		return [4]float64{}, err
	}
	media, ok := boxOf(inherited(p, "MediaBox"))
	if !ok {
		media = [4]float64{0, 0, 612, 792} // what readers take: US Letter
	}
	crop, ok := boxOf(inherited(p, "CropBox"))
	if !ok {
		return media, nil
	}
	// The visible page is the crop box within the media box (ISO 32000-1
	// 14.11.2: a crop box past the media box is cut to it); the media box
	// when they do not meet.
	b := [4]float64{max(crop[0], media[0]), max(crop[1], media[1]), min(crop[2], media[2]), min(crop[3], media[3])}
	if b[0] >= b[2] || b[1] >= b[3] {
		return media, nil
	}
	return b, nil
}

// boxOf reads a rectangle, its corners in order; false when it is not
// one.
func boxOf(box pdf.Value) ([4]float64, bool) {
	var b [4]float64
	if box.Len() < 4 {
		return b, false
	}
	for i := range b {
		b[i] = box.Index(i).Float64()
	}
	if b[0] > b[2] {
		b[0], b[2] = b[2], b[0]
	}
	if b[1] > b[3] {
		b[1], b[3] = b[3], b[1]
	}
	return b, true
}

// existingSignature describes a signed field already in the PDF.
type existingSignature struct {
	page int
	rect [4]float64
}

// signedFields lists the signed signature fields with their widget's page
// and rectangle, in AcroForm order.
func signedFields(r *pdf.Reader) []existingSignature {
	pageIDs := map[uint32]int{}
	for i := 1; i <= r.NumPage(); i++ {
		if p := r.Page(i); !p.V.IsNull() {
			pageIDs[p.V.GetPtr().GetID()] = i
		}
	}
	var out []existingSignature
	fields := r.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		f := fields.Index(i)
		if f.Key("FT").Name() != "Sig" || f.Key("V").IsNull() {
			continue
		}
		s := existingSignature{page: pageIDs[f.Key("P").GetPtr().GetID()]}
		rect := f.Key("Rect")
		for j := 0; j < 4 && j < rect.Len(); j++ {
			s.rect[j] = rect.Index(j).Float64()
		}
		out = append(out, s)
	}
	return out
}

// inherited looks key up on the page and then its ancestors.
func inherited(p pdf.Value, key string) pdf.Value {
	for i := 0; i < 32 && !p.IsNull(); i++ {
		if v := p.Key(key); !v.IsNull() {
			return v
		}
		p = p.Key("Parent")
	}
	return pdf.Value{}
}

// isTSAError says whether a pdfsign error came from the timestamp request.
func isTSAError(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "get timestamp") || strings.Contains(m, "tsa") || strings.Contains(m, "timestamp response")
}
