package signing

import (
	"crypto/x509"
	"fmt"
	"strings"

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
		if a != nil && strings.EqualFold(fmt.Sprintf("%X", a.SerialNumber), c.Serial) && a.Issuer.String() == c.Issuer {
			return RoleAgency
		}
	}
	dn := parseDN(c.Subject)
	for _, personal := range []string{"2.5.4.12", "0.9.2342.19200300.100.1.1", "GN", "SN", "2.5.4.42", "2.5.4.4"} {
		if len(dn[personal]) > 0 {
			return RoleOfficial
		}
	}
	for _, cn := range dn["CN"] {
		for _, o := range dn["O"] {
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
			if cn := parseDN(s.Signer.Subject)["CN"]; len(cn) > 0 {
				who = cn[0]
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

// parseDN splits an RFC 4514 string as x509.Name.String writes it
// ("CN=A,O=B\, C,2.5.4.12=#0c...") into attribute values by type. Values
// written as "#hex" (DER, for types Go has no name for) are decoded when
// they are simple strings.
func parseDN(s string) map[string][]string {
	out := map[string][]string{}
	var key, val strings.Builder
	inVal := false
	flush := func() {
		k := strings.TrimSpace(key.String())
		if k != "" {
			v := val.String()
			if strings.HasPrefix(v, "#") {
				v = derString(v[1:])
			}
			out[strings.ToUpper(k)] = append(out[strings.ToUpper(k)], v)
		}
		key.Reset()
		val.Reset()
		inVal = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if inVal {
				val.WriteByte(s[i])
			} else {
				key.WriteByte(s[i])
			}
		case c == '=' && !inVal:
			inVal = true
		case c == ',' || c == '+':
			flush()
		case inVal:
			val.WriteByte(c)
		default:
			key.WriteByte(c)
		}
	}
	flush()
	return out
}

// derString decodes the hex DER of a simple string (UTF8String,
// PrintableString, IA5String) with a short length; otherwise it returns
// the hex.
func derString(h string) string {
	b := make([]byte, 0, len(h)/2)
	for i := 0; i+1 < len(h); i += 2 {
		hi, ok1 := unhexDigit(h[i])
		lo, ok2 := unhexDigit(h[i+1])
		if !ok1 || !ok2 {
			return h
		}
		b = append(b, hi<<4|lo)
	}
	if len(b) < 2 || int(b[1]) != len(b)-2 || b[1] >= 0x80 {
		return h
	}
	switch b[0] {
	case 0x0c, 0x13, 0x16:
		return string(b[2:])
	}
	return h
}

func unhexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
