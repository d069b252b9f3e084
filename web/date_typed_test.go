package web

import (
	"html"
	"net/url"
	"strings"
	"testing"
)

// TestImpossibleDateSaysWhatWasTyped: a date typed that is no real date
// (31/11/2026) is named beside its input as typed, said not to exist —
// the incoming form answered "Ngày của văn bản đến là bắt buộc" over the
// date the clerk had typed (walk 8); the text typed is kept.
func TestImpossibleDateSaysWhatWasTyped(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	cases := []struct{ input, typed, want string }{
		{"original_date", "31/11/2026", "Ngày văn bản “31/11/2026” không hợp lệ: nhập một ngày có thật"},
		{"due_date", "30/02/2027", "Hạn xử lý “30/02/2027” không hợp lệ: nhập một ngày có thật"},
	}
	for _, c := range cases {
		t.Run(c.input, func(t *testing.T) {
			f := url.Values{"type": {"CV"}, "subject": {"Về việc sửa chữa nhà văn hóa"}, "original_number": {"45/UBND"},
				"original_date": {"20/11/2026"}, "sender_name": {"UBND phường An Khánh"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
			f.Set(c.input, c.typed)
			p := clerk.postMultipart("/incoming/new", f, map[string][]byte{"file:thu.pdf": fakePDF})
			body := html.UnescapeString(p.Body)
			if !strings.Contains(body, `<span class="field-error" id="`+c.input+`-error">`+c.want) {
				t.Errorf("%d: no %q beside %s:\n%s", p.Status, c.want, c.input, body)
			}
			if strings.Contains(body, "là bắt buộc") {
				t.Errorf("the form says a field is required where none is missing")
			}
			if !strings.Contains(body, `value="`+c.typed+`"`) || !strings.Contains(body, "Về việc sửa chữa nhà văn hóa") {
				t.Errorf("the form lost what was typed")
			}
		})
	}
}
