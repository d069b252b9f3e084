package api_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// signFixture is the API with a signer, the accounts on the in-memory
// repository (it keeps the sessions' sign confirmations) and every
// clock at *now; sign and issue ask for the password when on.
func signFixture(t *testing.T, now *time.Time, on bool) *fixture {
	t.Helper()
	clock := func() time.Time { return *now }
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { s.Signer, s.Now = workflowtest.Signer{}, clock })
	accounts := f.srv.Accounts.(*auth.Service)
	accounts.Now, accounts.Cost = clock, bcrypt.MinCost
	f.srv.Now, f.srv.SignPassword, f.srv.SignConfirmTTL = clock, on, 5*time.Minute
	// A second session of the official (her other device).
	tok, _, _, err := accounts.Login(context.Background(), "officer", "password-officer")
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["officer-phone"] = tok
	return f
}

// approved returns a new outgoing document approved, ready to sign.
func (f *fixture) approved(t *testing.T) string {
	t.Helper()
	d := f.create(t, "handler", f.outgoingMeta())
	for _, s := range []struct{ user, action string }{{"handler", "submit"}, {"officer", "approve"}} {
		if rec := f.json(t, s.user, "POST", "/api/v1/documents/"+d.ID+"/actions/"+s.action, nil); rec.Code != 200 {
			t.Fatalf("%s: %d %s", s.action, rec.Code, rec.Body)
		}
	}
	return d.ID
}

// act posts action on document id as the session named user, with pw in
// X-Vanthu-Sign-Password unless it is empty.
func (f *fixture) act(t *testing.T, user, id, action, pw string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/documents/"+id+"/actions/"+action, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	if pw != "" {
		req.Header.Set(api.HeaderSignPassword, pw)
	}
	rec := httptest.NewRecorder()
	apitest.Validating(t, f.srv).ServeHTTP(rec, req)
	if strings.Contains(rec.Body.String(), pw) && pw != "" {
		t.Fatalf("%s: the answer shows the password: %s", action, rec.Body)
	}
	return rec
}

// wantAnswer fails unless rec has status and, for an error, code.
func wantAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status || code != "" && decodeErr(t, rec).Error.Code != code {
		t.Fatalf("%s: %d %s; want %d %s", what, rec.Code, rec.Body, status, code)
	}
}

// TestSignPasswordOff: with VANTHU_SIGN_CONFIRM_API off (the default),
// the bearer token alone signs and issues, as before.
func TestSignPasswordOff(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	f := signFixture(t, &now, false)
	id := f.approved(t)
	wantAnswer(t, "sign", f.act(t, "officer", id, "sign", ""), 200, "")
	wantAnswer(t, "issue", f.act(t, "clerk", id, "issue", ""), 200, "")
}

// TestSignPasswordAPI: with VANTHU_SIGN_CONFIRM_API=password, sign and
// issue without the header are 403 sign_password_required, with a wrong
// password 401 unauthorized, with the right one done; the right one
// spares the same session's next signatures within the TTL, not another
// session's, not after the TTL. Other actions never ask.
func TestSignPasswordAPI(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	f := signFixture(t, &now, true)
	id := f.approved(t)
	for _, tc := range []struct {
		name, user, action, pw string
		status                 int
		code                   string
	}{
		{"sign, no password", "officer", "sign", "", 403, workflow.ESIGNPASSWORD},
		{"sign, wrong password", "officer", "sign", "password-clerk", 401, workflow.EUNAUTHORIZED},
		{"sign, right password", "officer", "sign", "password-officer", 200, ""},
		{"issue, no password", "clerk", "issue", "", 403, workflow.ESIGNPASSWORD},
		{"issue, wrong password", "clerk", "issue", "password-officer", 401, workflow.EUNAUTHORIZED},
		{"issue, right password", "clerk", "issue", "password-clerk", 200, ""},
	} {
		wantAnswer(t, tc.name, f.act(t, tc.user, id, tc.action, tc.pw), tc.status, tc.code)
	}
	wantAnswer(t, "submit, no password", f.act(t, "handler", f.create(t, "handler", f.outgoingMeta()).ID, "submit", ""), 200, "")

	now = now.Add(4 * time.Minute)
	wantAnswer(t, "the same session within the TTL", f.act(t, "officer", f.approved(t), "sign", ""), 200, "")
	wantAnswer(t, "another session within the TTL", f.act(t, "officer-phone", f.approved(t), "sign", ""), 403, workflow.ESIGNPASSWORD)
	now = now.Add(time.Minute)
	wantAnswer(t, "the same session after the TTL", f.act(t, "officer", f.approved(t), "sign", ""), 403, workflow.ESIGNPASSWORD)
}

// TestSignPasswordLockout: wrong passwords sent to sign count towards
// the account's lockout as failed logins do: then even the right one is
// 429, and the session that had confirmed within the TTL is asked again,
// also once the lockout is over.
func TestSignPasswordLockout(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	f := signFixture(t, &now, true)
	wantAnswer(t, "sign, right password", f.act(t, "officer", f.approved(t), "sign", "password-officer"), 200, "")
	id := f.approved(t)
	for i := range 6 {
		wantAnswer(t, "guess", f.act(t, "officer-phone", id, "sign", "doan-sai-mat-khau-"+string(rune('a'+i))), 401, workflow.EUNAUTHORIZED)
	}
	rec := f.act(t, "officer-phone", id, "sign", "password-officer")
	wantAnswer(t, "the right password while locked out", rec, 429, workflow.ETOOMANY)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	wantAnswer(t, "the confirmed session while locked out", f.act(t, "officer", id, "sign", ""), 403, workflow.ESIGNPASSWORD)
	now = now.Add(time.Minute) // the lockout (30 s) over, within the TTL
	wantAnswer(t, "the confirmed session after the lockout", f.act(t, "officer", id, "sign", ""), 403, workflow.ESIGNPASSWORD)
	wantAnswer(t, "the right password after the lockout", f.act(t, "officer", id, "sign", "password-officer"), 200, "")
}
