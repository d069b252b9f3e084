package pki_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestOCSPReuse: a signed response is served again for OCSPReuse (no
// status lookup, no signature), young enough for the verifier's 5-minute
// freshness grace; a revocation shows at once on the instance that stores
// it, and on another instance sharing the database within OCSPReuse.
func TestOCSPReuse(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	e := newEnv(t, db)
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	a, err := pki.New(e.pki, db, now, nil) // this instance
	if err != nil {
		t.Fatal(err)
	}
	b, err := pki.New(e.pki, db, now, nil) // another instance on the same database
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.pki.Officer("u-reuse", "Nguyễn Văn Dùng Lại", "")
	if err != nil {
		t.Fatal(err)
	}
	cert := key.Chain[0]
	status := func(x *pki.Authority) (*ocsp.Response, []byte) {
		t.Helper()
		der, err := x.OCSPResponse(ctx, cert)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ocsp.ParseResponse(der, e.pki.Root())
		if err != nil {
			t.Fatal(err)
		}
		return r, der
	}

	r1, der1 := status(a)
	advance(pki.OCSPReuse - time.Second)
	r2, der2 := status(a)
	if r1.Status != ocsp.Good || !bytes.Equal(der1, der2) {
		t.Fatalf("within OCSPReuse: status %d, same response %v; want good, reused", r2.Status, bytes.Equal(der1, der2))
	}
	if age := now().Sub(r2.ThisUpdate); age >= 5*time.Minute {
		t.Errorf("a reused response is %s old: the verifier's freshness grace is 5 minutes", age)
	}
	if rb, _ := status(b); rb.Status != ocsp.Good {
		t.Fatalf("other instance: status %d, want good", rb.Status)
	}

	if _, err := a.Revoke(ctx, nil, pki.RevokeRequest{Serial: pki.SerialHex(cert.SerialNumber), Reason: workflow.ReasonKeyCompromise}); err != nil {
		t.Fatal(err)
	}
	if r, _ := status(a); r.Status != ocsp.Revoked {
		t.Errorf("revoking instance right after the revocation: status %d, want revoked at once", r.Status)
	}
	// The other instance may answer from its responses for up to OCSPReuse.
	advance(pki.OCSPReuse)
	if r, _ := status(b); r.Status != ocsp.Revoked {
		t.Errorf("other instance OCSPReuse after the revocation: status %d, want revoked", r.Status)
	}

	// A new response after the reuse time.
	advance(time.Second)
	key2, err := e.pki.Officer("u-reuse-2", "Trần Thị Mới", "")
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := a.OCSPResponse(ctx, key2.Chain[0])
	advance(pki.OCSPReuse)
	d2, _ := a.OCSPResponse(ctx, key2.Chain[0])
	if bytes.Equal(d1, d2) {
		t.Error("a response was reused after OCSPReuse")
	}
}

// TestFreshOCSP: an authority that reuses no response (a signing worker's)
// answers "revoked" at once for a revocation another instance stored.
func TestFreshOCSP(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	e := newEnv(t, db)
	server, err := pki.New(e.pki, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	worker, err := pki.New(e.pki, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	worker.FreshOCSP = true
	key, err := e.pki.Officer("u-fresh", "Lê Văn Tươi", "")
	if err != nil {
		t.Fatal(err)
	}
	cert := key.Chain[0]
	status := func() int {
		t.Helper()
		der, err := worker.OCSPResponse(ctx, cert)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ocsp.ParseResponse(der, e.pki.Root())
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	if s := status(); s != ocsp.Good {
		t.Fatalf("before the revocation: status %d, want good", s)
	}
	if _, err := server.Revoke(ctx, nil, pki.RevokeRequest{Serial: pki.SerialHex(cert.SerialNumber), Reason: workflow.ReasonKeyCompromise}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != ocsp.Revoked {
		t.Errorf("right after another instance revoked it: status %d, want revoked at once", s)
	}
}
