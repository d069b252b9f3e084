package auth

import (
	"context"
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

// ChangePasswordFrom changes the password of the user logged in with
// token (actor, from Authenticate), asked from client address addr: the
// user's own change, the only way to clear MustChangePassword.
//
// newPW must have at least 8 characters and at most 72 bytes and differ
// from current (EINVALID on new_password; checked first, counting no
// failure). current is checked as a login checks a password, with the
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
	keep := HashToken(token)
	var out *workflow.User
	s.sessions.forgetUser(actor.ID)
	defer s.sessions.forgetUser(actor.ID)
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		u, err := tx.User(ctx, actor.ID)
		if err != nil {
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

// checkCurrentPassword checks the current password of actor as LoginFrom
// checks a login's: the same throttle keys (the account and addr), the
// same bcrypt work, the same audit of a failure.
func (s *Service) checkCurrentPassword(ctx context.Context, addr string, actor *workflow.User, current string) error {
	username := norm.NFC.String(strings.TrimSpace(actor.Username))
	th := s.throttle()
	keys := []string{AccountKey(username), AddressKey(addr)}
	if wait, ok := th.Begin(s.now(), keys...); !ok {
		secs := int64((wait + time.Second - 1) / time.Second)
		return workflow.Wrap(ETOOMANY, RetryAfter(time.Duration(secs)*time.Second),
			"too many wrong passwords for this account or from this address; try again in %d s", secs)
	}
	u, err := s.Repo.User(ctx, actor.ID)
	if err != nil {
		th.Cancel(keys...) // a database error is not a guess
		return fmt.Errorf("change password: %w", err)
	}
	ok := s.compareHash([]byte(u.PasswordHash), []byte(current)) == nil && !u.Disabled
	locks, first := th.End(s.now(), ok, keys...)
	if !ok {
		s.auditFailure(ctx, u.ID, username, addr, first, locks, "password_change")
		return workflow.Errorf(workflow.EUNAUTHORIZED, "wrong current password").On("current_password")
	}
	return nil
}
