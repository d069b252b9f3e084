package apitest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	spec := Default(t)
	jsonH := http.Header{"Content-Type": {"application/json; charset=UTF-8"}}
	user := `{"id":"u1","username":"nguyenvana","full_name":"Nguyễn Văn An","title":"","unit":"","roles":["officer"],` +
		`"disabled":false,"has_signing_key":false,"has_signature_image":false,"has_personal_id":false,"must_change_password":false,"created_at":"2026-11-20T08:00:00Z"}`
	errBody := `{"error":{"code":"invalid","message":"thiếu trường"}}`
	tests := []struct {
		name    string
		method  string
		target  string
		ctype   string
		reqBody string
		status  int
		header  http.Header
		body    string
		wantErr string // "" = valid
	}{
		{"OK", "GET", "/healthz", "", "", 200, jsonH, `{"status":"ok"}`, ""},
		{"ErrUndocumentedField", "GET", "/healthz", "", "", 200, jsonH, `{"status":"ok","uptime":3}`, "uptime"},
		{"ErrUndocumentedStatus", "GET", "/healthz", "", "", 201, jsonH, `{"status":"ok"}`, "status is not supported"},
		{"ErrContentType", "GET", "/healthz", "", "", 200, http.Header{"Content-Type": {"text/html"}}, `<p>ok</p>`, "Content-Type"},
		{"ErrMissingRequiredField", "GET", "/api/v1/users/u1", "", "", 200, jsonH, `{"id":"u1"}`, "username"},
		{"OKUser", "GET", "/api/v1/users/u1", "", "", 200, jsonH, user, ""},
		{"ErrEnum", "GET", "/api/v1/users/u1", "", "", 200, jsonH, strings.Replace(user, "officer", "mayor", 1), "mayor"},
		{"ErrBodyOnNoContent", "POST", "/api/v1/auth/logout", "", "", 204, http.Header{"Content-Type": {"application/json"}}, `{}`, "without a body"},
		{"OKNoContent", "POST", "/api/v1/auth/logout", "", "", 204, http.Header{}, ``, ""},
		{"OKOptions", "OPTIONS", "/api/v1/documents", "", "", 204, http.Header{"Allow": {"GET, HEAD, POST, OPTIONS"}}, ``, ""},
		{"ErrOptionsAllow", "OPTIONS", "/api/v1/documents", "", "", 204, http.Header{"Allow": {"GET, OPTIONS"}}, ``, "Allow"},
		{"ErrOptions404", "OPTIONS", "/api/v1/documents", "", "", 404, jsonH, `{"error":{"code":"not_found","message":"Not Found"}}`, "want 204"},
		{"OKOptionsUnknown", "OPTIONS", "/api/v1/khong-co", "", "", 404, jsonH, `{"error":{"code":"not_found","message":"Not Found"}}`, ""},
		{"ErrOptionsCORS", "OPTIONS", "/api/v1/documents", "", "", 204, http.Header{"Allow": {"GET, HEAD, POST, OPTIONS"},
			"Access-Control-Allow-Origin": {"*"}}, ``, "origin"},
		{"OKWrongMethod405", "DELETE", "/api/v1/documents", "", "", 405, http.Header{"Content-Type": {"application/json"},
			"Allow": {"GET, HEAD, POST, OPTIONS"}}, `{"error":{"code":"not_found","message":"x"}}`, ""},
		{"ErrWrongMethod405NoAllow", "DELETE", "/api/v1/documents", "", "", 405, jsonH, `{"error":{"code":"not_found","message":"x"}}`, "Allow"},
		{"ErrWrongMethod404", "DELETE", "/api/v1/documents", "", "", 404, jsonH, `{"error":{"code":"not_found","message":"x"}}`, "want 405"},
		{"OKUnknownRoute404", "GET", "/api/v1/khong-co", "", "", 404, jsonH, `{"error":{"code":"not_found","message":"Not Found"}}`, ""},
		{"ErrUnknownRoute200", "GET", "/api/v1/khong-co", "", "", 200, jsonH, `{}`, "no operation"},
		{"ErrUnknownRouteNotErrorJSON", "GET", "/api/v1/khong-co", "", "", 404, jsonH, `{"message":"Not Found"}`, "Error"},
		{"OKBadRequestRefused", "POST", "/api/v1/auth/login", "application/json", `{"user":"a"}`, 400, jsonH, errBody, ""},
		{"ErrBadRequestAccepted", "POST", "/api/v1/auth/login", "application/json", `{"user":"a"}`, 200, jsonH, `{}`, "request does not match"},
		{"ErrErrorShape", "POST", "/api/v1/auth/login", "application/json", `{"user":"a"}`, 400, jsonH, `{"error":"invalid"}`, "Error"},
		{"ErrCodeForStatus", "GET", "/api/v1/users/u1", "", "", 404, jsonH, `{"error":{"code":"invalid","message":"x"}}`, "allows"},
		{"OKConflictCodes", "POST", "/api/v1/documents/d1/actions/submit", "", "", 409, jsonH, `{"error":{"code":"conflict","message":"phiên bản cũ"}}`, ""},
		{"ErrUnknownRouteCode", "GET", "/api/v1/khong-co", "", "", 404, jsonH, `{"error":{"code":"forbidden","message":"x"}}`, "allows"},
		{"ErrErrorCode", "POST", "/api/v1/auth/login", "application/json", `{}`, 400, jsonH, `{"error":{"code":"oops","message":"x"}}`, "oops"},
		{"OKPDF", "GET", "/api/v1/documents/d1/file", "", "", 200, http.Header{"Content-Type": {"application/pdf"},
			"X-Content-Sha256": {strings.Repeat("ab", 32)}}, "%PDF-1.7\n...", ""},
		{"ErrPDFAsJSON", "GET", "/api/v1/documents/d1/file", "", "", 200, jsonH, `{}`, "Content-Type"},
		{"ErrHeader", "GET", "/api/v1/documents/d1/file", "", "", 200, http.Header{"Content-Type": {"application/pdf"},
			"X-Content-Sha256": {"not-a-hash"}}, "%PDF-1.7\n...", "X-Content-SHA256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			err := spec.Check(context.Background(), Exchange{Request: req, RequestBody: []byte(tc.reqBody),
				Status: tc.status, Header: tc.header, Body: []byte(tc.body)})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("accepted; want an error about %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %v does not mention %q", err, tc.wantErr)
			}
		})
	}
}

// recordingTB records the failures Validating and Transport report.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Error(args ...any)         { r.errs = append(r.errs, fmt.Sprint(args...)) }
func (r *recordingTB) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

// leaky answers /healthz with a field the document does not describe.
var leaky = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"status":"ok","db_password":"x"}`)
})

func TestValidatingFailsTheTest(t *testing.T) {
	rtb := &recordingTB{TB: t}
	rec := httptest.NewRecorder()
	Validating(rtb, leaky).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if len(rtb.errs) != 1 || !strings.Contains(rtb.errs[0], "db_password") {
		t.Fatalf("errors %q", rtb.errs)
	}
	if rec.Body.String() != `{"status":"ok","db_password":"x"}` {
		t.Fatalf("the answer did not pass through: %q", rec.Body.String())
	}
}

func TestTransportFailsTheTest(t *testing.T) {
	srv := httptest.NewServer(leaky)
	defer srv.Close()
	rtb := &recordingTB{TB: t}
	c := &http.Client{Transport: Transport(rtb, nil)}
	_, err := c.Get(srv.URL + "/healthz")
	if err == nil || len(rtb.errs) != 1 || !strings.Contains(rtb.errs[0], "db_password") {
		t.Fatalf("err %v, errors %q", err, rtb.errs)
	}
}
