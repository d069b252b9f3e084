package workflow

import (
	"context"
	"time"
)

// Instances known dead. Several `vanthu serve` instances share one
// database; each has an ID (Service.Instance) and renews a liveness row
// every few seconds. A register number reserved, or an idempotency key
// held, by an instance whose row has not been renewed for
// Service.InstanceStale (or is gone: the instance stopped) is taken over
// at once by the next issue of the register or the next create under the
// key, instead of after ReservationTTL or IdempotencyLease. Those stay the
// outer bound, for a holder whose process is alive but stuck.
//
// The takeover is the same as the TTL's, under the same guards: the
// reservation is given back or voided under its row's lock (two
// survivors: one resolves it, the other finds it gone), and a holder
// that turns out alive fails at its commit (its reservation is gone, its
// key's token replaced): one number per document, one document per key.

// DefaultInstanceStale is how long an instance's liveness row may go
// unrenewed before what it holds is taken over, unless
// Service.InstanceStale says otherwise: three missed heartbeats of 5 s.
const DefaultInstanceStale = 15 * time.Second

// Liveness tells which instances are known dead.
type Liveness interface {
	// DeadInstances returns those of ids whose liveness row has not been
	// renewed for stale, or that have none. The repository judges it by
	// one clock, the one the rows were renewed by (the database server's
	// where it can), not the caller's: instances on hosts whose clocks
	// disagree do not take each other for dead. EUNAVAILABLE when the
	// database is down.
	DeadInstances(ctx context.Context, ids []string, stale time.Duration) (map[string]bool, error)
}

func (s *Service) instanceStale() time.Duration {
	if s.InstanceStale > 0 {
		return s.InstanceStale
	}
	return DefaultInstanceStale
}

// deadHolders returns the holders of rs's reservations that are still
// reserved, not yet past their TTL and held by another instance, known
// dead by l at now. No query when there is none to ask about; nil (and
// only the TTL applies) when l is nil or cannot tell (logged).
func (s *Service) deadHolders(ctx context.Context, l Liveness, rs []Reservation, now time.Time) map[string]bool {
	if l == nil {
		return nil
	}
	var ids []string
	for _, r := range rs {
		if r.State == NumberReserved && r.Holder != "" && r.Holder != s.Instance && !s.stale(r, now, nil) {
			ids = append(ids, r.Holder)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	dead, err := l.DeadInstances(ctx, ids, s.instanceStale())
	if err != nil {
		s.logger().WarnContext(ctx, "liveness of the instances holding reservations", "err", err)
		return nil
	}
	return dead
}
