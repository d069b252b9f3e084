package signing

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// pageDraft is a one-page PDF whose page has the entries pageKeys, with
// objects 1 (catalog), 2 (page tree), 3 (page, generation pageGen), 4 (its
// content stream, generation contentGen), 5 (a font) and extra (from 6).
func pageDraft(pageKeys string, pageGen, contentGen int, extra ...string) []byte {
	return catalogDraft("", pageKeys, pageGen, contentGen, extra...)
}

// catalogDraft is pageDraft with the entries catalogKeys in the catalog.
func catalogDraft(catalogKeys, pageKeys string, pageGen, contentGen int, extra ...string) []byte {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R "+catalogKeys+" >>")
	w.Obj(2, fmt.Sprintf("<< /Type /Pages /Kids [3 %d R] /Count 1 >>", pageGen))
	w.ObjGen(3, pageGen, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 %d R /Resources << /Font << /F1 5 0 R >> >> %s >>", contentGen, pageKeys))
	w.ObjGen(4, contentGen, testpdf.Stream("", []byte("BT /F1 14 Tf 72 760 Td (QUYET DINH) Tj ET")))
	w.Obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i, o := range extra {
		w.Obj(6+i, o)
	}
	return w.Table("/Root 1 0 R", -1)
}

// TestPagesSignedUndamaged: a page (or a catalog) that pdfsign's engine
// would write back damaged when it signs is refused before layer 1, with a
// message that names the page and what; every other page signs, and
// layer 2 (which reads the page layer 1 wrote) signs after it. Before, the
// damaged cases signed (layer 1's page lost from the page tree, /Annots
// naming the page itself, a stream written as "<<...>>@offset") and layer
// 2 failed or crashed the signing worker, and a catalog naming itself
// crashed it at layer 1 (a stack overflow, which this test would die of).
func TestPagesSignedUndamaged(t *testing.T) {
	p := newTestPKI(t, "ec")
	xmp := testpdf.Stream("/Type /Metadata /Subtype /XML", []byte("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"))
	link := "<< /Type /Annot /Subtype /Link /Rect [72 750 300 775] /A << /S /URI /URI (https://example.org) >> >>"
	for _, c := range []struct {
		name  string
		pdf   []byte
		wants string // in the refusal; "" = signs
	}{
		{"plain", pageDraft("", 0, 0), ""},
		{"indirect resources and annotation", pageDraft("/Annots [6 0 R] /Group 7 0 R", 0, 0, link, "<< /S /Transparency >>"), ""},
		{"page of generation 2", pageDraft("", 2, 0), "page 1 cannot be signed without damaging it (the page is object 3 of generation 2)"},
		{"content of generation 1", pageDraft("", 0, 1), "/Contents refers to object 4 of generation 1"},
		{"null annotation", pageDraft("/Annots [null]", 0, 0), "/Annots holds a null"},
		{"direct annotation", pageDraft("/Annots ["+link+"]", 0, 0), "/Annots holds a dictionary"},
		{"missing annotation", pageDraft("/Annots [99 0 R]", 0, 0), "/Annots refers to an object that does not exist"},
		{"page metadata stream", pageDraft("/Metadata 6 0 R", 0, 0, xmp), "/Metadata is a stream"},
		{"string with parentheses", pageDraft("/PieceInfo << /A << /LastModified (D:2026\\)x) >> >>", 0, 0), "/PieceInfo holds a string"},
		{"binary string", pageDraft("/ID <00ff2928>", 0, 0), "/ID is a string of bytes other than ASCII"},
		{"action naming its page", pageDraft("/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>", 0, 0), "/AA nests too deep, or refers to its own object"},
		{"catalog entries", catalogDraft("/Lang (vi-VN) /OpenAction [3 0 R /Fit] /PageLabels << /Nums [0 << /S /D /P (Trang ) >>] >>", "", 0, 0), ""},
		{"catalog naming itself", catalogDraft("/ViewerPreferences << /Self 1 0 R >>", "", 0, 0), "catalog cannot be signed without damaging it (its /ViewerPreferences nests too deep"},
		{"catalog string with parentheses", catalogDraft("/Lang (vi\\(VN)", "", 0, 0), "its /Lang holds a string"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l1, err := SignOfficer(context.Background(), c.pdf, OfficerLayer{Key: p.Officer, Name: "A", Time: at})
			if c.wants != "" {
				if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), c.wants) {
					t.Fatalf("layer 1: %v; want EUNPROCESSABLE saying %q", err, c.wants)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := SignAgency(context.Background(), l1, AgencyLayer{Key: p.Agency, AgencyName: "UBND", Notation: "1/QĐ-UBND", IssueDate: at}); err != nil {
				t.Fatalf("layer 2: %v", err)
			}
		})
	}
}
