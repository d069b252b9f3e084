package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestIntegrationBackupRestore takes `vanthu backup` while `vanthu
// loadtest` drives lifecycles against the server, restores it with
// `vanthu restore` into an empty installation (a new database, new
// buckets or data directory), and checks the restored one: audit verify
// and archive fixity pass, every numbered document of the backup is there
// and its signatures verify, archived objects keep their retention date,
// and a second restore into the now non-empty installation is refused.
func TestIntegrationBackupRestore(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			src := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "warn"}
			dst := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "warn"}
			if backend == "postgres" {
				src["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
				dst["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
				for k, v := range sharedS3Env(t) {
					src[k] = v
				}
				for k, v := range sharedS3Env(t) {
					dst[k] = v
				}
			}
			srv := startServer(t, src)
			cli := func(env map[string]string, args ...string) (int, string) {
				var out, errb bytes.Buffer
				code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
				return code, out.String() + errb.String()
			}

			// Load in the background; the backup is taken in the middle.
			loadDone := make(chan string, 1)
			go func() {
				code, out := cli(nil, "loadtest", "--url", srv.base, "--admin-password", "admin-password-1", "--quiet",
					"--users-per-role", "2", "--count", "16")
				loadDone <- fmt.Sprintf("exit %d: %s", code, out)
			}()
			admin := srv.login(t, "admin", "admin-password-1")
			year := time.Now().Year()
			// numbered maps each numbered document to "kind number"; a
			// number no issued document carries (voided, or reserved by an
			// issue in progress) is listed under "status kind number".
			numbered := func(s *client) map[string]string {
				out := map[string]string{}
				for _, kind := range []string{"outgoing", "incoming"} {
					var reg struct {
						Items []struct {
							Number     int    `json:"number"`
							DocumentID string `json:"document_id"`
							Status     string `json:"status"`
						}
					}
					if code := s.call("GET", fmt.Sprintf("/api/v1/registers/%s/%d", kind, year), nil, &reg); code != 200 {
						t.Fatalf("register %s: %d", kind, code)
					}
					for _, it := range reg.Items {
						if it.Status != "" {
							out[fmt.Sprintf("%s %s %d", it.Status, kind, it.Number)] = fmt.Sprintf("%s %d", kind, it.Number)
							continue
						}
						out[it.DocumentID] = fmt.Sprintf("%s %d", kind, it.Number)
					}
				}
				return out
			}
			deadline := time.Now().Add(3 * time.Minute)
			for len(numbered(admin)) < 4 {
				if time.Now().After(deadline) {
					t.Fatal("the load numbered fewer than 4 documents in 3 minutes")
				}
				time.Sleep(100 * time.Millisecond)
			}
			bdir := filepath.Join(t.TempDir(), "backup")
			code, out := cli(src, "backup", bdir)
			if code != 0 {
				t.Fatalf("backup: exit %d: %s", code, out)
			}
			t.Log(strings.TrimSpace(out))
			if res := <-loadDone; !strings.HasPrefix(res, "exit 0") {
				t.Fatalf("loadtest: %s", res)
			}
			all := numbered(admin)

			if code, out := cli(dst, "restore", bdir); code != 0 {
				t.Fatalf("restore: exit %d: %s", code, out)
			} else {
				t.Log(strings.TrimSpace(out))
			}
			for _, args := range [][]string{{"audit", "verify"}, {"archive", "fixity"}} {
				if code, out := cli(dst, args...); code != 0 {
					t.Fatalf("%v on the restored installation: exit %d: %s", args, code, out)
				} else {
					t.Logf("%v: %s", args, strings.TrimSpace(out))
				}
			}
			if code, out := cli(dst, "restore", bdir); code == 0 || !strings.Contains(out, "restore only into an empty") {
				t.Fatalf("a second restore into the restored installation: exit %d: %s", code, out)
			}

			restored := startServer(t, dst)
			radmin := restored.login(t, "admin", "admin-password-1")
			got := numbered(radmin)
			if len(got) < 4 || len(got) > len(all) {
				t.Fatalf("restored registers hold %d documents; %d were numbered before the backup, %d after the load", len(got), 4, len(all))
			}
			t.Logf("the backup holds %d of the %d numbered documents", len(got), len(all))
			nums := map[string]bool{}
			for id, n := range got {
				nums[n] = true
				if strings.Contains(id, " ") {
					continue // a voided or reserved number: no document
				}
				if all[id] != n {
					t.Fatalf("restored %s is %q, was %q", id, n, all[id])
				}
				var d struct{ Direction, State string }
				if c := radmin.call("GET", "/api/v1/documents/"+id, nil, &d); c != 200 {
					t.Fatalf("restored document %s: %d", id, c)
				}
				if d.Direction == "outgoing" {
					var v struct {
						Verdict    string
						Signatures []any
					}
					if c := radmin.call("GET", "/api/v1/documents/"+id+"/verification", nil, &v); c != 200 || v.Verdict != "valid" || len(v.Signatures) < 2 { // + the document time-stamp (B-LTA) with a TSA
						t.Fatalf("restored %s (%s) verification: %d %s, %d signatures", id, d.State, c, v.Verdict, len(v.Signatures))
					}
				}
			}
			for _, kind := range []string{"outgoing", "incoming"} {
				for i := 1; ; i++ {
					if !nums[fmt.Sprintf("%s %d", kind, i)] {
						for n := range nums {
							var k string
							var m int
							fmt.Sscanf(n, "%s %d", &k, &m)
							if k == kind && m > i {
								t.Fatalf("restored %s register misses %d but has %d", kind, i, m)
							}
						}
						break
					}
				}
			}

			// Archived objects keep their retention.
			f, err := os.Open(filepath.Join(bdir, "manifest.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			store, err := openStore(context.Background(), mustConfig(t, dst), "archive")
			if err != nil {
				t.Fatal(err)
			}
			retained := 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var e manifestEntry
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatal(err)
				}
				if e.Store != "archive" || e.RetainUntil.IsZero() {
					continue
				}
				oi, err := store.Stat(context.Background(), e.Key)
				if err != nil {
					t.Fatal(err)
				}
				if !oi.RetainUntil.Equal(e.RetainUntil) || oi.LegalHold != e.LegalHold || oi.SHA256 != e.SHA256 {
					t.Fatalf("restored %s: retain until %s, hold %v, sha %s; backup: %s, %v, %s", e.Key, oi.RetainUntil, oi.LegalHold, oi.SHA256,
						e.RetainUntil, e.LegalHold, e.SHA256)
				}
				retained++
			}
			if backend == "postgres" && retained == 0 {
				t.Fatal("no archived object with a retention date in the backup")
			}
			t.Logf("%d archived objects restored with their retention date", retained)
		})
	}
}

func mustConfig(t *testing.T, env map[string]string) *Config {
	t.Helper()
	cfg, err := LoadConfig(flag.NewFlagSet("restored", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
