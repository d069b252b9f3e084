// Package dn writes an X.509 distinguished name as vanthu shows it (the
// verification report, the API, the web page, the CLI, the archive's
// evidence, the development PKI's revocations) and reads it back.
//
// The form is RFC 4514's (the RDNs last first, "," between them, "+"
// between the attributes of one RDN, special characters escaped with
// "\"), with two differences from crypto/x509's pkix.Name.String: the
// attribute types Vietnamese CA certificates use are written by their
// usual short names, not as dotted numbers (VNPT-CA, Viettel-CA and the
// Ban Cơ yếu Chính phủ put a person's CCCD or MST in UID:
// "UID=CCCD:001099012345"), and every value of a string type is written
// as its text in UTF-8 (Vietnamese diacritics intact), not as "#" and
// the hex of its DER. Types with no name here stay dotted numbers; a
// value that is not a string is "#" and the hex of its DER.
package dn

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// names are the short names written for attribute types, by dotted OID:
// RFC 4514's (CN, L, ST, O, OU, C, STREET, DC, UID), those crypto/x509
// writes too (SERIALNUMBER, POSTALCODE), and those of the subjects of
// personal and organisation certificates (RFC 4519, ETSI EN 319 412-1,
// PKCS #9).
var names = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN", // surname
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "T", // title
	"2.5.4.17":                   "POSTALCODE",
	"2.5.4.42":                   "GN", // givenName
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.97":                   "organizationIdentifier",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "emailAddress",
}

// aliases are other names of the same types, read by Parse (upper case).
var aliases = map[string]string{
	"SURNAME": "SN", "TITLE": "T", "GIVENNAME": "GN", "G": "GN", "USERID": "UID",
	"E": "emailAddress", "EMAIL": "emailAddress", "EMAILADDRESS": "emailAddress",
	"ORGANIZATIONIDENTIFIER": "organizationIdentifier", "SERIALNUMBER": "SERIALNUMBER",
	"INITIALS": "initials", "GENERATIONQUALIFIER": "generationQualifier",
	"DNQUALIFIER": "dnQualifier", "PSEUDONYM": "pseudonym",
}

// byName maps a short name (upper case) to itself as written.
var byName = func() map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[strings.ToUpper(n)] = n
	}
	for a, n := range aliases {
		m[a] = n
	}
	return m
}()

type atv struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// Subject is c's subject as shown.
func Subject(c *x509.Certificate) string { return String(c.RawSubject) }

// Issuer is c's issuer as shown.
func Issuer(c *x509.Certificate) string { return String(c.RawIssuer) }

// String is the DER Name der (a certificate's RawSubject or RawIssuer)
// as shown; "" if der is not one.
func String(der []byte) string {
	var rdns []asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		return ""
	}
	parts := make([]string, 0, len(rdns))
	for i := len(rdns) - 1; i >= 0; i-- {
		var set []atv
		if _, err := asn1.UnmarshalWithParams(rdns[i].FullBytes, &set, "set"); err != nil {
			return ""
		}
		attrs := make([]string, len(set))
		for j, a := range set {
			attrs[j] = typeName(a.Type) + "=" + value(a.Value)
		}
		parts = append(parts, strings.Join(attrs, "+"))
	}
	return strings.Join(parts, ",")
}

func typeName(oid asn1.ObjectIdentifier) string {
	s := oid.String()
	if n, ok := names[s]; ok {
		return n
	}
	return s
}

// value is an attribute value as written: the escaped text of a string,
// else "#" and the hex of its DER.
func value(v asn1.RawValue) string {
	if s, ok := text(v); ok {
		return escape(s)
	}
	return "#" + hex.EncodeToString(v.FullBytes)
}

// text decodes a value of one of the string types a Name holds.
func text(v asn1.RawValue) (string, bool) {
	if v.Class != asn1.ClassUniversal || v.IsCompound {
		return "", false
	}
	b := v.Bytes
	switch v.Tag {
	case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String, asn1.TagNumericString, 26: // 26: VisibleString
		if !utf8.Valid(b) {
			return "", false
		}
		return string(b), true
	case asn1.TagT61String: // as ISO 8859-1, like crypto/x509
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), true
	case asn1.TagBMPString:
		if len(b)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u)), true
	case 28: // UniversalString: UTF-32BE
		if len(b)%4 != 0 {
			return "", false
		}
		r := make([]rune, len(b)/4)
		for i := range r {
			r[i] = rune(binary.BigEndian.Uint32(b[4*i:]))
			if !utf8.ValidRune(r[i]) {
				return "", false
			}
		}
		return string(r), true
	}
	return "", false
}

// escape escapes a value as RFC 4514 section 2.4 asks, and control
// characters as "\" and two hex digits.
func escape(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune(`"+,;<>\`, r),
			r == '#' && i == 0,
			r == ' ' && (i == 0 || i == len(s)-1):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\` + hex.EncodeToString([]byte{byte(r)}))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Attr is one attribute of a name.
type Attr struct {
	Type  string // the short name when there is one (as String writes it), else the dotted OID
	Value string // unescaped text
	Plus  bool   // joined to the attribute before by "+": the same RDN
}

// Normalize is the name s (written by String, or by pkix.Name.String
// as reports stored before this package were) as String writes it: the
// same attributes in the same order, short names, values as text.
func Normalize(s string) string {
	var b strings.Builder
	for i, a := range Parse(s) {
		switch {
		case a.Plus:
			b.WriteByte('+')
		case i > 0:
			b.WriteByte(',')
		}
		b.WriteString(a.Type + "=")
		if strings.HasPrefix(a.Value, "#") && hexText(a.Value) == a.Value && isDER(a.Value) {
			b.WriteString(a.Value) // a value that is no string
		} else {
			b.WriteString(escape(a.Value))
		}
	}
	return b.String()
}

// isDER reports whether v is "#" and the hex of one DER value.
func isDER(v string) bool {
	der, err := hex.DecodeString(strings.TrimPrefix(v, "#"))
	if err != nil {
		return false
	}
	rest, err := asn1.Unmarshal(der, new(asn1.RawValue))
	return err == nil && len(rest) == 0
}

// Parse splits a name written by String, or by pkix.Name.String (as
// reports stored before this package were: "2.5.4.12=#0c...", which it
// decodes), into its attributes in the order written. Types are given as
// String writes them (a dotted OID or alias of a named type by its name).
func Parse(s string) []Attr {
	var out []Attr
	var key, val strings.Builder
	inVal, hexVal, plus := false, false, false
	flush := func(next bool) {
		if k := strings.TrimSpace(key.String()); k != "" {
			v := val.String()
			if hexVal {
				v = hexText(v)
			}
			out = append(out, Attr{Type: canonical(k), Value: v, Plus: plus && len(out) > 0})
		}
		key.Reset()
		val.Reset()
		inVal, hexVal, plus = false, false, next
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			c = s[i]
			if i+1 < len(s) && isHex(c) && isHex(s[i+1]) {
				c, i = unhex(c)<<4|unhex(s[i+1]), i+1
			}
			if inVal {
				val.WriteByte(c)
			} else {
				key.WriteByte(c)
			}
		case c == '=' && !inVal:
			inVal = true
			hexVal = i+1 < len(s) && s[i+1] == '#'
		case c == ',' || c == '+':
			flush(c == '+')
		case inVal:
			val.WriteByte(c)
		default:
			key.WriteByte(c)
		}
	}
	flush(false)
	return out
}

// canonical is an attribute type as String writes it.
func canonical(t string) string {
	if n, ok := names[t]; ok {
		return n
	}
	if n, ok := byName[strings.ToUpper(t)]; ok {
		return n
	}
	return t
}

// hexText decodes "#" and the hex of the DER of a string ("#0c03..."),
// leaving any other value as it is.
func hexText(v string) string {
	der, err := hex.DecodeString(strings.TrimPrefix(v, "#"))
	if err != nil {
		return v
	}
	var rv asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &rv); err != nil || len(rest) > 0 {
		return v
	}
	if s, ok := text(rv); ok {
		return s
	}
	return v
}

// Values are the values of the attributes of type typ (a short name,
// an alias or a dotted OID) in the name s (as Parse reads it).
func Values(s, typ string) []string {
	typ = canonical(typ)
	var out []string
	for _, a := range Parse(s) {
		if a.Type == typ {
			out = append(out, a.Value)
		}
	}
	return out
}

// First is the first value of type typ in s, "" if none.
func First(s, typ string) string {
	if v := Values(s, typ); len(v) > 0 {
		return v[0]
	}
	return ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
