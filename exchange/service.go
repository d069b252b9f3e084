package exchange

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// EventRevoke is the audit event of a revocation request (sent or
// received) and of the decision on one.
const EventRevoke workflow.EventKind = "revoke"

// Revoke states of a received document (workflow.Document.RevokeState).
const (
	RevokeRequested = "requested"
	RevokeAccepted  = "accepted"
	RevokeRefused   = "refused"
)

// Service is the user-facing side of the exchange: the registry of
// connected agencies, the deliveries of a document, revocation.
type Service struct {
	Repo   workflow.Repository
	Store  Store
	Outbox *Outbox
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CheckAgency validates a connected agency's registration: org code,
// name, https endpoint, parsable signing and TLS certificates.
func CheckAgency(a *Agency) error {
	a.OrgID, a.Name, a.Endpoint = strings.TrimSpace(a.OrgID), strings.TrimSpace(a.Name), strings.TrimSpace(a.Endpoint)
	if !workflow.ValidOrgID(a.OrgID) {
		return workflow.Errorf(workflow.EINVALID, "org_id %q is not like 000.00.00.H13", a.OrgID)
	}
	if a.Name == "" {
		return workflow.Errorf(workflow.EINVALID, "name is required")
	}
	u, err := url.Parse(a.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return workflow.Errorf(workflow.EINVALID, "endpoint %q is not https://host:port", a.Endpoint)
	}
	a.Endpoint = strings.TrimSuffix(a.Endpoint, "/")
	if _, err := ParseCertsPEM("signing_cert_pem", []byte(a.SigningCertPEM)); err != nil {
		return err
	}
	if _, err := ParseCertsPEM("tls_cert_pem", []byte(a.TLSCertPEM)); err != nil {
		return err
	}
	return nil
}

// RegisterAgency registers (or updates) a connected agency. Admins only.
func (s *Service) RegisterAgency(ctx context.Context, actor *workflow.User, a Agency) (*Agency, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin registers connected agencies")
	}
	if err := CheckAgency(&a); err != nil {
		return nil, err
	}
	if err := s.Store.PutAgency(ctx, &a); err != nil {
		return nil, err
	}
	return s.Store.Agency(ctx, a.OrgID)
}

// Agencies lists the connected agencies (admins and clerks).
func (s *Service) Agencies(ctx context.Context, actor *workflow.User) ([]*Agency, error) {
	if !actor.HasAny([]workflow.Role{workflow.RoleAdmin, workflow.RoleClerk}) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "connected agencies are for admins and clerks")
	}
	return s.Store.Agencies(ctx)
}

// Recipients lists the connected agencies as organisations (code and
// name only) for any signed-in user: what a handler drafting an outgoing
// document chooses its recipients from.
func (s *Service) Recipients(ctx context.Context, actor *workflow.User) ([]workflow.Org, error) {
	if actor == nil {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "sign in first")
	}
	as, err := s.Store.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.Org, 0, len(as))
	for _, a := range as {
		out = append(out, workflow.Org{OrgID: a.OrgID, Name: a.Name})
	}
	return out, nil
}

// DeliveryReport is one delivery with, for a document delivery, the
// status messages its recipient sent, in order.
type DeliveryReport struct {
	workflow.Delivery
	Statuses []ReceivedStatus
}

// Deliveries returns a visible document's deliveries.
func (s *Service) Deliveries(ctx context.Context, actor *workflow.User, docID string) ([]DeliveryReport, error) {
	_, err := workflow.VisibleDocument(ctx, s.Repo, actor, docID)
	if err != nil {
		return nil, err
	}
	ds, err := s.Store.Deliveries(ctx, docID)
	if err != nil {
		return nil, err
	}
	sts, err := s.Store.Statuses(ctx, docID)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryReport, len(ds))
	for i, dl := range ds {
		out[i].Delivery = dl
		if dl.Kind != workflow.DeliverDocument {
			continue
		}
		for _, st := range sts {
			if st.OrgID == dl.OrgID {
				out[i].Statuses = append(out[i].Statuses, st)
			}
		}
	}
	return out, nil
}

// Revoke asks every recipient of a sent document to revoke it
// (BussinessDocType 1, with the reason). Clerks only.
func (s *Service) Revoke(ctx context.Context, actor *workflow.User, docID, reason string) (*workflow.Document, error) {
	if !actor.Has(workflow.RoleClerk) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only a clerk (văn thư) revokes a sent document")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "a revocation needs its reason")
	}
	if _, err := workflow.VisibleDocument(ctx, s.Repo, actor, docID); err != nil {
		return nil, err
	}
	var out *workflow.Document
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, docID)
		if err != nil {
			return err
		}
		if d.Direction != workflow.Outgoing || d.State != workflow.Sent {
			return workflow.Errorf(workflow.EILLEGAL, "only a sent outgoing document can be revoked (this one is %s %s)", d.Direction, d.State)
		}
		for _, r := range d.Recipients {
			if err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: DeliverRevoke, OrgID: r.OrgID,
				OrgName: r.Name, Description: reason}); err != nil {
				return err
			}
		}
		prev := d.Version
		d.Version, d.UpdatedAt = d.Version+1, s.now()
		if err := tx.UpdateDocument(ctx, d, prev); err != nil {
			return err
		}
		out = d
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventRevoke, Comment: reason,
			At: s.now(), Data: map[string]string{"revoke": "sent", "recipients": fmt.Sprint(len(d.Recipients))}})
	})
	if err != nil {
		return nil, fmt.Errorf("revoke %s: %w", docID, err)
	}
	if s.Outbox != nil {
		s.Outbox.wake()
	}
	return out, nil
}

// DecideRevocation records the clerk's decision on a sender's request to
// revoke a received document and answers it: 15 accepted, 16 refused.
func (s *Service) DecideRevocation(ctx context.Context, actor *workflow.User, docID string, accept bool) (*workflow.Document, error) {
	if !actor.Has(workflow.RoleClerk) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only a clerk (văn thư) decides on a revocation")
	}
	if _, err := workflow.VisibleDocument(ctx, s.Repo, actor, docID); err != nil {
		return nil, err
	}
	var out *workflow.Document
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, docID)
		if err != nil {
			return err
		}
		if d.RevokeState != RevokeRequested {
			return workflow.Errorf(workflow.EILLEGAL, "no revocation of %s is pending", docID)
		}
		code, state := edxml.StatusRevokeRefused, RevokeRefused
		if accept {
			code, state = edxml.StatusRevokeAccepted, RevokeAccepted
		}
		prev := d.Version
		d.RevokeState, d.Version, d.UpdatedAt = state, d.Version+1, s.now()
		if err := tx.UpdateDocument(ctx, d, prev); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventRevoke, At: s.now(),
			Data: map[string]string{"revoke": state}}); err != nil {
			return err
		}
		out = d
		return s.Outbox.status(ctx, tx, d, code, "")
	})
	if err != nil {
		return nil, fmt.Errorf("revocation of %s: %w", docID, err)
	}
	return out, nil
}

// revokeRequested marks a received document as asked to be revoked by its
// sender and answers 13 (once; a redelivery answers the same).
func (r *Receiver) revokeRequested(ctx context.Context, peer *Agency, doc *edxml.Document) (*Ack, error) {
	target := doc.Business.DocumentID
	if target == "" {
		target = doc.DocumentID
	}
	d, err := r.Repo.DocumentByExternalID(ctx, target)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no document received as %s", target)
	} else if err != nil {
		return nil, err
	}
	if d.Sender == nil || d.Sender.OrgID != peer.OrgID {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "%s did not send %s", peer.OrgID, target)
	}
	ack := &Ack{DocumentID: target, StatusCode: string(edxml.StatusRevokeRequest)}
	if d.RevokeState != "" {
		return ack, nil
	}
	err = r.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		cur, err := tx.LockDocument(ctx, d.ID)
		if err != nil {
			return err
		}
		if cur.RevokeState != "" {
			return nil
		}
		prev := cur.Version
		cur.RevokeState, cur.Version, cur.UpdatedAt = RevokeRequested, cur.Version+1, r.now()
		if err := tx.UpdateDocument(ctx, cur, prev); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: cur.ID, Kind: EventRevoke, At: r.now(), Comment: doc.Business.Reason,
			Data: map[string]string{"revoke": RevokeRequested, "from": peer.OrgID}}); err != nil {
			return err
		}
		if r.Outbox != nil {
			return r.Outbox.status(ctx, tx, cur, edxml.StatusRevokeRequest, doc.Business.Reason)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("revocation request for %s: %w", target, err)
	}
	return ack, nil
}

// QueueReader is implemented by stores that can report on the delivery
// queue as a whole (storage/gormdb).
type QueueReader interface {
	// QueueCounts counts deliveries by state.
	QueueCounts(ctx context.Context) (map[workflow.DeliveryState]int, error)
	// RecentDeliveries lists up to limit deliveries in one of states, the
	// most recently changed first.
	RecentDeliveries(ctx context.Context, states []workflow.DeliveryState, limit int) ([]workflow.Delivery, error)
}

// QueueState is the state of the outbound queue: how many deliveries wait,
// were delivered or failed, and the latest waiting and failed ones.
type QueueState struct {
	Counts  map[workflow.DeliveryState]int
	Waiting []workflow.Delivery // pending, most recently changed first
	Failed  []workflow.Delivery
}

// Queue reports the state of the outbound queue (admins only).
// EUNAVAILABLE when the store cannot report it.
func (s *Service) Queue(ctx context.Context, actor *workflow.User, limit int) (*QueueState, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "the exchange queue is for admins")
	}
	qr, ok := s.Store.(QueueReader)
	if !ok {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this store cannot report the queue")
	}
	counts, err := qr.QueueCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := &QueueState{Counts: counts}
	if out.Waiting, err = qr.RecentDeliveries(ctx, []workflow.DeliveryState{workflow.DeliveryPending}, limit); err != nil {
		return nil, err
	}
	if out.Failed, err = qr.RecentDeliveries(ctx, []workflow.DeliveryState{workflow.DeliveryFailed}, limit); err != nil {
		return nil, err
	}
	return out, nil
}
