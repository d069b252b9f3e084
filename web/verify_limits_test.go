package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestPublicVerifyReadsLittle: the public verification pages read no
// more of an upload than they check. A form of eight files (each
// within the upload limit) is refused 413 unread, where it was read and
// spooled whole (eight files' worth) and its first file checked; past the
// rate limit a check is answered 429 before its upload is read, where it
// was read whole first.
func TestPublicVerifyReadsLittle(t *testing.T) {
	e := newTestEnv(t)
	const max = 256 << 10
	ui := e.remount(t, Config{Codes: e.docs, MaxUpload: max,
		Verify: func(context.Context, []byte) (workflow.Verification, error) {
			return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
		}})
	h := Mount(http.NotFoundHandler(), ui)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/verify", nil))
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no token on /verify:\n%s", rec.Body)
	}
	cookies := rec.Result().Cookies()
	post := func(path string, files int) (int, int, int) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField(csrfField, m[1])
		for range files {
			w, _ := mw.CreateFormFile("file", "a.pdf")
			w.Write(append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), max-100)...))
		}
		mw.Close()
		var read atomic.Int64
		req := httptest.NewRequest("POST", path, nil)
		req.Body, req.ContentLength = countingBody{io.NopCloser(bytes.NewReader(buf.Bytes())), &read}, int64(buf.Len())
		req.Header.Set("Content-Type", mw.FormDataContentType())
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, int(read.Load()), buf.Len()
	}
	if code, _, _ := post("/verify", 1); code != http.StatusOK {
		t.Fatalf("one file: %d", code)
	}
	if code, read, size := post("/verify", 8); code != http.StatusRequestEntityTooLarge || read > 64<<10 {
		t.Fatalf("eight files: %d, %d of %d bytes read; want 413 with little read", code, read, size)
	}
	limited := false
	for range 25 {
		code, read, size := post("/verify", 1)
		if code == http.StatusTooManyRequests {
			if limited = true; read > 0 {
				t.Fatalf("past the rate limit: %d of %d bytes read", read, size)
			}
			break
		}
	}
	if !limited {
		t.Fatal("no rate limit")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/verify/ABCDE23FGH", nil))
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "kiểm tra quá nhiều văn bản") {
		t.Fatalf("a code past the rate limit: %d", rec.Code)
	}
}
