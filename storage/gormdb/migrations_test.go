package gormdb_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"database/sql"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// tableSchema is what the tests compare of a table: column types and
// nullability, and the indexes (columns and uniqueness).
type tableSchema struct {
	Columns map[string]string
	Indexes map[string]string
}

// sqliteIndexes reads the indexes of a table on SQLite as readSchema
// writes them (gorm's SQLite migrator fails on a table with an index on
// an expression, whose column has no name: written here as "<expr>";
// as gorm, without the indexes of UNIQUE constraints).
func sqliteIndexes(t *testing.T, g *gorm.DB, tab string) map[string]string {
	t.Helper()
	var list []struct {
		Name   string
		Unique bool
	}
	if err := g.Raw("SELECT name, \"unique\" FROM pragma_index_list(?) WHERE origin <> 'u'", tab).Scan(&list).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, i := range list {
		var cols []sql.NullString
		if err := g.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", i.Name).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(cols))
		for k, c := range cols {
			names[k] = cmp.Or(c.String, "<expr>")
		}
		out[i.Name] = strings.Join(names, ",") + map[bool]string{true: " unique", false: ""}[i.Unique]
	}
	return out
}

func readSchema(t *testing.T, g *gorm.DB) map[string]tableSchema {
	t.Helper()
	m := g.Migrator()
	tables, err := m.GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tableSchema{}
	for _, tab := range tables {
		// documents_subject_fts and its shadow tables: SQLite's index of
		// the subjects (subjectfts.go), described by no row struct.
		if tab == "schema_migrations" || strings.HasPrefix(tab, "sqlite_") || strings.HasPrefix(tab, "documents_subject_fts") {
			continue
		}
		ts := tableSchema{Columns: map[string]string{}, Indexes: map[string]string{}}
		cols, err := m.ColumnTypes(tab)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			null, _ := c.Nullable()
			ts.Columns[c.Name()] = strings.ToLower(c.DatabaseTypeName()) + map[bool]string{true: " null", false: " not null"}[null]
		}
		if g.Dialector.Name() == "sqlite" {
			ts.Indexes = sqliteIndexes(t, g, tab)
			out[tab] = ts
			continue
		}
		idx, err := m.GetIndexes(tab)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range idx {
			u, _ := i.Unique()
			ts.Indexes[i.Name()] = strings.Join(i.Columns(), ",") + map[bool]string{true: " unique", false: ""}[u]
		}
		out[tab] = ts
	}
	return out
}

// TestMigrationsMatchRows: the schema the migrations build is the one the
// row structs describe — every table and column (with its type and
// nullability) and every index gorm would create for them, and no column
// more. A row struct changed without a migration fails here.
func TestMigrationsMatchRows(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			migrated := gormdbtest.Open(t, backend)
			plain, _, _ := openAt(t, backend, 0, nil)
			if err := plain.Gorm().AutoMigrate(gormdb.RowModels...); err != nil {
				t.Fatal(err)
			}
			got, want := readSchema(t, migrated.Gorm()), readSchema(t, plain.Gorm())
			for tab, w := range want {
				g, ok := got[tab]
				if !ok {
					t.Errorf("table %s: the migrations do not create it", tab)
					continue
				}
				if !reflect.DeepEqual(g.Columns, w.Columns) {
					t.Errorf("table %s columns:\nmigrated %v\nrow struct %v", tab, g.Columns, w.Columns)
				}
				for name, cols := range w.Indexes {
					if g.Indexes[name] != cols {
						t.Errorf("table %s index %s: migrated %q, row struct %q", tab, name, g.Indexes[name], cols)
					}
				}
			}
			for tab := range got {
				if _, ok := want[tab]; !ok {
					t.Errorf("table %s: migrated, but no row struct in RowModels (export_test.go) describes it", tab)
				}
			}
		})
	}
}

// TestRowModelsListsEveryTable: every struct with a TableName method in
// the package (but the frozen v1 copies) is in RowModels, so
// TestMigrationsMatchRows sees a new table.
func TestRowModelsListsEveryTable(t *testing.T) {
	fset := token.NewFileSet()
	var named []string
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "TableName" || fd.Recv == nil {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok && !strings.HasPrefix(id.Name, "v1") {
				named = append(named, id.Name)
			}
		}
	}
	var listed []string
	for _, m := range gormdb.RowModels {
		listed = append(listed, reflect.TypeOf(m).Elem().Name())
	}
	slices.Sort(named)
	slices.Sort(listed)
	if !slices.Equal(named, listed) {
		t.Errorf("row structs with TableName: %v\nRowModels: %v", named, listed)
	}
}

// TestMigrateSQLiteFromPreMigrationsFile opens a SQLite database made by
// `vanthu migrate` and `vanthu user add` of the code before numbered
// migrations (testdata/premigrations-sqlite.db.gz): it migrates to the
// latest version, keeps the user, and ends with the schema of a fresh
// database.
func TestMigrateSQLiteFromPreMigrationsFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gz, err := os.ReadFile("testdata/premigrations-sqlite.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vanthu.db"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	checkUpgrade(t, ctx, "", dir, "clerk1")
}

// TestMigratePreMigrationsSchema: on both databases, a schema created as
// the code before numbered migrations created it, with data in it,
// migrates to the latest version with its data and the schema of a fresh
// database.
func TestMigratePreMigrationsSchema(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db, dir, dsn := openAt(t, backend, 0, nil)
			if err := gormdb.CreatePreMigrationsSchema(ctx, db); err != nil {
				t.Fatal(err)
			}
			if db.Gorm().Migrator().HasTable("schema_migrations") {
				t.Fatal("the pre-migrations schema has schema_migrations")
			}
			// The users columns of the baseline (the code's CreateUser writes
			// later ones: personal_id, migration 11).
			err := db.Gorm().Exec(`INSERT INTO users (id, username, full_name, title, unit, roles, password_hash, disabled,
				signing_key_uri, cert_pem, signature_image, created_at) VALUES ('u1', 'old', '', '', '', 'clerk', '', false, '', '', '', ?)`, t0).Error
			if err != nil {
				t.Fatal(err)
			}
			if err := gormdb.CreateV1Document(ctx, db, incomingDoc("old-doc", 0)); err != nil {
				t.Fatal(err)
			}
			db.Close()
			db = checkUpgrade(t, ctx, dsn, dir, "old")
			if _, err := db.Document(ctx, "old-doc"); err != nil {
				t.Errorf("document written before the migration: %v", err)
			}
		})
	}
}

// checkUpgrade opens the database, checks it is at the latest version with
// user still there and the schema of a fresh database, and that a second
// Migrate changes nothing.
func checkUpgrade(t *testing.T, ctx context.Context, dsn, dir, user string) *gormdb.DB {
	t.Helper()
	before, err := gormdb.Connect(ctx, dsn, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st, err := before.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.AppliedAt != nil {
			t.Errorf("before migrating: migration %d reported applied", s.Version)
		}
	}
	from, to, err := before.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if from != 0 || to != gormdb.SchemaVersion() {
		t.Errorf("Migrate: from %d to %d, want 0 to %d", from, to, gormdb.SchemaVersion())
	}
	before.Close()

	db, err := gormdb.Open(ctx, dsn, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	from, to, err = db.Migrate(ctx)
	if err != nil || from != to || to != gormdb.SchemaVersion() {
		t.Errorf("second Migrate: from %d to %d (%v), want nothing to do at %d", from, to, err, gormdb.SchemaVersion())
	}
	st, err = db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != gormdb.SchemaVersion() {
		t.Errorf("status lists %d migrations, want %d", len(st), gormdb.SchemaVersion())
	}
	for _, s := range st {
		if s.AppliedAt == nil {
			t.Errorf("after migrating: migration %d (%s) pending", s.Version, s.Name)
		}
	}
	if _, err := db.UserByUsername(ctx, user); err != nil {
		t.Errorf("user %s written before the migration: %v", user, err)
	}
	backend := gormdb.SQLite
	if dsn != "" {
		backend = gormdb.Postgres
	}
	fresh := gormdbtest.Open(t, backend)
	got, want := readSchema(t, db.Gorm()), readSchema(t, fresh.Gorm())
	if !reflect.DeepEqual(got, want) {
		t.Errorf("upgraded schema differs from a fresh one:\nupgraded %v\nfresh    %v", got, want)
	}
	var v workflow.ChainVerifier
	if err := db.WalkEvents(ctx, func(e workflow.Event) error { v.Add(e); return nil }); err != nil {
		t.Fatal(err)
	}
	if r := v.Report(); !r.OK {
		t.Errorf("audit chain after the migration: %+v", r)
	}
	return db
}

// TestDocumentsWriteCost: after migration 6 the documents table has no
// documents_direction_state index, and on PostgreSQL its large columns
// are compressed with lz4; after migration 7 no index on signer_id,
// assignee_id or created_by alone; after migration 16 none on created_at
// alone or (direction, id), which the list's order indexes replace.
func TestDocumentsWriteCost(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			g := gormdbtest.Open(t, backend).Gorm()
			if g.Migrator().HasIndex("documents", "documents_direction_state") {
				t.Error("documents_direction_state is still there")
			}
			if !g.Migrator().HasIndex("documents", "documents_work") {
				t.Error("documents_work is missing")
			}
			for _, index := range []string{"idx_documents_signer_id", "idx_documents_assignee_id", "idx_documents_created_by",
				"idx_documents_created_at", "documents_direction_id"} { // the last two: migration 16
				if g.Migrator().HasIndex("documents", index) {
					t.Errorf("%s is still there", index)
				}
			}
			if backend != gormdb.Postgres {
				return
			}
			var cols []string
			if err := g.Raw(`SELECT attname FROM pg_attribute WHERE attrelid = 'documents'::regclass AND attcompression = 'l' ORDER BY attname`).
				Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			if want := []string{"files", "layout", "verification_reasons", "verification_report"}; !slices.Equal(cols, want) {
				t.Errorf("lz4 columns %v, want %v", cols, want)
			}
		})
	}
}
