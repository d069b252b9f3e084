package api_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/pki"
)

// GET /archive/{id}/evidence: indeterminate before the record has an
// archive time-stamp, valid after, with the chain listed; refused to a
// handler; the BagIt package carries the evidence objects.
func TestArchiveEvidenceRoute(t *testing.T) {
	f := newArchiveFixture(t, nil)
	now := time.Now()
	ca := testtsa.NewCA(t, "Vanthu Test Root", now, now.AddDate(30, 0, 0))
	tsa := testtsa.NewAuthority(t, ca, time.Now, now.AddDate(5, 0, 0))
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	f.Archive.Stamper = &archive.TSA{Name: tsa.URL, Query: pki.HTTPTSA{URL: tsa.URL}.TimeStamp}
	f.Archive.TrustRoots = func() *x509.CertPool { return roots }
	d := f.Issued(t, archivetest.Options{Type: "QĐ"})
	f.ArchiveDoc(t, d.ID)
	signed, _ := d.MainFile()

	get := func(user string) (api.EvidenceReportJSON, *http.Response) {
		rec := f.do(t, user, "GET", "/api/v1/archive/"+d.ID+"/evidence", nil)
		var r api.EvidenceReportJSON
		json.Unmarshal(rec.Body.Bytes(), &r)
		return r, rec.Result()
	}
	r, resp := get("archivist")
	if resp.StatusCode != http.StatusOK || r.Verdict != archive.VerdictIndeterminate || !strings.Contains(strings.Join(r.Reasons, "\n"), "no archive time-stamp") {
		t.Fatalf("before renewal: %d %+v", resp.StatusCode, r)
	}
	if _, err := f.Archive.Renew(context.Background(), d.ID, false); err != nil {
		t.Fatal(err)
	}
	r, resp = get("clerk")
	if resp.StatusCode != http.StatusOK || r.Verdict != archive.VerdictValid || len(r.TimeStamps) != 1 || !r.TimeStamps[0].Trusted ||
		!strings.Contains(strings.Join(r.Reasons, "\n"), signed.SHA256) {
		t.Fatalf("after renewal: %d %+v", resp.StatusCode, r)
	}
	if _, resp := get("handler"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("handler: %d", resp.StatusCode)
	}
	if rec := f.do(t, "archivist", "GET", "/api/v1/archive/no-such-doc/evidence", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown record: %d", rec.Code)
	}
	rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID+"/package", nil)
	wantStatus(t, rec, http.StatusOK)
	validateBag(t, rec.Body.Bytes(), map[string]string{"data/document.pdf": signed.SHA256})
	if !strings.Contains(rec.Body.String(), "evidence/0000-timestamp.tst") {
		t.Fatalf("package without the evidence objects")
	}
}
