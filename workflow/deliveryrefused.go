package workflow

import "time"

// EventDeliveryRefused: a message to a connected agency is refused for
// good — the agency answered our document with status 02 (từ chối tiếp
// nhận), or its delivery failed for good (a refusal 4xx, an agency no
// longer connected, a package that cannot be built) and is not retried.
// The exchange writes it (actor Exchange) in the transaction that records
// the answer or the failure; the clerks are mailed about it (notify).
// Data: org_id, org_name (the agency), delivery (what was sent: document,
// revoke, status), status (the agency's status code, when it answered);
// Comment: the reason.
const EventDeliveryRefused EventKind = "delivery_refused"

// DeliveryRefused is the event of delivery dl refused for good: status is
// the agency's status code when it answered so ("" for a failed delivery),
// reason why.
func DeliveryRefused(dl Delivery, status, reason string, at time.Time) *Event {
	data := map[string]string{"org_id": dl.OrgID, "org_name": dl.OrgName, "delivery": string(dl.Kind)}
	if status != "" {
		data["status"] = status
	}
	return &Event{DocumentID: dl.DocumentID, Actor: Exchange.ID, Kind: EventDeliveryRefused, Comment: reason, At: at, Data: data}
}
