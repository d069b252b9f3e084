package exchange

import (
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func TestSettled(t *testing.T) {
	delivered := workflow.Delivery{State: workflow.DeliveryDelivered, Kind: workflow.DeliverDocument}
	with := func(last string) workflow.Delivery { d := delivered; d.LastStatus = last; return d }
	sts := func(codes ...string) []workflow.ReceivedStatus {
		var out []workflow.ReceivedStatus
		for _, c := range codes {
			out = append(out, workflow.ReceivedStatus{Code: c})
		}
		return out
	}
	plain, revoking := &workflow.Document{}, &workflow.Document{RevokeState: workflow.RevokeRequested}
	revoked, kept := &workflow.Document{RevokeState: workflow.RevokeAccepted}, &workflow.Document{RevokeState: workflow.RevokeRefused}
	cases := []struct {
		name string
		dl   workflow.Delivery
		sts  []workflow.ReceivedStatus
		d    *workflow.Document
		want bool
	}{
		{"failed for good", workflow.Delivery{State: workflow.DeliveryFailed, Kind: workflow.DeliverDocument}, nil, plain, true},
		{"pending", workflow.Delivery{State: workflow.DeliveryPending, Kind: workflow.DeliverDocument}, nil, plain, false},
		{"a status message delivered", workflow.Delivery{State: workflow.DeliveryDelivered, Kind: workflow.DeliverStatus}, nil, plain, true},
		{"arrived only", with("01"), sts("01"), plain, false},
		{"in progress", with("05"), sts("01", "03", "05"), plain, false},
		{"completed", with("06"), sts("01", "06"), plain, true},
		{"rejected", with("02"), sts("02"), plain, true},
		{"revoked", with("01"), sts("01", "13", "15"), revoked, true},
		{"revoked, an older version's last status 15", with("15"), sts("01", "13", "15"), revoked, true},
		{"completed, then our revocation acknowledged", with("06"), sts("06", "13"), revoking, false},
		{"completed, revocation refused", with("06"), sts("06", "13", "16"), kept, true},
		{"completed, our revocation request unanswered", with("06"), sts("06"), revoking, false},
		{"revoked by another, this one acknowledged only", with("06"), sts("06", "13"), revoked, false},
		{"final status only in the last status", with("06"), nil, plain, true},
		// Revocation statuses we did not ask for are kept, and change
		// nothing.
		{"completed, then an unprompted 13", with("06"), sts("01", "06", "13"), plain, true},
		{"an unprompted 15 ends nothing", with("01"), sts("01", "15"), plain, false},
		{"an unprompted 15 in an older version's last status", with("15"), sts("01", "15"), plain, false},
		{"an update answered 15, completed", with("06"), sts("01", "15", "06"), plain, true},
		{"an update answered 16, in progress", with("05"), sts("01", "16", "05"), plain, false},
		{"a 13 after every recipient refused", with("06"), sts("06", "13", "16", "13"), kept, true},
		{"a 15 after every recipient refused", with("03"), sts("03", "13", "16", "15"), kept, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Settled(c.dl, c.sts, c.d); got != c.want {
				t.Errorf("Settled = %v, want %v", got, c.want)
			}
		})
	}
}
