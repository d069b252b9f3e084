package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx": the emptiness check of restore

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// backupFormat names the layout of a backup directory.
const backupFormat = "vanthu-backup/1"

// backupInfo is DIR/backup.json.
type backupInfo struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	OrgID     string    `json:"org_id"`
	Database  string    `json:"database"` // gormdb.SQLite or gormdb.Postgres
	DBFile    string    `json:"db_file"`  // vanthu.db (SQLite) or database.dump (pg_dump custom format)
	DBSHA256  string    `json:"db_sha256"`
	Objects   string    `json:"objects"` // "copy": under objects/; "manifest": hashes only
	Count     int       `json:"count"`
	Bytes     int64     `json:"bytes"`
	DevPKI    bool      `json:"dev_pki,omitempty"` // pki/ holds DATA_DIR/pki (SQLite development PKI)
}

// manifestEntry is one line of DIR/manifest.jsonl: an object of the work
// store or of the archive, with what it takes to put it back as it was.
type manifestEntry struct {
	Store       string    `json:"store"` // work or archive
	Key         string    `json:"key"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	RetainUntil time.Time `json:"retain_until,omitzero"`
	LegalHold   bool      `json:"legal_hold,omitempty"`
	// ContentType is the type the object was stored with (a file is
	// served with it); "" in backups taken before it was recorded, whose
	// objects are restored without one.
	ContentType string `json:"content_type,omitempty"`
}

const backupUsage = `usage: vanthu backup [--objects copy|manifest] [--pg-bin DIR] DIR
       vanthu restore [--pg-bin DIR] DIR

backup takes a consistent backup of this installation (VANTHU_* settings as for serve) while
it serves: the database first (PostgreSQL: pg_dump, one snapshot; SQLite: VACUUM INTO), then
every object of the work store and of the archive, each with its SHA-256, content type,
retention date and legal hold (manifest.jsonl; the objects under objects/ unless --objects manifest). Objects are
content-addressed and never rewritten, so every object the database snapshot refers to is
copied; objects written after the snapshot are copied too and are harmless, except audit
anchors written after the backup began, which are left out (they may anchor events the snapshot
does not have).

restore brings a backup back into an empty installation (a fresh database and empty buckets or
data directory, per the VANTHU_* settings): the database, then every object, its hash checked,
with its content type, archived objects with their retention date (S3 object lock, COMPLIANCE) and legal hold. With a
manifest-only backup it checks that every object is already in the stores with its hash.
Afterwards run "vanthu audit verify" and "vanthu archive fixity".
`

func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	objects := fs.String("objects", "copy", "copy: copy every object into DIR/objects; manifest: record keys and hashes only")
	pgBin := fs.String("pg-bin", "", "directory of pg_dump/pg_restore (default: PATH, then /usr/lib/postgresql/*/bin)")
	cfg, code := cliConfig(fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	if fs.NArg() != 1 || (*objects != "copy" && *objects != "manifest") {
		fmt.Fprint(stderr, backupUsage)
		return 2
	}
	info, err := backup(ctx, cfg, fs.Arg(0), *objects == "copy", *pgBin, newLogger(stderr, cfg.cliLogLevel()))
	if err != nil {
		fmt.Fprintln(stderr, "vanthu backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup of %s in %s: database %s (%s), %d objects, %d bytes (%s)\n", info.OrgID, fs.Arg(0),
		info.Database, info.DBFile, info.Count, info.Bytes, info.Objects)
	return 0
}

// backup writes a backup of cfg's installation into the empty (or new)
// directory dir: the database, then the objects, then backup.json.
func backup(ctx context.Context, cfg *Config, dir string, copyObjects bool, pgBin string, logger *slog.Logger) (*backupInfo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		return nil, fmt.Errorf("%s is not empty", dir)
	}
	info := &backupInfo{Format: backupFormat, CreatedAt: time.Now().UTC(), OrgID: cfg.OrgID, Objects: "manifest"}
	if copyObjects {
		info.Objects = "copy"
	}
	// 1. The database: one consistent snapshot.
	var err error
	if cfg.DatabaseURL != "" {
		err = dumpPostgres(ctx, cfg, dir, pgBin, info)
	} else {
		err = dumpSQLite(ctx, cfg, dir, logger, info)
	}
	if err != nil {
		return nil, err
	}
	if info.DBSHA256, err = fileSHA256(filepath.Join(dir, info.DBFile)); err != nil {
		return nil, err
	}
	// 2. The objects, after the snapshot: all it refers to exist by now.
	if err := backupObjects(ctx, cfg, dir, copyObjects, info); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	// backup.json last: a directory without it is an unfinished backup.
	return info, os.WriteFile(filepath.Join(dir, "backup.json"), append(b, '\n'), 0o600)
}

// dumpPostgres writes the PostgreSQL database with pg_dump.
func dumpPostgres(ctx context.Context, cfg *Config, dir, pgBin string, info *backupInfo) error {
	info.Database, info.DBFile = gormdb.Postgres, "database.dump"
	bin, err := pgTool(pgBin, "pg_dump")
	if err != nil {
		return err
	}
	// pg_dump reads everything in one REPEATABLE READ transaction (one
	// snapshot), without blocking the servers.
	out, err := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges",
		"--file", filepath.Join(dir, info.DBFile), cfg.DatabaseURL).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// dumpSQLite writes the SQLite database with VACUUM INTO, and the
// development PKI kept beside it.
func dumpSQLite(ctx context.Context, cfg *Config, dir string, logger *slog.Logger, info *backupInfo) error {
	info.Database, info.DBFile = gormdb.SQLite, "vanthu.db"
	db, err := gormdb.Open(ctx, "", cfg.DataDir, logger)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	// VACUUM INTO writes a consistent copy from one read transaction.
	err = db.Gorm().WithContext(ctx).Exec("VACUUM INTO ?", filepath.Join(dir, info.DBFile)).Error
	db.Close()
	if err != nil {
		return fmt.Errorf("VACUUM INTO: %w", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "pki")); err == nil {
		if err := os.CopyFS(filepath.Join(dir, "pki"), os.DirFS(filepath.Join(cfg.DataDir, "pki"))); err != nil {
			return fmt.Errorf("copy the development PKI: %w", err)
		}
		info.DevPKI = true
	}
	return nil
}

// backupObjects writes manifest.jsonl (and, with copyObjects, the objects)
// for every object of the work store and the archive, counting them in
// info.
func backupObjects(ctx context.Context, cfg *Config, dir string, copyObjects bool, info *backupInfo) error {
	mf, err := os.OpenFile(filepath.Join(dir, "manifest.jsonl"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer mf.Close()
	w := bufio.NewWriter(mf)
	enc := json.NewEncoder(w)
	for _, st := range []string{"work", "archive"} {
		store, err := openStore(ctx, cfg, st)
		if err != nil {
			return err
		}
		var keys []workflow.ObjectInfo
		if err := store.List(ctx, "", func(oi workflow.ObjectInfo) error { keys = append(keys, oi); return nil }); err != nil {
			return fmt.Errorf("list %s objects: %w", st, err)
		}
		for _, oi := range keys {
			if st == "archive" && archive.IsAnchorKey(oi.Key) && oi.Modtime.After(info.CreatedAt) {
				// An audit anchor written after the snapshot began may
				// anchor events the snapshot does not have: restored with
				// it, verify would report the database as restored to an
				// earlier backup than its anchors.
				continue
			}
			e, err := backupObject(ctx, store, st, oi.Key, dir, copyObjects)
			if err != nil {
				return err
			}
			if err := enc.Encode(e); err != nil {
				return err
			}
			info.Count++
			info.Bytes += e.Size
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return mf.Sync()
}

// backupObject reads one object, hashing it (and copying it under
// dir/objects with copyObjects), and returns its manifest entry.
func backupObject(ctx context.Context, store workflow.Blobs, st, key, dir string, copyObjects bool) (manifestEntry, error) {
	e := manifestEntry{Store: st, Key: key}
	rc, full, err := store.Get(ctx, key)
	if err != nil {
		return e, fmt.Errorf("%s object %s: %w", st, key, err)
	}
	defer rc.Close()
	// UTC of no retention date is the zero time.Time, left out of the
	// manifest (omitzero).
	e.RetainUntil, e.LegalHold, e.ContentType = full.RetainUntil.UTC(), full.LegalHold, full.ContentType
	h := sha256.New()
	var dst io.Writer = h
	var f *os.File
	if copyObjects {
		p := filepath.Join(dir, "objects", st, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return e, err
		}
		if f, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err != nil {
			return e, err
		}
		dst = io.MultiWriter(h, f)
	}
	n, err := io.Copy(dst, rc)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return e, fmt.Errorf("%s object %s: %w", st, key, err)
	}
	e.Size, e.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	if full.SHA256 != "" && full.SHA256 != e.SHA256 {
		return e, fmt.Errorf("%s object %s: content hashes to %s, recorded %s", st, key, e.SHA256, full.SHA256)
	}
	return e, nil
}

func openStore(ctx context.Context, cfg *Config, which string) (workflow.Blobs, error) {
	var (
		s   workflow.Blobs
		err error
	)
	if which == "archive" {
		s, err = openArchiveStore(ctx, cfg)
	} else {
		s, err = openWorkStore(ctx, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", which, err)
	}
	return s, nil
}

func restoreCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	pgBin := fs.String("pg-bin", "", "directory of pg_dump/pg_restore (default: PATH, then /usr/lib/postgresql/*/bin)")
	cfg, code := cliConfig(fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, backupUsage)
		return 2
	}
	info, err := restore(ctx, cfg, fs.Arg(0), *pgBin)
	if err != nil {
		fmt.Fprintln(stderr, "vanthu restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s from %s (taken %s): database %s, %d objects, %d bytes; now run vanthu audit verify and vanthu archive fixity\n",
		info.OrgID, fs.Arg(0), info.CreatedAt.Format(time.RFC3339), info.Database, info.Count, info.Bytes)
	return 0
}

// restore brings the backup in dir back into cfg's empty installation:
// the database, then every object, checked against its recorded hash.
func restore(ctx context.Context, cfg *Config, dir, pgBin string) (*backupInfo, error) {
	info, err := readBackupInfo(dir)
	if err != nil {
		return nil, err
	}
	dbFile := filepath.Join(dir, info.DBFile)
	if sum, err := fileSHA256(dbFile); err != nil {
		return nil, err
	} else if sum != info.DBSHA256 {
		return nil, fmt.Errorf("%s: SHA-256 %s, the backup recorded %s", dbFile, sum, info.DBSHA256)
	}
	want := gormdb.SQLite
	if cfg.DatabaseURL != "" {
		want = gormdb.Postgres
	}
	if want != info.Database {
		return nil, fmt.Errorf("the backup holds a %s database, this installation is configured for %s", info.Database, want)
	}
	// 0. The objects, against the manifest, before anything is changed:
	// a backup that does not hold what it lists is refused while the
	// installation is still empty (a mismatch found after the database
	// was loaded left it half restored, and a second restore refused).
	count, err := checkBackup(ctx, cfg, dir, info.Objects == "copy")
	if err != nil {
		return nil, err
	}
	if count != info.Count {
		return nil, fmt.Errorf("manifest.jsonl has %d objects, backup.json says %d: incomplete backup", count, info.Count)
	}
	// 1. The database, into an empty one.
	if want == gormdb.Postgres {
		err = restorePostgres(ctx, cfg, dbFile, pgBin)
	} else {
		err = restoreSQLite(cfg, dir, dbFile, info.DevPKI)
	}
	if err != nil {
		return nil, err
	}
	// 2. The copied objects, each checked against its recorded hash again
	// by the store as it is written (a manifest-only backup's are in
	// their stores: checked in 0).
	if info.Objects == "copy" {
		if _, err := restoreObjects(ctx, cfg, dir); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// readBackupInfo reads dir/backup.json, which a finished backup has.
func readBackupInfo(dir string) (*backupInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, "backup.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a finished backup: %w", dir, err)
	}
	var info backupInfo
	if err := json.Unmarshal(b, &info); err != nil || info.Format != backupFormat {
		return nil, fmt.Errorf("%s/backup.json: not a %s backup (%v)", dir, backupFormat, err)
	}
	return &info, nil
}

// restorePostgres restores the dump into an empty PostgreSQL database
// with pg_restore, in one transaction.
func restorePostgres(ctx context.Context, cfg *Config, dbFile, pgBin string) error {
	if err := checkEmptyPostgres(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	bin, err := pgTool(pgBin, "pg_restore")
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, bin, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname", cfg.DatabaseURL, dbFile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_restore: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// restoreSQLite copies the database file (and, with devPKI, the
// development PKI) into an empty data directory.
func restoreSQLite(cfg *Config, dir, dbFile string, devPKI bool) error {
	target := filepath.Join(cfg.DataDir, "vanthu.db")
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s exists: restore only into an empty data directory", target)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	if err := copyFile(dbFile, target); err != nil {
		return err
	}
	if !devPKI {
		return nil
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "pki")); err == nil {
		return fmt.Errorf("%s exists: restore only into an empty data directory", filepath.Join(cfg.DataDir, "pki"))
	}
	if err := os.CopyFS(filepath.Join(cfg.DataDir, "pki"), os.DirFS(filepath.Join(dir, "pki"))); err != nil {
		return fmt.Errorf("restore the development PKI: %w", err)
	}
	return nil
}

// eachObject calls fn with every entry of dir/manifest.jsonl and the
// store it names, and returns how many there were. An entry of a store
// that is not work or archive, or whose key is not one a store takes
// (workflow.ValidateKey: "..", absolute), stops it.
func eachObject(ctx context.Context, cfg *Config, dir string, fn func(store workflow.Blobs, e manifestEntry) error) (int, error) {
	mf, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		return 0, err
	}
	defer mf.Close()
	stores := map[string]workflow.Blobs{}
	for _, st := range []string{"work", "archive"} {
		if stores[st], err = openStore(ctx, cfg, st); err != nil {
			return 0, err
		}
	}
	dec := json.NewDecoder(bufio.NewReader(mf))
	count := 0
	for {
		var e manifestEntry
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			return 0, fmt.Errorf("manifest.jsonl: %w", err)
		}
		store := stores[e.Store]
		if store == nil {
			return 0, fmt.Errorf("manifest.jsonl: unknown store %q", e.Store)
		}
		if err := workflow.ValidateKey(e.Key); err != nil {
			return 0, fmt.Errorf("manifest.jsonl: %s object: %w", e.Store, err)
		}
		if err := fn(store, e); err != nil {
			return 0, err
		}
		count++
	}
	return count, nil
}

// checkBackup checks every object of dir/manifest.jsonl — copied: its
// copy under dir/objects has the recorded size and SHA-256; else it is
// in its store with that hash — and returns how many there were.
func checkBackup(ctx context.Context, cfg *Config, dir string, copied bool) (int, error) {
	return eachObject(ctx, cfg, dir, func(store workflow.Blobs, e manifestEntry) error {
		if !copied {
			return checkObject(ctx, store, e)
		}
		p := filepath.Join(dir, "objects", e.Store, filepath.FromSlash(e.Key))
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%s object %s: %w", e.Store, e.Key, err)
		}
		if st.Size() != e.Size {
			return fmt.Errorf("%s object %s: %d bytes in the backup, %d in its manifest", e.Store, e.Key, st.Size(), e.Size)
		}
		sum, err := fileSHA256(p)
		if err != nil {
			return fmt.Errorf("%s object %s: %w", e.Store, e.Key, err)
		}
		if sum != e.SHA256 {
			return fmt.Errorf("%s object %s: SHA-256 %s in the backup, %s in its manifest", e.Store, e.Key, sum, e.SHA256)
		}
		return nil
	})
}

// restoreObjects puts back every object of dir/manifest.jsonl from its
// copy under dir/objects and returns how many there were. Only a copied
// backup's objects are restored: a manifest-only backup's are checked in
// their stores before anything is changed (checkBackup).
func restoreObjects(ctx context.Context, cfg *Config, dir string) (int, error) {
	now := time.Now()
	return eachObject(ctx, cfg, dir, func(store workflow.Blobs, e manifestEntry) error {
		return restoreObject(ctx, store, dir, e, now)
	})
}

// checkObject checks that a manifest-only backup's object is in its store
// with the recorded hash.
func checkObject(ctx context.Context, store workflow.Blobs, e manifestEntry) error {
	oi, err := store.Stat(ctx, e.Key)
	if err != nil {
		return fmt.Errorf("%s object %s (manifest-only backup): %w", e.Store, e.Key, err)
	}
	if oi.SHA256 != "" && oi.SHA256 != e.SHA256 {
		return fmt.Errorf("%s object %s: SHA-256 %s in the store, %s in the backup", e.Store, e.Key, oi.SHA256, e.SHA256)
	}
	return nil
}

// restoreObject puts one copied object back with its content type, its
// retention date (when still ahead of now) and legal hold.
func restoreObject(ctx context.Context, store workflow.Blobs, dir string, e manifestEntry, now time.Time) error {
	f, err := os.Open(filepath.Join(dir, "objects", e.Store, filepath.FromSlash(e.Key)))
	if err != nil {
		return err
	}
	defer f.Close()
	opts := workflow.PutOptions{LegalHold: e.LegalHold, ContentType: e.ContentType}
	if e.RetainUntil.After(now) {
		opts.RetainUntil = e.RetainUntil
	}
	// Put checks the content against e.SHA256 and leaves nothing on a
	// mismatch; identical content already there is a no-op.
	if _, err := store.Put(ctx, e.Key, f, e.Size, e.SHA256, opts); err != nil {
		return fmt.Errorf("restore %s object %s: %w", e.Store, e.Key, err)
	}
	return nil
}

// checkEmptyPostgres refuses a database that already has tables.
func checkEmptyPostgres(ctx context.Context, url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&n); err != nil {
		return fmt.Errorf("check the target database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("the target database has %d tables: restore only into an empty database (createdb a new one)", n)
	}
	return nil
}

// pgTool finds pg_dump or pg_restore: in dir if given, else on PATH, else
// the newest /usr/lib/postgresql/*/bin.
func pgTool(dir, name string) (string, error) {
	if dir != "" {
		return filepath.Join(dir, name), nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) == 0 {
		return "", fmt.Errorf("%s not found: install the PostgreSQL client or pass --pg-bin", name)
	}
	sort.Strings(m)
	return m[len(m)-1], nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
