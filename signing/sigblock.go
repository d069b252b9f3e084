package signing

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"

	"github.com/vanthu/vanthu/workflow"
)

// The signature block of a Decree 30 draft: the signer's title lines in
// capitals ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"), room
// for the signature and the seal, and the signer's name. A joint document
// (văn bản liên tịch) has one block per agency, side by side or stacked;
// a page break may leave a block's title at the foot of one page and its
// name at the head of the next.

// SignerHint says who signs a draft: of several signature blocks (a joint
// document), the one with this name or, failing that, this title (chức
// vụ, as "Phó Chủ tịch") is the signer's. Empty: the block is chosen by
// its place alone.
type SignerHint struct {
	Name, Title string
}

// sigBlock is one signature block on a page: its title's lines, top to
// bottom; the line the signature goes under (the title's last line, or a
// direction such as "(Đã ký)" under it); and the signer's name.
type sigBlock struct {
	titles []*textSpan
	above  *textSpan
	name   *textSpan
	box    workflow.Box
}

// sigBlocks finds the signature blocks on one page, each once, with room
// for a signature between the title and the name.
func sigBlocks(ss []*textSpan, page int) []sigBlock {
	var out []sigBlock
	seen := map[*textSpan]bool{}
	for _, t := range ss {
		if !isTitle(t) || seen[t] {
			continue
		}
		titles := titleLines(ss, t)
		for _, u := range titles {
			seen[u] = true
		}
		above := titles[len(titles)-1]
		if d := directionBelow(ss, above); d != nil {
			above = d
		}
		name := nameBelow(ss, above)
		if name == nil || isTitle(name) && !strings.ContainsAny(name.orig, "abcdefghijklmnopqrstuvwxyzđ") {
			continue
		}
		b, ok := sigBox(titles[len(titles)-1], above, name, page)
		if !ok {
			continue
		}
		out = append(out, sigBlock{titles: titles, above: above, name: name, box: b})
	}
	return out
}

// isTitle says whether t reads as (a line of) a signer's title: a short
// line in capitals that titleRe knows.
func isTitle(t *textSpan) bool {
	title := strings.TrimSpace(t.text)
	return titleRe.MatchString(title) && upper(t.orig) && len([]rune(title)) <= 60
}

// titleLines is t and the title lines right below it in its column (KT.
// CHỦ TỊCH / PHÓ CHỦ TỊCH), top to bottom.
func titleLines(ss []*textSpan, t *textSpan) []*textSpan {
	lines := []*textSpan{t}
	for more := true; more; {
		more = false
		for _, u := range ss {
			if u.y >= t.y || t.y-u.y > 2*t.s || math.Abs(u.centre()-t.centre()) > 40 {
				continue
			}
			if isTitle(u) {
				t, more = u, true
				lines = append(lines, u)
			}
			break
		}
	}
	return lines
}

// directionBelow is the line right below t in its column when it is a
// direction in parentheses ("(Đã ký)", "(Ký, ghi rõ họ tên, đóng dấu)"),
// which some templates keep under the title: it is no name.
func directionBelow(ss []*textSpan, t *textSpan) *textSpan {
	for _, u := range ss {
		if u.y >= t.y || t.y-u.y > 2*t.s || math.Abs(u.centre()-t.centre()) > 40 {
			continue
		}
		if parenthesized(u) {
			return u
		}
		return nil
	}
	return nil
}

func parenthesized(u *textSpan) bool {
	s := strings.TrimSpace(u.orig)
	return strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")")
}

// nameBelow is the next line below t in its column, far enough below for
// a signature, that is no direction in parentheses: the signer's name.
func nameBelow(ss []*textSpan, t *textSpan) *textSpan {
	var name *textSpan
	for _, u := range ss {
		if u.y >= t.y || t.y-u.y > 200 || math.Abs(u.centre()-t.centre()) > 60 || parenthesized(u) {
			continue
		}
		if name == nil || u.y > name.y {
			name = u
		}
	}
	return name
}

// sigBox is the room between the line above (under which the signature
// goes) and the name, centred over the title and the name; false when it
// is too low for a signature.
func sigBox(title, above, name *textSpan, page int) (workflow.Box, bool) {
	top := above.y - 0.35*above.s
	bottom := name.y + 0.9*name.s
	h := top - bottom - 4
	if h < 24 {
		return workflow.Box{}, false
	}
	cx := (title.centre() + name.centre()) / 2
	w := math.Min(sigBoxW, math.Max(120, math.Max(title.x1-title.x0, name.x1-name.x0)))
	return workflow.Box{Page: page, X: round2(math.Max(0, cx-w/2)), Y: round2(bottom + 2), W: round2(w), H: round2(h)}, true
}

// findSignature finds the signature block on one page (the signer's, of
// several: chooseBlock) and a note when the choice was by place alone.
func findSignature(ss []*textSpan, page int, who SignerHint) (workflow.Box, string, bool) {
	bs := sigBlocks(ss, page)
	if len(bs) == 0 {
		return workflow.Box{}, "", false
	}
	i, note := chooseBlock(bs, who)
	return bs[i].box, note, true
}

// chooseBlock picks the signer's block: the one with the signer's name,
// else the one with the signer's title, else (and among several with the
// title) the lowest on the page and, of blocks side by side, the right
// one, where Decree 30 puts the lead agency's signer of a joint document.
// The note says when there were several and none was known by the signer.
func chooseBlock(bs []sigBlock, who SignerHint) (int, string) {
	if len(bs) == 1 {
		return 0, ""
	}
	pick := func(ok func(sigBlock) bool) int {
		best := -1
		for i, b := range bs {
			if ok(b) && (best < 0 || lowerRight(b, bs[best])) {
				best = i
			}
		}
		return best
	}
	if n := foldText(who.Name); n != "" {
		if i := pick(func(b sigBlock) bool { return foldText(b.name.orig) == n }); i >= 0 {
			return i, ""
		}
	}
	if t := foldText(who.Title); t != "" {
		if i := pick(func(b sigBlock) bool { return hasTitle(b, t) }); i >= 0 {
			return i, ""
		}
	}
	i := pick(func(sigBlock) bool { return true })
	return i, fmt.Sprintf("%d signature blocks (a joint document?) and none known as the signer's by name or title: the signature goes to the lowest, rightmost one, %q's (page %d); correct the layout if another is the signer's",
		len(bs), strings.TrimSpace(bs[i].name.orig), bs[i].box.Page)
}

// lowerRight says whether a is below b (by more than half a line) or, on
// the same row, right of it.
func lowerRight(a, b sigBlock) bool {
	if d := b.name.y - a.name.y; math.Abs(d) > 0.5*math.Max(a.name.s, b.name.s) {
		return d > 0
	}
	return a.name.centre() > b.name.centre()
}

// hasTitle says whether one of b's title lines is title t (folded), after
// its "KT.", "TM.", "TL.", "TUQ." or "Q.".
func hasTitle(b sigBlock, t string) bool {
	for _, l := range b.titles {
		s := foldText(l.orig)
		if _, rest, ok := strings.Cut(s, "."); ok && len(s)-len(rest) <= 4 {
			s = strings.TrimSpace(rest)
		}
		if s == t {
			return true
		}
	}
	return false
}

// foldText is s folded as spans fold a line (fold), its spaces collapsed.
func foldText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(fold(r))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// lastSignature finds the signature block of a draft of n pages: on the
// last three pages, read from the last, then from page 1 on, where a
// decision's block comes before the pages of the regulation or plan it
// issues, which have none. A block that a page break split — its title at
// the foot of a page, its name at the head of the next — is found too
// (splitSignature). page returns a page's lines and height; false for a
// page that cannot be read.
func lastSignature(n int, page func(p int) ([]*textSpan, float64, bool), who SignerHint) (workflow.Box, string, bool) {
	type read struct {
		p  int
		ss []*textSpan
		h  float64
		ok bool
	}
	var kept [2]read // the pages read last: p and p+1 at the split check
	get := func(p int) read {
		for _, r := range kept {
			if r.p == p {
				return r
			}
		}
		ss, h, ok := page(p)
		kept[0], kept[1] = kept[1], read{p, ss, h, ok}
		return kept[1]
	}
	order := make([]int, 0, n)
	for p := n; p >= 1 && p > n-3; p-- {
		order = append(order, p)
	}
	for p := 1; p <= n-3; p++ {
		order = append(order, p)
	}
	for _, p := range order {
		r := get(p)
		if !r.ok {
			continue
		}
		if b, note, ok := findSignature(r.ss, p, who); ok {
			return b, note, true
		}
		if p == n {
			continue
		}
		if next := get(p + 1); next.ok {
			if b, note, ok := splitSignature(r.ss, next.ss, p, next.h); ok {
				return b, note, true
			}
		}
	}
	return workflow.Box{}, "", false
}

// splitSignature finds a signature block whose title ends page p (ss),
// nothing below it in its column, and whose name is the first line of that
// column on page p+1 (next, of height nextH). The signature goes where the
// room is larger: above the name, or below the title.
func splitSignature(ss, next []*textSpan, p int, nextH float64) (workflow.Box, string, bool) {
	for _, t := range ss {
		if !isTitle(t) {
			continue
		}
		titles := titleLines(ss, t)
		title := titles[len(titles)-1]
		above := title
		if d := directionBelow(ss, above); d != nil {
			above = d
		}
		if nameBelow(ss, above) != nil {
			continue
		}
		name := headOfColumn(next, title.centre())
		if name == nil || isTitle(name) || !personName(name.orig) {
			continue
		}
		note := fmt.Sprintf("the signature block is split by a page break (its title ends page %d, the name %q starts page %d): ", p, strings.TrimSpace(name.orig), p+1)
		w := math.Min(sigBoxW, math.Max(120, math.Max(title.x1-title.x0, name.x1-name.x0)))
		cx := (title.centre() + name.centre()) / 2
		bottom := name.y + 0.9*name.s + 2
		top := nextH - 10
		for _, u := range next {
			if u.y > name.y && math.Abs(u.centre()-cx) < w {
				top = math.Min(top, u.y-0.35*u.s-2)
			}
		}
		under := above.y - 0.35*above.s - 2 // the room below the title: down to 10 pt from the page's foot
		hAbove, hUnder := math.Min(top-bottom, sigBoxH+20), math.Min(under-10, sigBoxH+20)
		x := round2(math.Max(0, cx-w/2))
		switch {
		case hAbove >= 24 && hAbove >= hUnder:
			return workflow.Box{Page: p + 1, X: x, Y: round2(bottom), W: round2(w), H: round2(hAbove)},
				note + "the signature goes above the name; keep the block on one page in the draft", true
		case hUnder >= 24:
			return workflow.Box{Page: p, X: x, Y: round2(under - hUnder), W: round2(w), H: round2(hUnder)},
				note + "the signature goes below the title; keep the block on one page in the draft", true
		}
	}
	return workflow.Box{}, "", false
}

// headOfColumn is the highest line of ss centred within 60 points of cx
// that is neither a page number nor a direction in parentheses.
func headOfColumn(ss []*textSpan, cx float64) *textSpan {
	var head *textSpan
	for _, u := range ss {
		if math.Abs(u.centre()-cx) > 60 || parenthesized(u) || strings.Trim(u.text, "0123456789-–. ") == "" {
			continue
		}
		if head == nil || u.y > head.y {
			head = u
		}
	}
	return head
}

// personName says whether s reads as a person's name: two to six words of
// letters, each starting with a capital ("Nguyễn Văn An", "NGUYỄN VĂN AN"),
// maybe after an academic title ("ThS.", "PGS.TS."); not a line of text
// that happens to head a page.
func personName(s string) bool {
	words := strings.Fields(s)
	if len(words) > 2 && academicRe.MatchString(words[0]) {
		words = words[1:]
	}
	if len(words) < 2 || len(words) > 6 {
		return false
	}
	for _, w := range words {
		for i, r := range []rune(w) {
			if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) || i == 0 && !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return true
}

// academicRe is an academic or professional title before a name: "TS.",
// "ThS.", "PGS.TS.", "BSCKII.".
var academicRe = regexp.MustCompile(`^(\p{Lu}[\p{L}]{0,6}\.){1,3}$`)
