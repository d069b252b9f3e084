package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// failedMailSettings is the in-memory mail settings with the failed mail
// of a database's outbox (workflow.UserFailedMail), as gormdb.DB is both.
type failedMailSettings struct {
	*workflowtest.MailSettings
	db *gormdb.DB
}

func (m failedMailSettings) FailedMailTo(ctx context.Context, userID string, limit int) ([]workflow.OutboxMail, error) {
	return m.db.FailedMailTo(ctx, userID, limit)
}

// TestMe: GET /auth/me answers the caller's own account with their
// e-mail settings and, once the mail server refused mail to them for
// good, mail_failed — the address, the server's answer, when, and how
// many more — which only the admin's outbox said; another user's refused
// mail is not theirs; a user whose password must change first may read
// it; no token is 401. Through apitest.Validating.
func TestMe(t *testing.T) {
	f := newFixture(t, 1<<20)
	db := gormdbtest.Open(t, gormdb.SQLite)
	settings := &workflowtest.MailSettings{}
	f.srv.Mail = failedMailSettings{MailSettings: settings, db: db}
	ctx := context.Background()
	if err := settings.SetUserMail(ctx, f.ids["admin"], f.ids["handler"], workflow.MailSettings{Email: "moi@binhthuy.gov.vn"}); err != nil {
		t.Fatal(err)
	}
	me := func(who string) (out api.UserJSON) {
		t.Helper()
		rec := f.do(t, who, http.MethodGet, "/api/v1/auth/me", nil, "")
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			t.Fatalf("GET /auth/me as %s: %d %s", who, rec.Code, rec.Body)
		}
		return out
	}
	if got := me("handler"); got.ID != f.ids["handler"] || got.Email != "moi@binhthuy.gov.vn" || got.MailFailed != nil {
		t.Fatalf("before any refusal: %+v", got)
	}
	var ns []workflow.Notification
	for i, who := range []string{"handler", "handler", "officer"} {
		ns = append(ns, workflow.Notification{EventSeq: int64(10 + i), UserID: f.ids[who], Address: "cu@sai",
			Subject: "[vanthu] Văn bản chờ xử lý", Body: "không lộ ra"})
	}
	if err := db.EnqueueNotifications(ctx, ns); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueNotifications(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("due %v %v", due, err)
	}
	for _, m := range due {
		if err := db.NotificationRefused(ctx, m.ID, 1, time.Now(), "550 5.1.1 no such user"); err != nil {
			t.Fatal(err)
		}
	}
	got := me("handler")
	if m := got.MailFailed; m == nil || m.Address != "cu@sai" || m.Answer != "550 5.1.1 no such user" || m.More != 1 ||
		time.Since(m.At) > time.Minute || got.Email != "moi@binhthuy.gov.vn" {
		t.Errorf("after two refusals: %+v %+v", got, got.MailFailed)
	}
	if got := me("clerk"); got.MailFailed != nil {
		t.Errorf("the clerk has another's refused mail: %+v", got.MailFailed)
	}
	if rec := f.do(t, "", http.MethodGet, "/api/v1/auth/me", nil, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d", rec.Code)
	}
	rec := f.json(t, "admin", http.MethodPatch, "/api/v1/users/"+f.ids["officer"], map[string]any{"must_change_password": true})
	if rec.Code != http.StatusOK {
		t.Fatalf("require a change: %d %s", rec.Code, rec.Body)
	}
	// must_change_password ended the officer's sessions: log in again.
	if got := f.login(t, "officer", "officer", "password-officer"); !got.MustChangePassword {
		t.Fatalf("officer: %+v", got)
	}
	if got := me("officer"); got.ID != f.ids["officer"] || got.MailFailed == nil || got.MailFailed.More != 0 {
		t.Errorf("officer before the change: %+v", got)
	}
	if rec := f.do(t, "officer", http.MethodGet, "/api/v1/users", nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("officer before the change reads users: %d", rec.Code)
	}
}
