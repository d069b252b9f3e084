package exchange

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestAmendmentUnderTheOriginalsDocumentId: an update (BussinessDocType 2)
// or replacement (3) sent under the DocumentId of a document already
// received from its sender — as the national platform's SDK sends its
// sample update, a copy of its "new" one — is received as a document of
// its own, linked to the document it names or, when that is none we
// hold, to the one under its DocumentId; sent again (rebuilt with a new
// trace time and signature) it is the same delivery: the first answer,
// nothing stored. A "new" package with other content under the used
// DocumentId is still 409, and leaves no row, event or file. In memory,
// on SQLite and on PostgreSQL. Before, every one of them was 409.
func TestAmendmentUnderTheOriginalsDocumentId(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testAmendments(t, workflowtest.NewRepository()) })
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) { testAmendments(t, gormdbtest.Open(t, backend)) })
	}
}

func testAmendments(t *testing.T, repo workflow.Repository) {
	r := newReceivingOn(t, repo)
	ctx := context.Background()
	first := r.document(7, pdfAttachment("cv-7.pdf"))
	id := edxml.MakeDocumentID(peerOrg, first.PromulgationDate, "7", "UBND")
	orig := r.postNew(t, first, 1)
	unknown := peerOrg + ",2014/02/30,7806/UBND" // as the SDK's sample names it: a document never sent
	amend := func(typ edxml.BusinessType, target, file string) edxml.Document {
		d := r.document(7, pdfAttachment(file))
		d.DocumentID = id
		d.Business = edxml.Business{Type: typ, Reason: "Cập nhật văn bản", DocumentID: target}
		if typ == edxml.BusinessReplace {
			d.Business = edxml.Business{Type: typ, Reason: "Văn bản thay thế", Replaces: []edxml.Replacement{{DocumentID: target, OrganIDs: []string{selfOrg}}}}
		}
		return d
	}
	cases := []struct {
		name   string
		doc    edxml.Document
		linkTo string // the document it should update or replace
	}{
		{"update naming the original", amend(edxml.BusinessUpdate, id, "cv-7-sua.pdf"), orig.ID},
		{"replacement naming the original", amend(edxml.BusinessReplace, id, "cv-7-thay.pdf"), orig.ID},
		{"update naming a document never sent", amend(edxml.BusinessUpdate, unknown, "cv-7-sua-2.pdf"), orig.ID},
		{"update with the files, another subject", func() edxml.Document {
			d := amend(edxml.BusinessUpdate, id, "cv-7.pdf")
			d.Attachments = first.Attachments
			d.Subject = "Công văn số 7 (đính chính trích yếu)"
			return d
		}(), orig.ID},
	}
	for _, c := range cases {
		n := r.documents()
		d := r.postNew(t, c.doc, n+1)
		got, err := r.repo.Document(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		link := got.Updates
		if c.doc.Business.Type == edxml.BusinessReplace {
			link = got.Replaces
		}
		if link != c.linkTo || got.ExternalID != id || got.DeliveryKey == "" {
			t.Errorf("%s: updates %q replaces %q (want %s), external id %q key %q", c.name, got.Updates, got.Replaces, c.linkTo, got.ExternalID, got.DeliveryKey)
		}
		// Sent again, rebuilt: a new trace time and signature.
		again := c.doc
		again.Trace = []edxml.Hop{{OrganID: peerOrg, Time: time.Now().Add(time.Hour)}}
		if st, ack, msg := r.post(r.signed(again), nil); st != 200 || ack.StatusCode != "01" || ack.DocumentID != id {
			t.Errorf("%s sent again: %d %+v %s", c.name, st, ack, msg)
		}
		if m := r.documents(); m != n+1 {
			t.Errorf("%s sent again: %d documents, want %d", c.name, m, n+1)
		}
	}
	r.respelledIsTheSameDelivery(t, cases[0].doc, id)
	// Copies of one more update posted at once: one document.
	racing := r.signed(amend(edxml.BusinessUpdate, id, "cv-7-sua-3.pdf"))
	n := r.documents()
	var wg sync.WaitGroup
	answers := make([]string, 4)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, ack, msg := r.post(racing, nil)
			answers[i] = fmt.Sprintf("%d %s %s", st, ack.StatusCode, msg)
		}()
	}
	wg.Wait()
	for _, a := range answers {
		if a != "200 01 " {
			t.Errorf("an update posted at once answered %q", a)
		}
	}
	if m := r.documents(); m != n+1 {
		t.Errorf("an update posted 4 times at once: %d documents, want %d", m, n+1)
	}
	r.differentUpdatesAtOnce(t, orig.ID, amend(edxml.BusinessUpdate, id, "cv-7-sua-4.pdf"), amend(edxml.BusinessUpdate, id, "cv-7-sua-5.pdf"))
	// The document first received under the DocumentId is still the one
	// it names (revocations, statuses), and says it was updated.
	if got, err := r.repo.DocumentByExternalID(ctx, peerOrg, id); err != nil || got.ID != orig.ID || got.UpdatedBy == "" || got.ReplacedBy == "" {
		t.Errorf("the original: %+v, %v", got, err)
	}
	r.refusedLeavesNothing(t, id)
}

// differentUpdatesAtOnce posts two different updates of one original at
// the same moment, each twice: two documents, each once, each linked to
// the original.
func (r *receiving) differentUpdatesAtOnce(t *testing.T, origID string, a, b edxml.Document) {
	t.Helper()
	ctx := context.Background()
	n := r.documents()
	pkgs := [][]byte{r.signed(a), r.signed(b), r.signed(a), r.signed(b)}
	answers := make([]string, len(pkgs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range pkgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, ack, msg := r.post(p, nil)
			answers[i] = fmt.Sprintf("%d %s %s", st, ack.StatusCode, msg)
		}()
	}
	close(start)
	wg.Wait()
	for _, a := range answers {
		if a != "200 01 " {
			t.Errorf("two different updates at once: one answered %q", a)
		}
	}
	if m := r.documents(); m != n+2 {
		t.Fatalf("two different updates posted twice each at once: %d documents, want %d", m, n+2)
	}
	docs, _, err := r.repo.Documents(ctx, workflow.DocumentFilter{Direction: workflow.Incoming, Limit: 1000, SeeAll: true})
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]int{}
	for _, d := range docs {
		if d.Updates == origID && (d.Files[0].Name == "cv-7-sua-4.pdf" || d.Files[0].Name == "cv-7-sua-5.pdf") {
			subjects[d.Files[0].Name]++
		}
	}
	if subjects["cv-7-sua-4.pdf"] != 1 || subjects["cv-7-sua-5.pdf"] != 1 {
		t.Errorf("two different updates at once: documents updating the original by file %v, want each once", subjects)
	}
}

// respelledIsTheSameDelivery: an update received before, sent again as
// other vendors' systems spell it — CRLF, on one line, in NFD, its
// identifiers broken after their commas or in no-break spaces — and
// signed anew, is the same delivery: the first answer, nothing stored.
func (r *receiving) respelledIsTheSameDelivery(t *testing.T, d edxml.Document, id string) {
	t.Helper()
	b, err := edxml.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	ids := regexp.MustCompile(`(<edXML:(?:DocumentId|OrganId)>)([^<]*)(<)`)
	n := r.documents()
	for name, respell := range map[string]func(string) string{
		"CRLF":     func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
		"one line": func(s string) string { return regexp.MustCompile(`>\s+<`).ReplaceAllString(s, "><") },
		"NFD":      norm.NFD.String,
		"identifiers broken after their commas": func(s string) string {
			return ids.ReplaceAllStringFunc(s, func(m string) string { return strings.ReplaceAll(m, ",", ",\n      ") })
		},
		"identifiers in no-break spaces": func(s string) string { return ids.ReplaceAllString(s, "${1}\u00a0${2}\u00a0${3}") },
	} {
		signed, err := edxml.Sign([]byte(respell(string(b))), r.peer.PrivateKey.(crypto.Signer), []*x509.Certificate{r.peer.Leaf})
		if err != nil {
			t.Fatal(err)
		}
		// The acknowledgement echoes the DocumentId as this request spelled it.
		if st, ack, msg := r.post(signed, nil); st != 200 || ack.StatusCode != "01" || edxmlid.Identifier(ack.DocumentID) != id {
			t.Errorf("the update %s: %d %+v %s", name, st, ack, msg)
		}
		if m := r.documents(); m != n {
			t.Errorf("the update %s: %d documents, want %d", name, m, n)
		}
	}
	if m := r.documents(); m != n {
		t.Errorf("the update respelled: %d documents, want %d", m, n)
	}
}

// refusedLeavesNothing: a "new" package with other files under a used
// DocumentId is 409 naming it, and stores no document, event or file.
func (r *receiving) refusedLeavesNothing(t *testing.T, id string) {
	t.Helper()
	n, files, events := r.documents(), r.storedFiles(), r.events()
	other := r.document(7, pdfAttachment("cv-7-khac.pdf"))
	other.DocumentID = id
	st, ack, msg := r.post(r.signed(other), nil)
	if st != http.StatusConflict || !strings.Contains(msg, id) {
		t.Errorf("a new document under a used DocumentId: %d %+v %q, want 409 naming it", st, ack, msg)
	}
	if r.documents() != n || r.storedFiles() != files || r.events() != events {
		t.Errorf("the refusal left something: documents %d→%d, files %d→%d, events %d→%d", n, r.documents(), files, r.storedFiles(), events, r.events())
	}
}

// postNew posts d, which must be answered 01 and make the documents
// number want, and returns the document it made.
func (r *receiving) postNew(t *testing.T, d edxml.Document, want int) *workflow.Document {
	t.Helper()
	before := map[string]bool{}
	for _, x := range r.incoming() {
		before[x.ID] = true
	}
	st, ack, msg := r.post(r.signed(d), nil)
	if st != 200 || ack.StatusCode != "01" {
		t.Fatalf("%s: %d %+v %s", d.Subject, st, ack, msg)
	}
	var made []*workflow.Document
	for _, x := range r.incoming() {
		if !before[x.ID] {
			made = append(made, x)
		}
	}
	if len(made) != 1 || len(before)+1 != want {
		t.Fatalf("%s: %d documents made, %d before, want %d in all", d.Subject, len(made), len(before), want)
	}
	return made[0]
}

func (r *receiving) incoming() []*workflow.Document {
	ds, _, err := r.repo.Documents(context.Background(), workflow.DocumentFilter{Direction: workflow.Incoming, Limit: 1000, SeeAll: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return ds
}

// storedFiles counts the files of the object store.
func (r *receiving) storedFiles() int {
	n := 0
	filepath.WalkDir(r.blobs, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// events counts the audit events of every received document.
func (r *receiving) events() int {
	n := 0
	for _, d := range r.incoming() {
		evs, err := r.repo.Events(context.Background(), d.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		n += len(evs)
	}
	return n
}
