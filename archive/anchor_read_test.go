package archive_test

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// countingBlobs counts the anchor objects read from a store.
type countingBlobs struct {
	workflow.Blobs
	reads *atomic.Int64
}

func (c countingBlobs) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	if archive.IsAnchorKey(key) {
		c.reads.Add(1)
	}
	return c.Blobs.Get(ctx, key)
}

// countingVersioned is countingBlobs over a store that keeps versions.
type countingVersioned struct {
	countingBlobs
	vs archive.VersionedStore
}

func (c countingVersioned) ListVersions(ctx context.Context, prefix string, fn func(workflow.ObjectInfo) error) error {
	return c.vs.ListVersions(ctx, prefix, fn)
}

func (c countingVersioned) GetVersion(ctx context.Context, key, versionID string) (io.ReadCloser, error) {
	if archive.IsAnchorKey(key) {
		c.reads.Add(1)
	}
	return c.vs.GetVersion(ctx, key, versionID)
}

// countingVerify verifies e's chain against its anchors read through a
// counting store, by a new Anchors (nothing checked before): the report
// and the anchor objects read.
func countingVerify(t *testing.T, e *anchorEnv) (workflow.AuditReport, int64) {
	t.Helper()
	var n atomic.Int64
	var store workflow.Blobs = countingBlobs{e.store, &n}
	if vs, ok := e.store.(archive.VersionedStore); ok {
		store = countingVersioned{countingBlobs{e.store, &n}, vs}
	}
	agency, _ := e.pki.Agency()
	r := e.verify(t, &workflow.Service{Repo: e.db, Anchors: anchorsWith(e.db, store, e.pki, agency)})
	return r, n.Load()
}

// Of anchors the chain agrees with, verify reads the newest alone (the
// hash chain makes it vouch for every event before it); every anchor it
// disagrees with is read, a forged one rejected, a genuine one breaking
// the chain.
func TestIntegrationAnchorsReadOnlyWhatDecides(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		var anchors []*workflow.AuditAnchor
		for range 8 {
			e.appendEvents(t, 3)
			anchors = append(anchors, e.anchor(t, false))
		}
		r, reads := countingVerify(t, e)
		if !r.OK || r.Anchors.Checked != 8 || r.Anchors.Last.Key != anchors[7].Key || r.Anchors.Found != 8 {
			t.Fatalf("intact chain: %+v %+v", r, r.Anchors)
		}
		if reads != 1 || r.Anchors.SignaturesChecked != 1 {
			t.Fatalf("%d anchor objects read, %d signatures checked, want the newest alone", reads, r.Anchors.SignaturesChecked)
		}
		officer, err := e.pki.Officer("u-officer", "Trần Văn Bình", "Phó Chủ tịch")
		if err != nil {
			t.Fatal(err)
		}
		byOfficer := cmsBy(t, officer.Signer, officer.Chain)
		e.appendEvents(t, 3)
		head, _ := e.db.AuditHead(context.Background())
		forgedHead := forge(t, e.store, head.Seq, head.Hash, byOfficer) // the newest agreeing, by its key
		r, reads = countingVerify(t, e)
		if !r.OK || r.Anchors.Last.Key != anchors[7].Key || r.Anchors.Checked != 8 || len(r.Anchors.Rejected) != 1 || r.Anchors.Rejected[0].Key != forgedHead || reads != 2 {
			t.Fatalf("a forged anchor of the head (%d read): %+v %+v", reads, r, r.Anchors)
		}
		rewriteChain(t, e.db, 14) // anchors at 3..12 agree, at 15..27 do not
		r, reads = countingVerify(t, e)
		if r.OK || r.Anchors.Broken == nil || r.Anchors.Broken.Key != anchors[4].Key || r.FirstBroken == nil || r.FirstBroken.Seq != 15 {
			t.Fatalf("rewritten chain: %+v %+v", r, r.Anchors)
		}
		if r.Anchors.Checked != 4 || r.Anchors.Last.Key != anchors[3].Key || !strings.Contains(r.Reason, anchors[3].Key) {
			t.Fatalf("the anchors before the rewrite: %+v, reason %s", r.Anchors, r.Reason)
		}
		if reads != 6 || len(r.Anchors.Rejected) != 1 {
			t.Fatalf("%d anchor objects read, want the 5 disagreeing and the newest agreeing", reads)
		}
		forged := forge(t, e.store, 7, strings.Repeat("cd", 32), byOfficer)
		r, reads = countingVerify(t, e)
		if r.OK || r.Anchors.Broken.Key != anchors[4].Key || len(r.Anchors.Rejected) != 2 || r.Anchors.Rejected[0].Key != forged || reads != 7 {
			t.Fatalf("a forged disagreeing anchor (%d read): %+v %+v", reads, r, r.Anchors)
		}
	})
}

// A genuine anchor whose key names the event's hash (its first 16 hex
// digits) but whose signed checkpoint has another hash is a disagreement:
// the chain was rewritten, the anchor before it is the last agreeing.
func TestIntegrationAnchorKeyAgreesSignedHashDoesNot(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		e.appendEvents(t, 4)
		before := e.anchor(t, false)
		e.appendEvents(t, 4)
		head, err := e.db.AuditHead(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		other := head.Hash[:16] + strings.Repeat("0", len(head.Hash)-16)
		if other == head.Hash {
			other = head.Hash[:16] + strings.Repeat("1", len(head.Hash)-16)
		}
		agency, _ := e.pki.Agency()
		an := anchorsWith(e.db, e.store, e.pki, agency)
		an.Head = func(context.Context) (*workflow.Event, error) {
			return &workflow.Event{Seq: head.Seq, Hash: other}, nil
		}
		odd, wrote, err := an.Anchor(context.Background(), false)
		if err != nil || !wrote || odd.Key != archive.AnchorKey(head.Seq, head.Hash, false) {
			t.Fatalf("anchor of another hash under the head's key: %+v %v %v", odd, wrote, err)
		}
		r, reads := countingVerify(t, e)
		if r.OK || r.Anchors.Broken == nil || r.Anchors.Broken.Key != odd.Key || r.Anchors.Broken.Hash != other || r.FirstBroken == nil || r.FirstBroken.Seq != head.Seq {
			t.Fatalf("anchor of another hash: %+v %+v", r, r.Anchors)
		}
		if r.Anchors.Last == nil || r.Anchors.Last.Key != before.Key || r.Anchors.Checked != 1 || reads != 2 {
			t.Fatalf("the anchor before it (%d read): %+v", reads, r.Anchors)
		}
	})
}

// Past the chain's first broken event (an event altered, its hash not
// recomputed), the anchors are counted unchecked, unread.
func TestIntegrationAnchorsPastBrokenEventUnread(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		var anchors []*workflow.AuditAnchor
		for range 3 {
			e.appendEvents(t, 3)
			anchors = append(anchors, e.anchor(t, false))
		}
		if err := e.db.Gorm().Exec(`UPDATE audit_events SET comment = ? WHERE seq = ?`, "sửa lén", 5).Error; err != nil {
			t.Fatal(err)
		}
		r, reads := countingVerify(t, e)
		if r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != 5 || r.Anchors.Broken != nil || r.Anchors.Behind != nil {
			t.Fatalf("chain broken at event 5: %+v %+v", r, r.Anchors)
		}
		if r.Anchors.Checked != 1 || r.Anchors.Last.Key != anchors[0].Key || r.Anchors.Unchecked != 2 || reads != 1 {
			t.Fatalf("anchors past the break (%d read): %+v", reads, r.Anchors)
		}
	})
}
