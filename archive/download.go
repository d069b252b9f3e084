package archive

import (
	"path"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// recordKind is the kind, for workflow.DownloadName, of a record's object
// that is none of the document's files (metadata.json, the evidence): it
// is named by the document and its own name.
const recordKind workflow.FileKind = "record"

// DownloadName is the name the object of rec named name (in the record:
// document.pdf, attachments/01-phu-luc-1.pdf, metadata.json...) is
// downloaded under: workflow.DownloadName of the record's document, the
// principal file as the document's, an attachment as its attachment,
// another object by its own name ("05-QĐ-UBND metadata - Quyết định
// Phê duyệt kế hoạch.json").
func DownloadName(rec *Record, name string) string {
	f := workflow.File{Name: path.Base(name), Kind: recordKind}
	switch {
	case name == NameDocument:
		f.Kind = workflow.FileMain
	case strings.HasPrefix(name, "attachments/"):
		f.Kind = workflow.FileAttachment
	}
	return workflow.DownloadName(recordDocument(rec), f)
}

// PackageDownloadName is the name of rec's BagIt package as downloaded,
// with the register's year (a notation's number comes again every year):
// "05-QĐ-UBND Hồ sơ lưu trữ 2026 - Quyết định Phê duyệt kế hoạch.zip".
func PackageDownloadName(rec *Record) string {
	name := "Hồ sơ lưu trữ"
	if rec.Year > 0 {
		name += " " + strconv.Itoa(rec.Year)
	}
	return workflow.DownloadName(recordDocument(rec), workflow.File{Name: name + ".zip", Kind: recordKind})
}

// recordDocument is the document rec describes, as far as its name goes:
// the record keeps an incoming document's sender's notation as its
// notation.
func recordDocument(rec *Record) *workflow.Document {
	d := &workflow.Document{Direction: rec.Direction, Type: rec.Type, Subject: rec.Subject, Number: rec.Number, Notation: rec.Notation}
	if rec.Direction == workflow.Incoming {
		d.Notation, d.OriginalNumber = "", rec.Notation
	}
	return d
}
