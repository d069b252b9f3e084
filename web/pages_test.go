package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

var fakePDF = []byte("%PDF-1.7\n% a test file\n%%EOF\n")

// docIDFrom returns the document id of a redirect to /documents/{id}.
func docIDFrom(t *testing.T, p page) string {
	t.Helper()
	m := regexp.MustCompile(`^/documents/([^/?]+)`).FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("want a redirect to the document, got %d %q\n%s", p.Status, p.Location, p.Body)
	}
	return m[1]
}

// newIncoming registers an incoming document through the form.
func (e *testEnv) newIncoming(c *client, subject string, extra url.Values) string {
	e.t.Helper()
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {subject}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "sender_org_id": {"000.00.00.H13"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	for k, v := range extra {
		f[k] = v
	}
	return docIDFrom(e.t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:congvan.pdf": fakePDF}))
}

// act presses an action button on the document page, and the
// confirming button of the page that asks first, when one does.
func act(t *testing.T, c *client, id string, action workflow.Action, extra url.Values) page {
	t.Helper()
	c.get("/documents/" + id)
	f := url.Values{"action": {string(action)}}
	for k, v := range extra {
		f[k] = v
	}
	p := c.post("/documents/"+id, f)
	if cf, ok := confirmForm(p, string(action)); ok {
		return c.post("/documents/"+id, cf)
	}
	return p
}

var (
	confirmFormRe = regexp.MustCompile(`(?s)<section class="card confirm" id="confirm".*?<form method="post" action="([^"]+)">(.*?)</form>`)
	hiddenRe      = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	textareaRe    = regexp.MustCompile(`(?s)<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>`)
)

// confirmForm returns what the confirmation page p sends when its button
// confirming key is pressed: its hidden fields, its text, confirm=key;
// false when p is no confirmation page of key.
func confirmForm(p page, key string) (url.Values, bool) {
	m := confirmFormRe.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil || !strings.Contains(m[2], `<button type="submit" name="confirm" value="`+key+`"`) {
		return nil, false
	}
	f := url.Values{"confirm": {key}}
	for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
		f.Add(h[1], html.UnescapeString(h[2]))
	}
	for _, ta := range textareaRe.FindAllStringSubmatch(m[2], -1) {
		f.Add(ta[1], html.UnescapeString(ta[2]))
	}
	if strings.Contains(m[2], `name="`+signerPasswordField+`"`) { // the signer types the password
		f.Set(signerPasswordField, testPassword)
	}
	return f, true
}

func button(a workflow.Action) string {
	return fmt.Sprintf(`name="action" value="%s"`, a)
}

func TestIncomingFlowThroughPages(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer, handler := e.login("vanthu"), e.login("lanhdao"), e.login("chuyenvien")

	id := e.newIncoming(clerk, "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc", url.Values{"urgency": {"flash"}})
	p := clerk.get("/documents/" + id)
	for _, want := range []string{button(workflow.Register), button(workflow.Reject), "Hỏa tốc", "u-flash", "UBND thành phố Cần Thơ", "20/11/2026",
		`<iframe class="pdf" src="/documents/` + id + `/file"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("document page lacks %s", want)
		}
	}
	if home := clerk.get("/"); !strings.Contains(home.Body, "Về việc tổ chức Ngày hội") || !strings.Contains(home.Body, "Chờ vào sổ") {
		t.Errorf("clerk's inbox does not list the new document")
	}
	// Rejecting needs a reason: the page says so, nothing changes.
	if p := act(t, clerk, id, workflow.Reject, nil); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "lý do") {
		t.Errorf("reject without reason: %d", p.Status)
	}
	if p := act(t, clerk, id, workflow.Register, nil); p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=register") {
		t.Fatalf("register: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if p := clerk.get("/documents/" + id + "?done=register"); !strings.Contains(p.Body, "Đã vào sổ văn bản đến.") {
		t.Errorf("no confirmation after register")
	}
	// The officer assigns it to a handler with a due date.
	p = officer.get("/documents/" + id)
	if !strings.Contains(p.Body, `name="assignee_id"`) || !strings.Contains(p.Body, `name="due_date"`) {
		t.Fatalf("officer sees no assign form")
	}
	hid := e.users["chuyenvien"].ID
	if p := act(t, officer, id, workflow.Assign, url.Values{"assignee_id": {hid}, "due_date": {"2026-11-24"}, "comment": {"Đề nghị xử lý gấp"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", p.Status, p.Body)
	}
	d, _ := e.docs.Get(t.Context(), e.users["chuyenvien"], id)
	if d.AssigneeID != hid || d.DueDate == nil || d.DueDate.Format("02/01/2006") != "24/11/2026" {
		t.Fatalf("assigned to %q due %v", d.AssigneeID, d.DueDate)
	}
	// The handler sees it in the inbox, overdue (due 24/11, today 25/11).
	home := handler.get("/")
	if !strings.Contains(home.Body, "Về việc tổ chức Ngày hội") || !strings.Contains(home.Body, "Quá hạn") {
		t.Errorf("handler's inbox lacks the overdue document:\n%s", home.Body)
	}
	for _, a := range []workflow.Action{workflow.Start, workflow.Complete} {
		if p := act(t, handler, id, a, nil); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", a, p.Status, p.Body)
		}
	}
	if p := act(t, clerk, id, workflow.Archive, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("archive: %d\n%s", p.Status, p.Body)
	}
	p = clerk.get("/documents/" + id)
	for _, want := range []string{"Đã lưu trữ", "Phân công (Đã vào sổ → Đã phân công)", "Đề nghị xử lý gấp", "Lê Chuyên Viên"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
}

// TestRoleSeesNoButtonAndForgedPostIsForbidden: every role without an
// action on a document sees no button for it, and posting it anyway
// gets the forbidden page and changes nothing.
func TestRoleSeesNoButtonAndForgedPostIsForbidden(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Giấy mời họp giao ban", nil)
	for _, name := range []string{"lanhdao", "chuyenvien", "luutru", "quantri"} {
		t.Run(name, func(t *testing.T) {
			c := e.login(name)
			p := c.get("/documents/" + id)
			if p.Status != http.StatusOK {
				t.Fatalf("GET: %d", p.Status)
			}
			for _, a := range []workflow.Action{workflow.Register, workflow.Reject} {
				if strings.Contains(p.Body, button(a)) {
					t.Errorf("%s sees the %s button", name, a)
				}
				f := c.post("/documents/"+id, url.Values{"action": {string(a)}, "comment": {"giả mạo"}})
				if f.Status != http.StatusForbidden || !strings.Contains(f.Body, "Không có quyền") {
					t.Errorf("forged %s: %d", a, f.Status)
				}
			}
		})
	}
	d, _ := e.docs.Get(t.Context(), e.users["vanthu"], id)
	if d.State != workflow.Received {
		t.Fatalf("state changed to %s", d.State)
	}
	// The handler may not open the forms of others' work either.
	if p := e.login("chuyenvien").get("/incoming/new"); p.Status != http.StatusForbidden {
		t.Errorf("handler GET /incoming/new: %d", p.Status)
	}
	if p := clerk.get("/outgoing/new"); p.Status != http.StatusForbidden {
		t.Errorf("clerk GET /outgoing/new: %d", p.Status)
	}
}

func TestActionWithoutCSRFIsRefused(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Công văn kiểm tra CSRF", nil)
	for name, tok := range map[string]string{"missing": "", "wrong": "AAAA" + clerk.csrf[4:]} {
		t.Run(name, func(t *testing.T) {
			p := clerk.post("/documents/"+id, url.Values{"action": {"register"}, "csrf_token": {tok}})
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Biểu mẫu không hợp lệ") {
				t.Fatalf("got %d", p.Status)
			}
		})
	}
	// Another session's token does not work either.
	other := e.login("vanthu")
	if p := clerk.post("/documents/"+id, url.Values{"action": {"register"}, "csrf_token": {other.csrf}}); p.Status != http.StatusForbidden {
		t.Fatalf("other session's token: %d", p.Status)
	}
	// Nor an upload without it.
	if p := clerk.postMultipart("/incoming/new", url.Values{"csrf_token": {""}, "subject": {"x"}}, map[string][]byte{"file": fakePDF}); p.Status != http.StatusForbidden {
		t.Fatalf("upload without token: %d", p.Status)
	}
	d, _ := e.docs.Get(t.Context(), e.users["vanthu"], id)
	if d.State != workflow.Received {
		t.Fatalf("state changed to %s", d.State)
	}
}

// TestConfidentialIsNotFoundForOthers: a classified document exists only
// for those allowed, on every page: lists, inbox and its counts, the
// document page, its file.
func TestConfidentialIsNotFoundForOthers(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	secret := "Kế hoạch bảo vệ bí mật nhà nước"
	id := e.newIncoming(clerk, secret, url.Values{"confidentiality": {"secret"}})
	if p := act(t, clerk, id, workflow.Register, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("register: %d", p.Status)
	}
	// Officers may assign registered documents, but not this one: they do
	// not see it.
	for _, name := range []string{"lanhdao", "chuyenvien", "luutru"} {
		t.Run(name, func(t *testing.T) {
			c := e.login(name)
			for _, path := range []string{"/", "/?task=assign", "/incoming", "/incoming?q=bao+ve", "/outgoing"} {
				p := c.get(path)
				if p.Status != http.StatusOK || strings.Contains(p.Body, secret) || strings.Contains(p.Body, id) {
					t.Errorf("%s shows the confidential document (%d)", path, p.Status)
				}
				if strings.Contains(p.Body, `Chờ phân công <span class="count">1</span>`) {
					t.Errorf("%s counts it", path)
				}
			}
			for _, path := range []string{"/documents/" + id, "/documents/" + id + "/file"} {
				if p := c.get(path); p.Status != http.StatusNotFound || strings.Contains(p.Body, secret) {
					t.Errorf("%s: %d", path, p.Status)
				}
			}
			if p := c.post("/documents/"+id, url.Values{"action": {"assign"}}); p.Status != http.StatusNotFound {
				t.Errorf("post: %d", p.Status)
			}
		})
	}
	if p := clerk.get("/incoming?q=b%E1%BA%A3o+v%E1%BB%87"); !strings.Contains(p.Body, secret) {
		t.Errorf("the clerk does not find it") // (folding of diacritics: storage/gormdb's tests)
	}
	if p := clerk.get("/?task=assign"); !strings.Contains(p.Body, `Chờ phân công <span class="count">1</span>`) {
		t.Errorf("clerk's count misses it")
	}
}

func TestListFiltersAndPaging(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	for i := range listPageSize + 5 {
		e.newIncoming(clerk, fmt.Sprintf("Công văn số %03d về đất đai", i), nil)
	}
	p := clerk.get("/incoming")
	if n := strings.Count(p.Body, `<a href="/documents/`); n != listPageSize {
		t.Fatalf("first page has %d rows", n)
	}
	m := regexp.MustCompile(`href="(/incoming\?cursor=[^"]+)">Trang sau`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no next page link")
	}
	p2 := clerk.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if n := strings.Count(p2.Body, `<a href="/documents/`); n != 5 {
		t.Fatalf("second page has %d rows", n)
	}
	if p := clerk.get("/incoming?state=registered"); strings.Contains(p.Body, "Công văn số") {
		t.Errorf("state filter lets received documents through")
	}
	if p := clerk.get("/incoming?from=32/13/2026"); p.Status != http.StatusBadRequest {
		t.Errorf("bad date: %d", p.Status)
	}
}

func TestOutgoingDraftForm(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	p := h.get("/outgoing/new")
	for _, want := range []string{`name="subject"`, `name="type"`, `name="urgency"`, `name="confidentiality"`, `name="signer_id"`,
		`name="file"`, `name="attachment"`, `name="layout_signature_x"`, "Trần Văn Lãnh Đạo", "data-progress", `name="due_date"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("draft form lacks %s", want)
		}
	}
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID},
		"layout_signature_page": {"0"}, "layout_signature_x": {"300"}, "layout_signature_y": {"100"}, "layout_signature_w": {"200"}, "layout_signature_h": {"80"},
		"due_date": {"15/12/2026"}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF, "attachment:phuluc.pdf": fakePDF}))
	d, _ := e.docs.Get(t.Context(), e.users["chuyenvien"], id)
	if d.Layout == nil || d.Layout.Signature == nil || d.Layout.Signature.X != 300 || len(d.Files) != 2 {
		t.Fatalf("draft: layout %+v, %d files", d.Layout, len(d.Files))
	}
	// The due date typed on the form (an outgoing draft's could be set
	// through the API only).
	if d.DueDate == nil || d.DueDate.String() != "2026-12-15" {
		t.Fatalf("draft's due date %v, want 2026-12-15", d.DueDate)
	}
	f.Del("due_date")
	// A bad layout comes back with the form and the values typed.
	f.Set("layout_signature_w", "")
	f.Set("subject", "Quyết định giữ lại")
	p = h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Vị trí dấu không hợp lệ") || !strings.Contains(p.Body, "Quyết định giữ lại") {
		t.Fatalf("bad layout: %d\n%s", p.Status, p.Body)
	}
	// Submit, approve; the named signer sees "Ký số" and where the stamp
	// goes, the other officer does not see the button.
	for _, step := range []struct {
		who string
		a   workflow.Action
	}{{"chuyenvien", workflow.Submit}, {"lanhdao", workflow.Approve}} {
		if p := act(t, e.login(step.who), id, step.a, nil); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.a, p.Status, p.Body)
		}
	}
	e.docs.Signer = workflowtest.Signer{}
	p = e.login("lanhdao").get("/documents/" + id)
	if !strings.Contains(p.Body, button(workflow.Sign)) || !strings.Contains(p.Body, "Trước khi ký số") || !strings.Contains(p.Body, "cách lề trái 106 mm") {
		t.Errorf("signer's page lacks the sign button or the stamp place")
	}
	if p := e.login("lanhdao2").get("/documents/" + id); strings.Contains(p.Body, button(workflow.Sign)) {
		t.Errorf("another officer sees the sign button")
	}
	// Signing is not configured here: no button that can only fail, the
	// page says why, and a post of it (an old page) is refused in
	// Vietnamese at once.
	e.docs.Signer = nil
	p = e.login("lanhdao").get("/documents/" + id)
	if strings.Contains(p.Body, button(workflow.Sign)) || !strings.Contains(p.Body, "Máy chủ này chưa được cấu hình để Ký số") {
		t.Errorf("the page offers to sign on a server without a signer, or does not say why")
	}
	if p := e.login("lanhdao").post("/documents/"+id, url.Values{"action": {"sign"}}); p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "đang gián đoạn") {
		t.Errorf("sign without signer: %d", p.Status)
	}
}

// TestFilesServedAsWhatTheyAre: a document's PDF is shown in the page's
// viewer; a file that is not a PDF (a received .docx, a .zip of annexes,
// an .html someone attached) is offered for download under its own type,
// never shown inline as a PDF (it was served as application/pdf, inline,
// and opened as a broken PDF) nor as active content in our origin.
func TestFilesServedAsWhatTheyAre(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	clerk.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Về việc gửi phụ lục"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "sender_org_id": {"000.00.00.H13"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	files := map[string][]byte{"file:congvan.pdf": fakePDF, "attachment:Phụ lục.docx": []byte("PK\x03\x04 a docx"),
		"attachment:trang.html": []byte("<html><script>alert(1)</script>")}
	id := docIDFrom(t, clerk.postMultipart("/incoming/new", f, files))
	d, err := e.docs.Get(context.Background(), e.users["vanthu"], id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ typ, disp string }{
		"congvan.pdf":  {"application/pdf", "inline"},
		"Phụ lục.docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment"},
		"trang.html":   {"application/octet-stream", "attachment"},
	}
	if len(d.Files) != len(want) {
		t.Fatalf("%d files stored, want %d: %+v", len(d.Files), len(want), d.Files)
	}
	for _, file := range d.Files {
		w := want[file.Name]
		p := clerk.get("/documents/" + id + "/file?sha256=" + file.SHA256)
		typ, disp := p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition")
		if p.Status != http.StatusOK || typ != w.typ || !strings.HasPrefix(disp, w.disp+";") || p.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d, Content-Type %q, Content-Disposition %q, nosniff %q; want %q, %s",
				file.Name, p.Status, typ, disp, p.Header.Get("X-Content-Type-Options"), w.typ, w.disp)
		}
	}
}

// TestInboxNamesTheDrafter: in an official's inbox, a draft he is to
// approve and sign names who drafted it, not himself as its signer; the
// clerk's inbox still names the signer of a document to issue.
func TestInboxNamesTheDrafter(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = workflowtest.Signer{}
	handler, officer, clerk := e.login("chuyenvien"), e.login("lanhdao"), e.login("vanthu")
	e.outgoingThrough(t, handler, officer, workflow.Submit)
	e.outgoingThrough(t, handler, officer, workflow.Submit, workflow.Approve, workflow.Sign)
	cell := regexp.MustCompile(`<td data-label="Nơi gửi / Người ký">([^<]*)</td>`)
	for _, tc := range []struct {
		who  *client
		name string
		want []string
	}{
		{officer, "the official", []string{"Người soạn: Lê Chuyên Viên"}},
		{clerk, "the clerk", []string{"Trần Văn Lãnh Đạo"}},
	} {
		var got []string
		for _, m := range cell.FindAllStringSubmatch(tc.who.get("/").Body, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s's inbox names %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestInboxSaysWhatWaits: in an official's inbox an approved draft he is
// to sign reads "Chờ ký", its state "Đã duyệt" beside it, in the tab
// "Chờ ký" and in the whole inbox; a draft to approve keeps its state
// alone ("Chờ duyệt" says it); the clerk's list of outgoing documents
// shows the state as before, with since when (TestListSaysSinceWhen).
func TestInboxSaysWhatWaits(t *testing.T) {
	e := newTestEnv(t)
	handler, officer, clerk := e.login("chuyenvien"), e.login("lanhdao"), e.login("vanthu")
	e.outgoingThrough(t, handler, officer, workflow.Submit)
	e.outgoingThrough(t, handler, officer, workflow.Submit, workflow.Approve)
	cell := regexp.MustCompile(`<td data-label="Trạng thái">(.*?)</td>`)
	for _, tc := range []struct {
		who  *client
		path string
		want []string
	}{
		{officer, "/", []string{`Chờ duyệt`, `<strong class="waits">Chờ ký</strong><br><span class="muted">Đã duyệt</span>`}},
		{officer, "/?task=sign", []string{`<strong class="waits">Chờ ký</strong><br><span class="muted">Đã duyệt</span>`}},
		{clerk, "/outgoing", []string{`Đã duyệt <span class="muted since">từ hôm nay</span>`, `Chờ duyệt <span class="muted since">từ hôm nay</span>`}},
	} {
		var got []string
		for _, m := range cell.FindAllStringSubmatch(tc.who.get(tc.path).Body, -1) {
			got = append(got, strings.TrimSpace(m[1]))
		}
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: the states read %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestOutgoingFormFoldsLayout: the draft form's fifteen layout inputs
// (few drafts need them; the draft's layout page places the boxes on the
// page's image) are folded under one line, so that on a phone Lưu dự
// thảo is not some 1,500 px below Ghi chú; the form comes back with them
// open when one holds a value — a box half given, named as a problem
// (walk 7).
func TestOutgoingFormFoldsLayout(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	folded := `<details id="layout-more" class="more">`
	if p := h.get("/outgoing/new"); !strings.Contains(p.Body, folded) {
		t.Errorf("a new draft's form does not fold the layout inputs")
	}
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID}, "layout_signature_x": {"300"}}
	p := h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `<details id="layout-more" class="more" open>`) {
		t.Errorf("a form back with a layout box half given: %d, its inputs not shown open", p.Status)
	}
}
