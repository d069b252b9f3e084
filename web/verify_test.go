package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

type fakeReform struct{ counts workflow.ReformCounts }

func (f fakeReform) ReformReport(_ context.Context, actor *workflow.User, from, to time.Time) (*workflow.ReformReport, error) {
	if !actor.HasAny(workflow.ReformRoles) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "no")
	}
	return &workflow.ReformReport{From: from, To: to, Counts: f.counts, Figures: workflow.ReformFigures(f.counts)}, nil
}

// withPages serves e's interface again with the verification and report
// services configured.
func withPages(t *testing.T, e *testEnv) {
	t.Helper()
	e.remount(t, Config{Codes: e.docs, Reform: fakeReform{workflow.ReformCounts{Issued: 4, IssuedTwoLayers: 3, Archived: 10, ArchiveUsed: 6}},
		Verify: func(_ context.Context, pdf []byte) (workflow.Verification, error) {
			if strings.Contains(string(pdf), "signed") {
				return workflow.Verification{Verdict: workflow.VerdictValid, Reasons: []string{validReasonEN}}, nil
			}
			return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
		}})
}

func TestPublicVerifyPages(t *testing.T) {
	e := newTestEnv(t)
	withPages(t, e)
	issued := e.now
	for _, d := range []*workflow.Document{
		{ID: "d1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định công khai", Confidentiality: workflow.Public, State: workflow.Issued,
			Number: 15, Notation: "15/QĐ-UBND", IssuedAt: &issued, VerifyCode: "ABCDE23FGH",
			Files: []workflow.File{{SHA256: strings.Repeat("ab", 32), Kind: workflow.FileSigned}}},
		{ID: "d2", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định mật", Confidentiality: workflow.Secret, State: workflow.Issued,
			Number: 1, Notation: "1/QĐ-UBND", IssuedAt: &issued, VerifyCode: "SECRET2345"},
		{ID: "d3", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định mật đã thu hồi", Confidentiality: workflow.Secret, State: workflow.Revoked,
			Number: 2, Notation: "2/QĐ-UBND", IssuedAt: &issued, VerifyCode: "REVOKED234", RevokeState: workflow.RevokeAccepted},
	} {
		if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client() // no login
	p := c.get("/verify")
	if p.Status != 200 || !strings.Contains(p.Body, `name="file"`) {
		t.Fatalf("GET /verify: %d\n%s", p.Status, p.Body)
	}
	p = c.postMultipart("/verify", nil, map[string][]byte{"file": []byte("%PDF-1.7 signed")})
	if p.Status != 200 || !strings.Contains(p.Body, "hợp lệ") {
		t.Fatalf("POST /verify signed: %d\n%s", p.Status, p.Body)
	}
	// The verifier's reasons, in Vietnamese and Vietnam time, as on the
	// document page (they were shown as the verifier wrote them).
	if !strings.Contains(p.Body, validReasonVI) || strings.Contains(p.Body, "judged at") {
		t.Fatalf("POST /verify: the reasons are not in Vietnamese:\n%s", p.Body)
	}
	p = c.postMultipart("/verify", nil, map[string][]byte{"file": []byte("%PDF-1.7 plain")})
	if !strings.Contains(p.Body, "không có chữ ký") {
		t.Fatalf("POST /verify unsigned:\n%s", p.Body)
	}
	if p := c.postMultipart("/verify", map[string][]string{"csrf_token": {"forged"}}, map[string][]byte{"file": []byte("x")}); p.Status != http.StatusForbidden {
		t.Fatalf("POST /verify without the token: %d", p.Status)
	}
	p = c.get("/verify/abcde-23fgh")
	if p.Status != 200 || !strings.Contains(p.Body, "15/QĐ-UBND") || !strings.Contains(p.Body, strings.Repeat("ab", 32)) || !strings.Contains(p.Body, "UBND quận Bình Thủy") {
		t.Fatalf("GET /verify/code: %d\n%s", p.Status, p.Body)
	}
	p = c.get("/verify/SECRET2345")
	if p.Status != 200 || strings.Contains(p.Body, "Quyết định mật") || strings.Contains(p.Body, "1/QĐ-UBND") || !strings.Contains(p.Body, "văn bản mật") {
		t.Fatalf("secret document page leaks or fails: %d\n%s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, "thu hồi") {
		t.Fatalf("secret document not revoked said revoked:\n%s", p.Body)
	}
	// A revoked classified document says so (it said "valid" and nothing
	// more), and still nothing of its content.
	p = c.get("/verify/REVOKED234")
	if p.Status != 200 || !strings.Contains(p.Body, "văn bản đã bị thu hồi") || strings.Contains(p.Body, "Quyết định mật") || strings.Contains(p.Body, "2/QĐ-UBND") {
		t.Fatalf("revoked secret document: %d\n%s", p.Status, p.Body)
	}
	if p := c.get("/verify/ZZZZZZZZZZ"); p.Status != http.StatusNotFound {
		t.Fatalf("unknown code: %d", p.Status)
	}
	// The rate limit answers 429 after 20 checks a minute from one address
	// (a minute of the UI's clock).
	// Its page speaks of checks, not of wrong passwords.
	limited := false
	for range 25 {
		if p := c.get("/verify/ABCDE23FGH"); p.Status == http.StatusTooManyRequests {
			limited = true
			if !strings.Contains(p.Body, "kiểm tra quá nhiều văn bản") || strings.Contains(p.Body, "đăng nhập sai") {
				t.Errorf("the rate limit's page does not say what was limited:\n%s", p.Body)
			}
			break
		}
	}
	if !limited {
		t.Fatal("no rate limit on code lookups")
	}
}

func TestReformPage(t *testing.T) {
	e := newTestEnv(t)
	withPages(t, e)
	c := e.login("vanthu")
	p := c.get("/reports/reform?from=01/01/2026&to=25/11/2026")
	if p.Status != 200 || !strings.Contains(p.Body, "<svg") || !strings.Contains(p.Body, "75,0%") || !strings.Contains(p.Body, "60,0%") ||
		!strings.Contains(p.Body, "50%") || !strings.Contains(p.Body, "Đạt") || !strings.Contains(p.Body, `value="25/11/2026"`) ||
		!strings.Contains(p.Body, "from=2026-01-01&amp;to=2026-11-25") {
		t.Fatalf("reform page: %d\n%s", p.Status, p.Body)
	}
	if p := e.login("chuyenvien").get("/reports/reform"); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("handler sees the reform report: %d", p.Status)
	}
}

// TestSignatureReportMemory: the document page of an incoming document
// not yet registered verifies its file on every view; the file is read
// into one slice of its size (io.ReadAll allocated about twice the size
// of the file, per view).
func TestSignatureReportMemory(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Verify: func(context.Context, []byte) (workflow.Verification, error) {
		return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
	}})
	const size = 8 << 20
	var pdf bytes.Buffer
	if _, err := testpdf.WriteLarge(&pdf, size, "scan"); err != nil {
		t.Fatal(err)
	}
	c := e.login("vanthu")
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Văn bản quét"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:scan.pdf": pdf.Bytes()}))
	var p page
	got := testpdf.Allocated(func() { p = c.get("/documents/" + id) })
	if p.Status != 200 || !strings.Contains(p.Body, `id="h-sig"`) {
		t.Fatalf("document page: %d\n%.300s", p.Status, p.Body)
	}
	if limit := uint64(pdf.Len()) * 13 / 10; got > limit {
		t.Errorf("one view of a %d-byte file allocated %d bytes, want at most %d", pdf.Len(), got, limit)
	}
}

func TestReadSized(t *testing.T) {
	data := []byte("%PDF-1.7 file")
	for _, tc := range []struct {
		name        string
		size, limit int64
		want        string
		code        string
	}{
		{"OK", int64(len(data)), 100, string(data), ""},
		{"size unknown", 0, 100, string(data), ""},
		{"ETOOLARGE", int64(len(data)), 5, "", workflow.ETOOLARGE},
		{"ETOOLARGE/size unknown", 0, 5, "", workflow.ETOOLARGE},
		{"short", int64(len(data)) + 1, 100, "", workflow.EINTERNAL},
		{"longer", int64(len(data)) - 1, 100, "", workflow.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := readSized(bytes.NewReader(data), tc.size, tc.limit)
			if tc.code != "" {
				if err == nil || workflow.ErrorCode(err) != tc.code {
					t.Fatalf("err %v (%s), want %s", err, workflow.ErrorCode(err), tc.code)
				}
				return
			}
			if err != nil || string(b) != tc.want || (tc.size > 0 && cap(b) != len(b)) {
				t.Fatalf("got %q (cap %d), %v", b, cap(b), err)
			}
		})
	}
}

// TestVerifyWithinBudget: the public verify page and the signature check
// of the document page hold the file's size of the intake's memory
// budget while they verify: with the budget spent they wait (and end
// with their request) instead of reading one more file into memory.
func TestVerifyWithinBudget(t *testing.T) {
	e := newTestEnv(t)
	intake, err := signing.NewIntake(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	var verified atomic.Int32
	e.remount(t, Config{Hold: intake.Hold,
		Verify: func(context.Context, []byte) (workflow.Verification, error) {
			verified.Add(1)
			return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
		}})
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Văn bản quét", nil)
	public := e.client()
	public.get("/verify")
	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	mw.WriteField("csrf_token", public.csrf)
	fw, _ := mw.CreateFormFile("file", "scan.pdf")
	fw.Write(testpdf.Make(1, "scan"))
	mw.Close()
	visits := []struct {
		name string
		c    *client
		req  func(ctx context.Context) *http.Request
	}{
		{"document page", clerk, func(ctx context.Context) *http.Request {
			r, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/documents/"+id, nil)
			return r
		}},
		{"verify page", public, func(ctx context.Context) *http.Request {
			r, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/verify", bytes.NewReader(upload.Bytes()))
			r.Header.Set("Content-Type", mw.FormDataContentType())
			return r
		}},
	}
	release, err := intake.Hold(t.Context(), 1<<20) // every byte, as other checks in flight would
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range visits {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		resp, err := v.c.hc.Do(v.req(ctx))
		if err == nil {
			t.Errorf("%s with the budget spent: %d before the request ended, want it to wait", v.name, resp.StatusCode)
			resp.Body.Close()
		}
		cancel()
		if n := verified.Load(); n != 0 {
			t.Errorf("%s with the budget spent: %d verifications, want none until it is free", v.name, n)
		}
	}
	release() // (a request given up above may still take its turn now: its server has not seen it end)
	for _, v := range visits {
		before := verified.Load()
		if p := v.c.do(v.req(t.Context())); p.Status != 200 || verified.Load() == before {
			t.Errorf("%s: %d, %d verifications, want one more than %d", v.name, p.Status, verified.Load(), before)
		}
	}
}

// TestSignatureReportStoredLarge: a stored file larger than the upload
// limit (a signed revision of a draft near it) is read whole for the
// document page's check: not refused as too large, nor cut.
func TestSignatureReportStoredLarge(t *testing.T) {
	e := newTestEnv(t)
	var got int
	ui, err := New(Config{Docs: e.docs, Accounts: e.auth, Directory: e.repo, Agency: e.docs.Agency, Now: func() time.Time { return e.now },
		MaxUpload: 1 << 20,
		Verify: func(_ context.Context, pdf []byte) (workflow.Verification, error) {
			got = len(pdf)
			return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	if _, err := testpdf.WriteLarge(&pdf, 2<<20, "scan"); err != nil {
		t.Fatal(err)
	}
	c := e.login("vanthu")
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Văn bản quét"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:scan.pdf": pdf.Bytes()}))
	e.srv.Close() // the same documents, served with a lower upload limit
	e.srv = httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(e.srv.Close)
	c = e.login("vanthu")
	if p := c.get("/documents/" + id); p.Status != 200 || got != pdf.Len() {
		t.Fatalf("document page: %d, verified %d bytes of %d", p.Status, got, pdf.Len())
	}
}
