package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
)

// keyring opens the keys the configuration names, and the development PKI
// (DATA_DIR/pki, created on first use) for whatever it does not.
type keyring struct {
	cfg *Config
	pki *keys.DevPKI
}

// devPKI opens the development PKI once.
func (k *keyring) devPKI() (*keys.DevPKI, error) {
	if k.pki != nil {
		return k.pki, nil
	}
	p, err := keys.OpenDevPKI(filepath.Join(k.cfg.DataDir, "pki"), k.cfg.OrgName, k.cfg.OrgID, time.Now)
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
