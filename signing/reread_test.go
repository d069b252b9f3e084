package signing

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/verify"
)

// rereadDrafts are drafts with objects that readers take otherwise than
// they are written, as real producers make them: a catalog with /PageMode
// twice (TCPDF), a resource dictionary naming the same image and font
// more than once (gofpdf, Maroto, pdfTeX's), an empty object (Ghostscript
// figures), and the same repetition in an object stream (LuaTeX).
func rereadDrafts() map[string][]byte {
	content := testpdf.Stream("", []byte("BT /F1 12 Tf 72 720 Td (reread) Tj ET"))
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	table := testpdf.NewWriter("1.7").
		Obj(1, "<< /Type /Catalog /Pages 2 0 R /PageMode /UseNone /PageMode /UseThumbs >>").
		Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
		Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 6 0 R >>").
		Obj(4, content).
		Obj(5, font).
		Obj(6, "<< /Font << /F1 5 0 R /F1 5 0 R >> /ProcSet [/PDF /Text] /ProcSet [/PDF /Text] >>").
		Obj(7, "").
		Table("/Root 1 0 R", -1)

	// Object 6 (the resources) in object stream 8, with a cross-reference
	// stream (9).
	w := testpdf.NewWriter("1.7").
		Obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
		Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 6 0 R >>").
		Obj(4, content).
		Obj(5, font)
	head := "6 0 "
	w.Obj(8, testpdf.Stream(fmt.Sprintf("/Type /ObjStm /N 1 /First %d", len(head)), []byte(head+"<< /Font << /F1 5 0 R /F1 5 0 R >> >>")))
	x := w.Len()
	var rows bytes.Buffer
	offs := map[int]int{}
	for _, n := range []int{1, 2, 3, 4, 5, 8} {
		offs[n] = bytes.Index(w.Bytes(), fmt.Appendf(nil, "\n%d 0 obj", n)) + 1
	}
	offs[9] = x
	for n := 0; n <= 9; n++ {
		switch o, ok := offs[n]; {
		case n == 6:
			rows.Write([]byte{2, 0, 0, 0, 8, 0, 0})
		case ok:
			rows.Write([]byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0, 0})
		default:
			rows.Write([]byte{0, 0, 0, 0, 0, 0xff, 0xff})
		}
	}
	w.Raw(fmt.Sprintf("9 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n",
		testpdf.Stream("/Type /XRef /W [1 4 2] /Size 10 /Root 1 0 R /Filter /FlateDecode", testpdf.Deflate(rows.Bytes())), x))
	return map[string][]byte{"table": table, "objstm": w.Bytes()}
}

// TestSignWritesAgainWhatReadersReread: a dictionary with a key twice and
// an empty object are written again as readers take them (the last value;
// null) before layer 1. Before, they stayed in the signed file as the
// producer wrote them, and qpdf reported it ("dictionary has duplicated
// key", "empty object treated as null": 12 of 508 files of other
// producers).
func TestSignWritesAgainWhatReadersReread(t *testing.T) {
	p := newTestPKI(t, "rsa")
	for name, in := range rereadDrafts() {
		t.Run(name, func(t *testing.T) {
			found, err := verify.PrecheckFindings(in, verify.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			wantRe, wantEmpty := []verify.Unplaced{{Num: 1}, {Num: 6}}, []verify.Unplaced{{Num: 7}}
			if name == "objstm" {
				wantRe, wantEmpty = []verify.Unplaced{{Num: 6}}, nil
			}
			if !slices.Equal(found.Reread, wantRe) || !slices.Equal(found.Empty, wantEmpty) {
				t.Fatalf("input: reread %v, empty %v; want %v, %v", found.Reread, found.Empty, wantRe, wantEmpty)
			}
			_, l2, err := twoLayers(t, in, p)
			if err != nil {
				t.Fatal(err)
			}
			if found, err := verify.PrecheckFindings(l2, verify.DefaultLimits); err != nil || len(found.Reread)+len(found.Empty) != 0 {
				t.Errorf("signed: reread %v, empty %v (%v); want none", found.Reread, found.Empty, err)
			}
			rdr, err := pdf.NewReader(bytes.NewReader(l2), int64(len(l2)))
			if err != nil {
				t.Fatal(err)
			}
			if name == "table" {
				if m := rdr.Trailer().Key("Root").Key("PageMode").Name(); m != "UseThumbs" {
					t.Errorf("/PageMode %q, want the last one, UseThumbs", m)
				}
			}
			if f := rdr.Page(1).Resources().Key("Font").Key("F1").Key("BaseFont").Name(); f != "Helvetica" {
				t.Errorf("page font F1 is %q, want Helvetica", f)
			}
			if _, err := lookPath("qpdf"); err == nil {
				file := writeTemp(t, "signed.pdf", l2)
				out, err := run(t, "qpdf", "--check", file)
				if err != nil || strings.Contains(strings.ToLower(out), "warning") {
					t.Errorf("qpdf --check: %v\n%s", err, out)
				}
			}
		})
	}
}
