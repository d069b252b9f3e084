package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// pages are the parsed templates: templates/layout.html and every
// templates/_*.html partial, cloned once per page file.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"date":        fmtDate,
	"datetime":    fmtDateTime,
	"lockend":     fmtLockEnd,
	"until":       fmtUntil,
	"forever":     forever,
	"size":        fmtSize,
	"active":      activeText,
	"uninspected": uninspectedText,
	"state":       func(s workflow.State) string { return orName(stateNames, s) },
	"action":      func(a workflow.Action) string { return orName(actionNames, a) },
	"danger":      dangerAction,
	"urgency":     func(x workflow.Urgency) string { return orName(urgencyNames, x) },
	"urgencyCls":  func(x workflow.Urgency) string { return "u-" + strings.ReplaceAll(string(x), "_", "-") },
	"conf":        func(c workflow.Confidentiality) string { return orName(confidentialityNames, c) },
	"role":        func(r workflow.Role) string { return orName(roleNames, r) },
	"direction":   func(d workflow.Direction) string { return orName(directionNames, d) },
	"typeName":    func(t workflow.DocType) string { return orName(workflow.DocTypes, t) },
	"verdict":     func(v string) string { return orName(verdictNames, v) },
	"register":    func(k workflow.RegisterKind) string { return orName(registerNames, k) },
	"retention":   func(r string) string { return orName(retentionNames, r) },
	"has":         func(u *workflow.User, r string) bool { return u.Has(workflow.Role(r)) },
	"isoDate": func(t any) string {
		switch v := t.(type) {
		case *workflow.Date:
			if v != nil {
				return v.String()
			}
		case workflow.Date:
			return v.String()
		case *time.Time:
			if v != nil {
				return v.In(workflow.Vietnam).Format(isoDate)
			}
		}
		return ""
	},
	"add":        func(a, b int) int { return a + b },
	"stampValid": stampValid,
	"fieldAttrs": fieldAttrs,
	"fieldError": fieldError,
	"groupAttrs": groupAttrs,
	"boxAttrs":   boxAttrs,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

func parsePages() (*pages, error) {
	base := template.New("layout.html").Funcs(funcs)
	if _, err := base.ParseFS(templateFS, "templates/layout.html"); err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	partials, _ := fs.Glob(templateFS, "templates/_*.html")
	if len(partials) > 0 {
		if _, err := base.ParseFS(templateFS, partials...); err != nil {
			return nil, fmt.Errorf("web templates: %w", err)
		}
	}
	files, _ := fs.Glob(templateFS, "templates/*.html")
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", f, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// View is what every page template gets: the layout's fields and the
// page's own Data.
type View struct {
	Title  string
	User   *workflow.User // nil on the login and public pages
	CSRF   string         // the value of the hidden csrf_token input
	Agency workflow.Agency
	Nav    []NavLink
	Path   string
	Flash  string // a confirmation ("Đã duyệt văn bản.")
	Data   any
}

// NavItem is a link of the main navigation, shown to users holding one
// of Roles (all signed-in users when Roles is empty).
type NavItem struct {
	Path  string
	Label string
	Roles []workflow.Role
	// Order places the item: 0 Việc cần xử lý, 10 Văn bản đến, 20 Văn
	// bản đi, 25 Theo dõi gửi liên thông, 30 Sổ đăng ký, 40 Kho lưu trữ, 50 Báo cáo, 60 Kiểm tra văn
	// bản, 90 Quản trị.
	Order int
	// needs, when set, hides the item unless the configuration has the
	// service the page calls.
	needs func(*Config) bool
}

// NavLink is a NavItem as rendered for a request.
type NavLink struct {
	Path, Label string
	Active      bool
}

// nav is the main navigation (a page added to New's list that belongs in
// the menu gets its item here); read only.
var nav = []NavItem{
	{Path: "/", Label: "Việc cần xử lý"},
	{Path: "/incoming", Label: "Văn bản đến", Order: 10},
	{Path: "/outgoing", Label: "Văn bản đi", Order: 20},
	{Path: "/registers", Label: "Sổ đăng ký", Order: 30, Roles: registerRoles},
	{Path: "/archive", Label: "Kho lưu trữ", Order: 40, Roles: archiveRoles, needs: func(c *Config) bool { return c.Archive != nil }},
	{Path: "/disposals", Label: "Tiêu hủy tài liệu", Order: 45, Roles: disposalRoles, needs: hasDisposals},
	{Path: "/reports/reform", Label: "Báo cáo CCHC", Order: 50, Roles: workflow.ReformRoles,
		needs: func(c *Config) bool { return c.Reform != nil }},
	{Path: "/deliveries", Label: "Theo dõi gửi liên thông", Order: 25, Roles: []workflow.Role{workflow.RoleClerk, workflow.RoleAdmin},
		needs: func(c *Config) bool { return c.Exchange != nil }},
	{Path: "/verify", Label: "Kiểm tra văn bản", Order: 60},
	{Path: "/admin", Label: "Quản trị", Order: 90, Roles: []workflow.Role{workflow.RoleAdmin}},
}

func (ui *UI) navFor(u *workflow.User, current string) []NavLink {
	var out []NavLink
	items := slices.Clone(nav)
	slices.SortStableFunc(items, func(a, b NavItem) int { return a.Order - b.Order })
	for _, n := range items {
		if len(n.Roles) > 0 && !u.HasAny(n.Roles) || n.needs != nil && !n.needs(&ui.cfg) {
			continue
		}
		active := current == n.Path || (n.Path != "/" && strings.HasPrefix(current, n.Path+"/"))
		out = append(out, NavLink{Path: n.Path, Label: n.Label, Active: active})
	}
	return out
}

// render writes page name (templates/name.html) with the layout. s may
// be nil (public pages). The page is rendered to a buffer first, so a
// template failure becomes the error page, not half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, s *Session, status int, name, title string, data any) {
	t, ok := u.pages.byName[name]
	if !ok {
		u.renderError(w, r, s, fmt.Errorf("no template %q", name))
		return
	}
	v := View{Title: title, Agency: u.cfg.Agency, Path: r.URL.Path, Data: data}
	if s != nil {
		v.User, v.CSRF = s.User, s.CSRF
		if s.User != nil {
			v.Nav = u.navFor(s.User, r.URL.Path)
		}
	}
	if a := workflow.Action(r.URL.Query().Get("done")); a != "" {
		v.Flash = actionDone[a]
	}
	if m := r.URL.Query().Get("ok"); m != "" {
		v.Flash = okMessages[m]
		if m == "reassign" && s != nil {
			v.Flash = u.reassignedFlash(r, s, v.Flash)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		u.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		if name != "error" {
			u.renderError(w, r, s, fmt.Errorf("render %s: %w", name, err))
		} else {
			http.Error(w, "Lỗi hệ thống", http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// okMessages are confirmations named by ?ok= after a redirect.
var okMessages = map[string]string{
	"created":  "Đã lưu văn bản.",
	"layout":   "Đã lưu vị trí số, ngày tháng và chữ ký.",
	"revised":  "Đã lưu dự thảo đã sửa.",
	"comment":  "Đã gửi ý kiến.",
	"user":     "Đã lưu người dùng.",
	"password": "Đã đặt lại mật khẩu.",
	// The user page's account forms (admin_account.go).
	"require_password": "Đã yêu cầu người dùng đổi mật khẩu; các phiên đăng nhập của người dùng đã kết thúc.",
	"unlock":           "Đã mở tạm khóa đăng nhập của người dùng.",
	"reassign":         "Đã chuyển việc: các văn bản chờ người dùng này nay chờ người được chọn.",
	// The user's own change (password.go).
	"password_changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác của đồng chí đã kết thúc; phiên này vẫn tiếp tục.",
	// The user's own notifications (notifications.go).
	"notifications_on":  "Đã bật thông báo qua thư điện tử.",
	"notifications_off": "Đã tắt thông báo qua thư điện tử: đồng chí sẽ không nhận thư nào của hệ thống.",
	"mail_saved":        "Đã lưu địa chỉ thư điện tử nhận thông báo.",
	"key":               "Đã lưu khóa ký số.",
	"image":             "Đã lưu ảnh chữ ký.",
	"agency":            "Đã lưu cơ quan liên thông.",
	"hold":              "Đã cập nhật trạng thái phong tỏa.",
	"hold_on":           "Đã đặt phong tỏa pháp lý: hồ sơ không bị hủy, kể cả khi hết thời hạn bảo quản, cho đến khi được gỡ phong tỏa.",
	"hold_off":          "Đã gỡ phong tỏa pháp lý: hồ sơ lại được bảo quản theo thời hạn bảo quản của nó.",
	"revoke":            "Đã thu hồi chứng thư số.",
	// Tiêu hủy tài liệu (disposal.go).
	"disposal_proposed": "Đã lập danh mục đề nghị tiêu hủy: danh mục chờ thủ trưởng cơ quan duyệt.",
	"disposal_approved": "Đã duyệt danh mục và ghi quyết định tiêu hủy: bộ phận lưu trữ có thể thực hiện tiêu hủy.",
	"disposal_rejected": "Đã ghi: danh mục không được duyệt (hoặc đề nghị đã hủy).",
	"disposal_removed":  "Đã bỏ hồ sơ khỏi danh mục.",
	"disposal_run":      "Đã thực hiện tiêu hủy. Kết quả của từng hồ sơ ở cột Kết quả.",
	// A delivery's Gửi lại (sentwatch.go).
	"delivery_resent":         "Đã đặt gửi lại: hệ thống gửi lại văn bản đến cơ quan nhận ngay (và tự thử lại nếu chưa được); theo dõi tình trạng ở mục Gửi, nhận liên thông của văn bản.",
	"delivery_resent_already": "Lượt gửi này đã được đặt gửi lại trước đó (hoặc không còn ở tình trạng gửi thất bại): không có gì thay đổi.",
	"delivery_dealt":          "Đã đánh dấu đã xử lý: lượt gửi không còn trong danh sách theo dõi (vẫn xem được trên trang của văn bản). Nếu lượt gửi được gửi lại rồi lại thất bại hoặc bị từ chối, nó sẽ trở lại đây.",
	"delivery_dealt_already":  "Lượt gửi này đã được đánh dấu đã xử lý, hoặc đã thay đổi (được gửi lại) sau khi trang được mở: không có gì thay đổi. Xem lại danh sách dưới đây.",
	// The outbox's Gửi lại (admin_mail.go).
	"mail_retried":         "Đã đặt thư gửi lại đến địa chỉ hiện tại của người nhận: thư sẽ đi trong lần gửi tới.",
	"mail_retried_already": "Thư này đã được đặt gửi lại trước đó (hoặc không còn ở tình trạng không gửi được): không có gì thay đổi.",
}

type errorView struct {
	Code    string
	Title   string
	Message string
	// Doc is the document a refused page of it belongs to
	// (/documents/{id}/…: its revision, layout, copies), for a way back
	// to it — the page led to the inbox only (walk 9: a handler opening
	// Sửa dự thảo of a draft passed to a colleague); "" elsewhere, or
	// when the document was not found.
	Doc string
}

// renderError shows err as the Vietnamese error page of its code;
// internal errors are logged here, once.
func (u *UI) renderError(w http.ResponseWriter, r *http.Request, s *Session, err error) {
	code, p := problemOf(err)
	u.logIfInternal(r, err)
	v := errorView{Code: code, Title: p.Title, Message: p.Message}
	if id := r.PathValue("id"); id != "" && code != workflow.ENOTFOUND && strings.HasPrefix(r.URL.Path, "/documents/"+id+"/") {
		v.Doc = "/documents/" + id
	}
	u.render(w, r, s, p.Status, "error", p.Title, v)
}

func (u *UI) logIfInternal(r *http.Request, err error) {
	if _, p := problemOf(err); p.Status >= 500 {
		u.log.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	}
}
