package signing

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/internal/interop"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return b
}

// TestInspectInterop reads the real-world PDFs of other producers from
// the interop corpus (VANTHU_INTEROP_FIXTURES/pdf; skipped without it).
func TestInspectInterop(t *testing.T) {
	dir := interop.Dir(t, "pdf")
	tests := []struct {
		name    string
		want    Info
		errCode string
	}{
		{name: "5116.DCT_Filter.pdf", want: Info{Version: "1.7", Pages: 52}},
		{name: "Acroforms2.pdf", want: Info{Version: "1.7", Pages: 3}},
		{name: "CenterOfWhy.pdf", want: Info{Version: "1.7", Pages: 25}}, // empty /AcroForm /Fields
		{name: "HL1396.pdf", want: Info{Version: "1.7", Pages: 18}},
		{name: "Hybrid-PDF.pdf", want: Info{Version: "1.7", Pages: 1}},
		{name: "Paclitaxel.PDF", want: Info{Version: "1.7", Pages: 6}},
		{name: "adobe_errata.pdf", want: Info{Version: "1.7", Pages: 18}},
		{name: "annotTest.pdf", want: Info{Version: "1.7", Pages: 1}},
		{name: "blank-scan.pdf", want: Info{Version: "1.7", Pages: 1}},
		{name: "empty.pdf", want: Info{Version: "1.7", Pages: 1}},
		{name: "jphysiol01396-0132.pdf", want: Info{Version: "1.7", Pages: 6}},
		{name: "pdf20-i277.pdf", want: Info{Version: "2.0", Pages: 1}},
		{name: "pdf20-utf8test.pdf", want: Info{Version: "2.0", Pages: 1}},
		{name: "xdp_2.0.pdf", want: Info{Version: "1.7", Pages: 15}},
		// Damaged but readable.
		{name: "testRot.pdf", want: Info{Version: "1.7", Pages: 1}},
		// Damaged beyond what the parser reads: junk before the header and a
		// startxref that misses the xref table by 3 bytes; read, as qpdf
		// reads it, from cross-reference data made again by a scan.
		{name: "pdf20-withOffsetStart.pdf", want: Info{Version: "2.0", Pages: 1, XrefRebuilt: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inspectBytes(readFile(t, filepath.Join(dir, tt.name)))
			if code := workflow.ErrorCode(err); code != tt.errCode {
				t.Fatalf("error code %q (%v), want %q", code, err, tt.errCode)
			}
			got.HeaderOffset = 0 // checked separately
			if got != tt.want {
				t.Errorf("Inspect = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// ownPDF is one input of the repository's own corpus, covering what the
// interop corpus covers: PDF 1.3 to 2.0, classic and stream
// cross-references, object streams, incremental updates, forms, files
// already signed by our signer, damaged files.
type ownPDF struct {
	name    string
	data    []byte
	want    Info
	errCode string
}

func ownCorpus(t *testing.T) []ownPDF {
	t.Helper()
	v13 := readFile(t, "testdata/v13.pdf")
	objstm := readFile(t, "testdata/objstm.pdf")
	out := []ownPDF{
		{name: "v13.pdf", data: v13, want: Info{Version: "1.3", Pages: 2}},
		{name: "objstm.pdf", data: objstm, want: Info{Version: "1.5", Pages: 2}},
		{name: "incremental.pdf", data: readFile(t, "testdata/incremental.pdf"), want: Info{Version: "1.3", Pages: 2}},
		{name: "form-text.pdf", data: readFile(t, "testdata/form-text.pdf"), want: Info{Version: "1.7", Pages: 1, HasAcroForm: true}},
		{name: "form-xfa.pdf", data: readFile(t, "testdata/form-xfa.pdf"), want: Info{Version: "1.7", Pages: 1, HasXFA: true}},
		{name: "sigfield-empty.pdf", data: readFile(t, "testdata/sigfield-empty.pdf"), want: Info{Version: "1.7", Pages: 1}},
		{name: "testpdf-12-pages", data: testpdf.Make(12, "Báo cáo"), want: Info{Version: "1.3", Pages: 12}},
		{name: "encrypted-aes256.pdf", data: readFile(t, "testdata/encrypted-aes256.pdf"), want: Info{Version: "1.7", Encrypted: true}, errCode: workflow.EUNPROCESSABLE},
		{name: "encrypted-owner-only.pdf", data: readFile(t, "testdata/encrypted-owner-only.pdf"), want: Info{Version: "1.4", Encrypted: true}, errCode: workflow.EUNPROCESSABLE},
		// Junk before the header and a startxref that misses the table.
		{name: "offset-start-bad-startxref", data: offsetStartBadXref(t, testpdf.WithVersion(v13, "2.0")), want: Info{Version: "2.0", Pages: 2, XrefRebuilt: true}},
	}
	for _, v := range []string{"1.4", "1.5", "1.6", "1.7", "2.0"} {
		out = append(out, ownPDF{name: "v13-as-" + v, data: testpdf.WithVersion(v13, v), want: Info{Version: v, Pages: 2}})
	}
	for _, v := range []string{"1.6", "1.7", "2.0"} {
		out = append(out, ownPDF{name: "objstm-as-" + v, data: testpdf.WithVersion(objstm, v), want: Info{Version: v, Pages: 2}})
	}
	// Incoming files already signed (both layers, by our signer) stay
	// readable, whatever their cross-reference kind.
	p := newTestPKI(t, "rsa")
	for _, in := range []struct {
		name string
		data []byte
		want Info
	}{ // signing a 1.3 file raises its catalog /Version to 1.5
		{"v13", v13, Info{Version: "1.5", Pages: 2, Signatures: 2}},
		{"objstm-as-2.0", testpdf.WithVersion(objstm, "2.0"), Info{Version: "2.0", Pages: 2, Signatures: 2}},
	} {
		_, signed, err := twoLayers(t, in.data, p)
		if err != nil {
			t.Fatalf("sign %s: %v", in.name, err)
		}
		out = append(out, ownPDF{name: "signed-" + in.name, data: signed, want: in.want})
	}
	return out
}

// offsetStartBadXref puts junk before the header of pdf and makes its
// startxref miss the cross-reference table by 3 bytes.
func offsetStartBadXref(t *testing.T, pdf []byte) []byte {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("startxref"))
	if i < 0 {
		t.Fatal("no startxref")
	}
	var off int
	if _, err := fmt.Sscan(string(pdf[i+len("startxref"):]), &off); err != nil {
		t.Fatal(err)
	}
	out := append([]byte("garbage before the header\n"), pdf[:i]...)
	return append(out, fmt.Sprintf("startxref\n%d\n%%%%EOF\n", off+3)...)
}

func TestInspect(t *testing.T) {
	for _, tt := range ownCorpus(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inspectBytes(tt.data)
			if code := workflow.ErrorCode(err); code != tt.errCode {
				t.Fatalf("error code %q (%v), want %q", code, err, tt.errCode)
			}
			got.HeaderOffset = 0 // checked separately
			if got != tt.want {
				t.Errorf("Inspect = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInspectOffsetHeader(t *testing.T) {
	// A PDF with junk before its header is read from the header on.
	v13 := readFile(t, "testdata/v13.pdf")
	junk := []byte("# printer control data\n# more\n")
	info, err := inspectBytes(append(junk, v13...))
	if err != nil {
		t.Fatal(err)
	}
	if info.HeaderOffset != int64(len(junk)) || info.Pages != 2 {
		t.Errorf("Inspect = %+v, want HeaderOffset %d and 2 pages", info, len(junk))
	}
}

func TestInspectErrors(t *testing.T) {
	v13 := readFile(t, "testdata/v13.pdf")
	tests := []struct {
		name    string
		data    []byte
		code    string
		message string
	}{
		{"Empty", nil, workflow.EUNSUPPORTEDMEDIA, "not a PDF file (no %PDF- header)"},
		{"Garbage", bytes.Repeat([]byte("garbage "), 500), workflow.EUNSUPPORTEDMEDIA, "not a PDF file (no %PDF- header)"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), workflow.EUNSUPPORTEDMEDIA, "not a PDF file (no %PDF- header)"},
		{"HeaderAfter1024", append(bytes.Repeat([]byte(" "), 1100), v13...), workflow.EUNSUPPORTEDMEDIA, "not a PDF file (no %PDF- header)"},
		{"HeaderOnly", []byte("%PDF-1.7\n"), workflow.EUNPROCESSABLE, ""},
		{"TruncatedHalf", v13[:len(v13)/2], workflow.EUNPROCESSABLE, ""},
		{"TruncatedTail", v13[:len(v13)-40], workflow.EUNPROCESSABLE, ""},
		{"GarbageAfterHeader", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xff, 0x00, '%', 'E', 'O', 'F'}, 300)...), workflow.EUNPROCESSABLE, ""},
		{"Encrypted", readFile(t, "testdata/encrypted-aes256.pdf"), workflow.EUNPROCESSABLE,
			"PDF is encrypted (password protected); remove the protection and upload again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := inspectBytes(tt.data)
			if code := workflow.ErrorCode(err); code != tt.code {
				t.Fatalf("error code %q (%v), want %q", code, err, tt.code)
			}
			msg := workflow.ErrorMessage(err)
			if tt.message != "" && msg != tt.message {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
			if tt.code == workflow.EUNPROCESSABLE && tt.message == "" && !bytes.HasPrefix([]byte(msg), []byte("PDF cannot be parsed: ")) {
				t.Errorf("message %q, want it to start with %q", msg, "PDF cannot be parsed: ")
			}
		})
	}
}

// Every prefix of a small PDF must give a clean answer, never a panic.
func TestInspectEveryTruncation(t *testing.T) {
	v13 := readFile(t, "testdata/objstm.pdf")
	for n := 0; n < len(v13); n++ {
		if _, err := inspectBytes(v13[:n]); err == nil && n < len(v13)-10 {
			t.Errorf("prefix of %d bytes accepted", n)
		}
	}
}
