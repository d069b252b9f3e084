package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// wireSigning builds the signing service: configured keys where given,
// the development PKI (created on first start under DATA_DIR/pki) for
// whatever is not.
func wireSigning(ctx context.Context, a *app) error {
	cfg := a.cfg
	kr := &keyring{cfg: cfg, db: a.db}
	agency, err := kr.agency(ctx)
	if err != nil {
		return err
	}
	seal, err := readSeal(cfg)
	if err != nil {
		return err
	}
	roots, anchorsPEM, err := trustAnchors(cfg, kr)
	if err != nil {
		return err
	}
	policy, err := officialKeyPolicy(cfg, agency)
	if err != nil {
		return err
	}
	tsaURL, err := wirePKI(ctx, a, kr)
	if err != nil {
		return err
	}
	anchorCerts, err := keys.ParseCertificatesPEM(anchorsPEM)
	if err != nil {
		return fmt.Errorf("VANTHU_TRUST_ANCHORS: %w", err)
	}
	scfg := signing.Config{Agency: agency, AgencyName: cfg.OrgName, Place: cfg.OrgPlace,
		Seal: seal, Officer: officerKeys(a, kr, policy), TSAURL: tsaURL, Roots: roots, AnchorCerts: anchorCerts, PublicURL: cfg.PublicURL, Now: a.now,
		LTV: cfg.LTV, Fetcher: revocationFetcher(cfg)}
	if cfg.AgencyKey == "" && kr.pki != nil {
		// A revoked development agency certificate is replaced at once.
		scfg.CurrentAgency = kr.pki.Agency
	}
	if a.pki != nil {
		// The development PKI's certificates name its OCSP responder: their
		// status is asked in process; other certificates' (a document
		// received from another agency) as VANTHU_REVOCATION_ONLINE says.
		scfg.Fetcher = a.pki.Fetcher(revocationFetcher(cfg))
		if cfg.TSAURL == "" {
			scfg.TSA = a.pki // the document time-stamp without the loopback round trip
		}
	}
	svc, err := signing.NewService(scfg)
	if err != nil {
		return err
	}
	a.agency = func() (keys.Key, error) { return agency, nil }
	if scfg.CurrentAgency != nil {
		a.agency = scfg.CurrentAgency
	}
	a.useSigning(svc, policy, roots, anchorsPEM)
	a.logSigning(ctx, kr, agency, tsaURL)
	return nil
}

// readSeal reads VANTHU_AGENCY_SEAL (nil when unset: a generated seal).
func readSeal(cfg *Config) ([]byte, error) {
	if cfg.AgencySeal == "" {
		return nil, nil
	}
	b, err := os.ReadFile(cfg.AgencySeal)
	if err != nil {
		return nil, fmt.Errorf("VANTHU_AGENCY_SEAL: %w", err)
	}
	return b, nil
}

// trustAnchors are the roots of verification: VANTHU_TRUST_ANCHORS, else
// the development PKI's root; as a pool and as PEM.
func trustAnchors(cfg *Config, kr *keyring) (*x509.CertPool, []byte, error) {
	if cfg.TrustAnchors == "" {
		p, err := kr.devPKI()
		if err != nil {
			return nil, nil, err
		}
		return p.RootPool(), p.RootPEM(), nil
	}
	b, err := os.ReadFile(cfg.TrustAnchors)
	if err != nil {
		return nil, nil, fmt.Errorf("VANTHU_TRUST_ANCHORS: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(b) {
		return nil, nil, fmt.Errorf("VANTHU_TRUST_ANCHORS %s holds no PEM certificate", cfg.TrustAnchors)
	}
	return roots, b, nil
}

// officialKeyPolicy is where officials' keys may come from: only where the
// configuration allows; the agency key and the exchange TLS key are
// nobody's.
func officialKeyPolicy(cfg *Config, agency keys.Key) (*keys.Policy, error) {
	policy, err := keys.NewPolicy(splitList(cfg.KeyDirs), cfg.PKCS11Module, splitList(cfg.PKCS11Tokens))
	if err != nil {
		return nil, fmt.Errorf("VANTHU_KEY_DIRS: %w", err)
	}
	policy.RefuseDir(cfg.DataDir)
	policy.Reserve("agency", cfg.AgencyKey, agency.Signer.Public())
	if cfg.ExchangeKey != "" {
		policy.Reserve("exchange TLS", "file:"+cfg.ExchangeKey, nil)
	}
	return policy, nil
}

// officerKeys returns an official's key and signature image: the key the
// official's account names, checked against policy at every signature;
// else, outside production, the official's development PKI certificate.
func officerKeys(a *app, kr *keyring, policy *keys.Policy) func(context.Context, *workflow.User) (keys.Key, []byte, error) {
	return func(ctx context.Context, u *workflow.User) (keys.Key, []byte, error) {
		img, err := a.signatureImage(ctx, u)
		if err != nil {
			return keys.Key{}, nil, err
		}
		if u.SigningKeyURI != "" {
			// Checked again at every signature: the allow-list may have
			// changed, and the key or the stored URI may have been swapped.
			k, _, err := policy.OfficialKey(ctx, u, u.SigningKeyURI, []byte(u.CertPEM), nil)
			switch workflow.ErrorCode(err) {
			case "":
			case workflow.EINVALID, workflow.ENOTFOUND:
				return keys.Key{}, nil, workflow.Wrap(workflow.EUNPROCESSABLE, err, "the signing key of %s cannot be used: %s", u.Username, workflow.ErrorMessage(err))
			default:
				return keys.Key{}, nil, err
			}
			return k, img, nil
		}
		if a.cfg.production() {
			return keys.Key{}, nil, workflow.Errorf(workflow.EUNAVAILABLE,
				"%s has no signing key: an admin sets one (PUT /api/v1/users/{id}/signing-key); the development PKI is off in production", u.Username)
		}
		p, err := kr.devPKI()
		if err != nil {
			return keys.Key{}, nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "%s has no signing key configured", u.Username)
		}
		name := u.FullName
		if name == "" {
			name = u.Username
		}
		k, err := p.Officer(u.ID, name, u.Title)
		return k, img, err
	}
}

// signatureImage reads the official's signature image (nil when none).
func (a *app) signatureImage(ctx context.Context, u *workflow.User) ([]byte, error) {
	if u.SignatureImage == "" {
		return nil, nil
	}
	rc, _, err := a.blobs.Get(ctx, workflow.BlobKey(u.SignatureImage))
	if err != nil {
		return nil, fmt.Errorf("signature image of %s: %w", u.Username, err)
	}
	img, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("signature image of %s: %w", u.Username, err)
	}
	return img, nil
}

// inspector is the signing service whose intake check of uploads runs
// within the configured memory budget (VANTHU_INSPECT_BUDGET_MB).
type inspector struct {
	*signing.Service
	intake *signing.Intake
}

// InspectPDF implements workflow.PDFInspector with the app's intake.
func (i inspector) InspectPDF(ctx context.Context, r io.ReaderAt, size int64) error {
	return i.intake.InspectPDF(ctx, r, size)
}

// InspectActive implements workflow.ActiveInspector with the app's intake.
func (i inspector) InspectActive(ctx context.Context, r io.ReaderAt, size int64) (workflow.Active, error) {
	return i.intake.InspectActive(ctx, r, size)
}

// useSigning gives the signing service to the document service, the API
// and the web interface, with the officials' key management.
func (a *app) useSigning(svc *signing.Service, policy *keys.Policy, roots *x509.CertPool, anchorsPEM []byte) {
	a.docs.Signer = svc
	a.trust = roots
	a.docs.Inspector = inspector{Service: svc, intake: a.intake}
	a.web.Verify, a.web.Hold = svc.Verify, a.intake.Hold
	officials := &signing.Officials{Users: a.db, Accounts: a.auth, Blobs: a.blobs,
		CheckKey: func(ctx context.Context, u *workflow.User, uri string, certPEM []byte) (string, error) {
			others, err := a.db.Users(ctx)
			if err != nil {
				return "", err
			}
			_, canonical, err := policy.OfficialKey(ctx, u, uri, certPEM, others)
			return canonical, err
		}}
	a.api.Signing = &api.Signing{Verify: svc.Verify, TrustAnchorsPEM: anchorsPEM, Officials: officials, Hold: a.intake.Hold}
	a.web.Keys = officials
}

// logSigning says where the keys come from, warning when the development
// PKI signs.
func (a *app) logSigning(ctx context.Context, kr *keyring, agency keys.Key, tsaURL string) {
	cfg := a.cfg
	if kr.pki != nil {
		a.readyInfo("signing", "development-pki")
		a.warnDevelopmentPKI(ctx, "signing (agency key, trust anchors, officials' keys)", "VANTHU_AGENCY_KEY, VANTHU_TRUST_ANCHORS, officials' keys and VANTHU_ENV=production")
	} else {
		a.readyInfo("signing", "configured")
		if !cfg.production() {
			a.warnDevelopmentPKI(ctx, "officials without a signing key of their own", "their keys (PUT /api/v1/users/{id}/signing-key) and VANTHU_ENV=production")
		}
	}
	a.log.InfoContext(ctx, "signing configured", "agency_key", keys.RedactURI(cfg.AgencyKey), "dev_pki", kr.pki != nil,
		"tsa", tsaURL != "", "tsa_builtin", cfg.TSAURL == "" && tsaURL != "", "key_dirs", cfg.KeyDirs, "pkcs11_tokens", cfg.PKCS11Tokens, "agency_cert_subject", dn.Subject(agency.Chain[0]))
}

// revocationFetcher is the OCSP/CRL client of signing and verification
// (nil = offline).
func revocationFetcher(cfg *Config) verify.Fetcher {
	if !cfg.RevOnline {
		return nil
	}
	return verify.HTTPFetcher{Timeout: 5 * time.Second}
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
