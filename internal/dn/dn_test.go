package dn_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"reflect"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/vanthu/vanthu/internal/dn"
)

// attr is an attribute of a generated name: its type and its value's
// DER tag and content.
type attr struct {
	oid   asn1.ObjectIdentifier
	tag   int
	value []byte
}

func utf8s(oid asn1.ObjectIdentifier, s string) attr { return attr{oid, asn1.TagUTF8String, []byte(s)} }
func printable(oid asn1.ObjectIdentifier, s string) attr {
	return attr{oid, asn1.TagPrintableString, []byte(s)}
}

func bmp(oid asn1.ObjectIdentifier, s string) attr {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.BigEndian.PutUint16(b[2*i:], c)
	}
	return attr{oid, asn1.TagBMPString, b}
}

var (
	oidCN      = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidSerial  = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidC       = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidL       = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidST      = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidO       = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidTitle   = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidGiven   = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidOrgID   = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidUID     = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidEmail   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidPrivate = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7}
)

// name is the DER of a Name of rdns (each a set of attributes).
func name(t *testing.T, rdns ...[]attr) []byte {
	t.Helper()
	type atv struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue
	}
	var seq [][]atv
	for _, rdn := range rdns {
		var set []atv
		for _, a := range rdn {
			set = append(set, atv{a.oid, asn1.RawValue{Class: asn1.ClassUniversal, Tag: a.tag, Bytes: a.value}})
		}
		seq = append(seq, set)
	}
	// Each RDN a SET: marshal the sets one by one.
	var raw []asn1.RawValue
	for _, set := range seq {
		b, err := asn1.MarshalWithParams(set, "set")
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, asn1.RawValue{FullBytes: b})
	}
	der, err := asn1.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// cert issues a certificate whose subject is subject and whose issuer
// is the self-signed CA named issuer.
func cert(t *testing.T, subject, issuer []byte) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: issuer, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), RawSubject: subject, NotBefore: ca.NotBefore, NotAfter: ca.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Subjects and issuers the way Vietnamese CAs write them, and the
// corner cases of RFC 4514: each written with the short names and the
// values as text; Parse gives back every attribute, also from the string
// crypto/x509 writes for the same certificate (reports stored before).
func TestSubjectIssuer(t *testing.T) {
	tests := []struct {
		name            string
		subject, issuer [][]attr
		wantSubject     string
		wantIssuer      string
		wantAttrs       []dn.Attr // of the subject, in the order written
	}{
		{
			name: "VNPT-CA personal",
			subject: [][]attr{{printable(oidC, "VN")}, {utf8s(oidST, "Thành phố Cần Thơ")}, {utf8s(oidL, "Quận Bình Thủy")},
				{utf8s(oidO, "UBND quận Bình Thủy")}, {utf8s(oidTitle, "Chủ tịch")}, {utf8s(oidCN, "Nguyễn Văn Ánh")},
				{utf8s(oidUID, "CCCD:092085001234")}},
			issuer:      [][]attr{{printable(oidC, "VN")}, {utf8s(oidO, "VNPT Group")}, {utf8s(oidOU, "VNPT-CA Trust Network")}, {utf8s(oidCN, "VNPT Certification Authority")}},
			wantSubject: "UID=CCCD:092085001234,CN=Nguyễn Văn Ánh,T=Chủ tịch,O=UBND quận Bình Thủy,L=Quận Bình Thủy,ST=Thành phố Cần Thơ,C=VN",
			wantIssuer:  "CN=VNPT Certification Authority,OU=VNPT-CA Trust Network,O=VNPT Group,C=VN",
			wantAttrs: []dn.Attr{{"UID", "CCCD:092085001234", false}, {"CN", "Nguyễn Văn Ánh", false}, {"T", "Chủ tịch", false}, {"O", "UBND quận Bình Thủy", false},
				{"L", "Quận Bình Thủy", false}, {"ST", "Thành phố Cần Thơ", false}, {"C", "VN", false}},
		},
		{
			name: "Viettel-CA organisation",
			subject: [][]attr{{printable(oidC, "VN")}, {utf8s(oidST, "Hà Nội")}, {utf8s(oidCN, "UBND QUẬN BÌNH THỦY")},
				{utf8s(oidUID, "MST:1800123456")}, {printable(oidOrgID, "VNVN-1800123456")}, {attr{oidEmail, asn1.TagIA5String, []byte("vanthu@binhthuy.cantho.gov.vn")}}},
			issuer:      [][]attr{{printable(oidC, "VN")}, {utf8s(oidO, "Viettel Group")}, {utf8s(oidCN, "Viettel-CA SHA-256")}},
			wantSubject: "emailAddress=vanthu@binhthuy.cantho.gov.vn,organizationIdentifier=VNVN-1800123456,UID=MST:1800123456,CN=UBND QUẬN BÌNH THỦY,ST=Hà Nội,C=VN",
			wantIssuer:  "CN=Viettel-CA SHA-256,O=Viettel Group,C=VN",
			wantAttrs: []dn.Attr{{"emailAddress", "vanthu@binhthuy.cantho.gov.vn", false}, {"organizationIdentifier", "VNVN-1800123456", false},
				{"UID", "MST:1800123456", false}, {"CN", "UBND QUẬN BÌNH THỦY", false}, {"ST", "Hà Nội", false}, {"C", "VN", false}},
		},
		{
			name: "BCY: surname, given name, serial number, BMPString",
			subject: [][]attr{{printable(oidC, "VN")}, {bmp(oidO, "Ban Cơ yếu Chính phủ")}, {utf8s(oidSurname, "Trần")},
				{utf8s(oidGiven, "Thị Bích")}, {printable(oidSerial, "CMND:361234567")}, {utf8s(oidCN, "Trần Thị Bích")}},
			issuer:      [][]attr{{printable(oidC, "VN")}, {utf8s(oidO, "Ban Cơ yếu Chính phủ")}, {utf8s(oidCN, "Cục Chứng thực số và Bảo mật thông tin")}},
			wantSubject: "CN=Trần Thị Bích,SERIALNUMBER=CMND:361234567,GN=Thị Bích,SN=Trần,O=Ban Cơ yếu Chính phủ,C=VN",
			wantIssuer:  "CN=Cục Chứng thực số và Bảo mật thông tin,O=Ban Cơ yếu Chính phủ,C=VN",
			wantAttrs: []dn.Attr{{"CN", "Trần Thị Bích", false}, {"SERIALNUMBER", "CMND:361234567", false}, {"GN", "Thị Bích", false}, {"SN", "Trần", false},
				{"O", "Ban Cơ yếu Chính phủ", false}, {"C", "VN", false}},
		},
		{
			name: "escapes, a multi-valued RDN, an unknown type, a value that is no string",
			subject: [][]attr{{printable(oidC, "VN")}, {utf8s(oidO, "Sở Tư pháp, tỉnh A+B")},
				{utf8s(oidCN, "#1 \"Lê\" <Văn>; Tâm "), utf8s(oidUID, "CCCD:001")}, // a SET: DER puts UID first
				{utf8s(oidPrivate, "mã riêng")},
				{attr{oidPrivate, asn1.TagInteger, []byte{0x05}}}},
			issuer:      [][]attr{{utf8s(oidCN, " CA\\gốc")}},
			wantSubject: `1.3.6.1.4.1.99999.7=#020105,1.3.6.1.4.1.99999.7=mã riêng,UID=CCCD:001+CN=\#1 \"Lê\" \<Văn\>\; Tâm\ ,O=Sở Tư pháp\, tỉnh A\+B,C=VN`,
			wantIssuer:  `CN=\ CA\\gốc`,
			wantAttrs: []dn.Attr{{"1.3.6.1.4.1.99999.7", "#020105", false}, {"1.3.6.1.4.1.99999.7", "mã riêng", false}, {"UID", "CCCD:001", false},
				{"CN", `#1 "Lê" <Văn>; Tâm `, true}, {"O", "Sở Tư pháp, tỉnh A+B", false}, {"C", "VN", false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cert(t, name(t, tt.subject...), name(t, tt.issuer...))
			if got := dn.Subject(c); got != tt.wantSubject {
				t.Errorf("Subject:\n got %s\nwant %s", got, tt.wantSubject)
			}
			if got := dn.Issuer(c); got != tt.wantIssuer {
				t.Errorf("Issuer:\n got %s\nwant %s", got, tt.wantIssuer)
			}
			if got := dn.Parse(dn.Subject(c)); !reflect.DeepEqual(got, tt.wantAttrs) {
				t.Errorf("Parse(Subject):\n got %+v\nwant %+v", got, tt.wantAttrs)
			}
			if got := dn.Normalize(dn.Subject(c)); got != tt.wantSubject {
				t.Errorf("Normalize(Subject):\n got %s\nwant %s", got, tt.wantSubject)
			}
			// A report stored before: crypto/x509's string of the same
			// name reads the same (its own order is its own).
			old := dn.Parse(c.Subject.String())
			for _, a := range tt.wantAttrs {
				if a.Value[0] == '#' {
					continue // no string: crypto/x509 leaves such attributes out
				}
				if a.Plus = false; !containsAttr(old, a) {
					t.Errorf("Parse(%s) = %+v: no %+v", c.Subject.String(), old, a)
				}
			}
		})
	}
}

func containsAttr(as []dn.Attr, a dn.Attr) bool {
	for _, b := range as {
		if b.Type == a.Type && b.Value == a.Value {
			return true
		}
	}
	return false
}

func TestValues(t *testing.T) {
	s := `UID=CCCD:092085001234,CN=Nguyễn Văn Ánh,T=Chủ tịch,O=UBND quận Bình Thủy\, TP Cần Thơ`
	for _, tt := range []struct{ typ, want string }{
		{"CN", "Nguyễn Văn Ánh"}, {"cn", "Nguyễn Văn Ánh"}, {"2.5.4.3", "Nguyễn Văn Ánh"},
		{"UID", "CCCD:092085001234"}, {"0.9.2342.19200300.100.1.1", "CCCD:092085001234"}, {"userId", "CCCD:092085001234"},
		{"title", "Chủ tịch"}, {"2.5.4.12", "Chủ tịch"}, {"O", "UBND quận Bình Thủy, TP Cần Thơ"}, {"OU", ""},
	} {
		if got := dn.First(s, tt.typ); got != tt.want {
			t.Errorf("First(%q) = %q, want %q", tt.typ, got, tt.want)
		}
	}
	if got := dn.String([]byte("not DER")); got != "" {
		t.Errorf("String(not DER) = %q", got)
	}
	var empty pkix.RDNSequence
	der, _ := asn1.Marshal(empty)
	if got := dn.String(der); got != "" {
		t.Errorf("String(empty name) = %q", got)
	}
}
