package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestChangedMeanwhile: an official presses a button on a page opened
// before someone else changed the document. The page he gets back says
// the action was not done, who changed what and when, the state now,
// whether to press again, and that his comment is kept (it is, in the
// box). Before, it said "Vui lòng tải lại trang" over the page it had
// just reloaded, naming neither the change nor its author.
func TestChangedMeanwhile(t *testing.T) {
	e := newTestEnv(t)
	officer, handler := e.login("lanhdao"), e.login("chuyenvien")
	other := e.users["lanhdao2"]
	for _, tc := range []struct {
		name   string
		change func(id string) // by someone else, after the page was read
		want   []string
		not    []string
	}{
		{"returned by another official", func(id string) {
			if _, err := e.docs.Apply(context.Background(), other, id, workflow.Return, workflow.ActionInput{Comment: "Sai căn cứ"}); err != nil {
				t.Fatal(err)
			}
		}, []string{"Chưa thực hiện “Duyệt”: văn bản đã thay đổi sau khi bạn mở trang — Phạm Phó Chủ Tịch: Trả lại (Chờ duyệt → Dự thảo), lúc ",
			"Dưới đây là văn bản hiện tại (trạng thái “Dự thảo”)", "ý kiến bạn đã nhập vẫn còn trong ô Ý kiến."},
			[]string{"lần nữa", "tải lại trang"}},
		{"approved by another official", func(id string) {
			if _, err := e.docs.Apply(context.Background(), other, id, workflow.Approve, workflow.ActionInput{}); err != nil {
				t.Fatal(err)
			}
		}, []string{"— Phạm Phó Chủ Tịch: Duyệt (Chờ duyệt → Đã duyệt), lúc ", "(trạng thái “Đã duyệt”)"},
			[]string{"lần nữa", "tải lại trang"}},
		{"its layout moved by the drafter", func(id string) {
			if _, err := e.docs.SetLayout(context.Background(), e.users["chuyenvien"], id, 0,
				&workflow.Layout{Signature: &workflow.Box{Page: 1, X: 320, Y: 420, W: 170, H: 70}}); err != nil {
				t.Fatal(err)
			}
		}, []string{"— Lê Chuyên Viên: Điều chỉnh vị trí số, ngày tháng và chữ ký, lúc ",
			"(trạng thái “Chờ duyệt”); xem lại rồi bấm “Duyệt” lần nữa nếu vẫn muốn"},
			[]string{"tải lại trang"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := e.outgoingThrough(t, handler, officer, workflow.Submit)
			d, err := e.docs.Get(context.Background(), e.users["lanhdao"], id)
			if err != nil {
				t.Fatal(err)
			}
			officer.get("/documents/" + id)
			tc.change(id)
			p := officer.post("/documents/"+id, url.Values{"action": {"approve"}, "version": {strconv.Itoa(d.Version)},
				"comment": {"Đề nghị ban hành ngay"}})
			body := html.UnescapeString(p.Body)
			if p.Status != http.StatusConflict {
				t.Errorf("status %d", p.Status)
			}
			for _, w := range append(tc.want, ">Đề nghị ban hành ngay</textarea>") {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("the page says %q", n)
				}
			}
		})
	}
}
