package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// recording makes e's anchors recorded in the chain, as serve wires them.
func recording(e *anchorEnv) *anchorEnv {
	e.an.Record = e.bare.RecordAnchor
	return e
}

// checkAllFirst hides the AnchorLister of a source: verify then reads and
// checks every anchor before the walk (anchorChecks), as from a source
// that cannot list them unchecked.
type checkAllFirst struct{ src workflow.AnchorSource }

func (r checkAllFirst) AuditAnchors(ctx context.Context) ([]workflow.AuditAnchor, error) {
	return r.src.AuditAnchors(ctx)
}

// removeFromDisk is what someone with access to the local folder's disk
// does: the anchor's file (read-only, which holds only against mistakes)
// and its metadata removed.
func removeFromDisk(t *testing.T, store *localfs.Store, key string) {
	t.Helper()
	removeContentOnDisk(t, store, key)
	meta, _ := filepath.Glob(filepath.Join(store.Dir(), "meta", filepath.FromSlash(key)) + "*")
	for _, m := range meta {
		os.Remove(m)
	}
}

// removeContentOnDisk removes the anchor's file alone: the store still
// lists it.
func removeContentOnDisk(t *testing.T, store *localfs.Store, key string) {
	t.Helper()
	p, err := store.Path(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

// overwriteOnDisk replaces the anchor's file with other bytes.
func overwriteOnDisk(t *testing.T, store *localfs.Store, key string) {
	t.Helper()
	p, err := store.Path(key)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o600)
	if err := os.WriteFile(p, []byte("not an anchor any more"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// An anchor removed from a local store is found missing: the chain
// records every anchor written (an audit_anchored event after it), so
// verify names the one the store lacks, the newest as well as an older
// one, whether it lists the anchors or reads them all. Anchoring does
// not make the chain grow for ever: the head that is the record of the
// last anchor is anchored already.
func TestIntegrationAnchorRemovedFromLocalStore(t *testing.T) {
	cases := []struct {
		name   string
		victim int // which of the three anchors
		tamper func(*testing.T, *localfs.Store, string)
		why    string // in the missing anchor's reason
	}{
		{"newest removed", 2, removeFromDisk, "does not hold it"},
		{"middle removed", 1, removeFromDisk, "does not hold it"},
		{"oldest removed", 0, removeFromDisk, "does not hold it"},
		{"newest overwritten", 2, overwriteOnDisk, "no valid anchor"},
		{"newest's file removed, its metadata left", 2, removeContentOnDisk, "does not hold its content"},
	}
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		for _, c := range cases {
			for _, lister := range []bool{true, false} {
				name := c.name + "/listed"
				if !lister {
					name = c.name + "/read all"
				}
				t.Run(name, func(t *testing.T) {
					store, err := localfs.New(t.TempDir())
					if err != nil {
						t.Fatal(err)
					}
					e := recording(newAnchorEnv(t, gormdbtest.Open(t, backendOf(db)), store))
					svc := e.svc
					if !lister {
						svc = &workflow.Service{Repo: e.db, Anchors: checkAllFirst{e.an}}
					}
					var written []*workflow.AuditAnchor
					for _, n := range []int{5, 4, 3} {
						e.appendEvents(t, n)
						a := e.anchor(t, false)
						if again, wrote, err := e.an.Anchor(context.Background(), false); err != nil || wrote || again.Key != a.Key {
							t.Fatalf("the head is the anchor's own record: anchored again? wrote %v, %+v, %v", wrote, again, err)
						}
						written = append(written, a)
					}
					e.appendEvents(t, 2)
					r := e.verify(t, svc)
					if !r.OK || r.Anchors.Recorded != 3 || len(r.Anchors.Missing) != 0 {
						t.Fatalf("intact: %+v %+v", r, r.Anchors)
					}
					victim := written[c.victim]
					c.tamper(t, store, victim.Key)
					r = e.verify(t, svc)
					if r.OK || len(r.Anchors.Missing) != 1 || r.Anchors.Missing[0].Key != victim.Key {
						t.Fatalf("%s: %+v %+v", c.name, r, r.Anchors)
					}
					if !strings.Contains(r.Reason, victim.Key) || !strings.Contains(r.Anchors.Missing[0].Rejected, c.why) {
						t.Errorf("reason %q, missing %q", r.Reason, r.Anchors.Missing[0].Rejected)
					}
				})
			}
		}
	})
}

// A store from before anchors were recorded (no audit_anchored event,
// anchors written without Record) verifies as before; anchors written
// after the upgrade are recorded, and only those are required.
func TestIntegrationAnchorsBeforeRecordingStillVerify(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		store, err := localfs.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		e := newAnchorEnv(t, db, store) // as before: nothing recorded
		e.appendEvents(t, 4)
		old := e.anchor(t, false)
		e.appendEvents(t, 3)
		older := e.anchor(t, false)
		r := e.verify(t, e.svc)
		if !r.OK || r.Anchors.Recorded != 0 || r.Anchors.Checked != 2 || len(r.Anchors.Missing) != 0 {
			t.Fatalf("old store: %+v %+v", r, r.Anchors)
		}
		recording(e)
		e.appendEvents(t, 2)
		recorded := e.anchor(t, false)
		e.appendEvents(t, 1)
		r = e.verify(t, e.svc)
		if !r.OK || r.Anchors.Recorded != 1 || r.Anchors.Checked != 3 || r.Anchors.Last.Key != recorded.Key {
			t.Fatalf("after the upgrade: %+v %+v", r, r.Anchors)
		}
		// An anchor from before, removed, is not detected: nothing records it
		// (what the chain alone cannot say, the README lists).
		removeFromDisk(t, store, old.Key)
		if r = e.verify(t, e.svc); !r.OK {
			t.Fatalf("an unrecorded anchor removed: %+v %+v", r, r.Anchors)
		}
		_ = older
		removeFromDisk(t, store, recorded.Key)
		if r = e.verify(t, e.svc); r.OK || len(r.Anchors.Missing) != 1 {
			t.Fatalf("a recorded anchor removed: %+v %+v", r, r.Anchors)
		}
	})
}

// After a restore to an earlier backup, the records of the anchors it
// left behind are gone with the events; the acknowledgement is recorded
// like any anchor, still supersedes the anchors before it, and is itself
// required from then on.
func TestIntegrationRecordedAnchorsAfterRestore(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		recording(e)
		e.appendEvents(t, 5)
		e.anchor(t, false) // 5, recorded at 6
		e.appendEvents(t, 4)
		lost := e.anchor(t, false) // 10, recorded at 11
		cutChain(t, e.db, 8)
		r := e.verify(t, e.svc)
		if r.OK || r.Anchors.Behind == nil || r.Anchors.Behind.Key != lost.Key || len(r.Anchors.Missing) != 0 {
			t.Fatalf("restored chain: %+v %+v", r, r.Anchors)
		}
		waitNextSecond()
		ack := e.anchor(t, true)
		e.appendEvents(t, 5)
		r = e.verify(t, e.svc)
		if !r.OK || r.Anchors.Superseded != 1 || r.Anchors.Last.Key != ack.Key || r.Anchors.Recorded != 2 || len(r.Anchors.Missing) != 0 {
			t.Fatalf("after the acknowledged restore: %+v %+v", r, r.Anchors)
		}
		local, ok := e.store.(*localfs.Store)
		if !ok {
			return // object lock: the acknowledgement cannot be removed
		}
		removeFromDisk(t, local, ack.Key)
		r = e.verify(t, e.svc)
		if r.OK || len(r.Anchors.Missing) != 1 || r.Anchors.Missing[0].Key != ack.Key {
			t.Fatalf("acknowledgement removed: %+v %+v", r, r.Anchors)
		}
	})
}

// On the memory repository (no stored-row walk) the same: the newest
// anchor removed is missing.
func TestAnchorRemovedMemoryRepository(t *testing.T) {
	repo := workflowtest.NewRepository()
	store, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI(t)
	agency, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	an := anchorsWith(nil, store, p, agency)
	an.Head = repo.AuditHead
	svc := &workflow.Service{Repo: repo, Anchors: an}
	an.Record = svc.RecordAnchor
	ctx := context.Background()
	for i := range 3 {
		if err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.AppendEvent(ctx, &workflow.Event{Kind: workflow.EventComment, Comment: string(rune('a' + i))})
		}); err != nil {
			t.Fatal(err)
		}
	}
	a, wrote, err := an.Anchor(ctx, false)
	if err != nil || !wrote {
		t.Fatal(wrote, err)
	}
	if r, err := svc.VerifyAudit(ctx); err != nil || !r.OK || r.Anchors.Recorded != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	removeFromDisk(t, store, a.Key)
	r, err := svc.VerifyAudit(ctx)
	if err != nil || r.OK || len(r.Anchors.Missing) != 1 || r.Anchors.Missing[0].Key != a.Key {
		t.Fatalf("%+v %+v %v", r, r.Anchors, err)
	}
}

// waitNextSecond waits until anchors written now are dated after those
// written before (they are dated to the second).
func waitNextSecond() { time.Sleep(1100 * time.Millisecond) }

// Instances taking turns at anchoring (the lease moves), or the CLI, do
// not anchor each other's records: a head that is the record of a
// genuine anchor of the event before it is anchored already.
func TestIntegrationRecordNotAnchoredByAnotherInstance(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		recording(e)
		agency, _ := e.pki.Agency()
		other := anchorsWith(e.db, e.store, e.pki, agency)
		other.Record, other.Instance = e.bare.RecordAnchor, "test/2"
		ctx := context.Background()
		e.appendEvents(t, 3)
		first := e.anchor(t, false)
		for range 2 {
			for _, an := range []*archive.Anchors{other, e.an} {
				got, wrote, err := an.Anchor(ctx, false)
				if err != nil || wrote || got.Key != first.Key {
					t.Fatalf("%s anchored the record: wrote %v, %+v, %v", an.Instance, wrote, got, err)
				}
			}
		}
		e.appendEvents(t, 1)
		if _, wrote, err := other.Anchor(ctx, false); err != nil || !wrote {
			t.Fatalf("the chain grew: wrote %v, %v", wrote, err)
		}
		if _, wrote, err := e.an.Anchor(ctx, false); err != nil || wrote {
			t.Fatalf("the other instance's record anchored: wrote %v, %v", wrote, err)
		}
		// A forged object at the key of the event before the head does not
		// stop anchoring: the anchor found there must be genuine.
		e.appendEvents(t, 2)
		head, _ := e.db.AuditHead(ctx)
		forge(t, e.store, head.Seq-1, strings.Repeat("cd", 32), nil)
		if _, wrote, err := e.an.Anchor(ctx, false); err != nil || !wrote {
			t.Fatalf("a forged anchor before the head stopped anchoring: wrote %v, %v", wrote, err)
		}
		if r := e.verify(t, e.svc); !r.OK || r.Anchors.Recorded != 3 {
			t.Fatalf("%+v %+v", r, r.Anchors)
		}
	})
}
