package workflow

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// ReceiveInput is a document arriving from a connected agency over the
// exchange, already checked for transport-level authenticity.
type ReceiveInput struct {
	CreateInput        // Direction is set to Incoming; Sender is the sending agency
	ExternalID  string // the edXML DocumentId, unique per sender document
	// ExternalIDAsSent is the DocumentId as the sender spelled it, ""
	// when that is ExternalID (Document.ExternalIDAsSent).
	ExternalIDAsSent string
	Replaces         string // ExternalID of the document this one replaces (edXML type 3), if any
	Updates          string // ExternalID of the document this one updates (edXML type 2), if any
	// DeliveryKey, for an update or replacement sent under the
	// ExternalID of a document already received from its sender, tells
	// this delivery apart from that document and the other amendments
	// under it (Document.DeliveryKey): received again with the same key,
	// it is a redelivery. Such a document is linked to the document its
	// Replaces or Updates names, else to the one first received under
	// ExternalID.
	DeliveryKey string
	// EnvelopeError, when set, says why the envelope itself failed
	// verification: the document is kept, rejected with that reason.
	EnvelopeError string
}

// Receive registers a document that a connected agency sent. It is
// idempotent by (sender, ExternalID, DeliveryKey) once the envelope verified: a
// redelivery returns the first document and created=false, storing nothing
// new; the same ExternalID from another sender is another document (each
// agency's DocumentIds are its own). A document
// whose envelope failed is stored without ExternalID (and links to no
// replaced document), so it never shadows a genuine one. The PDF's signatures are verified
// (Decree 30 Art. 21.2); a document whose envelope or PDF fails
// verification is created at received and rejected at once by the
// exchange (the machine's reject row, actor Exchange) with the reason in
// RejectReason, and the Outbox answers the sender 02; otherwise it stays
// at received and the Outbox answers 01. A replacement or update is linked
// both ways to the document it changes when that came from the same sender.
func (s *Service) Receive(ctx context.Context, in ReceiveInput) (d *Document, created bool, err error) {
	if in.ExternalID == "" {
		return nil, false, Errorf(EINVALID, "a received document needs its DocumentId")
	}
	if in.Sender == nil || in.Sender.OrgID == "" {
		return nil, false, Errorf(EINVALID, "a received document needs its sender")
	}
	// Only a verified envelope proves the sender issued this DocumentId:
	// only then is it a redelivery key. A document whose envelope failed
	// is kept (rejected) without it, so it can never shadow the real one.
	claimedID := in.ExternalID
	verified := in.EnvelopeError == ""
	if !verified {
		in.ExternalID, in.ExternalIDAsSent, in.Replaces, in.Updates, in.DeliveryKey = "", "", "", "", ""
	} else if existing, err := s.previousDelivery(ctx, &in); err != nil || existing != nil {
		return existing, false, err
	}
	in.Direction = Incoming
	if err := s.validateCreate(ctx, Exchange, &in.CreateInput); err != nil {
		return nil, false, err
	}
	now := s.now()
	d = &Document{
		ID: s.newID(), Direction: Incoming, Type: in.Type, Subject: in.Subject,
		Urgency: in.Urgency, Confidentiality: in.Confidentiality, State: Received, Version: 1,
		Sender: in.Sender, OriginalNumber: strings.TrimSpace(in.OriginalNumber), OriginalDate: in.OriginalDate,
		DueDate: in.DueDate, Retention: in.Retention, Notes: in.Notes, ExternalID: in.ExternalID, ExternalIDAsSent: in.ExternalIDAsSent,
		DeliveryKey: in.DeliveryKey, CreatedAt: now, UpdatedAt: now,
	}
	s.linkReceived(ctx, d, &in)
	reasons, err := s.receiveFiles(ctx, d, &in)
	if err != nil {
		return nil, false, err
	}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		return s.recordReceived(ctx, tx, d, &in, claimedID, reasons, now)
	})
	if ErrorCode(err) == ECONFLICT && verified {
		// A concurrent redelivery won the race.
		if existing, err2 := s.Repo.DocumentByDelivery(ctx, in.Sender.OrgID, in.ExternalID, in.DeliveryKey); err2 == nil {
			return existing, false, nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("receive %s: %w", in.ExternalID, err)
	}
	s.logger().InfoContext(ctx, "document received", "doc_id", d.ID, "external_id", in.ExternalID, "state", d.State)
	return d, true, nil
}

// previousDelivery returns the document already received under in's
// DocumentId (and delivery key) from the same sender, or nil when there
// is none. A DocumentId is the sender's own name for its document: the
// same one from another agency names another document.
func (s *Service) previousDelivery(ctx context.Context, in *ReceiveInput) (*Document, error) {
	existing, err := s.Repo.DocumentByDelivery(ctx, in.Sender.OrgID, in.ExternalID, in.DeliveryKey)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return existing, nil
}

// linkReceived sets the document d replaces or updates: the one in names,
// when it came from the same sender; for an amendment sent under the
// DocumentId of an earlier document (in.DeliveryKey), else that earlier
// document (the SDK's sample update names a document never sent, under
// the DocumentId of its sample "new" document).
func (s *Service) linkReceived(ctx context.Context, d *Document, in *ReceiveInput) {
	org := in.Sender.OrgID
	d.Replaces = s.sameSenderDocument(ctx, in.Replaces, org)
	if d.Replaces == "" {
		d.Updates = s.sameSenderDocument(ctx, in.Updates, org)
	}
	if in.DeliveryKey == "" || d.Replaces != "" || d.Updates != "" {
		return
	}
	if in.Replaces != "" {
		d.Replaces = s.sameSenderDocument(ctx, in.ExternalID, org)
	} else {
		d.Updates = s.sameSenderDocument(ctx, in.ExternalID, org)
	}
}

// sameSenderDocument is the ID of the document received under DocumentId
// ext from sender org, or "" when there is none: a sender replaces and
// updates only its own documents.
func (s *Service) sameSenderDocument(ctx context.Context, ext, org string) string {
	if ext == "" {
		return ""
	}
	if old, err := s.Repo.DocumentByExternalID(ctx, org, ext); err == nil {
		return old.ID
	}
	return ""
}

// receiveFiles stores the received PDF and attachments in d, keeping the
// bytes exactly as received, verifies the PDF's signatures, and returns
// the reasons to reject the document on receipt (none when it is sound).
func (s *Service) receiveFiles(ctx context.Context, d *Document, in *ReceiveInput) ([]string, error) {
	main, err := s.storeUpload(ctx, in.File, FileMain)
	if err != nil && ErrorCode(err) != EUNPROCESSABLE && ErrorCode(err) != EUNSUPPORTEDMEDIA {
		return nil, err
	}
	var reasons []string
	if in.EnvelopeError != "" {
		reasons = append(reasons, "envelope: "+in.EnvelopeError)
	}
	if err != nil {
		// Not a usable PDF: keep the bytes for the clerk anyway, nothing
		// known of what they carry (Unreadable).
		reasons = append(reasons, ErrorMessage(err))
		inspection := InspectionOf(err)
		if main, err = s.storeRaw(ctx, in.File); err != nil {
			return nil, err
		}
		main.Inspection = inspection
	} else if s.Signer != nil {
		// The bytes just stored under their SHA-256 (main), verified as
		// received: not read back from the store and hashed again.
		pdf, err := uploadBytes(in.File)
		if err != nil {
			return nil, err
		}
		v, err := checkSignatures(ctx, s.Signer, pdf)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", in.ExternalID, err)
		}
		d.Verification = &v
		if v.Verdict == VerdictInvalid {
			reasons = append(reasons, "invalid signature: "+strings.Join(v.Reasons, "; "))
		}
	}
	d.Files = append(d.Files, main)
	for i := range in.Attachments {
		f, err := s.storeRaw(ctx, &in.Attachments[i])
		if err != nil {
			return nil, err
		}
		f.Kind = FileAttachment
		f.Active, f.Inspection = s.receivedActive(ctx, &in.Attachments[i])
		d.Files = append(d.Files, f)
	}
	return reasons, nil
}

// recordReceived creates the received document and its event inside tx,
// links it to the document it replaces or updates, and then either rejects
// it at once for reasons or tells the Outbox it was received. claimedID is
// the DocumentId the envelope claimed, recorded when the envelope failed.
func (s *Service) recordReceived(ctx context.Context, tx Tx, d *Document, in *ReceiveInput, claimedID string, reasons []string, now time.Time) error {
	if err := tx.CreateDocument(ctx, d); err != nil {
		return err
	}
	data := map[string]string{"external_id": in.ExternalID, "from": in.Sender.OrgID}
	if in.EnvelopeError != "" {
		data["claimed_external_id"] = claimedID
	}
	if d.Verification != nil {
		data["verdict"] = d.Verification.Verdict
	}
	if err := tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: Exchange.ID, Kind: EventCreate, To: d.State, At: now, Data: data,
		Comment: "received over the exchange"}); err != nil {
		return err
	}
	if err := s.linkAmended(ctx, tx, d, Exchange); err != nil {
		return err
	}
	if len(reasons) > 0 {
		// Rejected on receipt: the machine's reject row, by the exchange.
		t, ok := Next(Incoming, d.State, Reject)
		if !ok {
			return Errorf(EINTERNAL, "no reject transition from %s", d.State)
		}
		if err := guard(t, d, Exchange); err != nil {
			return err
		}
		// Trimmed as RejectReason is, so the event says the same.
		return s.commit(ctx, tx, d, t, Exchange, ActionInput{Comment: strings.TrimSpace(strings.Join(reasons, "; "))}, prechecked{})
	}
	if s.Outbox != nil {
		return s.Outbox.Received(ctx, tx, d)
	}
	return nil
}

// uploadBytes returns an upload's content: the bytes it holds when they
// are in memory (HeldBytes; not to be changed), else a copy.
func uploadBytes(u *Upload) ([]byte, error) {
	if b, ok := HeldContent(u.Content, u.Size); ok {
		return b, nil
	}
	b := make([]byte, u.Size)
	if _, err := io.ReadFull(io.NewSectionReader(u.Content, 0, u.Size), b); err != nil {
		return nil, fmt.Errorf("read %q: %w", u.Name, err)
	}
	return b, nil
}

// storeRaw stores an upload exactly as received, without inspecting it.
func (s *Service) storeRaw(ctx context.Context, u *Upload) (File, error) {
	return s.store(ctx, u, FileMain, false, false)
}

// receivedActive is what a received attachment carries that acts when it
// is opened (ActiveInspector), for its page to warn of, and whether it
// was inspected: Unreadable when it is not a PDF, or one the inspection
// refuses (it is kept as it came, and the reader opens it with the care
// any such file needs); NotInspected when the inspector does not say, or
// the inspection could not run (tried again by InspectionFill).
func (s *Service) receivedActive(ctx context.Context, u *Upload) (Active, Inspection) {
	ai, ok := s.Inspector.(ActiveInspector)
	if !ok {
		return 0, NotInspected
	}
	a, err := ai.InspectActive(ctx, u.Content, u.Size)
	if err != nil {
		return 0, InspectionOf(err)
	}
	return a, Inspected
}
