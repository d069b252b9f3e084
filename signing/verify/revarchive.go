package verify

import (
	"crypto/sha256"
	"encoding/asn1"

	"github.com/digitorus/pkcs7"
)

// oidRevInfoArchival is Adobe's adbe-revocationInfoArchival signed
// attribute (ISO 32000-1 12.8.3.3.2): the CRLs and OCSP responses the
// signer's software had when it signed, inside the signature. iText 5's
// MakeSignature.signDetached writes the CRLs and OCSP responses it is
// given there, not in a /DSS.
var oidRevInfoArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

// revInfoArchival is RevocationInfoArchival ::= SEQUENCE { crl [0]
// EXPLICIT SEQUENCE OF CRLs OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF
// OCSPResponse OPTIONAL, otherRevInfo [2] EXPLICIT SEQUENCE OF
// OtherRevInfo OPTIONAL }.
type revInfoArchival struct {
	CRL   []asn1.RawValue `asn1:"optional,explicit,tag:0"`
	OCSP  []asn1.RawValue `asn1:"optional,explicit,tag:1"`
	Other []asn1.RawValue `asn1:"optional,explicit,tag:2"`
}

// maxArchivedEvidence bounds the pieces of evidence taken from one
// signature's attribute.
const maxArchivedEvidence = 64

// archivedRevocation reads the signer's adbe-revocationInfoArchival
// attribute; an unreadable one gives nothing. The evidence is judged like
// the /DSS's: only what the certificate's issuer signed counts.
func archivedRevocation(p7 *pkcs7.PKCS7) dssData {
	var d dssData
	if len(p7.Signers) != 1 {
		return d
	}
	for _, a := range p7.Signers[0].AuthenticatedAttributes {
		if !a.Type.Equal(oidRevInfoArchival) {
			continue
		}
		var ria revInfoArchival
		if _, err := asn1.Unmarshal(a.Value.Bytes, &ria); err != nil {
			continue
		}
		for i, v := range ria.CRL {
			if i < maxArchivedEvidence {
				d.crls = append(d.crls, v.FullBytes)
				d.crlSums = append(d.crlSums, sha256.Sum256(v.FullBytes))
			}
		}
		for i, v := range ria.OCSP {
			if i < maxArchivedEvidence {
				d.ocsps = append(d.ocsps, v.FullBytes)
				d.ocspSums = append(d.ocspSums, sha256.Sum256(v.FullBytes))
			}
		}
	}
	return d
}

// withArchived is rs with the signature's archived evidence added to the
// document's: the state to judge that signature's certificates with.
func (rs *revocationState) withArchived(a dssData) *revocationState {
	if len(a.crls)+len(a.ocsps) == 0 {
		return rs
	}
	d := rs.dss
	d.crls = append(append([][]byte{}, d.crls...), a.crls...)
	d.crlSums = append(append([][32]byte{}, d.crlSums...), a.crlSums...)
	d.ocsps = append(append([][]byte{}, d.ocsps...), a.ocsps...)
	d.ocspSums = append(append([][32]byte{}, d.ocspSums...), a.ocspSums...)
	return &revocationState{dss: d, fetched: rs.fetched}
}
