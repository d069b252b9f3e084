package signing

import (
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/verify"
)

// The Decree 30 layer rule, applied on top of the cryptographic report of
// signing/verify (which knows nothing of officials and agencies).
//
// Roles come from the signer certificates:
//   - a certificate of one of the configured agency keys (same issuer and
//     serial) is the agency's;
//   - a certificate whose subject carries a personal attribute (title
//     2.5.4.12, user ID 0.9.2342.19200300.100.1.1, given name or surname)
//     is an official's;
//   - a certificate whose subject names the organisation itself (its CN
//     equals one of its O values, as in the agency certificates of the
//     development PKI and of the Government Cipher Committee's
//     organisation certificates) is an agency's;
//   - anything else is personal: an official's.
//
// Order (always checked): the agency signs last. An official's signature
// after an agency signature is "layers in the wrong order".
//
// Two layers (checked when the document is an issued outgoing one, see
// Service.VerifyDocument and `vanthu verify --expect-layers 2`): at least
// one official's signature, followed by exactly one agency signature, which
// is the last approval signature. Document timestamps (ETSI.RFC3161) are
// ignored by both rules.

// Signer roles.
const (
	RoleOfficial = "official"
	RoleAgency   = "agency"
)

// LayerRule configures CheckLayers.
type LayerRule struct {
	// ExpectTwoLayers demands layer 1 (an official) and then layer 2 (the
	// agency), as an issued outgoing document carries.
	ExpectTwoLayers bool
	// Agency lists certificates known to be the agency's (by issuer and
	// serial); nil = roles from the subject alone.
	Agency []*x509.Certificate
}

// SignerRole classifies the signer certificate of one signature.
func SignerRole(c *verify.Certificate, agency []*x509.Certificate) string {
	if c == nil {
		return RoleOfficial
	}
	for _, a := range agency {
		// A report stored before dn named the issuer as crypto/x509 does.
		if a != nil && strings.EqualFold(fmt.Sprintf("%X", a.SerialNumber), c.Serial) &&
			(dn.Issuer(a) == c.Issuer || a.Issuer.String() == c.Issuer) {
			return RoleAgency
		}
	}
	for _, personal := range []string{"T", "UID", "GN", "SN"} { // title, user ID, given name, surname
		if len(dn.Values(c.Subject, personal)) > 0 {
			return RoleOfficial
		}
	}
	for _, cn := range dn.Values(c.Subject, "CN") {
		for _, o := range dn.Values(c.Subject, "O") {
			if strings.EqualFold(strings.TrimSpace(cn), strings.TrimSpace(o)) {
				return RoleAgency
			}
		}
	}
	return RoleOfficial
}

// CheckLayers applies the layer rule to rep in place: each violation is
// appended to rep.Reasons and makes the verdict invalid. It returns the
// violations. An unsigned report is left alone unless two layers are
// expected.
func CheckLayers(rep *verify.Report, rule LayerRule) []string {
	type layer struct {
		index int
		role  string
		who   string
	}
	var ls []layer
	for _, s := range rep.Signatures {
		if s.SubFilter == "ETSI.RFC3161" {
			continue
		}
		who := s.Name
		if s.Signer != nil {
			if cn := dn.First(s.Signer.Subject, "CN"); cn != "" {
				who = cn
			}
		}
		ls = append(ls, layer{index: s.Index + 1, role: SignerRole(s.Signer, rule.Agency), who: who})
	}
	var bad []string
	// Order: nothing personal after an agency signature.
	for i, a := range ls {
		if a.role != RoleAgency {
			continue
		}
		for _, b := range ls[i+1:] {
			if b.role == RoleOfficial {
				bad = append(bad, fmt.Sprintf("layers in the wrong order: signature %d is the agency's (%s) but signature %d after it is an official's (%s); the official signs first and the agency last",
					a.index, a.who, b.index, b.who))
			}
		}
	}
	if rule.ExpectTwoLayers {
		agencies, officials := 0, 0
		for _, l := range ls {
			if l.role == RoleAgency {
				agencies++
			} else {
				officials++
			}
		}
		switch {
		case len(ls) == 0:
			bad = append(bad, "an issued document carries two signatures (the official's, then the agency's); this one has none")
		default:
			if officials == 0 {
				bad = append(bad, "the official's signature (layer 1) is missing: only the agency signed")
			}
			if agencies == 0 {
				bad = append(bad, "the agency signature (layer 2) is missing: the document carries only the official's signature and was not issued")
			} else if agencies > 1 {
				bad = append(bad, fmt.Sprintf("the agency signed %d times; layer 2 is applied once", agencies))
			}
		}
	}
	if len(bad) > 0 {
		rep.Verdict = verify.Invalid
		for _, b := range bad {
			rep.Reasons = append(rep.Reasons, "Decree 30: "+b+".")
		}
	}
	return bad
}
