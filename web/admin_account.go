package web

import (
	"context"
	"net/http"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// accountStatuses returns the status of users' accounts (none when the
// service shows none: an Accounts that is not an auth.AccountAdmin, with
// which the user pages show no status and an unlock is refused).
func (u *UI) accountStatuses(ctx context.Context, s *Session, users []*workflow.User) (map[string]auth.AccountStatus, error) {
	a, ok := u.cfg.Accounts.(auth.AccountAdmin)
	if !ok {
		return nil, nil
	}
	return a.AccountStatuses(ctx, s.User, users)
}

// accountAction applies the user page's account forms to target:
// require_password, after its confirmation page (asked: the page was
// shown, nothing done), and unlock, at once (it only ends a lockout).
func (u *UI) accountAction(w http.ResponseWriter, r *http.Request, s *Session, target *workflow.User) (asked bool, err error) {
	if r.PostFormValue("action") == "unlock" {
		a, ok := u.cfg.Accounts.(auth.AccountAdmin)
		if !ok {
			return false, workflow.Errorf(workflow.EUNAVAILABLE, "accounts")
		}
		_, err = a.UnlockAccount(r.Context(), s.User, target.ID)
		return false, err
	}
	if !confirmed(r, "require_password") {
		v := confirmView{confirmText: confirmText{Heading: "Xác nhận yêu cầu đổi mật khẩu", Button: "Xác nhận yêu cầu đổi mật khẩu", Danger: true,
			Facts: []string{"Người dùng vẫn đăng nhập bằng mật khẩu hiện tại, nhưng phải đặt mật khẩu mới trước khi làm bất cứ việc gì khác.",
				"Mọi phiên đăng nhập đang mở của người dùng kết thúc ngay.",
				"Chỉ người dùng xóa được yêu cầu này, bằng cách tự đổi mật khẩu."},
			Undo: "Quản trị viên không hủy được yêu cầu này (chỉ người dùng, khi tự đổi mật khẩu); các phiên đăng nhập đã kết thúc không được khôi phục."},
			Subject: "Người dùng " + userLabel(target), Post: "/admin/users/" + target.ID,
			Hidden: []formField{{Name: "action", Value: "require_password"}}, Confirm: "require_password", Back: "/admin/users/" + target.ID}
		u.render(w, r, s, http.StatusOK, "confirm", v.Heading, v)
		return true, nil
	}
	_, err = u.cfg.Accounts.UpdateUser(r.Context(), s.User, target.ID, func(x *workflow.User) error {
		x.MustChangePassword = true
		return nil
	})
	return false, err
}
