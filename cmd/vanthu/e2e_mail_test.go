package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// mailpitMessages waits up to 10 s for a message to address in Mailpit
// (scripts/setup/mail.sh) and returns the subjects and texts of those it
// holds for it.
func mailpitMessages(t *testing.T, api, address string) (subjects, texts []string) {
	t.Helper()
	get := func(path string, v any) {
		res, err := http.Get(api + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var list struct {
			Messages []struct {
				ID, Subject string
				To          []struct{ Address string }
			}
		}
		get("/api/v1/messages?limit=1000", &list)
		for _, m := range list.Messages {
			if len(m.To) == 1 && m.To[0].Address == address {
				var full struct{ Text string }
				get("/api/v1/message/"+m.ID, &full)
				subjects, texts = append(subjects, m.Subject), append(texts, full.Text)
			}
		}
		if len(subjects) > 0 || time.Now().After(deadline) {
			return subjects, texts
		}
	}
}

// TestIntegrationMailServe: serve with VANTHU_SMTP_URL sends the signer
// of a submitted draft, the clerk the signed document that waits for its
// number, and the handler an incoming document is assigned to, their
// mail, with the link under VANTHU_PUBLIC_URL; the addresses
// are set through the API.
func TestIntegrationMailServe(t *testing.T) {
	smtp, api := os.Getenv("VANTHU_TEST_MAILPIT_SMTP"), os.Getenv("VANTHU_TEST_MAILPIT_API")
	if smtp == "" || api == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	s := startServer(t, map[string]string{"VANTHU_SMTP_URL": "smtp://" + smtp, "VANTHU_MAIL_FROM": "Văn thư <vanthu@binhthuy.test>",
		"VANTHU_MAIL_INTERVAL": "200ms", "VANTHU_PUBLIC_URL": "https://vanthu.binhthuy.test"})
	var tag [6]byte
	rand.Read(tag[:])
	addr := map[string]string{}
	ids := s.staff(t, func(r string) map[string]any {
		addr[r] = r + "-" + hex.EncodeToString(tag[:]) + "@binhthuy.test"
		return map[string]any{"email": addr[r]}
	})
	clerk, officer, handler := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer"), s.login(t, "handler", "password-handler")

	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ban hành quy chế tiếp công dân",
		"signer_id": ids["officer"]}, testpdf.Make(1, "outgoing"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	subjects, texts := mailpitMessages(t, api, addr["officer"])
	if len(subjects) != 1 || subjects[0] != "[vanthu] Văn bản chờ duyệt: Quyết định — Quyết định ban hành quy chế tiếp công dân" ||
		!strings.Contains(texts[0], "https://vanthu.binhthuy.test/documents/"+id) || !strings.Contains(texts[0], "Nguyễn Văn handler") {
		t.Fatalf("the signer's mail: %q %q", subjects, texts)
	}
	officer.act(id, "approve", nil)
	officer.act(id, "sign", nil)
	subjects, _ = mailpitMessages(t, api, addr["clerk"])
	if len(subjects) != 1 || subjects[0] != "[vanthu] Văn bản chờ cấp số và đóng dấu: Quyết định — Quyết định ban hành quy chế tiếp công dân" {
		t.Fatalf("the clerk's mail of the signature: %q", subjects)
	}

	doc, code = clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Về việc tổng kết năm",
		"sender":          map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "125/UBND-VP", "original_date": "2026-11-20"}, testpdf.Make(1, "incoming"))
	if code != 201 {
		t.Fatalf("upload incoming: %d", code)
	}
	in := doc["id"].(string)
	clerk.act(in, "register", nil)
	officer.act(in, "assign", map[string]any{"assignee_id": ids["handler"]})
	subjects, _ = mailpitMessages(t, api, addr["handler"])
	if len(subjects) != 1 || subjects[0] != "[vanthu] Văn bản được giao xử lý: Công văn số 125/UBND-VP — Về việc tổng kết năm" {
		t.Fatalf("the assignee's mail: %q", subjects)
	}
}
