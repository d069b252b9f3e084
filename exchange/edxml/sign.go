package edxml

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/vanthu/vanthu/workflow"
)

// Errors Verify wraps (test with errors.Is); the *workflow.Error around
// them carries EINVALID and a message for people.
var (
	ErrNotSigned       = errors.New("edxml: no XML signature")
	ErrUntrustedSigner = errors.New("edxml: signed with a certificate that is not the sender's registered one")
	ErrBadSignature    = errors.New("edxml: signature does not match the package")
	ErrWeakSignature   = errors.New("edxml: signature algorithm not accepted")
)

// Accepted algorithms: SHA-1 (which the SDK's samples use) is refused.
var (
	acceptedSignatureMethods = map[string]bool{
		dsig.RSASHA256SignatureMethod:   true,
		dsig.RSASHA384SignatureMethod:   true,
		dsig.RSASHA512SignatureMethod:   true,
		dsig.ECDSASHA256SignatureMethod: true,
		dsig.ECDSASHA384SignatureMethod: true,
		dsig.ECDSASHA512SignatureMethod: true,
	}
	acceptedDigestMethods = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#sha256":       true,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": true,
		"http://www.w3.org/2001/04/xmlenc#sha512":       true,
	}
)

// Sign adds an enveloped XML signature (XMLDSig, RSA-SHA256 or
// ECDSA-SHA256 depending on key, exclusive C14N, SHA-256 digest) over the
// whole package (Reference URI="") and returns the signed bytes. Like the
// SDK's packages the Signature element goes at the end of edXMLHeader, in
// the xmldsig default namespace; the enveloped-signature transform removes
// it wherever it sits, so the digest covers everything else, attachments
// included. chain[0] must be key's certificate; the chain is written to
// KeyInfo/X509Data.
//
// ECDSA: goxmldsig on its own writes and expects the ECDSA SignatureValue
// ASN.1 DER-encoded, whereas XMLDSig (RFC 4050/6931) wants r||s; Sign and
// Verify convert, so the signatures are the standard form other software
// (xmlsec1, .NET SignedXml) reads.
//
// Errors are *workflow.Error: EINVALID for input that is not an unsigned
// edXML package or a key/certificate mismatch, EINTERNAL when the signer
// fails.
func Sign(xmlBytes []byte, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	method, err := signatureMethod(key, chain)
	if err != nil {
		return nil, err
	}
	doc, header, err := readUnsigned(xmlBytes)
	if err != nil {
		return nil, err
	}
	return signTree(doc, header, method, key, chain, len(xmlBytes))
}

// BuildSigned returns what Sign(Build(doc)) returns, without reading the
// attachments back: it builds the package with empty attachments, reads
// that small package into a tree as Sign does, puts each attachment's
// base64 text into its element, then signs the tree. Sign(Build(doc))
// tokenised the base64 of every attachment twice (scan, then etree),
// most of its time for a document of some 100 KB. Errors are Build's and
// Sign's.
func BuildSigned(doc Document, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	method, err := signatureMethod(key, chain)
	if err != nil {
		return nil, err
	}
	if err := checkBuildSize(doc.Attachments); err != nil {
		return nil, err
	}
	bare := doc
	bare.Attachments = make([]Attachment, len(doc.Attachments))
	for i, a := range doc.Attachments {
		a.Data = nil
		bare.Attachments[i] = a
	}
	raw, err := Build(bare)
	if err != nil {
		return nil, err
	}
	tree, header, err := readBuilt(raw)
	if err != nil {
		return nil, err
	}
	els := encodedElements(tree.Root())
	if len(els) != len(doc.Attachments) {
		return nil, workflow.Errorf(workflow.EINTERNAL, "edxml: sign: %d attachment elements for %d attachments", len(els), len(doc.Attachments))
	}
	marker, err := newMarker()
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(els))
	for i, e := range els {
		if data := doc.Attachments[i].Data; len(data) > 0 { // an empty one stays as Build wrote it
			texts[i] = base64.StdEncoding.EncodeToString(data)
			e.SetText(marker + strconv.Itoa(i))
		}
	}
	c := splicing{dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""), marker, texts}
	if err := signInTreeWith(tree, header, method, key, chain, c); err != nil {
		return nil, err
	}
	var written bytes.Buffer
	if _, err := tree.WriteTo(&written); err != nil {
		return nil, workflow.Wrap(workflow.EINTERNAL, err, "edxml: sign: writing package")
	}
	return splice(written.Bytes(), marker, texts)
}

// splicing canonicalises a tree whose attachment elements hold markers
// instead of their base64 texts, and puts each text in place of its
// marker: the canonical form of the tree that holds the texts (base64
// has nothing the canonical form escapes), without the canonicaliser
// escaping some 130 KB of base64 byte by byte for the digest. A form
// without markers (the SignedInfo) is returned as it is.
type splicing struct {
	dsig.Canonicalizer
	marker string
	texts  []string
}

func (c splicing) Canonicalize(el *etree.Element) ([]byte, error) {
	b, err := c.Canonicalizer.Canonicalize(el)
	if err != nil || !bytes.Contains(b, []byte(c.marker)) {
		return b, err
	}
	return splice(b, c.marker, c.texts)
}

// splice replaces, in the written or canonical form b, marker+i followed
// by its element's end tag with texts[i], for every non-empty text, in
// order; each must be there once. TestBuildSigned checks the package is
// Sign(Build(doc)), byte for byte.
func splice(b []byte, marker string, texts []string) ([]byte, error) {
	n, size := 0, 0
	for _, t := range texts {
		if t != "" {
			n++
			size += len(t)
		}
	}
	if bytes.Count(b, []byte(marker)) != n {
		return nil, workflow.Errorf(workflow.EINTERNAL, "edxml: sign: %d attachment markers for %d attachments", bytes.Count(b, []byte(marker)), n)
	}
	out := make([]byte, 0, len(b)+size)
	rest := b
	for i, text := range texts {
		if text == "" {
			continue
		}
		m := marker + strconv.Itoa(i) + "<"
		j := bytes.Index(rest, []byte(m))
		if j < 0 {
			return nil, workflow.Errorf(workflow.EINTERNAL, "edxml: sign: attachment %d not written", i+1)
		}
		out = append(append(out, rest[:j]...), text...)
		rest = rest[j+len(m)-1:]
	}
	return append(out, rest...), nil
}

// encodedElements returns the ContentTransferEncoded elements of a built
// package, in the order of its attachments.
func encodedElements(root *etree.Element) []*etree.Element {
	var out []*etree.Element
	for _, ae := range root.ChildElements() {
		if ae.Tag != "AttachmentEncoded" {
			continue
		}
		for _, a := range ae.ChildElements() {
			if a.Tag != "Attachment" {
				continue
			}
			for _, c := range a.ChildElements() {
				if c.Tag == "ContentTransferEncoded" && c.NamespaceURI() == Namespace {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// signatureMethod checks that chain[0] is key's certificate and returns
// the XMLDSig signature method of key.
func signatureMethod(key crypto.Signer, chain []*x509.Certificate) (string, error) {
	if key == nil || len(chain) == 0 || chain[0] == nil {
		return "", workflow.Errorf(workflow.EINVALID, "edxml: sign: a key and its certificate are required")
	}
	if !publicKeysEqual(key.Public(), chain[0].PublicKey) {
		return "", workflow.Errorf(workflow.EINVALID, "edxml: sign: the certificate %q is not the key's", chain[0].Subject)
	}
	switch key.Public().(type) {
	case *rsa.PublicKey:
		return dsig.RSASHA256SignatureMethod, nil
	case *ecdsa.PublicKey:
		return dsig.ECDSASHA256SignatureMethod, nil
	}
	return "", workflow.Errorf(workflow.EINVALID, "edxml: sign: %T keys are not supported (RSA or ECDSA)", key.Public())
}

// readUnsigned scans an unsigned package and reads it into a tree; it
// returns the tree and its edXMLHeader.
func readUnsigned(xmlBytes []byte) (*etree.Document, *etree.Element, error) {
	lim := Limits{}.withDefaults()
	sr, err := scan(bytes.NewReader(xmlBytes), lim)
	if err != nil {
		return nil, nil, err
	}
	if sr.signed {
		return nil, nil, workflow.Errorf(workflow.EINVALID, "edxml: sign: the package is already signed")
	}
	return readBuilt(xmlBytes)
}

// readBuilt reads a package Build has just written into a tree, without
// readUnsigned's scan: that scan is for a package from elsewhere, and what
// it refuses Build does not write (its strict checks bound the
// attachments, it writes no signature, no DTD and no prefix it does not
// declare). The scan was some 40 % of reading the tree, ≈ 0.1 ms of an
// outgoing lifecycle's send step (docs/performance.md).
func readBuilt(xmlBytes []byte) (*etree.Document, *etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xmlBytes); err != nil {
		return nil, nil, workflow.Wrap(workflow.EINVALID, err, "edxml: sign: reading package")
	}
	header := findHeader(doc.Root())
	if header == nil {
		return nil, nil, workflow.Errorf(workflow.EINVALID, "edxml: sign: no edXMLEnvelope/edXMLHeader")
	}
	return doc, header, nil
}

// signTree adds the enveloped signature to a package read by
// readUnsigned and writes it out; size is about the unsigned package's
// (the output buffer is made that much larger than the signature at once).
func signTree(doc *etree.Document, header *etree.Element, method string, key crypto.Signer, chain []*x509.Certificate, size int) ([]byte, error) {
	if err := signInTree(doc, header, method, key, chain); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(size + 8192)
	if _, err := doc.WriteTo(&out); err != nil {
		return nil, workflow.Wrap(workflow.EINTERNAL, err, "edxml: sign: writing package")
	}
	return out.Bytes(), nil
}

// signInTree adds the enveloped signature to a package read by
// readUnsigned. Exclusive C14N: the SignedInfo canonical form must not
// depend on the edXML namespace declarations in scope where the
// Signature is placed.
func signInTree(doc *etree.Document, header *etree.Element, method string, key crypto.Signer, chain []*x509.Certificate) error {
	return signInTreeWith(doc, header, method, key, chain, dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(""))
}

// signInTreeWith is signInTree with c as the canonicalisation.
func signInTreeWith(doc *etree.Document, header *etree.Element, method string, key crypto.Signer, chain []*x509.Certificate, c dsig.Canonicalizer) error {
	certs := make([][]byte, len(chain))
	for i, c := range chain {
		certs[i] = c.Raw
	}
	signer := key
	if pub, ok := key.Public().(*ecdsa.PublicKey); ok {
		signer = rawECDSASigner{key, (pub.Curve.Params().BitSize + 7) / 8}
	}
	ctx, err := dsig.NewSigningContext(signer, certs)
	if err != nil {
		return workflow.Wrap(workflow.EINVALID, err, "edxml: sign")
	}
	ctx.Prefix = "" // <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"> as in the SDK's packages
	ctx.Canonicalizer = wholeDocument{c, doc.Root()}
	if err := ctx.SetSignatureMethod(method); err != nil {
		return workflow.Wrap(workflow.EINVALID, err, "edxml: sign")
	}

	// Place: after the last element of edXMLHeader, on its own line. The
	// indentation goes in before the digest is taken, so it is signed too.
	at := len(header.Child)
	for i := len(header.Child) - 1; i >= 0; i-- {
		if _, ok := header.Child[i].(*etree.Element); ok {
			at = i + 1
			break
		}
	}
	header.InsertChildAt(at, etree.NewText("\n      "))
	sig, err := ctx.ConstructSignature(doc.Root(), true)
	if err != nil {
		return workflow.Wrap(workflow.EINTERNAL, err, "edxml: sign")
	}
	header.InsertChildAt(at+1, sig)
	return nil
}

// wholeDocument canonicalises the root element of a package as the whole
// document a reference URI="" names (see withOutsideRoot), and any other
// element (the SignedInfo) as c does.
type wholeDocument struct {
	dsig.Canonicalizer
	root *etree.Element
}

func (c wholeDocument) Canonicalize(el *etree.Element) ([]byte, error) {
	b, err := c.Canonicalizer.Canonicalize(el)
	if err != nil || el != c.root {
		return b, err
	}
	return withOutsideRoot(el, b), nil
}

type ecdsaSig struct{ R, S *big.Int }

// rawECDSASigner turns the ASN.1 DER signatures of an ECDSA crypto.Signer
// into the fixed-size r||s XMLDSig wants.
type rawECDSASigner struct {
	crypto.Signer
	size int // bytes per coordinate
}

func (s rawECDSASigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	der, err := s.Signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	var sig ecdsaSig
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("ECDSA signer returned a malformed signature: %v", err)
	}
	if sig.R == nil || sig.S == nil || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 8*s.size || sig.S.BitLen() > 8*s.size {
		return nil, errors.New("ECDSA signer returned an out-of-range signature")
	}
	out := make([]byte, 2*s.size)
	sig.R.FillBytes(out[:s.size])
	sig.S.FillBytes(out[s.size:])
	return out, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

func findHeader(root *etree.Element) *etree.Element {
	if root == nil {
		return nil
	}
	for _, env := range root.ChildElements() {
		if env.Tag == "edXMLEnvelope" && env.NamespaceURI() == Namespace {
			for _, h := range env.ChildElements() {
				if h.Tag == "edXMLHeader" && h.NamespaceURI() == Namespace {
					return h
				}
			}
		}
	}
	return nil
}

// Verifier checks package signatures against registered certificates.
type Verifier struct {
	// Trusted are the sender agency's registered signing certificates; the
	// package's KeyInfo certificate must be one of them, byte for byte.
	Trusted []*x509.Certificate
	// Now is the time the certificate must be valid at; nil is time.Now.
	Now func() time.Time
	// Limits bound the input like Parse's; zero fields take the defaults.
	Limits Limits
}

// Verify checks that xmlBytes carries exactly one enveloped XML signature
// over the whole package (Reference URI=""), made with an accepted algorithm
// (RSA or ECDSA with SHA-256 or stronger; SHA-1 is refused) by a
// certificate in trusted that is valid now, and that nothing but the
// signature changed since signing. It returns nil only then.
func Verify(xmlBytes []byte, trusted []*x509.Certificate) error {
	return (&Verifier{Trusted: trusted}).Verify(xmlBytes)
}

// Verify is the package-level Verify with v's settings. Errors are
// *workflow.Error with EINVALID wrapping ErrNotSigned, ErrWeakSignature,
// ErrUntrustedSigner or ErrBadSignature, or EINVALID/ETOOLARGE from the
// same structural checks as Parse.
func (v *Verifier) Verify(xmlBytes []byte) error {
	p, err := Open(xmlBytes, v.Limits)
	if err != nil {
		return err
	}
	return v.VerifyPackage(p)
}

// VerifyPackage is Verify for a package opened with Open (whose limits
// apply, not v.Limits): the signature is checked on the bytes
// Package.Parse decodes the attachments from.
func (v *Verifier) VerifyPackage(p *Package) error {
	doc, err := p.tree()
	if err != nil {
		return err
	}
	return v.verifyTree(doc.Root(), p)
}

// verifyTree checks the signature of a package read into a tree: p's
// tree, its stepped-over texts still markers, or (p nil) a tree that
// holds every text.
func (v *Verifier) verifyTree(root *etree.Element, p *Package) error {
	sig, err := theSignature(root)
	if err != nil {
		return err
	}
	sm, err := checkSignedInfo(sig)
	if err != nil {
		return err
	}
	if len(v.Trusted) == 0 {
		return workflow.Wrap(workflow.EINVALID, ErrUntrustedSigner, "edxml: verify: no registered certificate for the sender")
	}
	if strings.HasPrefix(attr(sm, "Algorithm"), "http://www.w3.org/2001/04/xmldsig-more#ecdsa-") {
		if err := ecdsaValueToDER(sig); err != nil {
			return err
		}
	}
	c := &validation{trusted: v.Trusted, now: time.Now(), p: p}
	if v.Now != nil {
		c.now = v.Now()
	}
	return c.validate(root)
}

// theSignature returns the package's one XML signature, which must sit in
// edXMLEnvelope/edXMLHeader.
func theSignature(root *etree.Element) (*etree.Element, error) {
	var sigs []*etree.Element
	foreign := 0
	var walk func(*etree.Element)
	walk = func(el *etree.Element) {
		for _, c := range el.ChildElements() {
			if c.Tag == "Signature" {
				if c.NamespaceURI() == dsigNamespace {
					sigs = append(sigs, c)
					continue
				}
				foreign++
			}
			walk(c)
		}
	}
	walk(root)
	switch {
	case len(sigs) == 0 && foreign > 0:
		return nil, workflow.Wrap(workflow.EINVALID, ErrNotSigned,
			"edxml: verify: the package's <Signature> is not in the xmldsig namespace %q, so it is not an XML signature", dsigNamespace)
	case len(sigs) == 0:
		return nil, workflow.Wrap(workflow.EINVALID, ErrNotSigned, "edxml: verify: the package is not signed")
	case len(sigs) > 1:
		return nil, workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: %d signatures, expected one", len(sigs))
	}
	sig := sigs[0]
	if parent := sig.Parent(); parent == nil || parent != findHeader(root) {
		return nil, workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: the signature is not in edXMLEnvelope/edXMLHeader")
	}
	return sig, nil
}

// checkSignedInfo requires an accepted signature method and exactly one
// reference, to the whole package, with an accepted digest method. It
// returns the SignatureMethod element.
func checkSignedInfo(sig *etree.Element) (*etree.Element, error) {
	si := childNS(sig, "SignedInfo")
	sm := childNS(si, "SignatureMethod")
	if sm == nil {
		return nil, workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: no SignedInfo/SignatureMethod")
	}
	if alg := sm.SelectAttrValue("Algorithm", ""); !acceptedSignatureMethods[alg] {
		return nil, workflow.Wrap(workflow.EINVALID, ErrWeakSignature, "edxml: verify: signature method %q is not accepted (RSA or ECDSA with SHA-256 or stronger)", alg)
	}
	refs := 0
	for _, ref := range si.ChildElements() {
		if ref.Tag != "Reference" || ref.NamespaceURI() != dsigNamespace {
			continue
		}
		refs++
		if uri := ref.SelectAttrValue("URI", "#"); uri != "" {
			return nil, workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: the signature covers %q, not the whole package", uri)
		}
		dm := childNS(ref, "DigestMethod")
		if alg := attr(dm, "Algorithm"); !acceptedDigestMethods[alg] {
			return nil, workflow.Wrap(workflow.EINVALID, ErrWeakSignature, "edxml: verify: digest method %q is not accepted (SHA-256 or stronger)", alg)
		}
	}
	if refs != 1 {
		return nil, workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: %d signature references, expected one", refs)
	}
	return sm, nil
}

// ecdsaValueToDER rewrites an ECDSA SignatureValue from r||s (XMLDSig) to
// the ASN.1 DER goxmldsig checks. The SignatureValue is outside
// SignedInfo, so this changes nothing that is signed.
func ecdsaValueToDER(sig *etree.Element) error {
	sv := childNS(sig, "SignatureValue")
	if sv == nil {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil || len(raw) == 0 || len(raw)%2 != 0 {
		return workflow.Wrap(workflow.EINVALID, ErrBadSignature, "edxml: verify: ECDSA SignatureValue is not r||s")
	}
	der, err := asn1.Marshal(ecdsaSig{new(big.Int).SetBytes(raw[:len(raw)/2]), new(big.Int).SetBytes(raw[len(raw)/2:])})
	if err != nil {
		return workflow.Wrap(workflow.EINTERNAL, err, "edxml: verify")
	}
	sv.SetText(base64.StdEncoding.EncodeToString(der))
	return nil
}

func childNS(el *etree.Element, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == dsigNamespace {
			return c
		}
	}
	return nil
}

func attr(el *etree.Element, name string) string {
	if el == nil {
		return ""
	}
	return el.SelectAttrValue(name, "")
}
