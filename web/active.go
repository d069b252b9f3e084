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
