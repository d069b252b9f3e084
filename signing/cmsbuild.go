package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"

	"github.com/digitorus/pdfsign/sign"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/signing/cmsder"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// buildCMS makes the PAdES-B (ETSI.CAdES.detached) CMS SignedData over a
// document digest (SHA-256 of the byte ranges) — the structure pdfsign's
// engine writes through github.com/digitorus/pkcs7, which can only sign
// content it holds in memory: version 1, digest algorithm SHA-256, no
// encapsulated content, the signer's certificate and chain, one SignerInfo
// identified by issuer and serial, signed attributes contentType,
// messageDigest and signingCertificateV2 (no signingTime: PAdES puts the
// claimed time in /M), sha256WithRSAEncryption or ecdsa-with-SHA256, and
// with a TSA URL the RFC 3161 signature timestamp as an unsigned attribute,
// fetched by pdfsign's GetTSA (request, nonce and imprint checks).
func buildCMS(ctx context.Context, digest []byte, p signParams) ([]byte, error) {
	ee := p.key.Chain[0]
	sigAlg, err := cmsSignatureAlgorithm(p.key.Signer.Public())
	if err != nil {
		return nil, err
	}
	attrs, signedAttrs := signedAttributes(digest, ee)
	h := sha256.Sum256(signedAttrs)
	sig, err := p.key.Signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var unsigned []byte
	switch {
	case p.tsa != nil:
		// In process: the same request and checks as GetTSA (imprint,
		// nonce, the TSA's certificate included), without the HTTP round
		// trip and the second parse (and signature check) of the answer.
		d := sha256.Sum256(sig)
		ts, err := requestToken(ctx, LTV{TSA: p.tsa, TSAURL: p.tsaURL}, d[:])
		if err != nil {
			return nil, err
		}
		if len(ts.Certificates) == 0 {
			return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the time-stamp authority's token does not include its certificate")
		}
		unsigned = attribute(oidTimeStampToken, ts.RawToken)
	case p.tsaURL != "":
		if unsigned, err = timeStampAttribute(ctx, p.tsaURL, sig); err != nil {
			return nil, err
		}
	}
	return signedData(p.key.Chain, attrs, sigAlg, sig, unsigned), nil
}

// cmsSignatureAlgorithm is the SignerInfo's signature algorithm for a key.
func cmsSignatureAlgorithm(pub crypto.PublicKey) (asn1.ObjectIdentifier, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return oidSHA256WithRSA, nil
	case *ecdsa.PublicKey:
		return oidECDSAWithSHA256, nil
	}
	return nil, fmt.Errorf("sign: key type %T not supported by the CMS builder", pub)
}

// signedAttributes are the PAdES signed attributes (contentType,
// messageDigest, signingCertificateV2), each encoded and in DER order, and
// their DER SET OF, which is what the signature is over.
func signedAttributes(digest []byte, ee *x509.Certificate) (attrs [][]byte, set []byte) {
	attrs = [][]byte{
		attribute(oidContentType, der(func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })),
		attribute(oidMessageDigest, der(func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) })),
		attribute(oidSigningCertificateV2, signingCertificateV2(ee)),
	}
	slices.SortFunc(attrs, bytes.Compare) // DER: SET OF in the order of the encodings
	set = der(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, a := range attrs {
				b.AddBytes(a)
			}
		})
	})
	return attrs, set
}

// signingCertificateV2 is the ESS SigningCertificateV2 value naming ee
// (RFC 5035): its SHA-256 (the default hash algorithm), issuer and serial.
func signingCertificateV2(ee *x509.Certificate) []byte {
	certHash := sha256.Sum256(ee.Raw)
	return der(func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2, hashAlgorithm DEFAULT sha256
					b.AddASN1OctetString(certHash[:])
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
							b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddBytes(ee.RawIssuer)
							})
						})
						b.AddASN1BigInt(ee.SerialNumber)
					})
				})
			})
		})
	})
}

// timeStampAttribute asks the TSA at url for a token over sig (pdfsign's
// GetTSA: request, nonce and imprint checks) and returns the
// signatureTimeStampToken attribute.
func timeStampAttribute(ctx context.Context, url string, sig []byte) ([]byte, error) {
	tc := sign.SignContext{SignData: sign.SignData{TSA: sign.TSA{URL: url}, DigestAlgorithm: crypto.SHA256, Context: ctx}}
	resp, err := tc.GetTSA(sig)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, tsaUnavailable(url, err)
	}
	ts, err := verify.ParseTimestampResponse(resp)
	if err != nil {
		return nil, tsaUnavailable(url, err)
	}
	noteToken(tsaKey(url, false), len(ts.RawToken))
	return attribute(oidTimeStampToken, ts.RawToken), nil
}

// signedData is the ContentInfo of the detached SignedData: the chain's
// certificates and one SignerInfo (issuer and serial of chain[0], the
// signed attributes attrs, the signature sig and, when not nil, the
// unsigned attribute).
func signedData(chain []*x509.Certificate, attrs [][]byte, sigAlg asn1.ObjectIdentifier, sig, unsigned []byte) []byte {
	ee := chain[0]
	return der(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
			b.AddASN1ObjectIdentifier(oidSignedData)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
					b.AddASN1Int64(1)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { cmsder.AlgID(b, cmsder.OIDSHA256) })
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						for _, c := range chain {
							b.AddBytes(c.Raw)
						}
					})
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { cmsder.SignerInfo(b, ee, attrs, sigAlg, sig, unsigned) })
				})
			})
		})
	})
}

var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA256WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// attribute encodes Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }
// with the one DER value v.
func attribute(oid asn1.ObjectIdentifier, v []byte) []byte {
	return der(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(v) })
		})
	})
}

func der(f func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	return b.BytesOrPanic()
}
