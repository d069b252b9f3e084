// Package pki runs the development PKI's services: an OCSP responder
// (RFC 6960), a CRL (RFC 5280) and an RFC 3161 time-stamp authority,
// served under /pki/ by `vanthu serve` (Authority.Handler), and the
// revocation of certificates the development PKI issued. Revocations are
// kept in a Store (the database every instance shares), so that every
// instance's OCSP answers and CRL agree from the moment one is stored.
package pki

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// Store keeps revocations. storage/gormdb.DB implements it (table
// pki_revocations). Safe for concurrent use.
type Store interface {
	// Revoke stores r and appends e to the audit chain in one
	// transaction. ECONFLICT if r's certificate is already revoked.
	Revoke(ctx context.Context, r workflow.Revocation, e *workflow.Event) error
	// Revocation returns the revocation of the certificate with this
	// issuer and serial (lowercase hex); ENOTFOUND if it is not revoked.
	Revocation(ctx context.Context, issuer, serial string) (workflow.Revocation, error)
	// Revocations returns every revocation by issuer, oldest first.
	Revocations(ctx context.Context, issuer string) ([]workflow.Revocation, error)
}

// Validity of what the services sign. The CRL is made afresh for every
// request; an OCSP response is reused for OCSPReuse. NextUpdate only tells
// relying parties how long they may cache an answer.
const (
	DefaultOCSPValidity = time.Hour
	DefaultCRLValidity  = 24 * time.Hour
	// maxRequest bounds OCSP requests and time-stamp queries (a query is
	// a hash and a few small fields: well under 1 KiB).
	maxRequest = 16 << 10
)

// Authority is the development PKI's certification authority services.
type Authority struct {
	pki   *keys.DevPKI
	store Store
	now   func() time.Time
	log   *slog.Logger
	// OCSPValidity and CRLValidity are the NextUpdate distances.
	OCSPValidity time.Duration
	CRLValidity  time.Duration

	// FreshOCSP makes every OCSP response anew, reusing none: for a
	// process that must answer "revoked" as soon as another one stores a
	// revocation and is not told of it (serve's signing workers are told:
	// ForgetOCSP), which would otherwise answer "good" for up to
	// OCSPReuse after a revocation.
	FreshOCSP bool

	ocsp   ocspCache  // responses reused for OCSPReuse
	issued rootIssued // certificates the root signed, for Fetcher
}

// New returns the authority of p, keeping revocations in store; now is the
// clock (nil = time.Now), logger may be nil. It issues the time-stamping
// certificate now if p has none, so that a broken store shows at start.
func New(p *keys.DevPKI, store Store, now func() time.Time, logger *slog.Logger) (*Authority, error) {
	if p == nil || store == nil {
		return nil, workflow.Errorf(workflow.EINVALID, "pki: a development PKI and a revocation store are required")
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if _, err := p.TSA(); err != nil {
		return nil, fmt.Errorf("pki: time-stamping certificate: %w", err)
	}
	return &Authority{pki: p, store: store, now: now, log: logger, OCSPValidity: DefaultOCSPValidity, CRLValidity: DefaultCRLValidity}, nil
}

// PKI returns the development PKI the authority serves.
func (a *Authority) PKI() *keys.DevPKI { return a.pki }

// IssuerID is the key identifier (lowercase hex) revocations of
// certificates issued by ca are kept under.
func IssuerID(ca *x509.Certificate) string {
	if len(ca.SubjectKeyId) > 0 {
		return hex.EncodeToString(ca.SubjectKeyId)
	}
	return hex.EncodeToString(ca.RawSubject)
}

// SerialHex is how serial numbers are written in revocation records.
func SerialHex(n *big.Int) string { return strings.ToLower(n.Text(16)) }

// ParseSerial reads a serial number written in hex, with or without
// colons, spaces or a 0x prefix (as openssl and browsers print them).
func ParseSerial(s string) (*big.Int, error) {
	clean := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s)))
	clean = strings.TrimPrefix(clean, "0x")
	n, ok := new(big.Int).SetString(clean, 16)
	if !ok || n.Sign() <= 0 || clean == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "serial number %q is not a positive hexadecimal number", s).On("serial")
	}
	if n.BitLen() > keys.MaxSerialBits {
		return nil, workflow.Errorf(workflow.EINVALID, "serial number %.24q... is longer than a certificate's (20 octets, RFC 5280)", clean).On("serial")
	}
	return n, nil
}

// Revoked returns the check keys.Options.Revoked takes: whether a
// certificate is revoked according to store (looked up by its authority
// key identifier, which is the issuer's IssuerID, and serial).
func Revoked(store Store) func(ctx context.Context, c *x509.Certificate) (bool, error) {
	return func(ctx context.Context, c *x509.Certificate) (bool, error) {
		_, err := store.Revocation(ctx, hex.EncodeToString(c.AuthorityKeyId), SerialHex(c.SerialNumber))
		switch workflow.ErrorCode(err) {
		case "":
			return true, nil
		case workflow.ENOTFOUND:
			return false, nil
		default:
			return false, err
		}
	}
}

// Status returns the revocation of a certificate the development PKI
// issued, nil if it is not revoked. ENOTFOUND when the PKI did not issue
// it (then nothing is known about it here).
func (a *Authority) Status(ctx context.Context, serial *big.Int) (*workflow.Revocation, error) {
	if _, err := a.pki.Issued(ctx, serial); err != nil {
		return nil, err
	}
	r, err := a.store.Revocation(ctx, IssuerID(a.pki.Root()), SerialHex(serial))
	switch workflow.ErrorCode(err) {
	case "":
		return &r, nil
	case workflow.ENOTFOUND:
		return nil, nil
	default:
		return nil, err
	}
}

// RevokeRequest names the certificate to revoke: by serial number, or
// the official's current development certificate by user ID.
type RevokeRequest struct {
	Serial  string // hex
	UserID  string
	Reason  workflow.RevocationReason
	Comment string
}

// Revoke revokes a certificate the development PKI issued and records it
// in the audit chain, in one transaction. actor must be an admin; nil is
// the operator at the command line. Errors: EFORBIDDEN (not an admin),
// EINVALID (neither or both of serial and user, bad serial or reason, the
// root itself), ENOTFOUND (no such certificate issued here, the user has
// none), ECONFLICT (already revoked). From the moment it returns, every
// instance's OCSP responder and CRL list the certificate, and the next
// signature of the official gets a new key and certificate.
func (a *Authority) Revoke(ctx context.Context, actor *workflow.User, req RevokeRequest) (workflow.Revocation, error) {
	if actor != nil && !actor.Has(workflow.RoleAdmin) {
		return workflow.Revocation{}, workflow.Errorf(workflow.EFORBIDDEN, "only an admin revokes certificates")
	}
	if (req.Serial == "") == (req.UserID == "") {
		return workflow.Revocation{}, workflow.Errorf(workflow.EINVALID, "name the certificate by serial number or by user, not both")
	}
	if err := workflow.CheckComment(req.Comment); err != nil {
		return workflow.Revocation{}, err
	}
	if _, ok := reasonOK(req.Reason); !ok {
		return workflow.Revocation{}, workflow.Errorf(workflow.EINVALID, "revocation reason %q is not allowed", req.Reason).On("reason")
	}
	var cert *x509.Certificate
	if req.UserID != "" {
		c, err := a.pki.OfficerCertificate(ctx, req.UserID)
		if err != nil {
			return workflow.Revocation{}, err
		}
		cert = c
	} else {
		serial, err := ParseSerial(req.Serial)
		if err != nil {
			return workflow.Revocation{}, err
		}
		root := a.pki.Root()
		if serial.Cmp(root.SerialNumber) == 0 {
			return workflow.Revocation{}, workflow.Errorf(workflow.EINVALID, "the root CA cannot revoke itself")
		}
		c, err := a.pki.Issued(ctx, serial)
		if err != nil {
			return workflow.Revocation{}, err
		}
		cert = c
	}
	if cert.CheckSignatureFrom(a.pki.Root()) != nil {
		return workflow.Revocation{}, workflow.Errorf(workflow.ENOTFOUND, "certificate %s was not issued by this development PKI's root", SerialHex(cert.SerialNumber))
	}
	r := workflow.Revocation{
		Issuer:    IssuerID(a.pki.Root()),
		Serial:    SerialHex(cert.SerialNumber),
		Subject:   dn.Subject(cert),
		UserID:    keys.SubjectUserID(cert),
		Reason:    req.Reason,
		RevokedAt: a.now().UTC().Truncate(time.Second),
		Comment:   strings.TrimSpace(req.Comment),
	}
	if r.Reason == "" {
		r.Reason = workflow.ReasonUnspecified
	}
	ev := &workflow.Event{Kind: workflow.EventCertificateRevoked, At: r.RevokedAt, Comment: r.Comment, Data: map[string]string{
		"serial": r.Serial, "issuer": r.Issuer, "subject": r.Subject, "reason": string(r.Reason)}}
	if r.UserID != "" {
		ev.Data["user_id"] = r.UserID
	}
	if actor != nil {
		r.Actor = actor.ID
		ev.Actor = actor.ID
	}
	if err := a.store.Revoke(ctx, r, ev); err != nil {
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			return workflow.Revocation{}, workflow.Wrap(workflow.ECONFLICT, err, "certificate %s is already revoked", r.Serial)
		}
		return workflow.Revocation{}, err
	}
	a.ocsp.forget()
	a.log.InfoContext(ctx, "certificate revoked", "serial", r.Serial, "subject", r.Subject, "reason", r.Reason, "actor", r.Actor)
	return r, nil
}

// Revocations lists the revocations of the development root, oldest first.
func (a *Authority) Revocations(ctx context.Context) ([]workflow.Revocation, error) {
	return a.store.Revocations(ctx, IssuerID(a.pki.Root()))
}

func reasonOK(r workflow.RevocationReason) (int, bool) {
	if r == "" {
		return 0, true
	}
	for _, x := range workflow.RevocationReasons() {
		if x == r {
			return r.Code(), true
		}
	}
	return 0, false
}
