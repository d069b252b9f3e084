package api

import (
	"context"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// A signature needs its signer present, through the API as in the web
// (web/signer.go). With Server.SignPassword (VANTHU_SIGN_CONFIRM_API=
// password), sign and issue take the caller's current password in the
// header HeaderSignPassword, checked as the web's confirmation is
// (auth.Service.ConfirmPasswordFrom, during "sign": a wrong one counts
// towards the account's lockout as a failed login and is audited): the
// bearer token alone — one stolen, valid 12 hours — no longer signs with
// an official's personal key. A right one is remembered with the
// session (sessions.sign_confirmed_at, the web's) for SignConfirmTTL: a
// batch of signatures through the API asks once, and a password typed
// in the web's confirmation does not count for another session (each
// login is its own). A lockout or a password change forgets it.
//
// A header, not a field of the action's JSON body: the body is optional
// (most actions, and their clients, send none) and is the same for
// every action, where only two take the password; the credential
// travels beside Authorization (a proxy that logs headers must leave
// both out), and no body the server may echo or keep carries it.

// HeaderSignPassword is the request header that carries the caller's
// password to sign or issue when the server asks for it.
const HeaderSignPassword = "X-Vanthu-Sign-Password"

// SignConfirmer is the part of Accounts (auth.Service) that checks a
// signer's password and keeps the session's confirmation (needed when
// Server.SignPassword is set).
type SignConfirmer interface {
	ConfirmPasswordFrom(ctx context.Context, addr string, actor *workflow.User, password, during string) error
	RememberSignConfirm(ctx context.Context, token string, at time.Time) (stored bool, err error)
	SignConfirmed(ctx context.Context, token string, u *workflow.User) (at time.Time, stored bool, err error)
}

// asksSignPassword says whether action a needs the signer's password
// on this server.
func (s *Server) asksSignPassword(a workflow.Action) bool {
	return s.SignPassword && (a == workflow.Sign || a == workflow.Issue)
}

// signerPresent checks the caller's presence for action: nil when the
// action needs none, the session confirmed its password within
// SignConfirmTTL, or the header's password is right (then remembered);
// ESIGNPASSWORD when there is none, EUNAUTHORIZED when it is wrong,
// ETOOMANY while the account or address is locked out. The password is
// never logged nor put in an error.
func (s *Server) signerPresent(c echo.Context, action workflow.Action) error {
	if !s.asksSignPassword(action) {
		return nil
	}
	sc, ok := s.Accounts.(SignConfirmer)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server cannot check a signer's password")
	}
	ctx, u := c.Request().Context(), Actor(c)
	token, _ := c.Get(tokenKey).(string)
	now, ttl := s.now(), s.SignConfirmTTL
	if ttl > 0 {
		at, _, err := sc.SignConfirmed(ctx, token, u)
		if err != nil {
			return fmt.Errorf("sign confirmation: %w", err)
		}
		if !at.IsZero() && !now.Before(at) && now.Sub(at) < ttl {
			return nil
		}
	}
	pw := c.Request().Header.Get(HeaderSignPassword)
	if pw == "" {
		msg := fmt.Sprintf("to %s, send your current password in the %s header (this server asks for it: VANTHU_SIGN_CONFIRM_API=password)",
			action, HeaderSignPassword)
		if ttl > 0 {
			msg += fmt.Sprintf("; a right one spares this session's next signatures for %s", ttl)
		}
		return workflow.Errorf(workflow.ESIGNPASSWORD, "%s", msg)
	}
	err := sc.ConfirmPasswordFrom(ctx, auth.ClientAddr(c.Request(), s.TrustedProxies), u, pw, "sign")
	switch workflow.ErrorCode(err) {
	case "":
		if ttl <= 0 {
			return nil
		}
		if _, err := sc.RememberSignConfirm(ctx, token, now); err != nil {
			return err
		}
		return nil
	case workflow.EUNAUTHORIZED:
		return workflow.Errorf(workflow.EUNAUTHORIZED, "wrong password in %s: not done (wrong passwords count towards the account's lockout as failed logins)", HeaderSignPassword)
	}
	return err
}
