package exchange

import (
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// Settled says whether a delivery is where it ends, so that its row
// changes no more by itself: a delivery failed for good, or delivered — a
// status message, a revocation, or a document whose recipient has
// reported the end of its processing (rejected, completed or revoked)
// and owes no answer to a revocation (the latest answer a revocation
// request, or a request of d not answered yet). Pending is not settled.
// sts are the status messages the recipient sent about d.
func Settled(dl workflow.Delivery, sts []workflow.ReceivedStatus, d *workflow.Document) bool {
	switch {
	case dl.State == workflow.DeliveryFailed:
		return true
	case dl.State != workflow.DeliveryDelivered:
		return false
	case dl.Kind != workflow.DeliverDocument:
		return true
	}
	ended := finalStatus(edxml.StatusCode(dl.LastStatus))
	var answer edxml.StatusCode
	for _, st := range sts {
		code := edxml.StatusCode(st.Code)
		ended = ended || finalStatus(code)
		switch code {
		case edxml.StatusRevokeRequest, edxml.StatusRevokeAccepted, edxml.StatusRevokeRefused:
			answer = code
		}
	}
	owed := answer == edxml.StatusRevokeRequest || answer == "" && d.RevokeState == workflow.RevokeRequested
	return ended && !owed
}

// finalStatus says whether a status code ends a recipient's processing
// of a document.
func finalStatus(code edxml.StatusCode) bool {
	switch code {
	case edxml.StatusRejected, edxml.StatusCompleted, edxml.StatusRevokeAccepted:
		return true
	}
	return false
}
