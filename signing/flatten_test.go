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
	return catalogDraft("/AcroForm << /Fields ["+strings.Join(fields, " ")+"] /DA (/Helv 0 Tf 0 g) "+formKeys+" >>", annots, 0, 0, objs...)
}

// TestFormFlattenedBeforeSigning: a draft with a filled-in form is signed
// with its fields' appearances drawn into the page and the fields taken
// out (pdfsign would drop the form's resources and leave the fields open
// to typing under two signatures); a form whose appearances cannot be
// trusted or that has a value with no appearance is refused, as before.
func TestFormFlattenedBeforeSigning(t *testing.T) {
	p := newTestPKI(t, "ec")
	choice := "<< /Type /Annot /Subtype /Widget /FT /Ch /T (pick) /V (b) /Opt [(a) (b)] /Rect [72 500 200 520] /P 3 0 R >>"
	for _, c := range []struct {
		name  string
		pdf   []byte
		wants string // in the refusal; "" = signs
	}{
		{"text, check box, hidden", formDraft("", nil), ""},
		{"empty signature field kept", formDraft("", []string{"<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig0) /Rect [0 0 0 0] /F 2 /P 3 0 R >>"}), ""},
		{"value without appearance", formDraft("", []string{choice}), "a form field has a value but no appearance"},
		{"appearances to be drawn afresh", formDraft("/NeedAppearances true", nil), "/NeedAppearances"},
		{"appearance borrowing the form's fonts", formDraft("/DR << /Font << /Helv 5 0 R >> >>", []string{"<< /Type /Annot /Subtype /Widget /FT /Tx /T (b) /V (x) /Rect [72 400 200 420] /AP << /N 13 0 R >> /P 3 0 R >>"},
			testpdf.Stream("/Type /XObject /Subtype /Form /BBox [0 0 128 20]", []byte("BT /Helv 12 Tf 2 5 Td (x) Tj ET"))), "no resources of its own"},
		{"our own testdata", readFile(t, "testdata/form-text.pdf"), "fillable form fields"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if l2 := bothLayersOrRefusal(t, p, c.pdf, c.wants); l2 != nil {
				onlySignatureFields(t, l2)
			}
		})
	}
}

// onlySignatureFields fails unless every field of out's form and every
// widget of its pages belongs to a signature.
func onlySignatureFields(t *testing.T, out []byte) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	root := r.Trailer().Key("Root")
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
