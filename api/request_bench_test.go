package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// benchDocs answers every call at once with one document: what the
// benchmarks below measure is the HTTP layer's own work.
type benchDocs struct {
	api.Documents
	doc   workflow.Document
	list  []*workflow.Document
	avail *workflow.Service // whose Available answers; nil: everything is
}

func (d *benchDocs) List(context.Context, *workflow.User, workflow.DocumentFilter) ([]*workflow.Document, string, error) {
	return d.list, "", nil
}

func (d *benchDocs) Available(doc *workflow.Document, a workflow.Action) error {
	if d.avail == nil {
		return nil
	}
	return d.avail.Available(doc, a)
}

// nopOutbox is an exchange that queues nothing.
type nopOutbox struct{ workflow.Outbox }

func (d *benchDocs) Apply(_ context.Context, _ *workflow.User, _ string, a workflow.Action, _ workflow.ActionInput) (*workflow.Document, error) {
	cp := d.doc
	return &cp, nil
}

func (d *benchDocs) CreateOnce(_ context.Context, _ *workflow.User, in workflow.CreateInput) (*workflow.Document, bool, error) {
	buf := make([]byte, 512)
	if _, err := in.File.Content.ReadAt(buf, 0); err != nil && err != io.EOF {
		return nil, false, err
	}
	cp := d.doc
	return &cp, true, nil
}

type benchAccounts struct {
	api.Accounts
	user workflow.User
}

func (a *benchAccounts) Authenticate(context.Context, string) (*workflow.User, error) {
	cp := a.user
	return &cp, nil
}

var _ = auth.NewUser{}

func newBenchServer() *api.Server {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	doc := workflow.Document{ID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Direction: workflow.Outgoing, Type: "QD",
		Subject: "Quyết định về việc phê duyệt kế hoạch năm 2027 của phường", Urgency: "thuong", Confidentiality: "thuong",
		State: workflow.Approved, Version: 3, SignerID: "0193a1b2-0000-7000-8000-000000000001", DraftingUnit: "VP",
		Recipients: []workflow.Org{{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy"}},
		CreatedBy:  "0193a1b2-0000-7000-8000-000000000002", CreatedAt: now, UpdatedAt: now}
	return api.New(&api.Server{Docs: &benchDocs{doc: doc},
		Accounts: &benchAccounts{user: workflow.User{ID: "u1", Username: "handler", Roles: []workflow.Role{workflow.RoleHandler, workflow.RoleOfficer, workflow.RoleClerk}}}}, nil)
}

// BenchmarkActionRequest is one POST /documents/{id}/actions/{action}
// with the load tool's body, through the API's middleware and handler.
func BenchmarkActionRequest(b *testing.B) {
	srv := newBenchServer()
	body := []byte(`{"version":3}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/documents/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/actions/approve", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkListRequest is one GET /documents answering a page of 50
// documents (the default limit) across the outgoing and incoming states,
// for a user with every role, on a server with a signer and the exchange
// and on one with neither (whose actions needing them are not allowed).
func BenchmarkListRequest(b *testing.B) {
	for _, c := range []struct {
		name string
		svc  *workflow.Service
	}{{"configured", &workflow.Service{Signer: workflowtest.Signer{}, Outbox: nopOutbox{}}}, {"bare", &workflow.Service{}}} {
		b.Run(c.name, func(b *testing.B) {
			srv := newBenchServer()
			bd := srv.Docs.(*benchDocs)
			bd.avail = c.svc
			for i := range 50 {
				d := bd.doc
				dir := []workflow.Direction{workflow.Outgoing, workflow.Incoming}[i%2]
				m := workflow.Machine(dir)
				d.Direction, d.State, d.AssigneeID, d.SignerID = dir, m[(i/2)%len(m)].From, "u1", "u1"
				bd.list = append(bd.list, &d)
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/documents", nil)
				req.Header.Set("Authorization", "Bearer tok")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkCreateRequest is one POST /documents with a PDF of the load
// tool's size (1 KB), of a scanned page (80 KB) and near the in-memory
// limit (900 KB).
func BenchmarkCreateRequest(b *testing.B) {
	for _, size := range []int{1 << 10, 80 << 10, 900 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) { benchCreate(b, size) })
	}
}

func benchCreate(b *testing.B, size int) {
	srv := newBenchServer()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("meta", `{"direction":"outgoing","type":"QD","subject":"Quyết định","signer_id":"s1"}`)
	fw, _ := w.CreateFormFile("file", "vanban.pdf")
	pdf := testpdf.Make(1, "benchmark")
	for len(pdf) < size {
		pdf = append(pdf, "\n% padding padding padding padding padding padding padding padding\n"...)
	}
	fw.Write(pdf[:max(size, 600)])
	w.Close()
	body, ct := buf.Bytes(), w.FormDataContentType()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/documents", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer tok")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// TestPrettyQuery: ?pretty (alone or among other parameters) answers
// indented JSON, any other query or none the compact form.
func TestPrettyQuery(t *testing.T) {
	srv := newBenchServer()
	for _, tt := range []struct {
		query  string
		pretty bool
	}{{"", false}, {"?pretty", true}, {"?x=1&pretty=1", true}, {"?x=1", false}, {"?prettyx", false}} {
		t.Run(tt.query, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/documents/d1/actions/approve"+tt.query, bytes.NewReader([]byte(`{"version":3}`)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer tok")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := bytes.Contains(rec.Body.Bytes(), []byte("\n  ")); got != tt.pretty {
				t.Errorf("indented = %v, want %v: %.80s", got, tt.pretty, rec.Body)
			}
		})
	}
}
