package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

var _ pki.Store = (*gormdb.DB)(nil)

type env struct {
	pki  *keys.DevPKI
	auth *pki.Authority
	db   *gormdb.DB
	url  string // base URL of the running services
	dir  string
	// requests counts the requests the running services answered.
	requests *atomic.Int64
}

// newEnv starts the authority of a fresh development PKI on 127.0.0.1,
// revocations kept in db.
func newEnv(t *testing.T, db *gormdb.DB) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dir := t.TempDir()
	p, err := keys.OpenDevPKIWithOptions(nil, filepath.Join(dir, "pki"), "UBND quận Bình Thủy", "000.00.12.H13", nil, keys.Options{ServiceURL: base, Revoked: pki.Revoked(db)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := pki.New(p, db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	var requests atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{pki: p, auth: a, db: db, url: base, dir: dir, requests: &requests}
}

func opensslPath(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (scripts/setup/signing.sh installs it)")
	}
	return bin
}

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(opensslPath(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writePEM(t *testing.T, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return b
}

// TestIntegrationRevocationOpenSSL issues an official's certificate, asks
// the running OCSP responder with openssl (good), revokes it, and asks
// again (revoked, keyCompromise, at once); the CRL served over HTTP then
// lists the serial with its reason in `openssl crl -text`, and the audit
// chain holds the revocation. SQLite and PostgreSQL.
func TestIntegrationRevocationOpenSSL(t *testing.T) {
	opensslPath(t)
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		k, err := e.pki.Officer("u-officer-1", "Nguyễn Văn An", "Chủ tịch")
		if err != nil {
			t.Fatal(err)
		}
		cert := k.Chain[0]
		if len(cert.OCSPServer) != 1 || cert.OCSPServer[0] != e.url+keys.OCSPPath ||
			len(cert.CRLDistributionPoints) != 1 || cert.CRLDistributionPoints[0] != e.url+keys.CRLPath ||
			len(cert.IssuingCertificateURL) != 1 || cert.IssuingCertificateURL[0] != e.url+keys.CACertPath {
			t.Fatalf("certificate does not name the services: OCSP %v, CRL %v, caIssuers %v", cert.OCSPServer, cert.CRLDistributionPoints, cert.IssuingCertificateURL)
		}
		dir := t.TempDir()
		rootPath := writePEM(t, dir, "root.pem", e.pki.Root())
		certPath := writePEM(t, dir, "officer.pem", cert)
		ocspArgs := []string{"ocsp", "-issuer", rootPath, "-cert", certPath, "-url", cert.OCSPServer[0], "-CAfile", rootPath, "-no_nonce"}

		out := openssl(t, ocspArgs...)
		t.Logf("openssl ocsp before revocation:\n%s", out)
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, certPath+": good") {
			t.Fatalf("before revocation, openssl ocsp did not say verified and good:\n%s", out)
		}

		admin := &workflow.User{ID: "u-admin", Roles: []workflow.Role{workflow.RoleAdmin}}
		r, err := e.auth.Revoke(ctx, admin, pki.RevokeRequest{UserID: "u-officer-1", Reason: workflow.ReasonKeyCompromise, Comment: "token lost"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Serial != pki.SerialHex(cert.SerialNumber) || r.UserID != "u-officer-1" || r.Actor != "u-admin" {
			t.Fatalf("revocation record %+v", r)
		}

		out = openssl(t, ocspArgs...)
		t.Logf("openssl ocsp after revocation:\n%s", out)
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, certPath+": revoked") ||
			!strings.Contains(out, "Reason: keyCompromise") {
			t.Fatalf("after revocation, openssl ocsp did not say revoked (keyCompromise):\n%s", out)
		}

		crlPath := filepath.Join(dir, "root.crl")
		if err := os.WriteFile(crlPath, get(t, e.url+keys.CRLPath), 0o644); err != nil {
			t.Fatal(err)
		}
		out = openssl(t, "crl", "-inform", "DER", "-in", crlPath, "-text", "-noout", "-CAfile", rootPath)
		t.Logf("openssl crl -text:\n%s", out)
		serial := strings.ToUpper(cert.SerialNumber.Text(16))
		if len(serial)%2 == 1 {
			serial = "0" + serial
		}
		if !strings.Contains(out, "verify OK") || !strings.Contains(out, "Serial Number: "+serial) || !strings.Contains(out, "Key Compromise") {
			t.Fatalf("CRL does not verify or does not list %s with Key Compromise:\n%s", serial, out)
		}

		// A second revocation of the same certificate is a conflict.
		if _, err := e.auth.Revoke(ctx, admin, pki.RevokeRequest{Serial: r.Serial, Reason: workflow.ReasonSuperseded}); workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Errorf("revoking twice: %v, want %s", err, workflow.ECONFLICT)
		}
		// The audit chain records the revocation.
		var found bool
		if err := db.WalkEvents(ctx, func(ev workflow.Event) error {
			if ev.Kind == workflow.EventCertificateRevoked && ev.Data["serial"] == r.Serial && ev.Data["reason"] == "keyCompromise" && ev.Actor == "u-admin" {
				found = true
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !found {
			t.Error("no certificate_revoked event in the audit chain")
		}
		// The official's next signature gets a new key and certificate.
		k2, err := e.pki.Officer("u-officer-1", "Nguyễn Văn An", "Chủ tịch")
		if err != nil {
			t.Fatal(err)
		}
		if k2.Chain[0].SerialNumber.Cmp(cert.SerialNumber) == 0 || k2.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
			t.Error("after revocation the officer still gets the revoked certificate or its key")
		}
	})
}

func TestRevokeRefusals(t *testing.T) {
	db := gormdbtest.Open(t, gormdb.SQLite)
	e := newEnv(t, db)
	ctx := context.Background()
	k, err := e.pki.Officer("u1", "Trần Thị Bình", "")
	if err != nil {
		t.Fatal(err)
	}
	admin := &workflow.User{ID: "a", Roles: []workflow.Role{workflow.RoleAdmin}}
	clerk := &workflow.User{ID: "c", Roles: []workflow.Role{workflow.RoleClerk}}
	for _, tc := range []struct {
		name  string
		actor *workflow.User
		req   pki.RevokeRequest
		code  string
	}{
		{"403/not admin", clerk, pki.RevokeRequest{UserID: "u1"}, workflow.EFORBIDDEN},
		{"400/neither", admin, pki.RevokeRequest{}, workflow.EINVALID},
		{"400/both", admin, pki.RevokeRequest{UserID: "u1", Serial: "01"}, workflow.EINVALID},
		{"400/bad serial", admin, pki.RevokeRequest{Serial: "xyz"}, workflow.EINVALID},
		{"400/bad reason", admin, pki.RevokeRequest{UserID: "u1", Reason: "cACompromise"}, workflow.EINVALID},
		{"400/root", admin, pki.RevokeRequest{Serial: e.pki.Root().SerialNumber.Text(16)}, workflow.EINVALID},
		{"404/unknown serial", admin, pki.RevokeRequest{Serial: "0123456789abcdef"}, workflow.ENOTFOUND},
		// Longer than RFC 5280 allows: it named a file longer than the
		// file system's limit, and the answer was 500 (the API hunt).
		{"400/serial of 500 octets", admin, pki.RevokeRequest{Serial: strings.Repeat("1f", 500)}, workflow.EINVALID},
		{"404/serial of 20 octets", admin, pki.RevokeRequest{Serial: strings.Repeat("7f", 20)}, workflow.ENOTFOUND},
		{"400/comment too long", admin, pki.RevokeRequest{UserID: "u1", Comment: strings.Repeat("x", workflow.MaxComment+1)}, workflow.EINVALID},
		{"404/user without certificate", admin, pki.RevokeRequest{UserID: "nobody"}, workflow.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.auth.Revoke(ctx, tc.actor, tc.req)
			if got := workflow.ErrorCode(err); got != tc.code {
				t.Errorf("Revoke: %v (code %q), want %s", err, got, tc.code)
			}
		})
	}
	// By serial, with colons as openssl prints it; nil actor = the command line.
	serial := strings.ToUpper(k.Chain[0].SerialNumber.Text(16))
	var colon []string
	for i := len(serial); i > 0; i -= 2 {
		colon = append([]string{serial[max(0, i-2):i]}, colon...)
	}
	r, err := e.auth.Revoke(ctx, nil, pki.RevokeRequest{Serial: strings.Join(colon, ":"), Reason: workflow.ReasonPrivilegeWithdrawn})
	if err != nil {
		t.Fatal(err)
	}
	if r.Actor != "" || r.UserID != "u1" {
		t.Errorf("revocation %+v", r)
	}
	st, err := e.auth.Status(ctx, k.Chain[0].SerialNumber)
	if err != nil || st == nil || st.Reason != workflow.ReasonPrivilegeWithdrawn {
		t.Errorf("Status after revocation: %+v, %v", st, err)
	}
}

// TestTimeStampOpenSSL sends an openssl-made query to the running TSA and
// checks the reply with `openssl ts -verify` against the development root,
// and the TSA certificate's critical timeStamping extended key usage with
// `openssl x509 -text`.
func TestTimeStampOpenSSL(t *testing.T) {
	opensslPath(t)
	e := newEnv(t, gormdbtest.Open(t, gormdb.SQLite))
	dir := t.TempDir()
	data := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(data, []byte("Quyết định số 15/QĐ-UBND"), 0o644); err != nil {
		t.Fatal(err)
	}
	query := filepath.Join(dir, "q.tsq")
	openssl(t, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
	q, _ := os.ReadFile(query)
	resp, err := http.Post(e.url+keys.TSAPath, "application/timestamp-query", bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Fatalf("POST /pki/tsa: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	reply := filepath.Join(dir, "r.tsr")
	os.WriteFile(reply, body, 0o644)
	rootPath := writePEM(t, dir, "root.pem", e.pki.Root())
	out := openssl(t, "ts", "-verify", "-in", reply, "-data", data, "-CAfile", rootPath)
	t.Logf("openssl ts -verify:\n%s", out)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
	text := openssl(t, "ts", "-reply", "-in", reply, "-text")
	t.Logf("openssl ts -reply -text:\n%s", text)
	for _, want := range []string{"Status: Granted.", "Policy OID: " + pki.TSAPolicy.String(), "Nonce: 0x", "Accuracy: 0x01 seconds"} {
		if !strings.Contains(text, want) {
			t.Errorf("reply lacks %q", want)
		}
	}
	// The query's data changed: the token does not verify.
	os.WriteFile(data, []byte("Quyết định số 16/QĐ-UBND"), 0o644)
	if out, err := exec.Command(opensslPath(t), "ts", "-verify", "-in", reply, "-data", data, "-CAfile", rootPath).CombinedOutput(); err == nil {
		t.Errorf("openssl ts -verify accepted other data:\n%s", out)
	}

	tsaCert := filepath.Join(dir, "tsa.der")
	os.WriteFile(tsaCert, get(t, e.url+pki.TSACertPath), 0o644)
	x := openssl(t, "x509", "-inform", "DER", "-in", tsaCert, "-text", "-noout")
	if !regexp.MustCompile(`X509v3 Extended Key Usage: critical\s+Time Stamping\n`).MatchString(x) {
		t.Errorf("TSA certificate's EKU is not timeStamping, critical:\n%s", x)
	}
	if !strings.Contains(x, "OCSP - URI:"+e.url+keys.OCSPPath) || !strings.Contains(x, "URI:"+e.url+keys.CRLPath) {
		t.Errorf("TSA certificate names no OCSP/CRL:\n%s", x)
	}
}

// TestTimeStampRejections: queries the TSA must refuse get a rejection
// (a TimeStampResp with status 2), not a token.
func TestTimeStampRejections(t *testing.T) {
	opensslPath(t)
	e := newEnv(t, gormdbtest.Open(t, gormdb.SQLite))
	dir := t.TempDir()
	data := filepath.Join(dir, "data.bin")
	os.WriteFile(data, []byte("x"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"sha1", []string{"-sha1"}, "unrecognized or unsupported algorithm identifier"},
		{"other policy", []string{"-sha256", "-tspolicy", "1.2.3.4"}, "the requested TSA policy is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := filepath.Join(dir, tc.name+".tsq")
			openssl(t, append([]string{"ts", "-query", "-data", data, "-out", query}, tc.args...)...)
			q, _ := os.ReadFile(query)
			der, err := e.auth.TimeStamp(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			reply := filepath.Join(dir, tc.name+".tsr")
			os.WriteFile(reply, der, 0o644)
			text := openssl(t, "ts", "-reply", "-in", reply, "-text")
			if !strings.Contains(text, "Status: Rejected.") || !strings.Contains(text, tc.want) {
				t.Errorf("reply:\n%s\nwant rejected with %q", text, tc.want)
			}
		})
	}
	if der, err := e.auth.TimeStamp(context.Background(), []byte("not DER")); err != nil || bytes.Contains(der, []byte{0x06, 0x09}) {
		t.Errorf("garbage: %x, %v", der, err)
	}
}

// TestOCSPStatuses checks the answers openssl is not asked for: unknown
// for a serial the PKI never issued, unauthorized for another CA's
// certificate, malformedRequest for garbage, and the GET form.
func TestOCSPStatuses(t *testing.T) {
	e := newEnv(t, gormdbtest.Open(t, gormdb.SQLite))
	ctx := context.Background()
	other, err := keys.OpenDevPKI(t.TempDir(), "Other", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Officer("x", "X", "")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.pki.Officer("y", "Y", "")
	if err != nil {
		t.Fatal(err)
	}
	// A certificate with a serial the PKI never issued, under its root's name.
	unknown := *mine.Chain[0]
	unknown.SerialNumber = big.NewInt(424242)

	ask := func(cert, issuer *x509.Certificate) (*ocsp.Response, error) {
		req, err := ocsp.CreateRequest(cert, issuer, nil)
		if err != nil {
			t.Fatal(err)
		}
		der, err := e.auth.OCSP(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return ocsp.ParseResponse(der, e.pki.Root())
	}
	if r, err := ask(mine.Chain[0], e.pki.Root()); err != nil || r.Status != ocsp.Good {
		t.Errorf("issued certificate: %+v, %v; want good", r, err)
	}
	if r, err := ask(&unknown, e.pki.Root()); err != nil || r.Status != ocsp.Unknown {
		t.Errorf("never issued: %+v, %v; want unknown", r, err)
	}
	// A serial longer than any certificate's (RFC 5280: 20 octets): before,
	// its lookup named a file longer than the file system allows, and the
	// responder failed (internalError, and a 500 at POST /pki/ocsp).
	huge := unknown
	huge.SerialNumber = new(big.Int).Lsh(big.NewInt(1), 4000)
	if r, err := ask(&huge, e.pki.Root()); err != nil || r.Status != ocsp.Unknown {
		t.Errorf("serial of 500 octets: %+v, %v; want unknown", r, err)
	}
	if _, err := ask(foreign.Chain[0], other.Root()); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("another CA's certificate: %v; want unauthorized", err)
	}
	der, err := e.auth.OCSP(ctx, []byte("garbage"))
	if err != nil || !bytes.Equal(der, ocsp.MalformedRequestErrorResponse) {
		t.Errorf("garbage: %x, %v; want malformedRequest", der, err)
	}

	// GET /pki/ocsp/{url-escaped base64} (RFC 6960 A.1).
	req, _ := ocsp.CreateRequest(mine.Chain[0], e.pki.Root(), nil)
	body := get(t, e.url+keys.OCSPPath+"/"+url.PathEscape(base64.StdEncoding.EncodeToString(req)))
	if r, err := ocsp.ParseResponse(body, e.pki.Root()); err != nil || r.Status != ocsp.Good {
		t.Errorf("GET: %+v, %v", r, err)
	}
	// The root is served for AIA caIssuers.
	if !bytes.Equal(get(t, e.url+keys.CACertPath), e.pki.Root().Raw) {
		t.Error("GET /pki/ca.crt is not the root")
	}
}

// TestTimeStampForPdfsign signs a PDF (layer 1) with the built-in TSA
// reached through ServeLoopback, as serve wires it: pdfsign (through
// digitorus/timestamp and Go's encoding/asn1) must accept the tokens —
// a policy OID arc above 2^31 made it fail ("base 128 integer too large").
func TestTimeStampForPdfsign(t *testing.T) {
	e := newEnv(t, gormdbtest.Open(t, gormdb.SQLite))
	k, err := e.pki.Officer("u", "Lê Văn Cường", "")
	if err != nil {
		t.Fatal(err)
	}
	base, stop, err := e.auth.ServeLoopback(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	out, err := signing.SignOfficer(context.Background(), testpdf.Make(1, "x"), signing.OfficerLayer{Key: k, Name: "Lê Văn Cường", TSAURL: base + keys.TSAPath})
	if err != nil {
		t.Fatalf("SignOfficer with the built-in TSA: %v", err)
	}
	rep, err := verify.Verify(context.Background(), out, verify.Options{Roots: e.pki.RootPool()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Timestamp == nil || !rep.Signatures[0].Timestamp.Trusted ||
		!strings.Contains(rep.Signatures[0].Timestamp.Authority, "Time-Stamping Authority") {
		t.Fatalf("report: %+v", rep.Signatures)
	}
	if rep.Signatures[0].ValidationTimeSource != "timestamp" {
		t.Errorf("validation time source %q, want timestamp", rep.Signatures[0].ValidationTimeSource)
	}
}
