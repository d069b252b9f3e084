package dn_test

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/dn"
)

// TestMarshal: a name written as vanthu shows names becomes the DER a
// certificate request's subject holds — RDNs from the least specific,
// one RDN per attribute or per "+" group, Vietnamese text as UTF8String,
// the country as PrintableString, e-mail as IA5String — which String
// writes back as it was given and crypto/x509 reads the same; a name
// that cannot be one is refused, saying why.
func TestMarshal(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want "" = in
		country        string
	}{
		{"Official", "CN=Nguyễn Văn Ân,T=Chủ tịch,O=UBND quận Bình Thủy,L=Cần Thơ,C=VN,UID=CCCD:092080001234", "", "VN"},
		{"Agency", "CN=UBND quận Bình Thủy,O=UBND quận Bình Thủy,ST=Cần Thơ,C=VN", "", "VN"},
		{"Aliases", "cn=Ân, title=Chủ tịch, userId=CCCD:1, c=VN", "CN=Ân,T=Chủ tịch,UID=CCCD:1,C=VN", "VN"},
		{"Escaped", `CN=Phòng A\, B,O=X\+Y`, "", ""},
		{"MultiValued", "CN=Ân+UID=CCCD:1,O=UBND", "", ""},
		{"DottedOID", "CN=Ân,2.5.4.97=VNVN-0101", "CN=Ân,organizationIdentifier=VNVN-0101", ""},
		{"Email", "CN=Ân,emailAddress=an@quan.gov.vn", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := dn.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if got := dn.String(der); got != want {
				t.Errorf("String(Marshal(%q)) = %q, want %q", tc.in, got, want)
			}
			var seq pkix.RDNSequence
			if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 {
				t.Fatalf("not a Name: %v", err)
			}
			var name pkix.Name
			name.FillFromRDNSequence(&seq)
			if got := strings.Join(name.Country, ","); got != tc.country {
				t.Errorf("crypto/x509 reads the country %q, want %q", got, tc.country)
			}
			for _, rdn := range seq {
				for _, a := range rdn {
					if _, ok := a.Value.(string); !ok {
						t.Errorf("attribute %v: value %T, not a string", a.Type, a.Value)
					}
				}
			}
			if cn := dn.First(want, "CN"); cn != "" && name.CommonName != cn {
				t.Errorf("crypto/x509 reads CN %q, want %q", name.CommonName, cn)
			}
		})
	}
	for _, tc := range []struct{ name, in, says string }{
		{"Empty", "", "not a name"},
		{"UnknownType", "CN=Ân,XYZ=1", `"XYZ"`},
		{"NoValue", "CN=,O=UBND", "CN has no value"},
		{"LongCountry", "CN=Ân,C=VNM", "two-letter"},
		{"CountryNotLatin", "CN=Ân,C=VÑ", "two-letter"},
		{"SerialNotPrintable", "CN=Ân,SERIALNUMBER=số 1", "SERIALNUMBER"},
		{"EmailNotASCII", "CN=Ân,emailAddress=ân@quan.vn", "ASCII"},
	} {
		t.Run("Refused/"+tc.name, func(t *testing.T) {
			_, err := dn.Marshal(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Marshal(%q) = %v, want an error saying %q", tc.in, err, tc.says)
			}
		})
	}
}

// TestMarshalUTF8: the values of the directory-string types are
// UTF8Strings (RFC 5280 4.1.2.6), the country a PrintableString and an
// e-mail address an IA5String.
func TestMarshalUTF8(t *testing.T) {
	der, err := dn.Marshal("CN=Nguyễn Văn Ân,emailAddress=an@quan.gov.vn,C=VN")
	if err != nil {
		t.Fatal(err)
	}
	var rdns []asn1.RawValue
	if _, err := asn1.Unmarshal(der, &rdns); err != nil {
		t.Fatal(err)
	}
	want := []int{asn1.TagPrintableString, asn1.TagIA5String, asn1.TagUTF8String} // C, emailAddress, CN: DER order
	for i, r := range rdns {
		var set []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if _, err := asn1.UnmarshalWithParams(r.FullBytes, &set, "set"); err != nil {
			t.Fatal(err)
		}
		if set[0].Value.Tag != want[i] {
			t.Errorf("RDN %d (%v): tag %d, want %d", i, set[0].Type, set[0].Value.Tag, want[i])
		}
	}
}
