package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// TestFormsStoreNFC: text typed with decomposed letters (a Vietnamese
// keyboard in "Unicode tổ hợp") is stored composed, in an upload form
// (multipart) and a plain one; a password is kept as typed, so the user
// signs in with it as set.
func TestFormsStoreNFC(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	subject := "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026"
	nfd := func(s string) string { return norm.NFD.String(s) }
	if nfd(subject) == subject {
		t.Fatal("the test subject has no decomposable letter")
	}
	id := e.newIncoming(clerk, nfd(subject), url.Values{"sender_name": {nfd("UBND thành phố Cần Thơ")}, "notes": {nfd("Bản chụp")}})
	d, err := e.docs.Get(context.Background(), e.users["vanthu"], id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != subject || d.Sender.Name != "UBND thành phố Cần Thơ" || d.Notes != "Bản chụp" {
		t.Errorf("stored %q, %q, %q; want them composed (NFC)", d.Subject, d.Sender.Name, d.Notes)
	}

	admin := e.login("quantri")
	admin.get("/admin/users")
	password := nfd("mật-khẩu-mới-1")
	p := admin.post("/admin/users", url.Values{"username": {"thuky"}, "password": {password}, "full_name": {nfd("Hồ Thị Thư Ký")}, "roles": {"clerk"}})
	if p.Status != 303 {
		t.Fatalf("create user: %d\n%s", p.Status, p.Body)
	}
	users, err := e.repo.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == "thuky" && u.FullName != "Hồ Thị Thư Ký" {
			t.Errorf("full name stored as %q", u.FullName)
		}
	}
	if _, _, _, err := e.auth.LoginFrom(context.Background(), "127.0.0.1", "thuky", password); err != nil {
		t.Errorf("the password as typed (decomposed) no longer signs in: %v", err)
	}
}

// TestRepeatedActionShowsItsResult: the same form posted twice (a double
// click without JavaScript, the back button and "Vào sổ" again) shows
// the action's result the second time, not "the document changed"; the
// same post by someone else, or an assignment to another handler, is
// still refused.
func TestRepeatedActionShowsItsResult(t *testing.T) {
	e := newTestEnv(t)
	if _, err := e.auth.CreateUser(context.Background(), nil, auth.NewUser{Username: "vanthu2", Password: testPassword, FullName: "Văn Thư Hai",
		Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	clerk, clerk2, officer := e.login("vanthu"), e.login("vanthu2"), e.login("lanhdao")
	id := e.newIncoming(clerk, "Về việc kiểm tra lặp thao tác", nil)
	form := func(c *client, action string, extra url.Values) url.Values {
		p := c.get("/documents/" + id)
		m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no version on the page:\n%s", p.Body)
		}
		f := url.Values{"action": {action}, "version": {m[1]}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	// The button alone only asks; the confirmed form, posted twice,
	// registers once; the unconfirmed one posted again afterwards (the
	// back button) shows the result too.
	unconfirmed := form(clerk, "register", nil)
	if _, ok := confirmForm(clerk.post("/documents/"+id, unconfirmed), "register"); !ok {
		t.Fatalf("register without confirmation does not ask")
	}
	reg := form(clerk, "register", url.Values{"confirm": {"register"}})
	for i := range 2 {
		p := clerk.post("/documents/"+id, reg)
		// A paper document: on to the form of the next one.
		if p.Status != http.StatusSeeOther || p.Location != "/incoming/new?done=register&registered="+id {
			t.Fatalf("post %d of the same register form: %d %q\n%s", i+1, p.Status, p.Location, p.Body)
		}
	}
	if p := clerk.post("/documents/"+id, unconfirmed); p.Status != http.StatusSeeOther || p.Location != "/incoming/new?done=register&registered="+id {
		t.Fatalf("the unconfirmed form again: %d %q", p.Status, p.Location)
	}
	d, _ := e.docs.Get(context.Background(), e.users["vanthu"], id)
	if d.Number != 1 {
		t.Errorf("incoming number %d after two clicks, want 1", d.Number)
	}
	// Another clerk's stale register form is refused: it is not their click.
	clerk2.get("/documents/" + id)
	if p := clerk2.post("/documents/"+id, reg); p.Status == http.StatusSeeOther {
		t.Errorf("another user's stale form passed as a repeat: %q", p.Location)
	}

	assign := form(officer, "assign", url.Values{"assignee_id": {e.users["chuyenvien"].ID}, "confirm": {"assign"}})
	if p := officer.post("/documents/"+id, assign); p.Status != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", p.Status, p.Body)
	}
	if p := officer.post("/documents/"+id, assign); p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "?done=assign") {
		t.Errorf("the same assignment again: %d %q", p.Status, p.Location)
	}
	other := url.Values{}
	for k, v := range assign {
		other[k] = v
	}
	other.Set("assignee_id", e.users["chuyenvien2"].ID)
	if p := officer.post("/documents/"+id, other); p.Status == http.StatusSeeOther {
		t.Errorf("a stale form assigning another handler passed as a repeat: %q", p.Location)
	}
}

// TestSessionEndsMidForm: a form posted after the session ended (expired,
// or signed out in another tab) gets the login form, which comes back to
// the form's page and shows the text typed, not an error page whose link
// leads to the inbox; a page opened after it says why login is asked.
func TestSessionEndsMidForm(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Về việc phiên hết hạn", nil)
	clerk.get("/documents/" + id)
	base, _ := url.Parse(e.srv.URL)
	cookies, token := clerk.hc.Jar.Cookies(base), clerk.csrf
	if p := clerk.post("/logout", nil); p.Status != http.StatusSeeOther { // another tab signs out
		t.Fatalf("logout: %d", p.Status)
	}
	send := func(method, path string, form url.Values) page {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		return e.client().do(req)
	}
	p := send(http.MethodPost, "/documents/"+id, url.Values{"action": {"comment"}, "comment": {"Đề nghị phòng Tư pháp góp ý"}, "csrf_token": {token}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, `action="/login"`) ||
		!strings.Contains(p.Body, `name="next" value="/documents/`+id+`"`) || !strings.Contains(p.Body, "Phiên làm việc đã hết hạn") ||
		!strings.Contains(p.Body, "Đề nghị phòng Tư pháp góp ý") {
		t.Fatalf("post after the session ended: %d\n%s", p.Status, p.Body)
	}
	// Signing in from that page comes back to the document.
	c := e.client()
	c.get("/login")
	p = c.post("/login", url.Values{"username": {"vanthu"}, "password": {testPassword}, "next": {"/documents/" + id}})
	if p.Status != http.StatusSeeOther || p.Location != "/documents/"+id {
		t.Fatalf("login from the expired form: %d %q", p.Status, p.Location)
	}
	// A page opened with the ended session says why login is asked.
	p = send(http.MethodGet, "/incoming", nil)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "expired=1") {
		t.Fatalf("GET with an ended session: %d %q", p.Status, p.Location)
	}
	if p := e.client().get(p.Location); !strings.Contains(p.Body, "Phiên làm việc đã hết hạn") {
		t.Errorf("the login page does not say the session ended:\n%s", p.Body)
	}
}

// searchArchive is an Archive whose Search records its query.
type searchArchive struct {
	Archive
	got  *archive.Query
	recs []*archive.Record
}

func (a searchArchive) Search(_ context.Context, _ *workflow.User, q archive.Query) ([]*archive.Record, string, error) {
	*a.got = q
	return a.recs, "", nil
}

func (a searchArchive) SearchCount(ctx context.Context, u *workflow.User, q archive.Query) ([]*archive.Record, string, int, error) {
	recs, next, err := a.Search(ctx, u, q)
	return recs, next, len(recs), err
}

// TestDateFiltersThatDoNotRead: a list or archive search with a date that
// does not read (31/02, a slip of the keyboard) shows the page with the
// filters as typed and the problem named, not an error page without the
// form; a date typed with spaces around it reads.
func TestDateFiltersThatDoNotRead(t *testing.T) {
	e := newTestEnv(t)
	var got archive.Query
	e.remount(t, Config{Archive: searchArchive{got: &got}})
	clerk := e.login("vanthu")
	e.newIncoming(clerk, "Về việc lọc theo ngày", nil)
	for _, path := range []string{"/incoming?q=l%E1%BB%8Dc&from=31/02/2026", "/archive?q=l%E1%BB%8Dc&from=31/02/2026"} {
		p := clerk.get(path)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Ngày lọc không hợp lệ") || !strings.Contains(p.Body, `value="31/02/2026"`) ||
			!strings.Contains(p.Body, `value="lọc"`) {
			t.Errorf("%s: %d\n%s", path, p.Status, p.Body)
		}
	}
	if p := clerk.get("/incoming?from=+20/11/2026+"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Về việc lọc theo ngày") {
		t.Errorf("a date with spaces around it: %d", p.Status)
	}
	if p := clerk.get("/archive?from=+20/11/2026+"); p.Status != http.StatusOK || got.From == nil || got.From.String() != "2026-11-20" {
		t.Errorf("archive search, a date with spaces around it: %d, from %v", p.Status, got.From)
	}
}

// TestReformCSVLink: the report page's "Tải CSV" link works in the
// browser that shows it (it led to the API, which wants a bearer token,
// and answered a 401 in English JSON); a period that does not read is
// named above the form.
func TestReformCSVLink(t *testing.T) {
	e := newTestEnv(t)
	withPages(t, e)
	c := e.login("vanthu")
	p := c.get("/reports/reform?from=01/01/2026&to=25/11/2026")
	m := regexp.MustCompile(`<a href="([^"]+)">Tải CSV</a>`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSV link:\n%s", p.Body)
	}
	csv := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Body, "2026-01-01,2026-11-25,") || !strings.Contains(csv.Header.Get("Content-Disposition"), "reform-2026-01-01-2026-11-25.csv") {
		t.Fatalf("the CSV link %s: %d %s\n%s", m[1], csv.Status, csv.Header.Get("Content-Type"), csv.Body)
	}
	if p := e.login("chuyenvien").get(m[1]); p.Status != http.StatusForbidden {
		t.Errorf("a handler downloads the report: %d", p.Status)
	}
	p = c.get("/reports/reform?from=25/11/2026&to=01/01/2026")
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Kỳ báo cáo không hợp lệ") || !strings.Contains(p.Body, `value="25/11/2026"`) {
		t.Errorf("a period ending before it starts: %d\n%s", p.Status, p.Body)
	}
}

// TestCreateFormAfterAProblem: an upload form sent back with a problem
// keeps what was typed and says that the file must be chosen again (a
// browser never keeps a file input's choice across pages, and its own
// "required" message would be the only hint); the date's message says
// a real date is wanted, not that it is missing.
func TestCreateFormAfterAProblem(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	clerk.get("/incoming/new")
	p := clerk.postMultipart("/incoming/new", url.Values{"type": {"CV"}, "subject": {"Về việc tổ chức hội nghị"}, "original_number": {"12/UBND-VP"},
		"original_date": {"31/02/2026"}, "sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"flash"}, "confidentiality": {"normal"}},
		map[string][]byte{"file:congvan.pdf": fakePDF})
	for _, want := range []string{"Về việc tổ chức hội nghị", `value="31/02/2026"`, `value="flash" selected`, "ngày có thật",
		"hãy chọn lại tệp PDF", `aria-describedby="file-again"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the form after a bad date lacks %q (status %d)", want, p.Status)
		}
	}
	if p.Status != http.StatusBadRequest {
		t.Errorf("status %d", p.Status)
	}
}

// TestPermanentRetentionShown: a permanent record is kept "Vĩnh viễn", not
// "đến 01/01/10000" (its object-lock date, the end of year 9999 UTC, is
// already the next year in Vietnam); a record kept for years shows its date.
func TestPermanentRetentionShown(t *testing.T) {
	e := newTestEnv(t)
	var got archive.Query
	recs := []*archive.Record{
		{DocumentID: "d1", Subject: "Quyết định lưu vĩnh viễn", Class: archive.ClassPermanent, RetainUntil: archive.Forever},
		{DocumentID: "d2", Subject: "Công văn lưu 10 năm", Class: archive.Class10y, RetainUntil: time.Date(2036, 12, 31, 17, 0, 0, 0, time.UTC)},
	}
	e.remount(t, Config{Archive: searchArchive{got: &got, recs: recs}})
	p := e.login("luutru").get("/archive?q=luu")
	if strings.Contains(p.Body, "10000") || !strings.Contains(p.Body, `<td data-label="Bảo quản đến">Vĩnh viễn</td>`) || !strings.Contains(p.Body, `<td data-label="Bảo quản đến">01/01/2037</td>`) {
		t.Errorf("archive search: %d\n%s", p.Status, p.Body)
	}
	for in, want := range map[time.Time]string{archive.Forever: "Vĩnh viễn", time.Date(2036, 12, 31, 17, 0, 0, 0, time.UTC): "01/01/2037"} {
		if got := fmtUntil(in); got != want {
			t.Errorf("fmtUntil(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryCodeNamed: every state, action and inbox tab that a page can
// show has its Vietnamese name, and every action a button can take its
// confirmation (the clerk's tab of revocations to answer read
// "accept_revoke": orName falls back to the code).
func TestEveryCodeNamed(t *testing.T) {
	missing := map[string]bool{}
	for _, role := range workflow.Roles {
		for _, c := range workflow.WorkClauses(&workflow.User{ID: "u", Roles: []workflow.Role{role}}) {
			if _, ok := tabNames[c.Action]; !ok {
				missing["inbox tab "+string(c.Action)] = true
			}
		}
	}
	for _, d := range []workflow.Direction{workflow.Incoming, workflow.Outgoing} {
		for _, st := range workflow.States(d) {
			if _, ok := stateNames[st]; !ok {
				missing["state "+string(st)] = true
			}
		}
		for _, a := range workflow.Actions(d) {
			if _, ok := actionNames[a]; !ok {
				missing["action "+string(a)] = true
			}
			if _, ok := actionDone[a]; !ok {
				missing["confirmation of "+string(a)] = true
			}
		}
	}
	for m := range missing {
		t.Errorf("no Vietnamese name: %s", m)
	}
}

// TestDocumentEventsSaid: the history of a document says every kind of
// event it holds in Vietnamese (an archivist's read showed "archive_use",
// a layout correction "layout", and a legal hold read "Lưu trữ").
func TestDocumentEventsSaid(t *testing.T) {
	names := map[string]string{}
	for _, c := range []struct {
		e    workflow.Event
		want string
	}{
		{workflow.Event{Kind: workflow.EventArchiveUse, Data: map[string]string{"use": "retrieve", "name": "document.pdf"}}, "Khai thác hồ sơ lưu trữ: mở tệp “document.pdf”"},
		{workflow.Event{Kind: workflow.EventArchiveUse, Data: map[string]string{"use": "export"}}, "Xuất gói hồ sơ lưu trữ (BagIt)"},
		{workflow.Event{Kind: workflow.EventArchive, Data: map[string]string{"legal_hold": "on"}}, "Đặt phong tỏa pháp lý hồ sơ lưu trữ"},
		{workflow.Event{Kind: workflow.EventArchive, Data: map[string]string{"legal_hold": "off"}}, "Gỡ phong tỏa pháp lý hồ sơ lưu trữ"},
		{workflow.Event{Kind: workflow.EventArchive}, "Lưu trữ"},
		{workflow.Event{Kind: workflow.EventLayout, Data: map[string]string{"layout": "{}"}}, "Điều chỉnh vị trí số, ngày tháng và chữ ký"},
		{workflow.Event{Kind: workflow.EventNumberVoided, Data: map[string]string{"register": "outgoing", "year": "2026", "number": "3", "notation": "03/QĐ-UBND"}},
			"Hủy số 03/QĐ-UBND (sổ văn bản đi năm 2026) do phát hành không thành công"},
		{workflow.Event{Kind: workflow.EventDeliveryRefused, Data: map[string]string{"org_id": "000.00.31.H13", "org_name": "UBND phường Long Hòa", "status": "02"}},
			"UBND phường Long Hòa từ chối tiếp nhận văn bản gửi liên thông"},
		{workflow.Event{Kind: workflow.EventDeliveryRefused, Data: map[string]string{"org_id": "000.00.31.H13"}},
			"Gửi liên thông đến 000.00.31.H13 thất bại, không gửi lại"},
	} {
		if got := eventText(c.e, names); got != c.want {
			t.Errorf("event %s %v: %q, want %q", c.e.Kind, c.e.Data, got, c.want)
		}
	}
}

// TestReformQuarters: the reform report offers each quarter of the
// period's year (a clerk reports by quarter and had to type both dates
// of one; ?quarter= does nothing), the quarter shown marked, and writes
// its percentages with a decimal comma as Vietnamese does (it wrote
// 100.0%); the CSV keeps the point.
func TestReformQuarters(t *testing.T) {
	e := newTestEnv(t)
	withPages(t, e)
	c := e.login("vanthu")
	p := c.get("/reports/reform?from=01/10/2026&to=31/12/2026")
	if p.Status != http.StatusOK {
		t.Fatalf("reform page: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{
		`<a href="/reports/reform?from=01/01/2026&amp;to=31/03/2026">Quý I/2026</a>`,
		`<a href="/reports/reform?from=01/04/2026&amp;to=30/06/2026">Quý II/2026</a>`,
		`<a href="/reports/reform?from=01/07/2026&amp;to=30/09/2026">Quý III/2026</a>`,
		`<a href="/reports/reform?from=01/10/2026&amp;to=31/12/2026" aria-current="true">Quý IV/2026</a>`,
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("no %s on the reform page", want)
		}
	}
	if m := regexp.MustCompile(`\d+\.\d%`).FindString(p.Body); m != "" {
		t.Errorf("a percentage with a decimal point: %s", m)
	}
	if p := c.get("/reports/reform?from=01/01/2026&to=25/11/2026"); strings.Contains(p.Body, `aria-current="true">Quý`) {
		t.Error("a period that is no quarter is marked as one")
	}
	if p := c.get("/reports/reform?from=25/11/2026&to=01/01/2026"); !strings.Contains(p.Body, ">Quý IV/") {
		t.Error("the page of a period that does not read offers no quarter")
	}
}

func TestPercentVI(t *testing.T) {
	for in, want := range map[float64]string{100: "100,0%", 87.5: "87,5%", 0: "0,0%", 33.333: "33,3%"} {
		if got := percentVI(in); got != want {
			t.Errorf("percentVI(%v) = %q, want %q", in, got, want)
		}
	}
}
