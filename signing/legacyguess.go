package signing

import (
	"math"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Legacy fonts under other names. A print driver or a PDF optimiser
// renames ".VnTime" to "F1", "TT1" or a subset tag, and a word processor
// may write a /ToUnicode that maps each byte to its Latin-1 look-alike
// under any name: the name no longer says the text is TCVN3 or VNI, and
// the draft reads "Sè:", "ngµy". No name ever says Windows-1258: such
// text reads "Sôì:" for "Số:", "CHUÒ TIòCH" for "CHỦ TỊCH". A font that
// is not named as a legacy one, and whose /ToUnicode (if any) maps no
// code to a letter only Vietnamese has, is tried as one when it shows
// such a look-alike (a character of U+00A0–U+00FF, or of U+F0A0–U+F0FF
// as Word maps a symbolic font's bytes): its text on that page is read
// again each way, word by word, and a legacy reading is taken only when
// it makes syllables Vietnamese writes of at least three of its words
// that the plain reading does not, of most (three in five) of the words
// with a look-alike that it reads otherwise, and four times as many as
// the plain reading makes of words the legacy reading does not; and,
// should another encoding's reading pass too, it must beat that reading
// by the same measure (guessTable). French, German, Spanish or Italian
// words read as TCVN3, VNI or Windows-1258 are no Vietnamese syllables
// ("été" would be "ộtộ", "Müller" "Mỹller", "così" and "però" "coś" and
// "peṛ"), and Vietnamese typed in Unicode reads as Vietnamese as it is. A
// font is decided once per draft, on the first page it shows a look-alike
// on; the others are never read twice. A font with too few words on that
// page to decide (a bold font that shows only the signer's title, an
// italic one "Nơi nhận:") is read as the draft's other legacy fonts are,
// when its words so read are syllables (borrowTable), or tried again on
// the next pages with its words kept (decideLegacy).

// The states of fontInfo.guess.
const (
	guessNever uint8 = iota // named as a legacy font, or its text says what it is
	guessOpen               // not tried yet
	guessSeen               // showed a look-alike on the page being read
	guessDone
	guessFew // tried, its words too few to decide: tried again (fontInfo.kept)
)

// probeGlyph is a glyph of a font being tried: its plain text and where
// it is.
type probeGlyph struct {
	r          rune
	x, y, e, s float64
}

// guessable says whether f may be tried as a legacy font: not named as
// one, and neither its /ToUnicode (if any) nor the uniXXXX names of its
// /Differences map anything to a letter of Vietnamese outside Latin-1
// (mapsVietnamese; a Type 3 font's glyphs named "uni00B5", "uni00B2", as
// Tinos's post table names µ and ², say nothing of it).
func guessable(f *fontInfo) uint8 {
	if f.legacy != nil || namesVietnamese(f.names) || (f.uni != nil && mapsVietnamese(f.uni)) {
		return guessNever
	}
	return guessOpen
}

// namesVietnamese says whether names (fontInfo.names) gives some code a
// letter or mark of Vietnamese outside Latin-1.
func namesVietnamese(names map[byte][]rune) bool {
	for _, rs := range names {
		for _, r := range rs {
			if vietnameseIn(r, r) {
				return true
			}
		}
	}
	return false
}

// lookalike says whether rs is one character that a legacy font's byte
// would read as (see above).
func lookalike(rs []rune) bool {
	if len(rs) != 1 {
		return false
	}
	r := rs[0]
	return r >= 0xA0 && r <= 0xFF || r >= 0xF0A0 && r <= 0xF0FF
}

// decideLegacy tries each font of seen with the text the probe walk
// collected for it, with the words it showed on earlier pages when those
// were too few to decide (fontInfo.kept), sets the legacy table of those
// that read as legacy fonts, and says whether any did. A font whose words
// are too few to decide by themselves (fewer than three that some table
// reads otherwise: a title "CHỦ TỊCH" alone in a bold font, "Nơi nhận:" in
// an italic one) is read with the encoding another font of the draft is
// read with, when its words read so make syllables (borrowTable); else it
// is tried again, its words kept, on the next page it shows a look-alike
// on, up to maxFewTries pages.
func decideLegacy(seen []*fontInfo, fonts fontCache) bool {
	any := false
	var few []*fontInfo
	for _, f := range seen {
		if f.guess != guessSeen {
			continue
		}
		ws := weighedWords(probeWords(f.probe), f.kept)
		var evidence int
		f.legacy, evidence = guessWords(ws)
		f.guess, f.probe, f.kept = guessDone, nil, nil
		if f.legacy == nil && evidence < minGuessWords {
			f.kept = changedWords(ws, maxKeptWords)
			few = append(few, f)
		}
		any = any || f.legacy != nil
	}
	if len(few) == 0 {
		return any
	}
	families := legacyFamilies(fonts, seen)
	for _, f := range few {
		if f.legacy = borrowTable(f.kept, families); f.legacy != nil {
			f.kept, any = nil, true
			continue
		}
		if f.tries++; f.tries < maxFewTries {
			f.guess = guessFew
			continue
		}
		f.kept = nil
	}
	return any
}

const (
	// minGuessWords: a font is decided by its own words when at least
	// so many of them read otherwise in some legacy encoding.
	minGuessWords = 3
	// maxFewTries: a font with fewer such words for some table is tried
	// again on so many pages it shows a look-alike on, at most (each
	// such page is walked once more), its words that some table reads
	// otherwise kept (the others weigh nothing), maxKeptWords of them.
	maxFewTries  = 4
	maxKeptWords = 32
)

// weighedWords are the words of words the guess weighs (mixedWord), each
// once, after those of kept (a font's words from earlier pages).
func weighedWords(words [][]rune, kept []string) []string {
	ws := kept
	counted := map[string]bool{}
	for _, w := range kept {
		counted[w] = true
	}
	for _, w := range words {
		if !counted[string(w)] && mixedWord(w) {
			counted[string(w)] = true
			ws = append(ws, string(w))
		}
	}
	return ws
}

// changedWords are the words of ws that some table reads otherwise, the
// first n of them.
func changedWords(ws []string, n int) []string {
	var out []string
	for _, w := range ws {
		if len(out) == n {
			break
		}
		for _, g := range guessTables {
			if legacyReading(g.t, []rune(w)) != w {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// legacyFamilies are the encodings (guessTables' families, as bits) that
// fonts of the draft read so far are read with: by their names or by
// their text.
func legacyFamilies(fonts fontCache, seen []*fontInfo) uint8 {
	var fams uint8
	add := func(f *fontInfo) {
		for _, g := range guessTables {
			if f.legacy == g.t {
				fams |= 1 << g.family
			}
		}
	}
	for _, f := range fonts {
		add(f)
	}
	for _, f := range seen {
		add(f)
	}
	return fams
}

// borrowTable is the table of one of the encodings families (bits) that
// the words ws of a font with too few of them to decide alone read as,
// or nil: the table's reading must make syllables of at least one word
// the plain reading does not, of three in five of the words it reads
// otherwise (whether the plain reading makes one of them too: "nãm" is a
// syllable, and "năm" in Windows-1258), and four times as many as the
// plain reading makes of words it does not; of TCVN3's two cases the one
// that makes more. Should two encodings pass, the one that
// makes the most syllables is taken only when it makes more than the
// other; else none. A font of French or German words ("Müller" would be
// "Mỹller", "été" "ộtộ") reads as it is whatever the draft's other fonts.
func borrowTable(ws []string, families uint8) *legacyTable {
	if families == 0 || len(ws) == 0 {
		return nil
	}
	plain := plainReadings(ws)
	var best *legacyTable
	bestScore, bestFamily, tied := 0, uint8(0), false
	for _, g := range guessTables {
		if families&(1<<g.family) == 0 {
			continue
		}
		reads, legacyOnly, plainOnly, changed := tableReadings(g.t, ws, plain)
		syllables := 0 // of the words it reads otherwise
		for i, w := range ws {
			if reads[i] && legacyReading(g.t, []rune(w)) != w {
				syllables++
			}
		}
		if legacyOnly < 1 || 5*syllables < 3*changed || legacyOnly < 4*plainOnly {
			continue
		}
		switch {
		case legacyOnly > bestScore:
			tied = false
			best, bestScore, bestFamily = g.t, legacyOnly, g.family
		case legacyOnly == bestScore && g.family != bestFamily:
			tied = true
		}
	}
	if tied {
		return nil
	}
	return best
}

// probeWords splits a font's glyphs into words: at spaces, ASCII
// characters other than letters, and gaps or line changes between glyphs.
func probeWords(gs []probeGlyph) [][]rune {
	var out [][]rune
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for i, g := range gs {
		if i > 0 {
			p := gs[i-1]
			if math.Abs(g.y-p.y) > 0.3*g.s || g.x-p.e > 0.15*g.s || g.x < p.x-0.1*g.s {
				flush()
			}
		}
		b := g.r
		if b >= 0xF020 && b <= 0xF0FF { // a symbolic font's byte, as Word maps it
			b -= 0xF000
		}
		if b < 0x80 && !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') || b == 0xA0 || unicode.IsSpace(b) {
			flush()
			continue
		}
		cur = append(cur, g.r)
	}
	flush()
	return out
}

// guessTables are the tables a font is tried with, and the encoding
// (family) each reads: TCVN3's two are one encoding, in two cases.
var guessTables = []struct {
	t      *legacyTable
	family uint8
}{{tcvn3Table, 1}, {tcvn3UpperTable, 1}, {vniTable, 2}, {cp1258Table, 3}}

// guessTable is the legacy table words read as (see above), or nil. A
// word a table reads as it is (Windows-1258 shares most of Latin-1's
// letters: "tháng", "và") says nothing of it and is not weighed. Each
// table's reading must beat the plain one; of those that do, the one that
// makes the most syllables is taken only when it also beats, by the same
// measure, each of the others of another encoding (TCVN3, VNI and
// Windows-1258 all use Latin-1's upper half: "nghiò" is "nghị" in
// Windows-1258 and "nghiũ" in TCVN3). When two encodings' readings both
// pass and neither beats the other, the font is read as it is.
func guessTable(words [][]rune) *legacyTable {
	t, _ := guessWords(weighedWords(words, nil))
	return t
}

// guessWords is guessTable of the words ws, each once, and the fewest of
// them a table reads otherwise: the evidence the guess had of the table
// it had least of (fewer than minGuessWords: that table could not pass,
// however its words read; Windows-1258 reads most of Latin-1's letters as
// they are, so a date line "Ninh Kiều, ngày tháng năm" in a font of its
// own has two words it reads otherwise).
func guessWords(ws []string) (*legacyTable, int) {
	plain := plainReadings(ws)
	reads := make([][]bool, len(guessTables))
	best, bestScore, evidence := -1, 0, len(ws)
	for k, g := range guessTables {
		var legacyOnly, plainOnly, changed int
		reads[k], legacyOnly, plainOnly, changed = tableReadings(g.t, ws, plain)
		evidence = min(evidence, changed)
		if legacyOnly < 3 || 5*legacyOnly < 3*changed || legacyOnly < 4*plainOnly {
			reads[k] = nil // no rival
			continue
		}
		if legacyOnly > bestScore {
			best, bestScore = k, legacyOnly
		}
	}
	if best < 0 {
		return nil, evidence
	}
	for k, g := range guessTables {
		if reads[k] == nil || g.family == guessTables[best].family {
			continue
		}
		if won, lost := beats(reads[best], reads[k]); won < 3 || won < 4*lost {
			return nil, evidence
		}
	}
	return guessTables[best].t, evidence
}

// plainReadings says of each word of ws whether it is a syllable as it is.
func plainReadings(ws []string) []bool {
	plain := make([]bool, len(ws))
	for i, w := range ws {
		plain[i] = vietSyllable(w)
	}
	return plain
}

// tableReadings says of each word of ws whether t's reading of it is a
// syllable (a word t reads as it is: as plain says), and counts the words
// t's reading makes syllables of and the plain one does not (legacyOnly),
// the reverse (plainOnly), and the words t reads otherwise (changed).
func tableReadings(t *legacyTable, ws []string, plain []bool) (reads []bool, legacyOnly, plainOnly, changed int) {
	reads = make([]bool, len(ws))
	for i, w := range ws {
		r := legacyReading(t, []rune(w))
		if r == w {
			reads[i] = plain[i]
			continue
		}
		changed++
		reads[i] = vietSyllable(r)
	}
	legacyOnly, plainOnly = beats(reads, plain)
	return reads, legacyOnly, plainOnly, changed
}

// beats counts the words reading a makes syllables of that reading b
// does not (won), and those b makes syllables of that a does not (lost).
func beats(a, b []bool) (won, lost int) {
	for i := range a {
		switch {
		case a[i] && !b[i]:
			won++
		case b[i] && !a[i]:
			lost++
		}
	}
	return won, lost
}

// legacyReading is w read through t, diacritics put on the letter before
// them, as the page reader reads a legacy font (composeLegacy).
func legacyReading(t *legacyTable, w []rune) string {
	var out []rune
	for _, r := range w {
		rs := t.decode([]rune{r})
		if len(out) > 0 && len(rs) > 0 && unicode.Is(unicode.Mn, rs[0]) {
			if c, ok := composeMarks(out[len(out)-1], rs); ok {
				out[len(out)-1] = c
				continue
			}
		}
		out = append(out, rs...)
	}
	return string(out)
}

// Vietnamese syllables: an onset, a vowel nucleus and a coda, written in
// one case (or capitalised), with at most one tone mark, and a syllable
// ending in c, ch, p or t takes only the acute or the dot below.
var (
	vietOnsets = []string{"ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu",
		"b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", ""}
	vietCodas = []string{"ng", "nh", "ch", "c", "m", "n", "p", "t", ""}
	// nuclei that may take a coda (ă, â and those ending in them must)
	vietNucleiCoda = setOf("a ă â e ê i o ô ơ u ư y iê yê oa oă oe oo uâ uê uô ươ uy uyê")
	// nuclei ending in a glide: no coda
	vietNucleiOpen = setOf("ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyu uơ")
	vietTones      = map[rune]bool{0x0300: true, 0x0301: true, 0x0303: true, 0x0309: true, 0x0323: true}
)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// vietSyllable says whether w is a syllable Vietnamese writes (above).
func vietSyllable(w string) bool {
	rs := []rune(w)
	if len(rs) == 0 || len(rs) > 8 {
		return false
	}
	upper := 0
	for _, r := range rs {
		if unicode.IsUpper(r) {
			upper++
		}
	}
	if upper != 0 && upper != len(rs) && (upper != 1 || !unicode.IsUpper(rs[0])) {
		return false
	}
	var base []rune
	var tone rune
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		switch {
		case vietTones[r]:
			if tone != 0 {
				return false
			}
			tone = r
		case r == 0x0302 || r == 0x0306 || r == 0x031B:
			if len(base) == 0 {
				return false
			}
			c, ok := composeMarks(base[len(base)-1], []rune{r})
			if !ok {
				return false
			}
			base[len(base)-1] = c
		case r >= 'a' && r <= 'z' || r == 'đ':
			base = append(base, r)
		default:
			return false
		}
	}
	return vietParse(string(base), tone)
}

// vietParse says whether s, a syllable without its tone, parses as onset,
// nucleus and coda.
func vietParse(s string, tone rune) bool {
	for _, on := range vietOnsets {
		rest, ok := strings.CutPrefix(s, on)
		if !ok || (on == "qu" || on == "gi") && rest == "" {
			continue
		}
		for _, co := range vietCodas {
			nu, ok := strings.CutSuffix(rest, co)
			if !ok || nu == "" || !onsetFits(on, nu) {
				continue
			}
			if co == "" && vietNucleiOpen[nu] || vietNucleiCoda[nu] && (co != "" || !needsCoda(nu)) {
				stop := co == "c" || co == "ch" || co == "p" || co == "t"
				if !stop || tone == 0x0301 || tone == 0x0323 {
					return true
				}
			}
		}
	}
	return false
}

// needsCoda: ă and â are written only before a coda.
func needsCoda(nu string) bool { return strings.HasSuffix(nu, "ă") || strings.HasSuffix(nu, "â") }

// onsetFits: k, gh and ngh are written before e, ê, i (and y, k's), c, g
// and ng before the other vowels; q only as qu.
func onsetFits(on, nu string) bool {
	front := strings.IndexAny(nu[:1], "ei") == 0 || strings.HasPrefix(nu, "ê") || strings.HasPrefix(nu, "y")
	switch on {
	case "k", "gh", "ngh":
		return front
	case "c", "g", "ng":
		return !front || on == "g" && strings.HasPrefix(nu, "i")
	case "qu":
		return !strings.HasPrefix(nu, "u") && !strings.HasPrefix(nu, "ư")
	}
	return true
}

// mixedWord says whether w has a look-alike and an ASCII letter (as
// itself or as a symbolic font's byte): the words the guess weighs. A
// symbol alone ("µ", "©", "×") or a word of look-alikes only reads as a
// Vietnamese letter too often ("à", "â", "ì") to say anything.
func mixedWord(w []rune) bool {
	look, ascii := false, false
	for _, r := range w {
		look = look || lookalike([]rune{r})
		if r >= 0xF020 && r <= 0xF07F {
			r -= 0xF000
		}
		ascii = ascii || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return look && ascii
}

// firstRune is rs's only character, or a space for none or several (a
// ligature's text is no legacy byte).
func firstRune(rs []rune) rune {
	if len(rs) != 1 {
		return ' '
	}
	return rs[0]
}
