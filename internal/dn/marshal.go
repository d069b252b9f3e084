package dn

import (
	"encoding/asn1"
	"fmt"
	"strconv"
	"strings"
)

// oids maps the short names String writes (upper case) to their types.
var oids = func() map[string]asn1.ObjectIdentifier {
	m := map[string]asn1.ObjectIdentifier{}
	for dotted, n := range names {
		oid, err := parseOID(dotted)
		if err != nil {
			panic(err)
		}
		m[strings.ToUpper(n)] = oid
	}
	return m
}()

// printableTypes must be PrintableString (RFC 5280 appendix A: country,
// serial number, DN qualifier), ia5Types IA5String (PKCS #9 e-mail,
// RFC 4519 domain component); every other type is written as a
// UTF8String, which RFC 5280 4.1.2.6 asks for (Vietnamese names need it).
var (
	printableTypes = map[string]bool{"C": true, "SERIALNUMBER": true, "DNQUALIFIER": true}
	ia5Types       = map[string]bool{"EMAILADDRESS": true, "DC": true}
)

// Marshal is the DER of the name s, written as String writes one
// (RFC 4514: the most specific attribute first, "+" joining the
// attributes of one RDN; types by their short names, or dotted OIDs),
// for a certificate request's subject: String(Marshal(s)) is s as
// Normalize writes it. An unknown type name, an empty value, or a value
// its type cannot hold (C=VN is two printable letters) is an error.
func Marshal(s string) ([]byte, error) {
	attrs := Parse(s)
	if len(attrs) == 0 {
		return nil, fmt.Errorf("%q is not a name like CN=…,O=…,C=VN", s)
	}
	var rdns [][]atv
	for _, a := range attrs {
		v, err := attrValue(a)
		if err != nil {
			return nil, err
		}
		if a.Plus {
			rdns[len(rdns)-1] = append(rdns[len(rdns)-1], v)
		} else {
			rdns = append(rdns, []atv{v})
		}
	}
	// DER holds the RDNs from the least specific; the text from the most.
	seq := make([]asn1.RawValue, 0, len(rdns))
	for i := len(rdns) - 1; i >= 0; i-- {
		set, err := asn1.MarshalWithParams(rdns[i], "set")
		if err != nil {
			return nil, err
		}
		seq = append(seq, asn1.RawValue{FullBytes: set})
	}
	return asn1.Marshal(seq)
}

// attrValue is one attribute as DER wants it: its type's OID, its value
// as the string type the type takes.
func attrValue(a Attr) (atv, error) {
	up := strings.ToUpper(a.Type)
	oid, ok := oids[up]
	if !ok {
		var err error
		if oid, err = parseOID(a.Type); err != nil {
			return atv{}, fmt.Errorf("attribute type %q: not one of CN, O, OU, L, ST, C, T, UID, SERIALNUMBER, emailAddress, … nor a dotted OID", a.Type)
		}
	}
	if a.Value == "" {
		return atv{}, fmt.Errorf("attribute %s has no value", a.Type)
	}
	tag := asn1.TagUTF8String
	switch {
	case printableTypes[up]:
		tag = asn1.TagPrintableString
		if up == "C" && (len(a.Value) != 2 || !printable(a.Value)) {
			return atv{}, fmt.Errorf("C=%q: want a two-letter country code (VN)", a.Value)
		}
		if !printable(a.Value) {
			return atv{}, fmt.Errorf("%s=%q: want Latin letters, digits and ' ()+,-./:=? only", a.Type, a.Value)
		}
	case ia5Types[up]:
		tag = asn1.TagIA5String
		for _, r := range a.Value {
			if r > 0x7f {
				return atv{}, fmt.Errorf("%s=%q: want ASCII", a.Type, a.Value)
			}
		}
	}
	return atv{Type: oid, Value: asn1.RawValue{Tag: tag, Bytes: []byte(a.Value)}}, nil
}

// printable reports whether s is a PrintableString's (X.680 41.4).
func printable(s string) bool {
	for _, r := range s {
		ok := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(" '()+,-./:=?", r)
		if !ok {
			return false
		}
	}
	return true
}

// parseOID reads a dotted OID ("2.5.4.3").
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%q is not a dotted OID", s)
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a dotted OID", s)
		}
		oid[i] = n
	}
	return oid, nil
}
