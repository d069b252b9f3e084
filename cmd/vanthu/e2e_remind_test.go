package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestIntegrationReminderServe: serve's mail worker queues the day's
// deadline reminders once VANTHU_REMINDER_TIME has passed on its clock,
// and sends the handler one, however many runs follow that day.
func TestIntegrationReminderServe(t *testing.T) {
	smtp, api := os.Getenv("VANTHU_TEST_MAILPIT_SMTP"), os.Getenv("VANTHU_TEST_MAILPIT_API")
	if smtp == "" || api == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	var now atomic.Int64                                          // Unix seconds
	now.Store(time.Date(2031, 3, 4, 0, 0, 0, 0, time.UTC).Unix()) // 07:00 in Vietnam
	s := startServerWith(t, options{now: func() time.Time { return time.Unix(now.Load(), 0) }}, map[string]string{
		"VANTHU_SMTP_URL": "smtp://" + smtp, "VANTHU_MAIL_FROM": "Văn thư <vanthu@binhthuy.test>",
		"VANTHU_MAIL_INTERVAL": "100ms", "VANTHU_PUBLIC_URL": "https://vanthu.binhthuy.test", "VANTHU_REMINDER_TIME": "07:30"})
	var tag [6]byte
	rand.Read(tag[:])
	addr := map[string]string{}
	ids := s.staff(t, func(r string) map[string]any {
		addr[r] = r + "-" + hex.EncodeToString(tag[:]) + "@binhthuy.test"
		return map[string]any{"email": addr[r]}
	})
	clerk, officer := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer")
	doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Về việc báo cáo quý I",
		"sender":          map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "77/UBND-VP", "original_date": "2031-02-20", "due_date": "2031-03-02"}, testpdf.Make(1, "incoming"))
	if code != 201 {
		t.Fatalf("upload incoming: %d", code)
	}
	id := doc["id"].(string)
	clerk.act(id, "register", nil)
	officer.act(id, "assign", map[string]any{"assignee_id": ids["handler"]})
	if subjects, _ := mailpitMessages(t, api, addr["handler"]); len(subjects) != 1 {
		t.Fatalf("before 07:30: %q, want the assignment's mail only", subjects)
	}
	now.Add(31 * 60) // 07:31
	var reminders []string
	for deadline := time.Now().Add(10 * time.Second); len(reminders) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		reminders = nil
		_, texts := mailpitMessages(t, api, addr["handler"])
		for _, x := range texts {
			if strings.Contains(x, "Nhắc hạn xử lý") {
				reminders = append(reminders, x)
			}
		}
	}
	time.Sleep(time.Second) // ten more runs of the worker
	_, texts := mailpitMessages(t, api, addr["handler"])
	if len(texts) != 2 || len(reminders) != 1 || !strings.Contains(reminders[0], "Quá hạn 2 ngày (hạn xử lý 02/03/2031)") ||
		!strings.Contains(reminders[0], "https://vanthu.binhthuy.test/documents/"+id) {
		t.Fatalf("after 07:30: %d mails, reminders %q", len(texts), reminders)
	}
}
