package signing

import (
	"math"
	"regexp"

	"github.com/vanthu/vanthu/workflow"
)

// A date line that wraps after "ngày": "Thành phố Hồ Chí Minh, ngày" on
// one line and "   tháng   năm 2026" on the next, as a header column too
// narrow for the place name (or a template that breaks the line there)
// sets it. The day is written in the blank that starts the second line,
// else after "ngày"; the month and the year on the second line.

var (
	// A line that ends with "ngày" and, maybe, the day's blank.
	dayEndRe = regexp.MustCompile(`(^|[,\s])ngay([\s.…_]*)$`)
	// A line that goes on with the month's and the year's parts.
	monthStartRe = regexp.MustCompile(`^([\s.…_]*)thang([\s.…_\d]*)nam([\s.…_]*)(\d{4})?`)
)

// findDateWrappedAfterDay finds a date line wrapped after "ngày" in the
// upper 45% of page 1 (a dateLine: its box is the first line's), with a
// note when the day's room is a guess.
func findDateWrappedAfterDay(ss []*textSpan, ph float64) (dateLine, bool) {
	for _, sp := range ss {
		if sp.y < ph*0.55 {
			continue
		}
		m1 := dayEndRe.FindStringSubmatchIndex(sp.text)
		nx := lineBelow(ss, sp)
		if m1 == nil || nx == nil {
			continue
		}
		m2 := monthStartRe.FindStringSubmatchIndex(nx.text)
		if m2 == nil {
			continue
		}
		s := math.Max(sp.s, nx.s)
		at := func(t *textSpan, off int) glyph { return t.gs[runeIndex(t.text, off)] }
		endOf := func(t *textSpan, off int) float64 { g := t.gs[runeIndex(t.text, off)-1]; return g.x + g.w }
		dy := sp.y - nx.y
		// The day: in the blank before "tháng", or in the one after "ngày".
		leadL, leadR := nx.lead, at(nx, m2[3]).x
		dayL, dayR := endOf(sp, m1[4]), sp.x1
		dayBelow, day := dy, (leadL+leadR)/2
		note := ""
		switch {
		case leadR-leadL >= s:
		case dayR-dayL >= s:
			dayBelow, day = 0, (dayL+dayR)/2
		default:
			dayBelow, day = 0, dayL+1.3*s
			note = `the date line wraps after "ngày" with no blank for the day after it nor before "tháng": the day is written just after "ngày"; check it on the layout page`
		}
		monL, monR := endOf(nx, m2[4]), at(nx, m2[5]).x
		yearL := endOf(nx, m2[6])
		x0 := math.Min(sp.x0, math.Min(nx.x0, day-1.3*s))
		right := math.Max(sp.x1, math.Max(nx.x1, yearL+2.6*s))
		blanks := []float64{day - x0, (monL+monR)/2 - x0, yearL + 1.3*s - x0}
		if digits(nx.text[m2[4]:m2[5]]) {
			blanks[1] = 0
		}
		short := false
		if m2[8] >= 0 {
			blanks[2] = 0
		} else if c, ok := shortYear(nx, m2[7]); ok {
			blanks[2], short, right = c-x0, true, math.Max(right, c+1.3*s)
		}
		if n := narrowBlank(s, [2]float64{math.Max(leadR-leadL, dayR-dayL), monR - monL}, blanks); n != "" && note == "" {
			note = n
		}
		for i := range blanks {
			blanks[i] = round2(blanks[i])
		}
		box := workflow.Box{Page: 1, X: round2(x0), Y: round2(sp.y - 0.3*s), W: round2(right - x0), H: round2(1.35 * s)}
		below := []float64{round2(dayBelow), round2(dy), round2(dy)}
		return dateLine{box: box, blanks: blanks, below: below, shortYear: short, note: note}, true
	}
	return dateLine{}, false
}

// lineBelow is the highest line right below sp (within 1.8 font sizes)
// that overlaps its column.
func lineBelow(ss []*textSpan, sp *textSpan) *textSpan {
	var best *textSpan
	for _, u := range ss {
		dy := sp.y - u.y
		if dy <= 0.5*sp.s || dy > 1.8*sp.s || u.x1 <= sp.x0 || u.x0 >= sp.x1 {
			continue
		}
		if best == nil || u.y > best.y {
			best = u
		}
	}
	return best
}
