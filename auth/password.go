package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// OtherSessionEnder is implemented by the transactions of repositories
// that can end all of a user's sessions but one (storage/gormdb and the
// in-memory fake do).
type OtherSessionEnder interface {
	// DeleteOtherSessions ends every session of userID except the one
	// of token hash keep, and returns how many it ended.
	DeleteOtherSessions(ctx context.Context, userID, keep string) (int64, error)
}

// PasswordHistory is how many of a user's last passwords, the current one
// included, their own change refuses as the new one: the
// PasswordHistory-1 before the current one are kept as bcrypt hashes in
// the repository's password history. Every password replaced joins them:
// the user's own, one an admin's reset replaced or whose change an admin
// required, and a temporary one (an admin's or the system's) — known to
// someone else, it does not come back as the user's own.
const PasswordHistory = 5

// ErrPasswordReused is the cause of the EINVALID (on new_password) of a
// change to one of the user's previous passwords.
var ErrPasswordReused = errors.New("the new password is one the user had before")

// PasswordHistoryReader is implemented by repositories that keep the
// hashes of users' previous passwords (storage/gormdb and the in-memory
// fake do): the last n of userID's, newest first.
type PasswordHistoryReader interface {
	PreviousPasswordHashes(ctx context.Context, userID string, n int) ([]string, error)
}

// PasswordHistoryWriter is implemented by their transactions: hash is a
// password userID had until at; only the keep newest of theirs are kept.
type PasswordHistoryWriter interface {
	AddPreviousPassword(ctx context.Context, userID, hash string, at time.Time, keep int) error
}

// keepPrevious records u's password hash, about to be replaced, in the
// password history, whoever chose it: the user's own, or a temporary one
// (MustChangePassword: an admin set it, or required its change). Nothing
// on a repository without a history.
func keepPrevious(ctx context.Context, tx workflow.Tx, u *workflow.User, at time.Time) error {
	return recordPrevious(ctx, tx, u.ID, u.PasswordHash, at)
}

// recordPrevious adds hash to user id's password history.
func recordPrevious(ctx context.Context, tx workflow.Tx, id, hash string, at time.Time) error {
	w, ok := tx.(PasswordHistoryWriter)
	if !ok || hash == "" {
		return nil
	}
	return w.AddPreviousPassword(ctx, id, hash, at, PasswordHistory-1)
}

// checkNotReused refuses (EINVALID on new_password, cause
// ErrPasswordReused) a new password of user id that is one of their
// PasswordHistory-1 previous ones (the current one is refused before): a password an admin reset because it
// leaked does not come back by the user's own change. One bcrypt
// comparison per previous password, after the current one was checked.
func (s *Service) checkNotReused(ctx context.Context, id, newPW string) error {
	r, ok := s.Repo.(PasswordHistoryReader)
	if !ok {
		return nil
	}
	hashes, err := r.PreviousPasswordHashes(ctx, id, PasswordHistory-1)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	for _, h := range hashes {
		if s.compareHash([]byte(h), []byte(newPW)) == nil {
			return workflow.Wrap(workflow.EINVALID, ErrPasswordReused,
				"the new password must not be one of your last %d passwords", PasswordHistory).On("new_password")
		}
	}
	return nil
}

// ChangePasswordFrom changes the password of the user logged in with
// token (actor, from Authenticate), asked from client address addr: the
// user's own change, the only way to clear MustChangePassword.
//
// newPW must have at least 8 characters and at most 72 bytes and differ
// from current (EINVALID on new_password; checked first, counting no
// failure), and, once current is checked, must not be one of the user's
// PasswordHistory-1 previous passwords (EINVALID on new_password, cause
// ErrPasswordReused); the replaced one joins them. current is checked as a login checks a password, with the
// same bcrypt work and the same throttle: a wrong one is EUNAUTHORIZED
// and counts as a failed login of the account and the address (audited
// as one, with password_change=true); while either is locked the change
// is ETOOMANY (with a RetryAfter cause) without a check. On success
// every other session of the user ends in the same transaction (the one
// of token stays: the user is still at work in it), a password_changed
// event records how many ended, and, as UpdateUser does, the call
// returns once no instance sharing the database can see the old user.
func (s *Service) ChangePasswordFrom(ctx context.Context, addr string, actor *workflow.User, token, current, newPW string) (*workflow.User, error) {
	if actor == nil || token == "" {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "log in first")
	}
	if err := checkNewPassword(current, newPW); err != nil {
		return nil, err
	}
	hash, err := s.HashPassword(newPW)
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "%s", workflow.ErrorMessage(err)).On("new_password")
	}
	if err := s.checkCurrentPassword(ctx, addr, actor, current); err != nil {
		return nil, err
	}
	if err := s.checkNotReused(ctx, actor.ID, newPW); err != nil {
		return nil, err
	}
	keep := HashToken(token)
	var out *workflow.User
	s.sessions.forgetUser(actor.ID)
	defer s.sessions.forgetUser(actor.ID)
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		u, err := tx.User(ctx, actor.ID)
		if err != nil {
			return err
		}
		if err := keepPrevious(ctx, tx, u, s.now()); err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword = hash, false
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		ender, ok := tx.(OtherSessionEnder)
		if !ok {
			return workflow.Errorf(workflow.EUNAVAILABLE, "this store cannot end a user's other sessions")
		}
		n, err := ender.DeleteOtherSessions(ctx, u.ID, keep)
		if err != nil {
			return err
		}
		// The session kept asks for the password to sign again.
		if f, ok := tx.(signConfirmForgetter); ok {
			if err := f.ForgetSignConfirmed(ctx, u.ID); err != nil {
				return err
			}
		}
		out = u
		return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventPasswordChanged, Actor: u.ID, At: s.now(),
			Data: map[string]string{"user": u.ID, "other_sessions_ended": strconv.FormatInt(n, 10)}})
	})
	if err != nil {
		return nil, fmt.Errorf("change password: %w", err)
	}
	s.waitOutLeases(ctx)
	return out, nil
}

// checkNewPassword: a new password has at least 8 characters and is not
// the current one (EINVALID on new_password).
func checkNewPassword(current, newPW string) error {
	if len([]rune(newPW)) < 8 {
		return workflow.Errorf(workflow.EINVALID, "the new password must have at least 8 characters").On("new_password")
	}
	if newPW == current {
		return workflow.Errorf(workflow.EINVALID, "the new password must differ from the current one").On("new_password")
	}
	return nil
}

// checkCurrentPassword checks the current password of a change
// (checkPassword, audited with during=password_change).
func (s *Service) checkCurrentPassword(ctx context.Context, addr string, actor *workflow.User, current string) error {
	if err := s.checkPassword(ctx, addr, actor, current, "password_change"); err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAUTHORIZED {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "wrong current password").On("current_password")
		}
		if workflow.ErrorCode(err) == ETOOMANY {
			return err
		}
		return fmt.Errorf("change password: %w", err)
	}
	return nil
}

// ConfirmPasswordFrom checks the password of actor, logged in, typed
// again from client address addr to confirm an act only its holder may
// do (the web's signature: during "sign"). It is checked as a login's:
// a wrong one is EUNAUTHORIZED (on password) and counts as a failed
// login of the account and the address, audited as one with data
// during=…; while either is locked it is ETOOMANY (with a RetryAfter
// cause) without a check; a disabled account's is wrong.
func (s *Service) ConfirmPasswordFrom(ctx context.Context, addr string, actor *workflow.User, password, during string) error {
	if actor == nil {
		return workflow.Errorf(workflow.EUNAUTHORIZED, "log in first")
	}
	if err := s.checkPassword(ctx, addr, actor, password, during); err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAUTHORIZED {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "wrong password").On("password")
		}
		if workflow.ErrorCode(err) == ETOOMANY {
			return err
		}
		return fmt.Errorf("confirm password: %w", err)
	}
	return nil
}

// checkPassword checks the password of actor as LoginFrom checks a
// login's: the same throttle keys (the account and addr), the same
// bcrypt work, the same audit of a failure (with during).
func (s *Service) checkPassword(ctx context.Context, addr string, actor *workflow.User, pw, during string) error {
	username := norm.NFC.String(strings.TrimSpace(actor.Username))
	a, wait, err := s.beginAttempt(ctx, []string{AccountKey(username), AddressKey(addr)})
	if err != nil {
		return err
	}
	if wait > 0 {
		secs := int64((wait + time.Second - 1) / time.Second)
		return workflow.Wrap(ETOOMANY, RetryAfter(time.Duration(secs)*time.Second),
			"too many wrong passwords for this account or from this address; try again in %d s", secs)
	}
	u, err := s.Repo.User(ctx, actor.ID)
	if err != nil {
		s.cancelAttempt(a) // a database error is not a guess
		return err
	}
	ok := s.compareHash([]byte(u.PasswordHash), []byte(pw)) == nil && !u.Disabled
	locks, first, err := s.endAttempt(ctx, a, ok)
	if err != nil {
		return err
	}
	if !ok {
		s.auditFailure(ctx, u.ID, username, addr, first, locks, during)
		s.forgetSignConfirms(ctx, u.ID, locks)
		return workflow.Errorf(workflow.EUNAUTHORIZED, "wrong password")
	}
	return nil
}
