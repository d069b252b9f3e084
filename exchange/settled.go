package exchange

import (
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// Settled says whether a delivery is where it ends, so that its row
// changes no more by itself (the document's page stops reading it
// again): a delivery failed for good, or delivered — a status message, a
// revocation, or a document whose recipient has reported the end of its
// processing (refused 02, completed 06, or — of a document we revoked —
// accepted the revocation, 15) and owes no answer to a revocation of
// ours (a request of d not answered yet, or acknowledged with 13 and not
// decided). Pending is not settled. sts are the status messages the
// recipient sent about d.
//
// The revocation statuses (13, 15, 16) count only on a document we asked
// to revoke (d.RevokeState set): a peer may send them unprompted — 15 and
// 16 also answer an update, and a 13 may come after our request was
// settled — and such a status is kept among the statuses, shown on the
// document's page, and changes nothing here: it neither ends the delivery
// (an unprompted 15 is no revocation of ours: the document stays where
// its processing is) nor leaves it waiting for ever for a decision on a
// request we never made (an unprompted 13 kept the page reading its
// deliveries until it was closed). A 13 owes an answer only while our
// request waits, or after a first recipient accepted it (the others'
// answers still come); once every recipient refused, none is owed.
func Settled(dl workflow.Delivery, sts []workflow.ReceivedStatus, d *workflow.Document) bool {
	switch {
	case dl.State == workflow.DeliveryFailed:
		return true
	case dl.State != workflow.DeliveryDelivered:
		return false
	case dl.Kind != workflow.DeliverDocument:
		return true
	}
	asked := d.RevokeState != ""
	revoked := d.RevokeState == workflow.RevokeAccepted
	ended := finalStatus(edxml.StatusCode(dl.LastStatus), revoked)
	var answer edxml.StatusCode
	for _, st := range sts {
		code := edxml.StatusCode(st.Code)
		ended = ended || finalStatus(code, revoked)
		switch code {
		case edxml.StatusRevokeRequest, edxml.StatusRevokeAccepted, edxml.StatusRevokeRefused:
			if asked {
				answer = code
			}
		}
	}
	waiting := d.RevokeState == workflow.RevokeRequested
	owed := answer == edxml.StatusRevokeRequest && (waiting || revoked) || answer == "" && waiting
	return ended && !owed
}

// finalStatus says whether a status code ends a recipient's processing
// of a document: a refusal, its completion, or — revoked says we revoked
// the document — its acceptance of the revocation.
func finalStatus(code edxml.StatusCode, revoked bool) bool {
	switch code {
	case edxml.StatusRejected, edxml.StatusCompleted:
		return true
	case edxml.StatusRevokeAccepted:
		return revoked
	}
	return false
}
