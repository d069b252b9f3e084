package workflow_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestCleanLine: a one-line field is stored as it reads — pasted spaces,
// line breaks and invisible characters that kept words from being found
// become one space or nothing — and characters that make it read
// otherwise than it is stored (bidirectional overrides, controls, bytes
// that are not UTF-8) are refused, naming the character and where it is.
func TestCleanLine(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"Plain", "Quyết định về việc", "Quyết định về việc", ""},
		{"NoBreakSpace", "Quyết\u00a0định\u202fvề\u3000việc", "Quyết định về việc", ""},
		{"LineBreaksAndTabs", "Quyết định\r\nvề\tviệc\n", "Quyết định về việc", ""},
		{"RunsJoinedEndsTrimmed", "  Quyết   định \u2003 ", "Quyết định", ""},
		{"NextLine", "a\u0085b", "a b", ""},
		{"Invisible", "Quy\u200bết đ\u00adịnh\ufeff\u2060 \u200evề\u200f", "Quyết định về", ""},
		{"KeptAsWritten", "15/QĐ-UBND (bản sao) 🙂 ZWJ\u200dkept", "15/QĐ-UBND (bản sao) 🙂 ZWJ\u200dkept", ""},
		{"OnlySpaces", "\u00a0 \u200b", "", ""},
		{"ErrOverride", "Quyết định số 15\u202e01/QĐ", "", "U+202E, an invisible character that changes the direction the text around it reads in at character 17"},
		{"ErrIsolate", "a\u2067b", "", "U+2067"},
		{"ErrEmbedding", "\u202ab", "", "U+202A"},
		{"ErrNUL", "a\x00b", "", "the control character U+0000 at character 2"},
		{"ErrBell", "UBND\a", "", "U+0007 at character 5"},
		{"ErrC1", "a\u0090", "", "U+0090"},
		{"ErrNotUTF8", "Quy\xffết", "", "byte 0xFF, which is not UTF-8 text at character 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := workflow.CleanLine("subject", tt.in)
			if tt.err == "" {
				if err != nil || got != tt.want {
					t.Fatalf("CleanLine(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != "subject" || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("CleanLine(%q) = %q, %v; want EINVALID on subject saying %q", tt.in, got, err, tt.err)
			}
		})
	}
}

// TestCleanLines: notes keep their lines and tabs (CR LF and CR become
// LF); other spaces become a space, invisible characters go, and the same
// characters as in a one-line field are refused. A comment is checked by
// the same rule and kept as written.
func TestCleanLines(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"Lines", "Kính gửi:\r\n- UBND xã\r- Phòng\tTC\n", "Kính gửi:\n- UBND xã\n- Phòng\tTC", ""},
		{"Spaces", "a\u00a0\u00a0b\u200b", "a  b", ""},
		{"ErrOverride", "dòng 1\ndòng\u202e2", "", "U+202E"},
		{"ErrControl", "a\x1bb", "", "U+001B at character 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := workflow.CleanLines("notes", tt.in)
			cerr := workflow.CheckComment(tt.in)
			if tt.err == "" {
				if err != nil || got != tt.want || cerr != nil {
					t.Fatalf("CleanLines(%q) = %q, %v (comment: %v); want %q", tt.in, got, err, cerr, tt.want)
				}
				return
			}
			if workflow.ErrorField(err) != "notes" || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("CleanLines(%q) = %q, %v; want EINVALID on notes saying %q", tt.in, got, err, tt.err)
			}
			if workflow.ErrorCode(cerr) != workflow.EINVALID || workflow.ErrorField(cerr) != "comment" || !strings.Contains(cerr.Error(), tt.err) {
				t.Fatalf("CheckComment(%q) = %v; want EINVALID on comment saying %q", tt.in, cerr, tt.err)
			}
		})
	}
	if err := workflow.CheckComment(strings.Repeat("ý", workflow.MaxComment+1)); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("a long comment: %v", err)
	}
}

// TestCreateCleansText: a document is created with its fields cleaned and
// refused for an override, naming the field; a peer's document (received
// through the exchange) loses such characters instead of being refused,
// as the exchange cannot ask the sender to type again.
func TestCreateCleansText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	day := workflow.NewDate(2026, 11, 20)
	file := func() *workflow.Upload {
		return &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	}
	in := workflow.CreateInput{Direction: "incoming", Type: "CV", Subject: "Về\u00a0việc\r\ntriển\u200b khai ", File: file(),
		Sender: &workflow.Org{Name: "UBND\u00a0tỉnh"}, OriginalNumber: " 12/UBND\t", OriginalDate: &day, Notes: "dòng 1\r\ndòng 2"}
	d, err := e.svc.Create(ctx, e.users[workflow.RoleClerk], in)
	if err != nil {
		t.Fatal(err)
	}
	if found, _, err := e.svc.List(ctx, e.users[workflow.RoleClerk], workflow.DocumentFilter{Query: "triển khai"}); err != nil || len(found) != 1 {
		t.Fatalf("a search for the words pasted with a zero-width space: %v %v", found, err)
	}
	if d.Subject != "Về việc triển khai" || d.Sender.Name != "UBND tỉnh" || d.OriginalNumber != "12/UBND" || d.Notes != "dòng 1\ndòng 2" {
		t.Fatalf("stored %q %q %q %q", d.Subject, d.Sender.Name, d.OriginalNumber, d.Notes)
	}
	for field, f := range map[string]func(*workflow.CreateInput){
		"subject":         func(in *workflow.CreateInput) { in.Subject = "a\u202eb" },
		"sender.name":     func(in *workflow.CreateInput) { in.Sender = &workflow.Org{Name: "UBND\x07"} },
		"original_number": func(in *workflow.CreateInput) { in.OriginalNumber = "12\u2066/UBND" },
		"notes":           func(in *workflow.CreateInput) { in.Notes = "a\x00" },
	} {
		bad := in
		bad.File = file()
		f(&bad)
		if _, err := e.svc.Create(ctx, e.users[workflow.RoleClerk], bad); workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != field {
			t.Errorf("%s: %v (field %q)", field, err, workflow.ErrorField(err))
		}
	}
	if _, err := e.svc.Create(ctx, e.users[workflow.RoleClerk], workflow.CreateInput{Direction: "incoming", Type: "CV", Subject: "\u00a0\u200b",
		File: file(), Sender: in.Sender, OriginalNumber: "1", OriginalDate: &day}); workflow.ErrorField(err) != "subject" {
		t.Errorf("a subject of spaces: %v", err)
	}
	rin := workflow.ReceiveInput{ExternalID: "000.00.00.H13,2026/11/20,7/UBND", CreateInput: workflow.CreateInput{Type: "CV",
		Subject: "Công\u202e văn\x01", Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND\u2067 tỉnh"},
		OriginalNumber: "7/UBND", OriginalDate: &day, File: file()}}
	r, created, err := e.svc.Receive(ctx, rin)
	if err != nil || !created || r.Subject != "Công văn" || r.Sender.Name != "UBND tỉnh" {
		t.Fatalf("received: %v %v %+v", created, err, r)
	}
}
