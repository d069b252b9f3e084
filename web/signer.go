package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
)

// A signature needs its signer present. The confirmation of Ký số (an
// official's personal key) and of Phát hành (the clerk applies the
// agency's) asks for the user's current password, checked as a login's
// (auth.Service.ConfirmPasswordFrom: a wrong one counts towards the
// account's lockout and is audited, a locked account cannot sign): the
// session cookie alone — a colleague at an unlocked PC, a stolen
// cookie — no longer signs in the user's name, as a USB token's PIN or a
// remote signature's OTP confirms it elsewhere. A right password is
// remembered for the session for Config.SignConfirmTTL (from the check,
// not extended by signing; 0: asked every time), with the session in the
// database (auth.SignConfirmStore: every instance behind a load balancer
// reads it): it stops counting when the session ends, when the account
// is locked out by wrong passwords (at a login or a confirmation), and
// when the password is changed. Accounts whose repository keeps none
// ask every time (the server always has a database).

// signerPasswordField is the confirmation's password input: never sent
// back into a page (repost leaves it out).
const signerPasswordField = "signer_password"

// asksPassword says whether the confirmation of a asks for the user's
// password: the actions that sign.
func asksPassword(a workflow.Action) bool { return a == workflow.Sign || a == workflow.Issue }

// signerPrompt is what the confirmation of a says above the password.
func signerPrompt(a workflow.Action) string {
	if a == workflow.Issue {
		return "Nhập mật khẩu của đồng chí để xác nhận cấp số, phát hành và ký số của cơ quan"
	}
	return "Nhập mật khẩu của đồng chí để xác nhận ký số"
}

// within says whether a check at at still holds at now for ttl.
func within(at, now time.Time, ttl time.Duration) bool {
	return ttl > 0 && !at.IsZero() && now.Sub(at) < ttl && !now.Before(at)
}

// signConfirmed returns when s's user last typed the right password to
// sign, if it still holds: within the TTL, the account not locked out,
// the password not changed since.
func (u *UI) signConfirmed(ctx context.Context, s *Session) (time.Time, bool, error) {
	now, ttl := u.now(), u.cfg.SignConfirmTTL
	if ttl <= 0 {
		return time.Time{}, false, nil
	}
	at, _, err := u.cfg.Accounts.SignConfirmed(ctx, s.Token, s.User)
	return at, err == nil && within(at, now, ttl), err
}

// signRemember records a right password of s at now.
func (u *UI) signRemember(ctx context.Context, s *Session, now time.Time) error {
	ttl := u.cfg.SignConfirmTTL
	if ttl <= 0 {
		return nil
	}
	_, err := u.cfg.Accounts.RememberSignConfirm(ctx, s.Token, now)
	return err
}

// signerRefusal is why a confirmed signature was not done: the
// confirmation page is shown again with Message (status Status).
type signerRefusal struct {
	Message    string
	Status     int
	RetryAfter time.Duration
}

// signerAbsent checks the signer's presence on a confirmed post of
// action: nil when the action needs none, the session's password was
// checked within the TTL, or the password posted is right (then
// remembered); a refusal to show on the confirmation page otherwise —
// none typed, a wrong one, the account locked. err: the check could
// not be done (the database), shown as any other error.
func (u *UI) signerAbsent(r *http.Request, s *Session, action workflow.Action) (*signerRefusal, error) {
	if !asksPassword(action) {
		return nil, nil
	}
	if _, ok, err := u.signConfirmed(r.Context(), s); ok || err != nil {
		return nil, err
	}
	pw := r.PostFormValue(signerPasswordField)
	if pw == "" {
		return &signerRefusal{Message: signerPrompt(action) + ".", Status: statusOf(workflow.EINVALID)}, nil
	}
	err := u.cfg.Accounts.ConfirmPasswordFrom(r.Context(), auth.ClientAddr(r, u.cfg.TrustedProxies), s.User, pw, "sign")
	switch workflow.ErrorCode(err) {
	case "":
		return nil, u.signRemember(r.Context(), s, u.now())
	case workflow.EUNAUTHORIZED:
		return &signerRefusal{Status: statusOf(workflow.EUNAUTHORIZED),
			Message: "Mật khẩu không đúng: chưa " + orName(actionNames, action) + ". Nhập lại mật khẩu đăng nhập của đồng chí; " +
				"nhập sai nhiều lần, tài khoản bị tạm khóa đăng nhập và ký số như khi đăng nhập sai."}, nil
	case workflow.ETOOMANY:
		f := &signerRefusal{Status: statusOf(workflow.ETOOMANY), RetryAfter: time.Minute}
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) {
			f.RetryAfter = max(ra.RetryAfter(), time.Second)
		}
		f.Message = fmt.Sprintf("Đã nhập sai mật khẩu quá nhiều lần: tài khoản tạm khóa đăng nhập và ký số. "+
			"Đợi %s rồi thử lại, hoặc nhờ quản trị hệ thống mở tạm khóa.", waitText(f.RetryAfter))
		return f, nil
	}
	return nil, err
}

// statusOf is the status of code, from the table.
func statusOf(code string) int {
	st, _ := httpstatus.Of(code)
	return st
}

// waitText says a wait in Vietnamese: "45 giây", "3 phút".
func waitText(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + " giây"
	}
	return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " phút"
}

// signerAsk says whether the confirmation of a signature asks for the
// password, and when it does not, note: until when the session's last
// check holds. A check that cannot be read asks (the post reads it
// again, and shows its error).
func (u *UI) signerAsk(ctx context.Context, s *Session) (ask bool, note string) {
	at, ok, err := u.signConfirmed(ctx, s)
	if !ok || err != nil {
		return true, ""
	}
	return false, "Đồng chí đã nhập mật khẩu xác nhận ký lúc " + at.In(workflow.Vietnam).Format("15:04") +
		"; không cần nhập lại đến " + at.Add(u.cfg.SignConfirmTTL).In(workflow.Vietnam).Format("15:04") + "."
}

// signerCheck is what a signature's confirmation page shows of its
// signer's presence: the password's label (SignerPrompt), or the note
// that the session's last check still holds (SignerNote); why the last
// confirmed post was refused (Error; Invalid on the password field).
type signerCheck struct {
	SignerPrompt, SignerNote, Error string
	Invalid                         Invalid
}

// signerShown fills c for a confirmation of action a (none asked for an
// action that does not sign) after refused (nil: not refused), sets
// Retry-After on w for a lockout, and returns the page's status.
func (u *UI) signerShown(w http.ResponseWriter, r *http.Request, s *Session, a workflow.Action, refused *signerRefusal, c *signerCheck) int {
	if asksPassword(a) {
		ask, note := u.signerAsk(r.Context(), s)
		if c.SignerNote = note; ask {
			c.SignerPrompt = signerPrompt(a)
		}
	}
	if refused == nil {
		return http.StatusOK
	}
	c.Error = refused.Message
	if c.SignerPrompt != "" {
		c.Invalid = one(signerPasswordField, refused.Message)
	}
	if refused.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64(refused.RetryAfter/time.Second), 10))
	}
	return refused.Status
}
