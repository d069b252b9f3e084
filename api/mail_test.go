package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestMailOutbox: GET /mail shows an admin the counts and the unsent
// mail, the refused-for-good first, without bodies, by state and page;
// POST /mail/{id}/retry makes a refused mail due again to its user's
// current address ({"retried": true}), a second POST changes nothing
// ({"retried": false}); a user without an address is a 409; other roles
// get 403; answers checked against the spec (apitest.Validating).
func TestMailOutbox(t *testing.T) {
	f := newFixture(t, 10<<20)
	db := gormdbtest.Open(t, gormdb.SQLite)
	f.srv.Outbox = &workflow.MailAdmin{Store: db}
	ctx := context.Background()
	var ns []workflow.Notification
	for i, who := range []string{"handler", "officer", "clerk"} {
		ns = append(ns, workflow.Notification{EventSeq: int64(10 + i), UserID: f.ids[who], Address: who + "@sai",
			Subject: "[vanthu] Văn bản chờ duyệt: Quyết định", Body: "không lộ ra"})
	}
	if err := db.EnqueueNotifications(ctx, ns); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueNotifications(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("due %v %v", due, err)
	}
	for _, m := range due[:2] {
		if err := db.NotificationRefused(ctx, m.ID, 1, time.Now(), "550 5.1.1 no such user"); err != nil {
			t.Fatal(err)
		}
	}
	list := func(query string) (out api.MailListJSON) {
		t.Helper()
		rec := f.do(t, "admin", http.MethodGet, "/api/v1/mail"+query, nil, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /mail%s: %d %s", query, rec.Code, rec.Body)
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
	got := list("?limit=2")
	if got.Counts.Failed != 2 || got.Counts.Pending != 1 || len(got.Items) != 2 || got.NextCursor == "" ||
		got.Items[0].ID != due[1].ID || got.Items[0].State != "failed" || got.Items[0].LastError != "550 5.1.1 no such user" {
		t.Fatalf("first page: %+v", got)
	}
	if rest := list("?limit=2&cursor=" + got.NextCursor); len(rest.Items) != 1 || rest.Items[0].ID != due[2].ID || rest.Items[0].State != "pending" || rest.NextCursor != "" {
		t.Errorf("second page: %+v", rest)
	}
	if failed := list("?state=failed"); len(failed.Items) != 2 {
		t.Errorf("?state=failed: %+v", failed)
	}
	if rec := f.do(t, "admin", http.MethodGet, "/api/v1/mail?state=sent", nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("?state=sent: %d", rec.Code)
	}
	retry := func(who string, id int64) (int, string) {
		rec := f.do(t, who, http.MethodPost, fmt.Sprintf("/api/v1/mail/%d/retry", id), nil, "")
		return rec.Code, rec.Body.String()
	}
	for _, who := range []string{"clerk", "officer", "handler", "archivist"} {
		if rec := f.do(t, who, http.MethodGet, "/api/v1/mail", nil, ""); rec.Code != http.StatusForbidden {
			t.Errorf("%s GET /mail: %d", who, rec.Code)
		}
		if code, _ := retry(who, due[0].ID); code != http.StatusForbidden {
			t.Errorf("%s retries: %d", who, code)
		}
	}
	if code, body := retry("admin", due[0].ID); code != http.StatusConflict {
		t.Errorf("retry with no address now: %d %s", code, body)
	}
	if err := db.SetUserMail(ctx, f.ids["admin"], f.ids["handler"], workflow.MailSettings{Email: "handler@binhthuy.gov.vn"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"retried":true}`, `{"retried":false}`} {
		if code, body := retry("admin", due[0].ID); code != http.StatusOK || body != want+"\n" {
			t.Errorf("retry: %d %s, want %s", code, body, want)
		}
	}
	if code, _ := retry("admin", 999); code != http.StatusNotFound {
		t.Errorf("retry of no mail: %d", code)
	}
	if c := list("").Counts; c.Failed != 1 || c.Pending != 2 {
		t.Errorf("counts after the retry: %+v", c)
	}
	again, _ := db.DueNotifications(ctx, time.Now().Add(time.Minute), 10)
	if len(again) != 2 || again[0].ID != due[0].ID || again[0].Address != "handler@binhthuy.gov.vn" {
		t.Errorf("due after the retry: %+v", again)
	}
}
