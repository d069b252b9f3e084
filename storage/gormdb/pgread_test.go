package gormdb_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// openPostgres opens a fresh PostgreSQL database with one document, and
// an admin connection to the server.
func openPostgres(t *testing.T) (*gormdb.DB, *sql.DB, string) {
	t.Helper()
	db := gormdbtest.Open(t, gormdb.Postgres)
	admin, err := sql.Open("pgx", os.Getenv(gormdbtest.EnvDatabaseURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var name string
	if err := db.Gorm().Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	create(t, db, fullDocument())
	return db, admin, name
}

// TestPostgresIdleConnectionsKilled: connections the server closed while
// they sat in the pool (a restart, pg_terminate_backend) are noticed when
// taken — from what waits in their sockets, without a ping per reuse —
// and replaced: the next reads succeed.
func TestPostgresIdleConnectionsKilled(t *testing.T) {
	db, admin, name := openPostgres(t)
	ctx := context.Background()
	if _, err := db.Document(ctx, fullDocument().ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past pgx's "used within a second, trusted"
	var n int
	if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n); err != nil || n == 0 {
		t.Fatalf("terminated %d backends: %v", n, err)
	}
	for i := 0; n > 0; i++ {
		if i == 500 {
			t.Fatalf("%d backends still there", n)
		}
		time.Sleep(10 * time.Millisecond)
		if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := db.Document(ctx, fullDocument().ID); err != nil {
			t.Fatalf("read after the backends were terminated: %v", err)
		}
		docs, _, err := db.Documents(ctx, workflow.DocumentFilter{SeeAll: true})
		if err != nil || len(docs) != 1 {
			t.Fatalf("list after the backends were terminated: %d, %v", len(docs), err)
		}
	}
}

// TestPostgresConnectionKilledWithinASecond: a connection used less than
// a second ago is handed out without a look at its socket; when the server
// closed it meanwhile, the read fails on it (the query was sent) and, as
// it only read, is tried again on another connection.
func TestPostgresConnectionKilledWithinASecond(t *testing.T) {
	db, admin, name := openPostgres(t)
	ctx := context.Background()
	for range 3 {
		if _, err := db.Document(ctx, fullDocument().ID); err != nil {
			t.Fatal(err)
		}
		used := time.Now()
		if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
			t.Fatal(err)
		}
		for n := 1; n > 0; time.Sleep(5 * time.Millisecond) {
			if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Document(ctx, fullDocument().ID); err != nil {
			t.Fatalf("read %v after the connection was used, its backend terminated: %v", time.Since(used).Round(time.Millisecond), err)
		}
	}
}

// TestPostgresReadAfterColumnTypeChange: a column whose type changes under
// the prepared reads (another instance migrating) fails the statement once
// ("cached plan must not change result type"); it is prepared again and
// the read succeeds.
func TestPostgresReadAfterColumnTypeChange(t *testing.T) {
	db, _, _ := openPostgres(t)
	ctx := context.Background()
	want := normalize(fullDocument())
	if _, err := db.Document(ctx, want.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm().Exec(`ALTER TABLE documents ALTER COLUMN notes TYPE varchar`).Error; err != nil {
		t.Fatal(err)
	}
	got, err := db.Document(ctx, want.ID)
	if err != nil {
		t.Fatalf("read after the type change: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read after the type change:\n got  %+v\n want %+v", got, want)
	}
}

// unixSocketURL is the URL of database name over the server's Unix socket
// (host=DIR&port=PORT), or "" when it has none.
func unixSocketURL(tb testing.TB, admin *sql.DB, name string) string {
	tb.Helper()
	var dir string
	if err := admin.QueryRow(`SELECT split_part(current_setting('unix_socket_directories'), ',', 1)`).Scan(&dir); err != nil || dir == "" {
		return ""
	}
	u, err := url.Parse(os.Getenv(gormdbtest.EnvDatabaseURL))
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("host", dir)
	q.Set("port", u.Port())
	u.Host, u.Path, u.RawQuery = "", "/"+name, q.Encode()
	return u.String()
}

// TestPostgresUnixSocket: a database URL naming a socket directory
// (host=/run/postgresql) connects over the Unix socket.
func TestPostgresUnixSocket(t *testing.T) {
	db, admin, name := openPostgres(t)
	db.Close()
	dsn := unixSocketURL(t, admin, name)
	if dsn == "" {
		t.Skip("the server listens on no Unix socket")
	}
	sdb, err := gormdb.Open(context.Background(), dsn, t.TempDir(), nil)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	defer sdb.Close()
	var addr sql.NullString
	if err := sdb.Gorm().Raw("SELECT inet_client_addr()").Scan(&addr).Error; err != nil || addr.Valid {
		t.Fatalf("client address %v (%v): want none, a Unix socket", addr, err)
	}
	if _, err := sdb.Document(context.Background(), fullDocument().ID); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPostgresRead reads one document by ID, and a page of 20, over
// TCP and over the Unix socket (README, "Running in production").
func BenchmarkPostgresRead(b *testing.B) {
	tcp := gormdbtest.Open(b, gormdb.Postgres)
	admin, err := sql.Open("pgx", os.Getenv(gormdbtest.EnvDatabaseURL))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var name string
	if err := tcp.Gorm().Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		b.Fatal(err)
	}
	for i := range 30 {
		d := fullDocument()
		d.ID, d.Number, d.ExternalID, d.VerifyCode = docID(i), i+1, docID(i), docID(i)
		create(b, tcp, d)
	}
	dbs := []struct {
		name string
		db   *gormdb.DB
	}{{"tcp", tcp}}
	if dsn := unixSocketURL(b, admin, name); dsn != "" {
		udb, err := gormdb.Open(context.Background(), dsn, b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer udb.Close()
		dbs = append(dbs, struct {
			name string
			db   *gormdb.DB
		}{"unix", udb})
	}
	ctx := context.Background()
	for _, c := range dbs {
		b.Run("get/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.db.Document(ctx, docID(7)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("list20/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if docs, _, err := c.db.Documents(ctx, workflow.DocumentFilter{Limit: 20, SeeAll: true}); err != nil || len(docs) != 20 {
					b.Fatal(len(docs), err)
				}
			}
		})
	}
}

// TestPostgresReserveNextConnectionKilled: the transaction whose
// backend is terminated between the document's lock and the number's
// reservation (PostgreSQL restarted mid-issue) fails EUNAVAILABLE, a
// retryable 503, not an internal error; it took no number, and the next
// reservation takes 1.
func TestPostgresReserveNextConnectionKilled(t *testing.T) {
	db, admin, name := openPostgres(t)
	ctx := context.Background()
	doc := fullDocument().ID
	err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		nr := tx.(workflow.NumberReserver)
		if _, _, err := nr.LockWithReservations(ctx, doc, workflow.RegisterOutgoing, 2026); err != nil {
			t.Fatal(err)
		}
		terminateBackends(t, admin, name)
		r := &workflow.Reservation{ID: "r1", Register: workflow.RegisterOutgoing, Year: 2026, DocumentID: doc, Actor: "u",
			State: workflow.NumberReserved, CreatedAt: t0}
		return nr.ReserveNext(workflow.WithLastWrite(ctx), r, "/QĐ-UBND")
	})
	if code := workflow.ErrorCode(err); code != workflow.EUNAVAILABLE {
		t.Fatalf("reserve on a terminated connection: %s (%v), want %s", code, err, workflow.EUNAVAILABLE)
	}
	r, _, err := reserveNext(ctx, db, "r2", doc)
	if err != nil || r.Number != 1 {
		t.Fatalf("reservation after the failed one: number %d, %v; want 1", r.Number, err)
	}
}

// terminateBackends ends every connection to database name and waits
// until the server has no backend of it left.
func terminateBackends(t *testing.T, admin *sql.DB, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	for n := 1; n > 0; time.Sleep(5 * time.Millisecond) {
		if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
}
