package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// TestExchangeForgedDocumentIDs runs three real servers over mutual TLS:
// A and C are both connected to B. C, a registered peer, tries to take the
// DocumentId of A's next document, and to revoke, update and replace A's
// document at B: all refused (403), nothing stored, and A's real document
// is delivered and untouched. Before the fix B stored C's package under
// A's DocumentId (ack 01) and then dropped A's real document as a
// "redelivery"; a replacement from C was linked to A's document.
func TestExchangeForgedDocumentIDs(t *testing.T) {
	A := newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	B := newPeer(t, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	C := newPeer(t, "C", "000.00.32.H13", "UBND phường An Thới", "UBND")
	fastExchange(A, B, C)
	anchors := filepath.Join(t.TempDir(), "anchors.pem")
	if err := os.WriteFile(anchors, append(devRoot(t, B), devRoot(t, A)...), 0o600); err != nil {
		t.Fatal(err)
	}
	B.env["VANTHU_TRUST_ANCHORS"] = anchors
	A.start(t)
	B.start(t)
	C.start(t)
	connect(t, A, B)
	connect(t, C, B)

	// A issues a document (not sent yet): its DocumentId is predictable.
	subject := "Quyết định giao chỉ tiêu kế hoạch năm 2027"
	doc, code := A.handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject,
		"signer_id": A.ids["officer"], "recipients": []map[string]string{{"org_id": B.orgID, "name": B.orgName}}}, testpdf.Make(1, subject))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	docID := doc["id"].(string)
	A.handler.act(docID, "submit", nil)
	A.officer.act(docID, "approve", nil)
	A.officer.act(docID, "sign", nil)
	issued := A.clerk.act(docID, "issue", nil)
	notation, _ := issued["notation"].(string)
	issuedAt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(issued["issued_at"]))
	if err != nil || notation == "" {
		t.Fatalf("issued document: %v %v", issued, err)
	}
	num, sym, _ := strings.Cut(notation, "/")
	aID := edxml.MakeDocumentID(A.orgID, workflow.VietnamDate(issuedAt), num, sym)

	client, cKey := peerClient(t, C)
	bAgency := B.agency(t)
	n := 100
	// document is a package from C to B with its PDF; signed, C signs it.
	document := func(docIDOverride, subject string, b edxml.Business) edxml.Document {
		n++
		return edxml.Document{From: edxml.Organization{ID: C.orgID, Name: C.orgName}, To: []edxml.Organization{{ID: B.orgID, Name: B.orgName}},
			Number: fmt.Sprint(n), Notation: "QĐ-UBND", PromulgationDate: workflow.VietnamDate(time.Now()), TypeCode: "1", TypeDetail: "QĐ", TypeName: "Quyết định",
			Subject: subject, Business: b, DocumentID: docIDOverride,
			Attachments: []edxml.Attachment{{Name: "vb.pdf", ContentType: "application/pdf", Description: "main", Data: testpdf.Make(1, subject)}}}
	}
	signed := func(t *testing.T, d edxml.Document) []byte {
		t.Helper()
		raw, err := edxml.Build(d)
		if err != nil {
			t.Fatal(err)
		}
		b, err := edxml.Sign(raw, cKey.Signer, cKey.Chain)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	forge := func(t *testing.T, docIDOverride, subject string, b edxml.Business) []byte {
		t.Helper()
		return signed(t, document(docIDOverride, subject, b))
	}
	post := func(body []byte) (*exchange.Ack, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return client.Post(ctx, bAgency, exchange.PathEdXML, body)
	}
	refused := func(t *testing.T, what string, body []byte) {
		t.Helper()
		ack, err := post(body)
		var pe *exchange.PeerError
		if !errors.As(err, &pe) || pe.Status != http.StatusForbidden {
			t.Fatalf("%s: ack %+v, err %v; want 403", what, ack, err)
		}
	}

	t.Run("C's own document is accepted", func(t *testing.T) {
		// The control: the harness makes packages B accepts.
		ack, err := post(forge(t, "", "Công văn của phường An Thới", edxml.Business{}))
		if err != nil || ack.StatusCode != "01" {
			t.Fatalf("ack %+v, err %v", ack, err)
		}
	})

	t.Run("C's document under a UUID, as the national gateway writes", func(t *testing.T) {
		// Before: 403 "names no agency", and nothing stored.
		const uuid = "9a3c1f52-0d7e-4b8e-9f21-5c6d7e8f9a0b"
		withUUID := func(t *testing.T, d edxml.Document) []byte {
			t.Helper()
			raw, err := edxml.Build(d)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(`(<edXML:DocumentId>)[^<]*(</edXML:DocumentId>)`)
			if len(re.FindAll(raw, -1)) != 1 {
				t.Fatalf("want one DocumentId in %s", raw)
			}
			b, err := edxml.Sign(re.ReplaceAll(raw, []byte("${1}"+uuid+"${2}")), cKey.Signer, cKey.Chain)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		body := withUUID(t, document("", "Công văn qua trục liên thông quốc gia", edxml.Business{}))
		for i := range 2 { // the second is a redelivery
			ack, err := post(body)
			if err != nil || ack.StatusCode != "01" || ack.DocumentID != uuid {
				t.Fatalf("delivery %d: ack %+v, err %v", i+1, ack, err)
			}
		}
		if got := B.incomingBy(t, "Công văn qua trục liên thông quốc gia"); len(got) != 1 {
			t.Fatalf("stored %d times", len(got))
		}
		ack, err := post(forge(t, "", "Thu hồi công văn", edxml.Business{Type: edxml.BusinessRevoke, DocumentID: uuid, Reason: "ban hành nhầm"}))
		if err != nil || ack.StatusCode != "13" || ack.DocumentID != uuid {
			t.Fatalf("C revokes its UUID document: ack %+v, err %v", ack, err)
		}
	})

	t.Run("a package without attachment says so", func(t *testing.T) {
		// Before: 400 with the upload API's "the document file (part
		// \"file\") is required", which means nothing to a peer.
		before := len(B.incoming(t))
		d := document("", "Công văn không kèm tệp", edxml.Business{})
		d.Attachments = nil
		ack, err := post(signed(t, d))
		var pe *exchange.PeerError
		if !errors.As(err, &pe) || pe.Status != http.StatusBadRequest || !strings.Contains(pe.Message, "no attachment") {
			t.Fatalf("ack %+v, err %v; want 400 saying the package has no attachment", ack, err)
		}
		if n := len(B.incoming(t)); n != before {
			t.Fatalf("B stored it: %d -> %d", before, n)
		}
	})

	t.Run("C takes A's DocumentId", func(t *testing.T) {
		before := len(B.incoming(t))
		refused(t, "forged DocumentId", forge(t, aID, "Văn bản giả mạo số hiệu", edxml.Business{}))
		if n := len(B.incoming(t)); n != before {
			t.Fatalf("B stored the forged package: %d -> %d", before, n)
		}
	})

	// A's real document is delivered.
	A.clerk.act(docID, "send", nil)
	var bid string
	eventually(t, "B receives A's document", 30*time.Second, func() (bool, string) {
		got := B.incomingBy(t, subject)
		if len(got) != 1 {
			return false, fmt.Sprint(len(got))
		}
		bid = got[0]["id"].(string)
		s, _ := got[0]["sender"].(map[string]any)
		return got[0]["state"] == "received" && s != nil && s["org_id"] == A.orgID, fmt.Sprint(got[0])
	})
	eventually(t, "A's delivery acknowledged", 20*time.Second, func() (bool, string) {
		d := A.deliveries(t, docID)[B.orgID]
		return d.State == "delivered" && strings.HasPrefix(codes(d), "01"), fmt.Sprintf("%+v", d)
	})

	t.Run("C revokes A's document", func(t *testing.T) {
		refused(t, "revoke", forge(t, "", "Thu hồi", edxml.Business{Type: edxml.BusinessRevoke, DocumentID: aID, Reason: "giả mạo"}))
	})
	t.Run("C updates A's document", func(t *testing.T) {
		refused(t, "update", forge(t, "", "Cập nhật", edxml.Business{Type: edxml.BusinessUpdate, DocumentID: aID}))
	})
	t.Run("C replaces A's document", func(t *testing.T) {
		refused(t, "replace", forge(t, "", "Văn bản thay thế giả", edxml.Business{Type: edxml.BusinessReplace,
			Replaces: []edxml.Replacement{{DocumentID: aID}}}))
		if got := B.incomingBy(t, "Văn bản thay thế giả"); len(got) != 0 {
			t.Fatalf("stored: %v", got)
		}
	})
	var d map[string]any
	B.clerk.call("GET", "/api/v1/documents/"+bid, nil, &d)
	if d["state"] != "received" || (d["revoke_state"] != nil && d["revoke_state"] != "") {
		t.Fatalf("A's document at B after C's attempts: state %v revoke_state %v", d["state"], d["revoke_state"])
	}
}
