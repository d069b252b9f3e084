package auth

import (
	"context"
	"time"
)

// ThrottleStore is implemented by repositories that keep the failed-login
// throttle's state where every instance sharing them sees it
// (storage/gormdb: the login_throttle table). With one, the failures
// and lockouts of every key are the store's — all instances count the
// same failures, see the same lockouts and unlocks, and a restart forgets
// none — while each Service's Throttle keeps only its settings, the
// attempts running in its process and the attempts it refused. Without
// one (the in-memory repository of tests) the Throttle keeps everything.
type ThrottleStore interface {
	// ThrottleRead returns the failures and lockout of each of keys (in
	// their order) at now: one read by primary key. A key whose last
	// failure is older than forget and that is not locked has none.
	ThrottleRead(ctx context.Context, keys []string, now time.Time, forget time.Duration) (failures []int, until []time.Time, err error)
	// ThrottleFail records one failure of key, atomically across
	// instances: the count after it, the lockout (the count passed free:
	// until now + steps[count-free-1], the last step past the end), and
	// whether this failure began the lockout (the key was not locked
	// before it; exactly one failure per lockout).
	ThrottleFail(ctx context.Context, key string, free int, steps []time.Duration, forget time.Duration, now time.Time) (failures int, until time.Time, locked bool, err error)
	// ThrottleClear forgets key's failures and lockout; it returns until
	// when the key was locked (zero: nothing stored).
	ThrottleClear(ctx context.Context, key string) (time.Time, error)
	// ThrottleLocked returns every key locked at now with its lockout.
	ThrottleLocked(ctx context.Context, now time.Time) (map[string]time.Time, error)
	// SweepThrottle deletes what ThrottleRead already ignores: keys
	// whose last failure is older than forget and that are not locked.
	SweepThrottle(ctx context.Context, now time.Time, forget time.Duration) (int64, error)
}

// attempt is a password check begun by beginAttempt: its throttle keys
// and, with a ThrottleStore, the failures stored for them when it began.
type attempt struct {
	keys     []string
	store    ThrottleStore // nil: the Throttle's memory
	failures []int
}

func (s *Service) throttleStore() ThrottleStore {
	st, _ := s.Repo.(ThrottleStore)
	return st
}

// beginAttempt begins a password check on keys (Throttle.Begin): a wait
// > 0 refuses it. With a ThrottleStore it reads the keys' state there
// first (one read); when that read fails the check does not begin (the
// error: the caller answers as for any other database error, and no
// guess is checked unthrottled).
func (s *Service) beginAttempt(ctx context.Context, keys []string) (*attempt, time.Duration, error) {
	th, now := s.throttle(), s.now()
	a := &attempt{keys: keys, store: s.throttleStore()}
	if a.store == nil {
		wait, _ := th.Begin(now, keys...)
		return a, wait, nil
	}
	var ks []string
	for _, k := range keys {
		if k != "" {
			ks = append(ks, k)
		}
	}
	a.keys = ks
	mark := th.mark()
	failures, until, err := a.store.ThrottleRead(ctx, ks, now, def(th.Forget, time.Hour))
	if err != nil {
		return nil, 0, err
	}
	a.failures = failures
	wait, _ := th.begin(now, ks, failures, until, mark)
	return a, wait, nil
}

// cancelAttempt ends an attempt that was neither a success nor a
// failure (Throttle.Cancel).
func (s *Service) cancelAttempt(a *attempt) { s.throttle().Cancel(a.keys...) }

// endAttempt ends an attempt (Throttle.End). With a ThrottleStore a
// failure is recorded there for every key before the attempt stops
// counting as running here (so that no moment sees it as neither); a
// success clears its account only when the attempt found failures
// stored for it (most logins write nothing more). An error recording a
// failure is returned (the caller answers as for a database error); one
// clearing a success's failures is not (they stay until the next
// success or until they are forgotten).
func (s *Service) endAttempt(ctx context.Context, a *attempt, success bool) (locks []Lock, first bool, err error) {
	th, now := s.throttle(), s.now()
	if a.store == nil {
		locks, first = th.End(now, success, a.keys...)
		return locks, first, nil
	}
	defer th.Cancel(a.keys...)
	if success {
		for i, k := range a.keys {
			if a.failures[i] > 0 && !th.isAddress(k) {
				_, _ = a.store.ThrottleClear(ctx, k)
			}
		}
		return nil, true, nil
	}
	first = true
	forget := def(th.Forget, time.Hour)
	for _, k := range a.keys {
		free := th.free(th.isAddress(k))
		n, until, locked, err := a.store.ThrottleFail(ctx, k, free, th.steps(), forget, now)
		if err != nil {
			return nil, false, err
		}
		th.stored(k, n, until, now)
		first = first && n <= free
		if locked {
			locks = append(locks, Lock{Key: k, Failures: n, Refused: th.takeRefused(k), Until: until})
		}
	}
	s.sweepThrottle(ctx, a.store, now, forget)
	return locks, first, nil
}

// sweepThrottle deletes the store's forgotten keys, at most once a
// minute per Service (a failed login runs it; errors wait for the next).
func (s *Service) sweepThrottle(ctx context.Context, st ThrottleStore, now time.Time, forget time.Duration) {
	s.sweepMu.Lock()
	due := now.Sub(s.swept) >= time.Minute
	if due {
		s.swept = now
	}
	s.sweepMu.Unlock()
	if due {
		_, _ = st.SweepThrottle(ctx, now, forget)
	}
}
