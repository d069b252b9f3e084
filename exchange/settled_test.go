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
		{"revoked", with("15"), sts("01", "13", "15"), plain, true},
		{"completed, then a revocation asked", with("06"), sts("06", "13"), plain, false},
		{"completed, revocation refused", with("16"), sts("06", "13", "16"), plain, true},
		{"completed, our revocation request unanswered", with("06"), sts("06"), revoking, false},
		{"final status only in the last status", with("06"), nil, plain, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Settled(c.dl, c.sts, c.d); got != c.want {
				t.Errorf("Settled = %v, want %v", got, c.want)
			}
		})
	}
}
