package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestVerifyMemory: POST /verify and GET /documents/{id}/verification
// read the file into one buffer of its size (io.ReadAll allocated about
// twice the size of a scan, per call).
func TestVerifyMemory(t *testing.T) {
	unsigned := func(context.Context, []byte) (workflow.Verification, error) {
		return workflow.Verification{Verdict: workflow.VerdictUnsigned, Report: []byte(`{"verdict":"unsigned"}`)}, nil
	}
	ctxServe := clerkServer(t, 32<<20, &api.Signing{Verify: unsigned})
	serve := func(method, path string, body []byte, ct string) *httptest.ResponseRecorder {
		return ctxServe(context.Background(), method, path, body, ct)
	}
	var pdf bytes.Buffer
	if _, err := testpdf.WriteLarge(&pdf, 8<<20, "scan"); err != nil {
		t.Fatal(err)
	}
	body, ct := multipartBody(t, incomingMeta(), pdf.Bytes())
	create, _ := body.(*bytes.Buffer)
	rec := serve("POST", "/api/v1/documents", bytes.Clone(create.Bytes()), ct)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	var d api.DocumentJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	id := d.ID
	vbody, vct := multipartBody(t, nil, pdf.Bytes())
	upload := vbody.(*bytes.Buffer).Bytes()
	for _, tc := range []struct {
		name, method, path string
		body               []byte
		ct                 string
	}{
		{"POST /verify", "POST", "/api/v1/verify", upload, vct},
		{"GET /documents/{id}/verification", "GET", "/api/v1/documents/" + id + "/verification", nil, ""},
	} {
		var rec *httptest.ResponseRecorder
		got := testpdf.Allocated(func() { rec = serve(tc.method, tc.path, tc.body, tc.ct) })
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.name, rec.Code, rec.Body.String())
		}
		if limit := uint64(pdf.Len()) * 13 / 10; got > limit {
			t.Errorf("%s of a %d-byte file allocated %d bytes, want at most %d", tc.name, pdf.Len(), got, limit)
		}
	}
}

// TestVerifyWithinBudget: a verification on demand holds its file's size
// of the intake's memory budget; when the budget is spent it waits, and
// answers 503 when its request ends first (it read the file into memory
// whatever other checks held).
func TestVerifyWithinBudget(t *testing.T) {
	ctx := context.Background()
	intake, err := signing.NewIntake(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := func(context.Context, []byte) (workflow.Verification, error) {
		return workflow.Verification{Verdict: workflow.VerdictUnsigned, Report: []byte(`{"verdict":"unsigned"}`)}, nil
	}
	serve := clerkServer(t, 0, &api.Signing{Verify: unsigned, Hold: intake.Hold})
	pdf := testpdf.Make(1, "scan")
	cbody, cct := multipartBody(t, incomingMeta(), pdf)
	rec := serve(ctx, "POST", "/api/v1/documents", cbody.(*bytes.Buffer).Bytes(), cct)
	var d api.DocumentJSON
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &d) != nil {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	vbody, vct := multipartBody(t, nil, pdf)
	upload := vbody.(*bytes.Buffer).Bytes()
	calls := []struct {
		name, method, path string
		body               []byte
		ct                 string
	}{
		{"POST /verify", "POST", "/api/v1/verify", upload, vct},
		{"GET /documents/{id}/verification", "GET", "/api/v1/documents/" + d.ID + "/verification", nil, ""},
	}
	release, err := intake.Hold(ctx, 1<<20) // every byte, as other checks in flight would
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		rec := serve(short, c.method, c.path, c.body, c.ct)
		cancel()
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"unavailable"`) {
			t.Errorf("%s with the budget spent: %d %s, want 503 unavailable", c.name, rec.Code, rec.Body.String())
		}
	}
	release()
	for _, c := range calls {
		if rec := serve(ctx, c.method, c.path, c.body, c.ct); rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body.String())
		}
	}
}

// clerkServer is the API on an in-memory repository with sg's signing
// services and an upload limit (0: the default), and a function that
// sends a request as a signed-in clerk.
func clerkServer(t *testing.T, maxUpload int64, sg *api.Signing) func(ctx context.Context, method, path string, body []byte, ct string) *httptest.ResponseRecorder {
	t.Helper()
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	accounts := &auth.Service{Repo: repo, Cost: bcrypt.MinCost}
	docs := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t),
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
	srv := api.New(&api.Server{Docs: docs, Accounts: accounts, Directory: repo, MaxUpload: maxUpload, Signing: sg}, nil)
	if _, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: "clerk", Password: "password-clerk", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	tok, _, _, err := accounts.Login(ctx, "clerk", "password-clerk")
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, method, path string, body []byte, ct string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
}
