package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/workflow"
)

// Worker delivers queued messages: it claims due deliveries, builds and
// signs each package at send time from the document as stored, POSTs it
// to the agency and records the outcome — delivered on 2xx, another
// attempt after an exponential backoff with jitter on a network error or
// 5xx, failed with the reason on a 4xx refusal.
type Worker struct {
	Store  Store
	Repo   workflow.Reader
	Blobs  workflow.Blobs
	Client *Client
	Self   Identity

	Poll        time.Duration // how often to look for due deliveries; default 2 s
	Backoff     time.Duration // first retry delay; default 30 s
	MaxBackoff  time.Duration // cap of the delay; default 30 min
	Lease       time.Duration // how long a claim keeps others off; default 5 min
	Batch       int           // deliveries claimed at once; default 16
	Concurrency int           // deliveries sent at once; default 4
	Logger      *slog.Logger
	Now         func() time.Time
	// Trail, when set, is the repository that records a delivery failed
	// for good in the audit trail (workflow.EventDeliveryRefused) in the
	// transaction that marks it failed: it must be Store's database (the
	// mark joins the transaction through its context, as gormdb's do).
	Trail workflow.Repository

	wakeOnce sync.Once
	wakeC    chan struct{}
	// handC holds the deliveries handed to the worker (Hand); running
	// says Run runs (an Outbox hands deliveries only then).
	handC   chan handed
	running atomic.Bool
}

// handed is a delivery handed to the worker, with the document as the
// transaction that queued it committed it (nil: read it at delivery) and
// the DocumentId that transaction recorded for it ("": none).
type handed struct {
	dl     workflow.Delivery
	doc    *workflow.Document
	sentID string
}

// handQueue is how many handed deliveries wait for a sender at most.
const handQueue = 256

func (w *Worker) init() {
	w.wakeOnce.Do(func() {
		w.wakeC = make(chan struct{}, 1)
		w.handC = make(chan handed, handQueue)
	})
}

// lease is how long a claim keeps other workers off.
func (w *Worker) lease() time.Duration { return orDefault(w.Lease, 5*time.Minute) }

// Hand gives the worker d, queued claimed for it (ClaimingQueue), once
// the transaction that queued it has committed: it is sent as soon as
// one of Concurrency senders is free, without a claim. With handQueue
// deliveries already waiting, d is made due instead (next attempt now)
// and the worker woken: a claim takes it. It never blocks.
func (w *Worker) Hand(d workflow.Delivery) { w.handWith(d, nil, "") }

// handWith is Hand with doc, the document d is about as the transaction
// that queued d committed it: the package is built from it, not from a
// read of it (a copy of its own, nothing else changes it), and sentID,
// the DocumentId the transaction recorded (exchange_sent), is not
// recorded again. A retry, or a claim, reads the document again.
func (w *Worker) handWith(d workflow.Delivery, doc *workflow.Document, sentID string) {
	w.init()
	select {
	case w.handC <- handed{d, doc, sentID}:
		return
	default:
	}
	go func() {
		if err := w.Store.MarkRetry(context.Background(), d.ID, w.now(), ""); err != nil {
			w.log().Warn("exchange worker: make a handed delivery due", "delivery", d.ID, "err", err)
		}
		w.Wake()
	}()
}

// sendHanded sends the deliveries handed to the worker until ctx ends.
// One whose lease is more than half gone (it waited that long) is left
// to the claim that takes it once the lease ends: sent now, it could
// still be on its way then.
func (w *Worker) sendHanded(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case h := <-w.handC:
			if w.now().Add(w.lease() / 2).After(h.dl.NextAttempt) {
				w.log().InfoContext(ctx, "handed delivery left to a claim: its lease is half gone", "delivery", h.dl.ID)
				continue
			}
			w.deliver(ctx, h)
		}
	}
}

// Wake asks the worker to look for due deliveries now. It never blocks.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wakeC <- struct{}{}:
	default:
	}
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Run delivers until ctx ends: what it claims, and what is handed to it
// (Hand) by Concurrency senders of their own.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	var senders sync.WaitGroup
	defer senders.Wait()
	for range orDefault(w.Concurrency, 4) {
		senders.Go(func() { w.sendHanded(ctx) })
	}
	w.running.Store(true)
	defer w.running.Store(false)
	poll := orDefault(w.Poll, 2*time.Second)
	batch := orDefault(w.Batch, 16)
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log().WarnContext(ctx, "exchange worker", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if n >= batch {
			continue
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.wakeC: // sent after the change committed
			t.Stop()
		case <-t.C:
		}
	}
}

// RunOnce claims one batch of due deliveries and sends them; it returns
// how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	lease := w.lease()
	ds, err := w.Store.ClaimDeliveries(ctx, w.now(), lease, orDefault(w.Batch, 16))
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, orDefault(w.Concurrency, 4))
	var wg sync.WaitGroup
	for _, d := range ds {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.deliver(ctx, handed{dl: d})
		}()
	}
	wg.Wait()
	return len(ds), nil
}

// backoff returns the delay before attempt n+1 after n failed attempts:
// Backoff·2^(n-1), capped, with jitter in [½, 1] of that.
func (w *Worker) backoff(attempts int) time.Duration {
	base := orDefault(w.Backoff, 30*time.Second)
	maxd := orDefault(w.MaxBackoff, 30*time.Minute)
	d := base
	for i := 1; i < attempts && d < maxd; i++ {
		d *= 2
	}
	d = min(d, maxd)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// deliver sends h's delivery (with what was handed with it).
func (w *Worker) deliver(ctx context.Context, h handed) {
	dl := h.dl
	lg := w.log().With("delivery", dl.ID, "doc_id", dl.DocumentID, "kind", dl.Kind, "org_id", dl.OrgID, "attempt", dl.Attempts)
	fail := func(reason string) {
		lg.WarnContext(ctx, "delivery failed for good", "reason", reason)
		if err := w.markFailed(ctx, dl, reason); err != nil {
			lg.ErrorContext(ctx, "mark delivery failed", "err", err)
		}
	}
	retry := func(reason string) {
		next := w.now().Add(w.backoff(dl.Attempts))
		lg.InfoContext(ctx, "delivery will be retried", "reason", reason, "next_attempt", next)
		if err := w.Store.MarkRetry(ctx, dl.ID, next, reason); err != nil {
			lg.ErrorContext(ctx, "mark delivery retry", "err", err)
		}
	}
	a, err := w.Store.Agency(ctx, dl.OrgID)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		fail(fmt.Sprintf("%s is not a connected agency", dl.OrgID))
		return
	} else if err != nil {
		retry(err.Error())
		return
	}
	body, path, err := w.build(ctx, h)
	if err != nil {
		if code := workflow.ErrorCode(err); code == workflow.EINVALID || code == workflow.ENOTFOUND {
			fail("cannot build the package: " + workflow.ErrorMessage(err))
		} else {
			retry("cannot build the package: " + err.Error())
		}
		return
	}
	ack, err := w.Client.Post(ctx, a, path, body)
	var pe *PeerError
	switch {
	case err == nil:
		if err := w.Store.MarkDelivered(ctx, dl.ID, w.now()); err != nil {
			lg.ErrorContext(ctx, "mark delivered", "err", err)
			return
		}
		lg.InfoContext(ctx, "delivered", "ack", ack.StatusCode)
	case errors.As(err, &pe) && pe.Permanent():
		fail(pe.Error())
	default:
		retry(err.Error())
	}
}

// markFailed gives up on dl and, with a Trail, writes its
// delivery_refused event in the same transaction.
func (w *Worker) markFailed(ctx context.Context, dl workflow.Delivery, reason string) error {
	if w.Trail == nil {
		return w.Store.MarkFailed(ctx, dl.ID, w.now(), reason)
	}
	return w.Trail.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		if err := w.Store.MarkFailed(ctx, dl.ID, w.now(), reason); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, "", reason, w.now()))
	})
}

// build makes the signed package of a delivery and the path it goes to,
// from the document handed with it when it is the delivery's, else from
// a read.
func (w *Worker) build(ctx context.Context, h handed) ([]byte, string, error) {
	dl, d := h.dl, h.doc
	var err error
	if d == nil || d.ID != dl.DocumentID {
		if d, err = w.Repo.Document(ctx, dl.DocumentID); err != nil {
			return nil, "", err
		}
	}
	switch dl.Kind {
	case workflow.DeliverDocument, DeliverRevoke:
		in := EnvelopeInput{Self: w.Self, Doc: d, Blobs: w.Blobs, Tails: workflow.FilesOf(w.Blobs, w.Repo).Tails, Now: w.now()}
		if d.SignerID != "" {
			if u, err := w.Repo.User(ctx, d.SignerID); err == nil {
				in.Signer = u
			}
		}
		if dl.Kind == DeliverRevoke {
			id, err := ExternalID(w.Self.Org, d)
			if err != nil {
				return nil, "", err
			}
			in.Business = edxml.Business{Type: edxml.BusinessRevoke, Reason: dl.Description, DocumentID: id, Paper: "0"}
		} else if in.Business, err = w.amends(ctx, d); err != nil {
			return nil, "", err
		}
		body, id, err := BuildEnvelope(ctx, in)
		if err != nil {
			return nil, "", err
		}
		// Kept as a status message's ResponseFor is read (edxmlid.Identifier),
		// whatever white space our notation holds, so the answer finds it.
		if sent := edxmlid.Identifier(id); sent != h.sentID {
			if err := w.Store.RememberSent(ctx, sent, d.ID); err != nil {
				return nil, "", err
			}
		}
		return body, PathEdXML, nil
	case workflow.DeliverStatus:
		body, err := BuildStatus(w.Self, d, edxml.StatusCode(dl.StatusCode), dl.Description, dl.CreatedAt)
		return body, PathStatus, err
	}
	return nil, "", workflow.Errorf(workflow.EINVALID, "unknown delivery kind %q", dl.Kind)
}

// amends returns the Bussiness element of a document that replaces
// (type 3, ReplacementInfo with the original's DocumentId and recipients)
// or updates (type 2, Bussiness/DocumentId of the original) one we sent
// before; a new document (type 0) otherwise.
func (w *Worker) amends(ctx context.Context, d *workflow.Document) (edxml.Business, error) {
	target := d.Replaces
	if target == "" {
		target = d.Updates
	}
	if target == "" {
		return edxml.Business{}, nil
	}
	old, err := w.Repo.Document(ctx, target)
	if err != nil {
		return edxml.Business{}, err
	}
	id, err := ExternalID(w.Self.Org, old)
	if err != nil {
		return edxml.Business{}, err
	}
	if d.Replaces != "" {
		rp := edxml.Replacement{DocumentID: id}
		for _, r := range old.Recipients {
			rp.OrganIDs = append(rp.OrganIDs, r.OrgID)
		}
		return edxml.Business{Type: edxml.BusinessReplace, Paper: "0", Replaces: []edxml.Replacement{rp}}, nil
	}
	u := &edxml.UpdateInfo{DocumentInfo: "1"}
	for _, r := range d.Recipients {
		u.Receivers = append(u.Receivers, edxml.Receiver{OrganID: r.OrgID, Type: "1"})
	}
	return edxml.Business{Type: edxml.BusinessUpdate, Paper: "0", DocumentID: id, Update: u}, nil
}

// BuildStatus builds and signs the status message about a received
// document d for its sender.
func BuildStatus(self Identity, d *workflow.Document, code edxml.StatusCode, desc string, at time.Time) ([]byte, error) {
	if d.ExternalID == "" || d.Sender == nil {
		return nil, workflow.Errorf(workflow.EINVALID, "document %s did not arrive over the exchange", d.ID)
	}
	// The DocumentId as the sender spelled it, not as we read it: QCVN 102's
	// ResponseFor/DocumentId names the document answered, which the
	// sender finds by the string it sent (docs/exchange.md).
	ref := edxml.DocRef{OrganID: d.Sender.OrgID, Code: d.OriginalNumber, DocumentID: d.ExternalIDSpelled()}
	if d.OriginalDate != nil {
		ref.PromulgationDate = *d.OriginalDate
	}
	if r := []rune(desc); len(r) > edxml.MaxDescription {
		desc = string(r[:edxml.MaxDescription-1]) + "…" // as a peer takes it
	}
	raw, err := edxml.BuildStatus(edxml.Status{From: edxml.Organization{ID: self.Org.OrgID, Name: self.Org.Name},
		ResponseFor: ref, Code: code, Description: desc, Time: at})
	if err != nil {
		return nil, fmt.Errorf("build status %s of %s: %w", code, d.ID, err)
	}
	signed, err := edxml.Sign(raw, self.Key, self.Chain)
	if err != nil {
		return nil, fmt.Errorf("sign status %s of %s: %w", code, d.ID, err)
	}
	return signed, nil
}
