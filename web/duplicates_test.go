package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReceivedDuplicateWarned: a paper document whose sender and number
// and notation match one received before (last week's, already
// registered) says so on its page before "Vào sổ", naming and linking
// the earlier one with its incoming number; the clerk was not warned and
// registered it twice. Another notation, or another sender with the
// same notation, is no duplicate; a registered document no longer warns.
// The confirmation of "Vào sổ" warns again.
func TestReceivedDuplicateWarned(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	first := e.newIncoming(clerk, "Về việc tổng kết công tác năm 2026", url.Values{"original_number": {"88/STC-NS"},
		"sender_name": {"Sở Tài chính"}, "sender_org_id": {""}})
	if p := act(t, clerk, first, workflow.Register, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", p.Status, p.Body)
	}
	for _, tc := range []struct {
		name         string
		number, from string
		warned       bool
	}{
		{"same sender and notation", "88/STC-NS", "Sở Tài chính", true},
		{"same, sender typed in another case", "88/STC-NS", "sở tài  chính", true},
		{"another notation", "89/STC-NS", "Sở Tài chính", false},
		{"another sender", "88/STC-NS", "Sở Nội vụ", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := e.newIncoming(clerk, "Về việc tổng kết (bản gửi qua bưu điện)", url.Values{"original_number": {tc.number},
				"sender_name": {tc.from}, "sender_org_id": {""}})
			body := clerk.get("/documents/" + id).Body
			i := strings.Index(body, `id="duplicates"`)
			if (i >= 0) != tc.warned {
				t.Fatalf("warned %v, want %v:\n%s", i >= 0, tc.warned, body)
			}
			// "Vào sổ" asks first: its confirmation, the clerk's last
			// look before the number is taken, warns again.
			conf := clerk.post("/documents/"+id, url.Values{"action": {"register"}}).Body
			ci := strings.Index(conf, `id="confirm-duplicates"`)
			if (ci >= 0) != tc.warned || !strings.Contains(conf, `value="register"`) {
				t.Fatalf("confirmation warns %v, want %v:\n%s", ci >= 0, tc.warned, conf)
			}
			if tc.warned && !strings.Contains(conf[ci:], `href="/documents/`+first+`"`) {
				t.Errorf("the confirmation's warning does not link the earlier document: %s", conf[ci:])
			}
			if !tc.warned {
				return
			}
			notice := body[i:min(len(body), i+800)]
			for _, want := range []string{"Có thể trùng", "88/STC-NS", `href="/documents/` + first + `"`, "Về việc tổng kết công tác năm 2026", "số đến 1/2026"} {
				if !strings.Contains(notice, want) {
					t.Errorf("the notice lacks %q: %s", want, notice)
				}
			}
			if i > strings.Index(body, `id="h-actions"`) {
				t.Error("the notice comes after the actions")
			}
			if p := act(t, clerk, id, workflow.Register, nil); p.Status != http.StatusSeeOther {
				t.Fatalf("register: %d", p.Status)
			}
			if body := clerk.get("/documents/" + id).Body; strings.Contains(body, `id="duplicates"`) {
				t.Error("registered, the page still warns")
			}
		})
	}
}
