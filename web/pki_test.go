package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestRevokeCertificatePage: the admin revokes an official's
// development-PKI certificate on /admin/pki through the PKI's own Revoke
// (what the API calls), after a confirmation; the list shows it; other
// roles get neither the page nor the post; without the development PKI
// there is no page.
func TestRevokeCertificatePage(t *testing.T) {
	e := newTestEnv(t)
	type call struct {
		actor, serial, userID, comment string
		reason                         workflow.RevocationReason
	}
	var calls []call
	var list []workflow.Revocation
	var refuse error
	fake := &PKIAdmin{
		Revoke: func(_ context.Context, actor *workflow.User, serial, userID string, reason workflow.RevocationReason, comment string) (workflow.Revocation, error) {
			calls = append(calls, call{actor.ID, serial, userID, comment, reason})
			if refuse != nil {
				return workflow.Revocation{}, refuse
			}
			r := workflow.Revocation{Serial: "1a2b", Subject: "CN=Trần Văn Lãnh Đạo", UserID: userID, Reason: reason, RevokedAt: e.now, Actor: actor.ID, Comment: comment}
			list = append(list, r)
			return r, nil
		},
		Revocations: func(context.Context) ([]workflow.Revocation, error) { return list, nil },
	}
	e.remount(t, Config{PKI: fake})
	admin := e.login("quantri")
	p := admin.get("/admin/pki")
	for _, want := range []string{`href="/admin/pki" aria-current="page"`, `<option value="` + e.users["lanhdao"].ID + `">Trần Văn Lãnh Đạo (lanhdao)`,
		`<option value="keyCompromise">Khóa bí mật bị lộ`, "Chưa thu hồi chứng thư nào."} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(p.Body, e.users["chuyenvien"].ID) {
		t.Errorf("a handler is offered as an official")
	}
	form := url.Values{"user_id": {e.users["lanhdao"].ID}, "serial": {""}, "reason": {"keyCompromise"}, "comment": {"Mất thiết bị ký"}}
	p = admin.post("/admin/pki", form)
	cf, ok := confirmForm(p, "revoke")
	if !ok || !strings.Contains(p.Body, "Chứng thư hiện tại của Trần Văn Lãnh Đạo") || !strings.Contains(p.Body, "Lý do: Khóa bí mật bị lộ.") {
		t.Fatalf("revoke did not ask first: %d\n%s", p.Status, p.Body)
	}
	if len(calls) != 0 {
		t.Fatalf("revoked before the confirmation: %+v", calls)
	}
	// The development PKI issues the official a new certificate at their
	// next signature: the page said one had to be issued to them, and a
	// document signed before the revocation is still valid and issued.
	if strings.Contains(p.Body, "cần được cấp chứng thư mới") || !strings.Contains(p.Body, "máy chủ tự cấp cho lãnh đạo chứng thư mới") ||
		!strings.Contains(p.Body, "vẫn hợp lệ và vẫn phát hành được") {
		t.Errorf("the confirmation does not say what follows for the official:\n%s", p.Body)
	}
	p = admin.post("/admin/pki", cf)
	want := call{e.users["quantri"].ID, "", e.users["lanhdao"].ID, "Mất thiết bị ký", workflow.ReasonKeyCompromise}
	if p.Status != http.StatusSeeOther || p.Location != "/admin/pki?ok=revoke" || len(calls) != 1 || calls[0] != want {
		t.Fatalf("confirmed: %d %q, calls %+v", p.Status, p.Location, calls)
	}
	p = admin.get("/admin/pki?ok=revoke")
	for _, want := range []string{"Đã thu hồi chứng thư số.", "1a2b", "Mất thiết bị ký", "Quản Trị Viên", e.now.Format("02/01/2006")} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("after revoking, page lacks %s", want)
		}
	}
	// Refused by the PKI: the page says why, with the form as typed.
	for _, tc := range []struct {
		err    error
		status int
		want   string
	}{
		{workflow.Errorf(workflow.ECONFLICT, "already revoked"), http.StatusConflict, "đã bị thu hồi trước đó"},
		{workflow.Errorf(workflow.ENOTFOUND, "no certificate"), http.StatusNotFound, "Không tìm thấy chứng thư"},
		{workflow.Errorf(workflow.EINVALID, "name the certificate by serial number or by user, not both"), http.StatusBadRequest, "không cả hai"},
	} {
		refuse = tc.err
		p := admin.post("/admin/pki", cf)
		if p.Status != tc.status || !strings.Contains(p.Body, tc.want) || !strings.Contains(p.Body, "Mất thiết bị ký") {
			t.Errorf("%v: %d\n%s", tc.err, p.Status, p.Body)
		}
	}
	refuse = nil
	// A reason not in the list is refused before any confirmation.
	bad := url.Values{"serial": {"1a2b"}, "reason": {"cACompromise"}}
	if p := admin.post("/admin/pki", bad); p.Status != http.StatusBadRequest || strings.Contains(p.Body, `name="confirm"`) {
		t.Errorf("bad reason: %d", p.Status)
	}
	n := len(calls)
	for _, name := range []string{"vanthu", "lanhdao", "luutru"} {
		c := e.login(name)
		if p := c.get("/admin/pki"); p.Status != http.StatusForbidden {
			t.Errorf("%s GET: %d", name, p.Status)
		}
		cf.Set("csrf_token", c.csrf)
		if p := c.post("/admin/pki", cf); p.Status != http.StatusForbidden {
			t.Errorf("%s confirmed post: %d", name, p.Status)
		}
	}
	if len(calls) != n {
		t.Errorf("another role's post revoked: %+v", calls[n:])
	}
	// Without the development PKI: no page, no tab.
	e.remount(t, Config{})
	admin = e.login("quantri")
	if p := admin.get("/admin/pki"); p.Status != http.StatusNotFound {
		t.Errorf("without PKI: %d", p.Status)
	}
	if strings.Contains(admin.get("/admin/users").Body, `/admin/pki`) {
		t.Errorf("tab shown without PKI")
	}
}
