package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// passwordPath is the page of a user's own password change, linked from
// every page's header; a user whose password an admin set
// (workflow.User.MustChangePassword) is sent to it from every other page.
const passwordPath = "/password"

// passwordRoutes registers the password change (added to New's list).
func (u *UI) passwordRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+passwordPath, u.auth(u.handlePassword))
	mux.Handle("POST "+passwordPath, u.auth(u.handlePassword))
	mux.Handle("POST "+notificationsPath, u.auth(u.handleNotifications))
}

// passwordView is the password page.
type passwordView struct {
	// Required: the user's password was set by an admin; the page says
	// why it is shown.
	Required bool
	Next     string
	Error    string
	Invalid  Invalid // the input at fault, with Error
	// Mail is the user's e-mail notifications (nil: the server keeps
	// none, or the password must be changed first).
	Mail *mailView
}

// passwordInputs are the inputs of the form by the service's field names.
var passwordInputs = map[string]string{"current_password": "current_password", "new_password": "new_password",
	"new_password2": "new_password2"}

// handlePassword shows the form and changes the password: the current
// one (checked and throttled as a login), the new one twice. Done, it
// goes to next (the page the user was sent here from) with a message;
// this session stays, the user's others end.
func (u *UI) handlePassword(w http.ResponseWriter, r *http.Request, s *Session) error {
	v := passwordView{Required: s.User.MustChangePassword, Next: safeNext(r.FormValue("next"))}
	title := "Đổi mật khẩu"
	if !v.Required {
		var err error
		if v.Mail, err = u.accountMail(r.Context(), s); err != nil {
			return err
		}
		title = "Tài khoản"
	}
	if r.Method != http.MethodPost {
		u.render(w, r, s, http.StatusOK, "password", title, v)
		return nil
	}
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("new_password2") {
		err = workflow.Errorf(workflow.EINVALID, "the new password typed again differs").On("new_password2")
	} else {
		_, err = u.cfg.Accounts.ChangePasswordFrom(r.Context(), auth.ClientAddr(r, u.cfg.TrustedProxies), s.User, s.Token, current, next)
	}
	if err == nil {
		http.Redirect(w, r, withOK(v.Next, "password_changed"), http.StatusSeeOther)
		return nil
	}
	code, p := problemOf(err)
	if p.Status >= 500 || code == workflow.EFORBIDDEN {
		return err
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.FormatInt(int64(max(ra.RetryAfter(), time.Second)/time.Second), 10))
	}
	v.Error = passwordProblem(err, current == next)
	v.Invalid = one(inputOf(err, passwordInputs), v.Error)
	u.render(w, r, s, p.Status, "password", title, v)
	return nil
}

// passwordProblem is the Vietnamese text of a refused change (same: the
// new password typed is the current one typed).
func passwordProblem(err error, same bool) string {
	switch workflow.ErrorCode(err) {
	case workflow.EUNAUTHORIZED:
		return "Mật khẩu hiện tại không đúng."
	case workflow.EINVALID:
		if workflow.ErrorField(err) == "new_password2" {
			return "Hai lần nhập mật khẩu mới không khớp nhau."
		}
		if same {
			return "Mật khẩu mới phải khác mật khẩu hiện tại."
		}
		if errors.Is(err, auth.ErrPasswordReused) {
			return fmt.Sprintf("Mật khẩu mới không được trùng với %d mật khẩu gần nhất của đồng chí; hãy chọn mật khẩu khác.", auth.PasswordHistory)
		}
		return "Mật khẩu mới phải có ít nhất 8 ký tự (và không quá 72 byte)."
	}
	return Message(err)
}

// withOK adds ?ok=key (the layout's confirmation) to a local path.
func withOK(path, key string) string {
	p, err := url.Parse(path)
	if err != nil {
		return "/?ok=" + key
	}
	q := p.Query()
	q.Set("ok", key)
	p.RawQuery = q.Encode()
	return p.String()
}

// passwordGate sends a user whose password an admin set to the password
// page before any other (and refuses any other form, doing nothing):
// true when it answered. Logging out stays possible.
func (u *UI) passwordGate(w http.ResponseWriter, r *http.Request, s *Session) bool {
	if !s.User.MustChangePassword || r.URL.Path == passwordPath || r.URL.Path == "/logout" {
		return false
	}
	next := r.URL.RequestURI()
	if !safeMethod(r.Method) {
		next = safeNext(r.URL.Path)
	}
	http.Redirect(w, r, passwordPath+"?next="+url.QueryEscape(next), http.StatusSeeOther)
	return true
}
