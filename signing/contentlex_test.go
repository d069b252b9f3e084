package signing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// lexed renders what contentLexer reads from content: each operator after
// its operands, "; " between operators.
func lexed(content string) string {
	l := contentLexer{b: []byte(content)}
	var ops []string
	for {
		op, args, ok := l.next()
		if !ok {
			return strings.Join(ops, "; ")
		}
		var b strings.Builder
		for _, a := range args {
			b.WriteString(renderOperand(a) + " ")
		}
		ops = append(ops, b.String()+string(op))
	}
}

func renderOperand(o operand) string {
	switch o.kind {
	case operandNumber:
		return strconv.FormatFloat(o.num, 'g', -1, 64)
	case operandName:
		return "/" + string(o.b)
	case operandString:
		return fmt.Sprintf("%q", o.b)
	case operandArray:
		var parts []string
		for _, e := range o.arr {
			parts = append(parts, renderOperand(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return "?"
}

// TestContentLexer: the tokens of content streams (ISO 32000-1, 7.2–7.3
// and 8.9.7), malformed ones read as readers do, inline images skipped.
func TestContentLexer(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"operators", "q 1 0 0 1 72 700 cm\nBT /F1 12 Tf T* ET Q", "q; 1 0 0 1 72 700 cm; BT; /F1 12 Tf; T*; ET; Q"},
		{"numbers", ".5 -.5 4. +3 -0.25 Tz", "0.5 -0.5 4 3 -0.25 Tz"},
		{"malformed numbers", "--5 1.2.3 - +Inf 1e999 Tz", "-5 1.2 0 0 1 Tz"},
		{"names", "/F1 12 Tf /A#20B Do /#ZZ Do", `/F1 12 Tf; /A B Do; /#ZZ Do`},
		{"literal strings", `(a(b)c) Tj (x\)y\\z) Tj`, `"a(b)c" Tj; "x)y\\z" Tj`},
		{"escapes", "(\\101\\0\\7x\\n\\t\\q) Tj", `"A\x00\ax\n\tq" Tj`},
		{"line ends in strings", "(l1\\\nl2) Tj (cr\rlf\r\nend\\\r\nx) Tj", `"l1l2" Tj; "cr\nlf\nendx" Tj`},
		{"hex strings", "<41 42 4> Tj <> Tj <4g1> Tj", `"AB@" Tj; "" Tj; "A" Tj`},
		{"arrays", "[(A) -250 (B) [1 [2]] /N true] TJ", `["A" -250 "B" [1 [2]] /N ?] TJ`},
		{"two arrays", "[3 2] 0 d [(a)] TJ", `[3 2] 0 d; ["a"] TJ`},
		{"dictionaries", "/Span <</ActualText (>>) /Sub <</X 1>> >> BDC (t) Tj", `/Span ? BDC; "t" Tj`},
		{"comments", "% (x) Tj\n(a) Tj % (b) Tj\r(c) Tj", `"a" Tj; "c" Tj`},
		{"stray delimiters", ") ] > } { (a) Tj", `"a" Tj`},
		{"keywords as operands", "true false null 3 d0", "? ? ? 3 d0"},
		{"operands without operator", "(a) Tj 1 2", `"a" Tj`},
		{"unterminated string", "(a) Tj (abc Tj", `"a" Tj`},
		{"too deep", "(a) Tj " + strings.Repeat("[", 100) + " Tj (b) Tj", `"a" Tj`},
		{"inline image", "q BI /W 4 /H 4 /BPC 8 /CS /G ID \x00(\xff<%\n)\x01<<[\x80 EIx\x90 EI Q (a) Tj", `q; Q; "a" Tj`},
		{"inline image, EI then binary", "BI /W 2 /H 2 /CS /G /BPC 8 ID \x01 EI \x80\x81\x82 EI Q", "Q"},
		{"inline image, EI then a string", "BI /W 1 /H 1 /CS /G /BPC 8 ID \x01 EI (\xe1) Tj", `"\xe1" Tj`},
		{"inline image of known length", "BI /L 6 /W 2 /H 3 ID 12 EI\x00 EI Q", "Q"},
		{"inline image to the end", "(a) Tj BI /W 9 ID \x80\x81 (b) Tj", `"a" Tj`},
		{"empty inline image", "BI ID EI Q", "Q"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := lexed(c.in); got != c.want {
				t.Errorf("%q:\ngot  %s\nwant %s", c.in, got, c.want)
			}
		})
	}
}

// TestTextAfterInlineImage: the text drawn after an inline image is read.
// The PDF library's interpreter lost it: the image's bytes were read as
// tokens, and the first that did not parse ended the stream.
func TestTextAfterInlineImage(t *testing.T) {
	content := "BT /F1 12 Tf 72 700 Td (Before) Tj ET q 10 0 0 10 0 0 cm BI /W 4 /H 4 /BPC 8 /CS /G ID " +
		"\x00(\xff<%\n)\x01<<[\x80\x81\x82 EIx\x90\x91" + " EI Q BT /F1 12 Tf 72 600 Td (After) Tj ET"
	in := buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
		[]byte(testpdf.Stream("", []byte(content))),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
	})
	gs, _, err := pageGlyphs(mustReader(t, in), nil, 1, fontCache{})
	if err != nil {
		t.Fatal(err)
	}
	var text []rune
	for _, g := range gs {
		text = append(text, g.r)
	}
	if string(text) != "BeforeAfter" {
		t.Fatalf("page text %q, want %q", string(text), "BeforeAfter")
	}
}

// FuzzContentLexer: any bytes are read to their end without a panic, each
// operator after at least one byte.
func FuzzContentLexer(f *testing.F) {
	for _, s := range []string{"q 1 0 0 1 0 0 cm Q", "[(a) 1 [2 <</A (>>)>>]] TJ", "BI /L 3 ID abc EI", "(\\", "<", "[[[", "/#", "BI ID"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l := contentLexer{b: b}
		n := 0
		for {
			_, _, ok := l.next()
			if !ok {
				break
			}
			if n++; n > len(b) {
				t.Fatalf("%d operators from %d bytes", n, len(b))
			}
		}
	})
}

// TestShortDecimal: the numbers read without strconv are the numbers
// strconv.ParseFloat reads, to the bit (the sign of zero too), and what
// shortDecimal does not take is left to ParseFloat.
func TestShortDecimal(t *testing.T) {
	for _, tok := range []string{
		"0", "-0", "+0", "1", "-1", "+7", ".5", "-.5", "5.", "-5.", "0.1", "0.3", ".23999999", "-.23999999",
		"2316.6992", "115.625", "792", "3.125", "0.00000000000001", "999999999999999", "99999999.9999999",
		"123456789012.345", "00000000000001.5",
	} {
		got, ok := shortDecimal([]byte(tok))
		want, err := strconv.ParseFloat(tok, 64)
		if !ok || err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%q: %v (%v), ParseFloat %v (%v)", tok, got, ok, want, err)
		}
	}
	for _, tok := range []string{"-", "+", ".", "-.", "1.2.3", "--5", "+-5", "1e5", "0x10", "1_0", "Inf", "1234567890123456", "1.234567890123456", "0.000000000000001", "1.7976931348623157"} {
		if f, ok := shortDecimal([]byte(tok)); ok {
			t.Errorf("%q read as %v: ParseFloat's to read", tok, f)
		}
	}
	// Random decimals as content streams write them.
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		tok := strconv.FormatFloat((rnd.Float64()-0.5)*math.Pow(10, float64(rnd.IntN(12))), 'f', rnd.IntN(9), 64)
		got, ok := shortDecimal([]byte(tok))
		want, _ := strconv.ParseFloat(tok, 64)
		if ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: %v, ParseFloat %v", tok, got, want)
		}
	}
}

// TestTextOp: the operators the walk runs, each by its own name, and no
// other.
func TestTextOp(t *testing.T) {
	for _, op := range textOps {
		if got := textOp([]byte(op)); got != op {
			t.Errorf("%q: %q", op, got)
		}
	}
	for _, op := range []string{"", "re", "f", "BI", "ET", "TJJ", "tj", "T", "Tj ", "d0", "BDC", "gs"} {
		if got := textOp([]byte(op)); got != "" {
			t.Errorf("%q: %q, want none", op, got)
		}
	}
}

// TestByteClass: white space and delimiters as ISO 32000-1, 7.2.2 lists
// them; every other byte is regular.
func TestByteClass(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		space := strings.IndexByte(" \n\r\t\f\x00", b) >= 0
		delim := strings.IndexByte("()<>[]{}/%", b) >= 0
		if isSpace(b) != space || isRegular(b) != (!space && !delim) {
			t.Errorf("%#x: space %v, regular %v", b, isSpace(b), isRegular(b))
		}
	}
}

// FuzzShortDecimal: whatever token shortDecimal reads, ParseFloat reads
// too, to the same bits.
func FuzzShortDecimal(f *testing.F) {
	for _, s := range []string{"0", "-0", ".5", "-12.75", "999999999999999", "0.000000000000001", "+.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if tok == "" {
			return
		}
		got, ok := shortDecimal([]byte(tok))
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(tok, 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: %v, ParseFloat %v (%v)", tok, got, want, err)
		}
	})
}
