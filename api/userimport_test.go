package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"
)

// TestImportUsers: POST /users/import (validated against the spec) takes
// a CSV body or a multipart part; a bad row creates nobody and the 400
// lists every problem by line and column; a good file creates every user
// and answers their initial passwords once; only admins import.
func TestImportUsers(t *testing.T) {
	f := newFixture(t, 1<<20)
	bad := "Tên đăng nhập;Họ và tên;Vai trò\nlan;Lê Lan;Văn thư\nclerk;Trùng;Chuyên viên\nminh;;sếp\n"
	rec := f.do(t, "admin", "POST", "/api/v1/users/import", strings.NewReader(bad), "text/csv; charset=utf-8")
	var e struct {
		Error struct {
			Code   string `json:"code"`
			Field  string `json:"field"`
			Fields []struct{ Field, Message string }
		} `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &e)
	var fields []string
	for _, p := range e.Error.Fields {
		fields = append(fields, p.Field)
	}
	if rec.Code != 400 || e.Error.Code != "invalid" || strings.Join(fields, " ") != "lines.3.username lines.4.roles lines.4.full_name" {
		t.Fatalf("bad file: %d %s", rec.Code, rec.Body)
	}
	if rec = f.do(t, "admin", "GET", "/api/v1/users", nil, ""); strings.Contains(rec.Body.String(), `"lan"`) {
		t.Fatalf("a bad file created lan: %s", rec.Body)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "nhan-su.csv")
	w.Write([]byte("username,full name,title,unit,roles\nlan,Lê Lan,Văn thư,Văn phòng,clerk\nminh,Trần Minh,,Phòng Nội vụ,\"handler,officer\"\n"))
	mw.Close()
	if rec = f.do(t, "clerk", "POST", "/api/v1/users/import", bytes.NewReader(buf.Bytes()), mw.FormDataContentType()); rec.Code != 403 {
		t.Fatalf("a clerk's import: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, "admin", "POST", "/api/v1/users/import", bytes.NewReader(buf.Bytes()), mw.FormDataContentType())
	var out struct {
		Items []struct {
			User struct {
				Username           string `json:"username"`
				MustChangePassword bool   `json:"must_change_password"`
			} `json:"user"`
			InitialPassword string `json:"initial_password"`
		} `json:"items"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code != 201 || len(out.Items) != 2 || out.Items[1].User.Username != "minh" || !out.Items[1].User.MustChangePassword ||
		rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("import: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec = f.do(t, "", "POST", "/api/v1/auth/login", strings.NewReader(`{"username":"minh","password":"`+out.Items[1].InitialPassword+`"}`), "application/json"); rec.Code != 200 {
		t.Fatalf("login with the initial password: %d %s", rec.Code, rec.Body)
	}
	if rec = f.do(t, "admin", "POST", "/api/v1/users/import", strings.NewReader("x"), "application/json"); rec.Code != 415 {
		t.Fatalf("JSON body: %d %s", rec.Code, rec.Body)
	}
}
