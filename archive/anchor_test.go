package archive_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// testPKI is a development PKI for one test: its agency key signs
// anchors, its officials' keys chain to the same root.
func testPKI(tb testing.TB) *keys.DevPKI {
	tb.Helper()
	p, err := keys.OpenDevPKI(tb.TempDir(), "UBND huyện Thử Nghiệm", "000.00.12.H13", time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// anchorsWith is an archive.Anchors over db and store that signs with k
// and trusts p's root and agency certificate.
func anchorsWith(db *gormdb.DB, store workflow.Blobs, p *keys.DevPKI, k keys.Key) *archive.Anchors {
	return &archive.Anchors{Store: store, Head: db.AuditHead, Instance: "test/1", Org: "000.00.12.H13",
		Key:   func() (crypto.Signer, []*x509.Certificate, error) { return k.Signer, k.Chain, nil },
		Trust: p.RootPool,
		Agency: func() *x509.Certificate {
			a, err := p.Agency()
			if err != nil {
				return nil
			}
			return a.Certificate()
		}}
}

type anchorEnv struct {
	db    *gormdb.DB
	store workflow.Blobs
	pki   *keys.DevPKI
	an    *archive.Anchors
	svc   *workflow.Service // checks the chain against the anchors
	bare  *workflow.Service // checks the chain alone, as before anchors
	n     int
}

func newAnchorEnv(t *testing.T, db *gormdb.DB, store workflow.Blobs) *anchorEnv {
	t.Helper()
	p := testPKI(t)
	agency, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	e := &anchorEnv{db: db, store: store, pki: p, an: anchorsWith(db, store, p, agency)}
	e.svc = &workflow.Service{Repo: db, Anchors: e.an}
	e.bare = &workflow.Service{Repo: db}
	return e
}

// appendEvents appends n comment events, a second apart.
func (e *anchorEnv) appendEvents(t *testing.T, n int) {
	t.Helper()
	for range n {
		e.n++
		ev := &workflow.Event{DocumentID: "doc-1", Actor: "u1", Kind: workflow.EventComment,
			At: time.Now().Add(time.Duration(e.n) * time.Second), Comment: fmt.Sprintf("ý kiến %d", e.n)}
		if err := e.db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
			return tx.AppendEvent(ctx, ev)
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *anchorEnv) anchor(t *testing.T, restored bool) *workflow.AuditAnchor {
	t.Helper()
	a, wrote, err := e.an.Anchor(context.Background(), restored)
	if err != nil || !wrote {
		t.Fatalf("anchor: wrote %v, %v", wrote, err)
	}
	return a
}

func (e *anchorEnv) verify(t *testing.T, svc *workflow.Service) workflow.AuditReport {
	t.Helper()
	r, err := svc.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rewriteChain is what someone who can write the database does: event
// from gets another comment, and it and every event after it are
// chained again (the hashes computed as vanthu does), written back with
// plain SQL together with the head. The chain alone then verifies.
func rewriteChain(t *testing.T, db *gormdb.DB, from int64) {
	t.Helper()
	var evs []workflow.Event
	if err := db.WalkEvents(context.Background(), func(e workflow.Event) error { evs = append(evs, e); return nil }); err != nil {
		t.Fatal(err)
	}
	g := db.Gorm()
	for i := range evs {
		e := &evs[i]
		if e.Seq < from {
			continue
		}
		if e.Seq == from {
			e.Comment = "sửa lén: " + e.Comment
		}
		e.PrevHash = evs[i-1].Hash
		if i == 0 {
			e.PrevHash = workflow.GenesisHash
		}
		e.Hash = workflow.HashEvent(e)
		if err := g.Exec(`UPDATE audit_events SET comment = ?, prev_hash = ?, hash = ? WHERE seq = ?`, e.Comment, e.PrevHash, e.Hash, e.Seq).Error; err != nil {
			t.Fatal(err)
		}
	}
	last := evs[len(evs)-1]
	if err := g.Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, last.Seq, last.Hash).Error; err != nil {
		t.Fatal(err)
	}
}

// cutChain is a restore to an earlier backup: the events after keep are
// gone and the head is the one the backup had.
func cutChain(t *testing.T, db *gormdb.DB, keep int64) {
	t.Helper()
	var kept workflow.Event
	db.WalkEvents(context.Background(), func(e workflow.Event) error {
		if e.Seq == keep {
			kept = e
		}
		return nil
	})
	g := db.Gorm()
	if err := g.Exec(`DELETE FROM audit_events WHERE seq > ?`, keep).Error; err != nil {
		t.Fatal(err)
	}
	if err := g.Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, kept.Seq, kept.Hash).Error; err != nil {
		t.Fatal(err)
	}
}

// runAnchorStores runs fn on each database backend with each archive
// store: a local folder and an object-locked bucket on the test MinIO.
func runAnchorStores(t *testing.T, fn func(t *testing.T, e *anchorEnv)) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		t.Run("local", func(t *testing.T) {
			store, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			fn(t, newAnchorEnv(t, db, store))
		})
		t.Run("minio", func(t *testing.T) {
			fn(t, newAnchorEnv(t, gormdbtest.Open(t, backendOf(db)), sharedMinIO(t)))
		})
	})
}

func backendOf(db *gormdb.DB) string {
	if db.Gorm().Dialector.Name() == "postgres" {
		return gormdb.Postgres
	}
	return gormdb.SQLite
}

// A chain rewritten and recomputed in the database verifies on its own;
// against its anchors it fails, naming the first anchor and the event at
// its position. Rewritten after the last anchor, nothing can tell.
func TestIntegrationAnchorsCatchRewrittenChain(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		e.appendEvents(t, 10)
		first := e.anchor(t, false)
		if again, wrote, err := e.an.Anchor(context.Background(), false); err != nil || wrote || again.Key != first.Key {
			t.Fatalf("the head did not move: anchored again? wrote %v, %+v, %v", wrote, again, err)
		}
		info, err := e.store.Stat(context.Background(), first.Key)
		if err != nil || !info.RetainUntil.Equal(archive.Forever) {
			t.Fatalf("anchor kept until %s (%v), want write-once for ever", info.RetainUntil, err)
		}
		if err := e.store.Delete(context.Background(), first.Key); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Fatalf("deleting an anchor: %v, want EFORBIDDEN", err)
		}
		e.appendEvents(t, 5)
		second := e.anchor(t, false)
		if first.Seq != 10 || second.Seq != 15 {
			t.Fatalf("anchors at %d and %d, want 10 and 15", first.Seq, second.Seq)
		}
		r := e.verify(t, e.svc)
		if !r.OK || r.Anchors == nil || r.Anchors.Checked != 2 || r.Anchors.Last.Key != second.Key {
			t.Fatalf("intact chain: %+v %+v", r, r.Anchors)
		}
		e.appendEvents(t, 3)
		rewriteChain(t, e.db, 17) // after the last anchor: undetectable
		if r := e.verify(t, e.svc); !r.OK {
			t.Fatalf("a rewrite after the last anchor cannot be seen, yet: %+v", r)
		}
		rewriteChain(t, e.db, 4)
		if r := e.verify(t, e.bare); !r.OK {
			t.Fatalf("the recomputed chain alone should verify (the gap anchors close): %+v", r)
		}
		r = e.verify(t, e.svc)
		if r.OK || r.Anchors.Broken == nil || r.Anchors.Broken.Key != first.Key || r.FirstBroken == nil || r.FirstBroken.Seq != 10 {
			t.Fatalf("rewritten chain against its anchors: %+v anchors %+v", r, r.Anchors)
		}
		if !strings.Contains(r.Reason, first.Key) || !strings.Contains(r.Reason, "event 10") {
			t.Errorf("reason does not name the anchor and the event: %s", r.Reason)
		}
		if r.Anchors.Checked != 0 || r.Anchors.Last != nil {
			t.Errorf("anchors agreeing with the rewritten chain: %+v", r.Anchors)
		}
	})
}

// The anchor object is a CMS signature any CMS tool checks: parsed here
// with the library and compared with the chain head it names.
func TestAnchorObjectIsCMS(t *testing.T) {
	store, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := newAnchorEnv(t, gormdbtest.Open(t, gormdb.SQLite), store)
	e.appendEvents(t, 3)
	a := e.anchor(t, false)
	rc, _, err := store.Get(context.Background(), a.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.ReadFrom(rc)
	p7, err := pkcs7.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := p7.VerifyWithChain(e.pki.RootPool()); err != nil {
		t.Fatal(err)
	}
	var cp archive.Checkpoint
	if err := json.Unmarshal(p7.Content, &cp); err != nil {
		t.Fatal(err)
	}
	head, _ := e.db.AuditHead(context.Background())
	if cp.Seq != head.Seq || cp.Hash != head.Hash || cp.Format != archive.AnchorFormat || cp.Instance != "test/1" {
		t.Fatalf("checkpoint %+v, head %+v", cp, head)
	}
	// A tool nobody here wrote agrees.
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed: the anchor not checked by OpenSSL")
	}
	in := filepath.Join(t.TempDir(), "anchor.p7m")
	os.WriteFile(in, buf.Bytes(), 0o600)
	out, err := exec.Command(openssl, "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", e.pki.RootCertPath(), "-purpose", "any").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(head.Hash)) {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
}

// forge writes an anchor object for the head (seq, hash) made by sign
// (nil: the checkpoint's bytes, unsigned) under the key a genuine one
// would have, as someone who can write the bucket but has no agency key.
func forge(t *testing.T, store workflow.Blobs, seq int64, hash string, sign func([]byte) []byte) string {
	t.Helper()
	body, _ := json.Marshal(archive.Checkpoint{Format: archive.AnchorFormat, Seq: seq, Hash: hash, At: time.Now().UTC().Truncate(time.Second), Instance: "forger"})
	der := body
	if sign != nil {
		der = sign(body)
	}
	key := archive.AnchorKey(seq, hash, false)
	sum := sha256.Sum256(der)
	if _, err := store.Put(context.Background(), key, bytes.NewReader(der), int64(len(der)), hex.EncodeToString(sum[:]), workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return key
}

// cmsBy signs body as CMS with signer and its chain.
func cmsBy(t *testing.T, signer crypto.Signer, chain []*x509.Certificate) func([]byte) []byte {
	return func(body []byte) []byte {
		sd, err := pkcs7.NewSignedData(body)
		if err != nil {
			t.Fatal(err)
		}
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		if signer != nil {
			if err := sd.AddSignerChain(chain[0], signer, chain[1:], pkcs7.SignerInfoConfig{}); err != nil {
				t.Fatal(err)
			}
		}
		der, err := sd.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
}

// selfSignedAgency is a certificate with the agency's subject that no
// trusted authority issued.
func selfSignedAgency(t *testing.T, agency *x509.Certificate) (crypto.Signer, []*x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: agency.Subject, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return key, []*x509.Certificate{c}
}

// Anchors nobody signed with the agency key are refused: listed as
// rejected, never counted. One that agrees with a rewritten chain does
// not hide the rewrite; one that disagrees with an intact chain does not
// break it.
func TestIntegrationForgedAnchorsRefused(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		e.appendEvents(t, 6)
		genuine := e.anchor(t, false)
		officer, err := e.pki.Officer("u-officer", "Trần Văn Bình", "Phó Chủ tịch")
		if err != nil {
			t.Fatal(err)
		}
		agency, _ := e.pki.Agency()
		selfKey, selfChain := selfSignedAgency(t, agency.Certificate())
		forgers := map[string]func([]byte) []byte{
			"unsigned bytes":        nil,
			"CMS without signer":    cmsBy(t, nil, nil),
			"an official's key":     cmsBy(t, officer.Signer, officer.Chain),
			"self-signed as agency": cmsBy(t, selfKey, selfChain),
		}
		// Against an intact chain: a forged anchor of event 3 with another hash.
		bogus := strings.Repeat("ab", 32)
		forge(t, e.store, 3, bogus, forgers["an official's key"])
		r := e.verify(t, e.svc)
		if !r.OK || len(r.Anchors.Rejected) != 1 || r.Anchors.Checked != 1 {
			t.Fatalf("a forged anchor broke an intact chain: %+v %+v", r, r.Anchors)
		}
		// The chain rewritten, and anchors forged for its new head.
		rewriteChain(t, e.db, 2)
		head, _ := e.db.AuditHead(context.Background())
		for i, name := range []string{"unsigned bytes", "CMS without signer", "an official's key", "self-signed as agency"} {
			forge(t, e.store, head.Seq+int64(i), head.Hash, forgers[name])
		}
		r = e.verify(t, e.svc)
		if r.OK || r.Anchors.Broken == nil || r.Anchors.Broken.Key != genuine.Key {
			t.Fatalf("forged anchors hid the rewrite: %+v %+v", r, r.Anchors)
		}
		if len(r.Anchors.Rejected) != 5 || r.Anchors.Checked != 0 {
			t.Fatalf("rejected %d, checked %d: %+v", len(r.Anchors.Rejected), r.Anchors.Checked, r.Anchors.Rejected)
		}
		for _, x := range r.Anchors.Rejected {
			if x.Rejected == "" {
				t.Errorf("%s rejected without a reason", x.Key)
			}
			t.Logf("%s: %s", x.Key, x.Rejected)
		}
	})
}

// A restore to an earlier backup (the chain shorter than an anchor) is
// reported as such, not as an altered event; once acknowledged with a
// restore anchor, the anchors it left behind are superseded and the
// chain grows again without failing verify.
func TestIntegrationAnchorsAfterRestore(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		e.appendEvents(t, 5)
		kept := e.anchor(t, false)
		e.appendEvents(t, 5)
		lost := e.anchor(t, false)
		cutChain(t, e.db, 7)
		r := e.verify(t, e.svc)
		if r.OK || r.FirstBroken != nil || r.Anchors.Behind == nil || r.Anchors.Behind.Key != lost.Key || r.Anchors.Broken != nil {
			t.Fatalf("restored chain: %+v %+v", r, r.Anchors)
		}
		if !strings.Contains(r.Reason, "restored to an earlier backup") || !strings.Contains(r.Reason, "events 8 to 10") {
			t.Errorf("reason: %s", r.Reason)
		}
		time.Sleep(1100 * time.Millisecond) // anchors are dated to the second
		ack := e.anchor(t, true)
		if !ack.Restored || ack.Seq != 7 {
			t.Fatalf("restore anchor %+v", ack)
		}
		e.appendEvents(t, 5) // events 8 to 12: other hashes at 8..10 than the lost ones
		r = e.verify(t, e.svc)
		if !r.OK || r.Anchors.Superseded != 1 || r.Anchors.Checked != 2 || r.Anchors.Last.Key != ack.Key {
			t.Fatalf("after the acknowledged restore: %+v %+v", r, r.Anchors)
		}
		_ = kept
		later := e.anchor(t, false)
		if r = e.verify(t, e.svc); !r.OK || r.Anchors.Last.Key != later.Key || r.Anchors.Checked != 3 {
			t.Fatalf("after anchoring the regrown chain: %+v %+v", r, r.Anchors)
		}
	})
}

// With a time-stamp authority, an anchor's signature carries its RFC
// 3161 token, which verify checks (over the signature); with the
// authority down, the anchor is written without one.
func TestAnchorTimeStamped(t *testing.T) {
	store, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := newAnchorEnv(t, gormdbtest.Open(t, gormdb.SQLite), store)
	now := time.Now().UTC()
	ca := testtsa.NewCA(t, "Anchor TSA Root", now, now.AddDate(10, 0, 0))
	tsa := testtsa.NewAuthority(t, ca, time.Now, now.AddDate(2, 0, 0))
	e.an.Stamper = &archive.TSA{Name: tsa.URL, Query: pki.HTTPTSA{URL: tsa.URL}.TimeStamp}
	e.appendEvents(t, 2)
	if a := e.anchor(t, false); !a.TimeStamped {
		t.Fatalf("anchor with an authority: %+v", a)
	}
	tsa.SetDown(true)
	e.appendEvents(t, 1)
	if a := e.anchor(t, false); a.TimeStamped {
		t.Fatalf("anchor with the authority down: %+v", a)
	}
	r := e.verify(t, e.svc)
	if !r.OK || r.Anchors.Checked != 2 {
		t.Fatalf("%+v %+v", r, r.Anchors)
	}
	found, _ := e.an.AuditAnchors(context.Background())
	stamped := 0
	for _, a := range found {
		if a.TimeStamped {
			stamped++
		}
	}
	if stamped != 1 {
		t.Fatalf("%d anchors read as time-stamped, want 1: %+v", stamped, found)
	}
}

// Instances anchoring the same head at once write one object: the key
// names the head, and the store refuses a second write under retention.
func TestIntegrationAnchorSameHeadOnce(t *testing.T) {
	runAnchorStores(t, func(t *testing.T, e *anchorEnv) {
		e.appendEvents(t, 4)
		agency, _ := e.pki.Agency()
		const n = 4
		wrote := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			an := anchorsWith(e.db, e.store, e.pki, agency)
			an.Instance = fmt.Sprintf("instance-%d", i)
			wg.Go(func() { _, wrote[i], errs[i] = an.Anchor(context.Background(), false) })
		}
		wg.Wait()
		writers := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("instance %d: %v", i, errs[i])
			}
			if wrote[i] {
				writers++
			}
		}
		found, err := e.an.AuditAnchors(context.Background())
		if err != nil || len(found) != 1 || found[0].Rejected != "" || writers < 1 {
			t.Fatalf("%d writers, anchors %+v, %v", writers, found, err)
		}
		// More than one writer is possible where the store's check of an
		// existing key races with the other Put (S3 keeps both as
		// versions): the same head, signed twice, still one key.
		t.Logf("%d of %d wrote", writers, n)
	})
}

// On MinIO, object lock keeps an anchor's version, not its key: whoever
// holds the bucket's credentials can write a newer version over it or a
// delete marker. Neither hides the anchor: every version is read.
func TestIntegrationMinIOAnchorNotHiddenByVersions(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		store := sharedMinIO(t)
		e := newAnchorEnv(t, db, store)
		ctx := context.Background()
		e.appendEvents(t, 4)
		shadowed := e.anchor(t, false)
		e.appendEvents(t, 4)
		marked := e.anchor(t, false)
		rewriteChain(t, e.db, 2)
		junk := []byte("not an anchor")
		if _, err := store.Client().PutObject(ctx, store.Bucket(), shadowed.Key, bytes.NewReader(junk), int64(len(junk)), s3.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := store.Client().RemoveObject(ctx, store.Bucket(), marked.Key, s3.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, marked.Key); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("the delete marker does not hide the key from a plain read: %v", err)
		}
		r := e.verify(t, e.svc)
		if r.OK || r.Anchors.Broken == nil || r.Anchors.Broken.Key != shadowed.Key || len(r.Anchors.Rejected) != 1 {
			t.Fatalf("anchors hidden by a newer version and a delete marker: %+v %+v", r, r.Anchors)
		}
		if r.Anchors.Found != 3 {
			t.Errorf("found %d anchor objects, want the 2 genuine ones and the junk version", r.Anchors.Found)
		}
	})
}
