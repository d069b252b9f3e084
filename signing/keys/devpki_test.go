package keys

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

const (
	testAgency = "Ủy ban nhân dân Quận Một"
	testOrg    = "000.00.00.H13"
)

func TestDevPKIUsages(t *testing.T) {
	p := newTestPKI(t)
	root := p.Root()
	if !root.IsCA || root.KeyUsage&x509.KeyUsageCertSign == 0 || !root.MaxPathLenZero {
		t.Errorf("root: IsCA=%v KeyUsage=%b MaxPathLenZero=%v", root.IsCA, root.KeyUsage, root.MaxPathLenZero)
	}
	agency, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	officer, err := p.Officer("u-1", "Trần Thị Bình", "Phó Chủ tịch")
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]Key{"agency": agency, "officer": officer} {
		t.Run(name, func(t *testing.T) {
			c := k.Chain[0]
			if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
				t.Errorf("KeyUsage = %b, want digitalSignature|nonRepudiation", c.KeyUsage)
			}
			if c.IsCA {
				t.Error("leaf is a CA")
			}
			if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageEmailProtection) ||
				!slices.ContainsFunc(c.UnknownExtKeyUsage, OIDDocumentSigning.Equal) {
				t.Errorf("EKU = %v %v, want emailProtection and documentSigning", c.ExtKeyUsage, c.UnknownExtKeyUsage)
			}
			if len(k.Chain) != 2 || !k.Chain[1].Equal(root) {
				t.Errorf("chain should be [leaf, root]")
			}
			verifyChain(t, k, p.RootPool(), x509.ExtKeyUsageEmailProtection)
			signAndVerify(t, k)
			// Not trusted under another root.
			if _, err := c.Verify(x509.VerifyOptions{Roots: newTestPKI(t).RootPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
				t.Error("leaf verifies under a foreign root")
			}
		})
	}
	if got := agency.Chain[0].Subject.Organization; !slices.Equal(got, []string{testAgency}) {
		t.Errorf("agency O = %v", got)
	}
	if got := nameAttr(agency.Chain[0].Subject, oidOrganizationIdentifier); got != testOrg {
		t.Errorf("agency organizationIdentifier = %q", got)
	}
	s := officer.Chain[0].Subject
	if s.CommonName != "Trần Thị Bình" || nameAttr(s, oidTitle) != "Phó Chủ tịch" || nameAttr(s, oidUserID) != "u-1" {
		t.Errorf("officer subject = %v", s)
	}
}

func TestDevPKIPersisted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	p1, err := OpenDevPKI(dir, testAgency, testOrg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := p1.Agency()
	o1, err := p1.Officer("u-7", "Lê Văn C", "Chánh Văn phòng")
	if err != nil {
		t.Fatal(err)
	}
	tls1, cert1, key1, err := p1.TLSServerClient("peer.example", []string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}

	// File modes: keys 0600, directories 0700, the root certificate 0644.
	for _, rel := range []string{rootFile, agencyFile, "officers/u-7.pem", "tls/peer.example.pem"} {
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", rel, fi.Mode().Perm())
		}
	}
	for _, d := range []string{dir, filepath.Join(dir, "officers"), filepath.Join(dir, "tls")} {
		if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
	if b, err := os.ReadFile(p1.RootCertPath()); err != nil || string(b) != string(p1.RootPEM()) || strings.Contains(string(b), "PRIVATE") {
		t.Errorf("root.crt.pem: %v", err)
	}

	// Reopen: everything identical.
	p2, err := OpenDevPKI(dir, testAgency, testOrg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := p2.Agency()
	o2, _ := p2.Officer("u-7", "Lê Văn C", "Chánh Văn phòng")
	tls2, cert2, key2, _ := p2.TLSServerClient("peer.example", []string{"127.0.0.1", "localhost"})
	if string(p1.RootPEM()) != string(p2.RootPEM()) {
		t.Error("root changed across reopen")
	}
	for name, pair := range map[string][2]Key{"agency": {a1, a2}, "officer": {o1, o2}} {
		if !pair[0].Chain[0].Equal(pair[1].Chain[0]) || !publicKeysEqual(pair[0].Signer.Public(), pair[1].Signer.Public()) {
			t.Errorf("%s changed across reopen", name)
		}
	}
	if string(cert1) != string(cert2) || string(key1) != string(key2) || !tls1.Leaf.Equal(tls2.Leaf) {
		t.Error("TLS certificate changed across reopen")
	}

	// The persisted files are loadable key URIs.
	k, err := Load(context.Background(), "file:"+p2.OfficerKeyPath("u-7"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Chain[0].Equal(o1.Chain[0]) || len(k.Chain) != 2 {
		t.Error("Load of the officer file gives another certificate")
	}
	if k, err := Load(context.Background(), "file:"+p2.AgencyKeyPath(), nil); err != nil || !k.Chain[0].Equal(a1.Chain[0]) {
		t.Errorf("Load of the agency file: %v", err)
	}
}

func TestDevPKIConcurrent(t *testing.T) {
	dir := t.TempDir()
	// Two instances (as two processes would) racing to create the PKI.
	var (
		wg   sync.WaitGroup
		pkis [4]*DevPKI
		errs [4]error
	)
	for i := range pkis {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkis[i], errs[i] = OpenDevPKI(dir, testAgency, testOrg, nil)
		}()
	}
	wg.Wait()
	for i := range pkis {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if string(pkis[i].RootPEM()) != string(pkis[0].RootPEM()) {
			t.Fatal("racing instances created different roots")
		}
	}
	const n = 16
	certs := make([]*x509.Certificate, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := pkis[i%2].Officer("u-9", "Phạm Văn D", "Chủ tịch")
			if err != nil {
				t.Error(err)
				return
			}
			certs[i] = k.Chain[0]
		}()
	}
	wg.Wait()
	// Same instance: always the same certificate.
	for i := 2; i < n; i += 2 {
		if certs[i] == nil || !certs[i].Equal(certs[0]) {
			t.Fatal("same instance gave different officer certificates")
		}
	}
	// After the race, both instances settle on the file's certificate.
	k0, _ := pkis[0].Officer("u-9", "Phạm Văn D", "Chủ tịch")
	p3, _ := OpenDevPKI(dir, testAgency, testOrg, nil)
	k3, _ := p3.Officer("u-9", "Phạm Văn D", "Chủ tịch")
	if !k0.Chain[0].Equal(k3.Chain[0]) {
		t.Error("instance 0 and a fresh instance disagree")
	}
}

func TestDevPKIClock(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	p, err := OpenDevPKI(t.TempDir(), testAgency, testOrg, fixedClock(&now))
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := p.Officer("u-1", "A", "T")
	if got := k1.Chain[0].NotBefore; !got.Equal(now.Add(-time.Hour)) {
		t.Errorf("NotBefore = %v, want now-1h", got)
	}
	if got := k1.Chain[0].NotAfter; !got.Equal(now.Add(LeafValidity)) {
		t.Errorf("NotAfter = %v", got)
	}

	now = now.Add(LeafValidity - RenewBefore - time.Hour) // not yet due
	k2, _ := p.Officer("u-1", "A", "T")
	if !k2.Chain[0].Equal(k1.Chain[0]) {
		t.Error("re-issued before the renewal window")
	}
	now = now.Add(2 * time.Hour) // inside the renewal window
	k3, _ := p.Officer("u-1", "A", "T")
	if k3.Chain[0].Equal(k1.Chain[0]) {
		t.Fatal("not re-issued inside the renewal window")
	}
	if !publicKeysEqual(k3.Signer.Public(), k1.Signer.Public()) {
		t.Error("renewal changed the key")
	}

	// A changed title re-issues; the same title again does not.
	k4, _ := p.Officer("u-1", "A", "Chủ tịch")
	if nameAttr(k4.Chain[0].Subject, oidTitle) != "Chủ tịch" {
		t.Error("title change not reflected")
	}
	k5, _ := p.Officer("u-1", "A", "Chủ tịch")
	if !k5.Chain[0].Equal(k4.Chain[0]) {
		t.Error("re-issued without a change")
	}

	// Past the root's lifetime nothing new can be issued.
	now = now.Add(RootValidity)
	if _, err := p.Officer("u-2", "B", "T"); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("after root expiry: %v, want EUNAVAILABLE", err)
	}
}

func TestDevPKIOfficerIDs(t *testing.T) {
	p := newTestPKI(t)
	for _, id := range []string{"../../etc/passwd", "a/b", "Nguyễn", strings.Repeat("x", 300), ".hidden"} {
		k, err := p.Officer(id, "Name", "")
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		path := p.OfficerKeyPath(id)
		if filepath.Dir(path) != filepath.Join(p.Dir(), officersDir) {
			t.Errorf("%q stored at %s, outside officers/", id, path)
		}
		if nameAttr(k.Chain[0].Subject, oidUserID) != id {
			t.Errorf("%q: UID = %q", id, nameAttr(k.Chain[0].Subject, oidUserID))
		}
	}
	a, _ := p.Officer("a/b", "Name", "")
	b, _ := p.Officer("a_b", "Name", "")
	if a.Chain[0].Equal(b.Chain[0]) {
		t.Error("different IDs share a certificate")
	}
	for _, tt := range []struct{ id, name string }{{"", "N"}, {"u", " "}} {
		if _, err := p.Officer(tt.id, tt.name, ""); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("Officer(%q, %q): %v, want EINVALID", tt.id, tt.name, err)
		}
	}
	if _, err := OpenDevPKI(t.TempDir(), "", "", nil); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("no agency name: %v", err)
	}
}

// TestDevPKITLS runs a mutual-TLS handshake over 127.0.0.1 with two
// certificates from TLSServerClient, each used as server and as client.
func TestDevPKITLS(t *testing.T) {
	p := newTestPKI(t)
	a, certPEM, keyPEM, err := p.TLSServerClient("agency-a", []string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.TLSCert([]string{"agency-b.local", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("PEMs do not form a key pair: %v", err)
	}
	for _, c := range []tls.Certificate{a, b} {
		if !slices.Contains(c.Leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(c.Leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
			t.Errorf("%s: EKU %v", c.Leaf.Subject.CommonName, c.Leaf.ExtKeyUsage)
		}
	}
	handshake := func(server, client tls.Certificate, serverName string) error {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		done := make(chan error, 1)
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			defer conn.Close()
			sc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{server}, ClientCAs: p.RootPool(), ClientAuth: tls.RequireAndVerifyClientCert})
			if err := sc.Handshake(); err != nil {
				done <- err
				return
			}
			_, err = sc.Write([]byte("ok"))
			done <- err
		}()
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{Certificates: []tls.Certificate{client}, RootCAs: p.RootPool(), ServerName: serverName})
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := io.ReadAll(conn); err != nil {
			return err
		}
		return <-done
	}
	if err := handshake(a, b, "localhost"); err != nil {
		t.Errorf("a serves, b client: %v", err)
	}
	if err := handshake(b, a, "127.0.0.1"); err != nil {
		t.Errorf("b serves, a client: %v", err)
	}
	if err := handshake(a, b, "wrong.example"); err == nil {
		t.Error("handshake with a name not in the SANs succeeded")
	}
	// Changing the hosts re-issues.
	a2, _, _, _ := p.TLSServerClient("agency-a", []string{"localhost"})
	if a2.Leaf.Equal(a.Leaf) || len(a2.Leaf.IPAddresses) != 0 {
		t.Error("hosts change did not re-issue")
	}
}

// TestDevPKIServiceURLs: with a service URL, issued certificates name the
// OCSP responder, the CA certificate and the CRL; an official's
// certificate stored before (none named) is re-issued over the same key
// when next used, the agency's is kept, and ones naming other URLs are
// kept (instances sharing a PKI do not take turns re-issuing).
func TestDevPKIServiceURLs(t *testing.T) {
	dir := t.TempDir()
	old, err := OpenDevPKI(dir, testAgency, testOrg, nil)
	if err != nil {
		t.Fatal(err)
	}
	oldAgency, _ := old.Agency()
	oldOfficer, err := old.Officer("u-1", "Trần Thị Bình", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(oldOfficer.Chain[0].OCSPServer) > 0 {
		t.Fatal("a PKI without a service URL names an OCSP responder")
	}
	const base = "https://vanthu.example.gov.vn"
	p, err := OpenDevPKIWithOptions(nil, dir, testAgency, testOrg, nil, Options{ServiceURL: base + "/"})
	if err != nil {
		t.Fatal(err)
	}
	agency, _ := p.Agency()
	officer, err := p.Officer("u-1", "Trần Thị Bình", "")
	if err != nil {
		t.Fatal(err)
	}
	tsa, err := p.TSA()
	if err != nil {
		t.Fatal(err)
	}
	// The agency certificate is kept (peers may have registered it).
	if agency.Chain[0].SerialNumber.Cmp(oldAgency.Chain[0].SerialNumber) != 0 {
		t.Error("the stored agency certificate was re-issued")
	}
	for name, pair := range map[string][2]Key{"officer": {oldOfficer, officer}} {
		c := pair[1].Chain[0]
		if !slices.Equal(c.OCSPServer, []string{base + OCSPPath}) || !slices.Equal(c.IssuingCertificateURL, []string{base + CACertPath}) ||
			!slices.Equal(c.CRLDistributionPoints, []string{base + CRLPath}) {
			t.Errorf("%s: OCSP %v, caIssuers %v, CRL %v", name, c.OCSPServer, c.IssuingCertificateURL, c.CRLDistributionPoints)
		}
		if c.SerialNumber.Cmp(pair[0].Chain[0].SerialNumber) == 0 || !publicKeysEqual(c.PublicKey, pair[0].Chain[0].PublicKey) {
			t.Errorf("%s: want a new certificate over the same key", name)
		}
		if _, err := p.Issued(context.Background(), c.SerialNumber); err != nil {
			t.Errorf("%s: not in the issued record: %v", name, err)
		}
	}
	if len(tsa.Chain[0].OCSPServer) != 1 || tsa.Chain[0].ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("TSA certificate: OCSP %v, EKU %v", tsa.Chain[0].OCSPServer, tsa.Chain[0].ExtKeyUsage)
	}
	// Another instance with another URL keeps what is stored.
	q, err := OpenDevPKIWithOptions(nil, dir, testAgency, testOrg, nil, Options{ServiceURL: "https://other.example"})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := q.Officer("u-1", "Trần Thị Bình", "")
	if again.Chain[0].SerialNumber.Cmp(officer.Chain[0].SerialNumber) != 0 {
		t.Error("an instance with another service URL re-issued the certificate")
	}
	fresh, err := OpenDevPKIWithOptions(nil, t.TempDir(), testAgency, testOrg, nil, Options{ServiceURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if fa, _ := fresh.Agency(); !slices.Equal(fa.Chain[0].OCSPServer, []string{base + OCSPPath}) {
		t.Errorf("a new agency certificate names OCSP %v", fa.Chain[0].OCSPServer)
	}
	tlsCert, _, _, err := fresh.TLSServerClient("peer.example", []string{"127.0.0.1"})
	if err != nil || len(tlsCert.Leaf.OCSPServer) > 0 {
		t.Errorf("TLS certificate: OCSP %v, %v; want none", tlsCert.Leaf.OCSPServer, err)
	}
	if _, err := p.Issued(context.Background(), big.NewInt(12345)); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Errorf("Issued(never issued): %v", err)
	}
}
