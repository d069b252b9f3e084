package testpdf

import (
	"bytes"
	"fmt"
)

// WordHybrid is a tagged one-page draft laid out as Microsoft Word's
// "Save as PDF" writes one, a hybrid-reference file (ISO 32000-1
// 7.5.8.4): the pages, their content and fonts are classic objects listed
// by a cross-reference table, where the structure tree's objects, kept in
// an object stream, are listed free; an update with an empty table
// ("xref 0 0") whose trailer names, by /XRefStm, a cross-reference stream
// that lists them in use. Readers of PDF 1.5 find the structure tree
// through /XRefStm; a reader that ignores it finds none. content is the
// page's text, drawn in Helvetica (its marked-content sequence is the
// structure element's).
//
// Objects: 1 catalog (/StructTreeRoot 7 0 R), 2 pages, 3 page, 4 content,
// 5 font, 6 the object stream, 7 the structure tree root, 8 the
// cross-reference stream, 9 a paragraph element, 10 the parent tree.
func WordHybrid(content string) []byte { return wordHybrid(content, false) }

// WordHybridOneTable is WordHybrid with one section: the table that lists
// the structure tree's objects free names the stream itself (/XRefStm in
// its own trailer), as some Office versions write it.
func WordHybridOneTable(content string) []byte { return wordHybrid(content, true) }

func wordHybrid(content string, oneTable bool) []byte {
	w := NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 7 0 R /MarkInfo << /Marked true >> /Lang (vi-VN) >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.32 841.92] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /StructParents 0 /Tabs /S >>")
	w.Obj(4, Stream("", []byte("/P << /MCID 0 >> BDC "+content+" EMC")))
	w.Obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	members := []struct {
		num  int
		body string
	}{
		{7, "<< /Type /StructTreeRoot /K [9 0 R] /ParentTree 10 0 R /ParentTreeNextKey 1 >>"},
		{9, "<< /Type /StructElem /S /P /P 7 0 R /Pg 3 0 R /K [0] >>"},
		{10, "<< /Nums [0 [9 0 R]] >>"},
	}
	var head, body bytes.Buffer
	for _, m := range members {
		fmt.Fprintf(&head, "%d %d ", m.num, body.Len())
		body.WriteString(m.body + " ")
	}
	w.Obj(6, Stream(fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(members), head.Len()),
		Deflate(append(head.Bytes(), body.Bytes()...))))
	// The companion cross-reference stream: the object stream and its
	// members in use, rows in /Index order (6, 7; 9, 10).
	xs := w.Len()
	rows := []byte{1, 0, 0, 0, 0, 0, 0}
	rows[1], rows[2], rows[3], rows[4] = byte(w.offs[6]>>24), byte(w.offs[6]>>16), byte(w.offs[6]>>8), byte(w.offs[6])
	rows = append(rows, 2, 0, 0, 0, 6, 0, 0, 2, 0, 0, 0, 6, 0, 1, 2, 0, 0, 0, 6, 0, 2)
	w.Obj(8, Stream("/Type /XRef /Size 11 /W [1 4 2] /Index [6 2 9 2] /Filter /FlateDecode", Deflate(rows)))
	// The main table: 6 to 10 free, as Word lists them for readers of
	// PDF 1.4.
	x := w.Len()
	w.b.WriteString("xref\n0 11\n0000000006 65535 f \n")
	for n := 1; n <= 10; n++ {
		if n <= 5 {
			fmt.Fprintf(&w.b, "%010d 00000 n \n", w.offs[n])
		} else {
			fmt.Fprintf(&w.b, "%010d 65535 f \n", (n+1)%11)
		}
	}
	if oneTable {
		fmt.Fprintf(&w.b, "trailer\n<< /Size 11 /Root 1 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", xs, x)
		return w.Bytes()
	}
	fmt.Fprintf(&w.b, "trailer\n<< /Size 11 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	// The update: an empty table, the companion stream named.
	u := w.Len()
	fmt.Fprintf(&w.b, "xref\n0 0\ntrailer\n<< /Size 11 /Root 1 0 R /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", x, xs, u)
	return w.Bytes()
}
