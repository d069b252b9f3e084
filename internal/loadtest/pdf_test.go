package loadtest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestPDFCopies: each lifecycle's PDF differs from every other one only
// in the numbered field, at the same length, so the template's offsets
// stay right (the server's upload checks in cmd/vanthu's loadtest tests
// parse them).
func TestPDFCopies(t *testing.T) {
	tpl, err := newPDFTemplate()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, i := range []int{0, 1, 9, 10, 12345, 9_999_999_999, 10_000_000_001} {
		b := tpl.copyFor(i)
		if len(b) != len(tpl.b) {
			t.Fatalf("copy %d: %d bytes, template %d", i, len(b), len(tpl.b))
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte(fmt.Sprintf("vanthu loadtest %s%010d", tpl.run, i%10_000_000_000))) {
			t.Errorf("copy %d: no numbered field", i)
		}
		if !bytes.Equal(b[:tpl.at], tpl.b[:tpl.at]) || !bytes.Equal(b[tpl.at+len(pdfField):], tpl.b[tpl.at+len(pdfField):]) {
			t.Errorf("copy %d differs outside the field", i)
		}
		if j, ok := seen[string(b)]; ok && j%10_000_000_000 != i%10_000_000_000 {
			t.Errorf("copies %d and %d are the same", j, i)
		}
		seen[string(b)] = i
	}
	if bytes.Contains(tpl.b, []byte(pdfField)) == false {
		t.Error("copyFor changed the template")
	}
}

// TestCommentMarks: the bytes varied in an operator's PDF are those above
// 127 of the comment line after the header, whatever the line ends, with
// junk before the header as readers allow; a PDF without such a comment,
// or without a header where readers look for it, is refused with the
// reason.
func TestCommentMarks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pdf   string
		marks []int
		err   string
	}{
		{"LF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", []int{10, 11, 12, 13}, ""},
		{"CRLF", "%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj", []int{11, 12, 13, 14}, ""},
		{"CR", "%PDF-1.4\r%\xb5\xb5\xb5\xb5\r1 0 obj", []int{10, 11, 12, 13}, ""},
		{"junk before the header", "junk\n%PDF-2.0\n%\xbf\xf7\xa2\xfe\n", []int{15, 16, 17, 18}, ""},
		{"ASCII among them", "%PDF-1.5\n%a\xe2 \xe3b\xcf\xd3\n", []int{11, 13, 15, 16}, ""},
		{"at most 8", "%PDF-1.5\n%\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\n", []int{10, 11, 12, 13, 14, 15, 16, 17}, ""},
		{"the comment is the file's end", "%PDF-1.5\n%\x80\x81\x82\x83", []int{10, 11, 12, 13}, ""},
		{"3 bytes", "%PDF-1.7\n%\xe2\xe3\xcf\n1 0 obj", nil, "no binary comment"},
		{"no comment", "%PDF-1.3\n1 0 obj\n<<>>\nendobj\n", nil, "no binary comment"},
		{"the high bytes on the next line", "%PDF-1.3\n%comment\n%\xe2\xe3\xcf\xd3\n", nil, "no binary comment"},
		{"header only", "%PDF-1.3", nil, "no binary comment"},
		{"not a PDF", "<html>\n%\xe2\xe3\xcf\xd3\n", nil, "not a PDF"},
		{"the header past 1024 bytes", strings.Repeat(" ", 1020) + "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", nil, "not a PDF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			marks, err := commentMarks([]byte(tc.pdf))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(marks, tc.marks) {
				t.Fatalf("marks %v %v, want %v", marks, err, tc.marks)
			}
		})
	}
}

// TestOperatorPDFCopies: the copies of an operator's PDF keep its length
// and every byte but the binary comment's, whose bytes stay above 127, and
// no two lifecycles' copies of a file are the same file; the file given is
// not changed. Lifecycle i uploads the (i mod n)th file.
func TestOperatorPDFCopies(t *testing.T) {
	var big bytes.Buffer
	if _, err := testpdf.WriteLarge(&big, 64<<10, "operator's PDF"); err != nil {
		t.Fatal(err)
	}
	small := []byte("%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\xe2\xe3\xcf\xd3\xe2\r\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
	given := [][]byte{bytes.Clone(big.Bytes()), bytes.Clone(small)}
	ts, err := templates([]PDF{{Name: "big.pdf", Content: given[0]}, {Name: "small.pdf", Content: given[1]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].name != "big.pdf" || ts[1].name != "small.pdf" {
		t.Fatalf("templates %+v", ts)
	}
	seen := map[string]int{}
	lifecycles := []int{1 << 27, 1<<28 - 1}
	for i := range 20_000 {
		lifecycles = append(lifecycles, i)
	}
	for _, i := range lifecycles {
		tpl := ts[i%2]
		orig := [][]byte{big.Bytes(), small}[i%2]
		b := tpl.copyFor(i)
		if len(b) != len(orig) {
			t.Fatalf("copy %d: %d bytes, file %d", i, len(b), len(orig))
		}
		for j := range b {
			if b[j] != orig[j] && !slices.Contains(tpl.marks, j) {
				t.Fatalf("copy %d differs at %d, outside the comment %v", i, j, tpl.marks)
			}
		}
		for _, j := range tpl.marks {
			if b[j] < 128 {
				t.Fatalf("copy %d: comment byte %d is %#x", i, j, b[j])
			}
		}
		if j, ok := seen[string(b)]; ok {
			t.Fatalf("lifecycles %d and %d upload the same file", j, i)
		}
		seen[string(b)] = i
	}
	if !bytes.Equal(given[0], big.Bytes()) || !bytes.Equal(given[1], small) {
		t.Fatal("the copies changed the files given")
	}
	if len(ts[0].marks) != 4 || len(ts[1].marks) != maxMarks {
		t.Fatalf("marks %v %v", ts[0].marks, ts[1].marks)
	}
	if _, err := templates([]PDF{{Name: "big.pdf", Content: big.Bytes()}, {Name: "plain.pdf", Content: []byte("%PDF-1.3\n1 0 obj")}}); err == nil ||
		!strings.HasPrefix(err.Error(), "plain.pdf: no binary comment") {
		t.Fatalf("a file without a binary comment: %v", err)
	}
}
