package exchange

import (
	"context"
	"crypto"
	"crypto/x509"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// claimingTx is a Tx that can queue claimed (ClaimingQueue), answering
// claim, and keeps AfterCommit functions for the test to run.
type claimingTx struct {
	hookTx
	claim    bool
	enqueued []workflow.Delivery
	claimed  []workflow.Delivery
}

func (c *claimingTx) EnqueueClaimed(ctx context.Context, d *workflow.Delivery, lease time.Duration) (bool, error) {
	if d.ID == "" {
		d.ID = workflow.NewID(time.Now())
	}
	if err := c.EnqueueDelivery(ctx, d); err != nil {
		return false, err
	}
	if !c.claim {
		c.enqueued = append(c.enqueued, *d)
		return false, nil
	}
	d.Attempts, d.NextAttempt = 1, time.Now().Add(lease)
	c.claimed = append(c.claimed, *d)
	return true, nil
}

// TestOutboxHandsToARunningWorker: with a running worker and a
// transaction that can queue claimed, a message is queued claimed and
// handed to the worker once the transaction commits, and the worker is
// not woken (no claim needed); not claimed (an earlier message waits),
// or with the worker not running, it is queued due and the worker woken.
func TestOutboxHandsToARunningWorker(t *testing.T) {
	reg := agencies{"000.00.31.H13": {OrgID: "000.00.31.H13", Name: "Long Hòa"}}
	send, _ := workflow.Next(workflow.Outgoing, workflow.Issued, workflow.Send)
	doc := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}}
	for _, tc := range []struct {
		name          string
		running       bool
		claim         bool
		handed, woken int
	}{
		{"running, claimed", true, true, 1, 0},
		{"running, an earlier message waits", true, false, 0, 1},
		{"not running", false, true, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &Worker{}
			w.init()
			w.running.Store(tc.running)
			woken := 0
			o := &Outbox{Agencies: reg, Wake: func() { woken++ }, Worker: w}
			repo := workflowtest.NewRepository()
			var c *claimingTx
			err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
				c = &claimingTx{hookTx: hookTx{Tx: tx}, claim: tc.claim}
				return o.Transitioned(ctx, c, doc, send, &workflow.Event{})
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(repo.Deliveries) != 1 {
				t.Fatalf("%d deliveries queued, want 1", len(repo.Deliveries))
			}
			if len(w.handC) != 0 || woken != 0 {
				t.Fatalf("before the commit: %d handed, woken %d times", len(w.handC), woken)
			}
			for _, f := range c.after {
				f()
			}
			if len(w.handC) != tc.handed || woken != tc.woken {
				t.Fatalf("after the commit: %d handed, woken %d times; want %d and %d", len(w.handC), woken, tc.handed, tc.woken)
			}
			if tc.handed == 1 {
				h := <-w.handC
				d := h.dl
				if d.ID == "" || d.ID != c.claimed[0].ID || d.Attempts != 1 || d.DocumentID != "d1" || d.Kind != workflow.DeliverDocument {
					t.Fatalf("handed %+v, want the claimed delivery %+v", d, c.claimed[0])
				}
				// The document goes with it as committed, a copy of its
				// own: the worker builds the package without reading it.
				if h.doc == nil || h.doc == doc || h.doc.ID != "d1" || h.doc.Direction != doc.Direction {
					t.Fatalf("handed document %+v, want a copy of %+v", h.doc, doc)
				}
			}
		})
	}
}

// handStore is the part of Store a worker's delivery uses: no agency is
// registered, so every delivery fails for good (MarkFailed, recorded);
// claims find nothing; MarkRetry is recorded.
type handStore struct {
	Store
	mu      sync.Mutex
	claims  int
	failed  []string
	retried []string
	changed chan struct{}
}

func (h *handStore) Agency(context.Context, string) (*Agency, error) {
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no agency")
}

func (h *handStore) ClaimDeliveries(context.Context, time.Time, time.Duration, int) ([]workflow.Delivery, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.claims++
	return nil, nil
}

func (h *handStore) MarkFailed(_ context.Context, id string, _ time.Time, _ string) error {
	h.mu.Lock()
	h.failed = append(h.failed, id)
	h.mu.Unlock()
	h.changed <- struct{}{}
	return nil
}

func (h *handStore) MarkRetry(_ context.Context, id string, _ time.Time, _ string) error {
	h.mu.Lock()
	h.retried = append(h.retried, id)
	h.mu.Unlock()
	h.changed <- struct{}{}
	return nil
}

// TestWorkerSendsWhatIsHanded: a running worker sends a handed delivery
// itself — here it reaches the agency look-up and fails for good, the
// claims finding nothing — except one whose lease is more than half
// gone, left to the claim that takes it when the lease ends.
func TestWorkerSendsWhatIsHanded(t *testing.T) {
	st := &handStore{changed: make(chan struct{}, 10)}
	w := &Worker{Store: st, Concurrency: 1, Lease: time.Minute, Poll: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	now := time.Now()
	w.Hand(workflow.Delivery{ID: "stale", OrgID: "x", Attempts: 1, NextAttempt: now.Add(20 * time.Second)})
	w.Hand(workflow.Delivery{ID: "fresh", OrgID: "x", Attempts: 1, NextAttempt: now.Add(time.Minute)})
	receive(t, st.changed, "the handed delivery was not sent")
	st.mu.Lock()
	defer st.mu.Unlock()
	// One sender: "stale" was taken (and left) before "fresh" was sent.
	if len(st.failed) != 1 || st.failed[0] != "fresh" {
		t.Fatalf("sent %v, want only fresh", st.failed)
	}
}

// TestHandWhenFull: with handQueue deliveries waiting (no sender runs),
// one more handed delivery is made due at once (MarkRetry) and the
// worker woken, for a claim to take it; Hand does not block.
func TestHandWhenFull(t *testing.T) {
	st := &handStore{changed: make(chan struct{}, 1)}
	w := &Worker{Store: st}
	for i := range handQueue {
		w.Hand(workflow.Delivery{ID: "queued", Attempts: 1, NextAttempt: time.Now().Add(time.Minute), Description: string(rune(i))})
	}
	w.Hand(workflow.Delivery{ID: "overflow", Attempts: 1, NextAttempt: time.Now().Add(time.Minute)})
	receive(t, st.changed, "the delivery past the queue was not made due")
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.retried) != 1 || st.retried[0] != "overflow" {
		t.Fatalf("made due %v, want overflow", st.retried)
	}
	receive(t, w.wakeC, "the worker was not woken")
}

// receive waits for a value on ch, failing with what after 10 s.
func receive(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal(what + " within 10 s")
	}
}

// handedDocument is an issued document sent to peerOrg, its signed PDF in
// blobs, and the identity of the agency sending it.
func handedDocument(t *testing.T, notation string) (Identity, workflow.Blobs, *workflow.Document) {
	t.Helper()
	agency := cert(t, "UBND quận Bình Thủy", false, nil, x509.ExtKeyUsageAny)
	self := Identity{Org: workflow.Org{OrgID: selfOrg, Name: "UBND quận Bình Thủy"}, Place: "Cần Thơ",
		Key: agency.PrivateKey.(crypto.Signer), Chain: []*x509.Certificate{agency.Leaf}}
	blobs := workflowtest.TempBlobs(t)
	issued := time.Date(2026, 12, 1, 9, 0, 0, 0, workflow.Vietnam)
	d := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Type: "CV", Subject: "Công văn", Urgency: workflow.UrgencyNormal,
		State: workflow.Sent, Notation: notation, IssuedAt: &issued, Recipients: []workflow.Org{{OrgID: peerOrg, Name: "An Thới"}},
		Files: []workflow.File{putPDF(t, blobs, "qd.signed.pdf")}, CreatedAt: issued, UpdatedAt: issued}
	return self, blobs, d
}

// TestBuildFromHandedDocument: a delivery handed with its document is
// built from that document, without reading it (the repository here does
// not hold it); without one, or with another document, it is read.
func TestBuildFromHandedDocument(t *testing.T) {
	ctx := context.Background()
	self, blobs, d := handedDocument(t, "05/UBND-VP")
	w := &Worker{Repo: workflowtest.NewRepository(), Blobs: blobs, Self: self, Store: &sentStore{sent: map[string]string{}}}
	dl := workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: peerOrg}
	if _, _, err := w.build(ctx, handed{dl: dl, doc: d}); err != nil {
		t.Fatalf("built from the handed document: %v", err)
	}
	for _, doc := range []*workflow.Document{nil, {ID: "other"}} {
		if _, _, err := w.build(ctx, handed{dl: dl, doc: doc}); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("handed %v: err %v, want the read's ENOTFOUND", doc, err)
		}
	}
}

// rememberingTx is a claimingTx that records the DocumentIds remembered
// in it (SentRememberer).
type rememberingTx struct {
	*claimingTx
	sent map[string]string
}

func (r *rememberingTx) RememberSent(_ context.Context, externalID, documentID string) error {
	r.sent[externalID] = documentID
	return nil
}

// TestHandedDeliveryRemembersSentInItsTransaction: a document delivery
// handed to the worker has its DocumentId recorded in the send's
// transaction, and the worker, building that same id, does not record it
// again (one write transaction less per delivery); a delivery handed
// without it (or claimed) is recorded by the worker as before.
func TestHandedDeliveryRemembersSentInItsTransaction(t *testing.T) {
	ctx := context.Background()
	self, blobs, doc := handedDocument(t, "05/UBND-P. TC")
	store := &sentStore{sent: map[string]string{}}
	w := &Worker{Repo: workflowtest.NewRepository(), Blobs: blobs, Self: self, Store: store}
	w.init()
	w.running.Store(true)
	o := &Outbox{Agencies: agencies{peerOrg: {OrgID: peerOrg, Name: "An Thới"}}, Worker: w}
	send, _ := workflow.Next(workflow.Outgoing, workflow.Issued, workflow.Send)
	var tx *rememberingTx
	err := workflowtest.NewRepository().Atomic(ctx, func(ctx context.Context, wtx workflow.Tx) error {
		tx = &rememberingTx{claimingTx: &claimingTx{hookTx: hookTx{Tx: wtx}, claim: true}, sent: map[string]string{}}
		return o.Transitioned(ctx, tx, doc, send, &workflow.Event{})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tx.after {
		f()
	}
	h := <-w.handC
	if len(tx.sent) != 1 || tx.sent[h.sentID] != "d1" {
		t.Fatalf("remembered in the transaction %v, handed with %q", tx.sent, h.sentID)
	}
	if _, _, err := w.build(ctx, h); err != nil {
		t.Fatal(err)
	}
	if len(store.sent) != 0 {
		t.Fatalf("the worker remembered %v again", store.sent)
	}
	h.sentID = ""
	if _, _, err := w.build(ctx, h); err != nil {
		t.Fatal(err)
	}
	if len(store.sent) != 1 || !maps.Equal(store.sent, tx.sent) {
		t.Fatalf("without it the worker remembered %v, want %v", store.sent, tx.sent)
	}
}
