package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestDevPKIPlaceServeAndCLIAgree: for each configuration (SQLite or
// PostgreSQL, keys in clear or sealed, a PKI left in DATA_DIR/pki from
// before the database was shared) `vanthu pki` and serve (keyring.devPKI)
// keep the development PKI in the same place (devPKIPlaceFor, which both
// call: it was decided in each of them): the PKI `vanthu pki init` makes
// is the one serve opens (same root, same agency certificate), it is
// where the CLI says it is, and nowhere else.
func TestDevPKIPlaceServeAndCLIAgree(t *testing.T) {
	for _, tc := range []struct {
		name             string
		postgres, legacy bool
		secret           string
		inDB, keyFiles   bool
	}{
		{name: "SQLite", keyFiles: true},
		{name: "SQLiteSealed", secret: "s1"},
		{name: "PostgreSQL", postgres: true, inDB: true},
		{name: "PostgreSQLSealed", postgres: true, secret: "s2", inDB: true},
		{name: "PostgreSQLFolderFromBefore", postgres: true, legacy: true, inDB: true},
		{name: "PostgreSQLSealedFolderFromBefore", postgres: true, legacy: true, secret: "s3", inDB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			env := map[string]string{"VANTHU_DATA_DIR": t.TempDir()}
			if tc.secret != "" {
				env["VANTHU_DEV_PKI_SECRET"] = tc.secret
			}
			if tc.postgres {
				if os.Getenv("VANTHU_TEST_DATABASE_URL") == "" {
					t.Skip("VANTHU_TEST_DATABASE_URL not set: source scripts/setup/postgres.sh (or run ./scripts/test)")
				}
				env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			cfg := mustConfig(t, env)
			dir := filepath.Join(cfg.DataDir, "pki")
			var legacyRoot string
			if tc.legacy { // made in DATA_DIR/pki by an instance on its own
				cli(t, env, "pki", "init", "--dir", dir, "--agency", cfg.OrgName, "--org", cfg.OrgID)
				legacyRoot = cli(t, env, "pki", "root", "--dir", dir)
			}

			initOut := cli(t, env, "pki", "init")
			cliRoot := cli(t, env, "pki", "root")
			if tc.legacy && cliRoot != legacyRoot {
				t.Errorf("vanthu pki does not work on the PKI made in %s before", dir)
			}

			db, err := openExchangeDB(ctx, cfg, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			pl := devPKIPlaceFor(cfg, db)
			if pl.InDB != tc.inDB || pl.KeyFiles() != tc.keyFiles {
				t.Errorf("place: in the database %v, key files %v; want %v, %v", pl.InDB, pl.KeyFiles(), tc.inDB, tc.keyFiles)
			}
			if !strings.Contains(initOut, "development PKI in "+pl.Where()+"\n") {
				t.Errorf("vanthu pki init says:\n%s\nwant it in %s", initOut, pl.Where())
			}
			// Serve opens the same PKI: the same root, the same agency
			// certificate (a PKI made anew would have others).
			p, err := (&keyring{cfg: cfg, db: db}).devPKI()
			if err != nil {
				t.Fatal(err)
			}
			if string(p.RootPEM()) != cliRoot {
				t.Errorf("serve's development root is not the one vanthu pki made")
			}
			agency, err := p.Agency()
			if err != nil {
				t.Fatal(err)
			}
			if fp := fingerprint(agency.Chain[0]); !strings.Contains(initOut, fp) {
				t.Errorf("serve's agency certificate %s is not the one vanthu pki init printed:\n%s", fp, initOut)
			}
			// It is where the place says, and only there.
			_, tableErr := db.DevPKIStore().Get(ctx, "root.pem")
			_, fileErr := os.Stat(filepath.Join(dir, "root.pem"))
			inTable, inDir := tableErr == nil, fileErr == nil
			if tableErr != nil && !errors.Is(tableErr, fs.ErrNotExist) {
				t.Fatal(tableErr)
			}
			if inTable != tc.inDB || inDir != (!tc.inDB || tc.legacy) {
				t.Errorf("root.pem in the table %v, in %s %v", inTable, dir, inDir)
			}
		})
	}
}

// cli runs vanthu with env and returns its output, failing unless it
// exits 0.
func cli(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, env, args...)
	if code != 0 {
		t.Fatalf("vanthu %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}
