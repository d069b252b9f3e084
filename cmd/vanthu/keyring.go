package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/storage/gormdb"
)

// keyring opens the keys the configuration names, and the development PKI
// for whatever it does not. The development PKI is kept where every
// instance sharing the database finds it: in the database (table dev_pki)
// on PostgreSQL, in DATA_DIR/pki on SQLite (whose database file is in
// DATA_DIR too). With VANTHU_DEV_PKI_SECRET its keys are sealed at rest.
type keyring struct {
	cfg *Config
	db  *gormdb.DB // nil: DATA_DIR/pki
	pki *keys.DevPKI
}

var _ keys.PKIStore = (*gormdb.DevPKIStore)(nil)

// devPKI opens the development PKI once.
func (k *keyring) devPKI() (*keys.DevPKI, error) {
	if k.pki != nil {
		return k.pki, nil
	}
	dir := filepath.Join(k.cfg.DataDir, "pki")
	var store keys.PKIStore
	if k.db != nil && k.db.Dialect() == gormdb.Postgres {
		s := k.db.DevPKIStore()
		// A PKI this instance made in DATA_DIR/pki before it was shared
		// becomes the shared one, unless another instance stored one first.
		for _, name := range []string{"root.pem", "agency.pem"} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				if _, err := s.PutIfAbsent(context.Background(), name, b); err != nil {
					return nil, fmt.Errorf("development PKI: %w", err)
				}
			}
		}
		store = s
	} else {
		store = keys.DirStore(dir)
	}
	if k.cfg.DevPKISecret != "" {
		s, err := keys.EncryptPKIStore(store, k.cfg.DevPKISecret)
		if err != nil {
			return nil, fmt.Errorf("VANTHU_DEV_PKI_SECRET: %w", err)
		}
		store = s
	}
	// Its certificates name its OCSP responder, CRL and CA certificate
	// (served by this process under /pki/); revoked ones are replaced.
	opts := keys.Options{ServiceURL: k.cfg.pkiURL()}
	if k.db != nil {
		opts.Revoked = pki.Revoked(k.db)
	}
	p, err := keys.OpenDevPKIWithOptions(store, dir, k.cfg.OrgName, k.cfg.OrgID, time.Now, opts)
	if err != nil {
		return nil, fmt.Errorf("development PKI: %w", err)
	}
	k.pki = p
	return p, nil
}

// agency returns the agency signing key: VANTHU_AGENCY_KEY with
// VANTHU_AGENCY_CERT, else the development agency key.
func (k *keyring) agency(ctx context.Context) (keys.Key, error) {
	cfg := k.cfg
	if cfg.AgencyKey == "" {
		p, err := k.devPKI()
		if err != nil {
			return keys.Key{}, err
		}
		key, err := p.Agency()
		if err != nil {
			return keys.Key{}, fmt.Errorf("development agency key: %w", err)
		}
		return key, nil
	}
	var certPEM []byte
	if cfg.AgencyCert != "" {
		b, err := os.ReadFile(cfg.AgencyCert)
		if err != nil {
			return keys.Key{}, fmt.Errorf("VANTHU_AGENCY_CERT: %w", err)
		}
		certPEM = b
	}
	key, err := keys.LoadWithModule(ctx, cfg.AgencyKey, certPEM, cfg.PKCS11Module)
	if err != nil {
		return keys.Key{}, fmt.Errorf("VANTHU_AGENCY_KEY %s: %w", keys.RedactURI(cfg.AgencyKey), err)
	}
	return key, nil
}
