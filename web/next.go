package web

import (
	"net/http"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// nextStep is what the document page says, under the confirmation of an
// action or a save (?done=, ?ok=), about what comes next: the buttons
// this user may press now, or else who acts next; with the links to go
// on (the inbox; for a clerk who has just registered or rejected an
// incoming document, the form for the next one, as they come in a row).
type nextStep struct {
	Text  string
	Links []nextLink
}

type nextLink struct{ Path, Label string }

// waitingFor says who acts next on a document in a state, when the user
// reading the page has nothing to do on it.
var waitingFor = map[workflow.State]string{
	workflow.Draft:         "Dự thảo chờ chuyên viên sửa và trình duyệt lại.",
	workflow.InReview:      "Văn bản chờ lãnh đạo duyệt.",
	workflow.Approved:      "Văn bản chờ lãnh đạo ký số.",
	workflow.OfficerSigned: "Văn bản chờ văn thư cấp số, phát hành.",
	workflow.Issued:        "Văn bản chờ văn thư gửi liên thông hoặc lưu trữ.",
	workflow.Sent:          "Văn bản đã gửi: trạng thái của từng nơi nhận hiện ở mục Gửi, nhận liên thông.",
	workflow.Received:      "Văn bản chờ văn thư vào sổ.",
	workflow.Registered:    "Văn bản chờ lãnh đạo phân công xử lý.",
	workflow.Assigned:      "Văn bản chờ chuyên viên được phân công bắt đầu xử lý.",
	workflow.InProgress:    "Chuyên viên đang xử lý văn bản.",
	workflow.Completed:     "Văn bản chờ văn thư lưu trữ.",
	workflow.Rejected:      "Văn bản đã bị từ chối: không còn việc gì phải làm.",
	workflow.Archived:      "Văn bản đã vào kho lưu trữ: không còn việc gì phải làm.",
	workflow.Revoked:       "Văn bản đã thu hồi.",
}

// goesBack are the actions that send a document back or undo its course
// rather than move it on: offered, never said to be what comes next.
var goesBack = map[workflow.Action]bool{
	workflow.Return: true, workflow.Reject: true, workflow.RequestRevoke: true, workflow.RefuseRevoke: true,
}

// next fills v.Next when the page confirms an action or a save.
func next(r *http.Request, s *Session, d *workflow.Document, v *docView) {
	q := r.URL.Query()
	if q.Get("done") == "" && q.Get("ok") == "" {
		return
	}
	n := &nextStep{}
	var ahead, besides []string // actions that move the document on; the others (sending it back)
	for _, a := range v.Actions {
		if goesBack[a] {
			besides = append(besides, actionNames[a])
		} else {
			ahead = append(ahead, actionNames[a])
		}
	}
	if v.CanAssign {
		ahead = append(ahead, actionNames[workflow.Assign])
	}
	if len(ahead) > 0 {
		n.Text = "Việc tiếp theo của bạn: " + strings.Join(ahead, ", ") + "."
	} else {
		n.Text = waitingFor[d.State]
		if len(besides) > 0 {
			n.Text += " Bạn vẫn có thể: " + strings.Join(besides, ", ") + "."
		}
	}
	if len(ahead)+len(besides) > 0 {
		n.Links = append(n.Links, nextLink{"#h-actions", "Đến mục Xử lý"})
	}
	if d.Direction == workflow.Incoming && s.User.Has(workflow.RoleClerk) && (d.State == workflow.Registered || d.State == workflow.Rejected) {
		n.Links = append(n.Links, nextLink{"/incoming/new", "Tiếp nhận văn bản đến khác"})
	}
	n.Links = append(n.Links, inboxLink(r))
	v.Next = n
}

// nextWaiting adds to what comes next after an action (?done=) the way to
// the next document waiting for the user — the first of the inbox tab
// they were working through (tabCookie), or of the whole inbox, other
// than this one — before the way back to the inbox: an official with a
// row of drafts to approve and sign goes from one to the next without
// going back to the list each time.
func (u *UI) nextWaiting(r *http.Request, s *Session, d *workflow.Document, v *docView) error {
	if v.Next == nil || r.URL.Query().Get("done") == "" {
		return nil
	}
	docs, _, _, err := u.cfg.Docs.Work(r.Context(), s.User, rememberedTab(r), 2)
	if err != nil {
		return err
	}
	for _, w := range docs {
		if w.ID != d.ID {
			back := len(v.Next.Links) - 1 // the inbox link comes last
			link := nextLink{"/documents/" + w.ID, "Văn bản chờ tiếp theo"}
			v.Next.Links = append(v.Next.Links[:back], link, v.Next.Links[back])
			return nil
		}
	}
	return nil
}

// ToActions: the page opens with a link down to its actions ("Đến mục
// Xử lý ↓"), which are below the PDF and the details — some 1,500 px
// down on a phone — when the viewer has one to take; not after an
// action, whose next step (v.Next) already links there.
func (v *docView) ToActions() bool {
	return v.Next == nil && (len(v.Actions) > 0 || v.CanAssign)
}
