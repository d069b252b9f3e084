package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Object identifiers used in development certificates.
var (
	// OIDDocumentSigning is the Document Signing extended key usage
	// (RFC 9336, 1.3.6.1.5.5.7.3.36), which pdfsign's verifier prefers.
	OIDDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

	oidTitle                  = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidUserID                 = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
)

// Validity periods of development certificates. A leaf is re-issued when
// it is no longer valid at now()+RenewBefore, or when its subject no longer
// matches what is asked for.
const (
	RootValidity  = 20 * 365 * 24 * time.Hour
	LeafValidity  = 3 * 365 * 24 * time.Hour
	TLSValidity   = 365 * 24 * time.Hour
	RenewBefore   = 30 * 24 * time.Hour
	backdate      = time.Hour
	rootFile      = "root.pem"     // key + certificate, 0600
	rootCertFile  = "root.crt.pem" // certificate only, 0644: the trust anchor to distribute
	agencyFile    = "agency.pem"
	tsaFile       = "tsa.pem"
	issuedDir     = "issued"
	officersDir   = "officers"
	tlsDir        = "tls"
	certifiedDir  = "certified"
	keyFileMode   = 0o600
	certFileMode  = 0o644
	dirMode       = 0o700
	safeNameLimit = 100
)

// DevPKI is the development PKI: a local root CA that issues the agency
// certificate, one personal certificate per officer, certificates over
// token keys, and TLS certificates for the exchange. Everything is kept
// under one directory (private keys 0600) and is stable across restarts:
// a certificate is issued once and reused until it nears expiry or its
// subject changes. Safe for concurrent use; two processes sharing the
// directory agree on the root (first writer wins).
type DevPKI struct {
	dir        string
	store      PKIStore
	agencyName string
	orgID      string
	now        func() time.Time
	opts       Options

	mu      sync.Mutex
	rootKey crypto.Signer
	root    *x509.Certificate
	rootPEM []byte
	cache   map[string]Key
}

// OpenDevPKI opens the development PKI in dir, creating the root CA and the
// agency certificate (Subject O=agencyName, organizationIdentifier=orgID)
// on first use. now is the clock (nil = time.Now).
func OpenDevPKI(dir, agencyName, orgID string, now func() time.Time) (*DevPKI, error) {
	if dir == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: no directory")
	}
	return OpenSharedDevPKI(nil, dir, agencyName, orgID, now)
}

// OpenSharedDevPKI opens the development PKI kept in store (e.g. a table of
// the database several instances share; nil = the directory dir), creating
// the root CA and the agency certificate on first use — the first instance
// to store the root wins, the others load it. dir, when not empty, gets a
// copy of the root certificate (root.crt.pem, the trust anchor to
// distribute); with a store, the key paths (AgencyKeyPath...) name no file.
func OpenSharedDevPKI(store PKIStore, dir, agencyName, orgID string, now func() time.Time) (*DevPKI, error) {
	return OpenDevPKIWithOptions(store, dir, agencyName, orgID, now, Options{})
}

// Paths of the development PKI's services (package signing/pki serves
// them), relative to Options.ServiceURL.
const (
	OCSPPath   = "/pki/ocsp"   // OCSP responder (RFC 6960), POST or GET /pki/ocsp/{base64}
	CRLPath    = "/pki/crl"    // the CRL (DER)
	CACertPath = "/pki/ca.crt" // the root certificate (DER), the AIA caIssuers
	TSAPath    = "/pki/tsa"    // RFC 3161 time-stamp authority
)

// Options are the development PKI's optional settings.
type Options struct {
	// ServiceURL is the base URL (https://vanthu.example.gov.vn) of the
	// PKI's services, written into every certificate it issues: AIA OCSP
	// (ServiceURL+OCSPPath), AIA caIssuers (+CACertPath) and the CRL
	// distribution point (+CRLPath). Empty = certificates name none. When
	// set, a stored official's or time-stamping certificate that names
	// none (issued before) is re-issued over the same key when next used;
	// one naming other URLs is kept (instances sharing the PKI must not
	// take turns re-issuing). A stored agency certificate is kept until its
	// renewal (peers may have registered it); exchange TLS certificates
	// name none.
	ServiceURL string
	// Revoked reports whether a certificate this PKI issued is revoked. A
	// stored leaf certificate that is revoked is replaced, with a new key,
	// when next used. nil = none is.
	Revoked func(ctx context.Context, c *x509.Certificate) (bool, error)
}

// OpenDevPKIWithOptions is OpenSharedDevPKI with options.
func OpenDevPKIWithOptions(store PKIStore, dir, agencyName, orgID string, now func() time.Time, opts Options) (*DevPKI, error) {
	opts.ServiceURL = strings.TrimRight(opts.ServiceURL, "/")
	if store == nil {
		if dir == "" {
			return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: no directory")
		}
		store = DirStore(dir)
	}
	if _, ok := store.(*encryptedStore); !ok {
		store = plainStore{store}
	}
	if strings.TrimSpace(agencyName) == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: no agency name")
	}
	if now == nil {
		now = time.Now
	}
	if dir != "" {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return nil, fmt.Errorf("dev PKI: %w", err)
		}
	}
	p := &DevPKI{dir: dir, store: store, agencyName: agencyName, orgID: orgID, now: now, opts: opts, cache: map[string]Key{}}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.loadOrCreateRoot(); err != nil {
		return nil, err
	}
	if _, err := p.agencyLocked(); err != nil {
		return nil, err
	}
	return p, nil
}

// Dir returns the directory the PKI lives in.
func (p *DevPKI) Dir() string { return p.dir }

// RootPEM returns the root CA certificate, PEM-encoded: the trust anchor
// for verifying what the development PKI signed.
func (p *DevPKI) RootPEM() []byte { return slices.Clone(p.rootPEM) }

// Root returns the root CA certificate.
func (p *DevPKI) Root() *x509.Certificate { return p.root }

// Issuer returns the root CA's key and certificate (Chain [root]), for
// the PKI's own services: signing OCSP responses and CRLs.
func (p *DevPKI) Issuer() Key { return Key{Signer: p.rootKey, Chain: []*x509.Certificate{p.root}} }

// ServiceURL is the base URL the issued certificates name (Options).
func (p *DevPKI) ServiceURL() string { return p.opts.ServiceURL }

// AgencyName is the agency the PKI issues for.
func (p *DevPKI) AgencyName() string { return p.agencyName }

// RootPool returns a pool holding only the root CA.
func (p *DevPKI) RootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

// RootCertPath is the file holding the root certificate (PEM, 0644).
func (p *DevPKI) RootCertPath() string { return filepath.Join(p.dir, rootCertFile) }

// AgencyKeyPath is the file holding the agency key and its chain (PEM,
// 0600); "file:"+AgencyKeyPath() is a key URI for it.
func (p *DevPKI) AgencyKeyPath() string { return filepath.Join(p.dir, agencyFile) }

// OfficerKeyPath is the file holding the officer's key and chain (PEM,
// 0600) once Officer has issued it.
func (p *DevPKI) OfficerKeyPath(userID string) string {
	return filepath.Join(p.dir, officersDir, safeName(userID)+".pem")
}

// TLSKeyPath is the file holding the TLS key and certificate for cn (PEM,
// 0600) once TLSServerClient has issued it.
func (p *DevPKI) TLSKeyPath(cn string) string {
	return filepath.Join(p.dir, tlsDir, safeName(cn)+".pem")
}

// StoredAgency reads the agency name (O) and organisation code of the
// development PKI in dir from its agency certificate, without opening the
// PKI: an error when there is none yet.
func StoredAgency(dir string) (name, org string, err error) {
	return StoredAgencyIn(context.Background(), DirStore(dir))
}

// StoredAgencyIn is StoredAgency for the development PKI kept in store
// (a directory, a database table, sealed by EncryptPKIStore): an error
// wrapping fs.ErrNotExist when it holds no agency certificate yet; one
// that names VANTHU_DEV_PKI_SECRET when the entry is sealed and store is
// not opened with the secret. Opening the PKI with another agency name or
// code would re-issue the agency certificate: callers that must not
// change it compare first.
func StoredAgencyIn(ctx context.Context, store PKIStore) (name, org string, err error) {
	if _, ok := store.(*encryptedStore); !ok {
		store = plainStore{store}
	}
	data, err := store.Get(ctx, agencyFile)
	if err != nil {
		return "", "", err
	}
	certs, err := ParseCertificatesPEM(data)
	if err != nil || len(certs) == 0 {
		return "", "", errors.New("no agency certificate")
	}
	s := certs[0].Subject
	if len(s.Organization) > 0 {
		name = s.Organization[0]
	}
	return name, nameAttr(s, oidOrganizationIdentifier), nil
}

// Agency returns the agency key: digitalSignature + nonRepudiation, Subject
// CN=O=agency name, chain [agency, root].
func (p *DevPKI) Agency() (Key, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.agencyLocked()
}

func (p *DevPKI) agencyLocked() (Key, error) {
	subject := pkix.Name{CommonName: p.agencyName, Organization: []string{p.agencyName}}
	if p.orgID != "" {
		subject.ExtraNames = append(subject.ExtraNames, pkix.AttributeTypeAndValue{Type: oidOrganizationIdentifier, Value: p.orgID})
	}
	return p.identityLocked(agencyFile, func(c *x509.Certificate) bool {
		return c.Subject.CommonName == p.agencyName && slices.Equal(c.Subject.Organization, subject.Organization) &&
			nameAttr(c.Subject, oidOrganizationIdentifier) == p.orgID && c.KeyUsage&x509.KeyUsageContentCommitment != 0
	}, func(pub crypto.PublicKey) (*x509.Certificate, error) {
		return p.issueLocked(pub, signingTemplate(subject), LeafValidity)
	})
}

// Officer returns the personal key of an officer (a user of the app),
// issuing it on the first call: Subject CN=fullName, title, UID=userID,
// O=agency name; digitalSignature + nonRepudiation; chain [officer, root].
// A later call with another name or title issues a new certificate.
func (p *DevPKI) Officer(userID, fullName, title string) (Key, error) {
	if strings.TrimSpace(userID) == "" || strings.TrimSpace(fullName) == "" {
		return Key{}, workflow.Errorf(workflow.EINVALID, "dev PKI: officer needs a user ID and a full name")
	}
	subject := pkix.Name{CommonName: fullName, Organization: []string{p.agencyName}}
	if title != "" {
		subject.ExtraNames = append(subject.ExtraNames, pkix.AttributeTypeAndValue{Type: oidTitle, Value: title})
	}
	subject.ExtraNames = append(subject.ExtraNames, pkix.AttributeTypeAndValue{Type: oidUserID, Value: userID})
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.identityLocked(officersDir+"/"+safeName(userID)+".pem", func(c *x509.Certificate) bool {
		return c.Subject.CommonName == fullName && nameAttr(c.Subject, oidTitle) == title &&
			nameAttr(c.Subject, oidUserID) == userID && slices.Equal(c.Subject.Organization, subject.Organization)
	}, func(pub crypto.PublicKey) (*x509.Certificate, error) {
		return p.issueLocked(pub, signingTemplate(subject), LeafValidity)
	})
}

// CertifyPublicKey issues (without persisting) a signing certificate
// (digitalSignature + nonRepudiation) with Subject CN=commonName,
// O=agency name over pub, e.g. a token key's public key. The chain is
// [cert, root].
func (p *DevPKI) CertifyPublicKey(commonName string, pub crypto.PublicKey) ([]*x509.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.issueLocked(pub, signingTemplate(pkix.Name{CommonName: commonName, Organization: []string{p.agencyName}}), LeafValidity)
	if err != nil {
		return nil, err
	}
	return []*x509.Certificate{c, p.root}, nil
}

// TLSServerClient returns a TLS certificate for cn with the given DNS names
// and IP addresses as SANs, usable as both server and client certificate
// (extended key usages serverAuth and clientAuth), issued on first use and
// persisted. It also returns the leaf certificate and the private key
// (PKCS#8) as PEM. The peer trusts it with RootPEM.
func (p *DevPKI) TLSServerClient(cn string, hosts []string) (tls.Certificate, []byte, []byte, error) {
	if strings.TrimSpace(cn) == "" {
		return tls.Certificate{}, nil, nil, workflow.Errorf(workflow.EINVALID, "dev PKI: TLS certificate needs a common name")
	}
	var dns []string
	var ips []net.IP
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if h != "" {
			dns = append(dns, h)
		}
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: []string{p.agencyName}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    dns,
		IPAddresses: ips,
	}
	p.mu.Lock()
	k, err := p.identityLocked(tlsDir+"/"+safeName(cn)+".pem", func(c *x509.Certificate) bool {
		return c.Subject.CommonName == cn && sameStrings(c.DNSNames, dns) && sameIPs(c.IPAddresses, ips)
	}, func(pub crypto.PublicKey) (*x509.Certificate, error) {
		return p.issueLocked(pub, tmpl, TLSValidity)
	})
	p.mu.Unlock()
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("dev PKI: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Chain[0].Raw})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	tc := tls.Certificate{Certificate: [][]byte{k.Chain[0].Raw}, PrivateKey: k.Signer, Leaf: k.Chain[0]}
	return tc, certPEM, keyPEM, nil
}

// TLSCert is TLSServerClient with the first host (or the agency name) as
// common name, returning only the tls.Certificate.
func (p *DevPKI) TLSCert(hosts []string) (tls.Certificate, error) {
	cn := p.agencyName
	if len(hosts) > 0 && hosts[0] != "" {
		cn = hosts[0]
	}
	c, _, _, err := p.TLSServerClient(cn, hosts)
	return c, err
}

// oidExtKeyUsage is the extended key usage extension (RFC 5280 4.2.1.12).
var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// oidTimeStamping is the id-kp-timeStamping key purpose.
var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

// TSA returns the time-stamping key: Subject CN="<agency> Time-Stamping
// Authority", O=agency; digitalSignature; the extended key usage
// timeStamping only, marked critical (RFC 3161 2.3); chain [tsa, root].
// Issued on first use and kept like the agency key.
func (p *DevPKI) TSA() (Key, error) {
	cn := p.agencyName + " Time-Stamping Authority"
	ekuDER, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return Key{}, fmt.Errorf("dev PKI: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:         pkix.Name{CommonName: cn, Organization: []string{p.agencyName}},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: ekuDER}},
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.identityLocked(tsaFile, func(c *x509.Certificate) bool {
		if c.Subject.CommonName != cn || len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) > 0 {
			return false
		}
		for _, e := range c.Extensions {
			if e.Id.Equal(oidExtKeyUsage) {
				return e.Critical
			}
		}
		return false
	}, func(pub crypto.PublicKey) (*x509.Certificate, error) {
		return p.issueLocked(pub, tmpl, LeafValidity)
	})
}

// Issued returns the certificate with this serial number that the PKI
// issued (every issued certificate is recorded in the store, under
// issued/<serial hex>.pem). ENOTFOUND when it issued none with that serial
// (or issued it before the record was kept).
func (p *DevPKI) Issued(ctx context.Context, serial *big.Int) (*x509.Certificate, error) {
	if serial == nil || serial.Sign() <= 0 || serial.BitLen() > MaxSerialBits {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "dev PKI: no certificate with serial %v", serial)
	}
	data, err := p.store.Get(ctx, issuedEntry(serial))
	if isNotExist(err) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "dev PKI: no certificate with serial %s was issued here", serial.Text(16))
	}
	if err != nil {
		return nil, err
	}
	certs, err := ParseCertificatesPEM(data)
	if err != nil || len(certs) == 0 {
		return nil, workflow.Errorf(workflow.EINTERNAL, "dev PKI: record of certificate %s is damaged", serial.Text(16))
	}
	return certs[0], nil
}

// OfficerCertificate returns the officer's current stored certificate
// without issuing one: ENOTFOUND when the PKI holds none for userID.
func (p *DevPKI) OfficerCertificate(ctx context.Context, userID string) (*x509.Certificate, error) {
	data, err := p.store.Get(ctx, officersDir+"/"+safeName(userID)+".pem")
	if isNotExist(err) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "dev PKI: no certificate issued to user %s", userID)
	}
	if err != nil {
		return nil, err
	}
	_, certs, err := parsePEMKey(data)
	if err != nil || len(certs) == 0 {
		return nil, workflow.Errorf(workflow.EINTERNAL, "dev PKI: the certificate of user %s is damaged", userID)
	}
	return certs[0], nil
}

// MaxSerialBits bounds the serial numbers looked up: RFC 5280 allows a
// certificate's at most 20 octets, and ours are shorter. A longer one (an
// OCSP request's, a revocation's) was never issued here, and named a file
// longer than the file system allows (500, ENAMETOOLONG, before).
const MaxSerialBits = 20 * 8

func issuedEntry(serial *big.Int) string { return issuedDir + "/" + serial.Text(16) + ".pem" }

// namesServices reports whether c, stored as rel, names the PKI's
// services or may stay without them: the agency certificate is kept as it
// is (other agencies may have registered it for the exchange; it names
// them from its renewal on), and so are exchange TLS certificates.
func (p *DevPKI) namesServices(rel string, c *x509.Certificate) bool {
	if p.opts.ServiceURL == "" || rel == agencyFile || isTLS(c) {
		return true
	}
	return len(c.OCSPServer) > 0 && len(c.IssuingCertificateURL) > 0 && len(c.CRLDistributionPoints) > 0
}

// isTLS reports whether c is an exchange TLS certificate: those name no
// revocation service (peers pin them as registered; re-issuing one would
// break the pin).
func isTLS(c *x509.Certificate) bool {
	return slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
}

// revoked asks Options.Revoked.
func (p *DevPKI) revoked(c *x509.Certificate) (bool, error) {
	if p.opts.Revoked == nil {
		return false, nil
	}
	r, err := p.opts.Revoked(context.Background(), c)
	if err != nil {
		return false, fmt.Errorf("dev PKI: revocation status of %s: %w", c.SerialNumber.Text(16), err)
	}
	return r, nil
}

func signingTemplate(subject pkix.Name) *x509.Certificate {
	return &x509.Certificate{
		Subject:            subject,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{OIDDocumentSigning},
	}
}

// issueLocked signs tmpl (subject, usages, SANs) over pub with the root.
func (p *DevPKI) issueLocked(pub crypto.PublicKey, tmpl *x509.Certificate, validity time.Duration) (*x509.Certificate, error) {
	now := p.now()
	if !now.Before(p.root.NotAfter) {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "dev PKI: root CA expired on %s; remove %s to create a new one", p.root.NotAfter.Format(time.RFC3339), p.dir)
	}
	t := *tmpl
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	t.SerialNumber = serial
	t.NotBefore = now.Add(-backdate)
	t.NotAfter = now.Add(validity)
	if t.NotAfter.After(p.root.NotAfter) {
		t.NotAfter = p.root.NotAfter
	}
	t.BasicConstraintsValid = true
	t.IsCA = false
	t.SubjectKeyId = keyID(pub)
	if base := p.opts.ServiceURL; base != "" && !isTLS(&t) {
		t.OCSPServer = []string{base + OCSPPath}
		t.IssuingCertificateURL = []string{base + CACertPath}
		t.CRLDistributionPoints = []string{base + CRLPath}
	}
	der, err := x509.CreateCertificate(rand.Reader, &t, p.root, pub, p.rootKey)
	if err != nil {
		return nil, fmt.Errorf("dev PKI: issue %q: %w", t.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("dev PKI: issue %q: %w", t.Subject.CommonName, err)
	}
	// The record of what was issued: OCSP answers "unknown" for anything else.
	if _, err := p.store.PutIfAbsent(context.Background(), issuedEntry(c.SerialNumber),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})); err != nil {
		return nil, err
	}
	return c, nil
}

// identityLocked returns the key+certificate kept in rel, issuing a new one
// when the file is missing, unreadable, not issued by the current root,
// not valid at now()+RenewBefore, or when ok(cert) is false. p.mu is held.
func (p *DevPKI) identityLocked(rel string, ok func(*x509.Certificate) bool, issue func(crypto.PublicKey) (*x509.Certificate, error)) (Key, error) {
	// A cached certificate was checked against the root (or issued by it)
	// when it was cached, and the root does not change: only its validity
	// period is judged again.
	if k, hit := p.cache[rel]; hit && p.current(k.Chain[0]) && ok(k.Chain[0]) && p.namesServices(rel, k.Chain[0]) {
		revoked, err := p.revoked(k.Chain[0])
		if err != nil {
			return Key{}, err
		}
		if !revoked {
			return k, nil
		}
	}
	ctx := context.Background()
	var signer crypto.Signer
	existed := false
	if data, err := p.store.Get(ctx, rel); err == nil {
		existed = true
		if s, certs, err := parsePEMKey(data); err == nil && len(certs) > 0 && publicKeysEqual(s.Public(), certs[0].PublicKey) {
			revoked, err := p.revoked(certs[0])
			if err != nil {
				return Key{}, err
			}
			if !revoked {
				// A revoked certificate's key may be compromised: it gets a new one.
				signer = s
			}
			if !revoked && p.usable(certs[0]) && ok(certs[0]) && p.namesServices(rel, certs[0]) {
				k := Key{Signer: s, Chain: []*x509.Certificate{certs[0], p.root}}
				p.cache[rel] = k
				return k, nil
			}
		}
	} else if !isNotExist(err) {
		return Key{}, err
	}
	if signer == nil {
		var err error
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return Key{}, fmt.Errorf("dev PKI: %w", err)
		}
	}
	cert, err := issue(signer.Public())
	if err != nil {
		return Key{}, err
	}
	data, err := encodeIdentity(signer, cert, p.root)
	if err != nil {
		return Key{}, err
	}
	if existed {
		err = p.store.Replace(ctx, rel, data)
	} else {
		var won bool
		won, err = p.store.PutIfAbsent(ctx, rel, data)
		if err == nil && !won {
			// Another process wrote it first: use theirs.
			delete(p.cache, rel)
			return p.identityLocked(rel, ok, issue)
		}
	}
	if err != nil {
		return Key{}, err
	}
	k := Key{Signer: signer, Chain: []*x509.Certificate{cert, p.root}}
	p.cache[rel] = k
	return k, nil
}

// usable reports whether c was issued by the current root and is valid
// from now until at least now+RenewBefore.
func (p *DevPKI) usable(c *x509.Certificate) bool {
	return p.current(c) && c.CheckSignatureFrom(p.root) == nil
}

// current reports whether c is valid from now until at least
// now+RenewBefore (or until the root ends).
func (p *DevPKI) current(c *x509.Certificate) bool {
	now := p.now()
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return false
	}
	// Renew near expiry, unless the root ends first (nothing better to issue).
	return !now.Add(RenewBefore).After(c.NotAfter) || !c.NotAfter.Before(p.root.NotAfter)
}

func (p *DevPKI) loadOrCreateRoot() error {
	ctx := context.Background()
	path := rootFile
	if p.dir != "" {
		path = filepath.Join(p.dir, rootFile)
	}
	for range 2 {
		data, err := p.store.Get(ctx, rootFile)
		if err == nil {
			s, certs, err := parsePEMKey(data)
			if err != nil || len(certs) == 0 || !publicKeysEqual(s.Public(), certs[0].PublicKey) || !certs[0].IsCA {
				return workflow.Errorf(workflow.EINVALID, "dev PKI: %s is not a CA key and certificate; remove it to create a new root", path)
			}
			p.rootKey, p.root = s, certs[0]
			p.rootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw})
			if p.dir == "" {
				return nil
			}
			if b, err := os.ReadFile(p.RootCertPath()); err != nil || !bytes.Equal(b, p.rootPEM) {
				if err := writeReplace(p.RootCertPath(), p.rootPEM, certFileMode); err != nil {
					return err
				}
			}
			return nil
		}
		if !isNotExist(err) {
			return err
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return fmt.Errorf("dev PKI: %w", err)
		}
		serial, err := randomSerial()
		if err != nil {
			return err
		}
		now := p.now()
		subject := pkix.Name{CommonName: p.agencyName + " Development Root CA", Organization: []string{p.agencyName}, OrganizationalUnit: []string{"vanthu development PKI"}}
		tmpl := &x509.Certificate{
			SerialNumber:          serial,
			Subject:               subject,
			NotBefore:             now.Add(-backdate),
			NotAfter:              now.Add(RootValidity),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLenZero:        true,
			SubjectKeyId:          keyID(key.Public()),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			return fmt.Errorf("dev PKI: root: %w", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("dev PKI: root: %w", err)
		}
		data, err = encodeIdentity(key, cert)
		if err != nil {
			return err
		}
		if _, err := p.store.PutIfAbsent(ctx, rootFile, data); err != nil {
			return err
		}
		// Loop: read back whichever root won.
	}
	return fmt.Errorf("dev PKI: cannot create %s", path)
}

func encodeIdentity(key crypto.Signer, chain ...*x509.Certificate) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dev PKI: %w", err)
	}
	var b bytes.Buffer
	for _, c := range chain {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return b.Bytes(), nil
}

// writeIfAbsent writes data to path only if path does not exist (atomic:
// temp file + hard link). It reports whether this call created the file.
func writeIfAbsent(path string, data []byte, mode os.FileMode) (bool, error) {
	tmp, err := writeTemp(path, data, mode)
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("dev PKI: %w", err)
	}
	return true, nil
}

// writeReplace atomically replaces path with data.
func writeReplace(path string, data []byte, mode os.FileMode) error {
	tmp, err := writeTemp(path, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("dev PKI: %w", err)
	}
	return nil
}

func writeTemp(path string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("dev PKI: %w", err)
	}
	name := f.Name()
	if err := f.Chmod(mode); err == nil {
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			return name, nil
		}
	} else {
		f.Close()
	}
	os.Remove(name)
	return "", fmt.Errorf("dev PKI: write %s: %w", path, err)
}

func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("dev PKI: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func keyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	h := sha256.Sum256(der)
	return h[:20]
}

var safeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

// safeName maps an ID to a file name: itself when plain, else a hash.
func safeName(id string) string {
	if len(id) <= safeNameLimit && safeNameRE.MatchString(id) && !strings.Contains(id, "..") {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "id-" + hex.EncodeToString(h[:16])
}

func nameAttr(n pkix.Name, oid asn1.ObjectIdentifier) string {
	for _, a := range n.Names {
		if a.Type.Equal(oid) {
			if s, ok := a.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func sameIPs(a, b []net.IP) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, x.Equal) {
			return false
		}
	}
	return true
}

// SubjectUserID returns the subject's UID attribute
// (0.9.2342.19200300.100.1.1): the vanthu user ID in an official's
// development certificate; "" when there is none.
func SubjectUserID(c *x509.Certificate) string { return nameAttr(c.Subject, oidUserID) }
