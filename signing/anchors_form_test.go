package signing

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// formTemplateFields are a Decree 30 template's parts filled in through
// text fields, as web apps fill a form (pdf-lib's setText without
// flatten, pdfkit's formText): name, value (as the field holds it),
// the same in Helvetica's letters (a stored appearance's text) and rect.
var formTemplateFields = []struct {
	name, value, ascii string
	rect               [4]float64
}{
	{"so", "Số:        /QĐ-UBND", "So:        /QD-UBND", [4]float64{80, 720, 250, 738}},
	{"ngay", "Thanh Trì, ngày      tháng      năm 2026", "Thanh Tri, ngay      thang      nam 2026", [4]float64{300, 720, 570, 738}},
	{"chucvu1", "TM. ỦY BAN NHÂN DÂN", "TM. UY BAN NHAN DAN", [4]float64{330, 300, 550, 318}},
	{"chucvu2", "CHỦ TỊCH", "CHU TICH", [4]float64{330, 282, 550, 300}},
	{"ten", "Nguyễn Văn An", "Nguyen Van An", [4]float64{330, 190, 550, 208}},
}

// formTemplateDraft is a one-page draft whose anchors are only in its
// fields: with their stored appearances (stored) or with values only and
// /NeedAppearances, the viewer to make them.
func formTemplateDraft(stored bool) []byte {
	n := len(formTemplateFields)
	var objs, refs []string
	for i, f := range formTemplateFields {
		r := f.rect
		ap := ""
		if stored {
			ap = fmt.Sprintf(" /AP << /N %d 0 R >>", 6+n+i)
		}
		objs = append(objs, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (%s) /V %s /DA (/Helv 12 Tf 0 g) /Q 1 /F 4 /Rect [%g %g %g %g] /P 3 0 R%s >>",
			f.name, utf16Hex(f.value), r[0], r[1], r[2], r[3], ap))
		refs = append(refs, fmt.Sprintf("%d 0 R", 6+i))
	}
	form := "/AcroForm << /Fields [" + strings.Join(refs, " ") + "] /DA (/Helv 0 Tf 0 g) /NeedAppearances true >>"
	if stored {
		form = "/AcroForm << /Fields [" + strings.Join(refs, " ") + "] /DA (/Helv 0 Tf 0 g) >>"
		for _, f := range formTemplateFields {
			w, h := f.rect[2]-f.rect[0], f.rect[3]-f.rect[1]
			content := fmt.Sprintf("/Tx BMC q BT /F1 12 Tf 0 g 2 5 Td (%s) Tj ET Q EMC", f.ascii)
			objs = append(objs, testpdf.Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %g %g] /Resources << /Font << /F1 5 0 R >> >>", w, h), []byte(content)))
		}
	}
	return catalogDraft(form, "/Annots ["+strings.Join(refs, " ")+"]", 0, 0, objs...)
}

// TestDetectLayoutInFormFields: a draft whose number, date line and
// signature block are filled-in form fields (pdf-lib leaving the form
// unflattened, pdfkit asking the viewer for the appearances) has them
// found where the fields show them, as signing flattens them into the page.
// Before, detection read the page's content only and found none.
func TestDetectLayoutInFormFields(t *testing.T) {
	for _, c := range []struct {
		name   string
		stored bool
	}{{"stored appearances", true}, {"viewer makes the appearances", false}} {
		t.Run(c.name, func(t *testing.T) {
			det, err := DetectLayout(formTemplateDraft(c.stored))
			if err != nil {
				t.Fatal(err)
			}
			l := det.Layout
			if l.Number == nil || l.Date == nil || l.Signature == nil {
				t.Fatalf("number %v date %v signature %v; notes %q", l.Number, l.Date, l.Signature, det.Notes)
			}
			for _, p := range []struct {
				name string
				x, y float64
				rect [4]float64
			}{{"number", l.Number.X, l.Number.Y, formTemplateFields[0].rect}, {"date", l.Date.X, l.Date.Y, formTemplateFields[1].rect}} {
				if r := p.rect; p.x < r[0] || p.x > r[2] || p.y < r[1]-5 || p.y > r[3] {
					t.Errorf("%s box at (%g, %g), not in its field %v", p.name, p.x, p.y, r)
				}
			}
			if s, name := l.Signature, formTemplateFields[4].rect; s.Page != 1 || s.Y < name[3]-2 || s.Y+s.H > formTemplateFields[3].rect[1]+2 {
				t.Errorf("signature box %+v: not between the title and the name", *s)
			}
		})
	}
}
