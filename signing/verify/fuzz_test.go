package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// FuzzVerify: Verify on any bytes returns a report or a clean error, in
// bounded time and memory, never a panic. Seeds: testdata/fuzz/FuzzVerify
// (written by TestWriteFuzzSeeds).
func FuzzVerify(f *testing.F) {
	f.Add([]byte("%PDF-1.7\ntrailer\n<< /Root 1 0 R >>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(context.Background(), b, Options{})
		if err != nil {
			if c := workflow.ErrorCode(err); c != workflow.EUNPROCESSABLE && c != workflow.EUNSUPPORTEDMEDIA {
				t.Fatalf("error %v with code %q", err, c)
			}
			return
		}
		if !slices.Contains([]string{Invalid, Indeterminate, Unsigned}, rep.Verdict) {
			// Valid is impossible: without trust anchors nothing is trusted.
			t.Fatalf("verdict %q", rep.Verdict)
		}
		if len(rep.Reasons) == 0 || rep.Size != int64(len(b)) {
			t.Fatalf("report without reasons or with size %d: %+v", rep.Size, rep)
		}
		if (rep.Verdict == Unsigned) != (len(rep.Signatures) == 0) && rep.Verdict != Indeterminate {
			t.Fatalf("verdict %s with %d signatures", rep.Verdict, len(rep.Signatures))
		}
		for _, s := range rep.Signatures {
			if s.ChainTrusted {
				t.Fatalf("signature %d trusted without trust anchors", s.Index)
			}
		}
		// The intake precheck reads the same bytes further.
		_ = Precheck(b, DefaultLimits)
	})
}

// TestWriteFuzzSeeds writes the seed corpora of FuzzVerify and of
// signing's FuzzIntake from our own PDFs: unsigned and signed (one and two
// layers), with incremental updates, object streams, xref streams, and
// the hostile files in small sizes. Run with VANTHU_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("VANTHU_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("writes the fuzz seed corpora; set VANTHU_WRITE_FUZZ_SEEDS=1")
	}
	fx := newFixture(t)
	objstm, err := os.ReadFile("testdata/objstm.pdf")
	if err != nil {
		t.Fatal(err)
	}
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	x := w.XrefStream(4, "/Root 1 0 R")
	w.Obj(5, "<< /Type /Catalog /Pages 2 0 R /Lang (vi) >>")
	w.XrefStream(6, fmt.Sprintf("/Root 5 0 R /Prev %d", x))
	l1 := signApproval(t, basePDF(), fx.officer, "Nguyễn Văn A", 2, false)
	seeds := map[string][]byte{
		"unsigned-table":      basePDF(),
		"unsigned-fpdf":       testpdf.Make(2, "seed"),
		"unsigned-objstm":     objstm,
		"xref-streams-update": w.Bytes(),
		"layer1":              l1,
		"two-layers":          fx.twoLayers,
		"two-layers-objstm":   fx.objStmTwoLayers,
		"forged-content":      forgeContent(t, fx.twoLayers),
		"added-annotation":    addAnnotation(t, fx.twoLayers),
		"hostile-deep-arrays": testpdf.DeepArrays(5000),
		"hostile-deep-trail":  testpdf.DeepTrailer(1000),
		"hostile-w":           testpdf.XrefFields("/W [1 2147483647 2] /Size 5", xrefRowsSeed),
		"hostile-size":        testpdf.XrefFields("/W [1 4 2] /Size 1099511627776", xrefRowsSeed),
		"hostile-index":       testpdf.XrefFields("/W [1 4 2] /Size 5 /Index [0 1 4294967296 4]", xrefRowsSeed),
		"hostile-columns":     testpdf.XrefFields("/W [1 4 2] /Size 5 /DecodeParms << /Predictor 12 /Columns 2147483648 >>", xrefRowsSeed),
		"hostile-bomb":        testpdf.InflateBomb(66 << 20),
		"hostile-lengthchain": testpdf.LengthChain(200),
		"hostile-pagecycle":   testpdf.PageTreeCycle(),
		"hostile-fielddag":    testpdf.FieldDAG(8, 30),
	}
	for _, dir := range []string{"testdata/fuzz/FuzzVerify", "../testdata/fuzz/FuzzIntake"} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(dir, name), fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var xrefRowsSeed = []byte{1, 0, 0, 0, 20, 0, 0, 1, 0, 0, 0, 20, 0, 0, 1, 0, 0, 0, 20, 0, 0, 1, 0, 0, 0, 20, 0, 0, 1, 0, 0, 0, 20, 0, 0}
