package signing

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// Where formDraft's fields are, in points from the page's lower left.
var (
	formTextRect  = [4]float64{72, 600, 300, 620}
	formCheckRect = [4]float64{72, 560, 90, 578}
)

// formDraft is a one-page draft with a filled-in form: a text field whose
// appearance shows its value in a box, a ticked check box whose
// appearance (a black square) is drawn at half scale by its /Matrix, a
// hidden field, and whatever extra fields and form entries are given
// (objects from 12 on).
func formDraft(formKeys string, extraFields []string, extra ...string) []byte {
	return formDraftCatalog("", formKeys, extraFields, extra...)
}

// formDraftCatalog is formDraft with the entries catalogKeys in the
// catalog.
func formDraftCatalog(catalogKeys, formKeys string, extraFields []string, extra ...string) []byte {
	fields := []string{"6 0 R", "8 0 R", "11 0 R"}
	for i := range extraFields {
		fields = append(fields, fmt.Sprintf("%d 0 R", 12+i))
	}
	objs := []string{
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Nguyen) /Rect [72 600 300 620] /AP << /N 7 0 R >> /P 3 0 R >>",
		testpdf.Stream("/Type /XObject /Subtype /Form /BBox [0 0 228 20] /Resources << /Font << /F1 5 0 R >> >>", []byte("0 0 228 20 re S BT /F1 12 Tf 2 5 Td (Nguyen) Tj ET")),
		"<< /Type /Annot /Subtype /Widget /FT /Btn /T (ok) /V /Yes /AS /Yes /Rect [72 560 90 578] /AP << /N << /Yes 9 0 R /Off 10 0 R >> >> /P 3 0 R >>",
		testpdf.Stream("/Type /XObject /Subtype /Form /BBox [0 0 36 36] /Matrix [0.5 0 0 0.5 0 0]", []byte("0 0 36 36 re f")),
		testpdf.Stream("/Type /XObject /Subtype /Form /BBox [0 0 36 36] /Matrix [0.5 0 0 0.5 0 0]", []byte("")),
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (secret) /V (x) /F 2 /Rect [300 300 400 320] /P 3 0 R >>",
	}
	objs = append(append(objs, extraFields...), extra...)
	annots := "/Annots [6 0 R 8 0 R 11 0 R " + strings.Join(fields[3:], " ") + "]"
	return catalogDraft(catalogKeys+"/AcroForm << /Fields ["+strings.Join(fields, " ")+"] /DA (/Helv 0 Tf 0 g) "+formKeys+" >>", annots, 0, 0, objs...)
}

// TestFormFlattenedBeforeSigning: a draft with a filled-in form is signed
// with its fields' appearances drawn into the page and the fields taken
// out (pdfsign would drop the form's resources and leave the fields open
// to typing under two signatures); a form whose appearances cannot be
// trusted or that has a value with no appearance is refused, as before.
func TestFormFlattenedBeforeSigning(t *testing.T) {
	p := newTestPKI(t, "ec")
	choice := "<< /Type /Annot /Subtype /Widget /FT /Ch /T (pick) /V (b) /Opt [(a) (b)] /Rect [72 500 200 520] /P 3 0 R >>"
	xfa := testpdf.Stream("", []byte(`<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>`))
	for _, c := range []struct {
		name  string
		pdf   []byte
		wants string // in the refusal; "" = signs
	}{
		{"text, check box, hidden", formDraft("", nil), ""},
		{"empty signature field kept", formDraft("", []string{"<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig0) /Rect [0 0 0 0] /F 2 /P 3 0 R >>"}), ""},
		// A viewer makes the appearance of a text or choice field that has
		// none, or whose stored one is stale or borrows the form's fonts:
		// so does signing (fieldap.go).
		{"value without appearance", formDraft("", []string{choice}), ""},
		{"appearances to be drawn afresh", formDraft("/NeedAppearances true", nil), ""},
		{"appearance borrowing the form's fonts", formDraft("/DR << /Font << /Helv 5 0 R >> >>", []string{"<< /Type /Annot /Subtype /Widget /FT /Tx /T (b) /V (x) /Rect [72 400 200 420] /AP << /N 13 0 R >> /P 3 0 R >>"},
			testpdf.Stream("/Type /XObject /Subtype /Form /BBox [0 0 128 20]", []byte("BT /Helv 12 Tf 2 5 Td (x) Tj ET"))), ""},
		{"our own testdata", readFile(t, "testdata/form-text.pdf"), ""},
		{"password field", formDraft("", []string{"<< /Type /Annot /Subtype /Widget /FT /Tx /Ff 8192 /T (pw) /V (secret) /Rect [72 400 200 420] /P 3 0 R >>"}), "a password field's value would be printed"},
		{"turned field without appearance", formDraft("", []string{"<< /Type /Annot /Subtype /Widget /FT /Tx /T (t) /V (x) /MK << /R 90 >> /Rect [72 400 92 520] /P 3 0 R >>"}), "is turned (/MK /R 90)"},
		// A static ("hybrid") XFA form's fields show what its XFA holds:
		// flattened, the XFA goes with them. A dynamic one's pages are not
		// what viewers show.
		{"static XFA beside the fields", formDraft("/XFA 12 0 R", nil, xfa), ""},
		{"dynamic XFA", formDraftCatalog("/NeedsRendering true ", "/XFA 12 0 R", nil, xfa), "dynamic XFA form"},
		// Reader's usage rights go with the form they enabled.
		{"usage rights", formDraftCatalog("/Perms << /UR3 12 0 R >> ", "", nil, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Reference [<< /TransformMethod /UR3 >>] >>"), ""},
		{"ticked box without appearance", formDraft("", []string{"<< /Type /Annot /Subtype /Widget /FT /Btn /T (c) /V /Yes /AS /Yes /Rect [72 400 90 418] /P 3 0 R >>"}), "a form field has a value but no appearance"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if l2 := bothLayersOrRefusal(t, p, c.pdf, c.wants); l2 != nil {
				onlySignatureFields(t, l2)
			}
		})
	}
}

// onlySignatureFields fails unless every field of out's form and every
// widget of its pages belongs to a signature, and the form has no XFA
// and no usage rights.
func onlySignatureFields(t *testing.T, out []byte) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	root := r.Trailer().Key("Root")
	if !root.Key("AcroForm").Key("XFA").IsNull() {
		t.Error("the form still has its XFA")
	}
	if !root.Key("Perms").Key("UR3").IsNull() {
		t.Error("the form's usage rights are still there")
	}
	fields := root.Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		if ft := fields.Index(i).Key("FT").Name(); ft != "Sig" {
			t.Errorf("field %d is /FT /%s", i, ft)
		}
	}
	eachPage(root.Key("Pages"), func(page pdf.Value) error {
		a := page.Key("Annots")
		for i := 0; i < a.Len(); i++ {
			if w := a.Index(i); w.Key("Subtype").Name() == "Widget" && w.Key("FT").Name() != "Sig" {
				t.Errorf("a /%s widget is left on the page", w.Key("FT").Name())
			}
		}
		return nil
	})
}

// TestIntegrationFormFlattenedRendered: poppler draws the text field and
// the ticked box of the flattened, signed draft where the draft showed
// them (its widgets then, the page's content now).
func TestIntegrationFormFlattenedRendered(t *testing.T) {
	needTool(t, "pdftoppm")
	in := formDraft("", nil)
	_, l2, err := twoLayers(t, in, newTestPKI(t, "rsa"))
	if err != nil {
		t.Fatal(err)
	}
	before, after := writeTemp(t, "form.pdf", in), writeTemp(t, "signed.pdf", l2)
	for _, r := range [][4]float64{formTextRect, formCheckRect} {
		was, _, _ := inkIn(t, before, 1, 842, r)
		now, _, _ := inkIn(t, after, 1, 842, r)
		if was < 20 || now < was*9/10 || now > was*11/10 {
			t.Errorf("field at %v: %d inked pixels before, %d after signing", r, was, now)
		}
	}
	onlySignatureFields(t, l2)
}

// madeFormDraft is a one-page draft whose filled-in fields have no
// appearance (as pdfcpu's and many fillers leave them): a centred
// single-line text in blue at auto size with a border, a multiline text,
// a combo box showing its option's text for its export value, a list box
// with its second option selected, a comb of six cells.
func madeFormDraft() ([]byte, map[string][4]float64) {
	rects := map[string][4]float64{
		"name": {72, 700, 300, 722}, "note": {72, 600, 250, 660}, "city": {72, 560, 250, 580},
		"pick": {300, 560, 400, 620}, "code": {300, 700, 420, 722},
	}
	r := func(k string) string {
		v := rects[k]
		return fmt.Sprintf("[%g %g %g %g]", v[0], v[1], v[2], v[3])
	}
	objs := []string{
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V " + utf16Hex("Nguyễn Thị Ánh") + " /DA (/Helv 0 Tf 0 0 1 rg) /Q 1 /MK << /BC [0 0 0] >> /Rect " + r("name") + " /P 3 0 R >>",
		"<< /Type /Annot /Subtype /Widget /FT /Tx /Ff 4096 /T (note) /V " + utf16Hex("Đề nghị cấp giấy xác nhận cư trú cho công dân tại phường") + " /DA (/Helv 10 Tf 0 g) /Rect " + r("note") + " /P 3 0 R >>",
		"<< /Type /Annot /Subtype /Widget /FT /Ch /Ff 131072 /T (city) /Opt [[(hn) " + utf16Hex("Hà Nội") + "] [(hcm) (TP HCM)]] /V (hn) /DA (/Helv 11 Tf 0 g) /Rect " + r("city") + " /P 3 0 R >>",
		"<< /Type /Annot /Subtype /Widget /FT /Ch /T (pick) /Opt [(Mot) (Hai) (Ba)] /I [1] /V (Hai) /DA (/Helv 12 Tf 0 g) /Rect " + r("pick") + " /P 3 0 R >>",
		"<< /Type /Annot /Subtype /Widget /FT /Tx /Ff 16777216 /MaxLen 6 /T (code) /V (123456) /DA (/Helv 12 Tf 0 g) /Rect " + r("code") + " /P 3 0 R >>",
	}
	return catalogDraft("/AcroForm << /Fields [6 0 R 7 0 R 8 0 R 9 0 R 10 0 R] /DA (/Helv 0 Tf 0 g) >>", "/Annots [6 0 R 7 0 R 8 0 R 9 0 R 10 0 R]", 0, 0, objs...), rects
}

// TestIntegrationFormAppearancesMade: fields without appearances are
// signed with the appearances a viewer makes for them: poppler draws ink
// in each field (blue where /DA says so) and pdftotext finds each value as
// shown — the Vietnamese letters, the combo's option text rather than its
// export value, the list's options, the comb's digits — from the invisible
// text under the outlines.
func TestIntegrationFormAppearancesMade(t *testing.T) {
	needTool(t, "pdftoppm")
	needTool(t, "pdftotext")
	in, rects := madeFormDraft()
	_, l2, err := twoLayers(t, in, newTestPKI(t, "rsa"))
	if err != nil {
		t.Fatal(err)
	}
	onlySignatureFields(t, l2)
	file := writeTemp(t, "signed.pdf", l2)
	for name, r := range rects {
		ink, _, blue := inkIn(t, file, 1, 842, r)
		if ink < 40 || name == "name" && blue < 20 {
			t.Errorf("field %s at %v: %d inked pixels, %d blue", name, r, ink, blue)
		}
	}
	out, err := run(t, "pdftotext", "-f", "1", "-l", "1", file, "-")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Nguyễn Thị Ánh", "Hà Nội", "Mot", "Hai", "Ba", "cư trú"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext does not find %q in %q", want, text)
		}
	}
	for _, d := range "123456" { // one cell each: pdftotext reads them apart
		if !strings.ContainsRune(text, d) {
			t.Errorf("pdftotext does not find the comb's %q in %q", d, text)
		}
	}
	if strings.Contains(text, " hn ") {
		t.Errorf("the combo shows its export value: %q", text)
	}
}
