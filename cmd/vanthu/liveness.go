package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/vanthu/vanthu/archive"
)

// startHeartbeat gives this serve process an instance ID, records it alive
// in the database (table instances) and renews that every
// VANTHU_HEARTBEAT until stop is called, which deletes the row: the
// register numbers and Idempotency-Keys the process still holds are then
// taken over at once by the other instances, as they are
// VANTHU_INSTANCE_STALE after a kill -9 (workflow/liveness.go). Stop runs
// after the server has drained its requests, so an instance shutting
// down keeps its liveness while it finishes them.
func (a *app) startHeartbeat(ctx context.Context) (stop func(), err error) {
	beat, stale, err := a.cfg.liveness() // checked by LoadConfig
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	id := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(rnd[:]))
	if err := a.db.Heartbeat(ctx, id); err != nil {
		return nil, fmt.Errorf("record this instance alive: %w", err)
	}
	a.docs.Instance, a.docs.InstanceStale = id, stale
	if an, ok := a.docs.Anchors.(*archive.Anchors); ok {
		an.Instance = id // anchors name the heartbeat's instance; set before any job or request runs
	}
	beatCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-beatCtx.Done():
				return
			case <-t.C:
			}
			if err := a.db.Heartbeat(beatCtx, id); err != nil && beatCtx.Err() == nil {
				a.log.WarnContext(beatCtx, "liveness not renewed: past VANTHU_INSTANCE_STALE the other instances take over what this one holds", "instance", id, "err", err)
			}
		}
	}()
	a.log.InfoContext(ctx, "instance alive", "instance", id, "heartbeat", beat, "stale_after", stale)
	return func() {
		cancel()
		<-done
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := a.db.Retire(rctx, id); err != nil {
			a.log.WarnContext(rctx, "liveness row not deleted: the other instances take over after VANTHU_INSTANCE_STALE", "instance", id, "err", err)
		}
	}, nil
}
