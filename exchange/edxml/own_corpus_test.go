package edxml

import (
	"bytes"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
)

// The tests in this file cover, with packages our own builder makes, the
// code paths the SDK packages of the interop corpus cover (fixtures_test.go,
// which skips without VANTHU_INTEROP_FIXTURES): documents of every business
// type, status messages of every code, the SDK's unsigned <Signature>
// element, and malformed packages.

// sdkSignature is an XML signature element written the way the national
// platform's SDK writes it: no xmlns (so it sits in the edXML namespace),
// RSA-SHA1, values that verify nothing.
const sdkSignature = `<Signature>
        <SignedInfo>
          <CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315" />
          <SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1" />
          <Reference URI="">
            <Transforms>
              <Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature" />
            </Transforms>
            <DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1" />
            <DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</DigestValue>
          </Reference>
        </SignedInfo>
        <SignatureValue>AAAA</SignatureValue>
      </Signature>
    </edXML:edXMLHeader>`

// withSDKSignature puts sdkSignature at the end of the header, where the
// SDK puts it.
func withSDKSignature(tb testing.TB, b []byte) []byte {
	tb.Helper()
	out := bytes.Replace(b, []byte("</edXML:edXMLHeader>"), []byte(sdkSignature), 1)
	if bytes.Equal(out, b) {
		tb.Fatal("no </edXML:edXMLHeader> to sign")
	}
	return out
}

// ownDocument is sampleDocument with one small attachment and business b.
func ownDocument(b Business) Document {
	d := sampleDocument()
	d.Attachments = d.Attachments[:1]
	d.Business = b
	return d
}

func buildOwn(tb testing.TB, d Document) []byte {
	tb.Helper()
	b, err := Build(d)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return b
}

func TestOwnDocumentsEveryBusinessType(t *testing.T) {
	const target = "000.00.12.H13,2026/02/10,98/STTTT-VP"
	tests := []struct {
		name  string
		b     Business
		check func(t *testing.T, got Business)
	}{
		{"New", Business{Type: BusinessNew, Reason: "Văn bản điện tử mới", Paper: "0"}, nil},
		{"Revoke", Business{Type: BusinessRevoke, Reason: "Thu hồi văn bản điện tử", DocumentID: target, Paper: "0"}, func(t *testing.T, got Business) {
			if got.DocumentID != target {
				t.Errorf("DocumentID = %q", got.DocumentID)
			}
		}},
		{"Update", Business{Type: BusinessUpdate, Reason: "Cập nhật", DocumentID: target, Paper: "0",
			Update: &UpdateInfo{DocumentInfo: "1", Receivers: []Receiver{{"000.00.00.H41", "0"}, {"000.00.00.G22", "1"}}}}, func(t *testing.T, got Business) {
			if got.Update == nil || got.Update.DocumentInfo != "1" || !slices.Equal(got.Update.Receivers, []Receiver{{"000.00.00.H41", "0"}, {"000.00.00.G22", "1"}}) {
				t.Errorf("Update = %+v", got.Update)
			}
		}},
		{"Replace", Business{Type: BusinessReplace, Reason: "Văn bản thay thế", Paper: "0",
			Replaces: []Replacement{{target, []string{"000.00.00.H41", "000.00.00.G22"}}}}, func(t *testing.T, got Business) {
			if len(got.Replaces) != 1 || got.Replaces[0].DocumentID != target || !slices.Equal(got.Replaces[0].OrganIDs, []string{"000.00.00.H41", "000.00.00.G22"}) {
				t.Errorf("Replaces = %+v", got.Replaces)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, signed := range []bool{false, true} {
				b := buildOwn(t, ownDocument(tt.b))
				if signed { // the SDK's <Signature> is not an attachment and changes nothing
					b = withSDKSignature(t, b)
				}
				m, err := Parse(bytes.NewReader(b), Limits{MaxAttachments: 1})
				if err != nil {
					t.Fatalf("Parse (SDK signature %v): %v", signed, err)
				}
				if m.Kind != KindDocument || m.Document.Business.Type != tt.b.Type || m.Document.Business.Reason != tt.b.Reason {
					t.Fatalf("Kind %q Business %+v", m.Kind, m.Document.Business)
				}
				if len(m.Document.Attachments) != 1 || !bytes.Equal(m.Document.Attachments[0].Data, ownDocument(tt.b).Attachments[0].Data) {
					t.Errorf("attachments %d", len(m.Document.Attachments))
				}
				if tt.check != nil {
					tt.check(t, m.Document.Business)
				}
			}
		})
	}
}

func TestOwnStatusEveryCode(t *testing.T) {
	for _, code := range []StatusCode{StatusArrived, StatusRejected, StatusAccepted, StatusAssigned, StatusInProgress,
		StatusCompleted, StatusRevokeRequest, StatusRevokeAccepted, StatusRevokeRefused} {
		t.Run(string(code), func(t *testing.T) {
			st := Status{From: Organization{ID: "000.00.00.H41", Name: "UBND Tỉnh Nghệ An"},
				ResponseFor: DocRef{OrganID: "000.00.12.H13", Code: "125/STTTT-VP", PromulgationDate: day(2026, 3, 2), DocumentID: "000.00.12.H13,2026/03/02,125/STTTT-VP"},
				Code:        code, Description: "Văn thư: trạng thái " + string(code), Staff: Staff{Department: "Văn thư", Name: "Nguyễn Thị Trâm"},
				Time: at(2026, 3, 2, 10, 0, 1)}
			b, err := BuildStatus(st)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(bytes.NewReader(b), Limits{})
			if err != nil || m.Kind != KindStatus || m.Status.Code != code || m.Status.Staff.Name != st.Staff.Name || !m.Status.Time.Equal(st.Time) {
				t.Fatalf("Parse: %v %+v", err, m)
			}
		})
	}
}

// ownMalformed are our packages broken the ways the SDK's malformed
// samples are, with the error each must get.
func ownMalformed(tb testing.TB) []struct {
	name string
	data []byte
	want []string
} {
	doc := buildOwn(tb, ownDocument(Business{Type: BusinessNew, Reason: "Văn bản điện tử mới", Paper: "0"}))
	return []struct {
		name string
		data []byte
		want []string
	}{
		{"UnboundAttributePrefix", bytes.Replace(doc, []byte("<edXML:Reference>"), []byte(`<edXML:Reference xlink:href="">`), 1),
			[]string{"malformed XML", `namespace prefix "xlink"`, "not declared"}},
		{"UnboundPrefixAfterEnvelope", bytes.Replace(doc, []byte(`<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">`), []byte(`<edXML:ContentTransferEncoded>`), 1),
			[]string{"malformed XML", `namespace prefix "edXML" of <edXML:ContentTransferEncoded> is not declared`}},
		{"JunkBeforeDeclaration", append([]byte("1212"), doc...), []string{"malformed XML", `"1212<?xml`, "before the XML declaration"}},
	}
}

func TestOwnMalformedRefused(t *testing.T) {
	rk, _, _ := testKeys(t)
	for _, tt := range ownMalformed(t) {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(tt.data), Limits{})
			assertInvalid(t, err, tt.want...)
			_, err = Sign(tt.data, rk.key, []*x509.Certificate{rk.cert})
			assertInvalid(t, err, "malformed XML")
		})
	}
	t.Run("JunkBeforeDeclaration/without junk", func(t *testing.T) {
		m := ownMalformed(t)
		b := bytes.TrimPrefix(m[2].data, []byte("1212"))
		if _, err := Parse(bytes.NewReader(b), Limits{}); err != nil {
			t.Fatalf("the same package without the junk: %v", err)
		}
	})
}

// TestOwnSDKSignatureRefused: an SDK-style signature never verifies: as
// written it is not in the xmldsig namespace; moved there, RSA-SHA1 is
// refused.
func TestOwnSDKSignatureRefused(t *testing.T) {
	rk, _, _ := testKeys(t)
	trusted := []*x509.Certificate{rk.cert}
	doc := buildOwn(t, ownDocument(Business{Type: BusinessNew, Reason: "Văn bản điện tử mới", Paper: "0"}))
	assertVerifyErr(t, Verify(doc, trusted), ErrNotSigned, "not signed")
	sdk := withSDKSignature(t, doc)
	assertVerifyErr(t, Verify(sdk, trusted), ErrNotSigned, "not in the xmldsig namespace")
	ns := bytes.Replace(sdk, []byte("<Signature>"), []byte(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`), 1)
	assertVerifyErr(t, Verify(ns, trusted), ErrWeakSignature, `"http://www.w3.org/2000/09/xmldsig#rsa-sha1" is not accepted`)
	if !strings.Contains(string(sdk), "<Signature>") {
		t.Fatal("no signature inserted")
	}
}
