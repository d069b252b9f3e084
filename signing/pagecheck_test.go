package signing

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

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

// Values the engine would write back damaged: a thumbnail image, a link
// annotation and an output intent whose strings hold parentheses and a
// backslash.
var (
	repairThumb  = testpdf.Stream("/Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0x80})
	repairLink   = `<< /Type /Annot /Subtype /Link /Rect [72 750 300 775] /A << /S /URI /URI (https://example.org/\\a\(b\)) >> >>`
	repairIntent = `<< /Type /OutputIntent /S /GTS_PDFX /Info (Adobe RGB \(1998\)) /OutputConditionIdentifier (Adobe RGB \(1998\)) >>`
)

// repairDrafts are drafts that sign only once repairForEngine has put them
// right (and one that the header's raise puts right), for the checks of
// independent tools (TestIntegrationTwoLayers).
func repairDrafts() map[string][]byte {
	return map[string][]byte{
		"repair-page.pdf":            pageDraft("/Thumb 6 0 R /Annots [null "+repairLink+" 99 0 R] /OutputIntents ["+repairIntent+"] /PieceInfo << /A << /LastModified (D:20260101) /Private << /Note (a\\)x) >> >> >>", 0, 0, repairThumb),
		"repair-catalog.pdf":         catalogDraft("/Lang (vi\\(VN) /OutputIntents ["+repairIntent+"]", "", 0, 0),
		"repair-self-references.pdf": catalogDraft("/ViewerPreferences << /Self 1 0 R >>", "/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >> /Annots [<< /Type /Annot /Subtype /Text /Rect [72 700 90 718] /P 3 0 R /Contents (a\\(b) >>]", 0, 0),
		"repair-unplaced.pdf":        unplacedDraft(),
		"repair-size-table.pdf":      sizeAboveDraft(false),
		"repair-size-stream.pdf":     sizeAboveDraft(true),
		// A filled-in form, flattened into its page (flatten.go).
		"form-flattened.pdf": formDraft("", nil),
		// Not a repair: a 1.3 header under a catalog that says /Version
		// /1.5 (the engine added its own /Version beside it).
		"header-1.3-catalog-1.5.pdf": testpdf.WithVersion(catalogDraft("/Version /1.5", "", 0, 0), "1.3"),
	}
}

// TestPagesSignedUndamaged: a page (or a catalog) that pdfsign's engine
// would write back damaged when it signs is put right before layer 1 by an
// update of our own (repair.go) where that can be done without changing
// the document, and refused, with a message that names the page and what,
// where it cannot; layer 2 (which reads the page layer 1 wrote) signs
// after it, and every value of the catalog and the pages is the same after
// both layers as before (but the /Annots entries that named nothing, the
// thumbnail and what the signatures add). Before, the damaged cases signed
// (layer 1's page lost from the page tree, /Annots naming the page itself,
// a stream written as "<<...>>@offset") and layer 2 failed or crashed the
// signing worker, and a catalog naming itself crashed it at layer 1 (a
// stack overflow, which this test would die of).
func TestPagesSignedUndamaged(t *testing.T) {
	p := newTestPKI(t, "ec")
	xmp := testpdf.Stream("/Type /Metadata /Subtype /XML", []byte("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"))
	for _, c := range []struct {
		name  string
		pdf   []byte
		wants string // in the refusal; "" = signs
	}{
		{"plain", pageDraft("", 0, 0), ""},
		{"indirect resources and annotation", pageDraft("/Annots [6 0 R] /Group 7 0 R", 0, 0, repairLink, "<< /S /Transparency >>"), ""},
		{"page of generation 2", pageDraft("", 2, 0), "page 1 cannot be signed without damaging it (the page is object 3 of generation 2)"},
		{"content of generation 1", pageDraft("", 0, 1), "/Contents refers to object 4 of generation 1"},
		{"null annotation", pageDraft("/Annots [null 6 0 R]", 0, 0, repairLink), ""},
		{"direct annotation", pageDraft("/Annots ["+repairLink+" "+repairLink+"]", 0, 0), ""},
		{"direct annotations in an array object", pageDraft("/Annots 6 0 R", 0, 0, "["+repairLink+" 7 0 R]", repairLink), ""},
		{"missing annotation", pageDraft("/Annots [99 0 R]", 0, 0), ""},
		// Readers step over entries that name no annotation.
		{"annotations that name none", pageDraft("/Annots [5 null 99 0 R (x) /N [1] 6 0 R]", 0, 0, repairLink), ""},
		{"page metadata stream", pageDraft("/Metadata 6 0 R", 0, 0, xmp), "/Metadata is a stream"},
		{"page thumbnail", pageDraft("/Thumb 6 0 R", 0, 0, repairThumb), ""},
		{"string with parentheses", pageDraft("/PieceInfo << /A << /LastModified (D:20260101) /Private << /Note (a\\)x) >> >> /B << /Private [(a\\(b) 1] >> >>", 0, 0), ""},
		{"page output intents", pageDraft("/OutputIntents ["+repairIntent+"]", 0, 0), ""},
		{"page output intents in an object", pageDraft("/OutputIntents 6 0 R", 0, 0, "["+repairIntent+"]"), ""},
		{"binary string", pageDraft("/ID <00ff2928>", 0, 0), "/ID is a string of bytes other than ASCII"},
		// A '#' not followed by two hexadecimal digits: written again #23
		// (verify.RebuildXref), which the engine would print back as it
		// reads it, and layer 2 could not read the page.
		{"key with a stray #", pageDraft("/X#ZZy 1", 0, 0), "its key /X#23ZZy has delimiters"},
		{"key with delimiters", pageDraft("/A#28b 1", 0, 0), "its key /A#28b has delimiters"},
		// Adobe Web Capture's page /ID: the engine prints the string a
		// reference leads to in place of the reference.
		{"binary string in an object of its own", pageDraft("/ID 6 0 R", 0, 0, "<00ff2928>"), "/ID is a string of bytes other than ASCII"},
		{"action naming its page", pageDraft("/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>", 0, 0), ""},
		{"separation naming its page, beside a string with parentheses", pageDraft("/SeparationInfo << /Pages [3 0 R] /DeviceColorant /Cyan /X (a\\(b) >>", 0, 0), ""},
		{"direct annotation naming its page", pageDraft("/Annots [<< /Type /Annot /Subtype /Text /Rect [72 700 90 718] /P 3 0 R /Contents (ghi ch\\(u\\)) >> 3 0 R]", 0, 0), ""},
		{"catalog entries", catalogDraft("/Lang (vi-VN) /OpenAction [3 0 R /Fit] /PageLabels << /Nums [0 << /S /D /P (Trang ) >>] >>", "", 0, 0), ""},
		{"catalog naming itself", catalogDraft("/ViewerPreferences << /Self 1 0 R >>", "", 0, 0), ""},
		{"catalog naming itself, key with delimiters", catalogDraft("/ViewerPreferences << /Self 1 0 R >> /A#28b 1", "", 0, 0), "its key /A#28b has delimiters"},
		{"catalog string with parentheses", catalogDraft("/Lang (vi\\(VN)", "", 0, 0), ""},
		{"catalog output intents", catalogDraft("/OutputIntents ["+repairIntent+"]", "", 0, 0), ""},
		{"objects listed at offset 0", unplacedDraft(), ""},
		{"size above, table", sizeAboveDraft(false), ""},
		{"size above, stream not listing itself", sizeAboveDraft(true), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if l2 := bothLayersOrRefusal(t, p, c.pdf, c.wants); l2 != nil {
				sameDocument(t, c.pdf, l2)
			}
		})
	}
}

// bothLayersOrRefusal signs in with both layers and returns the result;
// with wants, it checks instead that layer 1 refuses in with
// EUNPROCESSABLE saying wants, and returns nil.
func bothLayersOrRefusal(t *testing.T, p *testPKI, in []byte, wants string) []byte {
	t.Helper()
	l1, err := SignOfficer(context.Background(), in, OfficerLayer{Key: p.Officer, Name: "A", Time: at})
	if wants != "" {
		if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), wants) {
			t.Fatalf("layer 1: %v; want EUNPROCESSABLE saying %q", err, wants)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	l2, err := SignAgency(context.Background(), l1, AgencyLayer{Key: p.Agency, AgencyName: "UBND", Notation: "1/QĐ-UBND", IssueDate: at})
	if err != nil {
		t.Fatalf("layer 2: %v", err)
	}
	return l2
}

// sizeAboveDraft is pageDraft("") with a trailer /Size one above the
// highest object number + 1: a table that says so, or (stream) the
// cross-reference stream, object 6, that does not list itself, as pdfcpu
// writes them.
func sizeAboveDraft(stream bool) []byte {
	in := pageDraft("", 0, 0)
	var w bytes.Buffer
	w.Write(in[:bytes.Index(in, []byte("xref\n"))])
	offs := map[int]int{}
	for n := 1; n <= 5; n++ {
		offs[n] = bytes.Index(in, fmt.Appendf(nil, "\n%d 0 obj", n)) + 1
	}
	x := w.Len()
	if !stream {
		w.WriteString("xref\n0 6\n0000000000 65535 f \n")
		for n := 1; n <= 5; n++ {
			fmt.Fprintf(&w, "%010d 00000 n \n", offs[n])
		}
		fmt.Fprintf(&w, "trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
		return w.Bytes()
	}
	rows := []byte{0, 0, 0, 0, 0, 0xff, 0xff}
	for n := 1; n <= 5; n++ {
		o := offs[n]
		rows = append(rows, 1, byte(o>>24), byte(o>>16), byte(o>>8), byte(o), 0, 0)
	}
	fmt.Fprintf(&w, "6 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", testpdf.Stream("/Type /XRef /W [1 4 2] /Index [0 6] /Size 7 /Root 1 0 R", rows), x)
	return w.Bytes()
}

// unplacedDraft is pageDraft("") whose table lists objects 6 and 7 in use
// at offset 0, as macOS's Quartz PDFContext lists numbers it never wrote.
func unplacedDraft() []byte {
	in := pageDraft("", 0, 0)
	var w bytes.Buffer
	w.Write(in[:bytes.Index(in, []byte("xref\n"))])
	x := w.Len()
	w.WriteString("xref\n0 8\n0000000000 65535 f \n")
	for n := 1; n <= 5; n++ {
		fmt.Fprintf(&w, "%010d 00000 n \n", bytes.Index(in, fmt.Appendf(nil, "\n%d 0 obj", n))+1)
	}
	w.WriteString("0000000000 00000 n \n0000000000 00000 n \n")
	fmt.Fprintf(&w, "trailer\n<< /Size 8 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	return w.Bytes()
}

// sameDocument fails unless every value of out's catalog and pages is the
// value in's has (what signing adds and the repair leaves out aside: the
// form, /Version, a thumbnail, /Annots entries that name no annotation
// or the page itself; the signatures' widgets after in's annotations).
func sameDocument(t *testing.T, in, out []byte, anyLength ...bool) {
	t.Helper()
	ri, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	ro, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	ci, co := ri.Trailer().Key("Root"), ro.Trailer().Key("Root")
	skip := map[string]bool{"AcroForm": true, "Version": true, "Pages": true, "DSS": true, "Perms": true, "Thumb": true, "Annots": true, "Parent": true, "Kids": true, "P": true}
	if len(anyLength) > 0 && anyLength[0] {
		// A stream written again from a wrong /Length may keep the
		// end-of-line marker before endstream (verify's
		// TestRebuildXrefRemakesObjects checks the data).
		skip["Length"] = true
	}
	if why := differ(ci, co, skip, 0); why != "" {
		t.Errorf("catalog: %s", why)
	}
	var pi, po []pdf.Value
	eachPage(ci.Key("Pages"), func(v pdf.Value) error { pi = append(pi, v); return nil })
	eachPage(co.Key("Pages"), func(v pdf.Value) error { po = append(po, v); return nil })
	if len(pi) != len(po) {
		t.Fatalf("%d pages, want %d", len(po), len(pi))
	}
	for n := range pi {
		if why := differ(pi[n], po[n], skip, 0); why != "" {
			t.Errorf("page %d: %s", n+1, why)
		}
		var annots []pdf.Value
		for i := 0; i < pi[n].Key("Annots").Len(); i++ {
			self := &holder{id: pi[n].GetPtr().GetID(), self: pi[n]}
			if a := pi[n].Key("Annots").Index(i); a.Kind() == pdf.Dict && !self.refersToSelf(a) {
				annots = append(annots, a)
			}
		}
		if got := po[n].Key("Annots"); got.Len() < len(annots) {
			t.Errorf("page %d: %d annotations, want %d and the widgets", n+1, got.Len(), len(annots))
		} else {
			for i, a := range annots {
				if why := differ(a, got.Index(i), skip, 0); why != "" {
					t.Errorf("page %d, annotation %d: %s", n+1, i+1, why)
				}
			}
		}
	}
	if po[0].Key("Thumb").Kind() != pdf.Null {
		t.Errorf("page 1 keeps a /Thumb the engine cannot have written")
	}
}

// differ says how b differs from a ("" when it does not), but for the
// dictionary keys in skip.
func differ(a, b pdf.Value, skip map[string]bool, depth int) string {
	if depth > 12 {
		return ""
	}
	if a.Kind() != b.Kind() {
		return fmt.Sprintf("%v where %v was", b, a)
	}
	switch a.Kind() {
	case pdf.Dict, pdf.Stream:
		for _, k := range a.Keys() {
			if skip[k] {
				continue
			}
			if why := differ(a.Key(k), b.Key(k), skip, depth+1); why != "" {
				return "/" + k + ": " + why
			}
		}
		for _, k := range b.Keys() {
			if !skip[k] && a.Key(k).Kind() == pdf.Null {
				return "/" + k + " added"
			}
		}
	case pdf.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%d entries, %d were", b.Len(), a.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if why := differ(a.Index(i), b.Index(i), skip, depth+1); why != "" {
				return fmt.Sprintf("[%d]: %s", i, why)
			}
		}
	case pdf.String:
		if a.RawString() != b.RawString() {
			return fmt.Sprintf("%q where %q was", b.RawString(), a.RawString())
		}
	default:
		if a.String() != b.String() {
			return fmt.Sprintf("%v where %v was", b, a)
		}
	}
	return ""
}
