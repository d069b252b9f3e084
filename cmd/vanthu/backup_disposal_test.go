package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// destroyBeforeBackup fills the installation of env: two records archived
// in 2010 with five years' retention (inArchive2010), one
// of them destroyed in 2016 by an approved list. It returns the destroyed
// document and the list.
func destroyBeforeBackup(t *testing.T, env map[string]string) (gone *workflow.Document, d *workflow.Disposal) {
	t.Helper()
	inArchive2010(t, env, func(f archive2010) {
		ctx := context.Background()
		gone = f.ArchiveDoc(t, f.Issued(t, archivetest.Options{Attachments: 1}).ID)
		f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
		f.Later()
		arch := f.Users[workflow.RoleArchivist]
		var err error
		if d, err = f.Archive.ProposeDisposal(ctx, arch, "Tiêu hủy năm 2016", []string{gone.ID}); err != nil {
			t.Fatal(err)
		}
		dec := workflow.Decision{Number: "15/QĐ-UBND", Date: workflow.NewDate(2016, 5, 30), Text: "Hết giá trị"}
		if _, err := f.Archive.ApproveDisposal(ctx, f.Users[workflow.RoleOfficer], d.ID, dec); err != nil {
			t.Fatal(err)
		}
		if d, err = f.Archive.RunDisposal(ctx, arch, d.ID); err != nil || d.Items[0].State != workflow.ItemDisposed {
			t.Fatalf("run: %+v %v", d, err)
		}
	})
	return gone, d
}

// TestIntegrationBackupRestoreDisposed: a backup taken after a record was
// destroyed restores the list with its decision and the destroyed
// objects, what stays of the record, its document with its number; the
// record's download answers 410 naming the decision; audit verify and
// archive fixity pass on the restored copy.
func TestIntegrationBackupRestoreDisposed(t *testing.T) {
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
			cli := func(env map[string]string, args ...string) (int, string) {
				var out, errb bytes.Buffer
				code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
				return code, out.String() + errb.String()
			}
			gone, d := destroyBeforeBackup(t, src)
			bdir := filepath.Join(t.TempDir(), "backup")
			for _, c := range []struct {
				env  map[string]string
				args []string
			}{{src, []string{"backup", bdir}}, {dst, []string{"restore", bdir}}, {dst, []string{"audit", "verify"}}, {dst, []string{"archive", "fixity"}},
				{dst, []string{"user", "add", "--username", "luutru", "--password", "password-luutru", "--roles", "archivist"}},
				{dst, []string{"user", "add", "--username", "vanthu", "--password", "password-vanthu", "--roles", "clerk"}}} {
				if code, out := cli(c.env, c.args...); code != 0 {
					t.Fatalf("%v: exit %d: %s", c.args, code, out)
				}
			}
			checkRestoredDisposal(t, dst, gone, d)
		})
	}
}

// checkRestoredDisposal reads the restored installation through its API.
func checkRestoredDisposal(t *testing.T, dst map[string]string, gone *workflow.Document, d *workflow.Disposal) {
	t.Helper()
	srv := startServer(t, dst)
	arch, clerk := srv.login(t, "luutru", "password-luutru"), srv.login(t, "vanthu", "password-vanthu")
	var list struct {
		State          string
		DecisionNumber string `json:"decision_number"`
		Items          []struct {
			State          string
			Files          []workflow.DisposedObject
			DocumentSHA256 string `json:"document_sha256"`
		}
	}
	if c := arch.call("GET", "/api/v1/archive/disposals/"+d.ID, nil, &list); c != 200 || list.State != "disposed" || list.DecisionNumber != d.DecisionNumber ||
		len(list.Items) != 1 || list.Items[0].State != "disposed" || len(list.Items[0].Files) != d.Items[0].Objects || list.Items[0].DocumentSHA256 != d.Items[0].DocumentSHA256 {
		t.Fatalf("restored list: %d %+v", c, list)
	}
	var rec struct {
		Disposed *struct {
			DecisionNumber string `json:"decision_number"`
		}
	}
	if c := arch.call("GET", "/api/v1/archive/"+gone.ID, nil, &rec); c != 200 || rec.Disposed == nil || rec.Disposed.DecisionNumber != d.DecisionNumber {
		t.Fatalf("restored record: %d %+v", c, rec)
	}
	if c := arch.call("GET", "/api/v1/archive/"+gone.ID+"/object?name=document.pdf", nil, nil); c != 410 {
		t.Fatalf("restored record's download: %d, want 410", c)
	}
	var doc struct {
		State  string
		Number int
	}
	if c := clerk.call("GET", "/api/v1/documents/"+gone.ID, nil, &doc); c != 200 || doc.State != "archived" || doc.Number != gone.Number {
		t.Fatalf("restored document: %d %+v (number was %d)", c, doc, gone.Number)
	}
}
