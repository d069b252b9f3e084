package exchange

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// Transitioner is what the exchange needs of workflow.Service: every
// state change of a document, the exchange's own included (actor
// workflow.Exchange), goes through Apply and the machine tables.
type Transitioner interface {
	Apply(ctx context.Context, actor *workflow.User, id string, action workflow.Action, in workflow.ActionInput) (*workflow.Document, error)
}

// Service is the user-facing side of the exchange: the registry of
// connected agencies, the deliveries of a document, revocation.
type Service struct {
	Repo   workflow.Repository
	Docs   Transitioner
	Store  Store
	Outbox *Outbox
	// Registry, when set, is told of each registration made here, so that
	// this instance's exchange sees it at once (see Registry).
	Registry *Registry
}

// CheckAgency validates a connected agency's registration: org code,
// name, https endpoint, parsable signing and TLS certificates. Every
// problem is reported, each naming its field (org_id, name, endpoint,
// signing_cert_pem, tls_cert_pem), joined in that order (errors.Join:
// the first is the answer's code, message and field).
func CheckAgency(a *Agency) error {
	a.OrgID, a.Name, a.Endpoint = strings.TrimSpace(a.OrgID), strings.TrimSpace(a.Name), strings.TrimSpace(a.Endpoint)
	var errs []error
	if !workflow.ValidOrgID(a.OrgID) {
		errs = append(errs, workflow.OnField(workflow.Errorf(workflow.EINVALID, "org_id %q is not like 000.00.00.H13", a.OrgID), "org_id"))
	}
	if a.Name == "" {
		errs = append(errs, workflow.OnField(workflow.Errorf(workflow.EINVALID, "name is required"), "name"))
	}
	if u, err := url.Parse(a.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, workflow.OnField(workflow.Errorf(workflow.EINVALID, "endpoint %q is not https://host:port", a.Endpoint), "endpoint"))
	} else {
		a.Endpoint = strings.TrimSuffix(a.Endpoint, "/")
	}
	for _, pem := range []struct{ field, text string }{{"signing_cert_pem", a.SigningCertPEM}, {"tls_cert_pem", a.TLSCertPEM}} {
		if _, err := ParseCertsPEM(pem.field, []byte(pem.text)); err != nil {
			errs = append(errs, workflow.OnField(err, pem.field))
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// RegisterAgency registers (or updates) a connected agency. Admins only.
func (s *Service) RegisterAgency(ctx context.Context, actor *workflow.User, a Agency) (*Agency, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin registers connected agencies")
	}
	if err := CheckAgency(&a); err != nil {
		return nil, err
	}
	err := s.Store.PutAgency(ctx, &a)
	if s.Registry != nil {
		s.Registry.Changed()
	}
	if err != nil {
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
// (BussinessDocType 1, with the reason): the machine's request_revoke,
// clerks only. The document stays sent until a recipient accepts.
func (s *Service) Revoke(ctx context.Context, actor *workflow.User, docID, reason string) (*workflow.Document, error) {
	d, err := workflow.VisibleDocument(ctx, s.Repo, actor, docID)
	if err != nil {
		return nil, err
	}
	if d.Direction != workflow.Outgoing {
		return nil, workflow.Errorf(workflow.EILLEGAL, "only a sent outgoing document can be revoked (this one is %s %s)", d.Direction, d.State)
	}
	return s.Docs.Apply(ctx, actor, docID, workflow.RequestRevoke, workflow.ActionInput{Comment: strings.TrimSpace(reason)})
}

// DecideRevocation records the clerk's decision on a sender's request to
// revoke a received document and answers it: accept_revoke (the document
// is revoked, 15) or refuse_revoke with the reason (unchanged, 16).
func (s *Service) DecideRevocation(ctx context.Context, actor *workflow.User, docID string, accept bool, reason string) (*workflow.Document, error) {
	d, err := workflow.VisibleDocument(ctx, s.Repo, actor, docID)
	if err != nil {
		return nil, err
	}
	if d.Direction != workflow.Incoming {
		return nil, workflow.Errorf(workflow.EILLEGAL, "the recipients decide on the revocation of an outgoing document")
	}
	action := workflow.RefuseRevoke
	if accept {
		action = workflow.AcceptRevoke
	}
	return s.Docs.Apply(ctx, actor, docID, action, workflow.ActionInput{Comment: strings.TrimSpace(reason)})
}

// revokeRequested records a sender's request to revoke a received
// document (the machine's request_revoke, by the exchange), which answers
// 13; once: a redelivery while it is pending, or a request for a document
// already revoked, answers the same and changes nothing. After a refusal
// the sender may ask again.
func (r *Receiver) revokeRequested(ctx context.Context, peer *Agency, doc *edxml.Document) (*Ack, error) {
	target := doc.Business.DocumentID
	if target == "" {
		target = doc.DocumentID
	}
	reason := strings.TrimSpace(doc.Business.Reason)
	if reason == "" {
		reason = "thu hồi văn bản (no reason given)"
	}
	ack := &Ack{DocumentID: target, StatusCode: string(edxml.StatusRevokeRequest)}
	for attempt := 0; ; attempt++ {
		d, err := r.Repo.DocumentByExternalID(ctx, peer.OrgID, target)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return nil, workflow.Errorf(workflow.ENOTFOUND, "no document received from %s as %s", peer.OrgID, target)
		} else if err != nil {
			return nil, err
		}
		if d.RevokeState == workflow.RevokeRequested || d.RevokeState == workflow.RevokeAccepted {
			return ack, nil // a redelivery, or already revoked
		}
		_, err = r.Docs.Apply(ctx, workflow.Exchange, d.ID, workflow.RequestRevoke, workflow.ActionInput{Comment: reason, Version: d.Version})
		if workflow.ErrorCode(err) == workflow.ECONFLICT && attempt < 3 {
			continue // changed meanwhile (a redelivery, a clerk's action): look again
		}
		if err != nil {
			return nil, fmt.Errorf("revocation request for %s: %w", target, err)
		}
		return ack, nil
	}
}

// revocationAnswered moves our sent document on a recipient's answer to
// a pending revocation: revoked on the first 15; back to unrevoked (sent,
// with the reasons) once every recipient has refused (16). Idempotent: it
// looks at the document and the recorded statuses, so a redelivered
// status message that failed here before is handled again.
func (r *Receiver) revocationAnswered(ctx context.Context, docID string) error {
	for attempt := 0; ; attempt++ {
		d, err := r.Repo.Document(ctx, docID)
		if err != nil {
			return err
		}
		if d.State != workflow.Sent || d.RevokeState != workflow.RevokeRequested {
			return nil
		}
		action, comment, err := r.revocationOutcome(ctx, d)
		if err != nil || action == "" {
			return err
		}
		_, err = r.Docs.Apply(ctx, workflow.Exchange, d.ID, action, workflow.ActionInput{Comment: comment, Version: d.Version})
		if workflow.ErrorCode(err) == workflow.ECONFLICT && attempt < 3 {
			continue
		}
		return err
	}
}

// revocationOutcome reads the recipients' answers to the latest
// revocation request of d: accept_revoke when one accepted, refuse_revoke
// when all refused, "" while some have not answered.
func (r *Receiver) revocationOutcome(ctx context.Context, d *workflow.Document) (workflow.Action, string, error) {
	evs, err := r.Repo.Events(ctx, d.ID)
	if err != nil {
		return "", "", err
	}
	var since time.Time
	for _, e := range evs {
		if e.Kind == workflow.EventTransition && e.Action == workflow.RequestRevoke {
			since = e.At
		}
	}
	sts, err := r.Store.Statuses(ctx, d.ID)
	if err != nil {
		return "", "", err
	}
	refused := map[string]string{}
	for _, st := range sts {
		if st.ReceivedAt.Before(since) {
			continue
		}
		switch edxml.StatusCode(st.Code) {
		case edxml.StatusRevokeAccepted:
			return workflow.AcceptRevoke, st.OrgID + " accepted the revocation", nil
		case edxml.StatusRevokeRefused:
			refused[st.OrgID] = strings.TrimSpace(st.Description)
		}
	}
	var reasons []string
	for _, rc := range d.Recipients {
		why, ok := refused[rc.OrgID]
		if !ok {
			return "", "", nil
		}
		if why == "" {
			why = "refused"
		}
		reasons = append(reasons, rc.OrgID+": "+why)
	}
	return workflow.RefuseRevoke, strings.Join(reasons, "; "), nil
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
