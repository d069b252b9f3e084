package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// lostBlobs is a store that has lost every object (code ENOTFOUND) or is
// down (EUNAVAILABLE).
type lostBlobs struct {
	workflow.Blobs
	code string
}

func (b lostBlobs) Get(context.Context, string) (io.ReadCloser, workflow.ObjectInfo, error) {
	return nil, workflow.ObjectInfo{}, workflow.Errorf(b.code, "object gone")
}

func (b lostBlobs) Stat(context.Context, string) (workflow.ObjectInfo, error) {
	return workflow.ObjectInfo{}, workflow.Errorf(b.code, "object gone")
}

// TestDocumentPageWithoutItsFile: when the store cannot give a document's
// file (the object lost, the store down), the document's page still
// shows the document — its information, history and buttons — and says
// the file cannot be read now; the file itself answers that the store is
// unavailable. Both answered "Không tìm thấy: Trang hoặc văn bản này
// không tồn tại, hoặc bạn không có quyền xem" (found by the second walk,
// the objects folder taken away), as if the document were gone. A
// document the user may not see stays not found.
func TestDocumentPageWithoutItsFile(t *testing.T) {
	for _, code := range []string{workflow.ENOTFOUND, workflow.EUNAVAILABLE} {
		t.Run(code, func(t *testing.T) {
			e := newTestEnv(t)
			e.remount(t, Config{Verify: func(context.Context, []byte) (workflow.Verification, error) {
				return workflow.Verification{Verdict: workflow.VerdictUnsigned}, nil
			}})
			clerk := e.login("vanthu")
			id := e.newIncoming(clerk, "Công văn có tệp bị mất", nil)
			e.docs.Blobs = lostBlobs{e.docs.Blobs, code}
			e.docs.Signer = invalidSigner{} // register verifies the file: it reads it
			p := clerk.get("/documents/" + id)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, "Công văn có tệp bị mất") || !strings.Contains(p.Body, "Không đọc được tệp văn bản trong kho lưu trữ") ||
				!strings.Contains(p.Body, `value="register"`) {
				t.Errorf("document page: %d\n%s", p.Status, p.Body)
			}
			for _, path := range []string{"/file", "/read"} {
				p := clerk.get("/documents/" + id + path)
				if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Dịch vụ tạm thời gián đoạn") {
					t.Errorf("%s: %d\n%s", path, p.Status, p.Body)
				}
			}
			// Registering reads the file: refused on the document's page,
			// saying why, the document unchanged.
			p = act(t, clerk, id, workflow.Register, nil)
			if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Công văn có tệp bị mất") ||
				!strings.Contains(p.Body, map[string]string{workflow.ENOTFOUND: "Không đọc được tệp văn bản trong kho lưu trữ lúc này nên chưa thực hiện được thao tác",
					workflow.EUNAVAILABLE: "kho lưu trữ, liên thông) chưa được cấu hình hoặc đang gián đoạn"}[code]) {
				t.Errorf("register: %d\n%s", p.Status, p.Body)
			}
			if d, err := e.docs.Get(t.Context(), e.users["vanthu"], id); err != nil || d.State != workflow.Received {
				t.Errorf("after the refused register: %v %v", d.State, err)
			}
			if p := clerk.get("/documents/khong-co/file"); p.Status != http.StatusNotFound {
				t.Errorf("the file of no document: %d", p.Status)
			}
		})
	}
}

// brokenPut is a store whose writes fail with no code of their own (a
// folder taken away, a disk error): the server's fault, 500.
type brokenPut struct{ workflow.Blobs }

func (brokenPut) Put(context.Context, string, io.Reader, int64, string, workflow.PutOptions) (workflow.ObjectInfo, error) {
	return workflow.ObjectInfo{}, errors.New("mkdir objects/ab: no such file or directory")
}

// TestCreateFormKeptOnServerFailure: a new document the server fails to
// store (its store broken) comes back as the form with what was typed and
// why, asking for the file again — it was the bare error page ("Lỗi hệ
// thống"), the subject, number and sender typed lost (found by the second
// walk, the objects folder taken away).
func TestCreateFormKeptOnServerFailure(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	clerk.get("/incoming/new")
	e.docs.Blobs = brokenPut{e.docs.Blobs}
	form := url.Values{"type": {"CV"}, "subject": {"Về việc tổng kết năm 2026"}, "original_number": {"88/UBND-VP"},
		"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	p := clerk.postMultipart("/incoming/new", form, map[string][]byte{"file:congvan.pdf": fakePDF})
	if p.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", p.Status)
	}
	for _, want := range []string{"Về việc tổng kết năm 2026", `value="88/UBND-VP"`, `value="UBND thành phố Cần Thơ"`, "hãy chọn lại tệp", `name="idempotency_key"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the form lacks %q:\n%s", want, p.Body)
		}
	}
	if strings.Contains(p.Body, "no such file") {
		t.Error("the page shows the server's error text")
	}
}
