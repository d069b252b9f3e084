package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// waitingLabels name what an outgoing document waits for, as the inbox's
// tabs do.
var waitingLabels = map[workflow.Action]string{workflow.Approve: "Chờ duyệt", workflow.Sign: "Chờ ký", workflow.Issue: "Chờ phát hành"}

// mailFooter opens the footer of every reminder.
const mailFooter = "\n-- \n"

// compose writes p's mail at now: the reminder or the summary of its
// work, with the outgoing documents waiting on its user after it (or
// alone).
func compose(p Planned, now time.Time, publicURL string) Message {
	today := workflow.VietnamDate(now)
	var m Message
	switch {
	case p.Kind == workflow.RemindOverdue:
		m = ComposeOverdueSummary(p.Work, today, publicURL)
	case len(p.Work) > 0:
		m = ComposeReminder(p.Work, today, publicURL)
	}
	if len(p.Waiting) == 0 {
		return m
	}
	return WithWaiting(m, p.Waiting, now, publicURL)
}

// WithWaiting adds to m (a reminder or a summary; empty: none) the
// outgoing documents waiting on its reader at now, longest waiting
// first: how long each has waited, what it is, its subject (never a
// classified one's), its link. The subject line counts them.
func WithWaiting(m Message, waiting []workflow.Waiting, now time.Time, publicURL string) Message {
	count := fmt.Sprintf("%d văn bản đi chờ bạn xử lý", len(waiting))
	var b strings.Builder
	if m.Body == "" {
		m.Subject = "[vanthu] Nhắc việc: " + count
		fmt.Fprintf(&b, "Nhắc việc, ngày %s.\n", workflow.VietnamDate(now).Format("02/01/2006"))
	} else {
		m.Subject += "; " + count
		body, _, _ := strings.Cut(m.Body, mailFooter)
		b.WriteString(body)
	}
	fmt.Fprintf(&b, "\nVăn bản đi đang chờ bạn xử lý: %d văn bản.\n", len(waiting))
	for i, w := range waiting {
		b.WriteString("\n")
		writeWaiting(&b, i+1, w, now, publicURL)
	}
	b.WriteString(mailFooter + "Thư tự động của hệ thống quản lý văn bản (vanthu), gửi mỗi ngày khi có văn bản sắp đến hạn, quá hạn hoặc chờ bạn xử lý. Tắt thông báo trên trang Tài khoản.\n")
	m.Body = b.String()
	return m
}

// writeWaiting writes item i of the outgoing documents waiting: for what
// and how long, what it is, its link.
func writeWaiting(b *strings.Builder, i int, w workflow.Waiting, now time.Time, publicURL string) {
	d := w.Document
	label := waitingLabels[w.Action]
	if label == "" {
		label = "Chờ xử lý"
	}
	fmt.Fprintf(b, "%d. %s đã %s (từ %s)\n", i, label, waited(now.Sub(w.Since)), w.Since.In(workflow.Vietnam).Format("15:04 ngày 02/01/2006"))
	kind := workflow.DocTypes[d.Type]
	if kind == "" {
		kind = "Văn bản"
	}
	if d.Notation != "" {
		kind += " số " + d.Notation
	}
	fmt.Fprintf(b, "   %s\n", kind)
	if d.Confidentiality.Classified() {
		b.WriteString("   Độ mật: văn bản mật — trích yếu không gửi qua thư điện tử; xem văn bản trên hệ thống.\n")
	} else {
		fmt.Fprintf(b, "   Trích yếu: %s\n", oneLine(d.Subject))
	}
	if publicURL != "" {
		fmt.Fprintf(b, "   Xem văn bản: %s/documents/%s\n", strings.TrimRight(publicURL, "/"), d.ID)
	}
}

// waited says how long a document has waited: whole days, or hours under
// a day.
func waited(d time.Duration) string {
	if d >= 24*time.Hour {
		return fmt.Sprintf("%d ngày", int(d/(24*time.Hour)))
	}
	return fmt.Sprintf("%d giờ", int(d/time.Hour))
}
