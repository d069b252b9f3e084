package mediatype

import (
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func TestOf(t *testing.T) {
	docx := []byte("PK\x03\x04\x14\x00\x06\x00")
	cases := []struct {
		name   string
		head   []byte
		file   string
		want   string
		inline bool
	}{
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "qd.pdf", PDF, true},
		{"pdf under another name", []byte("%PDF-1.4\n"), "qd.bin", PDF, true},
		{"pdf after junk", append(make([]byte, 500), "%PDF-1.5"...), "scan.pdf", PDF, true},
		{"header past where readers look", append(make([]byte, SniffLen), "%PDF-1.5"...), "late.pdf", "application/octet-stream", false},
		{"docx", docx, "Dự thảo.DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", false},
		{"a docx called pdf", docx, "qd.pdf", "application/octet-stream", false},
		{"zip", docx, "phu-luc.zip", "application/zip", false},
		{"html", []byte("<html><script>alert(1)</script>"), "x.html", "application/octet-stream", false},
		{"svg", []byte("<svg onload=alert(1)>"), "x.svg", "application/octet-stream", false},
		{"no extension", []byte{1, 2, 3}, "README", "application/octet-stream", false},
		{"empty", nil, "", "application/octet-stream", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Of(c.head, c.file)
			if got != c.want || Inline(got) != c.inline {
				t.Errorf("Of(%q) = %q (inline %v), want %q (inline %v)", c.file, got, Inline(got), c.want, c.inline)
			}
		})
	}
}

// TestRecorded: the type found from the content's first bytes (by
// workflow.FileContentType or Of) gives Of's answer for that content.
func TestRecorded(t *testing.T) {
	docx := []byte("PK\x03\x04\x14\x00\x06\x00")
	pdf := []byte("%PDF-1.7\n")
	for _, c := range []struct {
		head []byte
		name string
	}{{pdf, "qd.pdf"}, {pdf, "qd.bin"}, {docx, "Dự thảo.docx"}, {docx, "qd.pdf"}, {docx, "hồ sơ.zip"}, {nil, "README"}} {
		for _, recorded := range []string{workflow.FileContentType(c.head), Of(c.head, c.name)} {
			if got, want := Recorded(recorded, c.name), Of(c.head, c.name); got != want {
				t.Errorf("Recorded(%q, %q) = %q, want %q", recorded, c.name, got, want)
			}
		}
	}
}
