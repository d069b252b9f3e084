package notify

import (
	"fmt"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// Message is what one mail says.
type Message struct {
	Subject string
	Body    string
}

// headline is each reason's words: the subject's and the body's first
// line.
var headline = map[Reason]string{
	ToApprove: "Văn bản chờ duyệt",
	ToSign:    "Văn bản chờ ký",
	Returned:  "Dự thảo bị trả lại",
	Assigned:  "Văn bản được giao xử lý",
	// A draft passed on by Chuyển việc cho…: the new drafter revises
	// and submits it.
	Redrafted: "Dự thảo được chuyển cho bạn soạn tiếp",
	ToIssue:   "Văn bản chờ cấp số và đóng dấu",
	// A refused status message is about an incoming document: the
	// headline stays, the body says what was sent.
	DeliveryRefused: "Văn bản gửi liên thông bị từ chối",
}

// deliveryNames say what a refused delivery carried.
var deliveryNames = map[string]string{
	"document": "văn bản", "revoke": "đề nghị thu hồi văn bản", "status": "thông báo tình trạng xử lý văn bản đến",
}

// Compose writes the mail to a user about d, told by event e:
// Vietnamese, plain text. actor is who acted (nil: unknown), publicURL
// the server's base URL ("" = no link). The event's comment is written as
// the reason of a return or a refused delivery, with a refused delivery's
// agency. A classified document's subject (trích yếu) and the reason are
// never written: the mail says only that one waits, and the link leads
// to it.
func Compose(r Reason, d *workflow.Document, actor *workflow.User, e workflow.Event, publicURL string) Message {
	kind := workflow.DocTypes[d.Type]
	if kind == "" {
		kind = "Văn bản"
	}
	notation := d.Notation // an incoming document's: the sender's number and notation
	if d.Direction == workflow.Incoming {
		notation = d.OriginalNumber
	}
	ref := kind
	if notation != "" {
		ref += " số " + notation
	}
	subject := "[vanthu] " + headline[r] + ": " + ref
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n", headline[r])
	fmt.Fprintf(&b, "Loại văn bản: %s\n", kind)
	if notation != "" {
		fmt.Fprintf(&b, "Số, ký hiệu: %s\n", notation)
	}
	if d.Direction == workflow.Incoming {
		if d.Sender != nil && d.Sender.Name != "" {
			fmt.Fprintf(&b, "Cơ quan gửi: %s\n", d.Sender.Name)
		}
		if d.Number > 0 {
			fmt.Fprintf(&b, "Số đến: %d\n", d.Number)
		}
	}
	classified := d.Confidentiality.Classified()
	if classified {
		b.WriteString("Độ mật: văn bản mật — trích yếu không gửi qua thư điện tử; xem văn bản trên hệ thống.\n")
	} else {
		fmt.Fprintf(&b, "Trích yếu: %s\n", oneLine(d.Subject))
		subject += " — " + oneLine(d.Subject)
	}
	if actor != nil {
		name := actor.FullName
		if name == "" {
			name = actor.Username
		}
		fmt.Fprintf(&b, "Người thực hiện: %s\n", name)
	}
	if r == DeliveryRefused {
		fmt.Fprintf(&b, "Cơ quan nhận: %s\n", agency(e))
		if what := deliveryNames[e.Data["delivery"]]; what != "" {
			fmt.Fprintf(&b, "Nội dung gửi: %s\n", what)
		}
	}
	if c := strings.TrimSpace(e.Comment); c != "" && !classified && (r == Returned || r == DeliveryRefused) {
		fmt.Fprintf(&b, "Lý do: %s\n", oneLine(c))
	}
	if publicURL != "" {
		fmt.Fprintf(&b, "\nXem văn bản: %s/documents/%s\n", strings.TrimRight(publicURL, "/"), d.ID)
	}
	b.WriteString("\n-- \nThư tự động của hệ thống quản lý văn bản (vanthu). Tắt thông báo trên trang Tài khoản.\n")
	return Message{Subject: subject, Body: b.String()}
}

// oneLine folds a subject's line breaks and tabs into spaces (a header
// is one line).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// agency names the connected agency of a refused delivery: its name and
// code.
func agency(e workflow.Event) string {
	name, id := e.Data["org_name"], e.Data["org_id"]
	switch {
	case name == "":
		return id
	case id == "":
		return name
	}
	return name + " (" + id + ")"
}
