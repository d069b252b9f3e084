package edxml

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
	"github.com/russellhaering/goxmldsig/types"

	"github.com/vanthu/vanthu/workflow"
)

// validation is goxmldsig's ValidationContext.Validate (v1.6.1) taken
// step by step, with goxmldsig's own pieces (its namespace traversal,
// canonicalisers and types), on a tree read from a Package whose
// stepped-over attachment texts are still markers. It differs in two
// things, both in the reference's digest: the canonical form is
// made of the small tree and each marker is replaced, as the bytes go
// into the hash, by the text it stands for (the text that would have been
// in the tree: base64 has nothing the canonical form escapes); and the
// canonical form is not read back into a tree afterwards (Validate
// returns that tree; Verify never used it). And it is stricter in one:
// the signature and digest methods of the verified SignedInfo must be
// accepted ones too (see x509Algorithms); and it follows XMLDSig where
// goxmldsig does not in two: the whole document a reference URI=""
// names is without its comments (see transform) and with the processing
// instructions outside its root element (see withOutsideRoot). For a package of some 100 KB
// those two were most of a receive's CPU: the XML reader and writer went
// through the base64 byte by byte.
//
// Every check of Validate stays, in its order: the Signature element's
// shape, its canonicalised SignedInfo, the certificate in KeyInfo is one
// of the trusted ones and valid now, the SignatureValue over the
// canonical SignedInfo, and the digest of the transformed package
// against the DigestValue of that same, verified, SignedInfo. FuzzVerify
// and TestValidation compare it with Validate on the whole package.
type validation struct {
	trusted []*x509.Certificate
	now     time.Time
	p       *Package // nil: the tree holds every text (no markers)
}

// errNoSpliceable: the canonical form does not hold each marker once, in
// order; the package is then refused (it cannot happen to one Open read).
var errNoSpliceable = errors.New("attachment texts not found in the canonical form")

// validate checks the signature of the package root is the root of, as
// Validate does. It changes the tree (the SignedInfo goes in its
// canonical form, as Validate does to its copy).
func (c *validation) validate(root *etree.Element) error {
	sig, err := c.findSignature(root)
	if err != nil {
		return classifyValidation(err)
	}
	cert, err := c.verifyCertificate(sig)
	if err != nil {
		return classifyValidation(err)
	}
	if err := c.validateSignature(root, sig, cert); err != nil {
		var we *workflow.Error
		if errors.As(err, &we) {
			return err
		}
		return classifyValidation(err)
	}
	return nil
}

// findSignature is goxmldsig's: the first Signature element in the
// xmldsig namespace, its shape checked, its SignedInfo replaced by its
// canonical form, unmarshalled, and kept if a reference is to the root.
func (c *validation) findSignature(root *etree.Element) (*types.Signature, error) {
	idAttr := root.SelectAttrValue(dsig.DefaultIdAttr, "")
	var sig *types.Signature
	err := etreeutils.NSFindIterate(root, dsig.Namespace, dsig.SignatureTag, func(ctx etreeutils.NSContext, signatureEl *etree.Element) error {
		if err := validateShape(signatureEl); err != nil {
			return err
		}
		found := false
		err := etreeutils.NSFindChildrenIterateCtx(ctx, signatureEl, dsig.Namespace, dsig.SignedInfoTag,
			func(ctx etreeutils.NSContext, signedInfo *etree.Element) error {
				canonical, err := canonicalSignedInfo(ctx, signedInfo)
				if err != nil {
					return err
				}
				signatureEl.InsertChildAt(signedInfo.Index(), canonical)
				signatureEl.RemoveChild(signedInfo)
				found = true
				return etreeutils.ErrTraversalHalted
			})
		if err != nil {
			return err
		}
		if !found {
			return errors.New("Missing SignedInfo")
		}
		s := &types.Signature{}
		if err := etreeutils.NSUnmarshalElement(ctx, signatureEl, s); err != nil {
			return err
		}
		for _, ref := range s.SignedInfo.References {
			if ref.URI == "" || ref.URI[1:] == idAttr {
				sig = s
				return etreeutils.ErrTraversalHalted
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sig == nil {
		return nil, dsig.ErrMissingSignature
	}
	return sig, nil
}

// canonicalSignedInfo is the SignedInfo element in the canonical form its
// CanonicalizationMethod names, detached with the namespaces in scope.
func canonicalSignedInfo(ctx etreeutils.NSContext, signedInfo *etree.Element) (*etree.Element, error) {
	detached, err := etreeutils.NSDetatch(ctx, signedInfo)
	if err != nil {
		return nil, err
	}
	method, err := etreeutils.NSFindOneChildCtx(ctx, detached, dsig.Namespace, dsig.CanonicalizationMethodTag)
	if err != nil {
		return nil, err
	}
	if method == nil {
		return nil, errors.New("missing CanonicalizationMethod on Signature")
	}
	switch alg := dsig.AlgorithmID(method.SelectAttrValue(dsig.AlgorithmAttr, "")); alg {
	case dsig.CanonicalXML10ExclusiveAlgorithmId, dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		if err := etreeutils.TransformExcC14n(detached, "", alg == dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId); err != nil {
			return nil, err
		}
		return detached, nil
	case dsig.CanonicalXML11AlgorithmId, dsig.CanonicalXML10RecAlgorithmId:
		return prepared(detached, dsig.MakeC14N11Canonicalizer())
	case dsig.CanonicalXML11WithCommentsAlgorithmId, dsig.CanonicalXML10WithCommentsAlgorithmId:
		return prepared(detached, dsig.MakeC14N11WithCommentsCanonicalizer())
	default:
		return nil, fmt.Errorf("invalid CanonicalizationMethod on Signature: %s", alg)
	}
}

// prepared is el as goxmldsig's inclusive canonicaliser c prepares it
// (namespace re-declarations stripped, attributes sorted, comments
// removed unless kept): what it writes, read back. goxmldsig keeps the
// prepared element itself, unexported; written and read again it is the
// same element, and SignedInfo is small.
func prepared(el *etree.Element, c dsig.Canonicalizer) (*etree.Element, error) {
	b, err := c.Canonicalize(el)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, err
	}
	return doc.Root(), nil
}

// validateShape is goxmldsig's: one SignedInfo, at most one KeyInfo, one
// SignatureValue among the Signature element's children.
func validateShape(signatureEl *etree.Element) error {
	counts := map[string]int{}
	for _, child := range signatureEl.ChildElements() {
		counts[child.Tag]++
	}
	if counts[dsig.SignedInfoTag] != 1 || counts[dsig.KeyInfoTag] > 1 || counts[dsig.SignatureValueTag] != 1 {
		return dsig.ErrInvalidSignature
	}
	return nil
}

var whiteSpace = regexp.MustCompile(`\s+`)

// verifyCertificate is goxmldsig's: the KeyInfo certificate (or the one
// trusted certificate when there is no KeyInfo) must be a trusted one,
// valid now; it returns that trusted certificate. A KeyInfo that names
// the key without carrying a certificate (X509IssuerSerial,
// X509SubjectName, KeyName, KeyValue: what xmlsec1 writes for such a
// template) counts as none, as in XMLDSig, where KeyInfo is only a hint:
// the signature must then be the one registered certificate's. goxmldsig
// refused it ("missing X509Certificate") though the same package without
// KeyInfo verified. A KeyInfo carrying a chain may list it in any order,
// in one X509Data or several (XMLDSig §4.5.4 sets none): the registered
// certificate is looked for among all of them. goxmldsig took the first
// only, so a package whose signer wrote the chain CA first was refused as
// signed by another certificate.
func (c *validation) verifyCertificate(sig *types.Signature) (*x509.Certificate, error) {
	var candidates []*x509.Certificate
	if sig.KeyInfo != nil && len(sig.KeyInfo.X509Data.X509Certificates) > 0 {
		var err error
		if candidates, err = keyInfoCertificates(sig.KeyInfo.X509Data.X509Certificates); err != nil {
			return nil, err
		}
	} else if len(c.trusted) == 1 {
		candidates = c.trusted[:1]
	} else {
		return nil, errors.New("Missing x509 Element")
	}
	var trusted *x509.Certificate
	for _, cand := range candidates {
		for _, root := range c.trusted {
			if trusted == nil && root.Equal(cand) {
				trusted = root
			}
		}
	}
	if trusted == nil {
		return nil, errors.New("Could not verify certificate against trusted certs")
	}
	if c.now.Before(trusted.NotBefore) || c.now.After(trusted.NotAfter) {
		return nil, errors.New("Cert is not valid at this time")
	}
	return trusted, nil
}

// keyInfoCertificates decodes the X509Certificate elements of a KeyInfo,
// failing as goxmldsig does on one that is empty or not a certificate.
func keyInfoCertificates(els []types.X509Certificate) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, el := range els {
		if el.Data == "" {
			return nil, errors.New("missing X509Certificate within KeyInfo")
		}
		der, err := base64.StdEncoding.DecodeString(whiteSpace.ReplaceAllString(el.Data, ""))
		if err != nil {
			return nil, errors.New("Failed to parse certificate")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	return out, nil
}

// x509Algorithms are goxmldsig's signature methods but SHA-1, which
// checkSignedInfo refuses; digestHashes its digest methods but SHA-1.
// Both are looked up in the verified SignedInfo: checkSignedInfo reads
// the first SignatureMethod and DigestMethod of the tree, and the
// SignedInfo goxmldsig unmarshals keeps the last, so a second, SHA-1,
// one would otherwise be what is used (Validate used it).
var (
	x509Algorithms = map[string]x509.SignatureAlgorithm{
		dsig.RSASHA256SignatureMethod:   x509.SHA256WithRSA,
		dsig.RSASHA384SignatureMethod:   x509.SHA384WithRSA,
		dsig.RSASHA512SignatureMethod:   x509.SHA512WithRSA,
		dsig.ECDSASHA256SignatureMethod: x509.ECDSAWithSHA256,
		dsig.ECDSASHA384SignatureMethod: x509.ECDSAWithSHA384,
		dsig.ECDSASHA512SignatureMethod: x509.ECDSAWithSHA512,
	}
	digestHashes = map[string]crypto.Hash{
		"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
		"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
	}
)

// validateSignature is goxmldsig's: the SignatureValue must be cert's
// signature of the canonical SignedInfo, and the digest of the root,
// transformed as the reference to it in that SignedInfo says, must be
// the reference's DigestValue.
func (c *validation) validateSignature(root *etree.Element, sig *types.Signature, cert *x509.Certificate) error {
	signedInfo, err := canonicalSignedInfoBytes(sig)
	if err != nil {
		return err
	}
	algo, ok := x509Algorithms[sig.SignedInfo.SignatureMethod.Algorithm]
	if !ok {
		return workflow.Wrap(workflow.EINVALID, ErrWeakSignature, "edxml: verify: signature method %q is not accepted (RSA or ECDSA with SHA-256 or stronger)", sig.SignedInfo.SignatureMethod.Algorithm)
	}
	if sig.SignatureValue == nil {
		return errors.New("Signature could not be verified")
	}
	value, err := base64.StdEncoding.DecodeString(sig.SignatureValue.Data)
	if err != nil {
		return errors.New("Could not decode signature")
	}
	if err := cert.CheckSignature(algo, signedInfo, value); err != nil {
		return err
	}
	// Only the verified canonical SignedInfo says what is referenced.
	verified := &types.SignedInfo{}
	if err := xml.Unmarshal(signedInfo, verified); err != nil {
		return err
	}
	idAttr := root.SelectAttrValue(dsig.DefaultIdAttr, "")
	var ref *types.Reference
	for i := range verified.References {
		if verified.References[i].URI == "" || verified.References[i].URI[1:] == idAttr {
			ref = &verified.References[i]
			break
		}
	}
	if ref == nil {
		return errors.New("Missing reference")
	}
	want, err := base64.StdEncoding.DecodeString(ref.DigestValue)
	if err != nil {
		return err
	}
	transformed, canonicalizer, err := transform(root, sig, ref)
	if err != nil {
		return err
	}
	canonical, err := canonicalizer.Canonicalize(transformed)
	if err != nil {
		return err
	}
	h, ok := digestHashes[ref.DigestAlgo.Algorithm]
	if !ok {
		return workflow.Wrap(workflow.EINVALID, ErrWeakSignature, "edxml: verify: digest method %q is not accepted (SHA-256 or stronger)", ref.DigestAlgo.Algorithm)
	}
	got, err := c.digest(h.New(), withOutsideRoot(root, canonical))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return errors.New("Signature could not be verified")
	}
	if len(got) < 20 {
		return errors.New("Computed digest is less than 20 something went wrong")
	}
	return nil
}

// withOutsideRoot is canonical, the canonical form of root, as the
// canonical form of root's whole document: the processing instructions
// before and after the root element are nodes of the document a
// reference URI="" names (XMLDSig §4.3.3.3; comments are not), written
// as C14N 1.0 (§2.1) writes them, each before the root followed by a line
// end and each after it preceded by one. goxmldsig digested the root
// element only, so a package with an <?xml-stylesheet?> signed by xmlsec1
// or .NET was refused as changed, and one added after signing went
// unnoticed. The XML declaration is not a node.
func withOutsideRoot(root *etree.Element, canonical []byte) []byte {
	doc := root.Parent()
	if doc == nil {
		return canonical
	}
	var before, after []byte
	seen := false
	for _, t := range doc.Child {
		switch n := t.(type) {
		case *etree.Element:
			seen = n == root || seen
		case *etree.ProcInst:
			if n.Target == "xml" {
				continue
			}
			pi := "<?" + n.Target
			if n.Inst != "" {
				pi += " " + n.Inst
			}
			if pi += "?>"; seen {
				after = append(append(after, '\n'), pi...)
			} else {
				before = append(append(before, pi...), '\n')
			}
		}
	}
	if before == nil && after == nil {
		return canonical
	}
	return slices.Concat(before, canonical, after)
}

// canonicalSignedInfoBytes is goxmldsig's getCanonicalSignedInfo: the
// signature's SignedInfo (already in canonical form) written canonically.
func canonicalSignedInfoBytes(sig *types.Signature) ([]byte, error) {
	sigEl := sig.UnderlyingElement()
	ctx, err := etreeutils.NSBuildParentContext(sigEl)
	if err == nil {
		var si *etree.Element
		if si, err = etreeutils.NSFindOneChildCtx(ctx, sigEl, dsig.Namespace, dsig.SignedInfoTag); err == nil && si != nil {
			return canonicalSerialize(si)
		}
	}
	return nil, errors.New("Could not obtain canonical signed info bytes")
}

// canonicalSerialize is goxmldsig's: el written with the canonical
// settings.
func canonicalSerialize(el *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	doc.WriteSettings = etree.WriteSettings{CanonicalAttrVal: true, CanonicalEndTags: true, CanonicalText: true}
	return doc.WriteToBytes()
}

// transform is goxmldsig's: a copy of root with the reference's
// transforms applied (the enveloped signature removed) and the
// canonicaliser the last canonicalisation transform names.
func transform(root *etree.Element, sig *types.Signature, ref *types.Reference) (*etree.Element, dsig.Canonicalizer, error) {
	path := mapPathToElement(root, sig.UnderlyingElement())
	el := root.Copy()
	var canonicalizer dsig.Canonicalizer
	for _, t := range ref.Transforms.Transforms {
		prefixList := ""
		if t.InclusiveNamespaces != nil {
			prefixList = t.InclusiveNamespaces.PrefixList
		}
		switch dsig.AlgorithmID(t.Algorithm) {
		case dsig.EnvelopedSignatureAltorithmId:
			if !removeElementAtPath(el, path) {
				return nil, nil, errors.New("Error applying canonicalization transform: Signature not found")
			}
		case dsig.CanonicalXML10ExclusiveAlgorithmId:
			canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixList)
		case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
			canonicalizer = dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(prefixList)
		case dsig.CanonicalXML11AlgorithmId:
			canonicalizer = dsig.MakeC14N11Canonicalizer()
		case dsig.CanonicalXML11WithCommentsAlgorithmId:
			canonicalizer = dsig.MakeC14N11WithCommentsCanonicalizer()
		case dsig.CanonicalXML10RecAlgorithmId:
			canonicalizer = dsig.MakeC14N10RecCanonicalizer()
		case dsig.CanonicalXML10WithCommentsAlgorithmId:
			canonicalizer = dsig.MakeC14N10WithCommentsCanonicalizer()
		default:
			return nil, nil, errors.New("Unknown Transform Algorithm: " + t.Algorithm)
		}
	}
	if canonicalizer == nil {
		canonicalizer = dsig.MakeNullCanonicalizer()
	}
	// The reference is to the whole document (URI="", checkSignedInfo),
	// which XMLDSig (§4.3.3.3) defines as the document without its
	// comments, before any transform: no canonicalisation keeps them then,
	// not the default one (inclusive C14N, which goxmldsig's null
	// canonicaliser is with comments) nor one "WithComments". goxmldsig
	// digested them, so a package with a comment signed by xmlsec1 or .NET
	// was refused as changed. Comments are not read by Parse either.
	removeComments(el)
	return el, canonicalizer, nil
}

// removeComments removes every comment under el.
func removeComments(el *etree.Element) {
	kept := el.Child[:0]
	for _, t := range el.Child {
		switch c := t.(type) {
		case *etree.Comment:
			continue
		case *etree.Element:
			removeComments(c)
		}
		kept = append(kept, t)
	}
	clear(el.Child[len(kept):])
	el.Child = kept
}

func mapPathToElement(tree, el *etree.Element) []int {
	for i, child := range tree.Child {
		if child == el {
			return []int{i}
		}
	}
	for i, child := range tree.Child {
		if ce, ok := child.(*etree.Element); ok {
			if p := mapPathToElement(ce, el); p != nil {
				return append([]int{i}, p...)
			}
		}
	}
	return nil
}

func removeElementAtPath(el *etree.Element, path []int) bool {
	if len(path) == 0 || len(el.Child) <= path[0] {
		return false
	}
	ce, ok := el.Child[path[0]].(*etree.Element)
	if !ok {
		return false
	}
	if len(path) == 1 {
		el.RemoveChild(ce)
		return true
	}
	return removeElementAtPath(ce, path[1:])
}

// digest hashes the canonical form with each marker replaced by the text
// it stands for, as the XML reader reads it (readText): the bytes the
// canonical form of the whole tree has there. Each marker must be there
// once, in order, followed by its element's end tag.
func (c *validation) digest(h hash.Hash, canonical []byte) ([]byte, error) {
	if c.p == nil || len(c.p.texts) == 0 {
		h.Write(canonical)
		return h.Sum(nil), nil
	}
	if bytes.Count(canonical, []byte(c.p.marker)) != len(c.p.texts) {
		return nil, errNoSpliceable
	}
	rest := canonical
	for i, t := range c.p.texts {
		m := []byte(c.p.marker + strconv.Itoa(i) + "<")
		j := bytes.Index(rest, m)
		if j < 0 {
			return nil, errNoSpliceable
		}
		h.Write(rest[:j])
		if text := c.p.data[t[0]:t[1]]; bytes.IndexByte(text, '\r') < 0 {
			h.Write(text)
		} else {
			h.Write([]byte(readText(text)))
		}
		rest = rest[j+len(m)-1:]
	}
	h.Write(rest)
	return h.Sum(nil), nil
}

// classifyValidation turns the errors of goxmldsig's steps into the
// package's.
func classifyValidation(err error) error {
	msg := err.Error()
	switch msg {
	case "Could not verify certificate against trusted certs":
		return workflow.Wrap(workflow.EINVALID, fmt.Errorf("%w: %v", ErrUntrustedSigner, err),
			"edxml: verify: the signing certificate is not the sender agency's registered certificate")
	case "Cert is not valid at this time":
		return workflow.Wrap(workflow.EINVALID, fmt.Errorf("%w: %v", ErrUntrustedSigner, err),
			"edxml: verify: the signing certificate is expired or not yet valid")
	case "missing X509Certificate within KeyInfo", "Failed to parse certificate", "Missing x509 Element":
		return workflow.Wrap(workflow.EINVALID, fmt.Errorf("%w: %v", ErrUntrustedSigner, err),
			"edxml: verify: the signature carries no usable certificate")
	case "Signature could not be verified":
		return workflow.Wrap(workflow.EINVALID, fmt.Errorf("%w: %v", ErrBadSignature, err),
			"edxml: verify: the package was changed after signing (digest mismatch)")
	}
	return workflow.Wrap(workflow.EINVALID, fmt.Errorf("%w: %v", ErrBadSignature, err),
		"edxml: verify: invalid signature: %v", err)
}
