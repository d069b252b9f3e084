package signing

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// fixturesDir holds the shared real-world PDFs (read-only).
const fixturesDir = "../../shared/fixtures/pdf"

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return b
}

func inspectBytes(b []byte) (Info, error) { return Inspect(bytes.NewReader(b), int64(len(b))) }

func TestInspect(t *testing.T) {
	tests := []struct {
		path    string
		want    Info
		errCode string
	}{
		// Shared fixtures from other producers.
		{path: fixturesDir + "/5116.DCT_Filter.pdf", want: Info{Version: "1.7", Pages: 52}},
		{path: fixturesDir + "/Acroforms2.pdf", want: Info{Version: "1.7", Pages: 3}},
		{path: fixturesDir + "/CenterOfWhy.pdf", want: Info{Version: "1.7", Pages: 25}}, // empty /AcroForm /Fields
		{path: fixturesDir + "/HL1396.pdf", want: Info{Version: "1.7", Pages: 18}},
		{path: fixturesDir + "/Hybrid-PDF.pdf", want: Info{Version: "1.7", Pages: 1}},
		{path: fixturesDir + "/Paclitaxel.PDF", want: Info{Version: "1.7", Pages: 6}},
		{path: fixturesDir + "/adobe_errata.pdf", want: Info{Version: "1.7", Pages: 18}},
		{path: fixturesDir + "/annotTest.pdf", want: Info{Version: "1.7", Pages: 1}},
		{path: fixturesDir + "/blank-scan.pdf", want: Info{Version: "1.7", Pages: 1}},
		{path: fixturesDir + "/empty.pdf", want: Info{Version: "1.7", Pages: 1}},
		{path: fixturesDir + "/jphysiol01396-0132.pdf", want: Info{Version: "1.7", Pages: 6}},
		{path: fixturesDir + "/pdf20-i277.pdf", want: Info{Version: "2.0", Pages: 1}},
		{path: fixturesDir + "/pdf20-utf8test.pdf", want: Info{Version: "2.0", Pages: 1}},
		{path: fixturesDir + "/xdp_2.0.pdf", want: Info{Version: "1.7", Pages: 15}},
		// Damaged but readable.
		{path: fixturesDir + "/testRot.pdf", want: Info{Version: "1.7", Pages: 1}},
		// Our own.
		{path: "testdata/v13.pdf", want: Info{Version: "1.3", Pages: 2}},
		{path: "testdata/objstm.pdf", want: Info{Version: "1.5", Pages: 2}},
		{path: "testdata/incremental.pdf", want: Info{Version: "1.3", Pages: 2}},
		{path: "testdata/form-text.pdf", want: Info{Version: "1.7", Pages: 1, HasAcroForm: true}},
		{path: "testdata/form-xfa.pdf", want: Info{Version: "1.7", Pages: 1, HasXFA: true}},
		{path: "testdata/sigfield-empty.pdf", want: Info{Version: "1.7", Pages: 1}},
		// Damaged beyond what the parser reads: junk before the header and a
		// startxref that misses the xref table by 3 bytes (qpdf reconstructs it).
		{path: fixturesDir + "/pdf20-withOffsetStart.pdf", want: Info{Version: "2.0"}, errCode: workflow.EUNPROCESSABLE},
		{path: "testdata/encrypted-aes256.pdf", want: Info{Version: "1.7", Encrypted: true}, errCode: workflow.EUNPROCESSABLE},
		{path: "testdata/encrypted-owner-only.pdf", want: Info{Version: "1.4", Encrypted: true}, errCode: workflow.EUNPROCESSABLE},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			got, err := inspectBytes(readFile(t, tt.path))
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
	// The fixture's message names the damage, without parser internals.
	_, err = inspectBytes(readFile(t, fixturesDir+"/pdf20-withOffsetStart.pdf"))
	if msg := workflow.ErrorMessage(err); msg != "PDF cannot be parsed: malformed PDF: cross-reference table not found" {
		t.Errorf("message %q", msg)
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
