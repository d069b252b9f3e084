package workflow_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vanthu/vanthu/workflow"
)

func TestFileName(t *testing.T) {
	long := strings.Repeat("Quyết định ", 30) // 330 characters
	for _, tc := range []struct{ name, in, want string }{
		{"OK", "quyết định số 15.pdf", "quyết định số 15.pdf"},
		{"OK/exactly the limit", strings.Repeat("a", 251) + ".pdf", strings.Repeat("a", 251) + ".pdf"},
		{"long/extension kept", long + ".pdf", string([]rune(long)[:251]) + ".pdf"},
		{"long/no extension", strings.Repeat("x", 100000), strings.Repeat("x", 255)},
		{"long/emoji", strings.Repeat("😀", 3000) + ".pdf", strings.Repeat("😀", 251) + ".pdf"},
		{"long/extension too long to be one", "a." + strings.Repeat("b", 300), "a." + strings.Repeat("b", 253)},
		{"control characters", "a\r\nb\x00c\x7fd.pdf", "abcd.pdf"},
		{"not UTF-8", "a\xffb.pdf", "ab.pdf"},
		{"bidirectional override", "Phụ lục\u202Efdp.exe", "Phụ lụcfdp.exe"},
		{"bidirectional isolate, C1 control", "a\u2067b\u0085c.pdf", "abc.pdf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workflow.FileName(tc.in)
			if got != tc.want {
				t.Errorf("FileName(%.40q...) = %.60q... (%d characters), want %.60q... (%d)", tc.in, got, utf8.RuneCountInString(got), tc.want, utf8.RuneCountInString(tc.want))
			}
			if n := utf8.RuneCountInString(got); n > workflow.MaxFileName || !utf8.ValidString(got) {
				t.Errorf("%d characters, valid UTF-8 %v", n, utf8.ValidString(got))
			}
		})
	}
}

// TestCreateKeepsFileNamesShort: the files of a new document are kept
// under FileName's names (a 100,000-character name made the download's
// Content-Disposition header too long for clients to read).
func TestCreateKeepsFileNamesShort(t *testing.T) {
	e := newEnv(t)
	up := func(name string) *workflow.Upload {
		return &workflow.Upload{Name: name, Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	}
	d, err := e.svc.Create(context.Background(), e.users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing,
		Type: "TB", Subject: "Thông báo", SignerID: e.users[workflow.RoleOfficer].ID,
		File: up(strings.Repeat("x", 100000) + ".pdf"), Attachments: []workflow.Upload{*up("phụ lục\n" + strings.Repeat("y", 5000) + ".pdf")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Files {
		if n := utf8.RuneCountInString(f.Name); n > workflow.MaxFileName || !strings.HasSuffix(f.Name, ".pdf") || strings.Contains(f.Name, "\n") {
			t.Errorf("%s file kept as %.40q... (%d characters)", f.Kind, f.Name, n)
		}
	}
}
