package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestEndToEndHostileText sends what broken and malicious clients send
// (a NUL or bytes that are not UTF-8 in path ids, query parameters and
// JSON fields; filters naming no direction or state; a page larger than
// the document's maximum; a register that does not exist; a serial
// longer than any certificate's) to `vanthu serve` on every backend.
// Each answer must be one the table gives (one status: alike on every
// backend), and every answer is checked against api/openapi.yaml
// (internal/apitest). The API hunt found each of these answering 500 on
// PostgreSQL, 200 with an empty list or with 50 items for limit=201, or a
// status the document does not list. The audit chain must stay whole.
func TestEndToEndHostileText(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := map[string]string{}
			if backend == gormdb.Postgres {
				env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			testHostileText(t, startServer(t, env))
		})
	}
}

type hostileCase struct {
	method, path string
	body         any
	want         []int
}

func hostileTextCases(userID string) []hostileCase {
	nul := map[string]any{"username": "a\x00b", "password": "password-nul-1", "full_name": "a\x00b", "roles": []string{"handler"}}
	return []hostileCase{
		{"GET", "/api/v1/documents/a%00b", nil, []int{404}},
		{"GET", "/api/v1/documents/%00/events", nil, []int{404}},
		{"GET", "/api/v1/documents/a%00b/file", nil, []int{404}},
		{"GET", "/api/v1/documents/a%00b/verification", nil, []int{404}},
		{"GET", "/api/v1/documents/a%00b/deliveries", nil, []int{404}},
		{"PUT", "/api/v1/documents/a%00b/layout", map[string]any{}, []int{404}},
		{"POST", "/api/v1/documents/a%00b/actions/submit", map[string]any{}, []int{404}},
		{"POST", "/api/v1/documents/a%00b/revoke", map[string]any{"reason": "x"}, []int{404}},
		{"GET", "/api/v1/users/%00", nil, []int{404}},
		{"GET", "/api/v1/archive/a%00b", nil, []int{404}},
		{"GET", "/api/v1/public/verify/a%00b", nil, []int{404}},
		{"GET", "/api/v1/documents?type=%ff", nil, []int{200, 400}},
		{"GET", "/api/v1/documents?type=a%00b", nil, []int{200, 400}},
		{"GET", "/api/v1/documents?q=a%00b", nil, []int{200, 400}},
		{"GET", "/api/v1/documents?cursor=%ff", nil, []int{200, 400}},
		{"GET", "/api/v1/documents?direction=sideways", nil, []int{400}},
		{"GET", "/api/v1/documents?q=%zz", nil, []int{400}},
		{"GET", "/api/v1/archive?signer=%", nil, []int{400}},
		{"GET", "/api/v1/registers/outgoing/2026?format=csv&x=%zz", nil, []int{400}},
		{"GET", "/api/v1/documents?state=recieved", nil, []int{400}},
		{"GET", "/api/v1/documents?direction=incoming&state=registered", nil, []int{200}},
		{"GET", "/api/v1/documents?limit=201", nil, []int{400}},
		{"GET", "/api/v1/documents?limit=200", nil, []int{200}},
		{"GET", "/api/v1/documents?limit=0", nil, []int{400}},
		{"GET", "/api/v1/archive?limit=201", nil, []int{400}},
		{"GET", "/api/v1/archive?limit=200", nil, []int{200}},
		{"GET", "/api/v1/archive?signer=%00", nil, []int{200, 400}},
		{"GET", "/api/v1/archive?org=%ff", nil, []int{200, 400}},
		{"GET", "/api/v1/archive?notation=a%00b", nil, []int{200, 400}},
		{"GET", "/api/v1/registers/nonexistent/2026", nil, []int{404}},
		{"POST", "/api/v1/users", nul, []int{400}},
		{"POST", "/api/v1/users", map[string]any{"username": "admin\u202e", "password": "password-rlo-1", "roles": []string{"handler"}}, []int{400}},
		{"POST", "/api/v1/users", map[string]any{"username": "rlo", "password": "password-rlo-1", "full_name": "Nguy\u202eễn", "roles": []string{"handler"}}, []int{400}},
		{"POST", "/api/v1/documents/x/actions/submit", map[string]any{"comment": "ý\u202ekiến"}, []int{400, 404}},
		{"POST", "/api/v1/auth/login", map[string]any{"username": "a\x00b", "password": "x"}, []int{400, 401}},
		{"POST", "/api/v1/documents/" + "x" + "/actions/assign", map[string]any{"assignee_id": "a\x00b"}, []int{404}},
		{"POST", "/api/v1/pki/revocations", map[string]any{"serial": strings.Repeat("1f", 500)}, []int{400}},
		{"POST", "/api/v1/pki/revocations", map[string]any{"user_id": userID + "\x00"}, []int{400, 404}},
		{"GET", "/api/v1/registers/outgoing/2026?format=xlsx", nil, []int{400}},
		{"GET", "/api/v1/reports/reform?format=xml", nil, []int{400}},
		// HEAD: its GET's status and headers, no body (405 and 404 before).
		{"HEAD", "/api/v1/nonexistent", nil, []int{404}},
		{"HEAD", "/api/v1/documents", nil, []int{200}},
		{"HEAD", "/api/v1/documents/a%00b", nil, []int{404}},
		{"HEAD", "/api/v1/registers/incoming/2026?format=csv", nil, []int{200}},
	}
}

// anonymousCases are sent without a token. No route: 404 (or 405)
// whoever asks, as the document says; a 401 asked for a token before.
var anonymousCases = []hostileCase{
	{"GET", "/api/v1/public/verify/", nil, []int{404}},
	{"GET", "/api/v1/nonexistent", nil, []int{404}},
	{"GET", "/api/v1", nil, []int{404}},
	{"DELETE", "/api/v1/", nil, []int{404, 405}},
	{"GET", "/api/v1/documents/x/actions/submit", nil, []int{404, 405}},
	{"TRACE", "/api/v1/documents", nil, []int{404, 405}},
	{"HEAD", "/pki/ca.crt", nil, []int{200}},
	{"HEAD", "/healthz", nil, []int{200}},
	{"HEAD", "/api/v1/documents", nil, []int{401}},
	{"GET", "/api/v1/documents", nil, []int{401}},
}

func testHostileText(t *testing.T, s *server) {
	admin := s.login(t, "admin", "admin-password-1")
	var clerkUser struct{ ID string }
	if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "clerk", "password": "password-clerk",
		"full_name": "Lê Thị Cúc", "roles": []string{"clerk", "archivist"}}, &clerkUser); code != 201 {
		t.Fatalf("create clerk: %d", code)
	}
	clerk := s.login(t, "clerk", "password-clerk")
	check := func(as *client, tc hostileCase) {
		t.Helper()
		var r io.Reader
		if tc.body != nil {
			b, _ := json.Marshal(tc.body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(tc.method, as.base+tc.path, r)
		req.Header.Set("Content-Type", "application/json")
		if as.token != "" {
			req.Header.Set("Authorization", "Bearer "+as.token)
		}
		resp, err := as.http().Do(req) // a mismatch with the document fails the test and is err
		if err != nil {
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !slices.Contains(tc.want, resp.StatusCode) {
			t.Errorf("%s %s: %d %s, want %v", tc.method, tc.path, resp.StatusCode, b, tc.want)
		}
	}
	for _, tc := range hostileTextCases(clerkUser.ID) {
		as := clerk
		if strings.HasPrefix(tc.path, "/api/v1/users") || strings.HasPrefix(tc.path, "/api/v1/pki") {
			as = admin
		}
		check(as, tc)
	}
	for _, tc := range anonymousCases {
		check(&client{t: t, base: s.base}, tc)
	}
	// Every text field of an upload's meta with a NUL: refused or kept,
	// never a 500; a document refused leaves nothing behind.
	for _, field := range []string{"subject", "original_number", "notes"} {
		meta := map[string]any{"direction": "incoming", "type": "CV", "subject": "Công văn", "original_number": "1/UBND",
			"sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND TP"}, "original_date": "2026-11-20"}
		meta[field] = "a\x00b"
		if code := uploadStatus(t, clerk, meta); code != 201 && code != 400 {
			t.Errorf("upload with a NUL in %s: %d, want 201 or 400", field, code)
		}
	}
	var audit struct {
		OK     bool
		Events int
	}
	if code := admin.call("GET", "/api/v1/audit/verify", nil, &audit); code != 200 || !audit.OK {
		t.Errorf("audit verify: %d %+v", code, audit)
	}
}

func uploadStatus(t *testing.T, c *client, meta map[string]any) int {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := apitest.WriteJSONPart(w, "meta", meta); err != nil {
		t.Fatal(err)
	}
	fw, _ := w.CreateFormFile("file", "vanban.pdf")
	fw.Write(testpdf.Make(1, "Công văn"))
	w.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.send(req, nil)
}
