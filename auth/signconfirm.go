package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// SignConfirmStore keeps, with each session, when its user last typed
// the right password to confirm a signature (web/signer.go,
// api/signconfirm.go), where every instance sharing the store reads it
// (storage/gormdb: the sessions table; the in-memory fake). It goes with
// its session. A Tx that implements ForgetSignConfirmed forgets them
// with a password change.
type SignConfirmStore interface {
	SetSignConfirmed(ctx context.Context, tokenHash string, at time.Time) error
	// SignConfirmed: the zero time for none, or no such live session.
	SignConfirmed(ctx context.Context, tokenHash string) (time.Time, error)
	// ForgetSignConfirmed forgets them for every session of userID.
	ForgetSignConfirmed(ctx context.Context, userID string) error
}

// signConfirmForgetter is the transaction's part of SignConfirmStore.
type signConfirmForgetter interface {
	ForgetSignConfirmed(ctx context.Context, userID string) error
}

// RememberSignConfirm records that the session of token confirmed a
// signature with its password at at. stored is false when the
// repository keeps none (nothing is remembered: the web and the API then
// ask every time).
func (s *Service) RememberSignConfirm(ctx context.Context, token string, at time.Time) (stored bool, err error) {
	st, ok := s.Repo.(SignConfirmStore)
	if !ok {
		return false, nil
	}
	if err := st.SetSignConfirmed(ctx, HashToken(token), at); err != nil {
		return true, fmt.Errorf("remember sign confirmation: %w", err)
	}
	return true, nil
}

// SignConfirmed returns when the session of token, user u's, last
// confirmed a signature (zero: never, or forgotten): stored is false when
// the repository keeps none. While u's account is locked out it is
// none: a lockout forgets it (forgetSignConfirms), and a store that
// missed the forgetting does not make it count meanwhile.
func (s *Service) SignConfirmed(ctx context.Context, token string, u *workflow.User) (at time.Time, stored bool, err error) {
	st, ok := s.Repo.(SignConfirmStore)
	if !ok {
		return time.Time{}, false, nil
	}
	if at, err = st.SignConfirmed(ctx, HashToken(token)); err != nil || at.IsZero() {
		return time.Time{}, true, err
	}
	until, err := s.AccountLockedUntil(ctx, u)
	if err != nil || !until.IsZero() {
		return time.Time{}, true, err
	}
	return at, true, nil
}

// AccountLockedUntil returns until when u's account is locked out by
// failed passwords (zero: it is not), as every instance sees it when the
// repository keeps the throttle.
func (s *Service) AccountLockedUntil(ctx context.Context, u *workflow.User) (time.Time, error) {
	key, now := accountKeyOf(u), s.now()
	if st := s.throttleStore(); st != nil {
		locked, err := st.ThrottleLocked(ctx, now)
		if err != nil {
			return time.Time{}, fmt.Errorf("account lockout: %w", err)
		}
		return locked[key], nil
	}
	return s.throttle().LockedUntil(key, now), nil
}

// forgetSignConfirms forgets the signature confirmations of userID's
// sessions when locks lock its account out (a password guessed at a
// login or at a confirmation: whoever is at the session's PC types it
// again once the lockout ends). A failure to forget is not the login's:
// SignConfirmed ignores them while the account is locked.
func (s *Service) forgetSignConfirms(ctx context.Context, userID string, locks []Lock) {
	st, ok := s.Repo.(SignConfirmStore)
	if !ok || userID == "" {
		return
	}
	for _, l := range locks {
		if strings.HasPrefix(l.Key, "account:") {
			if err := st.ForgetSignConfirmed(context.WithoutCancel(ctx), userID); err != nil && s.Logger != nil {
				// Read as none while the account is locked all the same
				// (SignConfirmed); an admin's unlock before the TTL would
				// let it count again.
				s.Logger.WarnContext(ctx, "lockout: signature confirmations of the user's sessions not forgotten", "user", userID, "err", err)
			}
			return
		}
	}
}
