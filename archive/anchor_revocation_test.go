package archive_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// revocationVia is the revocation check serve wires (cmd/vanthu
// anchorSignerStatus): signing/verify's, the development PKI's
// responder asked in process.
func revocationVia(auth *pki.Authority) archive.RevocationStatus {
	return func(ctx context.Context, cert, issuer *x509.Certificate) (archive.CertStatus, error) {
		rev := verify.CertificateStatus(ctx, cert, issuer, time.Now(), auth.Fetcher(nil))
		st := archive.CertStatus{Status: rev.Status, Reason: rev.Reason, Detail: rev.Detail}
		if rev.RevokedAt != "" {
			t, err := time.Parse(time.RFC3339, rev.RevokedAt)
			if err != nil {
				return st, err
			}
			st.RevokedAt = t
		}
		return st, nil
	}
}

// The agency certificate revoked (its key leaked): anchors its key signs
// after the revocation are rejected, with the revocation's time and
// reason, whether time-stamped after it or not at all, and so is one
// signed before it without a time-stamp (nothing but the key holder's
// word dates it), though it counted, and was remembered as read (MinIO),
// before; the anchor time-stamped before it still counts, and so do the
// anchors of the agency's new certificate. A status that cannot be had
// fails verify as unavailable, not silently valid.
func TestIntegrationAnchorsOfRevokedAgencyCertificate(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		t.Run("local", func(t *testing.T) {
			store, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			revokedAgencyAnchors(t, db, store)
		})
		t.Run("minio", func(t *testing.T) {
			revokedAgencyAnchors(t, gormdbtest.Open(t, backendOf(db)), sharedMinIO(t))
		})
	})
}

func revokedAgencyAnchors(t *testing.T, db *gormdb.DB, store workflow.Blobs) {
	ctx := context.Background()
	p, err := keys.OpenDevPKIWithOptions(nil, filepath.Join(t.TempDir(), "pki"), "UBND huyện Thử Nghiệm", "000.00.12.H13", nil,
		keys.Options{ServiceURL: "http://127.0.0.1:9", Revoked: pki.Revoked(db)})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := pki.New(p, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	leaked, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	if !verify.NamesRevocation(leaked.Certificate()) {
		t.Fatal("the agency certificate names no revocation service")
	}
	e := &anchorEnv{db: db, store: store, pki: p, an: anchorsWith(db, store, p, leaked), bare: &workflow.Service{Repo: db}}
	stamper := &archive.TSA{Name: "development PKI", Query: auth.TimeStamp}
	e.an.Stamper = stamper
	e.an.Revocation = revocationVia(auth)
	e.svc = &workflow.Service{Repo: db, Anchors: e.an}

	e.appendEvents(t, 3)
	before := e.anchor(t, false)
	e.appendEvents(t, 1)
	e.an.Stamper = nil
	early := e.anchor(t, false) // before the revocation, no time-stamp
	r := e.verify(t, e.svc)
	if !r.OK || r.Anchors.Last == nil || r.Anchors.Last.Key != early.Key || r.Anchors.Last.Revocation != archive.RevocationGood {
		t.Fatalf("before the revocation: %+v %+v", r, r.Anchors)
	}
	waitNextSecond() // revocations are dated to the second
	if _, err := auth.Revoke(ctx, nil, pki.RevokeRequest{Serial: pki.SerialHex(leaked.Certificate().SerialNumber),
		Reason: workflow.ReasonKeyCompromise}); err != nil {
		t.Fatal(err)
	}
	waitNextSecond()
	e.an.Stamper = stamper
	e.appendEvents(t, 2)
	stampedAfter := e.anchor(t, false) // the leaked key, time-stamped after
	e.appendEvents(t, 1)
	e.an.Stamper = nil
	unstamped := e.anchor(t, false) // the leaked key, no time-stamp
	r = e.verify(t, e.svc)
	if !r.OK || r.Anchors.Last == nil || r.Anchors.Last.Key != before.Key || len(r.Anchors.Rejected) != 3 {
		t.Fatalf("anchors of the revoked certificate counted: %+v %+v", r, r.Anchors)
	}
	want := map[string]string{early.Key: "no time-stamp", stampedAfter.Key: "at or after the revocation", unstamped.Key: "no time-stamp"}
	for _, x := range r.Anchors.Rejected {
		if w, ok := want[x.Key]; !ok || !strings.Contains(x.Rejected, w) || !strings.Contains(x.Rejected, "revoked at") || !strings.Contains(x.Rejected, "keyCompromise") {
			t.Errorf("rejected %s: %s", x.Key, x.Rejected)
		}
		t.Logf("%s: %s", x.Key, x.Rejected)
	}
	// The agency's new certificate (the PKI replaces a revoked one).
	renewed, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Certificate().Equal(leaked.Certificate()) {
		t.Fatal("the revoked agency certificate was not replaced")
	}
	e.an.Key = func() (crypto.Signer, []*x509.Certificate, error) { return renewed.Signer, renewed.Chain, nil }
	e.appendEvents(t, 1)
	after := e.anchor(t, false)
	r = e.verify(t, e.svc)
	if !r.OK || r.Anchors.Last == nil || r.Anchors.Last.Key != after.Key || r.Anchors.Last.Revocation != archive.RevocationGood {
		t.Fatalf("the new certificate's anchor: %+v %+v", r, r.Anchors)
	}
	// No status to be had: unavailable.
	e.an.Revocation = func(context.Context, *x509.Certificate, *x509.Certificate) (archive.CertStatus, error) {
		return archive.CertStatus{Status: archive.RevocationUnknown, Detail: "the responder did not answer"}, nil
	}
	if _, err := e.svc.VerifyAudit(ctx); workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("status unknown: %v, want EUNAVAILABLE", err)
	}
}
