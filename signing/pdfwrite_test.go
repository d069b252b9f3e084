package signing

import (
	"bytes"
	"fmt"
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
