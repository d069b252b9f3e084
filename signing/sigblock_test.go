package signing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// pdfLine is one line of text at (x, y) in size s, in Helvetica.
type pdfLine struct {
	x, y, s float64
	text    string
}

// centred is text of size s centred on cx at y (Helvetica read without
// widths: half a font size a glyph, a quarter for a space).
func centred(text string, cx, y, s float64) pdfLine {
	w := 0.0
	for _, r := range text {
		w += s / 2
		if r == ' ' {
			w -= s / 4
		}
	}
	return pdfLine{cx - w/2, y, s, text}
}

// textPages is a PDF of A4 pages of ASCII lines in Helvetica: the text as
// detection folds it, for layouts of the signature block across pages.
func textPages(pages ...[]pdfLine) []byte {
	w := testpdf.NewWriter("1.7").Obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		Obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	var kids []string
	for i, lines := range pages {
		var b strings.Builder
		for _, l := range lines {
			fmt.Fprintf(&b, "BT /F1 %g Tf %g %g Td (%s) Tj ET\n", l.s, l.x, l.y, l.text)
		}
		page, content := 10+2*i, 11+2*i
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
		w.Obj(page, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents "+fmt.Sprint(content)+" 0 R >>")
		w.Obj(content, testpdf.Stream("", []byte(b.String())))
	}
	w.Obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	return w.Table("/Root 1 0 R", -1)
}

// body is n lines of a regulation's text from y down.
func body(y float64, n int) []pdfLine {
	var out []pdfLine
	for i := range n {
		out = append(out, pdfLine{85, y - float64(i)*18, 13, fmt.Sprintf("Dieu %d. Quy dinh ve trach nhiem va quyen han cua cac co quan, don vi.", i+1)})
	}
	return out
}

// TestDetectLayoutSignatureAcrossPages: the signature block is found on
// whatever page has it, read from the last: a decision's block followed by
// the five pages of the regulation it issues (before, only the last three
// pages were read and the signature went to the default position); a block
// a page break split, its title ending page 1 and its name heading page 2
// (the signature above the name or below the title, where the room is
// larger, with a note); a direction in parentheses
// under the title ("(Da ky)") is not taken for the name. The issuing
// authority's line at the foot of a page, with text after it, is no block.
func TestDetectLayoutSignatureAcrossPages(t *testing.T) {
	block := func(y float64, extra ...string) []pdfLine {
		lines := []pdfLine{centred("TM. UY BAN NHAN DAN", 420, y, 13), centred("CHU TICH", 420, y-16, 13)}
		for i, e := range extra {
			lines = append(lines, centred(e, 420, y-32-16*float64(i), 13))
		}
		return append(lines, centred("Nguyen Van An", 420, y-110, 13))
	}
	regulation := slices.Repeat([][]pdfLine{body(780, 30)}, 5)
	for _, c := range []struct {
		name       string
		pages      [][]pdfLine
		page       int
		top, below float64 // the box between these heights
		note       string  // a word of the note; "" none
	}{
		{"block before five pages of attachment", slices.Concat([][]pdfLine{slices.Concat(body(700, 10), block(500))}, regulation), 1, 484, 390, ""},
		{"block on the last page", [][]pdfLine{body(780, 30), slices.Concat(body(780, 10), block(500))}, 2, 484, 390, ""},
		{"direction under the title", [][]pdfLine{slices.Concat(body(700, 10), block(500, "(Da ky)"))}, 1, 468, 390, ""},
		{"split by a page break", [][]pdfLine{slices.Concat(body(780, 38), []pdfLine{centred("TM. UY BAN NHAN DAN", 420, 76, 13), centred("CHU TICH", 420, 60, 13)}),
			{centred("Nguyen Van An", 420, 760, 13), {85, 700, 11, "Noi nhan:"}}}, 2, 832, 760, "goes above the name"},
		{"split, more room below the title", [][]pdfLine{slices.Concat(body(780, 34), []pdfLine{centred("TM. UY BAN NHAN DAN", 420, 136, 13), centred("CHU TICH", 420, 120, 13)}),
			{centred("Nguyen Van An", 420, 780, 13), {85, 700, 11, "Noi nhan:"}}}, 1, 120, 10, "goes below the title"},
		{"split, an academic title before the name", [][]pdfLine{slices.Concat(body(780, 38), []pdfLine{centred("KT. CHU TICH", 420, 76, 13), centred("PHO CHU TICH", 420, 60, 13)}),
			{centred("ThS. Tran Thi Binh", 420, 760, 13)}}, 2, 832, 760, "split by a page break"},
		{"split, a page number above the name", [][]pdfLine{slices.Concat(body(780, 38), []pdfLine{centred("KT. CHU TICH", 420, 76, 13), centred("PHO CHU TICH", 420, 60, 13)}),
			{centred("2", 297, 815, 12), centred("Tran Thi Binh", 420, 740, 13)}}, 2, 832, 740, "split by a page break"},
	} {
		t.Run(c.name, func(t *testing.T) {
			det, err := DetectLayout(textPages(c.pages...))
			if err != nil {
				t.Fatal(err)
			}
			s := det.Layout.Signature
			if s == nil {
				t.Fatalf("no signature block; notes %q", det.Notes)
			}
			if s.Page != c.page || s.Y < c.below || s.Y+s.H > c.top || s.H < 24 || !near(s.X+s.W/2, 420, 10) {
				t.Errorf("box %+v, want on page %d between %v and %v, centred on 420", *s, c.page, c.below, c.top)
			}
			var notes []string
			for _, n := range det.Notes {
				if strings.Contains(n, "signature") {
					notes = append(notes, n)
				}
			}
			if (len(notes) > 0) != (c.note != "") || len(notes) > 0 && !strings.Contains(notes[0], c.note) {
				t.Errorf("notes %q, want one about %q", notes, c.note)
			}
		})
	}
	t.Run("issuing authority at the foot of a page", func(t *testing.T) {
		det, err := DetectLayout(textPages(slices.Concat(body(780, 38), []pdfLine{centred("CHU TICH UY BAN NHAN DAN QUAN NINH KIEU", 297, 60, 13)}),
			slices.Concat([]pdfLine{centred("QUYET DINH:", 297, 780, 13)}, body(750, 20))))
		if err != nil {
			t.Fatal(err)
		}
		if det.Layout.Signature != nil {
			t.Errorf("signature block %+v found in a decision's preamble", *det.Layout.Signature)
		}
	})
}

// TestFindSignatureJointDocument: a joint document has a block per agency,
// side by side or stacked. The signer's block is the one with the signer's
// name, else the signer's title (after KT./TM.); else the lowest and, in a
// row, the right one (Decree 30's place for the lead agency), with a note
// that says so. Before, the first of a row was taken, silently.
func TestFindSignatureJointDocument(t *testing.T) {
	const s = 14
	blk := func(cx, y float64, name string, titles ...string) []glyph {
		var gs []glyph
		for i, l := range titles {
			gs = append(gs, glyphLine(l, cx-float64(len([]rune(l)))*s/4, y-float64(i)*16, s)...)
		}
		return append(gs, glyphLine(name, cx-float64(len([]rune(name)))*s/4, y-100, s)...)
	}
	police := blk(180, 400, "Trần Văn Bình", "GIÁM ĐỐC CÔNG AN QUẬN")
	vice := blk(430, 400, "Lê Thị Cúc", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
	chair := blk(430, 250, "Phạm Văn Dũng", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
	for _, c := range []struct {
		name string
		gs   []glyph
		who  SignerHint
		cx   float64 // the chosen block's column
		y    float64 // its name's baseline
		note bool
	}{
		{"one block", vice, SignerHint{}, 430, 300, false},
		{"side by side: the right one", slices.Concat(police, vice), SignerHint{}, 430, 300, true},
		{"side by side, the signer named", slices.Concat(police, vice), SignerHint{Name: "Trần  Văn Bình"}, 180, 300, false},
		{"side by side, the signer's title", slices.Concat(vice, police), SignerHint{Title: "Giám đốc Công an quận"}, 180, 300, false},
		{"title after KT.", slices.Concat(police, vice), SignerHint{Title: "Phó Chủ tịch"}, 430, 300, false},
		{"stacked: the lowest", slices.Concat(police, vice, chair), SignerHint{}, 430, 150, true},
		{"stacked, an unknown signer", slices.Concat(police, vice, chair), SignerHint{Name: "Võ Văn Em", Title: "Chánh Văn phòng"}, 430, 150, true},
		{"stacked, the signer's title", slices.Concat(police, vice, chair), SignerHint{Title: "PHÓ CHỦ TỊCH"}, 430, 300, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, note, ok := findSignature(spans(c.gs), 1, c.who)
			if !ok {
				t.Fatal("no block")
			}
			if !near(b.X+b.W/2, c.cx, 10) || b.Y < c.y || b.Y > c.y+30 {
				t.Errorf("box %+v, want the block at x %v with its name at %v", b, c.cx, c.y)
			}
			if (note != "") != c.note {
				t.Errorf("note %q, want one: %v", note, c.note)
			}
		})
	}
}

// TestServiceDetectLayoutSigner: the upload's signer (workflow passes the
// document's) chooses among a joint document's blocks, by name or by
// title; without one, the right block is taken, with a note.
func TestServiceDetectLayoutSigner(t *testing.T) {
	in := textPages(slices.Concat(body(780, 10),
		[]pdfLine{centred("GIAM DOC CONG AN QUAN", 170, 500, 13), centred("Tran Van Binh", 170, 400, 13)},
		[]pdfLine{centred("KT. CHU TICH", 420, 500, 13), centred("PHO CHU TICH", 420, 484, 13), centred("Le Thi Cuc", 420, 400, 13)}))
	for _, c := range []struct {
		name   string
		signer *workflow.User
		cx     float64
		notes  int
	}{
		{"no signer", nil, 420, 1},
		{"the left block's signer", &workflow.User{FullName: "Trần Văn Bình", Title: "Giám đốc"}, 170, 0},
		{"the right block's title", &workflow.User{FullName: "Lê Văn Khác", Title: "Phó Chủ tịch"}, 420, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := (&Service{}).DetectLayout(context.Background(), bytesReaderAt(in), int64(len(in)), c.signer)
			if err != nil {
				t.Fatal(err)
			}
			var notes int
			for _, n := range l.Notes {
				if strings.Contains(n, "signature blocks") {
					notes++
				}
			}
			if s := l.Signature; s == nil || !near(s.X+s.W/2, c.cx, 10) || notes != c.notes {
				t.Fatalf("signature %+v, notes %q; want the block at %v, %d note", s, l.Notes, c.cx, c.notes)
			}
		})
	}
}

// TestFindSignatureTitles: the blocks of the bodies a district's joint
// documents are signed with are found: their heads' titles ("TRƯỞNG CÔNG
// AN QUẬN", "CHỈ HUY TRƯỞNG", "VIỆN TRƯỞNG", "CHÁNH ÁN") and any title or
// body after "KT.", "TM.", "TL.", "TUQ." ("TM. BAN THƯỜNG TRỰC"). Before,
// only a fixed list was known, and these blocks were not seen at all. An
// upper-case line of the text ("QUYẾT ĐỊNH:") heads none.
func TestFindSignatureTitles(t *testing.T) {
	for _, c := range []struct {
		titles []string
		found  bool
	}{
		{[]string{"TRƯỞNG CÔNG AN QUẬN"}, true},
		{[]string{"KT. TRƯỞNG CÔNG AN QUẬN", "PHÓ TRƯỞNG CÔNG AN QUẬN"}, true},
		{[]string{"CHỈ HUY TRƯỞNG"}, true},
		{[]string{"VIỆN TRƯỞNG"}, true},
		{[]string{"CHÁNH ÁN"}, true},
		{[]string{"CHÁNH THANH TRA"}, true},
		{[]string{"TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"}, true},
		{[]string{"TM. BAN CHỈ ĐẠO", "PHÓ TRƯỞNG BAN"}, true},
		{[]string{"TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"}, true},
		{[]string{"QUYẾT ĐỊNH:"}, false},
		{[]string{"ỦY BAN NHÂN DÂN"}, false},
	} {
		t.Run(strings.Join(c.titles, " / "), func(t *testing.T) {
			var gs []glyph
			for i, l := range c.titles {
				gs = append(gs, glyphLine(l, 430-float64(len([]rune(l)))*3.5, 400-float64(i)*16, 14)...)
			}
			gs = append(gs, glyphLine("Nguyễn Văn An", 385, 300, 14)...)
			b, _, ok := findSignature(spans(gs), 1, SignerHint{})
			if ok != c.found {
				t.Fatalf("found %v (%+v), want %v", ok, b, c.found)
			}
		})
	}
}
