// Package auth keeps users, their passwords and login sessions. It
// depends on workflow for the user type and repository; passwords are
// hashed with bcrypt and sessions are random bearer tokens of which the
// database keeps only the SHA-256.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// Service authenticates users and administers them.
type Service struct {
	Repo     workflow.Repository
	TokenTTL time.Duration // default 12h
	Now      func() time.Time
	Cost     int // bcrypt cost; default bcrypt.DefaultCost
	// Throttle limits failed logins; nil = a Throttle with its defaults.
	Throttle *Throttle
	// FailureAuditsPerMinute caps login_failed audit events across all
	// accounts and addresses; default 60.
	FailureAuditsPerMinute int
	// SessionCacheTTL is how long Authenticate keeps a session's user in
	// memory (default DefaultSessionCacheTTL; negative: no cache). Logout
	// and user changes wait this long after their commit before they
	// return, so that they take effect at once on every instance sharing
	// the database (every instance must use the same TTL or a shorter one).
	SessionCacheTTL time.Duration
	// Logger receives what the service cannot return to its caller (a
	// lockout's clearing of remembered signature confirmations that
	// failed); nil = discarded.
	Logger *slog.Logger

	sessions sessionCache

	init      sync.Once
	dummyOnce sync.Once
	dummy     []byte
	compare   func(hash, pw []byte) error // test hook; nil = bcrypt
	// mono is the session cache's clock (test hook; nil = time.Now, whose
	// monotonic reading the leases use).
	mono func() time.Time
	// spawnFn runs the session cache's reads ahead (test hook; nil = a
	// goroutine).
	spawnFn func(func())

	sweepMu sync.Mutex
	swept   time.Time // the last SweepThrottle

	auditMu     sync.Mutex
	auditWindow time.Time
	auditCount  int
	unaudited   int
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) monotonic() time.Time {
	if s.mono != nil {
		return s.mono()
	}
	return time.Now()
}

func (s *Service) spawn(f func()) {
	if s.spawnFn != nil {
		s.spawnFn(f)
		return
	}
	go f()
}

// cacheTTL is the session cache's TTL; zero or less: no cache.
func (s *Service) cacheTTL() time.Duration {
	if s.SessionCacheTTL == 0 {
		return DefaultSessionCacheTTL
	}
	return s.SessionCacheTTL
}

// waitOutLeases returns once every session cache entry that any instance
// read before now has expired (TTL and a margin for clocks that run at
// slightly different rates): called after a commit that ends sessions or
// changes a user, so that when the call returns the change holds on
// every instance. A cancelled ctx ends the wait early (the caller is gone).
func (s *Service) waitOutLeases(ctx context.Context) {
	ttl := s.cacheTTL()
	if ttl <= 0 {
		return
	}
	t := time.NewTimer(ttl + ttl/10 + time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Service) ttl() time.Duration {
	if s.TokenTTL > 0 {
		return s.TokenTTL
	}
	return 12 * time.Hour
}

// HashPassword hashes a password with bcrypt.
func (s *Service) HashPassword(pw string) (string, error) {
	cost := s.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if len(pw) > 72 {
		return "", workflow.Errorf(workflow.EINVALID, "password is longer than 72 bytes").On("password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// HashToken is the stored form of a bearer token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Login is LoginFrom with an unknown client address (the CLI, tests).
func (s *Service) Login(ctx context.Context, username, password string) (string, *workflow.Session, *workflow.User, error) {
	return s.LoginFrom(ctx, "", username, password)
}

// LoginFrom checks a username and password sent from client address addr
// and opens a session. A failure is EUNAUTHORIZED with the same message,
// and the same bcrypt work, whether the user exists or not. Failed logins
// are throttled per account and per address (ETOOMANY with a
// RetryAfter cause); while a key is locked even the right password is
// refused without being checked. The audit trail records each of the
// first failures of a key and then one login_throttled event per lockout
// (with counts), so a flood of guesses cannot flood the audit trail.
func (s *Service) LoginFrom(ctx context.Context, addr, username, password string) (token string, sess *workflow.Session, u *workflow.User, err error) {
	// As stored: no name has a space or decomposed accents (a phone's
	// keyboard adds a space after a word it completed).
	username = norm.NFC.String(strings.TrimSpace(username))
	a, wait, err := s.beginAttempt(ctx, []string{AccountKey(username), AddressKey(addr)})
	if err != nil {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	if wait > 0 {
		secs := int64((wait + time.Second - 1) / time.Second)
		return "", nil, nil, workflow.Wrap(ETOOMANY, RetryAfter(time.Duration(secs)*time.Second),
			"too many failed logins for this account or from this address; try again in %d s", secs)
	}
	if strings.IndexByte(username, 0) >= 0 || !utf8.ValidString(username) {
		// No account has such a name; PostgreSQL would refuse to look
		// it up (a 400 the failed guess would not count towards).
		u, err = nil, workflow.Errorf(workflow.ENOTFOUND, "no such user")
	} else {
		u, err = s.Repo.UserByUsername(ctx, username)
	}
	if err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
		s.cancelAttempt(a) // a database error is not a guess
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	// bcrypt runs for unknown and disabled users too, against a dummy hash
	// of the same cost, so the answer's timing does not tell them apart.
	hash := s.dummyHash()
	if err == nil && !u.Disabled {
		hash = []byte(u.PasswordHash)
	}
	ok := s.compareHash(hash, []byte(password)) == nil && err == nil && !u.Disabled
	locks, first, err := s.endAttempt(ctx, a, ok)
	if err != nil {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	if !ok {
		actor := ""
		if u != nil {
			actor = u.ID
		}
		s.auditFailure(ctx, actor, username, addr, first, locks, "")
		s.forgetSignConfirms(ctx, actor, locks)
		return "", nil, nil, workflow.Errorf(workflow.EUNAUTHORIZED, "wrong username or password")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	sess = &workflow.Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.ttl())}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if r, ok := tx.(LoginRecorder); ok {
			return r.RecordLogin(ctx, u.ID, now)
		}
		return nil
	})
	if err != nil {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	return token, sess, u, nil
}

// ETOOMANY is the code of a refused login while its account or address
// is locked out (HTTP 429).
const ETOOMANY = workflow.ETOOMANY

// RetryAfter is the cause of an ETOOMANY error: how long the client
// should wait. The API turns it into a Retry-After header.
type RetryAfter time.Duration

func (r RetryAfter) Error() string { return "retry after " + time.Duration(r).String() }

// RetryAfter returns the wait.
func (r RetryAfter) RetryAfter() time.Duration { return time.Duration(r) }

func (s *Service) throttle() *Throttle {
	s.init.Do(s.initOnce)
	return s.Throttle
}

func (s *Service) initOnce() {
	if s.Throttle == nil {
		s.Throttle = &Throttle{}
	}
}

// dummyHash is a bcrypt hash of a random password at the service's cost,
// compared against when the user does not exist.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		var raw [18]byte
		_, _ = rand.Read(raw[:])
		h, err := s.HashPassword(base64.RawURLEncoding.EncodeToString(raw[:]))
		if err != nil { // cannot happen with a 24-byte password
			h = "$2a$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinv"
		}
		s.dummy = []byte(h)
	})
	return s.dummy
}

func (s *Service) compareHash(hash, pw []byte) error {
	if s.compare != nil {
		return s.compare(hash, pw)
	}
	return bcrypt.CompareHashAndPassword(hash, pw)
}

// auditFailure writes the audit events of a failed login: one
// login_failed event for each of the first (free) failures, one
// login_throttled event when the failure locked keys, and nothing
// else (one event even when the failure locked both the account and the
// address). At most FailureAuditsPerMinute login_failed events are written
// per minute across all keys (a distributed flood); the number left out
// is recorded in the next event written. during, when set, names what
// the password was checked for ("password_change": the current password
// of a change), as data during=… of the events.
func (s *Service) auditFailure(ctx context.Context, actor, username, addr string, first bool, locks []Lock, during string) {
	now := s.now()
	var events []*workflow.Event
	s.auditMu.Lock()
	if first {
		if now.Sub(s.auditWindow) >= time.Minute {
			s.auditWindow, s.auditCount = now, 0
		}
		if s.auditCount < def(s.FailureAuditsPerMinute, 60) {
			s.auditCount++
			data := map[string]string{"username": truncate(username, 100)}
			if addr != "" {
				data["address"] = truncate(addr, 64)
			}
			if s.unaudited > 0 {
				data["unaudited_failures_before"] = strconv.Itoa(s.unaudited)
				s.unaudited = 0
			}
			events = append(events, &workflow.Event{Kind: workflow.EventLoginFailed, Actor: actor, At: now, Data: data})
		} else {
			s.unaudited++
		}
	}
	if len(locks) > 0 {
		// One event for all the keys this failure locked.
		data := map[string]string{}
		var until time.Time
		for _, l := range locks {
			kind, name, _ := strings.Cut(l.Key, ":")
			data[kind] = truncate(name, 100)
			data[kind+"_failures"] = strconv.Itoa(l.Failures)
			data[kind+"_refused_while_locked"] = strconv.Itoa(l.Refused)
			if l.Until.After(until) {
				until = l.Until
			}
		}
		data["locked_until"] = until.UTC().Format(time.RFC3339)
		if s.unaudited > 0 {
			data["unaudited_failures_before"] = strconv.Itoa(s.unaudited)
			s.unaudited = 0
		}
		events = append(events, &workflow.Event{Kind: workflow.EventLoginThrottled, Actor: actor, At: now, Data: data})
	}
	s.auditMu.Unlock()
	if len(events) == 0 {
		return
	}
	if during != "" {
		for _, e := range events {
			e.Data["during"] = during
		}
	}
	_ = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, e := range events {
			if err := tx.AppendEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// SessionEnder is implemented by repositories that can end a session
// before it expires (storage/gormdb and the in-memory fake do).
type SessionEnder interface {
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Logout ends the session of token at once: when it returns, no instance
// sharing the database accepts the token (it waits out the session
// cache's leases after the commit, SessionCacheTTL).
func (s *Service) Logout(ctx context.Context, token string) error {
	se, ok := s.Repo.(SessionEnder)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this store cannot end sessions early")
	}
	h := HashToken(token)
	// Forgotten before and after the delete: a request that read the
	// session before the delete committed cannot cache it past Logout.
	s.sessions.forget(h)
	defer s.sessions.forget(h)
	if err := se.DeleteSession(ctx, h); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	s.waitOutLeases(ctx)
	return nil
}

// Authenticate returns the user of a live bearer token, or EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, token string) (*workflow.User, error) {
	if token == "" {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "missing bearer token")
	}
	h := HashToken(token)
	ttl := s.cacheTTL()
	if ttl > 0 {
		batch, together := s.Repo.(SessionUsersReader)
		if u, ok, due := s.sessions.get(h, s.monotonic(), s.now(), ttl, together); ok {
			if due != nil {
				// Read them again ahead of the lease's end, off the
				// request's path: a token in steady use never waits for
				// the read.
				bg := context.WithoutCancel(ctx)
				s.spawn(func() {
					ctx, cancel := context.WithTimeout(bg, 10*time.Second)
					defer cancel()
					if together {
						s.reload(ctx, batch, due)
						return
					}
					_, err := s.load(ctx, h, ttl)
					// Gone, expired or disabled: drop it; a failed read
					// leaves it to its lease.
					s.sessions.drop(h, workflow.ErrorCode(err) != workflow.EUNAUTHORIZED)
				})
			}
			return u, nil
		}
	}
	return s.load(ctx, h, ttl)
}

// load reads the session of token hash h and its user and, with a ttl,
// caches them: the lease counts from before the read.
func (s *Service) load(ctx context.Context, h string, ttl time.Duration) (*workflow.User, error) {
	gen, mono := s.sessions.generation(), s.monotonic()
	sess, u, err := s.sessionUser(ctx, h)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "invalid or expired token")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "invalid or expired token")
	}
	if u.Disabled {
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "account disabled")
	}
	if ttl > 0 {
		s.sessions.put(gen, h, u, sess.ExpiresAt, mono, true)
	}
	return u, nil
}

// SessionUserReader is implemented by repositories that read a live
// session and its user in one query (storage/gormdb does): ENOTFOUND when
// there is no live session of tokenHash or its user is gone.
type SessionUserReader interface {
	SessionUser(ctx context.Context, tokenHash string) (*workflow.Session, *workflow.User, error)
}

// SessionUsersReader is implemented by repositories that read many live
// sessions and their users in one query (storage/gormdb does): the
// sessions among tokenHashes that are live, and their users, at the same
// index; a hash without a live session, or whose user is gone, is left
// out.
type SessionUsersReader interface {
	SessionUsers(ctx context.Context, tokenHashes []string) ([]*workflow.Session, []*workflow.User, error)
}

// reload reads the cached sessions of token hashes due again, together,
// and caches them as load does (the leases count from before the read);
// it drops those it finds gone, expired or disabled, and leaves all to
// their leases when the read fails.
func (s *Service) reload(ctx context.Context, r SessionUsersReader, due []string) {
	gen, mono := s.sessions.generation(), s.monotonic()
	sessions, users, err := r.SessionUsers(ctx, due)
	if err != nil {
		for _, h := range due {
			s.sessions.drop(h, true)
		}
		return
	}
	live := make(map[string]bool, len(sessions))
	now := s.now()
	for i, sess := range sessions {
		if u := users[i]; now.Before(sess.ExpiresAt) && !u.Disabled {
			live[sess.TokenHash] = true
			s.sessions.put(gen, sess.TokenHash, u, sess.ExpiresAt, mono, false)
		}
	}
	for _, h := range due {
		s.sessions.drop(h, live[h])
	}
}

// sessionUser reads the session of token hash h and its user: one query
// where the repository can, else two. ENOTFOUND for an unknown session
// or a missing user (either way the token opens nothing).
func (s *Service) sessionUser(ctx context.Context, h string) (*workflow.Session, *workflow.User, error) {
	if r, ok := s.Repo.(SessionUserReader); ok {
		return r.SessionUser(ctx, h)
	}
	sess, err := s.Repo.Session(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.Repo.User(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	return sess, u, nil
}

// NewUser is what an admin gives to create a user.
type NewUser struct {
	Username, Password, FullName, Title, Unit string
	// PersonalID: the official's personal ID number (CCCD), optional;
	// see workflow.User.PersonalID and NormalizePersonalID.
	PersonalID string
	Roles      []workflow.Role
	// Temporary: the user must change the password at the first login
	// (workflow.User.MustChangePassword). Read only when the system
	// creates the user (actor nil: bootstrap with a generated password,
	// the CLI's `user add` without --own-password); a user an admin
	// creates (the API, the web) always has a temporary password.
	Temporary bool
}

// NormalizePersonalID returns a personal ID number as stored: spaces
// dropped, letters upper-cased; empty stays empty. EINVALID unless it is
// 6–20 ASCII letters and digits (a CCCD's 12 digits, an older ID card's 9
// or 12, a passport's letter and digits), or with a kind prefix such as
// "CCCD:" (what a certificate's UID holds: the number is kept).
func NormalizePersonalID(s string) (string, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if s == "" {
		return "", nil
	}
	if i := strings.IndexByte(s, ':'); i > 0 && strings.Trim(s[:i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		s = s[i+1:]
	}
	if len(s) < 6 || len(s) > 20 || strings.Trim(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", workflow.Errorf(workflow.EINVALID, "personal ID number must be 6-20 letters or digits (a CCCD's 12 digits), not %q", s).On("personal_id")
	}
	return s, nil
}

// CreateUser creates a user (admins only; actor nil = the system, for
// bootstrap and the CLI). The password of a user an admin creates is
// temporary (MustChangePassword): the admin knows it, and the user's
// login approves and signs in their name; the system's is as
// in.Temporary says.
func (s *Service) CreateUser(ctx context.Context, actor *workflow.User, in NewUser) (*workflow.User, error) {
	if actor != nil && !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin creates users")
	}
	in, err := validNewUser(in)
	if err != nil {
		return nil, err
	}
	hash, err := s.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := s.userOf(actor, in, hash)
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return insertUser(ctx, tx, actor, u)
	})
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", in.Username, err)
	}
	return u, nil
}

// CreateUserInitial is CreateUser for an admin's form or request where
// the password may be left empty: then one is generated
// (GeneratePassword, the bulk import's) and returned as initial, to be
// shown to the admin this once — nothing keeps it but its hash, and no
// audit event or log names it. Like every password an admin gives, it is
// temporary (MustChangePassword). A password given is checked as
// CreateUser does, and initial is then empty. The web's new-user form
// and POST /api/v1/users both call it.
func (s *Service) CreateUserInitial(ctx context.Context, actor *workflow.User, in NewUser) (u *workflow.User, initial string, err error) {
	if in.Password == "" {
		if initial, err = GeneratePassword(); err != nil {
			return nil, "", err
		}
		in.Password, in.Temporary = initial, true
	}
	if u, err = s.CreateUser(ctx, actor, in); err != nil {
		return nil, "", err
	}
	return u, initial, nil
}

// validNewUser checks a new user as CreateUser does, every field's
// problem at once (the admin's form shows each beside its input), in the
// form's order: the first is the answer's. It returns in cleaned: the
// username normalized, the profile cleaned, the personal ID number as
// stored. A bulk import (ImportUsers) checks each row with it.
func validNewUser(in NewUser) (NewUser, error) {
	var errs []error
	name, err := NormalizeUsername(in.Username)
	errs = appendErr(errs, err)
	if len(in.Password) < 8 {
		errs = append(errs, workflow.Errorf(workflow.EINVALID, "password must have at least 8 characters").On("password"))
	}
	profile := workflow.User{FullName: in.FullName, Title: in.Title, Unit: in.Unit}
	errs = appendErr(errs, cleanProfile(&profile))
	pid, err := NormalizePersonalID(in.PersonalID)
	errs = appendErr(errs, err)
	errs = appendErr(errs, checkRoles(in.Roles))
	if len(errs) > 0 {
		return in, joinErrs(errs)
	}
	in.Username, in.FullName, in.Title, in.Unit, in.PersonalID = name, profile.FullName, profile.Title, profile.Unit, pid
	return in, nil
}

// userOf is the user that actor creates from in (checked by
// validNewUser) with password hash: temporary when an admin creates it
// or in.Temporary says so.
func (s *Service) userOf(actor *workflow.User, in NewUser, hash string) *workflow.User {
	now := s.now()
	return &workflow.User{ID: workflow.NewID(now), Username: in.Username, FullName: in.FullName, Title: in.Title,
		Unit: in.Unit, PersonalID: in.PersonalID, Roles: in.Roles, PasswordHash: hash, CreatedAt: now,
		MustChangePassword: actor != nil || in.Temporary}
}

// insertUser stores u in tx with its audit event (kind user,
// created_user), as actor (nil: the system) created it.
func insertUser(ctx context.Context, tx workflow.Tx, actor *workflow.User, u *workflow.User) error {
	if err := tx.CreateUser(ctx, u); err != nil {
		return err
	}
	actorID := ""
	if actor != nil {
		actorID = actor.ID
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventUser, Actor: actorID, At: u.CreatedAt,
		Data: map[string]string{"created_user": u.ID, "username": u.Username, "roles": strings.Join(roles, ","),
			"must_change_password": strconv.FormatBool(u.MustChangePassword)}})
}

// GeneratePassword is a random initial password: 24 characters of
// base64url (144 bits), never starting with '-' (a CSV of passwords
// would neutralise it as the start of a formula, csvsafe). The bulk
// import gives one to each user, and the web's new-user form to a user
// whose password the admin left empty.
func GeneratePassword() (string, error) {
	for {
		var raw [18]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return "", err
		}
		if pw := base64.RawURLEncoding.EncodeToString(raw[:]); pw[0] != '-' {
			return pw, nil
		}
	}
}

// Bootstrap creates the first admin when there are no users. With an
// empty password it generates one and returns it so the caller can show
// it once; a generated password is temporary (it was shown on the
// console and written to a file: the admin must change it at the first
// login), one the operator gave is the admin's own.
func (s *Service) Bootstrap(ctx context.Context, password string) (created bool, pw string, err error) {
	users, err := s.Repo.Users(ctx)
	if err != nil {
		return false, "", fmt.Errorf("bootstrap: %w", err)
	}
	if len(users) > 0 {
		return false, "", nil
	}
	generated := password == ""
	if generated {
		if password, err = GeneratePassword(); err != nil {
			return false, "", err
		}
	}
	_, err = s.CreateUser(ctx, nil, NewUser{Username: "admin", Password: password, FullName: "Quản trị hệ thống",
		Roles: []workflow.Role{workflow.RoleAdmin}, Temporary: generated})
	if err != nil {
		return false, "", err
	}
	return true, password, nil
}

// checkRoles: a user has at least one role, each of them known (EINVALID).
// appendErr appends err to errs unless it is nil.
func appendErr(errs []error, err error) []error {
	if err == nil {
		return errs
	}
	return append(errs, err)
}

// joinErrs is errs' one error, or all of them joined (errors.Join:
// workflow.Problems lists them, ErrorCode and the like read the first).
func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func checkRoles(roles []workflow.Role) error {
	if len(roles) == 0 {
		return workflow.Errorf(workflow.EINVALID, "at least one role is required").On("roles")
	}
	for _, r := range roles {
		if !r.Valid() {
			return workflow.Errorf(workflow.EINVALID, "unknown role %q (clerk, officer, handler, archivist, admin)", r).On("roles")
		}
	}
	return nil
}

// UpdateUser changes user id by fn (admins only: EFORBIDDEN), with an
// audit event. Whatever fn changed, the user keeps at least one role, each
// known, a personal ID number NormalizePersonalID takes (stored as it
// leaves it), and an
// admin cannot disable themselves or drop their own admin role
// (EINVALID): the API and the web share these rules. Disabling a
// user ends every session of theirs in the same transaction, as a
// password reset does: a token taken before the account was disabled
// does not come back to life when it is enabled again. Setting
// MustChangePassword (an admin requiring a new password of a user whose
// password may have been seen) ends them too, and is recorded as
// must_change_password=true; clearing it, or setting it on one's own
// account, is EINVALID (requirePasswordChange).
func (s *Service) UpdateUser(ctx context.Context, actor *workflow.User, id string, fn func(u *workflow.User) error) (*workflow.User, error) {
	if actor == nil || !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin changes users")
	}
	var out *workflow.User
	// Forget the user's sessions before and after the change, and wait out
	// other instances' leases: no request authenticated anywhere after
	// UpdateUser returns sees the old user.
	s.sessions.forgetUser(id)
	defer s.sessions.forgetUser(id)
	err := s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		u, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		was := u.MustChangePassword
		if err := fn(u); err != nil {
			return err
		}
		if err := cleanProfile(u); err != nil {
			return err
		}
		if err := CheckUserUpdate(actor, u); err != nil {
			return err
		}
		required, err := requirePasswordChange(actor, u, was)
		if err != nil {
			return err
		}
		u.PersonalID, _ = NormalizePersonalID(u.PersonalID) // checked just above
		// The password whose change is required joins the history when
		// it is replaced (keepPrevious), as every one does.
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		data := map[string]string{"updated_user": u.ID}
		if required {
			data["must_change_password"] = "true"
		}
		if u.Disabled || required {
			n, err := endSessions(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			data["sessions_ended"] = strconv.FormatInt(n, 10)
		}
		out = u
		return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventUser, Actor: actor.ID, At: s.now(), Data: data})
	})
	if err == nil {
		s.waitOutLeases(ctx)
	}
	return out, err
}

// CheckUserUpdate returns the error (EINVALID) with which UpdateUser
// refuses user u as actor changed it: no role, an unknown one, a full
// name, title or unit with a character workflow.CleanLine refuses or too
// long, or an
// admin disabling themselves or dropping their own admin role. An
// interface that asks before a change (the web's confirmation of locking
// an account) calls it on the changed copy so as not to ask about a
// change that will be refused.
func CheckUserUpdate(actor, u *workflow.User) error {
	if err := checkRoles(u.Roles); err != nil {
		return err
	}
	if _, err := NormalizePersonalID(u.PersonalID); err != nil {
		return err
	}
	c := *u // cleaned by UpdateUser; here only checked
	if err := cleanProfile(&c); err != nil {
		return err
	}
	if u.ID == actor.ID && (u.Disabled || !u.Has(workflow.RoleAdmin)) {
		return workflow.Errorf(workflow.EINVALID, "an admin cannot disable yourself or drop your own admin role")
	}
	return nil
}

// UserSessionEnder is implemented by the transactions of repositories
// that can end all of a user's sessions (storage/gormdb and the
// in-memory fake do).
type UserSessionEnder interface {
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
}

// endSessions ends every session of user id in tx.
func endSessions(ctx context.Context, tx workflow.Tx, id string) (int64, error) {
	ender, ok := tx.(UserSessionEnder)
	if !ok {
		return 0, workflow.Errorf(workflow.EUNAVAILABLE, "this store cannot end a user's sessions")
	}
	return ender.DeleteUserSessions(ctx, id)
}

// SetPassword gives a user a new password (admins only; an admin
// resetting a forgotten or leaked password). EINVALID when it is shorter
// than 8 characters or longer than 72 bytes. Every session of the user
// ends in the same transaction: a token taken with the old password does
// not outlive the reset. The new password is temporary
// (MustChangePassword: the admin knows it) unless the admin reset their
// own. It may be any password, one the user had before too (temporary
// anyway); the replaced one joins their password history, so that the
// user cannot choose again a password reset because it leaked, nor keep
// or take back one the admin knew.
func (s *Service) SetPassword(ctx context.Context, actor *workflow.User, id, password string) (*workflow.User, error) {
	if actor == nil || !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "only an admin resets passwords")
	}
	if len(password) < 8 {
		return nil, workflow.Errorf(workflow.EINVALID, "password must have at least 8 characters").On("password")
	}
	hash, err := s.HashPassword(password)
	if err != nil {
		return nil, err
	}
	var out *workflow.User
	s.sessions.forgetUser(id)
	defer s.sessions.forgetUser(id)
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		u, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		if err := keepPrevious(ctx, tx, u, s.now()); err != nil {
			return err
		}
		u.PasswordHash = hash
		u.MustChangePassword = u.ID != actor.ID
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		n, err := endSessions(ctx, tx, id)
		if err != nil {
			return err
		}
		out = u
		return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventUser, Actor: actor.ID, At: s.now(),
			Data: map[string]string{"updated_user": u.ID, "password_reset": "true", "sessions_ended": strconv.FormatInt(n, 10),
				"must_change_password": strconv.FormatBool(u.MustChangePassword)}})
	})
	if err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	s.waitOutLeases(ctx)
	return out, nil
}
