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
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// fuzzAccounts authenticates the fixed tokens "clerk", "handler",
// "officer", "archivist", "both" (clerk and handler) without bcrypt.
type fuzzAccounts struct{ users map[string]*workflow.User }

func (a fuzzAccounts) LoginFrom(context.Context, string, string, string) (string, *workflow.Session, *workflow.User, error) {
	return "", nil, nil, workflow.Errorf(workflow.EUNAUTHORIZED, "no")
}

func (a fuzzAccounts) Authenticate(_ context.Context, token string) (*workflow.User, error) {
	if u := a.users[token]; u != nil {
		return u, nil
	}
	return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "invalid token")
}
func (a fuzzAccounts) Logout(context.Context, string) error { return nil }
func (a fuzzAccounts) ChangePasswordFrom(context.Context, string, *workflow.User, string, string, string) (*workflow.User, error) {
	return nil, workflow.Errorf(workflow.EFORBIDDEN, "no")
}
func (a fuzzAccounts) CreateUserInitial(context.Context, *workflow.User, auth.NewUser) (*workflow.User, string, error) {
	return nil, "", workflow.Errorf(workflow.EFORBIDDEN, "no")
}
func (a fuzzAccounts) UpdateUser(context.Context, *workflow.User, string, func(*workflow.User) error) (*workflow.User, error) {
	return nil, workflow.Errorf(workflow.EFORBIDDEN, "no")
}

var fuzzRoles = []string{"clerk", "handler", "officer", "archivist", "both"}

// uploadEnv is the API over an in-memory repository and object store,
// with a PDF check that only looks at the header (the PDF parser has fuzz
// targets of its own). reset gives it an empty repository and store.
type uploadEnv struct {
	srv  *api.Server
	docs *swapDocs
	dir  *swapDir
}

type swapDocs struct{ *workflow.Service }
type swapDir struct{ *workflowtest.Repository }

func newUploadServer(tb testing.TB) *uploadEnv {
	tb.Helper()
	e := &uploadEnv{docs: &swapDocs{}, dir: &swapDir{}}
	e.reset(tb)
	users := map[string]*workflow.User{}
	for _, name := range fuzzRoles {
		u, err := e.dir.UserByUsername(context.Background(), name)
		if err != nil {
			tb.Fatal(err)
		}
		users[name] = u
	}
	e.srv = api.New(&api.Server{Docs: e.docs, Accounts: fuzzAccounts{users}, Directory: e.dir, MaxUpload: 64 << 10}, nil)
	return e
}

func (e *uploadEnv) reset(tb testing.TB) {
	repo := workflowtest.NewRepository()
	roles := map[string][]workflow.Role{"clerk": {workflow.RoleClerk}, "handler": {workflow.RoleHandler}, "officer": {workflow.RoleOfficer},
		"archivist": {workflow.RoleArchivist}, "both": {workflow.RoleClerk, workflow.RoleHandler}}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		for _, name := range fuzzRoles {
			if err := tx.CreateUser(ctx, &workflow.User{ID: "u-" + name, Username: name, Roles: roles[name], CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	e.dir.Repository = repo
	e.docs.Service = &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(tb), Now: func() time.Time { return now },
		Inspector: workflow.PDFInspectorFunc(func(_ context.Context, r io.ReaderAt, n int64) error {
			head := make([]byte, 5)
			if _, err := r.ReadAt(head, 0); err != nil || string(head) != "%PDF-" {
				return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF file")
			}
			return nil
		}),
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
}

// FuzzUpload sends arbitrary multipart bodies, boundaries and meta JSON
// to POST /api/v1/documents as users of every role. Whatever arrives,
// the answer is 201 or a 4xx with the JSON error body: never a panic,
// never a 500.
func FuzzUpload(f *testing.F) {
	for _, s := range uploadSeeds() {
		f.Add(s.contentType, s.body, s.role)
	}
	env := newUploadServer(f)
	f.Fuzz(func(t *testing.T, contentType string, body []byte, role uint8) {
		env.reset(t) // empty repository and store: every input is reproducible alone, memory stays flat
		token := fuzzRoles[int(role)%len(fuzzRoles)]
		req := httptest.NewRequest(http.MethodPost, "/api/v1/documents", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		env.srv.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusCreated:
			var d struct{ ID, State string }
			if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || d.ID == "" {
				t.Fatalf("201 without a document: %s", rec.Body)
			}
		case rec.Code >= 400 && rec.Code < 500:
			var e api.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Code == workflow.EINTERNAL {
				t.Fatalf("%d without a JSON error: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d (%s) for Content-Type %q, %d-byte body as %s", rec.Code, rec.Body, contentType, len(body), token)
		}
	})
}

type uploadSeed struct {
	name, contentType string
	body              []byte
	role              uint8
}

// part is one part of a seed body.
type part struct {
	name, filename, contentType string
	data                        []byte
}

func seedBody(boundary string, parts ...part) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(boundary); err != nil {
		panic(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, _ := w.CreatePart(h)
		pw.Write(p.data)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// uploadSeeds are the seed inputs: valid uploads of both directions and
// the ways a client gets a multipart body wrong.
func uploadSeeds() []uploadSeed {
	pdf := testpdf.Make(1, "Quyết định")
	pdf2 := testpdf.Make(2, "Phụ lục")
	incoming := `{"direction":"incoming","type":"CV","subject":"Về việc kiểm tra","sender":{"org_id":"000.00.31.H13","name":"Sở Nội vụ"},"original_number":"12/SNV-VP","original_date":"2026-11-20","due_date":"2026-12-01"}`
	outgoing := `{"direction":"outgoing","type":"QĐ","subject":"Quyết định khen thưởng","signer_id":"u-officer","recipients":[{"org_id":"000.00.31.H13","name":"Sở Nội vụ"}],"confidentiality":"confidential","urgency":"urgent","retention":"permanent"}`
	meta := func(s string) part { return part{name: "meta", data: []byte(s)} }
	file := func(b []byte) part {
		return part{name: "file", filename: "vanban.pdf", contentType: "application/pdf", data: b}
	}
	att := part{name: "attachment", filename: "phuluc.pdf", contentType: "application/pdf", data: pdf2}
	var seeds []uploadSeed
	add := func(name string, role uint8, boundary string, parts ...part) {
		ct, body := seedBody(boundary, parts...)
		seeds = append(seeds, uploadSeed{name, ct, body, role})
	}
	const clerk, handler, officer, archivist, both = 0, 1, 2, 3, 4
	add("incoming", clerk, "seedboundary1", meta(incoming), file(pdf))
	add("incoming-attachments", clerk, "seedboundary2", meta(incoming), file(pdf), att, att)
	add("outgoing", handler, "seedboundary3", meta(outgoing), file(pdf))
	add("outgoing-by-clerk", clerk, "seedboundary4", meta(outgoing), file(pdf))
	add("incoming-by-both", both, "seedboundary5", meta(incoming), file(pdf), att)
	add("archivist", archivist, "seedboundary6", meta(incoming), file(pdf))
	add("officer", officer, "seedboundary7", meta(outgoing), file(pdf))
	add("file-before-meta", clerk, "seedboundary8", file(pdf), meta(incoming))
	add("meta-twice", clerk, "seedboundary9", meta(incoming), meta(outgoing), file(pdf))
	add("file-twice", clerk, "seedboundary10", meta(incoming), file(pdf), file(pdf))
	add("no-file", clerk, "seedboundary11", meta(incoming))
	add("no-meta", clerk, "seedboundary12")
	add("empty-file", clerk, "seedboundary13", meta(incoming), file(nil))
	add("not-pdf", clerk, "seedboundary14", meta(incoming), file([]byte("\x89PNG\r\n\x1a\n")))
	add("unknown-part", clerk, "seedboundary15", meta(incoming), part{name: "extra", data: []byte("x")}, file(pdf))
	add("meta-not-json", clerk, "seedboundary16", meta(`{"direction":`), file(pdf))
	add("meta-unknown-field", clerk, "seedboundary17", meta(`{"direction":"incoming","evil":1}`), file(pdf))
	add("meta-bad-date", clerk, "seedboundary18", meta(strings.Replace(incoming, "2026-11-20", "20/11/2026", 1)), file(pdf))
	add("meta-bad-direction", both, "seedboundary19", meta(`{"direction":"sideways"}`), file(pdf))
	add("meta-bad-layout", handler, "seedboundary20", meta(strings.Replace(outgoing, `"retention"`, `"layout":{"signature":{"page":-1,"x":1e308,"y":-1e308,"w":0,"h":0}},"retention"`, 1)), file(pdf))
	add("meta-huge-numbers", clerk, "seedboundary21", meta(`{"direction":"incoming","type":"CV","subject":"`+strings.Repeat("ệ", 600)+`","sender":{"name":"x"},"original_number":"1","original_date":"9999-12-31"}`), file(pdf))
	add("file-too-large", clerk, "seedboundary22", meta(incoming), file(append(append([]byte{}, pdf...), bytes.Repeat([]byte{0}, 70<<10)...)))
	add("weird-names", clerk, "b", meta(incoming), part{name: "file", filename: "../../etc/passwd\x00.pdf", contentType: "text/plain", data: pdf})
	ct, body := seedBody("seedboundary23", meta(incoming), file(pdf))
	seeds = append(seeds,
		uploadSeed{"truncated", ct, body[:len(body)/2], clerk},
		uploadSeed{"wrong-boundary", "multipart/form-data; boundary=other", body, clerk},
		uploadSeed{"no-boundary", "multipart/form-data", body, clerk},
		uploadSeed{"not-multipart", "application/json", []byte(incoming), clerk},
		uploadSeed{"mixed", "multipart/mixed; boundary=seedboundary23", body, clerk},
		uploadSeed{"crlf-less", ct, bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), clerk},
		uploadSeed{"empty", ct, nil, clerk},
		uploadSeed{"long-boundary", "multipart/form-data; boundary=" + strings.Repeat("z", 70), bytes.ReplaceAll(body, []byte("seedboundary23"), []byte(strings.Repeat("z", 70))), clerk},
	)
	return seeds
}

// TestWriteUploadSeeds writes the seeds as the committed corpus
// testdata/fuzz/FuzzUpload (run with VANTHU_WRITE_FUZZ_SEEDS=1 after
// changing uploadSeeds); without the variable it checks that every seed
// is in the committed corpus (testpdf stamps its PDFs with the time, so
// the bytes differ from run to run).
func TestWriteUploadSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzUpload")
	write := os.Getenv("VANTHU_WRITE_FUZZ_SEEDS") != ""
	if write {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range uploadSeeds() {
		data := fmt.Sprintf("go test fuzz v1\nstring(%q)\n[]byte(%q)\nuint8(%d)\n", s.contentType, s.body, s.role)
		path := filepath.Join(dir, "seed-"+s.name)
		if write {
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s is missing (%v): run VANTHU_WRITE_FUZZ_SEEDS=1 go test -run TestWriteUploadSeeds ./api", path, err)
		}
	}
}
