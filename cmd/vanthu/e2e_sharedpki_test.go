package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestIntegrationSharedDevPKI runs two instances on one PostgreSQL with
// separate data directories: a document signed (layer 1) through A and
// issued (layer 2) through B verifies valid, both serve the same trust
// anchors, and with VANTHU_DEV_PKI_SECRET no private key is stored in
// clear. Before the PKI moved into the database each instance had its own
// root in DATA_DIR/pki, and issue refused the document (layer 1 not
// trusted under B's root).
func TestIntegrationSharedDevPKI(t *testing.T) {
	for _, secret := range []string{"", "a shared development secret"} {
		name := "Clear"
		if secret != "" {
			name = "Sealed"
		}
		t.Run(name, func(t *testing.T) {
			dsn := gormdbtest.CreatePostgresDatabase(t)
			env := sharedS3Env(t)
			env["VANTHU_DATABASE_URL"], env["VANTHU_DEV_PKI_SECRET"] = dsn, secret
			a, b := startServer(t, env), startServer(t, env)
			if a.dir == b.dir {
				t.Fatal("instances share a data directory")
			}
			adminA := a.login(t, "admin", "admin-password-1")
			ids := map[string]string{}
			for _, u := range []struct{ name, full, role string }{
				{"clerk", "Lê Thị Văn Thư", "clerk"}, {"officer", "Trần Văn Quyết", "officer"}, {"handler", "Phạm Thị Chuyên", "handler"},
			} {
				var out struct{ ID string }
				if code := adminA.call("POST", "/api/v1/users", map[string]any{"username": u.name, "password": "password-" + u.name,
					"full_name": u.full, "title": "Chuyên viên", "roles": []string{u.role}}, &out); code != 201 {
					t.Fatalf("create %s: %d", u.name, code)
				}
				ids[u.name] = out.ID
			}
			handlerA, officerA := a.login(t, "handler", "password-handler"), a.login(t, "officer", "password-officer")
			clerkB := b.login(t, "clerk", "password-clerk")

			anchorsA, anchorsB := handlerA.get("/api/v1/pki/trust-anchors"), clerkB.get("/api/v1/pki/trust-anchors")
			if !bytes.Equal(anchorsA, anchorsB) {
				t.Fatalf("the instances serve different trust anchors:\nA: %s\nB: %s", anchorsA, anchorsB)
			}

			doc, code := handlerA.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ký ở A, ban hành ở B",
				"urgency": "normal", "confidentiality": "normal", "signer_id": ids["officer"],
				"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}, testpdf.Make(1, "Quyet dinh"))
			if code != 201 {
				t.Fatalf("upload: %d", code)
			}
			id := doc["id"].(string)
			handlerA.act(id, "submit", nil)
			officerA.act(id, "approve", nil)
			officerA.act(id, "sign", nil)
			doc = clerkB.act(id, "issue", nil)
			if v, _ := doc["verification"].(map[string]any); doc["state"] != "issued" || v == nil || v["verdict"] != "valid" {
				t.Fatalf("issued on B: state %v, verification %v", doc["state"], doc["verification"])
			}
			for _, c := range []*client{handlerA, clerkB} {
				if r := string(c.get("/api/v1/documents/" + id + "/verification")); !bytes.Contains([]byte(r), []byte(`"verdict":"valid"`)) {
					t.Fatalf("verification on %s: %s", c.base, r)
				}
			}

			db, err := gormdb.Open(context.Background(), dsn, t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var rows []struct {
				Name string
				Data []byte
			}
			if err := db.Gorm().Raw("SELECT name, data FROM dev_pki ORDER BY name").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) < 2 {
				t.Fatalf("dev_pki holds %d entries, want the root, the agency and the officials", len(rows))
			}
			for _, r := range rows {
				clear := bytes.Contains(r.Data, []byte("PRIVATE KEY"))
				if strings.HasPrefix(r.Name, "issued/") {
					// The record of every issued certificate holds no key.
					if clear {
						t.Errorf("dev_pki %s: the record of an issued certificate holds a private key", r.Name)
					}
					continue
				}
				if clear != (secret == "") {
					t.Errorf("dev_pki %s: private key in clear = %v with secret %q", r.Name, clear, secret)
				}
			}
		})
	}
}

// sharedS3Env is the object store configuration of instances that share
// one MinIO (VANTHU_TEST_S3_*), with buckets of their own for this test.
func sharedS3Env(t *testing.T) map[string]string {
	t.Helper()
	ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
	if ep == "" {
		t.Skip("VANTHU_TEST_S3_ENDPOINT not set: instances sharing a database need a shared object store")
	}
	var rnd [5]byte
	rand.Read(rnd[:])
	sfx := hex.EncodeToString(rnd[:])
	return map[string]string{"VANTHU_S3_ENDPOINT": ep, "VANTHU_S3_ACCESS_KEY": os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
		"VANTHU_S3_SECRET_KEY":  os.Getenv("VANTHU_TEST_S3_SECRET_KEY"),
		"VANTHU_S3_WORK_BUCKET": "vt-work-" + sfx, "VANTHU_S3_ARCHIVE_BUCKET": "vt-archive-" + sfx}
}
