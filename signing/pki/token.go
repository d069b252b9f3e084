package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/signing/cmsder"
)

// The granted TimeStampResp, written directly. github.com/digitorus/
// timestamp's CreateResponseWithOpts builds the same structure through
// encoding/asn1 and github.com/digitorus/pkcs7 (reflection, each
// attribute marshalled twice to sort it, every level copied into its
// parent): once the signature itself is left out, that was about half of
// the CPU of a token, three tokens per issued document. grantedResponse
// writes, field for field, what that library writes for the options the
// authority uses (SHA-256 signer digest, no extensions, no ordering, not
// qualified): TestGrantedResponseAsLibrary compares the two.

// tokenFields is what a token states.
type tokenFields struct {
	hash     crypto.Hash // of the message imprint
	hashed   []byte
	at       time.Time
	accuracy time.Duration // whole seconds
	nonce    *big.Int      // nil = none
	policy   asn1.ObjectIdentifier
	serial   *big.Int
	withCert bool // the TSA certificate in the token
}

var (
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSHA256WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
)

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, true
	case crypto.SHA384:
		return oidSHA384, true
	case crypto.SHA512:
		return oidSHA512, true
	}
	return nil, false
}

// tokenSupported reports whether grantedResponse signs with keys like pub
// (the others go through the library).
func tokenSupported(pub crypto.PublicKey) bool {
	switch pub.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
		return true
	}
	return false
}

// newSerial is a random 160-bit serial number (the library's).
func newSerial() (*big.Int, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// grantedResponse is the DER TimeStampResp (status granted) with the token
// for f, signed by signer (whose certificate is cert) over SHA-256.
func grantedResponse(f tokenFields, cert *x509.Certificate, signer crypto.Signer) ([]byte, error) {
	sigAlg := oidECDSAWithSHA256
	if _, ok := signer.Public().(*rsa.PublicKey); ok {
		sigAlg = oidSHA256WithRSA
	}
	tst, err := tstInfo(f, cert)
	if err != nil {
		return nil, err
	}
	attrs, err := tokenAttributes(f, tst, cert)
	if err != nil {
		return nil, err
	}
	set := build(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, a := range attrs {
				b.AddBytes(a)
			}
		})
	})
	h := sha256.Sum256(set)
	sig, err := signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // TimeStampResp
		// PKIStatusInfo: granted, then the token (a ContentInfo).
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(0) })
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidSignedData)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
					b.AddASN1Int64(3)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { cmsder.AlgID(b, cmsder.OIDSHA256) })
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // encapContentInfo
						b.AddASN1ObjectIdentifier(oidTSTInfo)
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(tst)
						})
					})
					// The library writes the [0] certificates even when empty.
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						if f.withCert {
							b.AddBytes(cert.Raw)
						}
					})
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						cmsder.SignerInfo(b, cert, attrs, sigAlg, sig, nil)
					})
				})
			})
		})
	})
	return out.Bytes()
}

// tstInfo is the DER TSTInfo (RFC 3161 2.4.2) for f, naming cert's
// subject as the TSA.
func tstInfo(f tokenFields, cert *x509.Certificate) ([]byte, error) {
	oid, ok := hashOID(f.hash)
	if !ok {
		return nil, fmt.Errorf("pki: no OID for %v", f.hash)
	}
	if f.accuracy%time.Second != 0 {
		return nil, fmt.Errorf("pki: accuracy %v is not whole seconds", f.accuracy)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(f.policy)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // MessageImprint
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(f.hashed)
		})
		b.AddASN1BigInt(f.serial)
		b.AddASN1GeneralizedTime(f.at.UTC().Truncate(time.Second))
		if s := int64(f.accuracy / time.Second); s != 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(s) })
		}
		if f.nonce != nil {
			b.AddASN1BigInt(f.nonce)
		}
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // tsa: directoryName
			b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddBytes(cert.RawSubject)
			})
		})
	})
	return b.Bytes()
}

// tokenAttributes are the token's signed attributes in DER order:
// contentType (TSTInfo), messageDigest (SHA-256 of tst), signingTime
// (now, as the library stamps it) and the ESS signingCertificateV2
// naming cert with the imprint's hash (RFC 5035: the algorithm is left
// out when SHA-256).
func tokenAttributes(f tokenFields, tst []byte, cert *x509.Certificate) ([][]byte, error) {
	md := sha256.Sum256(tst)
	ch := f.hash.New()
	ch.Write(cert.Raw)
	certHash := ch.Sum(nil)
	oid, _ := hashOID(f.hash)
	var err error
	attr := func(t asn1.ObjectIdentifier, v func(*cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(t)
			b.AddASN1(cbasn1.SET, v)
		})
		out, e := b.Bytes()
		if e != nil {
			err = e
		}
		return out
	}
	now := time.Now().UTC()
	attrs := [][]byte{
		attr(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidTSTInfo) }),
		attr(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(md[:]) }),
		attr(oidSigningTime, func(b *cryptobyte.Builder) { addTime(b, now) }),
		attr(oidSigningCertificateV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
						if f.hash != crypto.SHA256 {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1ObjectIdentifier(oid)
								b.AddASN1NULL()
							})
						}
						b.AddASN1OctetString(certHash)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
									b.AddBytes(cert.RawIssuer)
								})
							})
							b.AddASN1BigInt(cert.SerialNumber)
						})
					})
				})
			})
		}),
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(attrs, bytes.Compare) // DER: SET OF in the order of the encodings
	return attrs, nil
}

// addTime writes t as encoding/asn1 marshals a time.Time: UTCTime for
// the years 1950–2049, GeneralizedTime otherwise.
func addTime(b *cryptobyte.Builder, t time.Time) {
	if y := t.Year(); y >= 1950 && y < 2050 {
		b.AddASN1UTCTime(t)
		return
	}
	b.AddASN1GeneralizedTime(t)
}

func build(f func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	return b.BytesOrPanic()
}
