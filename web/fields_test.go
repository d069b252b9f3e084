package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// parseHTML parses a page's body.
func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// walkHTML calls fn on every element under n.
func walkHTML(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkHTML(c, fn)
	}
}

// attrOf is n's attribute key ("" when it has none) and whether it has it.
func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// byID is the element of id, nil when there is none.
func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	walkHTML(doc, func(n *html.Node) {
		if v, _ := attrOf(n, "id"); v == id && found == nil {
			found = n
		}
	})
	return found
}

// textOf is the text under n ("" for none).
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

// invalidInputs are the ids of the elements marked aria-invalid="true".
func invalidInputs(doc *html.Node) []string {
	var ids []string
	walkHTML(doc, func(n *html.Node) {
		if v, _ := attrOf(n, "aria-invalid"); v == "true" {
			id, _ := attrOf(n, "id")
			ids = append(ids, id)
		}
	})
	return ids
}

// checkFieldProblem checks a form sent back with a problem of input id:
// the message above the form (role="alert"), the input alone marked
// invalid, described by an element beside it that holds want, which
// is also the summary's text.
func checkFieldProblem(t *testing.T, body, id, want string) *html.Node {
	t.Helper()
	doc := parseHTML(t, body)
	var alert *html.Node
	walkHTML(doc, func(n *html.Node) {
		if r, _ := attrOf(n, "role"); r == "alert" && alert == nil {
			alert = n
		}
	})
	if alert == nil || !strings.Contains(textOf(alert), want) {
		t.Errorf("no alert saying %q above the form", want)
	}
	if got := invalidInputs(doc); len(got) != 1 || got[0] != id {
		t.Fatalf("inputs marked invalid: %q, want only %q", got, id)
	}
	in := byID(doc, id)
	by, _ := attrOf(in, "aria-describedby")
	var msg *html.Node
	for _, ref := range strings.Fields(by) {
		if d := byID(doc, ref); d == nil {
			t.Errorf("%s is described by %q, which the page lacks", id, ref)
		} else if strings.Contains(textOf(d), want) {
			msg = d
		}
	}
	if msg == nil {
		t.Fatalf("%s (aria-describedby %q) is not described by a message saying %q", id, by, want)
	}
	if msg.Parent != in.Parent {
		t.Errorf("the message of %s is not beside it", id)
	}
	return doc
}

// checkGroupProblem checks a form sent back with a problem of a group of
// inputs (a fieldset): the message above the form, the fieldset alone
// marked (data-invalid, for app.js's focus) and described by a message
// inside it that holds want; the only inputs marked aria-invalid are the
// group's boxes (checkbox, radio), all of them, never the fieldset (a
// group takes no aria-invalid). It returns the page.
func checkGroupProblem(t *testing.T, body, id, want string) *html.Node {
	t.Helper()
	doc := parseHTML(t, body)
	var marked []string
	walkHTML(doc, func(n *html.Node) {
		if v, _ := attrOf(n, "data-invalid"); v == "true" {
			x, _ := attrOf(n, "id")
			marked = append(marked, x)
		}
	})
	if len(marked) != 1 || marked[0] != id {
		t.Fatalf("groups marked invalid: %q, want only %q", marked, id)
	}
	g := byID(doc, id)
	if v, ok := attrOf(g, "aria-invalid"); ok {
		t.Errorf("the group %s has aria-invalid=%q, which a group does not take", id, v)
	}
	by, _ := attrOf(g, "aria-describedby")
	msg := byID(doc, by)
	if msg == nil || !strings.Contains(textOf(msg), want) {
		t.Fatalf("%s is described by %q, not a message saying %q", id, by, want)
	}
	if !inside(msg, g) {
		t.Errorf("the message of %s is not inside it", id)
	}
	walkHTML(doc, func(n *html.Node) {
		typ, _ := attrOf(n, "type")
		box := n.Data == "input" && (typ == "checkbox" || typ == "radio") && inside(n, g)
		v, _ := attrOf(n, "aria-invalid")
		name, _ := attrOf(n, "id")
		switch {
		case box && v != "true":
			t.Errorf("box %s of the group %s at fault is not marked aria-invalid", name, id)
		case !box && v == "true":
			t.Errorf("%s is marked invalid, outside the boxes of %s", name, id)
		}
	})
	return doc
}

// inside says whether n is in g.
func inside(n, g *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == g {
			return true
		}
	}
	return false
}

// TestCreateFormFieldProblems: a create form sent back with a problem
// shows the message beside the input it concerns, as the service names
// it (workflow.Error.Field), marks that input alone invalid and keeps
// what was typed; a problem of no input of the form marks none.
func TestCreateFormFieldProblems(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Inspector = workflow.PDFInspectorFunc(func(_ context.Context, r io.ReaderAt, size int64) error {
		head := make([]byte, 5)
		if _, err := r.ReadAt(head, 0); err != nil || string(head) != "%PDF-" {
			return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF file")
		}
		return nil
	})
	e.remount(t, Config{MaxUpload: 1 << 10})
	big := append(append([]byte{}, fakePDF...), strings.Repeat("%", 2<<10)...)
	incoming := func(change map[string]string) url.Values {
		f := url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
			"original_date": {"20/11/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "sender_org_id": {"000.00.00.H13"},
			"urgency": {"flash"}, "confidentiality": {"normal"}}
		for k, v := range change {
			f.Set(k, v)
		}
		return f
	}
	outgoing := func(change map[string]string) url.Values {
		f := url.Values{"type": {"QĐ"}, "subject": {"Về việc ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID},
			"urgency": {"normal"}, "confidentiality": {"normal"}}
		for k, v := range change {
			f.Set(k, v)
		}
		return f
	}
	pdf := map[string][]byte{"file:congvan.pdf": fakePDF}
	tests := []struct {
		name   string
		user   string
		path   string
		form   url.Values
		files  map[string][]byte
		status int
		input  string // "" = none of the form's
		want   string
	}{
		{"date that does not exist", "vanthu", "/incoming/new", incoming(map[string]string{"original_date": "31/02/2026"}), pdf, 400, "original_date", "ngày có thật"},
		{"no date", "vanthu", "/incoming/new", incoming(map[string]string{"original_date": ""}), pdf, 400, "original_date", "ngày có thật"},
		{"due date", "vanthu", "/incoming/new", incoming(map[string]string{"due_date": "32/12/2026"}), pdf, 400, "due_date", "Hạn xử lý “32/12/2026” không hợp lệ"},
		{"no subject", "vanthu", "/incoming/new", incoming(map[string]string{"subject": "  "}), pdf, 400, "subject", "Trích yếu là bắt buộc"},
		{"long subject", "vanthu", "/incoming/new", incoming(map[string]string{"subject": strings.Repeat("ư", 501)}), pdf, 400, "subject", "tối đa 500 ký tự"},
		{"override in subject", "vanthu", "/incoming/new", incoming(map[string]string{"subject": "Về việc\u202e hội nghị"}), pdf, 400, "subject", "ký tự ẩn làm đảo thứ tự hiển thị của chữ (U+202E) ở ký tự thứ 8"},
		{"control in sender", "vanthu", "/incoming/new", incoming(map[string]string{"sender_name": "UBND\x07"}), pdf, 400, "sender_name", "ký tự điều khiển (U+0007) ở ký tự thứ 5"},
		{"no sender", "vanthu", "/incoming/new", incoming(map[string]string{"sender_name": ""}), pdf, 400, "sender_name", "Cơ quan gửi là bắt buộc"},
		{"sender code", "vanthu", "/incoming/new", incoming(map[string]string{"sender_org_id": "H13"}), pdf, 400, "sender_org_id", "000.00.00.H13"},
		{"no number", "vanthu", "/incoming/new", incoming(map[string]string{"original_number": ""}), pdf, 400, "original_number", "Số, ký hiệu"},
		{"no file", "vanthu", "/incoming/new", incoming(nil), nil, 400, "file", "Hãy chọn tệp PDF"},
		{"file too large", "vanthu", "/incoming/new", incoming(nil), map[string][]byte{"file:congvan.pdf": big}, 413, "file", "Tệp quá lớn"},
		{"not a PDF", "vanthu", "/incoming/new", incoming(nil), map[string][]byte{"file:congvan.docx": []byte("PK\x03\x04 word")}, 415, "file", "không phải là tệp PDF"},
		{"no signer", "chuyenvien", "/outgoing/new", outgoing(map[string]string{"signer_id": ""}), pdf, 400, "signer_id", "lãnh đạo"},
		{"signer not an official", "chuyenvien", "/outgoing/new", outgoing(map[string]string{"signer_id": e.users["vanthu"].ID}), pdf, 400, "signer_id", "lãnh đạo"},
		{"drafting unit", "chuyenvien", "/outgoing/new", outgoing(map[string]string{"drafting_unit": strings.Repeat("V", 21)}), pdf, 400, "drafting_unit", "tối đa 20 ký tự"},
		{"layout box incomplete", "chuyenvien", "/outgoing/new", outgoing(map[string]string{"layout_signature_x": "300"}), pdf, 400, "layout_signature_page", "Vị trí dấu"},
		{"number not on page 1", "chuyenvien", "/outgoing/new", outgoing(map[string]string{"layout_number_page": "2", "layout_number_x": "50",
			"layout_number_y": "700", "layout_number_w": "100", "layout_number_h": "20"}), pdf, 400, "layout_number_page", "Vị trí dấu"},
		{"attachment too large", "chuyenvien", "/outgoing/new", outgoing(nil), map[string][]byte{"file:duthao.pdf": fakePDF, "attachment:phuluc.pdf": big}, 413, "attachment", "Tệp quá lớn"},
		{"attachment not a PDF", "chuyenvien", "/outgoing/new", outgoing(nil), map[string][]byte{"file:duthao.pdf": fakePDF, "attachment:phuluc.xlsx": []byte("PK\x03\x04")}, 415, "attachment", "không phải là tệp PDF"},
		{"no input: replaced document unknown", "chuyenvien", "/outgoing/new", outgoing(map[string]string{"replaces": "d-none"}), pdf, 400, "", "Chỉ thay thế"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(tt.user)
			c.get(tt.path)
			p := c.postMultipart(tt.path, tt.form, tt.files)
			if p.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", p.Status, tt.status, p.Body)
			}
			if tt.input == "" {
				doc := parseHTML(t, p.Body)
				if got := invalidInputs(doc); len(got) != 0 || !strings.Contains(p.Body, tt.want) {
					t.Fatalf("inputs marked invalid %q (want none), message %q shown: %v", got, tt.want, strings.Contains(p.Body, tt.want))
				}
				return
			}
			doc := checkFieldProblem(t, p.Body, tt.input, tt.want)
			// What was typed is kept.
			walkHTML(doc, func(n *html.Node) {
				name, _ := attrOf(n, "name")
				typ, _ := attrOf(n, "type")
				if n.Data != "input" || name == "" || typ == "file" || typ == "hidden" || tt.form.Get(name) == "" {
					return
				}
				if v, _ := attrOf(n, "value"); v != tt.form.Get(name) {
					t.Errorf("%s: %q after the problem, typed %q", name, v, tt.form.Get(name))
				}
			})
			if sub := byID(doc, "subject"); sub != nil && tt.form.Get("subject") != "" && textOf(sub) != tt.form.Get("subject") {
				t.Errorf("subject: %q after the problem", textOf(sub))
			}
		})
	}
}

// TestFieldAttrs: the attributes of an input at fault, of one described
// by something else, and of one with neither.
func TestFieldAttrs(t *testing.T) {
	inv := Invalid{"subject": "Trích yếu là bắt buộc"}
	for _, tt := range []struct {
		id   string
		also []string
		want string
	}{
		{"subject", nil, ` aria-invalid="true" aria-describedby="subject-error"`},
		{"subject", []string{"", "hint"}, ` aria-invalid="true" aria-describedby="subject-error hint"`},
		{"file", []string{"file-again"}, ` aria-describedby="file-again"`},
		{"file", []string{""}, ``},
	} {
		if got := string(fieldAttrs(inv, tt.id, tt.also...)); got != tt.want {
			t.Errorf("fieldAttrs(%s, %q) = %q, want %q", tt.id, tt.also, got, tt.want)
		}
	}
	if got := string(fieldError(Invalid{"a": `<b>&"`}, "a")); got != `<span class="field-error" id="a-error">&lt;b&gt;&amp;&#34;</span>` {
		t.Errorf("fieldError escapes: %s", got)
	}
	if fieldError(inv, "notes") != "" {
		t.Error("a message for an input not at fault")
	}
}

// agenciesOnly is an Exchange that lists no agency.
type agenciesOnly struct{ Exchange }

func (agenciesOnly) Agencies(context.Context, *workflow.User) ([]*exchange.Agency, error) {
	return nil, nil
}

// TestFormFieldProblems: every other form whose problem concerns an
// input shows it beside that input (or its group of boxes), marks it,
// and keeps what was typed; a filter with two bad dates marks both.
func TestFormFieldProblems(t *testing.T) {
	e := newTestEnv(t)
	var got archive.Query
	pki := &PKIAdmin{
		Revoke: func(context.Context, *workflow.User, string, string, workflow.RevocationReason, string) (workflow.Revocation, error) {
			return workflow.Revocation{}, workflow.Errorf(workflow.ENOTFOUND, "no certificate with this serial")
		},
		Revocations: func(context.Context) ([]workflow.Revocation, error) { return nil, nil },
	}
	// Officials refuses these inputs before it needs a key checker or a
	// store.
	e.remount(t, Config{Archive: searchArchive{got: &got}, Reform: fakeReform{}, PKI: pki, Exchange: agenciesOnly{}, Keys: &signing.Officials{}})
	clerk := e.login("vanthu")
	in := e.newIncoming(clerk, "Về việc phân công xử lý", nil)
	if p := clerk.post("/documents/"+in, url.Values{"action": {"register"}, "confirm": {"register"}, "version": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", p.Status, p.Body)
	}
	handler := e.users["chuyenvien"].ID
	type kept struct{ id, value string } // an input and what it must show
	tests := []struct {
		name   string
		user   string
		do     func(c *client) page
		group  bool
		inputs []string // marked invalid
		want   string
		kept   []kept
	}{
		{"users/short password", "quantri", func(c *client) page {
			c.get("/admin/users")
			return c.post("/admin/users", url.Values{"username": {"thuky"}, "password": {"ngan"}, "full_name": {"Hồ Thư Ký"}, "roles": {"clerk"}})
		}, false, []string{"password"}, "8 ký tự", []kept{{"username", "thuky"}, {"full_name", "Hồ Thư Ký"}}},
		{"users/username taken", "quantri", func(c *client) page {
			c.get("/admin/users")
			return c.post("/admin/users", url.Values{"username": {"vanthu"}, "password": {testPassword}, "roles": {"clerk"}})
		}, false, []string{"username"}, "đã có người dùng", []kept{{"username", "vanthu"}}},
		{"users/no role", "quantri", func(c *client) page {
			c.get("/admin/users")
			return c.post("/admin/users", url.Values{"username": {"thuky"}, "password": {testPassword}})
		}, true, []string{"roles"}, "ít nhất một vai trò", []kept{{"username", "thuky"}}},
		{"user/no role", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["luutru"].ID)
			return c.post("/admin/users/"+e.users["luutru"].ID, url.Values{"action": {"update"}, "full_name": {"Đỗ Lưu Trữ Mới"}})
		}, true, []string{"roles"}, "ít nhất một vai trò", []kept{{"full_name", "Đỗ Lưu Trữ Mới"}}},
		{"users/personal ID number", "quantri", func(c *client) page {
			c.get("/admin/users")
			return c.post("/admin/users", url.Values{"username": {"chutich"}, "password": {testPassword}, "roles": {"officer"}, "personal_id": {"0920-8000-1234"}})
		}, false, []string{"personal_id"}, "Số định danh cá nhân", []kept{{"username", "chutich"}, {"personal_id", "0920-8000-1234"}}},
		{"user/personal ID number", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["lanhdao"].ID)
			return c.post("/admin/users/"+e.users["lanhdao"].ID, url.Values{"action": {"update"}, "roles": {"officer"}, "full_name": {"Lê Lãnh Đạo"}, "personal_id": {"CCCD:123"}})
		}, false, []string{"personal_id"}, "Số định danh cá nhân", []kept{{"full_name", "Lê Lãnh Đạo"}, {"personal_id", "CCCD:123"}}},
		{"user/password reset too short", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["luutru"].ID)
			return c.post("/admin/users/"+e.users["luutru"].ID, url.Values{"action": {"password"}, "confirm": {"password"}, "password": {"ngan"}})
		}, false, []string{"password"}, "8 ký tự", nil},
		{"user/key without its URI", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["lanhdao"].ID)
			return c.postMultipart("/admin/users/"+e.users["lanhdao"].ID, url.Values{"action": {"key"}, "cert_pem": {"-----BEGIN CERTIFICATE-----"}}, nil)
		}, false, []string{"key_uri"}, "Khóa ký số không dùng được", []kept{{"cert_pem", "-----BEGIN CERTIFICATE-----"}}},
		{"user/key URI", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["lanhdao"].ID)
			return c.postMultipart("/admin/users/"+e.users["lanhdao"].ID, url.Values{"action": {"key"}, "key_uri": {"http://x"}, "cert_pem": {"pem"}}, nil)
		}, false, []string{"key_uri"}, "Khóa ký số không dùng được", []kept{{"key_uri", "http://x"}}},
		{"user/signature image not a PNG", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["lanhdao"].ID)
			return c.postMultipart("/admin/users/"+e.users["lanhdao"].ID, url.Values{"action": {"image"}}, map[string][]byte{"signature_image:chuky.png": []byte("GIF89a")})
		}, false, []string{"signature_image"}, "PNG", nil},
		{"user/no signature image", "quantri", func(c *client) page {
			c.get("/admin/users/" + e.users["lanhdao"].ID)
			return c.postMultipart("/admin/users/"+e.users["lanhdao"].ID, url.Values{"action": {"image"}}, nil)
		}, false, []string{"signature_image"}, "Hãy chọn tệp ảnh chữ ký", nil},
		{"document/assign without handler", "lanhdao", func(c *client) page {
			c.get("/documents/" + in)
			return c.post("/documents/"+in, url.Values{"action": {"assign"}, "confirm": {"assign"}, "version": {"2"}, "due_date": {"30/12/2026"}, "comment": {"Xử lý gấp"}})
		}, false, []string{"assignee_id"}, "chọn một chuyên viên", []kept{{"due_date", "30/12/2026"}, {"assign_comment", "Xử lý gấp"}}},
		{"document/assign due date", "lanhdao", func(c *client) page {
			c.get("/documents/" + in)
			return c.post("/documents/"+in, url.Values{"action": {"assign"}, "version": {"2"}, "assignee_id": {handler}, "due_date": {"31/02/2026"}})
		}, false, []string{"due_date"}, "Hạn xử lý không hợp lệ", []kept{{"due_date", "31/02/2026"}}},
		{"document/comment too long", "vanthu", func(c *client) page {
			c.get("/documents/" + in)
			return c.post("/documents/"+in, url.Values{"action": {"comment"}, "comment": {strings.Repeat("ý", workflow.MaxComment+1)}})
		}, false, []string{"comment"}, "Ý kiến", nil},
		{"list/two bad dates", "vanthu", func(c *client) page { return c.get("/incoming?from=31/02/2026&to=40/01/2026") },
			false, []string{"from", "to"}, "Ngày lọc không hợp lệ", []kept{{"from", "31/02/2026"}, {"to", "40/01/2026"}}},
		{"list/dates reversed", "vanthu", func(c *client) page { return c.get("/incoming?from=31/12/2026&to=01/01/2026") },
			false, []string{"to"}, "Khoảng ngày bị ngược", []kept{{"from", "31/12/2026"}, {"to", "01/01/2026"}}},
		{"archive/dates reversed", "luutru", func(c *client) page { return c.get("/archive?q=đất&from=31/12/2026&to=01/01/2026") },
			false, []string{"to"}, "Khoảng ngày bị ngược", []kept{{"q", "đất"}, {"from", "31/12/2026"}, {"to", "01/01/2026"}}},
		{"archive/number", "luutru", func(c *client) page { return c.get("/archive?number=abc") },
			false, []string{"number"}, "số nguyên dương", nil},
		{"reform/period reversed", "vanthu", func(c *client) page { return c.get("/reports/reform?from=25/11/2026&to=01/01/2026") },
			false, []string{"to"}, "Kỳ báo cáo không hợp lệ", []kept{{"from", "25/11/2026"}, {"to", "01/01/2026"}}},
		{"verify/no file", "vanthu", func(c *client) page {
			c.get("/verify")
			return c.postMultipart("/verify", url.Values{}, nil)
		}, false, []string{"file"}, "Chọn tệp PDF", nil},
		{"agencies/no file", "quantri", func(c *client) page {
			c.get("/admin/agencies")
			return c.postMultipart("/admin/agencies", url.Values{}, nil)
		}, false, []string{"agency"}, "tệp JSON", nil},
		{"agencies/not an export", "quantri", func(c *client) page {
			c.get("/admin/agencies")
			return c.postMultipart("/admin/agencies", url.Values{}, map[string][]byte{"agency:coquan.json": []byte("{\"x\":1}")})
		}, false, []string{"agency"}, "vanthu agency export", nil},
		{"pki/serial not found", "quantri", func(c *client) page {
			c.get("/admin/pki")
			return c.post("/admin/pki", url.Values{"serial": {"1a2b"}, "reason": {"keyCompromise"}, "confirm": {"revoke"}, "comment": {"Mất thiết bị"}})
		}, false, []string{"serial"}, "Không tìm thấy chứng thư", []kept{{"serial", "1a2b"}, {"comment", "Mất thiết bị"}}},
		{"pki/reason", "quantri", func(c *client) page {
			c.get("/admin/pki")
			return c.post("/admin/pki", url.Values{"serial": {"1a2b"}, "reason": {"tired"}, "confirm": {"revoke"}})
		}, false, []string{"reason"}, "Lý do thu hồi", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.do(e.login(tt.user))
			if p.Status < 400 && !strings.Contains(p.Body, `role="alert"`) {
				t.Fatalf("status %d, no problem shown\n%s", p.Status, p.Body)
			}
			switch {
			case tt.group:
				checkGroupProblem(t, p.Body, tt.inputs[0], tt.want)
			case len(tt.inputs) == 1:
				checkFieldProblem(t, p.Body, tt.inputs[0], tt.want)
			default:
				doc := parseHTML(t, p.Body)
				if got := invalidInputs(doc); strings.Join(got, " ") != strings.Join(tt.inputs, " ") {
					t.Fatalf("inputs marked invalid %q, want %q", got, tt.inputs)
				}
				for _, id := range tt.inputs {
					by, _ := attrOf(byID(doc, id), "aria-describedby")
					if m := byID(doc, by); m == nil || !strings.Contains(textOf(m), tt.want) {
						t.Errorf("%s is not described by a message saying %q", id, tt.want)
					}
				}
			}
			doc := parseHTML(t, p.Body)
			for _, k := range tt.kept {
				n := byID(doc, k.id)
				v, _ := attrOf(n, "value")
				if n != nil && n.Data == "textarea" {
					v = textOf(n)
				}
				if n == nil || v != k.value {
					t.Errorf("%s shows %q after the problem, typed %q", k.id, v, k.value)
				}
			}
		})
	}
}

// recipientsOnly is an Exchange that lists fixed recipients.
type recipientsOnly struct {
	Exchange
	orgs []workflow.Org
}

func (x recipientsOnly) Recipients(context.Context, *workflow.User) ([]workflow.Org, error) {
	return x.orgs, nil
}

// TestCreateFormRecipientsProblem: a problem of the outgoing draft's
// recipients (a box group) is shown beside the group — its fieldset
// described by the message after the legend, every box marked invalid,
// app.js's data-invalid for the focus — with the boxes that were checked
// still checked and what was typed kept; before, the message was only
// above the form.
func TestCreateFormRecipientsProblem(t *testing.T) {
	e := newTestEnv(t)
	longHoa, anThoi := "000.00.31.H13", "000.00.32.H13"
	e.remount(t, Config{Exchange: recipientsOnly{orgs: []workflow.Org{
		{OrgID: longHoa, Name: "UBND phường Long Hòa"}, {OrgID: anThoi, Name: "UBND phường An Thới"}}}})
	for _, tt := range []struct {
		name   string
		chosen []string
	}{
		{"not a connected agency", []string{longHoa, "000.00.99.Z99"}}, // the list changed since the form was shown
		{"listed twice", []string{longHoa, longHoa}},                   // the service's own check
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login("chuyenvien")
			c.get("/outgoing/new")
			form := url.Values{"type": {"QĐ"}, "subject": {"Về việc ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID},
				"urgency": {"normal"}, "confidentiality": {"normal"}, "recipients": tt.chosen}
			p := c.postMultipart("/outgoing/new", form, map[string][]byte{"file:duthao.pdf": fakePDF})
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", p.Status, p.Body)
			}
			doc := checkGroupProblem(t, p.Body, "recipients", "Nơi nhận không hợp lệ")
			checked := map[string]bool{}
			walkHTML(doc, func(n *html.Node) {
				if name, _ := attrOf(n, "name"); name == "recipients" {
					v, _ := attrOf(n, "value")
					_, checked[v] = attrOf(n, "checked")
				}
			})
			if len(checked) != 2 || !checked[longHoa] || checked[anThoi] {
				t.Errorf("boxes checked after the problem: %v, want only %s", checked, longHoa)
			}
			if sub := byID(doc, "subject"); textOf(sub) != form.Get("subject") {
				t.Errorf("subject: %q after the problem", textOf(sub))
			}
		})
	}
}
