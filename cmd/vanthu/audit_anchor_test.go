package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// Two instances sharing a database and an archive store, each running
// the anchor job every interval while the chain grows, write one anchor
// per interval between them, not one each (lease audit-anchor), and
// every anchor verifies.
func TestIntegrationAnchorJobOneInstancePerInterval(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			store, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			p, err := keys.OpenDevPKI(t.TempDir(), "UBND huyện Thử Nghiệm", "000.00.12.H13", time.Now)
			if err != nil {
				t.Fatal(err)
			}
			agency, _ := p.Agency()
			const interval, run = 400 * time.Millisecond, 2400 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), run)
			defer cancel()
			var wg sync.WaitGroup
			ans := make([]*archive.Anchors, len(dbs))
			for i, db := range dbs {
				ans[i] = &archive.Anchors{Store: store, Head: db.AuditHead, Instance: fmt.Sprintf("instance-%d", i+1),
					Key:    func() (crypto.Signer, []*x509.Certificate, error) { return agency.Signer, agency.Chain, nil },
					Trust:  p.RootPool,
					Agency: func() *x509.Certificate { return agency.Certificate() }}
				wg.Go(func() {
					// Half an interval apart: the chain has grown between
					// their ticks (at the same tick, the key of the head
					// alone would keep them to one anchor).
					time.Sleep(time.Duration(i) * interval / 2)
					runLeasedJob(ctx, "audit anchor", interval, slog.New(slog.DiscardHandler), newLeaseTurn(db, anchorLeaseName, interval),
						func(ctx context.Context) { anchorOnce(ctx, ans[i], slog.New(slog.DiscardHandler)) })
				})
			}
			wg.Go(func() { growChain(ctx, t, dbs[0]) })
			wg.Wait()
			found, err := ans[0].AuditAnchors(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// One per interval: 6 ticks; a late tick may let the other
			// instance in after 9/10 of one (at most 7). Both anchoring
			// at every tick would be some 11.
			if len(found) < 3 || len(found) > int(run/(interval*9/10))+1 {
				t.Fatalf("%d anchors in %s at one per %s: %+v", len(found), run, interval, found)
			}
			seen := map[int64]bool{}
			for _, a := range found {
				if a.Rejected != "" || seen[a.Seq] {
					t.Fatalf("anchor %+v (seen at this position before: %v)", a, seen[a.Seq])
				}
				seen[a.Seq] = true
			}
			svc := &workflow.Service{Repo: dbs[1], Anchors: ans[1]}
			if r, err := svc.VerifyAudit(context.Background()); err != nil || !r.OK || r.Anchors.Checked != len(found) {
				t.Fatalf("verify: %+v %+v %v", r, r.Anchors, err)
			}
			t.Logf("%s: %d anchors in %s", backend, len(found), run)
		})
	}
}

// growChain appends an event every 50 ms until ctx ends.
func growChain(ctx context.Context, t *testing.T, db *gormdb.DB) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
			return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventComment, At: time.Now(), Comment: fmt.Sprint(i)})
		})
		if err != nil {
			t.Error(err)
			return
		}
	}
}

// backup leaves out the audit anchors written after its database
// snapshot began (they may anchor events the snapshot lacks); the ones
// before are kept, with their retention.
func TestBackupLeavesOutLaterAnchors(t *testing.T) {
	dir := t.TempDir()
	cfg := &Config{DataDir: dir}
	store, err := localfs.New(dir + "/archive")
	if err != nil {
		t.Fatal(err)
	}
	put := func(key string) {
		body := []byte("anchor " + key)
		sum := sha256.Sum256(body)
		if _, err := store.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), hex.EncodeToString(sum[:]),
			workflow.PutOptions{RetainUntil: archive.Forever}); err != nil {
			t.Fatal(err)
		}
	}
	before := archive.AnchorKey(3, strings.Repeat("a", 64), false)
	put(before)
	time.Sleep(20 * time.Millisecond)
	info := &backupInfo{CreatedAt: time.Now().UTC()}
	time.Sleep(20 * time.Millisecond)
	after := archive.AnchorKey(9, strings.Repeat("b", 64), false)
	put(after)
	out := t.TempDir()
	if err := backupObjects(context.Background(), cfg, out, false, info); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(out + "/manifest.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(manifest), before) || strings.Contains(string(manifest), after) || info.Count != 1 {
		t.Fatalf("manifest (%d objects):\n%s", info.Count, manifest)
	}
}
