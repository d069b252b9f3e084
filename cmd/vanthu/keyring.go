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

// devPKIPlace is where serve keeps its development PKI for a
// configuration and the database it opened: the one choice serve
// (keyring.devPKI) and `vanthu pki` (pkiArgs.open, checkServesAgency)
// both make, by devPKIPlaceFor.
type devPKIPlace struct {
	// Dir is DATA_DIR/pki: the PKI itself when not InDB; else where a
	// PKI this instance made before the database was shared is found,
	// which moves into the table (Legacy).
	Dir string
	// InDB: the table dev_pki of the database (PostgreSQL: every
	// instance sharing it finds it there).
	InDB bool
	// Store holds it, unsealed; Legacy is Dir's when InDB, else nil.
	Store, Legacy keys.PKIStore
	// Secret (VANTHU_DEV_PKI_SECRET) seals its keys at rest.
	Secret string
}

// devPKIPlaceFor is where serve keeps its development PKI with cfg and
// db (nil: no database open, DATA_DIR/pki): in the database on
// PostgreSQL, in DATA_DIR/pki on SQLite (whose database file is in
// DATA_DIR too).
func devPKIPlaceFor(cfg *Config, db *gormdb.DB) devPKIPlace {
	pl := devPKIPlace{Dir: filepath.Join(cfg.DataDir, "pki"), Secret: cfg.DevPKISecret}
	pl.Store = keys.DirStore(pl.Dir)
	if db != nil && db.Dialect() == gormdb.Postgres {
		pl.InDB, pl.Legacy, pl.Store = true, pl.Store, db.DevPKIStore()
	}
	return pl
}

// Where names the place for people.
func (pl devPKIPlace) Where() string {
	if pl.InDB {
		return "the table dev_pki of the database (VANTHU_DATABASE_URL)"
	}
	return pl.Dir
}

// KeyFiles reports whether its keys are files in clear (a file: key URI
// names them).
func (pl devPKIPlace) KeyFiles() bool { return !pl.InDB && pl.Secret == "" }

// seal is s sealed with the secret when there is one.
func (pl devPKIPlace) seal(s keys.PKIStore) (keys.PKIStore, error) {
	if pl.Secret == "" {
		return s, nil
	}
	sealed, err := keys.EncryptPKIStore(s, pl.Secret)
	if err != nil {
		return nil, fmt.Errorf("VANTHU_DEV_PKI_SECRET: %w", err)
	}
	return sealed, nil
}

// Stores are the stores a PKI is read from, in order, sealed when there
// is a secret: Store, then Legacy (whose PKI keyring.devPKI moves into
// Store when Store has none).
func (pl devPKIPlace) Stores() ([]keys.PKIStore, error) {
	var out []keys.PKIStore
	for _, s := range []keys.PKIStore{pl.Store, pl.Legacy} {
		if s == nil {
			continue
		}
		sealed, err := pl.seal(s)
		if err != nil {
			return nil, err
		}
		out = append(out, sealed)
	}
	return out, nil
}

// devPKI opens the development PKI once, where devPKIPlaceFor says.
func (k *keyring) devPKI() (*keys.DevPKI, error) {
	if k.pki != nil {
		return k.pki, nil
	}
	pl := devPKIPlaceFor(k.cfg, k.db)
	if pl.Legacy != nil {
		// A PKI this instance made in DATA_DIR/pki before it was shared
		// becomes the shared one, unless another instance stored one first.
		for _, name := range []string{"root.pem", "agency.pem"} {
			if b, err := os.ReadFile(filepath.Join(pl.Dir, name)); err == nil {
				if _, err := pl.Store.PutIfAbsent(context.Background(), name, b); err != nil {
					return nil, fmt.Errorf("development PKI: %w", err)
				}
			}
		}
	}
	store, err := pl.seal(pl.Store)
	if err != nil {
		return nil, err
	}
	// Its certificates name its OCSP responder, CRL and CA certificate
	// (served by this process under /pki/); revoked ones are replaced.
	opts := keys.Options{ServiceURL: k.cfg.pkiURL()}
	if k.db != nil {
		opts.Revoked = pki.Revoked(k.db)
	}
	p, err := keys.OpenDevPKIWithOptions(store, pl.Dir, k.cfg.OrgName, k.cfg.OrgID, time.Now, opts)
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
		return keys.Key{}, fmt.Errorf("VANTHU_AGENCY_KEY %s: %w%s", keys.RedactURI(cfg.AgencyKey), err, agencyKeyHint(cfg, err))
	}
	return key, nil
}
