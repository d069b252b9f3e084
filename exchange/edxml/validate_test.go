package edxml

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/vanthu/vanthu/workflow"
)

// signWith is Sign with c as the canonicalisation of both SignedInfo and
// the reference (Sign always uses exclusive C14N): packages other
// software may send. goxmldsig signs the SignedInfo canonicalised before
// it is placed, which an inclusive canonicalisation (where the
// namespaces in scope count) then reads differently: the SignatureValue
// is made again over the SignedInfo canonicalised where it is.
func signWith(t *testing.T, unsigned []byte, k testKey, c dsig.Canonicalizer) []byte {
	t.Helper()
	chain := []*x509.Certificate{k.cert}
	method, err := signatureMethod(k.key, chain)
	if err != nil {
		t.Fatal(err)
	}
	doc, header, err := readUnsigned(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if err := signInTreeWith(doc, header, method, k.key, chain, c); err != nil {
		t.Fatal(err)
	}
	resign(t, childNS(header, "Signature"), k, crypto.SHA256)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// resign makes the SignatureValue of sig again with k and h, over its
// SignedInfo canonicalised where it is.
func resign(t *testing.T, sig *etree.Element, k testKey, h crypto.Hash) {
	t.Helper()
	ctx, err := etreeutils.NSBuildParentContext(sig)
	if err == nil {
		ctx, err = ctx.SubContext(sig)
	}
	if err != nil {
		t.Fatal(err)
	}
	si, err := canonicalSignedInfo(ctx, childNS(sig, "SignedInfo"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := canonicalSerialize(si)
	if err != nil {
		t.Fatal(err)
	}
	hh := h.New()
	hh.Write(b)
	var signer crypto.Signer = k.key
	if pub, ok := k.key.Public().(*ecdsa.PublicKey); ok {
		signer = rawECDSASigner{k.key, (pub.Curve.Params().BitSize + 7) / 8}
	}
	value, err := signer.Sign(rand.Reader, hh.Sum(nil), h)
	if err != nil {
		t.Fatal(err)
	}
	childNS(sig, "SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
}

// TestValidationSHA1Second: a SignedInfo whose first SignatureMethod or
// DigestMethod is SHA-256 (what checkSignedInfo reads) and whose second
// is SHA-1 (what the unmarshalled SignedInfo keeps), signed and digested
// with SHA-1 by the registered key, is refused as weak. goxmldsig's
// Validate used the SHA-1 one.
func TestValidationSHA1Second(t *testing.T) {
	rk, _, _ := testKeys(t)
	trusted := []*x509.Certificate{rk.cert}
	for _, tt := range []struct {
		name string
		edit func(t *testing.T, root, sig *etree.Element) crypto.Hash // the SignatureValue's hash
	}{
		{"SignatureMethod", func(t *testing.T, root, sig *etree.Element) crypto.Hash {
			si := childNS(sig, "SignedInfo")
			sm := childNS(si, "SignatureMethod")
			second := sm.Copy()
			second.CreateAttr("Algorithm", dsig.RSASHA1SignatureMethod)
			si.InsertChildAt(sm.Index()+1, second)
			return crypto.SHA1
		}},
		{"DigestMethod", func(t *testing.T, root, sig *etree.Element) crypto.Hash {
			ref := childNS(childNS(sig, "SignedInfo"), "Reference")
			dm := childNS(ref, "DigestMethod")
			second := dm.Copy()
			second.CreateAttr("Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1")
			ref.InsertChildAt(dm.Index()+1, second)
			// The SHA-1 digest of the package without its signature.
			c := root.Copy()
			header := findHeader(c)
			header.RemoveChild(childNS(header, "Signature"))
			canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(c)
			if err != nil {
				t.Fatal(err)
			}
			h := crypto.SHA1.New()
			h.Write(canonical)
			childNS(ref, "DigestValue").SetText(base64.StdEncoding.EncodeToString(h.Sum(nil)))
			return crypto.SHA256
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := readTree(signedSample(t, rk))
			if err != nil {
				t.Fatal(err)
			}
			sig := childNS(findHeader(doc.Root()), "Signature")
			resign(t, sig, rk, tt.edit(t, doc.Root(), sig))
			data, err := doc.WriteToBytes()
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(data, trusted); !errors.Is(err, ErrWeakSignature) {
				t.Errorf("Verify = %v, want %v", err, ErrWeakSignature)
			}
			t.Logf("goxmldsig on the whole package: %v", verifyWhole(data, trusted))
		})
	}
}

// TestValidation: Verify (validation, on the tree with markers) and
// goxmldsig's Validate on the whole package give the same answer, with
// the same message, for packages signed with every canonicalisation
// goxmldsig reads, their attachment texts written on one line or in
// lines with CR LF, intact and changed in every part of the signature
// and of what it covers.
func TestValidation(t *testing.T) {
	rk, other, ek := testKeys(t)
	lines := wrapLines("\n")
	canonicalizers := map[string]dsig.Canonicalizer{
		"ExcC14N":             dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""),
		"ExcC14NWithComments": dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(""),
		"ExcC14NPrefixList":   dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("edXML"),
		"C14N10":              dsig.MakeC14N10RecCanonicalizer(),
		"C14N11":              dsig.MakeC14N11Canonicalizer(),
		"C14N11WithComments":  dsig.MakeC14N11WithCommentsCanonicalizer(),
	}
	sub := func(pattern, with string) func([]byte) []byte {
		re := regexp.MustCompile(pattern)
		return func(b []byte) []byte {
			out := re.ReplaceAll(b, []byte(with))
			if bytes.Equal(out, b) {
				panic("test broken: " + pattern + " not found")
			}
			return out
		}
	}
	flipIn := func(open string) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(open))
			if i < 0 {
				panic("test broken: " + open + " not found")
			}
			i += bytes.IndexByte(b[i:], '>')
			b = bytes.Clone(b)
			b[i+5] ^= 1 // one base64 letter to a neighbour
			return b
		}
	}
	changes := []struct {
		name   string
		change func([]byte) []byte
		target error // nil: accepted
	}{
		{"Intact", func(b []byte) []byte { return b }, nil},
		{"AttachmentLetter", flipIn("<edXML:ContentTransferEncoded "), ErrBadSignature},
		{"AttachmentLineEnd", sub(`\r\n</edXML:ContentTransferEncoded>`, "\r\nAAAA\r\n</edXML:ContentTransferEncoded>"), ErrBadSignature},
		{"Subject", sub(`V/v triển khai`, "V/v tạm dừng"), ErrBadSignature},
		{"DigestValue", flipIn("<DigestValue>"), ErrBadSignature},
		{"SignatureValue", flipIn("<SignatureValue>"), ErrBadSignature},
		{"EnvelopedTransformDropped", sub(`<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`, ""), ErrBadSignature},
		{"CanonicalizationChanged", sub(`<CanonicalizationMethod Algorithm="[^"]*"/>`, `<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>`), ErrBadSignature},
		{"CommentInSignedInfo", sub(`<SignatureMethod `, "<!-- x --><SignatureMethod "), nil},
		{"KeyInfoDropped", sub(`(?s)<KeyInfo>.*</KeyInfo>`, ""), nil},         // the one registered certificate
		{"KeyInfoCertificateLetter", flipIn("<X509Certificate>"), errRefused}, // untrusted, or no certificate at all
		{"SecondSignatureValue", sub(`</SignatureValue>`, "</SignatureValue><SignatureValue>AAAA</SignatureValue>"), ErrBadSignature},
	}
	for _, k := range []struct {
		name string
		k    testKey
	}{{"RSA", rk}, {"ECDSA", ek}} {
		for cname, c := range canonicalizers {
			for _, layout := range []struct {
				name          string
				before, after func([]byte) []byte // before and after signing
			}{{"OneLine", nil, nil}, {"LinesCRLF", lines, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }}} {
				b, err := Build(sampleDocument())
				if err != nil {
					t.Fatal(err)
				}
				signed := editTexts(t, signWith(t, editTexts(t, b, layout.before), k.k, c), layout.after)
				for _, ch := range changes {
					if layout.before == nil && ch.name == "AttachmentLineEnd" {
						continue
					}
					target := ch.target
					if ch.name == "CommentInSignedInfo" && strings.HasSuffix(string(c.Algorithm()), "WithComments") {
						target = ErrBadSignature // the comment is signed
					}
					t.Run(k.name+"/"+cname+"/"+layout.name+"/"+ch.name, func(t *testing.T) {
						assertSameVerdict(t, ch.change(signed), []*x509.Certificate{k.k.cert}, time.Now(), target)
					})
				}
			}
		}
		signed := signedSample(t, k.k)
		t.Run(k.name+"/OtherAgency", func(t *testing.T) {
			assertSameVerdict(t, signed, []*x509.Certificate{other.cert}, time.Now(), ErrUntrustedSigner)
		})
		t.Run(k.name+"/KeyInfoDroppedTwoRegistered", func(t *testing.T) {
			data := regexp.MustCompile(`(?s)<KeyInfo>.*</KeyInfo>`).ReplaceAll(signed, nil)
			assertSameVerdict(t, data, []*x509.Certificate{k.k.cert, other.cert}, time.Now(), ErrUntrustedSigner)
		})
		t.Run(k.name+"/Expired", func(t *testing.T) {
			assertSameVerdict(t, signed, []*x509.Certificate{k.k.cert}, time.Now().Add(48*time.Hour), ErrUntrustedSigner)
		})
	}
}

// errRefused is a target of assertSameVerdict: refused, whatever the reason.
var errRefused = errors.New("refused")

// assertSameVerdict checks that Verify of data at now refuses it with
// target (accepts it: nil; errRefused: any reason) and that goxmldsig's Validate on the whole
// package says the same.
func assertSameVerdict(t *testing.T, data []byte, trusted []*x509.Certificate, now time.Time, target error) {
	t.Helper()
	err := (&Verifier{Trusted: trusted, Now: func() time.Time { return now }}).Verify(data)
	var whole error
	if _, serr := scan(bytes.NewReader(data), Limits{}.withDefaults()); serr != nil {
		whole = serr
	} else if tree, rerr := readTree(data); rerr != nil {
		whole = rerr
	} else {
		whole = validateWithGoxmldsig(tree.Root(), trusted, now)
	}
	if (err == nil) != (whole == nil) || workflow.ErrorMessage(err) != workflow.ErrorMessage(whole) {
		t.Fatalf("Verify: %v\ngoxmldsig on the whole package: %v", err, whole)
	}
	if target == nil && err != nil {
		t.Fatalf("Verify: %v, want accepted", err)
	}
	if target == errRefused && err != nil {
		return
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("Verify: %v, want %v", err, target)
	}
}

func readTree(data []byte) (*etree.Document, error) {
	doc := etree.NewDocument()
	return doc, doc.ReadFromBytes(data)
}

// TestDigestSplice: the digest puts each attachment text in place of its
// marker, and refuses a canonical form in which the markers are not each
// there once, in order, before an end tag.
func TestDigestSplice(t *testing.T) {
	p := &Package{data: []byte("..AB\r\nC..DE.."), texts: [][2]int{{2, 7}, {9, 11}}, marker: "#0123456789abcdef."}
	c := &validation{p: p}
	m0, m1 := p.marker+"0", p.marker+"1"
	got, err := c.digest(sha256.New(), []byte("<a><b>"+m0+"</b><b>"+m1+"</b></a>"))
	want := sha256.Sum256([]byte("<a><b>AB\nC</b><b>DE</b></a>"))
	if err != nil || !bytes.Equal(got, want[:]) {
		t.Fatalf("digest = %x, %v; want %x", got, err, want)
	}
	for _, canonical := range []string{
		"<a><b>" + m0 + "</b><b></b></a>",                            // one missing
		"<a><b>" + m1 + "</b><b>" + m0 + "</b></a>",                  // out of order
		"<a><b>" + m0 + "</b><b>" + m1 + "</b>" + m1 + "</a>",        // one twice
		"<a><b>" + m0 + "x</b><b>" + m1 + "</b></a>",                 // more text after it
		"<a><b>" + m0 + "</b><b>" + m1 + "</b><!--" + m0 + "--></a>", // one in a comment
	} {
		if _, err := c.digest(sha256.New(), []byte(canonical)); !errors.Is(err, errNoSpliceable) {
			t.Errorf("digest(%q) = %v, want %v", canonical, err, errNoSpliceable)
		}
	}
}

// TestVerifyComments: a reference to the whole document (URI="") is the
// document without its comments (XMLDSig §4.3.3.3), whatever the
// canonicalisation: a package with comments, signed as xmlsec1 or .NET
// sign it (the digest of the package without them; with only the
// enveloped-signature transform, inclusive C14N), verifies and parses to
// what was signed; with a signed part changed too, it is refused.
// goxmldsig digested the comments whenever the canonicalisation was the
// default one or "WithComments", and such packages were refused as
// changed after signing.
func TestVerifyComments(t *testing.T) {
	rk, _, ek := testKeys(t)
	places := map[string]func([]byte) []byte{
		"BeforeMessageHeader": replaceOnce("<edXML:MessageHeader>", "<!-- producer 2.1 --><edXML:MessageHeader>"),
		"InText":              replaceOnce("Đề nghị các", "Đề nghị<!-- x --> các"),
		"BetweenRootChildren": replaceOnce("</edXML:edXMLEnvelope>", "</edXML:edXMLEnvelope><!-- attachments -->"),
		"InAttachmentText":    replaceOnce(">JVBERi0x", "><!-- pdf -->JVBERi0x"),
	}
	for _, k := range []struct {
		name string
		k    testKey
	}{{"RSA", rk}, {"ECDSA", ek}} {
		for _, sc := range []struct {
			name          string
			c             dsig.Canonicalizer
			envelopedOnly bool
		}{
			{"EnvelopedOnly", dsig.MakeC14N10RecCanonicalizer(), true},
			{"ExcC14N", dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""), false},
			{"ExcC14NWithComments", dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(""), false},
			{"C14N10WithComments", dsig.MakeC14N10WithCommentsCanonicalizer(), false},
			{"C14N11WithComments", dsig.MakeC14N11WithCommentsCanonicalizer(), false},
		} {
			signed := signedReference(t, k.k, sc.c, sc.envelopedOnly)
			trusted := []*x509.Certificate{k.k.cert}
			for pname, put := range places {
				t.Run(k.name+"/"+sc.name+"/"+pname, func(t *testing.T) {
					data := put(signed)
					if err := Verify(data, trusted); err != nil {
						t.Fatalf("Verify: %v", err)
					}
					m, err := ParseBytes(data, Limits{})
					if err != nil {
						t.Fatal(err)
					}
					want := sampleDocument()
					if d := m.Document; d.Content != want.Content || !bytes.Equal(d.Attachments[0].Data, want.Attachments[0].Data) {
						t.Errorf("parsed Content %q, attachment %q", d.Content, d.Attachments[0].Data)
					}
					forged := replaceOnce("V/v triển khai", "V/v tạm dừng")(data)
					assertVerifyErr(t, Verify(forged, trusted), ErrBadSignature, "changed after signing")
				})
			}
		}
	}
}

// signedReference is the sample package signed with c; envelopedOnly: its
// reference then has the enveloped-signature transform only (c must be
// inclusive C14N 1.0 then, the default canonicalisation).
func signedReference(t *testing.T, k testKey, c dsig.Canonicalizer, envelopedOnly bool) []byte {
	t.Helper()
	b, err := Build(sampleDocument())
	if err != nil {
		t.Fatal(err)
	}
	signed := signWith(t, b, k, c)
	if !envelopedOnly {
		return signed
	}
	doc, err := readTree(signed)
	if err != nil {
		t.Fatal(err)
	}
	sig := childNS(findHeader(doc.Root()), "Signature")
	transforms := childNS(childNS(childNS(sig, "SignedInfo"), "Reference"), "Transforms")
	for _, tr := range transforms.ChildElements() {
		if tr.SelectAttrValue("Algorithm", "") != dsig.EnvelopedSignatureAltorithmId.String() {
			transforms.RemoveChild(tr)
		}
	}
	resign(t, sig, k, crypto.SHA256)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// replaceOnce returns an edit replacing the first old with new; the test
// is broken when there is none.
func replaceOnce(old, new string) func([]byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte(old)) {
			panic("test broken: " + old + " not found")
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
}

// TestVerifyProcessingInstructionsOutsideRoot: the processing
// instructions before and after the root element are part of the whole
// document a reference URI="" names (XMLDSig §4.3.3.3, written as C14N
// 1.0 §2.1 writes them): a package with them, signed as xmlsec1 signs it,
// verifies; with one of them added, changed or removed after signing, it
// is refused. goxmldsig digested the root element only: the first was
// refused as changed and the others went unnoticed. Sign digests them
// too.
func TestVerifyProcessingInstructionsOutsideRoot(t *testing.T) {
	rk, _, ek := testKeys(t)
	const style = `<?xml-stylesheet type="text/xsl" href="edxml.xsl"?>`
	const tail = `<?producer name="x" ?>`
	for _, k := range []struct {
		name string
		k    testKey
	}{{"RSA", rk}, {"ECDSA", ek}} {
		trusted := []*x509.Certificate{k.k.cert}
		withPIs := func(b []byte) []byte {
			b = replaceOnce("\n<edXML ", "\n"+style+"\n<edXML ")(b)
			return append(b, "\n"+tail...)
		}
		bySpec := signedOutsideRoot(t, k.k, []byte(style+"\n"), []byte("\n"+tail))
		b, err := Build(sampleDocument())
		if err != nil {
			t.Fatal(err)
		}
		bySign, err := Sign(withPIs(b), k.k.key, trusted)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name   string
			data   []byte
			target error
		}{
			{"SignedBySpec", withPIs(bySpec), nil},
			{"SignedBySign", bySign, nil},
			{"OneAdded", append(withPIs(bySpec), "<?another?>"...), ErrBadSignature},
			{"OneChanged", bytes.Replace(withPIs(bySpec), []byte("edxml.xsl"), []byte("evil.xsl"), 1), ErrBadSignature},
			{"OneRemoved", bytes.Replace(withPIs(bySpec), []byte(style), nil, 1), ErrBadSignature},
			{"AddedToAPackageWithout", replaceOnce("\n<edXML ", "\n"+style+"\n<edXML ")(signedSample(t, k.k)), ErrBadSignature},
		} {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				err := Verify(tt.data, trusted)
				if tt.target == nil && err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if tt.target != nil {
					assertVerifyErr(t, err, tt.target, "changed after signing")
				}
			})
		}
	}
}

// signedOutsideRoot is the sample package signed with k by the
// specification for a document with before and after around its root
// element (their canonical form): its digest made again over them and
// the root's canonical form, without goxmldsig or Sign knowing of them.
func signedOutsideRoot(t *testing.T, k testKey, before, after []byte) []byte {
	t.Helper()
	doc, err := readTree(signedSample(t, k))
	if err != nil {
		t.Fatal(err)
	}
	c := doc.Root().Copy()
	header := findHeader(c)
	header.RemoveChild(childNS(header, "Signature"))
	canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(c)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(slices.Concat(before, canonical, after))
	sig := childNS(findHeader(doc.Root()), "Signature")
	childNS(childNS(childNS(sig, "SignedInfo"), "Reference"), "DigestValue").SetText(base64.StdEncoding.EncodeToString(digest[:]))
	resign(t, sig, k, crypto.SHA256)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVerifyKeyInfoWithoutCertificate: a KeyInfo that names the key
// without a certificate (what xmlsec1 writes for an X509IssuerSerial,
// X509SubjectName, KeyName or KeyValue template) is a hint only: the
// package verifies when the registered certificate's key signed it, as
// without KeyInfo, and is refused when another key did or when it was
// changed after signing. goxmldsig refused every such package.
func TestVerifyKeyInfoWithoutCertificate(t *testing.T) {
	rk, other, ek := testKeys(t)
	keyInfos := map[string]string{
		"IssuerSerial": `<KeyInfo><X509Data><X509IssuerSerial><X509IssuerName>CN=x</X509IssuerName><X509SerialNumber>1</X509SerialNumber></X509IssuerSerial></X509Data></KeyInfo>`,
		"SubjectName":  `<KeyInfo><X509Data><X509SubjectName>CN=000.00.12.H13 agency</X509SubjectName></X509Data></KeyInfo>`,
		"EmptyX509":    `<KeyInfo><X509Data/></KeyInfo>`,
		"KeyName":      `<KeyInfo><KeyName>agency</KeyName></KeyInfo>`,
		"KeyValue":     `<KeyInfo><KeyValue><RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue></KeyValue></KeyInfo>`,
	}
	keyInfo := regexp.MustCompile(`(?s)<KeyInfo>.*</KeyInfo>`)
	for _, k := range []struct {
		name   string
		signer testKey
		target error // nil: accepted
	}{{"Registered", rk, nil}, {"RegisteredECDSA", ek, nil}, {"OtherKey", other, ErrBadSignature}} {
		signed := signedSample(t, k.signer)
		registered := rk.cert
		if k.signer.cert == ek.cert {
			registered = ek.cert
		}
		for name, ki := range keyInfos {
			t.Run(k.name+"/"+name, func(t *testing.T) {
				data := keyInfo.ReplaceAll(signed, []byte(ki))
				err := Verify(data, []*x509.Certificate{registered})
				if k.target == nil && err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if k.target != nil {
					assertVerifyErr(t, err, k.target, "")
				}
				assertVerifyErr(t, Verify(replaceOnce("V/v triển khai", "V/v tạm dừng")(data), []*x509.Certificate{registered}), ErrBadSignature, "")
			})
		}
	}
}

// TestVerifyCommentSplitsNoIdentity: a signature over the package without
// its comments lets anyone add a comment to a signed package. Added inside
// the text of the sender's OrganId, the DocumentId or the first recipient
// (the SAML comment-truncation attack: a reader that kept only the text
// before the comment would see another identity than the one signed),
// the package still verifies, and Parse reads each value whole, as it was
// signed.
func TestVerifyCommentSplitsNoIdentity(t *testing.T) {
	_, _, ek := testKeys(t)
	signed := signedReference(t, ek, dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""), false)
	trusted := []*x509.Certificate{ek.cert}
	want := sampleDocument()
	orig, err := ParseBytes(signed, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, from, to string }{
		{"sender", "<edXML:OrganId>000.00.12.H13<", "<edXML:OrganId>000.00<!-- -->.12.H13<"},
		{"document id", ">000.00.12.H13,2026/03/02,125/STTTT-VP<", ">000.00.12.H13<!---->,2026/03/02,125/STTTT-VP<"},
		{"recipient", "<edXML:OrganId>000.00.00.H41<", "<edXML:OrganId>000.00.00<!---->.H41<"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := replaceOnce(c.from, c.to)(signed)
			if bytes.Equal(data, signed) {
				t.Fatalf("%q not in the package", c.from)
			}
			if err := Verify(data, trusted); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			m, err := ParseBytes(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			d := m.Document
			if d.From.ID != want.From.ID || d.DocumentID != orig.Document.DocumentID || d.To[0].ID != want.To[0].ID {
				t.Errorf("parsed sender %q, document %q, recipient %q; signed %q, %q, %q",
					d.From.ID, d.DocumentID, d.To[0].ID, want.From.ID, orig.Document.DocumentID, want.To[0].ID)
			}
		})
	}
}
