package edxml

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/vanthu/vanthu/workflow"
)

// encodedText matches an attachment's base64 text as Build writes it.
var encodedText = regexp.MustCompile(`(<edXML:ContentTransferEncoded[^>]*>)([A-Za-z0-9+/=\s]+)(</edXML:ContentTransferEncoded>)`)

// resigned returns the sample package with before applied to each
// attachment's base64 text before it is signed with k, and after applied
// to each once it is signed.
func resigned(t *testing.T, k testKey, before, after func(b64 []byte) []byte) []byte {
	t.Helper()
	b, err := Build(sampleDocument())
	if err != nil {
		t.Fatal(err)
	}
	b = editTexts(t, b, before)
	signed, err := Sign(b, k.key, []*x509.Certificate{k.cert})
	if err != nil {
		t.Fatal(err)
	}
	return editTexts(t, signed, after)
}

func editTexts(t *testing.T, b []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	if edit == nil {
		return b
	}
	n := 0
	b = encodedText.ReplaceAllFunc(b, func(m []byte) []byte {
		n++
		s := encodedText.FindSubmatch(m)
		return append(append(append([]byte{}, s[1]...), edit(s[2])...), s[3]...)
	})
	if n != len(sampleDocument().Attachments) {
		t.Fatalf("test broken: %d attachment texts", n)
	}
	return b
}

// verifyWhole is Verify reading the whole package into the tree,
// attachments included, and checking it with goxmldsig's Validate: what
// Verify did before Open stepped over the attachment texts and before
// validation took Validate step by step (see validation). The tests
// compare Verify with it; Verify is stricter in one thing only, which
// takes a signature of the registered key to reach
// (TestValidationSHA1Second), and follows XMLDSig where goxmldsig does
// not in two, which take one too: comments in a package signed without
// a canonicalisation that drops them are not digested
// (TestVerifyComments), processing instructions outside the root element
// are (TestVerifyProcessingInstructionsOutsideRoot).
func verifyWhole(data []byte, trusted []*x509.Certificate) error {
	if _, err := scan(bytes.NewReader(data), Limits{}.withDefaults()); err != nil {
		return err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return err
	}
	return validateWithGoxmldsig(doc.Root(), trusted, time.Now())
}

// validateWithGoxmldsig is verifyTree with goxmldsig's Validate in place
// of validation.
func validateWithGoxmldsig(root *etree.Element, trusted []*x509.Certificate, now time.Time) error {
	sig, err := theSignature(root)
	if err != nil {
		return err
	}
	sm, err := checkSignedInfo(sig)
	if err != nil {
		return err
	}
	if len(trusted) == 0 {
		return workflow.Wrap(workflow.EINVALID, ErrUntrustedSigner, "edxml: verify: no registered certificate for the sender")
	}
	if strings.HasPrefix(attr(sm, "Algorithm"), "http://www.w3.org/2001/04/xmldsig-more#ecdsa-") {
		if err := ecdsaValueToDER(sig); err != nil {
			return err
		}
	}
	if ki := childNS(sig, "KeyInfo"); ki != nil && len(ki.FindElements(".//X509Certificate")) == 0 {
		sig.RemoveChild(ki) // no certificate in it counts as none (see verifyCertificate)
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: trusted})
	ctx.Clock = dsig.NewFakeClockAt(now)
	if _, err := ctx.Validate(root); err != nil {
		return classifyValidation(err)
	}
	return nil
}

// wrapLines returns an edit that breaks a text into lines of 76 letters,
// each followed by sep (as base64 is often written).
func wrapLines(sep string) func([]byte) []byte {
	return func(b []byte) []byte {
		var out []byte
		for len(b) > 0 {
			n := min(len(b), 76)
			out = append(append(out, b[:n]...), sep...)
			b = b[n:]
		}
		return out
	}
}

// TestOpen: Open steps over the base64 of attachments written as Build
// writes them (with line ends too), reads them as a whole when they hold
// more than base64 text, and either way Parse and Verify of the opened
// package agree with reading the whole package.
func TestOpen(t *testing.T) {
	rk, _, _ := testKeys(t)
	trusted := []*x509.Certificate{rk.cert}
	lines := wrapLines
	// markup returns an edit that writes the middle 4 letters of a text
	// with a comment, CDATA or character references: XML reads the same
	// text, and the canonical form the signature covers is the same.
	markup := func(f func(mid []byte) string) func([]byte) []byte {
		return func(b []byte) []byte {
			i := len(b)/2 - 2
			return append(append(append([]byte{}, b[:i]...), f(b[i:i+4])...), b[i+4:]...)
		}
	}
	for _, tt := range []struct {
		name          string
		before, after func([]byte) []byte
		stepped       int
	}{
		{"AsBuilt", nil, nil, 2},
		{"LinesLF", lines("\n"), nil, 2},
		{"LinesCRLF", lines("\r\n"), nil, 2},
		{"LinesLFToCRLFAfterSigning", lines("\n"), func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }, 2},
		{"LinesCR", lines("\r"), nil, 2},
		{"IndentedLines", lines("\n        "), nil, 2},
		{"Comment", nil, markup(func(m []byte) string { return string(m[:2]) + "<!-- x -->" + string(m[2:]) }), 0},
		{"CDATA", nil, markup(func(m []byte) string { return "<![CDATA[" + string(m) + "]]>" }), 0},
		{"Entity", nil, markup(func(m []byte) string { return fmt.Sprintf("&#x%x;", m[0]) + string(m[1:]) }), 0},
		{"WhiteSpaceOnly", func([]byte) []byte { return []byte("\n   \n") }, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			signed := resigned(t, rk, tt.before, tt.after)
			p, err := Open(signed, Limits{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if len(p.texts) != tt.stepped {
				t.Errorf("stepped over %d texts, want %d", len(p.texts), tt.stepped)
			}
			got, err := p.Parse()
			want, err2 := Parse(bytes.NewReader(signed), Limits{})
			if (err == nil) != (err2 == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
				t.Fatalf("Package.Parse = %v, %v; Parse = %v, %v", got, err, want, err2)
			}
			if err := (&Verifier{Trusted: trusted}).VerifyPackage(p); err != nil {
				t.Errorf("VerifyPackage: %v", err)
			}
			if err := verifyWhole(signed, trusted); err != nil {
				t.Errorf("reading it whole: %v", err)
			}
		})
	}
}

// TestOpenForged: what a sender changes in a stepped-over text after
// signing is refused, a marker guessed into the package is just text, and
// an attachment text moved to another attachment is refused.
func TestOpenForged(t *testing.T) {
	rk, _, _ := testKeys(t)
	trusted := []*x509.Certificate{rk.cert}
	signed := resigned(t, rk, nil, nil)
	texts := encodedText.FindAllSubmatchIndex(signed, -1)
	text := func(i int) []byte { return signed[texts[i][4]:texts[i][5]] }
	splice := func(i int, with []byte) []byte {
		return append(append(append([]byte{}, signed[:texts[i][4]]...), with...), signed[texts[i][5]:]...)
	}
	p, err := Open(signed, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"OneLetter", splice(1, append([]byte("B"), text(1)[1:]...))},
		{"Swapped", splice(0, text(1))},
		{"AppendedPadding", splice(0, append(bytes.Clone(text(0)), "===="...))},
		{"MarkerOfAnother", splice(0, []byte(p.marker+"1"))},
		{"GuessedMarker", splice(0, []byte("#0000000000000000.1"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.data, trusted)
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify = %v, want %v", err, ErrBadSignature)
			}
			if werr := verifyWhole(tt.data, trusted); werr == nil {
				t.Fatalf("reading it whole verifies")
			}
		})
	}
	t.Run("Intact", func(t *testing.T) {
		if err := (&Verifier{Trusted: trusted}).VerifyPackage(p); err != nil {
			t.Fatal(err)
		}
		m, err := p.Parse()
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range sampleDocument().Attachments {
			if !bytes.Equal(m.Document.Attachments[i].Data, a.Data) {
				t.Errorf("attachment %d differs", i)
			}
		}
	})
}

// FuzzVerify: Verify, which steps over attachment texts, accepts exactly
// what reading the whole package accepts.
func FuzzVerify(f *testing.F) {
	rk, _, _ := testKeys(f)
	trusted := []*x509.Certificate{rk.cert}
	b, err := Build(sampleDocument())
	if err != nil {
		f.Fatal(err)
	}
	signed, err := Sign(b, rk.key, trusted)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add(bytes.ReplaceAll(signed, []byte("q6ur"), []byte("q6u\r\nr")))
	f.Fuzz(func(t *testing.T, data []byte) {
		err, whole := Verify(data, trusted), verifyWhole(data, trusted)
		if (err == nil) != (whole == nil) {
			t.Fatalf("Verify: %v; reading it whole: %v", err, whole)
		}
	})
}

// TestOpenAgreesWithWhole: on packages changed at random, most of the
// changes at or next to an attachment's base64 text (where Open steps
// over it), Open and reading the package whole accept and refuse the
// same: ParseBytes (Open) and Parse of a stream (the structural scan of
// every token) agree (the same message when they refuse), and Verify
// agrees with goxmldsig on the whole package. Some of the changes keep
// the package valid (parsed, even verified): the test fails when none
// does.
func TestOpenAgreesWithWhole(t *testing.T) {
	rk, _, ek := testKeys(t)
	lines := wrapLines("\r\n")
	bases := [][]byte{resigned(t, rk, nil, nil), resigned(t, ek, lines, nil)}
	pieces := []string{"<", ">", "/", "=", "&", "&#x41;", "\r", "\n", " ", "A", "<!--x-->", "<![CDATA[QQ]]>", "<?p?>", "<x/>",
		"</edXML:ContentTransferEncoded>", "<edXML:ContentTransferEncoded>", "\x00", "\xc3", "]]>", "</edXML:Attachment>"}
	rng := rand.New(rand.NewPCG(11, 1))
	parsed, verified := 0, 0
	n := 600
	if testing.Short() {
		n = 100
	}
	for i := range n {
		base := bases[i%len(bases)]
		texts := encodedText.FindAllSubmatchIndex(base, -1)
		at := rng.IntN(len(base))
		if rng.IntN(4) > 0 { // at or next to a text: its start, end, inside, or the tags around it
			m := texts[rng.IntN(len(texts))]
			at = []int{m[2], m[4], m[4] + rng.IntN(m[5]-m[4]), m[5], m[5] + 1, m[6] - 1, m[3] - 1}[rng.IntN(7)]
		}
		data := bytes.Clone(base)
		switch rng.IntN(4) {
		case 0: // insert
			data = append(data[:at], append([]byte(pieces[rng.IntN(len(pieces))]), base[at:]...)...)
		case 1: // delete a few bytes
			data = append(data[:at], base[min(len(base), at+1+rng.IntN(8)):]...)
		case 2: // replace one byte
			data[at] = pieces[rng.IntN(len(pieces))][0]
		case 3: // cut the package there
			data = data[:at]
		}
		m, err := ParseBytes(data, Limits{})
		w, werr := Parse(bytes.NewReader(data), Limits{})
		if (err == nil) != (werr == nil) || (err == nil && !reflect.DeepEqual(m, w)) || workflow.ErrorMessage(err) != workflow.ErrorMessage(werr) {
			t.Fatalf("case %d: ParseBytes: %v; Parse of a stream: %v\n%q", i, err, werr, data)
		}
		verr, vwerr := Verify(data, []*x509.Certificate{rk.cert, ek.cert}), verifyWhole(data, []*x509.Certificate{rk.cert, ek.cert})
		if (verr == nil) != (vwerr == nil) {
			t.Fatalf("case %d: Verify: %v; goxmldsig on the whole package: %v\n%q", i, verr, vwerr, data)
		}
		if err == nil {
			parsed++
		}
		if verr == nil {
			verified++
		}
	}
	t.Logf("%d of %d changed packages parsed, %d verified", parsed, n, verified)
	if parsed == 0 || verified == 0 {
		t.Fatalf("test broken: no changed package parsed or verified")
	}
}

// TestOpenErrorPosition: an error after a stepped-over text is reported
// at the line and column of the package as received, in Open's message
// and in the decoder's error it wraps, as reading every token reports it.
func TestOpenErrorPosition(t *testing.T) {
	rk, _, _ := testKeys(t)
	lines := wrapLines("\n")
	end := []byte("</edXML:ContentTransferEncoded>")
	for _, tt := range []struct {
		name   string
		before func([]byte) []byte
		with   string
	}{
		{"EndTagOnTheTextsLine", nil, "</edXML:ContentTransferEncodedX>"},
		{"EndTagAfterTheTextsLines", lines, "</edXML:ContentTransferEncodedX>"},
		{"SyntaxErrorOnTheTextsLine", nil, "<\nedXML:ContentTransferEncoded>"},
		{"SyntaxErrorAfterTheTextsLines", lines, "<\nedXML:ContentTransferEncoded>"},
		{"SecondText", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := resigned(t, rk, tt.before, nil)
			i := bytes.Index(data, end)
			if tt.with == "" { // the second text's end tag
				i += len(end) + bytes.Index(data[i+len(end):], end)
				tt.with = "</edXML:ContentTransferEncodedX>"
			}
			data = append(append(bytes.Clone(data[:i]), tt.with...), data[i+len(end):]...)
			_, err := ParseBytes(data, Limits{})
			_, werr := Parse(bytes.NewReader(data), Limits{})
			if err == nil || workflow.ErrorMessage(err) != workflow.ErrorMessage(werr) {
				t.Fatalf("ParseBytes: %v\nParse of a stream: %v", err, werr)
			}
		})
	}
}
