package main

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

func TestAuditVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	for _, u := range []string{"lan", "minh"} {
		if code := run(context.Background(), []string{"user", "add", "--username", u, "--password", "password-" + u, "--roles", "clerk"}, getenv, &out, &errb); code != 0 {
			t.Fatalf("user add: %d %s", code, errb.String())
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"audit", "verify"}, getenv, &out, &errb); code != 0 || !strings.Contains(out.String(), "intact: 2 events") {
		t.Fatalf("clean: exit %d: %s %s", code, out.String(), errb.String())
	}
	db, err := gormdb.Open(context.Background(), "", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm().Exec(`UPDATE audit_events SET actor = 'intruder' WHERE seq = 1`).Error; err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	code := run(context.Background(), []string{"audit", "verify"}, getenv, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "BROKEN") || !strings.Contains(out.String(), "event 1 ") {
		t.Fatalf("tampered: exit %d: %s", code, out.String())
	}
}

// rewriteChainSQL changes event from's comment and chains it and every
// event after it again (hashes as vanthu computes them), written back
// with plain SQL, head included: the chain alone verifies afterwards.
func rewriteChainSQL(t *testing.T, db *gormdb.DB, from int64) {
	t.Helper()
	var evs []workflow.Event
	if err := db.WalkEvents(context.Background(), func(e workflow.Event) error { evs = append(evs, e); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		e := &evs[i]
		if e.Seq < from {
			continue
		}
		if e.Seq == from {
			e.Comment += " (sửa lén)"
		}
		e.PrevHash = workflow.GenesisHash
		if i > 0 {
			e.PrevHash = evs[i-1].Hash
		}
		e.Hash = workflow.HashEvent(e)
		if err := db.Gorm().Exec(`UPDATE audit_events SET comment = ?, prev_hash = ?, hash = ? WHERE seq = ?`, e.Comment, e.PrevHash, e.Hash, e.Seq).Error; err != nil {
			t.Fatal(err)
		}
	}
	last := evs[len(evs)-1]
	if err := db.Gorm().Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, last.Seq, last.Hash).Error; err != nil {
		t.Fatal(err)
	}
}

// vanthu audit anchor writes a signed anchor into the archive folder;
// audit verify then sees a rewrite of the chain recomputed in the
// database, naming the anchor, which it did not see before anchoring.
func TestAuditAnchorCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	cli := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return run(context.Background(), args, getenv, &out, &errb)
	}
	for _, u := range []string{"lan", "minh", "hoa"} {
		if code := cli("user", "add", "--username", u, "--password", "password-"+u, "--roles", "clerk"); code != 0 {
			t.Fatalf("user add: %d %s", code, errb.String())
		}
	}
	if code := cli("audit", "anchor"); code != 0 || !strings.Contains(out.String(), "anchored event 3") {
		t.Fatalf("anchor: exit %d: %s %s", code, out.String(), errb.String())
	}
	if code := cli("audit", "anchor"); code != 0 || !strings.Contains(out.String(), "anchored already") {
		t.Fatalf("anchor again: exit %d: %s %s", code, out.String(), errb.String())
	}
	if code := cli("audit", "verify"); code != 0 || !strings.Contains(out.String(), "1 found, 1 agree") {
		t.Fatalf("verify: exit %d: %s %s", code, out.String(), errb.String())
	}
	db, err := gormdb.Open(context.Background(), "", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rewriteChainSQL(t, db, 2)
	db.Close()
	code := cli("audit", "verify")
	if code != 1 || !strings.Contains(out.String(), "BROKEN") || !strings.Contains(out.String(), "audit/anchors/000000000003-") {
		t.Fatalf("rewritten: exit %d: %s %s", code, out.String(), errb.String())
	}
}

// The CLI records each anchor it writes in the chain: a second `audit
// anchor` finds the head, the record, anchored already; the anchor's
// file removed from the archive folder (by someone with the disk), audit
// verify fails naming it.
func TestAuditAnchorRemovedCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "error"}
	if code, _, errs := runCLI(t, env, "user", "add", "--username", "lan", "--password", "password-lan", "--roles", "clerk"); code != 0 {
		t.Fatalf("user add: %d %s", code, errs)
	}
	if code, out, errs := runCLI(t, env, "audit", "anchor"); code != 0 || !strings.Contains(out, "anchored event 1") {
		t.Fatalf("anchor: exit %d: %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, env, "audit", "anchor"); code != 0 || !strings.Contains(out, "event 1 is anchored already") {
		t.Fatalf("anchor again (the head is its record): exit %d: %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, "anchors recorded in the chain: 1, missing from the store: 0") {
		t.Fatalf("verify: exit %d: %s %s", code, out, errs)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".p7m") && strings.Contains(filepath.ToSlash(p), "objects/audit/anchors/") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("anchor files %v", files)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, env, "audit", "verify")
	if code != 1 || !strings.Contains(out, "MISSING: audit/anchors/000000000001-") || !strings.Contains(out, "is missing from the archive store") {
		t.Fatalf("anchor removed: exit %d: %s %s", code, out, errs)
	}
}
