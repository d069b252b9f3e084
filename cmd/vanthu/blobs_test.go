package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// vanthu blobs gc: an unreferenced blob older than --older-than is
// listed by --dry-run and collected by a run; the imported documents'
// blobs (referenced) and the archive stay, and fixity still passes; a
// grace period not longer than VANTHU_HTTP_MAX_DURATION is refused.
func TestBlobsGCCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "a.pdf"), testpdf.Make(1, "Quyết định số 5"), 0o644)
	os.WriteFile(filepath.Join(in, "index.csv"), []byte("file,type,subject,sender_name,original_number,original_date\n"+
		"a.pdf,QĐ,Quyết định,UBND thành phố Cần Thơ,5/QĐ-UBND,2019-03-04\n"), 0o644)
	if code, out, stderr := runCLI(t, env, "archive", "import", in); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	// A file stored two hours ago by a request that never committed.
	work, err := localfs.New(filepath.Join(data, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	work.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	garbage := []byte("%PDF-1.7 never committed")
	s := sha256.Sum256(garbage)
	sum := hex.EncodeToString(s[:])
	if _, err := work.Put(context.Background(), workflow.BlobKey(sum), bytes.NewReader(garbage), int64(len(garbage)), sum, workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := runCLI(t, env, "blobs", "gc", "--dry-run", "--older-than", "90m")
	if code != 0 || strings.Count(out, "COLLECTABLE ") != 1 || !strings.Contains(out, "COLLECTABLE "+workflow.BlobKey(sum)) ||
		!strings.Contains(out, "blobs: 2, referenced 1,") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, stderr)
	}
	if code, out, stderr := runCLI(t, env, "blobs", "gc", "--older-than", "30m"); code != 2 || !strings.Contains(stderr, "VANTHU_HTTP_MAX_DURATION") {
		t.Fatalf("grace shorter than a request: %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, env, "blobs", "gc", "--older-than", "90m")
	if code != 0 || !strings.Contains(out, "collected 1,") {
		t.Fatalf("gc: %d\n%s\n%s", code, out, stderr)
	}
	if _, err := work.Stat(context.Background(), workflow.BlobKey(sum)); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("the garbage blob is still there: %v", err)
	}
	if code, out, _ := runCLI(t, env, "archive", "fixity"); code != 0 || !strings.Contains(out, "0 mismatched") {
		t.Fatalf("fixity after gc: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, env, "blobs", "gc", "--dry-run", "--older-than", "90m")
	if code != 0 || !strings.Contains(out, "blobs: 1, referenced 1,") {
		t.Fatalf("after gc: %d\n%s", code, out)
	}
}

// An upload's Put reads nothing from the database (no claims, no
// tombstone: a PostgreSQL round trip per file before), also for a blob
// the collector deleted; the commit that refers to it again, once it is
// stored again, clears the tombstone itself (db.WorkStore wired by
// build). Every statement is logged as slow to count them.
func TestUploadReadsNoClaims(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string {
				if k == "VANTHU_DATA_DIR" {
					return dir
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			if backend == gormdb.Postgres {
				cfg.DatabaseURL = gormdbtest.CreatePostgresDatabase(t)
			}
			ctx := context.Background()
			var log syncBuffer
			a, err := build(ctx, cfg, options{}, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn})))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b := []byte("%PDF-1.7 sent, collected, sent again " + t.Name())
			s := sha256.Sum256(b)
			sum := hex.EncodeToString(s[:])
			put := func() {
				t.Helper()
				if _, err := a.blobs.Put(ctx, workflow.BlobKey(sum), bytes.NewReader(b), int64(len(b)), sum, workflow.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			put()
			c := &blobgc.Collector{Blobs: a.blobs, Refs: a.db, Claims: a.db, Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
			if rep, err := c.Run(ctx, blobgc.Options{}); err != nil || rep.Collected != 1 {
				t.Fatalf("collection: %+v %v", rep, err)
			}
			a.db.SetSlowQueryThreshold(0)
			before := len(log.String())
			put() // sent again
			if out := log.String()[before:]; strings.Contains(out, "slow query") {
				t.Fatalf("the Put ran statements:\n%s", out)
			}
			err = a.db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.CreateUser(ctx, &workflow.User{ID: "u-" + sum[:8], Username: "u" + sum[:8], FullName: "Người ký", SignatureImage: sum, CreatedAt: time.Now()})
			})
			if err != nil {
				t.Fatalf("commit after sending again: %v", err)
			}
			if tok, err := a.db.BlobTombstone(ctx, sum); tok != "" || err != nil {
				t.Fatalf("tombstone after the commit: %q %v", tok, err)
			}
		})
	}
}
