package main

import (
	"context"
	"log/slog"
	"time"
)

// sessionSweepEvery is how often serve deletes the sessions that expired.
const sessionSweepEvery = time.Hour

// expiredSessions is the repository's delete of expired sessions
// (gormdb.DB).
type expiredSessions interface {
	DeleteExpiredSessions(ctx context.Context) (int64, error)
}

// sessionSweep is serve's job that deletes expired sessions at start and
// then every interval: an expired token is refused anyway, but its row
// stayed for ever (a 12-hour token a login, for every login of every
// user). Several instances on one database each sweep; the delete is the
// same whoever runs it. A failure is logged and tried again next time.
func sessionSweep(db expiredSessions, log *slog.Logger, every time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			n, err := db.DeleteExpiredSessions(ctx)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				log.WarnContext(ctx, "delete expired sessions", "err", err)
			case n > 0:
				log.InfoContext(ctx, "expired sessions deleted", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}
