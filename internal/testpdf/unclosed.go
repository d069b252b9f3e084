package testpdf

import "fmt"

// UnclosedStrings is a one-page draft as Ghostscript 10.00.0's pdfwrite
// with -dFastWebView writes a document whose title is not ASCII: the
// information dictionary's and an outline item's /Title are cut right
// after their UTF-16 byte-order mark, the string never closed, and the
// next object follows inside it. Without closedLater no ')' closes the
// strings before the end of the file, so poppler ("Unterminated string"),
// qpdf ("EOF while reading token") and MuPDF take both objects as null;
// with it, a stream after the outline item (an embedded file's data, as
// Ghostscript's font programs in a longer document) holds a lone ')' that
// closes its string, and what follows is no dictionary: qpdf ("too many
// errors; giving up on reading object") and MuPDF take it as null too.
// The page, its content and font are sound (the content's text is a
// hexadecimal string, as the strings left open would otherwise end in it).
func UnclosedStrings(closedLater bool) []byte {
	w := NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R /PageMode /UseOutlines >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 7 0 R >> >> /Contents 6 0 R >>")
	w.Obj(6, Stream("", []byte(fmt.Sprintf("BT /F1 14 Tf 72 760 Td <%x> Tj ET\nBT /F1 12 Tf 330 300 Td <%x> Tj ET",
		"QUYET DINH ve viec ban hanh quy che", "CHU TICH"))))
	w.Obj(7, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>")
	w.Obj(4, "<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>")
	// 5 and 8 as Ghostscript cuts them: no "endobj", the next header inside
	// the string.
	w.offs[5], w.gens[5] = w.b.Len(), 0
	w.b.WriteString("5 0 obj\n<< /Parent 4 0 R /Dest [3 0 R /XYZ 0 842 0] /Title(\xfe\xff")
	if closedLater {
		w.offs[9], w.gens[9], w.max = w.b.Len(), 0, 9
		w.b.WriteString("9 0 obj\n<< /Type /EmbeddedFile /Length 22 >>\nstream\nx) 1 2 3 } /A /B > ] y\nendstream\nendobj\n")
	}
	w.offs[8], w.gens[8], w.max = w.b.Len(), 0, max(w.max, 8)
	w.b.WriteString("8 0 obj\n<</Producer(GPL Ghostscript 10.00.0)\n/CreationDate(D:20261206033803Z00'00')\n/Title(\xfe\xff")
	w.b.WriteString("\n")
	return w.Table("/Root 1 0 R /Info 8 0 R /ID [<d0c3c851b0cdf6b2b542ed4e7320a806> <d0c3c851b0cdf6b2b542ed4e7320a806>]", -1)
}
