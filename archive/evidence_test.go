package archive_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// clock is an injected clock tests move forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// evidenceFixture is an archive with a time-stamp authority whose first
// certificate expires in two years, and a document verifier standing in
// for signing/verify whose signing certificates also expire in two years:
// it says valid at a time before that, indeterminate after.
type evidenceFixture struct {
	*archivetest.Fixture
	clock *clock
	t0    time.Time
	ca    *testtsa.CA
	tsa   *testtsa.Authority
}

func newEvidenceFixture(t *testing.T, db *gormdb.DB, store workflow.Blobs) *evidenceFixture {
	t.Helper()
	t0 := time.Now().UTC().Truncate(time.Second)
	c := &clock{t: t0}
	f := &evidenceFixture{Fixture: archivetest.New(t, db, store), clock: c, t0: t0}
	f.ca = testtsa.NewCA(t, "Vanthu Test Root", t0, t0.AddDate(50, 0, 0))
	f.tsa = testtsa.NewAuthority(t, f.ca, c.Now, t0.AddDate(2, 0, 0))
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	signerExpires := t0.AddDate(2, 0, 0)
	a := f.Archive
	a.Now = c.Now
	a.Stamper = &archive.TSA{Name: f.tsa.URL, Query: pki.HTTPTSA{URL: f.tsa.URL}.TimeStamp}
	a.TrustRoots = func() *x509.CertPool { return roots }
	a.FetchRevocation, a.CheckRevocation = revocationViaVerify()
	a.VerifyDocument = func(ctx context.Context, pdf []byte, at time.Time) (string, []string, error) {
		if at.Before(signerExpires) {
			return archive.VerdictValid, []string{"signer certificate valid at " + at.Format(time.RFC3339)}, nil
		}
		return archive.VerdictIndeterminate, []string{"signer certificate expired at " + signerExpires.Format(time.RFC3339)}, nil
	}
	return f
}

// revocationViaVerify fetches and checks revocation data with
// signing/verify, as cmd wires it.
func revocationViaVerify() (archive.RevocationFetcher, archive.RevocationChecker) {
	return func(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, string, string, error) {
			ev, err := verify.HTTPFetcher{}.Fetch(ctx, cert, issuer)
			if err != nil {
				return nil, "", "", err
			}
			if ev.OCSP != nil {
				return ev.OCSP, "ocsp", ev.URL, nil
			}
			return ev.CRL, "crl", ev.URL, nil
		}, func(der []byte, kind string, cert, issuer *x509.Certificate) (string, error) {
			ev := verify.Evidence{OCSP: der}
			if kind == "crl" {
				ev = verify.Evidence{CRL: der}
			}
			return verify.CheckEvidence(ev, cert, issuer)
		}
}

// permanent archives a permanent record (a QĐ) at the clock's time.
func (f *evidenceFixture) permanent(t *testing.T) string {
	t.Helper()
	d := f.Issued(t, archivetest.Options{Type: "QĐ", Attachments: 1})
	f.ArchiveDoc(t, d.ID)
	return d.ID
}

func (f *evidenceFixture) renewDue(t *testing.T) *archive.RenewReport {
	t.Helper()
	rep, err := f.Archive.RenewDue(context.Background())
	if err != nil {
		t.Fatalf("renew: %v (%+v)", err, rep)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("renew errors: %+v", rep.Errors)
	}
	return rep
}

func (f *evidenceFixture) verify(t *testing.T, id string) *archive.EvidenceReport {
	t.Helper()
	rep, err := f.Archive.VerifyEvidence(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func hasReason(rep *archive.EvidenceReport, part string) bool {
	for _, r := range rep.Reasons {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

func dump(rep any) string {
	b, _ := json.MarshalIndent(rep, "", "  ")
	return string(b)
}

// TestEvidenceRenewalAcrossYears: a permanent record archived today, whose
// signing and TSA certificates expire in two years, is time-stamped
// today and renewed in one year (the TSA has a new certificate by then);
// in ten years its evidence still verifies, with the reasons listed. A
// record that was not renewed is indeterminate in ten years, saying its
// evidence expired.
func TestEvidenceRenewalAcrossYears(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		testEvidenceRenewalAcrossYears(t, newEvidenceFixture(t, db, nil))
	})
}

func testEvidenceRenewalAcrossYears(t *testing.T, f *evidenceFixture) {
	ctx := context.Background()
	renewed, notRenewed := f.permanent(t), f.permanent(t)
	short := f.Issued(t, archivetest.Options{Type: "KH", Retention: "5y"}) // kept 5 years
	f.ArchiveDoc(t, short.ID)

	// Today: every record gets its first archive time-stamp.
	rep := f.renewDue(t)
	if len(rep.Renewed) != 3 {
		t.Fatalf("today: renewed %s", dump(rep))
	}
	for _, r := range rep.Renewed {
		if r.Seq != 0 || !r.ValidUntil.Equal(f.t0.AddDate(2, 0, 0)) {
			t.Fatalf("first time-stamp %+v", r)
		}
	}
	// Again today: nothing is due (idempotent).
	if rep := f.renewDue(t); len(rep.Renewed) != 0 {
		t.Fatalf("second run today renewed %s", dump(rep))
	}
	if r, err := f.Archive.Renew(ctx, renewed, false); err != nil || r.Skipped == "" {
		t.Fatalf("renew a record not due: %+v %v", r, err)
	}
	if rep := f.verify(t, renewed); rep.Verdict != archive.VerdictValid {
		t.Fatalf("today: %s", dump(rep))
	}

	// In one year: the TSA has a new certificate (valid 20 years); every
	// record is due (each is kept longer than the first certificate
	// lives, which expires within a year). Two are renewed here.
	f.clock.Set(f.t0.AddDate(1, 0, 0))
	f.tsa.Rotate(t, f.t0.AddDate(20, 0, 0))
	ids, err := f.Index.EvidenceDue(ctx, f.clock.Now(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("due in a year: %v", ids)
	}
	for _, id := range []string{renewed, short.ID} {
		r, err := f.Archive.Renew(ctx, id, false)
		if err != nil || r.Skipped != "" || r.Seq != 1 || !r.ValidUntil.Equal(f.t0.AddDate(20, 0, 0)) {
			t.Fatalf("renewal in a year: %+v %v", r, err)
		}
	}
	// In four years only the record not renewed is due: the renewed
	// permanent one is due 19 years from now, the 5-year one never again
	// (its newest time-stamp outlives its retention).
	f.clock.Set(f.t0.AddDate(4, 0, 0))
	if ids, err := f.Index.EvidenceDue(ctx, f.clock.Now(), "", 10); err != nil || len(ids) != 1 || ids[0] != notRenewed {
		t.Fatalf("due in four years: %v %v", ids, err)
	}
	if rec, _ := f.Index.Record(ctx, renewed); !rec.Evidence.RenewAt.Equal(f.t0.AddDate(19, 0, 0)) || rec.Evidence.Count != 2 {
		t.Fatalf("renewed record's evidence %+v", rec.Evidence)
	}

	// In ten years.
	f.clock.Set(f.t0.AddDate(10, 0, 0))
	good := f.verify(t, renewed)
	t.Logf("renewed record in 10 years:\n%s", dump(good))
	if good.Verdict != archive.VerdictValid || len(good.TimeStamps) != 2 {
		t.Fatalf("renewed record in 10 years: %s", dump(good))
	}
	for _, want := range []string{
		"objects match their recorded SHA-256",
		"time-stamp 0 (" + f.t0.Format(time.RFC3339),
		"includes document.pdf",
		"time-stamp 1 (" + f.t0.AddDate(1, 0, 0).Format(time.RFC3339),
		"time-stamp 1 was made while time-stamp 0's TSA certificate was still valid (until " + f.t0.AddDate(2, 0, 0).Format(time.RFC3339),
		"stays verifiable until " + f.t0.AddDate(20, 0, 0).Format(time.RFC3339),
		"document.pdf validated as of " + f.t0.Format(time.RFC3339) + ", the time of archive time-stamp 0: valid",
		"time-stamp 0: its TSA certificate was not revoked when time-stamp 1 was made (OCSP kept in evidence/0001-revocation.der)",
		"time-stamp 1: the revocation status of its TSA certificate is kept at the next renewal",
	} {
		if !hasReason(good, want) {
			t.Errorf("renewed record: no reason with %q", want)
		}
	}
	bad := f.verify(t, notRenewed)
	t.Logf("record not renewed, in 10 years:\n%s", dump(bad))
	if bad.Verdict != archive.VerdictIndeterminate || !hasReason(bad, "the evidence expired") ||
		!hasReason(bad, "expired at "+f.t0.AddDate(2, 0, 0).Format(time.RFC3339)) {
		t.Fatalf("record not renewed, in 10 years: %s", dump(bad))
	}
	// Renewing it now (too late) does not mend the chain.
	if r, err := f.Archive.Renew(ctx, notRenewed, false); err != nil || r.Seq != 1 {
		t.Fatalf("late renewal: %+v %v", r, err)
	}
	if late := f.verify(t, notRenewed); late.Verdict != archive.VerdictIndeterminate || !hasReason(late, "the chain is broken: time-stamp 1") {
		t.Fatalf("late renewal: %s", dump(late))
	}

	// Fixity re-reads the evidence objects and checks both chains.
	fx, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil || !fx.OK || fx.Chains != 3 {
		t.Fatalf("fixity: %v %s", err, dump(fx))
	}
	rec, _ := f.Index.Record(ctx, renewed)
	var names []string
	for _, o := range rec.Objects {
		if archive.IsEvidence(o.Name) {
			names = append(names, o.Name)
			if !o.RetainUntil.Equal(archive.Forever) {
				t.Errorf("%s retained until %s", o.Key, o.RetainUntil)
			}
			// Write-once: the store refuses to delete it (object lock on MinIO).
			if err := f.Store.Delete(ctx, o.Key); err == nil {
				t.Errorf("%s was deleted", o.Key)
			}
			if info, err := f.Store.Stat(ctx, o.Key); err != nil || info.SHA256 != o.SHA256 || !info.RetainUntil.Equal(archive.Forever) {
				t.Errorf("%s in the store: %+v %v", o.Key, info, err)
			}
		}
	}
	if want := "evidence/0000-manifest.json evidence/0000-timestamp.tst evidence/0001-manifest.json evidence/0001-revocation.der evidence/0001-timestamp.tst"; strings.Join(names, " ") != want {
		t.Fatalf("evidence objects %v", names)
	}
	opensslVerifiesChain(t, f, rec)
}

// opensslVerifiesChain checks each archive time-stamp with a tool nobody
// here wrote: openssl ts -verify of the token over its manifest's bytes,
// against the test root; and that each manifest names the previous
// token's SHA-256 as computed by the test.
func opensslVerifiesChain(t *testing.T, f *evidenceFixture, rec *archive.Record) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install openssl)")
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.ca.Cert.Raw}), 0o600)
	prevToken := ""
	for seq := 0; seq < rec.Evidence.Count; seq++ {
		mn, tn := archive.EvidenceNames(seq)
		mb, tb := readAll(t, f.Store, rec.Key+mn), readAll(t, f.Store, rec.Key+tn)
		mp, tp := filepath.Join(dir, fmt.Sprintf("m%d.json", seq)), filepath.Join(dir, fmt.Sprintf("t%d.tst", seq))
		os.WriteFile(mp, mb, 0o600)
		os.WriteFile(tp, tb, 0o600)
		out, err := exec.Command(bin, "ts", "-verify", "-data", mp, "-in", tp, "-token_in", "-CAfile", ca).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verification: OK") {
			t.Fatalf("openssl ts -verify of time-stamp %d: %v\n%s", seq, err, out)
		}
		var m archive.EvidenceManifest
		if err := json.Unmarshal(mb, &m); err != nil {
			t.Fatal(err)
		}
		if seq > 0 && m.Previous[seq-1].TokenSHA256 != prevToken {
			t.Fatalf("manifest %d names token SHA-256 %s, want %s", seq, m.Previous[seq-1].TokenSHA256, prevToken)
		}
		prevToken = sum(tb)
	}
}

// TestIntegrationMinIOEvidence: the same years on the object-locked
// bucket of the test MinIO server (the evidence objects are write-once
// there, retained like the record).
func TestIntegrationMinIOEvidence(t *testing.T) {
	sharedMinIO(t) // skips without the server
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		testEvidenceRenewalAcrossYears(t, newEvidenceFixture(t, db, sharedMinIO(t)))
	})
}

// TestEvidenceRenewalConcurrent: two instances renewing the same record
// at once record exactly one time-stamp; the loser reports it skipped.
func TestEvidenceRenewalConcurrent(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		f := newEvidenceFixture(t, db, nil)
		id := f.permanent(t)
		other := *f.Archive // a second instance on the same database and store
		var wg sync.WaitGroup
		res := make([]*archive.RenewResult, 2)
		errs := make([]error, 2)
		for i, s := range []*archive.Service{f.Archive, &other} {
			wg.Go(func() { res[i], errs[i] = s.Renew(ctx, id, false) })
		}
		wg.Wait()
		for i := range errs {
			if errs[i] != nil {
				t.Fatalf("instance %d: %v", i, errs[i])
			}
		}
		rec, _ := f.Index.Record(ctx, id)
		if rec.Evidence.Count != 1 {
			t.Fatalf("evidence count %d after two concurrent renewals: %s", rec.Evidence.Count, dump(res))
		}
		if rep := f.verify(t, id); rep.Verdict != archive.VerdictValid {
			t.Fatalf("%s", dump(rep))
		}
	})
}

// TestEvidenceOutageAndResume: with the authority down, renewal fails
// with EUNAVAILABLE and records nothing; once it is back, the next run
// completes the renewal over the manifest already written.
func TestEvidenceOutageAndResume(t *testing.T) {
	ctx := context.Background()
	f := newEvidenceFixture(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	id := f.permanent(t)
	f.tsa.SetDown(true)
	_, err := f.Archive.RenewDue(ctx)
	wantCode(t, err, workflow.EUNAVAILABLE)
	if rec, _ := f.Index.Record(ctx, id); rec.Evidence.Count != 0 {
		t.Fatalf("count %d after an outage", rec.Evidence.Count)
	}
	f.tsa.SetDown(false)
	if rep := f.renewDue(t); len(rep.Renewed) != 1 {
		t.Fatalf("%s", dump(rep))
	}
	if rep := f.verify(t, id); rep.Verdict != archive.VerdictValid {
		t.Fatalf("%s", dump(rep))
	}
}

// TestEvidenceTamperedFixity: a manifest changed on disk is reported by
// fixity (its hash and the chain) and makes verification invalid.
func TestEvidenceTamperedFixity(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := localfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := newEvidenceFixture(t, gormdbtest.Open(t, gormdb.SQLite), store)
	id := f.permanent(t)
	f.renewDue(t)
	var path string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.Contains(p, string(filepath.Separator)+"objects"+string(filepath.Separator)) && strings.Contains(p, id) &&
			strings.HasSuffix(p, filepath.Join("evidence", "0000-manifest.json")) {
			path = p
		}
		return nil
	})
	if path == "" {
		rec, _ := f.Index.Record(ctx, id)
		t.Fatalf("manifest file not found under %s (record %s)", dir, rec.Key)
	}
	b, _ := os.ReadFile(path)
	os.Chmod(path, 0o600)
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), `"seq": 0`, `"seq": 0 `, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	fx, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fx.OK || len(fx.Mismatches) != 1 || len(fx.Evidence) == 0 {
		t.Fatalf("fixity after tampering: %s", dump(fx))
	}
	if rep := f.verify(t, id); rep.Verdict != archive.VerdictInvalid {
		t.Fatalf("%s", dump(rep))
	}
	// And it is not renewed over.
	f.clock.Set(f.t0.AddDate(1, 6, 0))
	_, err = f.Archive.Renew(ctx, id, false)
	wantCode(t, err, workflow.EINTERNAL)
}

// TestEvidenceTSACertificateRules: only a certificate whose one extended
// key usage is id-kp-timeStamping, in a critical extension (RFC 3161
// 2.3), may sign archive time-stamps.
func TestEvidenceTSACertificateRules(t *testing.T) {
	ekuDER := func(oids ...asn1.ObjectIdentifier) []byte {
		b, err := asn1.Marshal(oids)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ts, sa := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	for _, c := range []struct {
		name string
		ext  *pkix.Extension
		want bool
	}{
		{"OK/critical timeStamping", &pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuDER(ts)}, true},
		{"not critical", &pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: ekuDER(ts)}, false},
		{"another usage too", &pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuDER(ts, sa)}, false},
		{"no extended key usage", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "TSA"},
				NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
			if c.ext != nil {
				tmpl.ExtraExtensions = []pkix.Extension{*c.ext}
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if got := archive.TimeStampingOnly(cert); got != c.want {
				t.Fatalf("TimeStampingOnly = %v, want %v", got, c.want)
			}
		})
	}
}

// TestEvidenceRevokedTSA: the TSA certificate of time-stamp 0 is revoked
// before the renewal; the OCSP response kept with time-stamp 1 says so,
// and verification is indeterminate with that reason.
func TestEvidenceRevokedTSA(t *testing.T) {
	ctx := context.Background()
	f := newEvidenceFixture(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	id := f.permanent(t)
	f.renewDue(t)
	f.clock.Set(f.t0.AddDate(0, 6, 0))
	f.tsa.Revoke(f.tsa.Cert())
	f.tsa.Rotate(t, f.t0.AddDate(20, 0, 0))
	if r, err := f.Archive.Renew(ctx, id, true); err != nil || r.Seq != 1 {
		t.Fatalf("renew: %+v %v", r, err)
	}
	rep := f.verify(t, id)
	if rep.Verdict != archive.VerdictIndeterminate || !hasReason(rep, "time-stamp 0: its TSA certificate was revoked before time-stamp 1 was made") {
		t.Fatalf("%s", dump(rep))
	}
}

// gateStamper counts the time-stamp requests in flight; each waits a
// little for another to join it.
type gateStamper struct {
	archive.Stamper
	mu            sync.Mutex
	inFlight, max int
}

func (g *gateStamper) Stamp(ctx context.Context, digest []byte) ([]byte, error) {
	g.mu.Lock()
	g.inFlight++
	g.max = max(g.max, g.inFlight)
	g.mu.Unlock()
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		n := g.inFlight
		g.mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer func() { g.mu.Lock(); g.inFlight--; g.mu.Unlock() }()
	return g.Stamper.Stamp(ctx, digest)
}

// RenewDue renews several records at a time (a renewal waits mostly for
// the authority), each exactly once.
func TestEvidenceRenewDueConcurrently(t *testing.T) {
	ctx := context.Background()
	f := newEvidenceFixture(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	var ids []string
	for range 4 {
		ids = append(ids, f.permanent(t))
	}
	g := &gateStamper{Stamper: f.Archive.Stamper}
	f.Archive.Stamper = g
	rep := f.renewDue(t)
	if len(rep.Renewed) != 4 || len(rep.Errors) != 0 {
		t.Fatalf("%s", dump(rep))
	}
	if g.max < 2 {
		t.Fatalf("at most %d time-stamp requests at once: records renewed one after the other", g.max)
	}
	for _, id := range ids {
		if rec, _ := f.Index.Record(ctx, id); rec.Evidence.Count != 1 {
			t.Fatalf("%s: evidence count %d", id, rec.Evidence.Count)
		}
	}
}

// getLog records the keys a store is asked to Get.
type getLog struct {
	workflow.Blobs
	mu   sync.Mutex
	keys []string
}

func (g *getLog) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	g.mu.Lock()
	g.keys = append(g.keys, key)
	g.mu.Unlock()
	return g.Blobs.Get(ctx, key)
}

// A renewal writes its token without reading the key first (the write is
// write-once: a token an interrupted or concurrent attempt left is read
// only when the write is refused, as TestEvidenceRenewalConcurrent has
// it).
func TestEvidenceTokenWrittenWithoutReadingFirst(t *testing.T) {
	ctx := context.Background()
	f := newEvidenceFixture(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	id := f.permanent(t)
	log := &getLog{Blobs: f.Archive.Store}
	f.Archive.Store = log
	if _, err := f.Archive.Renew(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	_, tname := archive.EvidenceNames(0)
	for _, k := range log.keys {
		if strings.HasSuffix(k, tname) {
			t.Fatalf("the token %s was read before it was written: %v", tname, log.keys)
		}
	}
	if rep := f.verify(t, id); rep.Verdict != archive.VerdictValid {
		t.Fatalf("%s", dump(rep))
	}
}
