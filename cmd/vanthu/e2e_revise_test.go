package main

import (
	"bytes"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestIntegrationReviseReturnedDraft: the whole path of a draft sent back
// — return, revise (a new PDF and a new subject, PATCH /documents/{id}),
// submit, approve, sign, issue — on every backend. The issued PDF is
// valid and is the new draft signed: its text is the new draft's
// (pdftotext), not the first one's; the subject searched without
// diacritics finds the revised subject; the trail names the revision with
// both PDFs' SHA-256 and stays whole. Two attachments added and the wrong
// one removed (PATCH, multipart then JSON), the issue signs the one kept
// only.
func TestIntegrationReviseReturnedDraft(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := map[string]string{}
			if backend == gormdb.Postgres {
				env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			testReviseReturnedDraft(t, startServer(t, env), pdftotext)
		})
	}
}

func testReviseReturnedDraft(t *testing.T, s *server, pdftotext string) {
	ids := s.staff(t, nil)
	clerk, officer, handler := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer"), s.login(t, "handler", "password-handler")
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ban hành quy chế",
		"signer_id": ids["officer"]}, testpdf.Make(1, "du thao lan mot"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	officer.act(id, "return", map[string]any{"comment": "Bổ sung căn cứ pháp lý"})
	first := doc["files"].([]any)[0].(map[string]any)["sha256"].(string)

	doc = handler.revise(id, map[string]any{"version": 3, "subject": "Quyết định ban hành quy chế làm việc Bình Thủy"}, testpdf.Make(1, "du thao lan hai"))
	files := doc["files"].([]any)
	second := files[1].(map[string]any)["sha256"].(string)
	if doc["state"] != "draft" || len(files) != 2 || files[0].(map[string]any)["kind"] != "superseded" || second == first {
		t.Fatalf("revised: %v", doc)
	}
	doc = handler.reviseAttachments(id, map[string]any{}, map[string][]byte{"phu-luc.pdf": testpdf.Make(1, "phu luc dung"),
		"phu-luc-sai.pdf": testpdf.Make(1, "phu luc sai")})
	wrong := ""
	for _, f := range doc["files"].([]any) {
		if f := f.(map[string]any); f["name"] == "phu-luc-sai.pdf" {
			wrong = f["sha256"].(string)
		}
	}
	if code := handler.call("PATCH", "/api/v1/documents/"+id, map[string]any{"remove_attachments": []string{wrong}}, &doc); code != 200 || wrong == "" {
		t.Fatalf("remove the wrong attachment: %d %v", code, doc)
	}
	var list struct{ Items []map[string]any }
	clerk.call("GET", "/api/v1/documents?q=lam+viec+binh+thuy", nil, &list)
	if len(list.Items) != 1 || list.Items[0]["id"] != id {
		t.Fatalf("the revised subject is not found: %v", list.Items)
	}
	handler.act(id, "submit", nil)
	officer.act(id, "approve", nil)
	officer.act(id, "sign", nil)
	doc = clerk.act(id, "issue", nil)
	if v, _ := doc["verification"].(map[string]any); doc["state"] != "issued" || v == nil || v["verdict"] != "valid" {
		t.Fatalf("issued: %v", doc)
	}
	pdf := clerk.get("/api/v1/documents/" + id + "/file")
	file := filepath.Join(t.TempDir(), "issued.pdf")
	os.WriteFile(file, pdf, 0o600)
	txt, err := exec.Command(pdftotext, file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(txt), "du thao lan hai") || strings.Contains(string(txt), "du thao lan mot") {
		t.Fatalf("the issued PDF is not the revised draft signed:\n%s", txt)
	}
	var events struct{ Items []map[string]any }
	handler.call("GET", "/api/v1/documents/"+id+"/events", nil, &events)
	revised, signed := false, []string{}
	for _, e := range events.Items {
		d, _ := e["data"].(map[string]any)
		revised = revised || (e["kind"] == "draft_revised" && d["old_sha256"] == first && d["new_sha256"] == second && d["fields"] == "subject file")
		for k, v := range d {
			if e["action"] == "issue" && strings.HasPrefix(k, "attachment:") {
				signed = append(signed, v.(string))
			}
		}
	}
	if len(signed) != 1 || signed[0] != "phu-luc.pdf" {
		t.Fatalf("the issue signed the attachments %v, want phu-luc.pdf alone", signed)
	}
	var audit map[string]any
	s.login(t, "admin", "admin-password-1").call("GET", "/api/v1/audit/verify", nil, &audit)
	if !revised || audit["ok"] != true {
		t.Fatalf("no draft_revised event naming both PDFs (%v), or the trail is broken (%v)", events, audit)
	}
}

// revise sends PATCH /documents/{id} as multipart: meta, and the new PDF.
func (c *client) revise(id string, meta map[string]any, pdf []byte) map[string]any {
	c.t.Helper()
	var out map[string]any
	if code := c.send(c.metaAndFile("PATCH", "/api/v1/documents/"+id, meta, "du-thao-2.pdf", pdf), &out); code != 200 {
		c.t.Fatalf("revise: %d", code)
	}
	return out
}

// reviseAttachments sends PATCH /documents/{id} as multipart: meta, and
// attachments by name.
func (c *client) reviseAttachments(id string, meta map[string]any, attachments map[string][]byte) map[string]any {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := apitest.WriteJSONPart(w, "meta", meta); err != nil {
		c.t.Fatal(err)
	}
	for name, b := range attachments {
		fw, _ := w.CreateFormFile("attachment", name)
		fw.Write(b)
	}
	w.Close()
	req, _ := http.NewRequest("PATCH", c.base+"/api/v1/documents/"+id, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	var out map[string]any
	if code := c.send(req, &out); code != 200 {
		c.t.Fatalf("revise attachments: %d %v", code, out)
	}
	return out
}

// staff creates, as the admin, a clerk, an officer and a handler, each
// named by their role (password "password-" + role, full name "Nguyễn
// Văn " + role), with the extra fields more gives a role (nil: none),
// and returns their ids by role.
func (s *server) staff(t *testing.T, more func(role string) map[string]any) map[string]string {
	t.Helper()
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, r := range []string{"clerk", "officer", "handler"} {
		body := map[string]any{"username": r, "password": "password-" + r, "full_name": "Nguyễn Văn " + r, "roles": []string{r}}
		if more != nil {
			maps.Copy(body, more(r))
		}
		var u struct{ ID string }
		if code := admin.call("POST", "/api/v1/users", body, &u); code != 201 {
			t.Fatalf("create %s: %d", r, code)
		}
		ids[r] = u.ID
	}
	return ids
}
