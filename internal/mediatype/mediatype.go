// Package mediatype names the media type a stored file is served with.
//
// Most files are PDFs, but not all: a document received from a connected
// agency carries its sender's attachments as they were sent (a .docx of
// the draft, a spreadsheet, a .zip of annexes, a scan as an image). Served
// as application/pdf, such a file opened as a broken PDF in the browser's
// viewer. A file is PDF when its content says so; any other file gets the
// type its name's extension has in a short list of office, archive and
// image formats, or application/octet-stream, and is only ever offered for
// download, never shown inline (a received .html or .svg must not run in
// the application's origin).
package mediatype

import (
	"bytes"
	"io"
	"path"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// PDF is the media type of PDF files.
const PDF = workflow.PDFType

// SniffLen is how many of a file's first bytes Of looks at
// (workflow.IsPDF).
const SniffLen = workflow.SniffLen

// byExtension are the non-PDF types served under their own name. Types a
// browser renders as active content (HTML, SVG, XML) are not in it.
var byExtension = map[string]string{
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls":  "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt":  "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".rtf":  "application/rtf",
	".txt":  "text/plain; charset=utf-8",
	".zip":  "application/zip",
	".rar":  "application/vnd.rar",
	".7z":   "application/x-7z-compressed",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
}

// Of returns the media type of a file whose first bytes are head (up to
// SniffLen of them) and whose name is name.
func Of(head []byte, name string) string {
	if workflow.IsPDF(head) {
		return PDF
	}
	return byName(name)
}

// byName is the type of a file that is not a PDF, by its name.
func byName(name string) string {
	if t, ok := byExtension[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// Recorded returns the media type of the file named name whose content
// was found to be of type recorded (what Of or workflow.FileContentType
// gave for its first SniffLen bytes, which the services' Stat read for a
// HEAD: workflow.Service.HeadFile, archive.Service.Stat): what Of gives
// for its content.
func Recorded(recorded, name string) string {
	if recorded == PDF {
		return PDF
	}
	return byName(name)
}

// Inline reports whether a file of media type t may be shown in the
// browser (the document page's viewer): PDFs only.
func Inline(t string) bool { return t == PDF }

// Sniff reads the first bytes of r and returns the media type of the file
// named name with a reader of the whole of it.
func Sniff(r io.Reader, name string) (string, io.Reader, error) {
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", nil, err
	}
	head = head[:n]
	return Of(head, name), io.MultiReader(bytes.NewReader(head), r), nil
}
