package signing

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestPdfValueSelfReferenceBounded: the parser resolves references as it
// reads, so a catalog entry that refers to the catalog looks like a direct
// value. Written out, it nested for ever until the stack overflowed, which
// kills the process (recover cannot catch it). Written with its holder
// known (pdfDict, pdfValueIn) it is the reference it is; without
// (pdfValue), the write stops at maxWriteDepth with a panic, which safely
// turns into an error; an ordinary catalog is written as before.
func TestPdfValueSelfReferenceBounded(t *testing.T) {
	for _, c := range []struct {
		name, catalog, key, wrote string
	}{
		{"ordinary", "<< /Type /Catalog /Pages 2 0 R /PageLabels << /Nums [0 << /S /D >>] >> >>", "PageLabels", "/PageLabels << /Nums [0 << /S /D >>] >>"},
		{"entry refers to the catalog", "<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /Self 1 0 R >> >>", "ViewerPreferences", "/ViewerPreferences << /Self 1 0 R >>"},
		{"array holds the catalog", "<< /Type /Catalog /Pages 2 0 R /X [1 0 R] >>", "X", "/X [1 0 R]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := testpdf.NewWriter("1.7")
			w.Obj(1, c.catalog)
			w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
			w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
			b := w.Table("/Root 1 0 R", -1)
			rdr, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			root := rdr.Trailer().Key("Root")
			var out strings.Builder
			pdfDict(&out, root, root.GetPtr().GetID(), nil)
			if !strings.Contains(out.String(), c.wrote) {
				t.Errorf("pdfDict wrote %q, want %q in it", out.String(), c.wrote)
			}
			out.Reset()
			pdfValueIn(&out, root.Key(c.key), root)
			if want := strings.TrimPrefix(c.wrote, "/"+c.key+" "); out.String() != want {
				t.Errorf("pdfValueIn wrote %q, want %q", out.String(), want)
			}
			var plain strings.Builder
			p := func() (p any) {
				defer func() { p = recover() }()
				pdfValue(&plain, root.Key(c.key), root.GetPtr().GetID())
				return nil
			}()
			if panics := c.name != "ordinary"; (p != nil) != panics {
				t.Fatalf("pdfValue: panic %v, want panic %v; wrote %.200q", p, panics, plain.String())
			}
			if p != nil && !strings.Contains(fmt.Sprint(p), "refers to its own object") {
				t.Errorf("panic %q does not say why", p)
			}
		})
	}
}

// TestTrailerSpelledOtherwise: the engine copies the newest classic
// trailer and edits "Root n g R", "Size n" and "Prev n" in it as text. A
// trailer that spells them otherwise (dvipdfmx writing PDF 1.4 breaks
// "/Root" and "1 0 R" across lines) was copied unedited: the signed file's
// /Root named the old catalog, without the signature field (qpdf: "unable
// to find /Root dictionary"; layer 2 refused the file as damaged), or its
// /Size stayed below the new objects, or it had two /Prev. Such a file
// now gets an update of our own first, ending with a trailer the engine
// edits (trailerUneditable).
func TestTrailerSpelledOtherwise(t *testing.T) {
	reg, bold := Fonts()
	draft, _, err := testpdf.MakeDraft(testpdf.Draft{Producer: testpdf.RawSimple, Regular: reg, Bold: bold})
	if err != nil {
		t.Fatal(err)
	}
	root := regexp.MustCompile(`/Root (\d+) 0 R`).FindSubmatch(draft)
	size := regexp.MustCompile(`/Size (\d+)`).FindSubmatch(draft)
	xrefs := regexp.MustCompile(`startxref\s+(\d+)`).FindAllSubmatch(draft, -1)
	if root == nil || size == nil || len(xrefs) != 1 {
		t.Fatal("unexpected draft trailer")
	}
	respell := func(from, to string) []byte {
		return bytes.Replace(draft, []byte(from), []byte(to), 1)
	}
	// An update that changes nothing, with /Prev on a line of its own.
	prevBroken := fmt.Appendf(bytes.Clone(draft), "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %s /Root %s 0 R /Prev\n%s >>\nstartxref\n%d\n%%%%EOF\n",
		size[1], root[1], xrefs[0][1], len(draft))
	p := newTestPKI(t, "rsa")
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"as-written", draft},
		{"root-across-lines", respell("/Root "+string(root[1]), "/Root\n"+string(root[1]))},
		{"root-two-spaces", respell("/Root "+string(root[1]), "/Root  "+string(root[1]))},
		{"size-across-lines", respell("/Size "+string(size[1]), "/Size\n"+string(size[1]))},
		{"prev-across-lines", prevBroken},
	} {
		t.Run(c.name, func(t *testing.T) {
			l1, l2, err := twoLayers(t, c.in, p)
			if err != nil {
				t.Fatal(err)
			}
			info, rdr, err := inspectParsed(l1, true)
			if err != nil || info.XrefRebuilt || info.Signatures != 1 {
				t.Fatalf("layer 1 read back: %+v, %v", info, err)
			}
			if rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields").Len() != 1 {
				t.Errorf("layer 1's /Root is not the catalog with the signature field")
			}
			if _, err := exec.LookPath("qpdf"); err == nil {
				checkQpdf(t, writeTemp(t, "l1.pdf", l1))
				checkQpdf(t, writeTemp(t, "l2.pdf", l2))
			}
		})
	}
}
