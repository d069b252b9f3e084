package web

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestVerifyPageWrongFiles: on the public verify page, a citizen who
// uploads an empty file or a file that is not a PDF (a Word file renamed
// .pdf) is told so beside the file input — not given a verdict
// "chưa xác định" over the hash of nothing and the message of the
// signature image form ("… hoặc ảnh PNG với ảnh chữ ký"). A PDF that
// cannot be read is still a verdict (indeterminate, with why).
func TestVerifyPageWrongFiles(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Codes: e.docs, Verify: func(_ context.Context, pdf []byte) (workflow.Verification, error) {
		switch {
		case !bytes.HasPrefix(pdf, []byte("%PDF-")): // as signing/verify: not a PDF at all
			return workflow.Verification{}, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF")
		case bytes.Contains(pdf, []byte("damaged")):
			return workflow.Verification{}, workflow.Errorf(workflow.EUNPROCESSABLE, "no cross-reference table")
		}
		return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
	}})
	docx := []byte("PK\x03\x04\x14\x00\x06\x00word/document.xml")
	tests := []struct {
		name, file string
		content    []byte
		want       string // in the page
		verdict    bool   // a result section is shown
	}{
		{"empty", "congvan.pdf", []byte{}, "Tệp “congvan.pdf” rỗng (0 byte)", false},
		{"docx renamed", "baocao.pdf", docx, "Tệp “baocao.pdf” không phải là tệp PDF", false},
		{"damaged PDF", "hong.pdf", []byte("%PDF-1.7 damaged"), "chưa xác định", true},
		{"PDF", "dung.pdf", []byte("%PDF-1.7 plain"), "không có chữ ký", true},
	}
	c := e.client()
	c.get("/verify")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.postMultipart("/verify", nil, map[string][]byte{"file:" + tt.file: tt.content})
			if p.Status != 200 || !strings.Contains(p.Body, tt.want) {
				t.Fatalf("status %d, want %q in:\n%s", p.Status, tt.want, p.Body)
			}
			if got := strings.Contains(p.Body, `id="verify-result"`); got != tt.verdict {
				t.Errorf("result shown %v, want %v:\n%s", got, tt.verdict, p.Body)
			}
			if strings.Contains(p.Body, "ảnh PNG") {
				t.Errorf("the page speaks of the signature image form's PNG:\n%s", p.Body)
			}
			if !tt.verdict && !strings.Contains(p.Body, `aria-invalid="true"`) {
				t.Errorf("the file input is not marked invalid:\n%s", p.Body)
			}
		})
	}
}
