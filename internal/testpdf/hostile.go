package testpdf

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"hash/adler32"
	"strings"
)

// Hostile PDFs: files made to exhaust a parser (deep nesting, absurd
// cross-reference fields, decompression bombs, cycles). Tests of every
// path that reads uploaded PDFs use them; each must be refused or
// reported in bounded time and memory.

// DeepArrays is "%PDF-1.7", "trailer", then n '[': the reproduction of a
// stack overflow in a recursive parser.
func DeepArrays(n int) []byte {
	return append([]byte("%PDF-1.7\ntrailer\n"), bytes.Repeat([]byte("["), n)...)
}

// Writer assembles a PDF from object bodies, with a classic
// cross-reference table or a cross-reference stream.
type Writer struct {
	b    bytes.Buffer
	offs map[int]int
	gens map[int]int
	max  int
}

// NewWriter starts a PDF with the given header version ("1.7").
func NewWriter(version string) *Writer {
	w := &Writer{offs: map[int]int{}, gens: map[int]int{}}
	fmt.Fprintf(&w.b, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	return w
}

// Obj writes object num with body (the text between "obj" and "endobj").
func (w *Writer) Obj(num int, body string) *Writer { return w.ObjGen(num, 0, body) }

// ObjGen writes object num of generation gen (a number reused after its
// object was freed, as incremental saves do), listed so by Table.
func (w *Writer) ObjGen(num, gen int, body string) *Writer {
	w.offs[num] = w.b.Len()
	w.gens[num] = gen
	w.max = max(w.max, num)
	fmt.Fprintf(&w.b, "%d %d obj\n%s\nendobj\n", num, gen, body)
	return w
}

// Raw appends bytes as they are.
func (w *Writer) Raw(s string) *Writer { w.b.WriteString(s); return w }

// Len is the current length of the file.
func (w *Writer) Len() int { return w.b.Len() }

// Stream returns a stream object body with dictionary entries extra.
func Stream(extra string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", extra, len(data), data)
}

// Deflate compresses data with zlib.
func Deflate(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// Table ends the file (or the update) with a classic cross-reference
// table of every object written so far and trailer entries extra
// ("/Root 1 0 R"); prev >= 0 adds /Prev.
func (w *Writer) Table(extra string, prev int) []byte {
	x := w.b.Len()
	fmt.Fprintf(&w.b, "xref\n0 %d\n", w.max+1)
	for n := 0; n <= w.max; n++ {
		if o, ok := w.offs[n]; ok {
			fmt.Fprintf(&w.b, "%010d %05d n \n", o, w.gens[n])
		} else {
			w.b.WriteString("0000000000 65535 f \n")
		}
	}
	p := ""
	if prev >= 0 {
		p = fmt.Sprintf(" /Prev %d", prev)
	}
	fmt.Fprintf(&w.b, "trailer\n<< /Size %d %s%s >>\nstartxref\n%d\n%%%%EOF\n", w.max+1, extra, p, x)
	return w.Bytes()
}

// XrefStream ends the file (or the update) with a cross-reference stream,
// object num, listing every object written so far (/W [1 4 2],
// uncompressed rows), with dictionary entries extra ("/Root 1 0 R").
// It returns the offset of the stream object.
func (w *Writer) XrefStream(num int, extra string) int {
	x := w.b.Len()
	w.offs[num] = x
	w.max = max(w.max, num)
	var rows bytes.Buffer
	for n := 0; n <= w.max; n++ {
		if o, ok := w.offs[n]; ok {
			rows.Write([]byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0, 0})
		} else {
			rows.Write([]byte{0, 0, 0, 0, 0, 0xff, 0xff})
		}
	}
	data := Deflate(rows.Bytes())
	fmt.Fprintf(&w.b, "%d 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", num,
		Stream(fmt.Sprintf("/Type /XRef /W [1 4 2] /Size %d /Filter /FlateDecode %s", w.max+1, extra), data), x)
	return x
}

// Bytes returns the file written so far.
func (w *Writer) Bytes() []byte { return bytes.Clone(w.b.Bytes()) }

// basicObjects writes a catalog (1), a page tree (2) and one page (3).
func basicObjects(w *Writer) {
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
}

// DeepTrailer is a well-formed file (header, objects, xref table,
// startxref, %%EOF) whose trailer dictionary holds n nested arrays.
func DeepTrailer(n int) []byte {
	w := NewWriter("1.7")
	basicObjects(w)
	return w.Table("/Root 1 0 R /X "+strings.Repeat("[", n)+strings.Repeat("]", n), -1)
}

// DeepObject is a well-formed file whose catalog holds n nested arrays.
func DeepObject(n int) []byte {
	w := NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /X "+strings.Repeat("[", n)+strings.Repeat("]", n)+" >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	return w.Table("/Root 1 0 R", -1)
}

// XrefFields is a file whose only cross-reference data is a stream with
// the given dictionary entries (for instance "/W [1 4 2] /Size 4"), and
// rows as its (deflated) data.
func XrefFields(entries string, rows []byte) []byte {
	w := NewWriter("1.7")
	basicObjects(w)
	x := w.Len()
	data := Deflate(rows)
	w.Raw(fmt.Sprintf("4 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", Stream("/Type /XRef /Root 1 0 R /Filter /FlateDecode "+entries, data), x))
	return w.Bytes()
}

// InflateBomb is a file whose cross-reference stream inflates to n bytes
// (n a multiple of 1 MiB; a few KB compressed for a gigabyte).
func InflateBomb(n int) []byte {
	w := NewWriter("1.7")
	basicObjects(w)
	x := w.Len()
	w.Raw(fmt.Sprintf("4 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n",
		Stream("/Type /XRef /Root 1 0 R /W [1 4 2] /Size 5 /Filter /FlateDecode", ZeroBomb(n)), x))
	return w.Bytes()
}

// ZeroBomb returns a zlib stream of n zero bytes (n a multiple of 1 MiB)
// without compressing them all: one deflate block of 1 MiB of zeros only
// refers back to zeros, so it is repeated.
func ZeroBomb(n int) []byte {
	const mb = 1 << 20
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	zero := make([]byte, mb)
	fw.Write(zero)
	fw.Flush()
	first := z.Len()
	fw.Write(zero)
	fw.Flush()
	block := bytes.Clone(z.Bytes()[first:])
	out := []byte{0x78, 0xda}
	out = append(out, z.Bytes()[:first]...)
	for range n/mb - 1 {
		out = append(out, block...)
	}
	out = append(out, 0x03, 0x00) // final empty block
	sum := adler32.New()
	for range n / mb {
		sum.Write(zero)
	}
	return sum.Sum(out)
}

// PageTreeCycle is a file whose page tree node lists itself as a kid.
func PageTreeCycle() []byte {
	w := NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 5 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	return w.Table("/Root 1 0 R", -1)
}

// FieldDAG is a file whose form field tree is depth levels of fanout
// references to the same field: a tree walk without a visited set does
// fanout^depth steps.
func FieldDAG(fanout, depth int) []byte {
	w := NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	w.Obj(4, "<< /Fields [10 0 R] >>")
	for d := range depth {
		kids := strings.Repeat(fmt.Sprintf("%d 0 R ", 11+d), fanout)
		w.Obj(10+d, fmt.Sprintf("<< /T (f%d) /FT /Sig /Kids [%s] >>", d, kids))
	}
	w.Obj(10+depth, "<< /T (leaf) /FT /Sig /V << /Type /Sig >> >>")
	return w.Table("/Root 1 0 R", -1)
}

// LengthChain is a file whose catalog's /AcroForm is the first of n
// streams, each with its /Length an indirect reference to the next: loading
// the first loads them all, one inside the other.
func LengthChain(n int) []byte {
	w := NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 10 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	for i := range n {
		w.Obj(10+i, fmt.Sprintf("<< /Length %d 0 R >>\nstream\nx\nendstream", 11+i))
	}
	w.Obj(10+n, "1")
	return w.Table("/Root 1 0 R", -1)
}

// HostileCase is one hostile file and words of the reason a bounded reader
// gives for refusing it.
type HostileCase struct {
	Name   string
	PDF    func() []byte
	Reason string
	// ReaderOnly is set for files only a general reader (which walks the
	// page and field trees) must refuse; a verifier may not look there.
	ReaderOnly bool
	// VerifierOnly is set for files only a verifier must refuse (it
	// checks every signature; a reader does not).
	VerifierOnly bool
}

// Hostile lists the hostile files; maxSections is the bound on revisions
// the reader under test applies.
func Hostile(maxSections int) []HostileCase {
	xrefRows := bytes.Repeat([]byte{1, 0, 0, 0, 20, 0, 0}, 5)
	return []HostileCase{
		{Name: "2 MB of [ after trailer", PDF: func() []byte { return DeepArrays(2 << 20) }, Reason: "levels deep"},
		{Name: "deep trailer", PDF: func() []byte { return DeepTrailer(200_000) }, Reason: "levels deep"},
		{Name: "deep catalog", PDF: func() []byte { return DeepObject(200_000) }, Reason: "levels deep"},
		{Name: "xref stream /W width", PDF: func() []byte { return XrefFields("/W [1 2147483647 2] /Size 5", xrefRows) }, Reason: "/W field width"},
		{Name: "xref stream /W fields", PDF: func() []byte { return XrefFields("/W [1 4 2 "+strings.Repeat("1 ", 100)+"] /Size 5", xrefRows) }, Reason: "/W fields"},
		{Name: "xref stream /Size", PDF: func() []byte { return XrefFields("/W [1 4 2] /Size 1099511627776", xrefRows) }, Reason: "/Size"},
		{Name: "xref stream /Size, no /W", PDF: func() []byte { return XrefFields("/X [1 4 2] /Size 1099511627776", xrefRows) }, Reason: "/Size"},
		// A stray "]" (and a name of bytes over 127) before /Size: a strict
		// parser stops at the damage (the verifier's own parser refuses the
		// file), a forgiving reader reads on and allocates by /Size.
		{Name: "xref stream /Size in a damaged dictionary", PDF: func() []byte {
			return XrefFields("/\xe7\xe7\xe7] /Size 1099511627776", xrefRows)
		}, Reason: "/Size", ReaderOnly: true},
		{Name: "xref stream /Index", PDF: func() []byte {
			return XrefFields("/W [1 4 2] /Size 5 /Index [0 1 4294967296 4]", xrefRows)
		}, Reason: "/Index"},
		{Name: "predictor /Columns 2^31", PDF: func() []byte {
			return XrefFields("/W [1 4 2] /Size 5 /DecodeParms << /Predictor 12 /Columns 2147483648 >>", xrefRows)
		}, Reason: "/Columns"},
		{Name: "xref stream inflating to 1 GB", PDF: func() []byte { return InflateBomb(1 << 30) }, Reason: "inflates to more than"},
		{Name: "indirect /Length chain", PDF: func() []byte { return LengthChain(300_000) }, Reason: "chain of more than"},
		{Name: "xref table object numbers", PDF: func() []byte {
			b := NewWriter("1.7").Obj(1, "<< /Type /Catalog /Pad ("+strings.Repeat("x", 300)+") >>").Table("/Root 1 0 R", -1)
			return bytes.Replace(b, []byte("xref\n0 2\n"), []byte("xref\n1099511627776 2\n"), 1)
		}, Reason: "table lists object numbers"},
		{Name: "xref table object numbers, bad count", PDF: func() []byte {
			b := NewWriter("1.7").Obj(1, "<< /Type /Catalog /Pad ("+strings.Repeat("x", 300)+") >>").Table("/Root 1 0 R", -1)
			return bytes.Replace(b, []byte("xref\n0 2\n"), []byte("xref\n1099511627776 99999999999\n"), 1)
		}, Reason: "table lists object numbers from"},
		{Name: "too many revisions", PDF: func() []byte {
			w := NewWriter("1.7")
			w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>").Obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
			prev := -1
			for range maxSections + 10 {
				x := w.Len()
				w.Table("/Root 1 0 R", prev)
				prev = x
			}
			return w.Bytes()
		}, Reason: "cross-reference sections"},
		{Name: "20,000 signatures over the whole file", PDF: func() []byte { return ManySignatures(20_000) }, Reason: "more work", VerifierOnly: true},
		{Name: "2 MB after %%EOF", PDF: func() []byte {
			return append(DeepObject(1), bytes.Repeat([]byte("x"), 2<<20)...)
		}, Reason: "follow the end of the PDF", ReaderOnly: true},
		{Name: "object stream /N 2^62", PDF: func() []byte { return ObjStm("/N 4611686018427387904", "", 9) }, Reason: "/N", ReaderOnly: true},
		{Name: "object stream /Extends cycle", PDF: func() []byte { return ObjStm("/N 1", "/Extends 5 0 R", 9) }, Reason: "extends itself", ReaderOnly: true},
		{Name: "page tree cycle", PDF: PageTreeCycle, Reason: "page tree reaches object 2 twice", ReaderOnly: true},
		{Name: "field tree DAG", PDF: func() []byte { return FieldDAG(8, 30) }, Reason: "form field tree reaches object", ReaderOnly: true},
		{Name: "deep object at an offset without header", PDF: func() []byte {
			// The xref offset of object 1 points at a bare array.
			b := DeepObject(10_000)
			return bytes.Replace(b, []byte("1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X "), []byte("1 0 obj\n                                  "), 1)
		}, Reason: "levels deep", ReaderOnly: true},
	}
}

// ManySignatures is a file with n signature fields, each with its own
// signature dictionary whose byte range covers the whole file (and whose
// value is not a signature): checking each reads the whole file.
func ManySignatures(n int) []byte {
	build := func(lens map[int]int, total int) (*Writer, map[int]int) {
		w := NewWriter("1.7")
		var fields strings.Builder
		for i := range n {
			fmt.Fprintf(&fields, "%d 0 R ", 10+2*i)
		}
		w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields ["+fields.String()+"] >> >>")
		w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
		w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
		gaps := map[int]int{}
		for i := range n {
			w.Obj(10+2*i, fmt.Sprintf("<< /FT /Sig /T (s%d) /V %d 0 R >>", i, 11+2*i))
			a := lens[i]
			body := fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 %010d %010d %010d] /Contents ", a, a+4, total-a-4)
			gaps[i] = w.Len() + len(fmt.Sprintf("%d 0 obj\n", 11+2*i)) + len(body)
			w.Obj(11+2*i, body+"<00> >>")
		}
		return w, gaps
	}
	w, gaps := build(map[int]int{}, 0)
	total := len(w.Table("/Root 1 0 R", -1))
	w, _ = build(gaps, total)
	return w.Table("/Root 1 0 R", -1)
}

// ObjStm is a file whose catalog is object 10 in object stream 5 (with
// dictionary entries n, "/N 1" for a sound one, and extra), and whose
// cross-reference data is a stream. The stream's header names the object
// id (10 for a sound file; another makes a reader search for object 10).
func ObjStm(n, extra string, id int) []byte {
	return ObjStmCatalog(n, extra, id, "<< /Type /Catalog /Pages 2 0 R >>")
}

// ObjStmCatalog is ObjStm with catalog as the catalog's dictionary.
func ObjStmCatalog(n, extra string, id int, catalog string) []byte {
	w := NewWriter("1.7")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	head := fmt.Sprintf("%d 0 ", id)
	data := head + catalog
	w.Obj(5, Stream(fmt.Sprintf("/Type /ObjStm %s /First %d %s", n, len(head), extra), []byte(data)))
	x := w.Len()
	var rows bytes.Buffer
	for num := 0; num <= 10; num++ {
		switch {
		case num == 10:
			rows.Write([]byte{2, 0, 0, 0, 5, 0, 0})
		case w.offs[num] > 0:
			o := w.offs[num]
			rows.Write([]byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0, 0})
		default:
			rows.Write([]byte{0, 0, 0, 0, 0, 0xff, 0xff})
		}
	}
	w.offs[11] = x
	o := x
	rows.Write([]byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0, 0})
	w.Raw(fmt.Sprintf("11 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n",
		Stream("/Type /XRef /W [1 4 2] /Size 12 /Root 10 0 R /Filter /FlateDecode", Deflate(rows.Bytes())), x))
	return w.Bytes()
}
