package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

type fixture struct {
	srv    *api.Server
	tokens map[string]string // username -> token
	ids    map[string]string // username -> user id
}

func newFixture(t *testing.T, maxUpload int64) *fixture {
	t.Helper()
	return newFixtureWith(t, maxUpload, nil)
}

// newFixtureWith is newFixture with the document service changed by
// tweak (nil: as it is).
func newFixtureWith(t testing.TB, maxUpload int64, tweak func(*workflow.Service)) *fixture {
	t.Helper()
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	accounts := &auth.Service{Repo: repo, Cost: bcrypt.MinCost}
	docs := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t),
		Inspector: workflow.PDFInspectorFunc(func(_ context.Context, r io.ReaderAt, n int64) error { _, err := signing.Inspect(r, n); return err }),
		Agency:    workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
	if tweak != nil {
		tweak(docs)
	}
	f := &fixture{tokens: map[string]string{}, ids: map[string]string{}}
	f.srv = api.New(&api.Server{Docs: docs, Accounts: accounts, Directory: repo, MaxUpload: maxUpload}, nil)
	for _, r := range []string{"admin", "clerk", "officer", "handler", "archivist"} {
		u, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: r, Password: "password-" + r, Roles: []workflow.Role{workflow.Role(r)}})
		if err != nil {
			t.Fatal(err)
		}
		f.ids[r] = u.ID
		tok, _, _, err := accounts.Login(ctx, r, "password-"+r)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = tok
	}
	return f
}

func (f *fixture) do(t *testing.T, user, method, path string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	}
	rec := httptest.NewRecorder()
	apitest.Validating(t, f.srv).ServeHTTP(rec, req)
	return rec
}

func (f *fixture) json(t *testing.T, user, method, path string, v any) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if b, _ := json.Marshal(v); string(b) != "null" {
		body = bytes.NewReader(b)
	}
	return f.do(t, user, method, path, body, "application/json")
}

func multipartBody(t *testing.T, meta any, file []byte, attachments ...[]byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if meta != nil {
		if err := apitest.WriteJSONPart(w, "meta", meta); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", "vanban.pdf")
		fw.Write(file)
	}
	for i, a := range attachments {
		fw, _ := w.CreateFormFile("attachment", fmt.Sprintf("phuluc-%d.pdf", i))
		fw.Write(a)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

func (f *fixture) outgoingMeta() map[string]any {
	return map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Về việc ban hành quy chế", "urgency": "urgent",
		"confidentiality": "normal", "signer_id": f.ids["officer"],
		"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}
}

func incomingMeta() map[string]any {
	return map[string]any{"direction": "incoming", "type": "CV", "subject": "Công văn của thành phố", "urgency": "normal",
		"confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "125/UBND-VP", "original_date": "2026-11-20"}
}

type errBody struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

func decodeErr(t *testing.T, rec *httptest.ResponseRecorder) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d: body is not an error JSON: %s", rec.Code, rec.Body.String())
	}
	return e
}

func (f *fixture) create(t *testing.T, user string, meta any) api.DocumentJSON {
	t.Helper()
	body, ct := multipartBody(t, meta, testpdf.Make(2, "vanthu test"))
	rec := f.do(t, user, "POST", "/api/v1/documents", body, ct)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	var d api.DocumentJSON
	json.Unmarshal(rec.Body.Bytes(), &d)
	return d
}

func TestErrors(t *testing.T) {
	f := newFixture(t, 1<<20)
	draft := f.create(t, "handler", f.outgoingMeta())
	encrypted, err := os.ReadFile("testdata/encrypted-aes256.pdf")
	if err != nil {
		t.Fatal(err)
	}
	big := append(testpdf.Make(1, "x"), bytes.Repeat([]byte("%"), 1<<20)...)
	tests := []struct {
		name   string
		req    func() *httptest.ResponseRecorder
		status int
		code   string
		field  string // the request field at fault in the JSON, if any
	}{
		{"401/no token", func() *httptest.ResponseRecorder { return f.do(t, "", "GET", "/api/v1/documents", nil, "") }, 401, "unauthorized", ""},
		{"401/bad token", func() *httptest.ResponseRecorder {
			f.tokens["nobody"] = "forged"
			return f.do(t, "nobody", "GET", "/api/v1/documents", nil, "")
		}, 401, "unauthorized", ""},
		{"401/wrong password", func() *httptest.ResponseRecorder {
			return f.json(t, "", "POST", "/api/v1/auth/login", map[string]string{"username": "clerk", "password": "nope"})
		}, 401, "unauthorized", ""},
		{"403/non-admin creates user", func() *httptest.ResponseRecorder {
			return f.json(t, "clerk", "POST", "/api/v1/users", map[string]any{"username": "x", "password": "12345678", "roles": []string{"clerk"}})
		}, 403, "forbidden", ""},
		{"403/clerk drafts outgoing", func() *httptest.ResponseRecorder {
			b, ct := multipartBody(t, f.outgoingMeta(), testpdf.Make(1, "x"))
			return f.do(t, "clerk", "POST", "/api/v1/documents", b, ct)
		}, 403, "forbidden", ""},
		{"403/wrong role beats illegal state", func() *httptest.ResponseRecorder {
			return f.json(t, "handler", "POST", "/api/v1/documents/"+draft.ID+"/actions/issue", nil)
		}, 403, "forbidden", ""},
		{"403/audit verify by clerk", func() *httptest.ResponseRecorder { return f.do(t, "clerk", "GET", "/api/v1/audit/verify", nil, "") }, 403, "forbidden", ""},
		{"404/no document", func() *httptest.ResponseRecorder { return f.do(t, "clerk", "GET", "/api/v1/documents/nope", nil, "") }, 404, "not_found", ""},
		{"404/no route", func() *httptest.ResponseRecorder { return f.do(t, "clerk", "GET", "/api/v1/nothing", nil, "") }, 404, "not_found", ""},
		{"409/illegal transition", func() *httptest.ResponseRecorder {
			return f.json(t, "officer", "POST", "/api/v1/documents/"+draft.ID+"/actions/approve", nil)
		}, 409, "illegal_transition", ""},
		{"409/stale version", func() *httptest.ResponseRecorder {
			return f.json(t, "handler", "POST", "/api/v1/documents/"+draft.ID+"/actions/submit", map[string]any{"version": 99})
		}, 409, "conflict", ""},
		{"409/duplicate user", func() *httptest.ResponseRecorder {
			return f.json(t, "admin", "POST", "/api/v1/users", map[string]any{"username": "clerk", "password": "12345678", "roles": []string{"clerk"}})
		}, 409, "conflict", ""},
		{"413/oversize file", func() *httptest.ResponseRecorder {
			b, ct := multipartBody(t, f.outgoingMeta(), big)
			return f.do(t, "handler", "POST", "/api/v1/documents", b, ct)
		}, 413, "too_large", "file"},
		{"415/not multipart", func() *httptest.ResponseRecorder {
			return f.do(t, "handler", "POST", "/api/v1/documents", strings.NewReader("{}"), "application/json")
		}, 415, "unsupported_media_type", ""},
		{"415/not a PDF", func() *httptest.ResponseRecorder {
			b, ct := multipartBody(t, f.outgoingMeta(), []byte("GIF89a this is an image, named .pdf"))
			return f.do(t, "handler", "POST", "/api/v1/documents", b, ct)
		}, 415, "unsupported_media_type", "file"},
		{"422/encrypted PDF", func() *httptest.ResponseRecorder {
			b, ct := multipartBody(t, f.outgoingMeta(), encrypted)
			return f.do(t, "handler", "POST", "/api/v1/documents", b, ct)
		}, 422, "invalid", "file"},
		{"422/truncated PDF", func() *httptest.ResponseRecorder {
			pdf := testpdf.Make(2, "x")
			b, ct := multipartBody(t, f.outgoingMeta(), pdf[:len(pdf)/2])
			return f.do(t, "handler", "POST", "/api/v1/documents", b, ct)
		}, 422, "invalid", "file"},
		{"400/bad meta", func() *httptest.ResponseRecorder {
			m := f.outgoingMeta()
			m["type"] = "XYZ"
			b, ct := multipartBody(t, m, testpdf.Make(1, "x"))
			return f.do(t, "handler", "POST", "/api/v1/documents", b, ct)
		}, 400, "invalid", "type"},
		{"400/date that does not exist", func() *httptest.ResponseRecorder {
			m := incomingMeta()
			m["original_date"] = "2026-02-30"
			b, ct := multipartBody(t, m, testpdf.Make(1, "x"))
			return f.do(t, "clerk", "POST", "/api/v1/documents", b, ct)
		}, 400, "invalid", "original_date"},
		{"400/sender code", func() *httptest.ResponseRecorder {
			m := incomingMeta()
			m["sender"] = map[string]string{"org_id": "H13", "name": "UBND thành phố Cần Thơ"}
			b, ct := multipartBody(t, m, testpdf.Make(1, "x"))
			return f.do(t, "clerk", "POST", "/api/v1/documents", b, ct)
		}, 400, "invalid", "sender.org_id"},
		{"400/no file", func() *httptest.ResponseRecorder {
			b, ct := multipartBody(t, f.outgoingMeta(), nil)
			return f.do(t, "handler", "POST", "/api/v1/documents", b, ct)
		}, 400, "invalid", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.req()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if e := decodeErr(t, rec); e.Error.Code != tt.code || e.Error.Field != tt.field {
				t.Fatalf("code %q field %q, want %q %q (%s)", e.Error.Code, e.Error.Field, tt.code, tt.field, e.Error.Message)
			}
		})
	}
	// Nothing of the refused requests was kept: only the one draft exists.
	rec := f.do(t, "handler", "GET", "/api/v1/documents", nil, "")
	var list struct{ Items []api.DocumentJSON }
	json.Unmarshal(rec.Body.Bytes(), &list)
	if len(list.Items) != 1 || list.Items[0].State != "draft" || list.Items[0].Version != 1 {
		t.Fatalf("refused requests changed data: %s", rec.Body.String())
	}
}

// TestActionErrorField: an action refused for one input names it.
func TestActionErrorField(t *testing.T) {
	f := newFixture(t, 1<<20)
	in := f.create(t, "clerk", incomingMeta())
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+in.ID+"/actions/register", nil); rec.Code != http.StatusOK {
		t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
	}
	for _, tt := range []struct {
		name, action string
		body         map[string]any
		field        string
	}{
		{"400/assign without assignee", "assign", map[string]any{}, "assignee_id"},
		{"400/assign to nobody", "assign", map[string]any{"assignee_id": "u-nobody"}, "assignee_id"},
		{"400/comment too long", "assign", map[string]any{"assignee_id": f.ids["handler"], "comment": strings.Repeat("ý", workflow.MaxComment+1)}, "comment"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.json(t, "officer", "POST", "/api/v1/documents/"+in.ID+"/actions/"+tt.action, tt.body)
			if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || e.Error.Field != tt.field {
				t.Fatalf("%d %s, want 400 on %q", rec.Code, rec.Body.String(), tt.field)
			}
		})
	}
}

func TestDocumentFlowAndRegister(t *testing.T) {
	f := newFixture(t, 5<<20)
	in := f.create(t, "clerk", incomingMeta())
	if in.State != "received" || in.Number != nil || in.Notation != nil || len(in.AllowedActions) != 2 {
		t.Fatalf("new incoming: %+v", in)
	}
	steps := []struct {
		user, action string
		body         map[string]any
		state        string
	}{
		{"clerk", "register", nil, "registered"},
		{"officer", "assign", map[string]any{"assignee_id": f.ids["handler"], "comment": "xử lý"}, "assigned"},
		{"handler", "start", nil, "in_progress"},
		{"handler", "complete", nil, "completed"},
		{"archivist", "archive", nil, "archived"},
	}
	for _, s := range steps {
		rec := f.json(t, s.user, "POST", "/api/v1/documents/"+in.ID+"/actions/"+s.action, s.body)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", s.action, rec.Code, rec.Body.String())
		}
		json.Unmarshal(rec.Body.Bytes(), &in)
		if in.State != s.state {
			t.Fatalf("%s: state %s", s.action, in.State)
		}
	}
	if in.Number == nil || *in.Number != 1 {
		t.Fatalf("incoming number %v", in.Number)
	}
	rec := f.do(t, "clerk", "GET", "/api/v1/documents/"+in.ID+"/events", nil, "")
	var evs struct{ Items []api.EventJSON }
	json.Unmarshal(rec.Body.Bytes(), &evs)
	if len(evs.Items) != 7 { // create, upload, 5 transitions
		t.Fatalf("%d events: %s", len(evs.Items), rec.Body.String())
	}
	rec = f.do(t, "clerk", "GET", "/api/v1/registers/incoming/2026?format=csv", nil, "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "125/UBND-VP") || !strings.Contains(rec.Body.String(), "UBND thành phố Cần Thơ") {
		// The register year is the current year in Vietnam; the test runs in 2026 or later.
		rec2 := f.do(t, "clerk", "GET", fmt.Sprintf("/api/v1/registers/incoming/%d?format=csv", 2026), nil, "")
		t.Fatalf("csv register: %d %s %s", rec.Code, rec.Body.String(), rec2.Body.String())
	}
	rec = f.do(t, "handler", "GET", "/api/v1/documents/"+in.ID+"/file", nil, "")
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("file: %d", rec.Code)
	}
	rec = f.do(t, "admin", "GET", "/api/v1/audit/verify", nil, "")
	if !strings.Contains(rec.Body.String(), `"ok":true`) {
		t.Fatalf("audit: %s", rec.Body.String())
	}
}

func TestSignWithoutSignerIs503(t *testing.T) {
	f := newFixture(t, 5<<20)
	d := f.create(t, "handler", f.outgoingMeta())
	for _, s := range []struct{ user, action string }{{"handler", "submit"}, {"officer", "approve"}} {
		if rec := f.json(t, s.user, "POST", "/api/v1/documents/"+d.ID+"/actions/"+s.action, nil); rec.Code != 200 {
			t.Fatalf("%s: %d", s.action, rec.Code)
		}
	}
	rec := f.json(t, "officer", "POST", "/api/v1/documents/"+d.ID+"/actions/sign", nil)
	if rec.Code != 503 || decodeErr(t, rec).Error.Code != "unavailable" || !strings.Contains(rec.Body.String(), "signing is not configured") {
		t.Fatalf("sign: %d %s", rec.Code, rec.Body.String())
	}
}

func TestConfidentialHidden(t *testing.T) {
	f := newFixture(t, 5<<20)
	m := f.outgoingMeta()
	m["confidentiality"] = "secret"
	d := f.create(t, "handler", m)
	if rec := f.do(t, "archivist", "GET", "/api/v1/documents/"+d.ID, nil, ""); rec.Code != 404 {
		t.Fatalf("archivist sees secret document: %d", rec.Code)
	}
	rec := f.do(t, "archivist", "GET", "/api/v1/documents", nil, "")
	if strings.Contains(rec.Body.String(), d.ID) {
		t.Fatal("secret document listed to archivist")
	}
	for _, u := range []string{"clerk", "officer", "handler", "admin"} {
		if rec := f.do(t, u, "GET", "/api/v1/documents/"+d.ID, nil, ""); rec.Code != 200 {
			t.Fatalf("%s cannot see it: %d", u, rec.Code)
		}
	}
}

type panickyDocs struct{ api.Documents }

func (panickyDocs) Get(context.Context, *workflow.User, string) (*workflow.Document, error) {
	panic("a library failed")
}

func TestPanicIsAJSONInternalError(t *testing.T) {
	f := newFixture(t, 1<<20)
	f.srv.Docs = panickyDocs{f.srv.Docs}
	rec := f.do(t, "clerk", "GET", "/api/v1/documents/x", nil, "")
	if rec.Code != 500 || decodeErr(t, rec).Error.Code != "internal" || strings.Contains(rec.Body.String(), "library") {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if rec := f.do(t, "clerk", "GET", "/healthz", nil, ""); rec.Code != 200 {
		t.Fatal("server stopped serving after a panic")
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t, 1<<20)
	if rec := f.do(t, "clerk", "POST", "/api/v1/auth/logout", nil, ""); rec.Code != 204 {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.do(t, "clerk", "GET", "/api/v1/documents", nil, ""); rec.Code != 401 {
		t.Fatalf("token still works after logout: %d", rec.Code)
	}
	if rec := f.do(t, "officer", "GET", "/api/v1/documents", nil, ""); rec.Code != 200 {
		t.Fatalf("another user's session ended too: %d", rec.Code)
	}
}

// TestTextStoredComposed: a document's text typed with decomposed letters
// (Unikey's "Unicode tổ hợp", macOS) is stored composed (NFC), as the web
// forms and the exchange store it; so is an action's comment.
func TestTextStoredComposed(t *testing.T) {
	f := newFixture(t, 5<<20)
	meta := incomingMeta()
	meta["subject"] = norm.NFD.String("Về việc tổ chức Ngày hội Đại đoàn kết")
	meta["sender"] = map[string]string{"org_id": "000.00.00.H13", "name": norm.NFD.String("UBND thành phố Cần Thơ")}
	meta["original_number"] = norm.NFD.String("125/UBND-VP")
	meta["notes"] = norm.NFD.String("Ghi chú của văn thư")
	d := f.create(t, "clerk", meta)
	for name, got := range map[string]string{"subject": d.Subject, "sender": d.Sender.Name, "notes": d.Notes} {
		if !norm.NFC.IsNormalString(got) || got == "" {
			t.Errorf("%s stored %q, not composed", name, got)
		}
	}
	rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+d.ID+"/actions/register", map[string]any{"comment": norm.NFD.String("Đã nhận")})
	if rec.Code != http.StatusOK {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, "clerk", "GET", "/api/v1/documents/"+d.ID+"/events", nil, "")
	if !strings.Contains(rec.Body.String(), `"Đã nhận"`) {
		t.Errorf("the comment is not stored composed: %s", rec.Body)
	}
}

// TestIncomingSenderWithoutCode: a paper document from a sender with no
// agency code (a company, a citizen, a body outside the exchange) is
// registered with the sender's name alone, and the OpenAPI document
// describes that request (its sender's org_id is optional; it required
// it, while the server took it: found by the third walk). A code given
// must still be one.
func TestIncomingSenderWithoutCode(t *testing.T) {
	f := newFixture(t, 5<<20)
	meta := incomingMeta()
	meta["sender"] = map[string]string{"name": "Công ty TNHH Xây dựng Phú Thành"}
	d := f.create(t, "clerk", meta)
	if d.Sender == nil || d.Sender.Name != "Công ty TNHH Xây dựng Phú Thành" || d.Sender.OrgID != "" {
		t.Fatalf("sender stored as %+v", d.Sender)
	}
	meta["sender"] = map[string]string{"org_id": "H13", "name": "UBND thành phố Cần Thơ"}
	body, ct := multipartBody(t, meta, testpdf.Make(2, "vanthu test"))
	rec := f.do(t, "clerk", "POST", "/api/v1/documents", body, ct)
	if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || e.Error.Field != "sender.org_id" {
		t.Fatalf("sender code H13: %d %+v", rec.Code, e.Error)
	}
}
