package gormdb_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestSetUserMailAudited: setting a user's address and turning the
// notifications off each write the setting and its audit event (kind
// user, by the actor) together; writing the same settings again writes
// no event.
func TestSetUserMailAudited(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		head := func() int64 {
			e, err := db.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if e == nil {
				return 0
			}
			return e.Seq
		}
		start := head()
		addr := workflow.MailSettings{Email: "an@binhthuy.gov.vn"}
		for _, s := range []workflow.MailSettings{addr, addr, {Email: addr.Email, Off: true}} {
			if err := db.SetUserMail(ctx, "u-an", "u-an", s); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := db.UserMail(ctx, "u-an"); got.Email != addr.Email || !got.Off {
			t.Fatalf("stored %+v", got)
		}
		evs, err := db.EventsAfter(ctx, start, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Kind != workflow.EventUser || evs[0].Actor != "u-an" || evs[0].Data["email"] != addr.Email ||
			evs[1].Data["changed"] != "notifications" || evs[1].Data["notifications"] != "off" {
			t.Errorf("events %+v, want the address's and the choice's", evs)
		}
	})
}
