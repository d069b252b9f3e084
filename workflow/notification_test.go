package workflow

import (
	"reflect"
	"testing"
	"time"
)

// TestMailChanged: a change of a user's address or choice is one audit
// event of kind user naming what changed (the new address, on or off);
// no change, no event.
func TestMailChanged(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	addr := MailSettings{Email: "an@binhthuy.gov.vn"}
	for _, c := range []struct {
		name     string
		old, new MailSettings
		want     map[string]string
	}{
		{"address set", MailSettings{}, addr, map[string]string{"updated_user": "u-1", "changed": "email", "email": "an@binhthuy.gov.vn"}},
		{"address removed", addr, MailSettings{}, map[string]string{"updated_user": "u-1", "changed": "email"}},
		{"turned off", addr, MailSettings{Email: addr.Email, Off: true}, map[string]string{"updated_user": "u-1", "changed": "notifications", "notifications": "off"}},
		{"both", MailSettings{Off: true}, addr, map[string]string{"updated_user": "u-1", "changed": "email notifications", "email": addr.Email, "notifications": "on"}},
		{"nothing", addr, addr, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := MailChanged("u-admin", "u-1", c.old, c.new, at)
			if c.want == nil {
				if e != nil {
					t.Fatalf("event %+v for no change", e)
				}
				return
			}
			if e == nil || e.Kind != EventUser || e.Actor != "u-admin" || !e.At.Equal(at) || !reflect.DeepEqual(e.Data, c.want) {
				t.Fatalf("event %+v, want data %v", e, c.want)
			}
		})
	}
}
