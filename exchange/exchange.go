// Package exchange is the interagency transport ("gửi văn bản liên
// thông", docs/exchange.md): QCVN 102 edXML envelopes (package edxml) POSTed over
// mutual TLS between vanthu instances, delivered from a transactional
// outbox by a worker with retries, and answered with status messages.
//
//   - Outbox implements workflow.Outbox: it decides, inside the
//     transaction of every transition, which messages to queue.
//   - Worker claims due deliveries (several instances never take the
//     same one), builds and signs the envelope at send time, and POSTs it.
//   - Receiver serves /exchange/v1/edxml and /exchange/v1/status to
//     registered agencies only, verifies what arrives and hands documents
//     to workflow.Service.Receive.
//   - Service is the registry of connected agencies and the user-facing
//     operations (deliveries of a document, revoke, revocation decision).
//
// Storage is behind Store (storage/gormdb implements it); this package
// does not know gorm.
package exchange

import (
	"context"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Kinds of delivery beyond workflow's document and status.
const (
	// DeliverRevoke asks a recipient to revoke a document sent earlier
	// (edXML BussinessDocType 1); Description carries the reason.
	DeliverRevoke workflow.DeliveryKind = "revoke"
)

// Agency is a connected agency and ReceivedStatus a status message one
// sent; the types live in workflow, which the store's implementation
// (storage/gormdb) shares with this package.
type (
	Agency         = workflow.ConnectedAgency
	ReceivedStatus = workflow.ReceivedStatus
)

// Store is the persistence the exchange needs beyond workflow.Repository.
// Methods called with a context carrying a transaction (the ctx handed to
// workflow.Repository.Atomic's fn) run in that transaction.
type Store interface {
	// PutAgency inserts or replaces the agency with a.OrgID.
	PutAgency(ctx context.Context, a *Agency) error
	// Agency returns a registered agency, or ENOTFOUND.
	Agency(ctx context.Context, orgID string) (*Agency, error)
	// Agencies lists the registered agencies by org code.
	Agencies(ctx context.Context) ([]*Agency, error)

	// ClaimDeliveries takes up to limit pending deliveries due at now,
	// oldest first, and pushes their next attempt to now+lease and their
	// attempts up by one in the same transaction, so no other worker (on
	// PostgreSQL: FOR UPDATE SKIP LOCKED) takes them meanwhile. A delivery
	// waits while an earlier one about the same document to the same
	// agency is pending (status messages arrive in order).
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]workflow.Delivery, error)
	// MarkDelivered records the peer's acknowledgement.
	MarkDelivered(ctx context.Context, id string, now time.Time) error
	// MarkRetry schedules another attempt at next with the last error.
	MarkRetry(ctx context.Context, id string, next time.Time, lastErr string) error
	// MarkFailed gives up on a delivery the peer refused for good.
	MarkFailed(ctx context.Context, id string, now time.Time, reason string) error
	// Deliveries lists a document's deliveries by agency and creation.
	Deliveries(ctx context.Context, documentID string) ([]workflow.Delivery, error)

	// RememberSent records that our document documentID went out as the
	// edXML DocumentId externalID (idempotent).
	RememberSent(ctx context.Context, externalID, documentID string) error
	// SentDocument returns our document sent as externalID, or ENOTFOUND.
	SentDocument(ctx context.Context, externalID string) (*workflow.Document, error)
	// RecordStatus stores a status message once (a redelivery with the
	// same document, agency, code and time is ignored: false) and moves
	// the LastStatus of that agency's document delivery as
	// workflow.Delivery.LastStatus says (the stages' order, a refusal
	// kept until a re-send). refused: s is a refusal (02) that made the
	// delivery refused, the first since our last (re)send of the document
	// to that agency — not the same refusal sent again with a new time;
	// decided on the delivery's row, so two copies at once are one.
	RecordStatus(ctx context.Context, s ReceivedStatus) (created, refused bool, err error)
	// Statuses lists the status messages about a document, in the order
	// the agencies say they happened.
	Statuses(ctx context.Context, documentID string) ([]ReceivedStatus, error)
}
