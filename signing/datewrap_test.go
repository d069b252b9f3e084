package signing

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDetectLayoutDateWrappedAfterDay: a date line that wraps after "ngày"
// ("Thanh pho Ho Chi Minh, ngay" over "   thang   nam 2026": a long place
// name in a narrow header column) is found: the day in the blank that
// starts the second line, else in the blank after "ngày" (the spaces a
// word processor leaves at the end of the first line), else just after
// "ngày" with a note; the month and the year on the second line, their
// distance below the box's line in DateBlanksBelow. Before, no date line
// was found and the date went to the default position, over the header.
// A body line that ends with "ngay" is no date line.
func TestDetectLayoutDateWrappedAfterDay(t *testing.T) {
	const s = 13.0
	w := func(text string) float64 { // Helvetica read without widths
		n := 0.0
		for _, r := range text {
			n += s / 2
			if r == ' ' {
				n -= s / 4
			}
		}
		return n
	}
	const x1, x2, y1, y2 = 330.0, 360.0, 745.0, 730.0
	place := "Thanh pho Ho Chi Minh, ngay"
	for _, c := range []struct {
		name        string
		first, next string
		day, dayY   float64 // where the day goes: x and baseline
		month, year float64 // x; 0: filled
		note        string
	}{
		{"blank heading the next line", place, "     thang     nam 2026",
			x2 + w("     ")/2, y2, x2 + w("     thang") + w("     ")/2, 0, ""},
		{"blank ending the first line", place + "     ", "thang     nam 2026",
			x1 + w(place) + w("     ")/2, y1, x2 + w("thang") + w("     ")/2, 0, ""},
		{"dots", place, "..... thang ..... nam ....",
			x2 + w("..... ")/2, y2, x2 + w("..... thang") + w(" ..... ")/2, x2 + w("..... thang ..... nam") + 1.3*s, ""},
		{"no blank for the day", place, "thang     nam 2026",
			x1 + w(place) + 1.3*s, y1, x2 + w("thang") + w("     ")/2, 0, "wraps after"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := textPages(slices.Concat([]pdfLine{{x1, y1, s, c.first}, {x2, y2, s, c.next}, {100, 745, s, "So:     /QD-UBND"}}, body(600, 5)))
			det, err := DetectLayout(in)
			if err != nil {
				t.Fatal(err)
			}
			l := det.Layout
			if l.Date == nil || len(l.DateBlanks) != 3 || len(l.DateBlanksBelow) != 3 {
				t.Fatalf("date %+v, blanks %v below %v; notes %q", l.Date, l.DateBlanks, l.DateBlanksBelow, det.Notes)
			}
			if err := l.Validate(); err != nil {
				t.Fatal(err)
			}
			d := l.Date
			at := func(i int) (float64, float64) { return d.X + l.DateBlanks[i], d.Y - l.DateBlanksBelow[i] + 0.3*s }
			if x, y := at(0); !near(x, c.day, 1) || !near(y, c.dayY, 1) {
				t.Errorf("day at (%.1f, %.1f), want (%.1f, %.1f)", x, y, c.day, c.dayY)
			}
			if x, y := at(1); !near(x, c.month, 1) || !near(y, y2, 1) {
				t.Errorf("month at (%.1f, %.1f), want (%.1f, %v)", x, y, c.month, y2)
			}
			if x, y := at(2); c.year == 0 && l.DateBlanks[2] != 0 || c.year != 0 && (!near(x, c.year, 1) || !near(y, y2, 1)) {
				t.Errorf("year at (%.1f, %.1f), blank %v; want %v", x, y, l.DateBlanks[2], c.year)
			}
			var notes []string
			for _, n := range det.Notes {
				if strings.Contains(n, "date") {
					notes = append(notes, n)
				}
			}
			if (len(notes) > 0) != (c.note != "") || len(notes) > 0 && !strings.Contains(notes[0], c.note) {
				t.Errorf("notes %q, want one about %q", notes, c.note)
			}
		})
	}
	t.Run("body text", func(t *testing.T) {
		in := textPages([]pdfLine{{100, 745, s, "So:     /QD-UBND"}, {85, 700, s, "Can cu Nghi dinh so 30/2020/ND-CP cua Chinh phu ban hanh ngay"},
			{85, 685, s, "thang nay ve cong tac van thu;"}})
		det, err := DetectLayout(in)
		if err != nil {
			t.Fatal(err)
		}
		if det.Layout.Date != nil {
			t.Errorf("date line %+v found in the body", *det.Layout.Date)
		}
	})
}

// TestDateBlanksBelowPlaced: with DateBlanksBelow, each part of the date
// is written on its own line: the month and the year of a date line
// wrapped after "ngày" 15 points below the day. Before, every part went on
// the box's line.
func TestDateBlanksBelowPlaced(t *testing.T) {
	g := pageGeom{box: [4]float64{0, 0, 595, 842}}
	for _, c := range []struct {
		name  string
		below []float64
	}{
		{"one line", nil},
		{"month and year below", []float64{0, 15, 15}},
		{"all below", []float64{15, 15, 15}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := AgencyLayer{AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: at,
				DatePos: &Rect{Page: 1, X: 330, Y: 740, W: 180, H: 17.5}, DateBlanks: []float64{20, 70, 120}, DateBlanksBelow: c.below}
			st, err := numberDateStampAt(g, l, at)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.vectors) != 4 {
				t.Fatalf("%d vector texts, want number, day, month, year", len(st.vectors))
			}
			below := []float64{0, 0, 0}
			if c.below != nil {
				below = c.below
			}
			for i, v := range st.vectors[1:] {
				if got, want := st.vectors[1].y-v.y, below[i]-below[0]; !near(got, want, 0.01) {
					t.Errorf("part %d is %.2f pt below the day, want %.2f", i, got, want)
				}
			}
		})
	}
}

// TestFindDateShortYear: the date line of Decree 30's own forms, "năm
// 20…", has the year's blank after the century: the year's last two
// digits go there (DateShortYear), where before the whole year was
// written over the "20" ("năm 202026" at best). A written year, or one
// blank after "năm", is as before.
func TestFindDateShortYear(t *testing.T) {
	const ph, s = 842, 14
	for _, c := range []struct {
		name   string
		line   string
		short  bool
		after  string  // the year's digits go after this part of the line
		centre float64 // their centre, font sizes after it
	}{
		{"spaces after 20", "Bình Thủy, ngày   tháng   năm 20    ", true, "Bình Thủy, ngày   tháng   năm 20", 1},
		{"dots after 20", "Bình Thủy, ngày ... tháng ... năm 20....", true, "Bình Thủy, ngày ... tháng ... năm 20", 1},
		{"20 ends the line", "Bình Thủy, ngày   tháng   năm 20", true, "Bình Thủy, ngày   tháng   năm 20", 0.6},
		{"the year written", "Bình Thủy, ngày   tháng   năm 2026", false, "", 0},
		{"a blank after năm", "Bình Thủy, ngày   tháng   năm       ", false, "Bình Thủy, ngày   tháng   năm", 1.3},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, ok := findDate(spans(glyphLine(c.line, 280, 731, s)), ph)
			if !ok {
				t.Fatal("no date line")
			}
			if d.shortYear != c.short {
				t.Errorf("short year %v, want %v", d.shortYear, c.short)
			}
			if c.after == "" {
				if d.blanks[2] != 0 {
					t.Errorf("year blank %v, want the year filled", d.blanks[2])
				}
				return
			}
			want := 280 + float64(len([]rune(c.after)))*s/2 + c.centre*s
			if got := d.box.X + d.blanks[2]; !near(got, want, 0.2*s) {
				t.Errorf("year at %.1f, want %.1f", got, want)
			}
		})
	}
}

// TestDateShortYearWritten: with DateShortYear the stamp writes the
// year's last two digits, not four.
func TestDateShortYearWritten(t *testing.T) {
	g := pageGeom{box: [4]float64{0, 0, 595, 842}}
	year := func(short bool) []byte {
		l := AgencyLayer{AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: at,
			DatePos: &Rect{Page: 1, X: 330, Y: 740, W: 180, H: 17.5}, DateBlanks: []float64{20, 70, 120}, DateShortYear: short}
		st, err := numberDateStampAt(g, l, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.vectors) != 4 {
			t.Fatalf("%d vector texts, want number, day, month, year", len(st.vectors))
		}
		return st.vectors[3].ops
	}
	short, long := year(true), year(false)
	day := func() []byte { // "25": the same two digits as the year's last
		l := AgencyLayer{Notation: "15/QĐ-UBND", DatePos: &Rect{Page: 1, X: 330, Y: 740, W: 180, H: 17.5}, DateBlanks: []float64{20, 0, 0}}
		st, err := numberDateStampAt(g, l, time.Date(2026, 11, 26, 9, 0, 0, 0, ict))
		if err != nil || len(st.vectors) != 2 {
			t.Fatalf("%v, %d vector texts", err, len(st.vectors))
		}
		return st.vectors[1].ops
	}()
	if !bytes.Equal(short, day) || bytes.Equal(long, day) {
		t.Errorf("the short year's outlines (%d bytes) are not those of \"26\" (%d bytes); the full year's are %d bytes", len(short), len(day), len(long))
	}
}
