package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/internal/memo"
)

// ParseCMS is pkcs7.Parse for a CMS SignedData in DER (what our signer,
// our TSA and most others write), without pkcs7's BER-to-DER step and
// with each certificate parsed once per process:
//
//   - pkcs7.Parse first re-encodes its whole input (ber2der), and its
//     encoder copies every nested structure once per level of nesting —
//     for a signature carrying a time-stamp token, most of the parse.
//     On DER that step changes nothing: every length is definite and in
//     its shortest form, so the encoder writes the same bytes back. When
//     every element (recursively) is read as such by cryptobyte, which
//     accepts only that form, the input is used as it is (one copy, so
//     the result does not alias it, as pkcs7's does not).
//   - the certificates are parsed by x509.ParseCertificate remembered by
//     their bytes (ParseCertificate): the same handful of certificates
//     (officials, agency, TSA, root) are in every signature of the office.
//     A parse is a pure function of the bytes — a changed certificate is
//     another key — and holds no trust decision: chains, validity and
//     revocation are judged on it at every verification.
//
// Anything else (BER, another content type, an element this reads
// otherwise) goes to pkcs7.Parse, whose answer or error it returns. The
// result has the fields pkcs7.Parse sets (Content, Certificates, CRLs,
// Signers) with the same values, but not its private copy of the raw
// structure, so UnmarshalSignedAttribute does not work on it (read
// Signers[0].AuthenticatedAttributes: signedAttribute). Its certificates
// are shared and must not be changed; the slices are its own.
//
// A structure it read itself is remembered by its bytes (a parse is a
// pure function of them, and holds no trust decision): an issue reads
// the same CMS twice in one call — layer 1's when layer 2 checks it is
// intact and again when the result is verified, the document
// time-stamp's token when it is received and again when verified. The
// result is then a copy whose slices (Certificates, CRLs, Signers) are
// its own; what they hold (certificates, attributes, Content) is shared
// and must not be changed.
func ParseCMS(der []byte) (*pkcs7.PKCS7, error) {
	cacheable := len(der) <= maxCachedCMS
	var k [32]byte
	if cacheable {
		k = key("cms", der)
		if p7, ok := parsedCMS.Get(k); ok {
			return copyCMS(p7), nil
		}
	}
	if p7, ok := parseSignedDER(der); ok {
		if cacheable {
			parsedCMS.Put(k, copyCMS(p7))
		}
		return p7, nil
	}
	return pkcs7.Parse(der)
}

// maxParsedCMS bounds the CMS structures ParseCMS keeps, and
// maxCachedCMS the size of one kept (a signature with its time-stamp
// token is 5–10 KB; a document must not park large ones in memory): 64
// of 64 KiB at most.
const (
	maxParsedCMS = 64
	maxCachedCMS = 64 << 10
)

var parsedCMS = memo.Map[*pkcs7.PKCS7]{Max: maxParsedCMS}

// copyCMS is p7 with slices of its own: a caller may replace a
// certificate of the list or set Content (verifyOne does both).
func copyCMS(p7 *pkcs7.PKCS7) *pkcs7.PKCS7 {
	c := *p7
	c.Certificates = slices.Clone(p7.Certificates)
	c.CRLs = slices.Clone(p7.CRLs)
	c.Signers = slices.Clone(p7.Signers)
	return &c
}

// signedDataDER is pkcs7's signedData, with the signer infos kept raw:
// they are read into pkcs7's own (unexported) type afterwards.
type signedDataDER struct {
	Version                    int                        `asn1:"default:1"`
	DigestAlgorithmIdentifiers []pkix.AlgorithmIdentifier `asn1:"set"`
	ContentInfo                contentInfoDER
	Certificates               rawCertificatesDER     `asn1:"optional,tag:0"`
	CRLs                       []pkix.CertificateList `asn1:"optional,tag:1"`
	SignerInfos                asn1.RawValue
}

type contentInfoDER struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type rawCertificatesDER struct {
	Raw asn1.RawContent
}

// parseSignedDER is ParseCMS's own reading: ok is false when in is not
// a DER SignedData it reads exactly as pkcs7.Parse would.
func parseSignedDER(in []byte) (*pkcs7.PKCS7, bool) {
	s := cryptobyte.String(in)
	var first cryptobyte.String
	var tag cbasn1.Tag
	// ber2der reads the first element and ignores what follows it.
	if !s.ReadAnyASN1Element(&first, &tag) || !shortestForm(first, 0) {
		return nil, false
	}
	der := bytes.Clone(first)
	var info contentInfoDER
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 || !info.ContentType.Equal(pkcs7.OIDSignedData) {
		return nil, false
	}
	var sd signedDataDER
	if _, err := asn1.Unmarshal(info.Content.Bytes, &sd); err != nil {
		return nil, false
	}
	certs, ok := certificatesDER(sd.Certificates.Raw)
	if !ok {
		return nil, false
	}
	content, ok := signedContent(sd.ContentInfo.Content.Bytes)
	if !ok {
		return nil, false
	}
	p7 := &pkcs7.PKCS7{Content: content, Certificates: certs, CRLs: sd.CRLs}
	si := sd.SignerInfos
	if si.Class != asn1.ClassUniversal || si.Tag != asn1.TagSet || !si.IsCompound {
		return nil, false
	}
	if rest, err := asn1.UnmarshalWithParams(si.FullBytes, &p7.Signers, "set"); err != nil || len(rest) > 0 {
		return nil, false
	}
	return p7, true
}

// maxDERDepth bounds shortestForm's recursion (deeper input goes to pkcs7).
const maxDERDepth = 64

// shortestForm reports whether s is a sequence of elements with definite
// lengths in their shortest form, and so is the content of every
// constructed one: input that ber2der gives back unchanged.
func shortestForm(s cryptobyte.String, depth int) bool {
	if depth > maxDERDepth {
		return false
	}
	for !s.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1(&el, &tag) {
			return false
		}
		if tag&0x20 != 0 && !shortestForm(el, depth+1) {
			return false
		}
	}
	return true
}

// certificatesDER is pkcs7's rawCertificates.Parse (x509.ParseCertificates
// of the [0] element's content), each certificate through ParseCertificate.
func certificatesDER(raw []byte) ([]*x509.Certificate, bool) {
	if len(raw) == 0 {
		return nil, true
	}
	var val asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &val); err != nil {
		return nil, false
	}
	s := cryptobyte.String(val.Bytes)
	var certs []*x509.Certificate
	for !s.Empty() {
		var c cryptobyte.String
		if !s.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return nil, false
		}
		cert, err := ParseCertificate(c)
		if err != nil {
			return nil, false
		}
		certs = append(certs, cert)
	}
	return certs, true
}

// signedContent is the encapsulated content as pkcs7's parseSignedData
// reads it (nil for a detached signature).
func signedContent(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, true
	}
	var compound asn1.RawValue
	if _, err := asn1.Unmarshal(b, &compound); err != nil {
		return nil, false
	}
	if !compound.IsCompound || compound.Tag != asn1.TagOctetString {
		return compound.Bytes, true
	}
	var content []byte
	if _, err := asn1.Unmarshal(compound.Bytes, &content); err != nil {
		return nil, false
	}
	return content, true
}

// maxCertificates bounds the parsed certificates kept, and
// maxCachedCertificate the size of one kept: real certificates are a few
// KB, and a document (even one verified without a login, on the public
// verify page) must not be able to park large ones in memory — 512 of
// 16 KiB is at most 8 MiB (with the parsed form about twice that). A
// larger one is parsed every time.
const (
	maxCertificates      = 512
	maxCachedCertificate = 16 << 10
)

var certificates = memo.Map[*x509.Certificate]{Max: maxCertificates}

// ParseCertificate is x509.ParseCertificate(der) remembered by der's
// bytes (a pure function of them; no trust decision is kept with it):
// the certificates of signatures, time-stamp tokens and DSS streams are
// the same few from document to document. Only successes are kept, each
// parsed from a copy of its own bytes (not the file or signature it came
// in). The result is shared and must not be changed.
func ParseCertificate(der []byte) (*x509.Certificate, error) {
	if len(der) > maxCachedCertificate {
		return x509.ParseCertificate(bytes.Clone(der))
	}
	k := key("cert", der)
	if c, ok := certificates.Get(k); ok {
		return c, nil
	}
	c, err := x509.ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil, err
	}
	certificates.Put(k, c)
	return c, nil
}

// signedAttribute reads the signed attribute typ of p7's first signer
// into out: pkcs7's UnmarshalSignedAttribute, read from Signers (which
// ParseCMS's result has) rather than from its private raw structure.
func signedAttribute(p7 *pkcs7.PKCS7, typ asn1.ObjectIdentifier, out any) error {
	if len(p7.Signers) < 1 {
		return errors.New("pkcs7: payload has no signers")
	}
	for _, a := range p7.Signers[0].AuthenticatedAttributes {
		if a.Type.Equal(typ) {
			_, err := asn1.Unmarshal(a.Value.Bytes, out)
			return err
		}
	}
	return errors.New("pkcs7: attribute type not in attributes")
}

// tstInfoDER is timestamp's tstInfo (RFC 3161 TSTInfo).
type tstInfoDER struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	Time         time.Time `asn1:"generalized"`
	Accuracy     struct {
		Seconds      int64 `asn1:"optional"`
		Milliseconds int64 `asn1:"tag:0,optional"`
		Microseconds int64 `asn1:"tag:1,optional"`
	} `asn1:"optional"`
	Ordering   bool             `asn1:"optional,default:false"`
	Nonce      *big.Int         `asn1:"optional"`
	TSA        asn1.RawValue    `asn1:"tag:0,optional"`
	Extensions []pkix.Extension `asn1:"tag:1,optional"`
}

var (
	// tstHashes are the imprint hashes a token is read with: MD5 and
	// the 224-bit hashes too (computed, then judged by the cryptographic
	// constraints: retired), SHA-512/256 and SHA-3 (TS 119 312
	// recommends them).
	tstHashes = map[string]crypto.Hash{
		"1.3.14.3.2.26": crypto.SHA1, "2.16.840.1.101.3.4.2.1": crypto.SHA256,
		"2.16.840.1.101.3.4.2.2": crypto.SHA384, "2.16.840.1.101.3.4.2.3": crypto.SHA512,
		"1.2.840.113549.2.5": crypto.MD5, "2.16.840.1.101.3.4.2.4": crypto.SHA224,
		"2.16.840.1.101.3.4.2.5": crypto.SHA512_224, "2.16.840.1.101.3.4.2.6": crypto.SHA512_256,
		"2.16.840.1.101.3.4.2.7": crypto.SHA3_224, "2.16.840.1.101.3.4.2.8": crypto.SHA3_256,
		"2.16.840.1.101.3.4.2.9": crypto.SHA3_384, "2.16.840.1.101.3.4.2.10": crypto.SHA3_512,
	}
	oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
)

// tokenFormatError: a time-stamp token that cannot be read (not a CMS
// SignedData, not a TSTInfo): ETSI EN 319 102-1 FORMAT_FAILURE.
type tokenFormatError struct{ err error }

func (e *tokenFormatError) Error() string { return "it cannot be read: " + e.err.Error() }
func (e *tokenFormatError) Unwrap() error { return e.err }

// parseTimestampToken is timestamp.Parse (the token's CMS parsed, its
// signature checked when it carries certificates, its TSTInfo read) with
// the CMS read by ParseCMS. A token that cannot be read is a
// tokenFormatError, one with an algorithm not checked here (its
// authority's key or signature algorithm, its imprint's hash) an
// unsupportedTokenError; any other error is its signature failing.
func parseTimestampToken(der []byte) (*timestamp.Timestamp, error) {
	p7, err := ParseCMS(der)
	if err != nil {
		if ue := unsupportedToken(der); ue != nil {
			return nil, ue
		}
		return nil, &tokenFormatError{err}
	}
	withCerts := len(p7.Certificates) > 0
	if withCerts {
		if err := verifyTokenSignature(p7); err != nil {
			return nil, err
		}
	}
	var inf tstInfoDER
	if _, err := asn1.Unmarshal(p7.Content, &inf); err != nil {
		return nil, &tokenFormatError{err}
	}
	if len(inf.MessageImprint.HashedMessage) == 0 {
		return nil, &tokenFormatError{timestamp.ParseError("Time-Stamp response contains no hashed message")}
	}
	if _, ok := tstHashes[inf.MessageImprint.HashAlgorithm.Algorithm.String()]; !ok {
		return nil, unsupportedTokenOf(inf.MessageImprint.HashAlgorithm.Algorithm.String(), roleTSImprint, p7.Content)
	}
	a := inf.Accuracy
	ts := &timestamp.Timestamp{
		RawToken:      der,
		HashedMessage: inf.MessageImprint.HashedMessage,
		Time:          inf.Time,
		Accuracy: time.Second*time.Duration(a.Seconds) + time.Millisecond*time.Duration(a.Milliseconds) +
			time.Microsecond*time.Duration(a.Microseconds),
		SerialNumber:      inf.SerialNumber,
		Policy:            inf.Policy,
		Ordering:          inf.Ordering,
		Nonce:             inf.Nonce,
		Certificates:      p7.Certificates,
		AddTSACertificate: withCerts,
		Extensions:        inf.Extensions,
		HashAlgorithm:     tstHashes[inf.MessageImprint.HashAlgorithm.Algorithm.String()],
	}
	for _, e := range inf.Extensions {
		if e.Id.Equal(oidQCStatements) {
			ts.Qualified = true
		}
	}
	return ts, nil
}
