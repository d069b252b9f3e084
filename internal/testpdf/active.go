package testpdf

import (
	"bytes"
	"fmt"
)

// Active returns a one-page A4 PDF whose catalog and page carry the
// entries catalog and page ("/OpenAction 6 0 R", "/AA << ... >>"), with
// objects 6, 7... the extra objects, in order: a file that acts when it is
// opened (JavaScript, a launch action, an embedded file), as a hostile
// drafter would upload one.
func Active(catalog, page string, extra ...string) []byte {
	objs := append([]string{
		"<< /Type /Catalog /Pages 2 0 R " + catalog + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> " + page + " >>",
		"<< /Length 36 >>\nstream\nBT /F1 12 Tf 72 720 Td (Hello) Tj ET\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}, extra...)
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// ActiveJS is Active with JavaScript run on opening (/OpenAction).
func ActiveJS() []byte {
	return Active("/OpenAction 6 0 R", "", "<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
}

// ActiveLaunch is Active with a link on page 1 whose action launches a
// program.
func ActiveLaunch() []byte {
	return Active("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (cmd.exe) >> >>]")
}

// ActiveJSEmbedded is Active with JavaScript run on opening and an
// embedded file (a.exe) in the document's name tree.
func ActiveJSEmbedded() []byte {
	return Active("/OpenAction 6 0 R /Names << /EmbeddedFiles << /Names [(a.exe) 7 0 R] >> >>", "",
		"<< /S /JavaScript /JS (app.alert\\(1\\)) >>", "<< /Type /Filespec /F (a.exe) /EF << /F 8 0 R >> >>",
		"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream")
}
