package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx": the test watches and holds the shared database

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// serveProcess runs the binary bin as `vanthu serve` with env on a data
// directory of its own and returns it as a server and its process; the
// process is stopped (SIGTERM) when the test ends, if still running.
func serveProcess(t *testing.T, bin string, env map[string]string) (*server, *exec.Cmd) {
	t.Helper()
	c := exec.Command(bin, "serve")
	c.Env = append(os.Environ(), "VANTHU_DATA_DIR="+t.TempDir(), "VANTHU_ADDR=127.0.0.1:0",
		"VANTHU_ADMIN_PASSWORD=admin-password-1", "VANTHU_LOG_LEVEL=warn")
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	c.Stderr = t.Output()
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ann := readAnnounced(bufio.NewScanner(out))
	go io.Copy(io.Discard, out)
	t.Cleanup(func() {
		if c.ProcessState == nil {
			_ = stopProcessWithin(c, 20*time.Second)
		}
	})
	if ann.base == "" {
		t.Fatal("serve process did not start")
	}
	return &server{base: ann.base}, c
}

// stopProcessWithin sends SIGTERM and waits, SIGKILL after grace.
func stopProcessWithin(c *exec.Cmd, grace time.Duration) error {
	_ = c.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(grace):
		_ = c.Process.Kill()
		return <-done
	}
}

// TestIntegrationServeIssueHolderKilled: two `vanthu serve` processes on
// one PostgreSQL and MinIO; the one issuing a document is killed
// (SIGKILL) after it reserved the number, while its last transaction
// waits (the test holds the audit chain's head), and its connections are
// cut (as the loss of its host cuts them); the clerk's retry
// through the other instance issues the document within seconds of the
// kill — VANTHU_INSTANCE_STALE after the killed one's last heartbeat —
// not after VANTHU_RESERVATION_TTL (10 minutes), with the number the
// killed issue had reserved (given back) and no reservation left.
func TestIntegrationServeIssueHolderKilled(t *testing.T) {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	env := sharedS3Env(t)
	env["VANTHU_DATABASE_URL"] = dsn
	env["VANTHU_HEARTBEAT"], env["VANTHU_INSTANCE_STALE"] = "1s", "3s"
	env["VANTHU_RESERVATION_TTL"], env["VANTHU_IDEMPOTENCY_LEASE"] = "10m", "2m"
	bin := filepath.Join(t.TempDir(), "vanthu")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/vanthu/vanthu/cmd/vanthu").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	a, procA := serveProcess(t, bin, env)
	b, _ := serveProcess(t, bin, env)
	ids, clerkA, officer, handler := officeStaff(t, a)
	clerkB := b.login(t, "clerk", "password-clerk")
	id := signOutgoing(t, handler, officer, map[string]any{"direction": "outgoing", "type": "QĐ",
		"subject": "Quyết định về việc ban hành quy chế làm việc", "signer_id": ids["officer"]}, testpdf.Make(1, "Quyet dinh"))

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	hold, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `SELECT * FROM audit_head FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	go func() { // its answer never comes: the process is killed
		req, _ := http.NewRequest("POST", a.base+"/api/v1/documents/"+id+"/actions/issue", nil)
		req.Header.Set("Authorization", "Bearer "+clerkA.token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, 60*time.Second, "the issue on A reserved its number and waits at its last transaction", func() bool {
		var reserved, waiting int
		_ = db.QueryRowContext(ctx, `SELECT count(*) FROM register_reservations WHERE document_id = $1 AND state = 'reserved'`, id).Scan(&reserved)
		_ = db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return reserved == 1 && waiting > 0
	})
	_ = procA.Process.Signal(syscall.SIGKILL)
	_ = procA.Wait()
	killed := time.Now()
	// PostgreSQL does not notice a client gone while its backend waits on
	// a lock, and A sent its last transaction's COMMIT with its statements:
	// released, it would commit the issue. Its connections are cut, as the
	// loss of its host cuts them, so that the issue dies with A.
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	waitFor(t, 30*time.Second, "the retry through B issued the document", func() bool {
		doc = nil
		code := clerkB.call("POST", "/api/v1/documents/"+id+"/actions/issue", nil, &doc)
		if code != 200 && code != 409 {
			t.Fatalf("retry through B: %d", code)
		}
		return code == 200
	})
	t.Logf("issued through B %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	if doc["state"] != "issued" || doc["notation"] != "01/QĐ-UBND" {
		t.Fatalf("after the retry: state %v notation %v, want issued 01/QĐ-UBND", doc["state"], doc["notation"])
	}
	var last, left int
	if err := db.QueryRowContext(ctx, `SELECT last FROM register_counters WHERE kind = 'outgoing'`).Scan(&last); err != nil || last != 1 {
		t.Errorf("register counter %d (%v), want 1", last, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM register_reservations`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d reservations left (%v), want none", left, err)
	}
}

// waitFor polls cond every 500 ms until it holds, failing the test after
// limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", limit, what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
