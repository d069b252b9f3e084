package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestHeadVerificationRunsNoCheck: a HEAD of a document's verification
// report reads no content and verifies nothing (before, it read the PDF
// and ran the whole check for a discarded body), and answers with the
// GET's status and Content-Type: from the stored report when there is
// one (its Content-Length too), else from the file's record and a stat
// of its blob (404 for a missing file); 401, 404 and 503 as the GET.
func TestHeadVerificationRunsNoCheck(t *testing.T) {
	f := newArchiveFixture(t, nil)
	wk := &workflowtest.CountingBlobs{Blobs: f.Work}
	f.Work, f.Archive.Work, f.Docs.Blobs = wk, wk, wk
	var checks atomic.Int64
	verify := func(ctx context.Context, pdf []byte) (workflow.Verification, error) {
		checks.Add(1)
		return workflowtest.Signer{}.Verify(ctx, pdf)
	}
	accounts := &auth.Service{Repo: f.DB, Cost: bcrypt.MinCost}
	server := func(sg *api.Signing) http.Handler {
		// Not apitest.Validating: the fake signer's reports are not the
		// schema's.
		return api.New(&api.Server{Docs: f.Docs, Accounts: accounts, Directory: f.DB, Signing: sg}, nil)
	}
	withSigning, without := server(&api.Signing{Verify: verify}), server(nil)

	issued := f.Issued(t, archivetest.Options{})
	completed := f.Completed(t, archivetest.Options{})
	pdf := testpdf.Make(1, "Dự thảo")
	draft, err := f.Docs.Create(context.Background(), f.Users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing,
		Type: "KH", Subject: "Dự thảo kế hoạch", SignerID: f.Users[workflow.RoleOfficer].ID,
		File: &workflow.Upload{Name: "du-thao.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}})
	if err != nil {
		t.Fatal(err)
	}
	secret := f.Completed(t, archivetest.Options{Confidentiality: workflow.Secret})
	lost := f.Completed(t, archivetest.Options{})
	if main, _ := lost.MainFile(); wk.Delete(context.Background(), workflow.BlobKey(main.SHA256)) != nil {
		t.Fatal("cannot delete the blob of the lost file")
	}
	path := func(d *workflow.Document) string { return "/api/v1/documents/" + d.ID + "/verification" }
	cases := []struct {
		name, user, path string
		srv              http.Handler
		status           int
	}{
		{"200/issued", "archivist", path(issued), withSigning, http.StatusOK},
		{"200/completed", "archivist", path(completed), withSigning, http.StatusOK},
		{"200/draft", "handler", path(draft), withSigning, http.StatusOK},
		{"404/confidential", "handler", path(secret), withSigning, http.StatusNotFound},
		{"404/no such document", "archivist", "/api/v1/documents/nope/verification", withSigning, http.StatusNotFound},
		{"404/file missing", "archivist", path(lost), withSigning, http.StatusNotFound},
		{"401/no token", "nobody", path(issued), withSigning, http.StatusUnauthorized},
		{"503/no signing", "archivist", path(issued), without, http.StatusServiceUnavailable},
	}
	do := func(srv http.Handler, user, method, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if tok, ok := f.tokens[user]; ok {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	fresh := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := checks.Load()
			get := do(c.srv, c.user, "GET", c.path)
			if get.Code != c.status {
				t.Fatalf("GET: %d %s, want %d", get.Code, get.Body, c.status)
			}
			stored := checks.Load() == n // the GET answered the stored report
			if !stored {
				fresh++
			}
			gets, ranges, n := wk.Gets.Load(), wk.Ranges.Load(), checks.Load()
			head := do(c.srv, c.user, "HEAD", c.path)
			if got := checks.Load() - n; got != 0 {
				t.Errorf("HEAD verified the PDF %d times", got)
			}
			if got := wk.Gets.Load() - gets + wk.Ranges.Load() - ranges; got != 0 {
				t.Errorf("HEAD read content %d times", got)
			}
			if head.Code != get.Code || head.Body.Len() != 0 {
				t.Errorf("HEAD: %d with %d bytes of body, want %d and none", head.Code, head.Body.Len(), get.Code)
			}
			if h, g := head.Header().Get("Content-Type"), get.Header().Get("Content-Type"); h != g {
				t.Errorf("HEAD's Content-Type %q, GET's %q", h, g)
			}
			if h, g := head.Header().Get("Content-Length"), get.Header().Get("Content-Length"); get.Code == http.StatusOK && stored && h != g {
				t.Errorf("HEAD of a stored report: Content-Length %q, GET's %q", h, g)
			}
		})
	}
	if fresh == 0 {
		t.Error("no GET verified a PDF: the fixture changed, nothing shows a HEAD skips the check")
	}
}
