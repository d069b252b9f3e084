package exchange

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// receiving is a Receiver over an in-memory repository, served over TLS,
// and a registered peer that posts to it.
type receiving struct {
	t     *testing.T
	repo  workflow.Repository
	blobs string          // the folder of its object store
	peer  tls.Certificate // TLS and signing certificate of the peer
	url   string
	n     int
}

const (
	peerOrg = "000.00.32.H13"
	selfOrg = "000.00.12.H13"
)

func newReceiving(t *testing.T) *receiving {
	t.Helper()
	return newReceivingOn(t, workflowtest.NewRepository())
}

// newReceivingOn is a Receiver over repo (the in-memory one, or a
// database's) and an object store in a folder of its own.
func newReceivingOn(t *testing.T, repo workflow.Repository) *receiving {
	t.Helper()
	ca := cert(t, "Exchange CA", true, nil, 0)
	peer := cert(t, "peer", false, &ca, x509.ExtKeyUsageClientAuth)
	serverCert := cert(t, "server", false, &ca, x509.ExtKeyUsageServerAuth, "localhost")
	dir := t.TempDir()
	blobs, err := localfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc := &workflow.Service{Repo: repo, Blobs: blobs}
	store := &memStore{list: []*Agency{{OrgID: peerOrg, Name: "An Thới", TLSCertPEM: certPEM(peer), SigningCertPEM: certPEM(peer)}}}
	recv := &Receiver{Docs: svc, Repo: repo, Store: store, Self: workflow.Org{OrgID: selfOrg}}
	srv := httptest.NewUnstartedServer(recv.Handler())
	srv.TLS = ServerTLSConfig(serverCert)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &receiving{t: t, repo: repo, blobs: dir, peer: peer, url: srv.URL, n: 100}
}

// document is a document from the peer with number n and its attachments.
func (r *receiving) document(n int, atts ...edxml.Attachment) edxml.Document {
	return edxml.Document{From: edxml.Organization{ID: peerOrg, Name: "An Thới"}, To: []edxml.Organization{{ID: selfOrg}},
		Number: fmt.Sprint(n), Notation: "UBND", PromulgationDate: workflow.NewDate(2026, 12, 1), TypeCode: "1", TypeName: "Công văn",
		Subject: fmt.Sprintf("Công văn số %d", n), Attachments: atts}
}

func (r *receiving) signed(d edxml.Document) []byte {
	r.t.Helper()
	b, err := edxml.BuildSigned(d, r.peer.PrivateKey.(crypto.Signer), []*x509.Certificate{r.peer.Leaf})
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// post posts body with header and returns the status and the ack or the
// error message.
func (r *receiving) post(body []byte, header map[string]string) (int, Ack, string) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.url+PathEdXML, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/xml")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true,
		Certificates: []tls.Certificate{r.peer}}}}
	resp, err := hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var ack Ack
	var e struct {
		Error struct{ Code, Message string }
	}
	if resp.StatusCode == 200 {
		json.Unmarshal(b, &ack)
	} else if err := json.Unmarshal(b, &e); err != nil || e.Error.Message == "" {
		r.t.Fatalf("%d without a JSON error: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, ack, e.Error.Message
}

func (r *receiving) documents() int {
	r.t.Helper()
	ds, _, err := r.repo.Documents(context.Background(), workflow.DocumentFilter{Direction: workflow.Incoming, Limit: 1000, SeeAll: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return len(ds)
}

func pdfAttachment(name string) edxml.Attachment {
	return edxml.Attachment{Name: name, ContentType: "application/pdf", Data: testpdf.Make(1, name)}
}

// TestRedeliveryWithOtherFiles: a package under a DocumentId already
// received from the same sender is a redelivery only when it carries the
// same files: the same package again gets the first answer and stores
// nothing; a new document (BussinessDocType 0) with other files under a
// DocumentId already used is refused with 409 naming the DocumentId, not
// dropped while answered as the first (which left the sender believing it
// delivered). An update or replacement under it is received
// (TestAmendmentUnderTheOriginalsDocumentId).
func TestRedeliveryWithOtherFiles(t *testing.T) {
	r := newReceiving(t)
	file := pdfAttachment("cv-7.pdf") // made once: a PDF made a second later has other bytes (its creation date)
	first := r.signed(r.document(7, file))
	if st, ack, msg := r.post(first, nil); st != 200 || ack.StatusCode != "01" {
		t.Fatalf("first: %d %+v %s", st, ack, msg)
	}
	if st, ack, msg := r.post(first, nil); st != 200 || ack.StatusCode != "01" {
		t.Fatalf("redelivery: %d %+v %s", st, ack, msg)
	}
	// Our own sender builds each attempt again: a new trace time, the same files.
	again := r.document(7, file)
	again.Trace = []edxml.Hop{{OrganID: peerOrg, Time: time.Now().Add(time.Minute)}}
	if st, ack, msg := r.post(r.signed(again), nil); st != 200 || ack.StatusCode != "01" {
		t.Fatalf("rebuilt redelivery: %d %+v %s", st, ack, msg)
	}
	for name, d := range map[string]edxml.Document{
		"other file":    r.document(7, pdfAttachment("cv-7-khac.pdf")),
		"one file more": r.document(7, file, pdfAttachment("phu-luc.pdf")),
	} {
		st, ack, msg := r.post(r.signed(d), nil)
		if st != http.StatusConflict || !bytes.Contains([]byte(msg), []byte(d.From.ID+",2026/12/01,7/UBND")) {
			t.Errorf("%s: %d %+v %q, want 409 naming the DocumentId", name, st, ack, msg)
		}
	}
	if n := r.documents(); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
}

// TestRequestEncodingRefused: a package posted as a form or compressed is
// refused with 415 saying how to post it, not read as malformed XML.
func TestRequestEncodingRefused(t *testing.T) {
	r := newReceiving(t)
	body := r.signed(r.document(8, pdfAttachment("cv-8.pdf")))
	var gz bytes.Buffer
	z := gzip.NewWriter(&gz)
	z.Write(body)
	z.Close()
	for _, tc := range []struct {
		name   string
		body   []byte
		header map[string]string
		want   string
	}{
		{"multipart", append([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"), body...),
			map[string]string{"Content-Type": "multipart/form-data; boundary=b"}, "multipart/form-data"},
		{"form", []byte("edxml=%3CedXML"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "application/x-www-form-urlencoded"},
		{"gzip", gz.Bytes(), map[string]string{"Content-Encoding": "gzip"}, "gzip"},
	} {
		st, _, msg := r.post(tc.body, tc.header)
		if st != http.StatusUnsupportedMediaType || !bytes.Contains([]byte(msg), []byte(tc.want)) {
			t.Errorf("%s: %d %q, want 415 naming %q", tc.name, st, msg, tc.want)
		}
	}
	for _, ct := range []string{"application/xml", "text/xml; charset=utf-8", "application/octet-stream", ""} {
		st, ack, msg := r.post(body, map[string]string{"Content-Type": ct})
		if st != 200 || ack.StatusCode != "01" {
			t.Errorf("Content-Type %q: %d %s", ct, st, msg)
		}
	}
}

// TestRedeliveryOfAnotherDocument: a package under a DocumentId already
// received from the same sender, with the same files, is a redelivery
// only when it is the same document: another subject, date or number is
// refused with 409 naming what differs (before, answered 01 and dropped,
// merged into the first); the same subject spelled with other white
// space, or in NFD, is the same delivery.
func TestRedeliveryOfAnotherDocument(t *testing.T) {
	r := newReceiving(t)
	file := pdfAttachment("cv-8.pdf")
	first := r.document(8, file)
	if st, ack, msg := r.post(r.signed(first), nil); st != 200 || ack.StatusCode != "01" {
		t.Fatalf("first: %d %+v %s", st, ack, msg)
	}
	id := edxml.MakeDocumentID(peerOrg, first.PromulgationDate, "8", "UBND")
	for _, tc := range []struct {
		name, want string // want "" = the same delivery
		edit       func(*edxml.Document)
	}{
		{"white space in the subject", "", func(d *edxml.Document) { d.Subject = "Công văn   số\n 8" }},
		{"NFD subject", "", func(d *edxml.Document) { d.Subject = norm.NFD.String("Công văn số 8") }},
		{"another subject", "another subject", func(d *edxml.Document) { d.Subject = "Công văn số 8 (sửa)" }},
		{"another date", "another date", func(d *edxml.Document) { d.PromulgationDate = workflow.NewDate(2026, 12, 2) }},
		{"another number", "another number", func(d *edxml.Document) { d.Number = "80" }},
	} {
		d := r.document(8, file)
		tc.edit(&d)
		d.DocumentID = id
		st, ack, msg := r.post(r.signed(d), nil)
		switch {
		case tc.want == "" && (st != 200 || ack.StatusCode != "01"):
			t.Errorf("%s: %d %+v %q, want the first answer", tc.name, st, ack, msg)
		case tc.want != "" && (st != http.StatusConflict || !strings.Contains(msg, tc.want) || !strings.Contains(msg, id)):
			t.Errorf("%s: %d %+v %q, want 409 naming the DocumentId and %q", tc.name, st, ack, msg, tc.want)
		}
	}
	if n := r.documents(); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
}

// TestRedeliveryWithIdentifiersSpacedOtherwise: a package whose
// DocumentId and OrganIds carry white space (a pretty-printer's line
// breaks after the commas, no-break spaces, spaces around the
// separators) is accepted (before, 400 for the DocumentId's date), under
// the identifier written without, and a redelivery spelled otherwise is
// the same delivery: the first answer, nothing stored; a DocumentId that
// differs in a part stays another document.
func TestRedeliveryWithIdentifiersSpacedOtherwise(t *testing.T) {
	r := newReceiving(t)
	d := r.document(9, pdfAttachment("cv-9.pdf"))
	id := edxml.MakeDocumentID(peerOrg, d.PromulgationDate, "9", "UBND")
	spaced := func(docID, org string) []byte {
		b, err := edxml.Build(d)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte(">"+id+"<"), []byte(">"+docID+"<"), 1)
		b = bytes.ReplaceAll(b, []byte(">"+peerOrg+"<"), []byte(">"+org+"<"))
		s, err := edxml.Sign(b, r.peer.PrivateKey.(crypto.Signer), []*x509.Certificate{r.peer.Leaf})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The acknowledgement echoes each request's DocumentId as spelled
	// (TestStatusEchoesTheSendersSpelling); the count shows it is one document.
	for i, c := range []struct{ docID, org string }{
		{strings.ReplaceAll(id, ",", ",\n            "), "\n  " + peerOrg + "\n"},
		{"\u00a0" + strings.ReplaceAll(id, ",", ", ") + "\u00a0", strings.Replace(peerOrg, ".", ". ", 1)},
		{strings.Replace(id, "/", " / ", 1), peerOrg},
		{id, peerOrg},
	} {
		st, ack, msg := r.post(spaced(c.docID, c.org), nil)
		if st != 200 || ack.StatusCode != "01" || ack.DocumentID != c.docID || edxmlid.Identifier(ack.DocumentID) != id {
			t.Fatalf("spelling %d: %d %+v %s, want 01 for %q", i, st, ack, msg, c.docID)
		}
	}
	if n := r.documents(); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
	got, err := r.repo.DocumentByExternalID(context.Background(), peerOrg, id)
	if err != nil {
		t.Fatalf("the document is not found under %s: %v", id, err)
	}
	if got.Sender.OrgID != peerOrg {
		t.Errorf("sender %q", got.Sender.OrgID)
	}
	// A space inside the notation is a part of it: another identifier.
	other := spaced(strings.Replace(id, "9/UBND", "9/UB ND", 1), peerOrg)
	if st, ack, msg := r.post(other, nil); st != 200 || ack.StatusCode != "01" || edxmlid.Identifier(ack.DocumentID) == id {
		t.Fatalf("another notation: %d %+v %s", st, ack, msg)
	}
	if n := r.documents(); n != 2 {
		t.Fatalf("%d documents, want 2", n)
	}
}
