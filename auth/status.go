package auth

import (
	"context"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// AccountStatus is what an admin sees of an account besides its user
// record: when it last logged in and whether failed logins locked it out.
type AccountStatus struct {
	// LastLogin is the time of the account's last successful login
	// (zero: none recorded; logins are recorded from migration 20 on).
	LastLogin time.Time
	// LockedUntil is until when failed logins lock the account out (zero:
	// not locked). With a database the lockout is stored there, the same
	// for every instance (ThrottleStore); without one (the in-memory
	// repository) it is the Throttle's.
	LockedUntil time.Time
}

// LoginRecorder is implemented by the transactions of repositories that
// record each user's last login (storage/gormdb and the in-memory fake
// do): LoginFrom calls it in the transaction that opens the session.
type LoginRecorder interface {
	RecordLogin(ctx context.Context, userID string, at time.Time) error
}

// LastLoginReader is implemented by repositories that record logins:
// the last login of every user who has one, by user ID.
type LastLoginReader interface {
	LastLogins(ctx context.Context) (map[string]time.Time, error)
}

// AccountAdmin is what shows an admin the status of accounts (last
// login, lockout) and ends a lockout; Service is one. The API and the web
// take it from their Accounts when it has it.
type AccountAdmin interface {
	AccountStatuses(ctx context.Context, actor *workflow.User, users []*workflow.User) (map[string]AccountStatus, error)
	UnlockAccount(ctx context.Context, actor *workflow.User, id string) (*workflow.User, error)
}

var _ AccountAdmin = (*Service)(nil)

// AccountStatuses returns the status of each of users (admins only:
// EFORBIDDEN), by user ID.
func (s *Service) AccountStatuses(ctx context.Context, actor *workflow.User, users []*workflow.User) (map[string]AccountStatus, error) {
	if actor == nil || !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin sees the status of accounts")
	}
	var last map[string]time.Time
	if r, ok := s.Repo.(LastLoginReader); ok {
		var err error
		if last, err = r.LastLogins(ctx); err != nil {
			return nil, err
		}
	}
	th, now := s.throttle(), s.now()
	lockedUntil := func(key string) time.Time { return th.LockedUntil(key, now) }
	if st := s.throttleStore(); st != nil {
		locked, err := st.ThrottleLocked(ctx, now)
		if err != nil {
			return nil, err
		}
		lockedUntil = func(key string) time.Time { return locked[key] }
	}
	out := make(map[string]AccountStatus, len(users))
	for _, u := range users {
		out[u.ID] = AccountStatus{LastLogin: last[u.ID], LockedUntil: lockedUntil(accountKeyOf(u))}
	}
	return out, nil
}

// accountKeyOf is the throttle key of u's account (as LoginFrom forms it
// from the typed name).
func accountKeyOf(u *workflow.User) string {
	return AccountKey(norm.NFC.String(strings.TrimSpace(u.Username)))
}

// UnlockAccount ends the lockout of user id's account that failed logins
// caused (admins only: EFORBIDDEN), with an audit event (user, with
// unlocked=true and locked_until, empty when it was not locked). With a
// database it clears the stored failures and lockout (ThrottleStore):
// every instance sees the account unlocked at once. The lockout of a
// client address stays (an address that guesses at many accounts is not
// one account's business).
func (s *Service) UnlockAccount(ctx context.Context, actor *workflow.User, id string) (*workflow.User, error) {
	if actor == nil || !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin unlocks accounts")
	}
	u, err := s.Repo.User(ctx, id)
	if err != nil {
		return nil, err
	}
	key, now := accountKeyOf(u), s.now()
	was := s.throttle().Unlock(key, now)
	if st := s.throttleStore(); st != nil {
		if was, err = st.ThrottleClear(ctx, key); err != nil {
			return nil, err
		}
		if !now.Before(was) {
			was = time.Time{}
		}
	}
	data := map[string]string{"updated_user": u.ID, "unlocked": "true", "locked_until": ""}
	if !was.IsZero() {
		data["locked_until"] = was.UTC().Format(time.RFC3339)
	}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventUser, Actor: actor.ID, At: s.now(), Data: data})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// requirePasswordChange checks u (changed by an admin's UpdateUser)
// against the rules of must_change_password, was being its stored value:
// an admin may set it (the password may have been seen: the user must
// choose a new one at the next login) but not on their own account (they
// change their own password), and no admin clears it (only the user's own
// change does). It reports whether the change sets it, which ends every
// session of the user.
func requirePasswordChange(actor, u *workflow.User, was bool) (set bool, err error) {
	switch {
	case u.MustChangePassword == was:
		return false, nil
	case !u.MustChangePassword:
		return false, workflow.Errorf(workflow.EINVALID, "only the user clears must_change_password, by changing their password").On("must_change_password")
	case u.ID == actor.ID:
		return false, workflow.Errorf(workflow.EINVALID, "an admin changes their own password instead of requiring it").On("must_change_password")
	}
	return true, nil
}
