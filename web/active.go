package web

import (
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// activeWords name, for the document page's warning, what a file carries
// that acts when it is opened (workflow.Active).
var activeWords = []struct {
	kind workflow.Active
	text string
}{
	{workflow.ActiveJavaScript, "mã JavaScript"},
	{workflow.ActiveLaunch, "lệnh chạy chương trình"},
	{workflow.ActiveEmbeddedFile, "tệp đính kèm nhúng"},
}

// activeText says what a carries ("mã JavaScript, tệp đính kèm nhúng"),
// "" when nothing: an incoming document's file, kept as its sender made
// it, whose page warns whoever opens it (templates/document.html).
func activeText(a workflow.Active) string {
	var out []string
	for _, w := range activeWords {
		if a&w.kind != 0 {
			out = append(out, w.text)
		}
	}
	return strings.Join(out, ", ")
}

// uninspectedText says, of an incoming document's file whose inspection
// found nothing known (workflow.File.Inspection), why nothing is said of
// what it carries: stored before files were inspected (until vanthu
// files inspect records it), or no PDF the inspection reads; "" for a
// file inspected, whose warning (activeText) or silence says it. No
// warning is claimed either way.
func uninspectedText(f workflow.File) string {
	switch f.Inspection {
	case workflow.Inspected:
		return ""
	case workflow.Unreadable:
		return "không đọc được như một tệp PDF, nên không kiểm tra được có chứa mã JavaScript, lệnh chạy chương trình hay tệp đính kèm nhúng hay không"
	}
	return "chưa được kiểm tra có chứa mã JavaScript, lệnh chạy chương trình hay tệp đính kèm nhúng hay không (tệp được lưu trước khi có bước kiểm tra này)"
}
