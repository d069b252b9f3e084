package exchange

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestStatusEchoesTheSendersSpelling: a package whose DocumentId is spelled
// with white space is received under the identifier (a redelivery spelled
// otherwise is the same delivery), but every answer about it — the
// synchronous acknowledgement and the status messages (ResponseFor/
// DocumentId) — carries the DocumentId as its sender spelled it, which is
// what a sender matching its answers by the string it sent finds. Our own
// sender, which reads ResponseFor as an identifier, still finds its
// document. Before, the answers carried the identifier.
func TestStatusEchoesTheSendersSpelling(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testStatusSpelling(t, workflowtest.NewRepository()) })
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) { testStatusSpelling(t, gormdbtest.Open(t, backend)) })
	}
}

// spelledPackage is d signed by the peer with its DocumentId id written
// as spelled.
func (r *receiving) spelledPackage(d edxml.Document, id, spelled string) []byte {
	r.t.Helper()
	b, err := edxml.Build(d)
	if err != nil {
		r.t.Fatal(err)
	}
	var esc bytes.Buffer
	xml.EscapeText(&esc, []byte(spelled))
	b = bytes.Replace(b, []byte(">"+id+"<"), []byte(">"+esc.String()+"<"), 1)
	s, err := edxml.Sign(b, r.peer.PrivateKey.(crypto.Signer), []*x509.Certificate{r.peer.Leaf})
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// responseFor is the text of a status message's ResponseFor/DocumentId,
// as written.
func responseFor(t *testing.T, status []byte) string {
	t.Helper()
	var m struct {
		ID string `xml:"edXMLEnvelope>edXMLHeader>MessageHeader>ResponseFor>DocumentId"`
	}
	if err := xml.Unmarshal(status, &m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func testStatusSpelling(t *testing.T, repo workflow.Repository) {
	r := newReceivingOn(t, repo)
	ctx := context.Background()
	d := r.document(11, pdfAttachment("cv-11.pdf"))
	id := edxml.MakeDocumentID(peerOrg, d.PromulgationDate, "11", "UBND")
	first := strings.ReplaceAll(id, ",", ", ")                            // "OrganId, date, Số/KýHiệu"
	again := "\n  " + strings.ReplaceAll(id, ",", ",\u00a0\n    ") + "\n" // pretty-printed, no-break spaces
	for i, c := range []struct{ spelled, kept string }{
		{first, first}, // the first delivery: its spelling is kept
		{again, first}, // a redelivery spelled otherwise: the same document, its first spelling kept
		{id, first},
	} {
		st, ack, msg := r.post(r.spelledPackage(d, id, c.spelled), nil)
		if st != 200 || ack.StatusCode != "01" || ack.DocumentID != c.spelled {
			t.Fatalf("delivery %d: %d %+v %s, want 01 for %q", i, st, ack, msg, c.spelled)
		}
		if n := r.documents(); n != 1 {
			t.Fatalf("delivery %d: %d documents, want 1", i, n)
		}
		got, err := r.repo.DocumentByExternalID(ctx, peerOrg, id)
		if err != nil {
			t.Fatalf("delivery %d: not found under %s: %v", i, id, err)
		}
		if got.ExternalID != id || got.ExternalIDSpelled() != c.kept {
			t.Fatalf("delivery %d: kept as %q spelled %q, want %q spelled %q", i, got.ExternalID, got.ExternalIDSpelled(), id, c.kept)
		}
		self := Identity{Org: workflow.Org{OrgID: selfOrg, Name: "Xã"}, Key: r.peer.PrivateKey.(crypto.Signer), Chain: []*x509.Certificate{r.peer.Leaf}}
		status, err := BuildStatus(self, got, edxml.StatusArrived, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if rf := responseFor(t, status); rf != first {
			t.Errorf("delivery %d: the status message answers %q, want the sender's %q", i, rf, first)
		}
		m, err := edxml.ParseBytes(status, edxml.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Status.ResponseFor.DocumentID != id {
			t.Errorf("delivery %d: our sender reads the answer as %q, want %q", i, m.Status.ResponseFor.DocumentID, id)
		}
	}
}

// sentStore records the DocumentIds the worker remembers.
type sentStore struct {
	Store
	sent map[string]string
}

func (s *sentStore) RememberSent(_ context.Context, externalID, documentID string) error {
	s.sent[externalID] = documentID
	return nil
}

// TestSentIDAsStatusesReadIt: the DocumentId a document goes out as is
// remembered as a status message's ResponseFor is read (edxmlid.Identifier),
// so an answer that echoes it as we spelled it — a notation whose drafting
// unit holds a space beside a '.' ("UBND-P. TC") — or as the recipient
// read it finds the document. Before, it was remembered as built and
// neither answer found it.
func TestSentIDAsStatusesReadIt(t *testing.T) {
	ctx := context.Background()
	agency := cert(t, "UBND quận Bình Thủy", false, nil, x509.ExtKeyUsageAny)
	self := Identity{Org: workflow.Org{OrgID: selfOrg, Name: "UBND quận Bình Thủy"}, Place: "Cần Thơ",
		Key: agency.PrivateKey.(crypto.Signer), Chain: []*x509.Certificate{agency.Leaf}}
	blobs := workflowtest.TempBlobs(t)
	file := putPDF(t, blobs, "qd.signed.pdf")
	repo := workflowtest.NewRepository()
	issued := time.Date(2026, 12, 1, 9, 0, 0, 0, workflow.Vietnam)
	for i, notation := range []string{"05/UBND-P. TC", "06/QĐ-UBND", "07/UBND  TC"} {
		d := &workflow.Document{ID: fmt.Sprint("d", i), Direction: workflow.Outgoing, Type: "CV", Subject: "Công văn", Urgency: workflow.UrgencyNormal,
			State: workflow.Sent, Notation: notation, IssuedAt: &issued, Recipients: []workflow.Org{{OrgID: peerOrg, Name: "An Thới"}},
			Files: []workflow.File{file}, CreatedAt: issued, UpdatedAt: issued}
		if err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
			t.Fatal(err)
		}
		store := &sentStore{sent: map[string]string{}}
		w := &Worker{Repo: repo, Blobs: blobs, Self: self, Store: store}
		body, _, err := w.build(ctx, handed{dl: workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: peerOrg}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := edxml.ParseBytes(body, edxml.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, answer := range []string{m.Document.DocumentIDAsSent, m.Document.DocumentID} {
			st, err := edxml.BuildStatus(edxml.Status{From: edxml.Organization{ID: peerOrg, Name: "An Thới"},
				ResponseFor: edxml.DocRef{OrganID: selfOrg, DocumentID: answer}, Code: edxml.StatusArrived, Time: issued})
			if err != nil {
				t.Fatal(err)
			}
			got, err := edxml.ParseBytes(st, edxml.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if doc, ok := store.sent[got.Status.ResponseFor.DocumentID]; !ok || doc != d.ID {
				t.Errorf("%s: an answer for %q finds %q in %v", notation, answer, doc, store.sent)
			}
		}
	}
}

// putPDF stores a one-page PDF in blobs as a signed file named name.
func putPDF(t *testing.T, blobs workflow.Blobs, name string) workflow.File {
	t.Helper()
	pdf := testpdf.Make(1, name)
	sum := sha256.Sum256(pdf)
	hexsum := hex.EncodeToString(sum[:])
	if _, err := blobs.Put(context.Background(), workflow.BlobKey(hexsum), bytes.NewReader(pdf), int64(len(pdf)), hexsum, workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return workflow.File{SHA256: hexsum, Name: name, Size: int64(len(pdf)), Kind: workflow.FileSigned}
}
