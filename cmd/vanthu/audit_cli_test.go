package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
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
