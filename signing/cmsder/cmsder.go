// Package cmsder writes the parts of a CMS SignedData (RFC 5652) that the
// signature layers and the development PKI's time-stamp tokens share, in
// DER with cryptobyte: one SignerInfo written once.
package cmsder

import (
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDSHA256 is the SHA-256 digest algorithm.
var OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}

// AlgID adds an AlgorithmIdentifier of oid without parameters.
func AlgID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
}

// SignerInfo adds a version 1 SignerInfo: ee's issuer and serial, SHA-256,
// the signed attributes attrs (each a DER Attribute) as the [0] IMPLICIT
// SET, the signature algorithm sigAlg, the signature sig and, when not
// nil, the unsigned attributes unsigned (DER Attributes) as [1].
func SignerInfo(b *cryptobyte.Builder, ee *x509.Certificate, attrs [][]byte, sigAlg asn1.ObjectIdentifier, sig, unsigned []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
			b.AddBytes(ee.RawIssuer)
			b.AddASN1BigInt(ee.SerialNumber)
		})
		AlgID(b, OIDSHA256)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			for _, a := range attrs {
				b.AddBytes(a)
			}
		})
		AlgID(b, sigAlg)
		b.AddASN1OctetString(sig)
		if unsigned != nil {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddBytes(unsigned)
			})
		}
	})
}
