package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

// adminRoutes registers the administration pages.
func (u *UI) adminRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin", u.auth(func(w http.ResponseWriter, r *http.Request, s *Session) error {
		if err := requireAdmin(s); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return nil
	}))
	mux.Handle("GET /admin/users", u.auth(u.handleUsers))
	mux.Handle("POST /admin/users", u.auth(u.handleUsers, requireAdmin))
	mux.Handle("GET /admin/users/{id}", u.auth(u.handleUser))
	mux.Handle("POST /admin/users/{id}", u.auth(u.handleUser, requireAdmin))
	u.importRoutes(mux)
	mux.Handle("GET /admin/audit", u.auth(u.handleAudit))
	// A clerk's page of a user: Chuyển việc cho… for a handler's incoming
	// documents, the admin's page and handler with nothing else on it.
	mux.Handle("GET /users/{id}", u.auth(u.handleUser))
	mux.Handle("POST /users/{id}", u.auth(u.handleUser))
	if u.cfg.PKI != nil {
		mux.Handle("GET /admin/pki", u.auth(u.handlePKI))
		mux.Handle("POST /admin/pki", u.auth(u.handlePKI, requireAdmin))
	}
	if u.cfg.Exchange != nil {
		mux.Handle("GET /admin/agencies", u.auth(u.handleAgencies))
		mux.Handle("POST /admin/agencies", u.auth(u.handleAgencies, requireAdmin))
		mux.Handle("GET /admin/exchange", u.auth(u.handleQueue))
	}
}

// requireAdmin hides the administration pages from other roles (the
// services refuse them too).
func requireAdmin(s *Session) error {
	if !s.User.Has(workflow.RoleAdmin) {
		return workflow.Errorf(workflow.EFORBIDDEN, "administration is for admins")
	}
	return nil
}

type adminTab struct {
	Path, Label string
	Active      bool
}

func (u *UI) adminTabs(current string) []adminTab {
	tabs := []adminTab{{Path: "/admin/users", Label: "Người dùng"}}
	if u.cfg.Exchange != nil {
		tabs = append(tabs, adminTab{Path: "/admin/agencies", Label: "Cơ quan liên thông"}, adminTab{Path: "/admin/exchange", Label: "Hàng đợi liên thông"})
	}
	if u.cfg.PKI != nil {
		tabs = append(tabs, adminTab{Path: "/admin/pki", Label: "Thu hồi chứng thư"})
	}
	if u.cfg.Outbox != nil {
		tabs = append(tabs, adminTab{Path: "/admin/mail", Label: "Thư thông báo"})
	}
	tabs = append(tabs, adminTab{Path: "/admin/audit", Label: "Nhật ký"})
	for i := range tabs {
		tabs[i].Active = strings.HasPrefix(current, tabs[i].Path)
	}
	return tabs
}

type usersView struct {
	Tabs  []adminTab
	Users []*workflow.User
	// Q is the search of the list (userMatches), All how many users
	// there are in all.
	Q       string
	All     int
	Status  map[string]auth.AccountStatus // by user ID; empty when the service shows none
	Roles   []option
	Form    map[string]string
	Error   string
	Invalid Invalid // the input at fault, with Error
	// Mail: the server keeps e-mail addresses (the form asks for one).
	Mail bool
	// MailFailed: the notifications the SMTP server refused for good
	// (the notice "N thư không gửi được").
	MailFailed int
	// Waiting says, by user ID, what documents wait for the user by name
	// (waitingText); absent: none.
	Waiting map[string]string
}

// userInputs are the inputs of the user forms by the API's names of
// their fields ("roles" is the fieldset of the role boxes).
var userInputs = sameInputs("username", "password", "full_name", "title", "unit", "roles", "key_uri", "cert_pem", "personal_id", "email")

// userInput is the input of a user form that err concerns: a taken
// username is the username's (the one conflict of a new user).
func userInput(err error) string {
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		return "username"
	}
	return inputOf(err, userInputs)
}

func roleOptions(have []workflow.Role) []option {
	var out []option
	for _, r := range workflow.Roles {
		out = append(out, option{Value: string(r), Label: roleNames[r], Selected: slices.Contains(have, r)})
	}
	return out
}

func formRoles(r *http.Request) []workflow.Role {
	var out []workflow.Role
	for _, x := range r.PostForm["roles"] {
		out = append(out, workflow.Role(x))
	}
	return out
}

func (u *UI) handleUsers(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	v := usersView{Tabs: u.adminTabs("/admin/users"), Form: map[string]string{}, Roles: roleOptions(nil), Mail: u.cfg.Mail != nil}
	status := http.StatusOK
	var err error
	if v.MailFailed, err = u.failedMail(r, s); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		// An empty password: one is generated (auth's
		// CreateUserInitial, as the API's) and shown once on the new
		// user's page.
		in := auth.NewUser{Username: r.PostFormValue("username"), Password: r.PostFormValue("password"),
			FullName: strings.TrimSpace(r.PostFormValue("full_name")), Title: strings.TrimSpace(r.PostFormValue("title")),
			Unit: strings.TrimSpace(r.PostFormValue("unit")), PersonalID: r.PostFormValue("personal_id"), Roles: formRoles(r)}
		nu, initial, err := u.createUser(r, s, in)
		if err == nil && initial != "" {
			noStore(w)
			return u.userPage(w, r, s, nu, &userView{Tabs: u.adminTabs("/admin/users"), Keys: u.cfg.Keys != nil,
				Form: map[string]string{}, Path: userPagePath(s, nu.ID), Initial: initial}, http.StatusOK)
		}
		if err == nil {
			http.Redirect(w, r, "/admin/users/"+nu.ID+"?ok=user", http.StatusSeeOther)
			return nil
		}
		code, p := problemOf(err)
		if code == workflow.EFORBIDDEN || p.Status >= 500 {
			return err
		}
		status = p.Status
		v.Error, v.Invalid = formProblems(err, userInput, userProblem)
		for _, k := range []string{"username", "full_name", "title", "unit", "personal_id", "email"} {
			v.Form[k] = r.PostFormValue(k)
		}
		v.Roles = roleOptions(in.Roles)
	}
	users, err := u.cfg.Directory.Users(r.Context())
	if err != nil {
		return err
	}
	v.Q, v.All = strings.TrimSpace(r.URL.Query().Get("q")), len(users)
	v.Users = userMatches(users, v.Q)
	if v.Status, err = u.accountStatuses(r.Context(), s, v.Users); err != nil {
		return err
	}
	if v.Waiting, err = u.waitingByUser(r.Context()); err != nil {
		return err
	}
	u.render(w, r, s, status, "admin_users", "Quản trị người dùng", v)
	return nil
}

func userProblem(err error) string {
	if m, ok := unsafeTextMessage(err); ok {
		return m
	}
	msg := workflow.ErrorMessage(err)
	switch {
	case workflow.ErrorCode(err) == workflow.EINVALID && workflow.ErrorField(err) == "signature_image":
		return "Hãy chọn tệp ảnh chữ ký (PNG nền trong suốt)."
	case workflow.ErrorCode(err) == workflow.ECONFLICT:
		return "Tên đăng nhập này đã có người dùng."
	case workflow.ErrorField(err) == "personal_id":
		return "Số định danh cá nhân gồm 6–20 chữ số hoặc chữ cái (CCCD: 12 chữ số), có thể ghi như trong chứng thư: CCCD:092080001234."
	case workflow.ErrorField(err) == "email":
		return emailProblem
	case workflow.ErrorField(err) == "to":
		return reassignProblem(err)
	case workflow.ErrorField(err) == "must_change_password":
		return "Không thể yêu cầu chính mình đổi mật khẩu: hãy tự đổi mật khẩu của mình (trang Đổi mật khẩu)."
	case strings.Contains(msg, "password"):
		return "Mật khẩu phải có từ 8 ký tự trở lên (tối đa 72 byte)."
	case strings.Contains(msg, "username"):
		return "Tên đăng nhập gồm 1–64 chữ cái, chữ số hoặc các dấu . _ - @ (không có khoảng trắng)."
	case strings.Contains(msg, "yourself"):
		return "Không thể tự khóa tài khoản của chính mình hay bỏ vai trò Quản trị của chính mình."
	case strings.Contains(msg, "role"):
		return "Hãy chọn ít nhất một vai trò."
	case strings.Contains(msg, "key_uri"), strings.Contains(msg, "cert"):
		return "Khóa ký số không dùng được: kiểm tra địa chỉ khóa (file: hoặc pkcs11:) và chứng thư (PEM). " + Message(err)
	case strings.Contains(msg, "signature image"), strings.Contains(msg, "PNG"):
		return "Ảnh chữ ký phải là tệp PNG từ 16×8 đến 4000×4000 điểm ảnh, tối đa 5 MB."
	case strings.Contains(msg, "not an official"):
		return "Chỉ lãnh đạo (vai trò Lãnh đạo) mới có khóa ký số và ảnh chữ ký."
	}
	return Message(err)
}

type userView struct {
	Tabs    []adminTab
	U       *workflow.User
	Roles   []option
	Keys    bool
	Error   string
	Invalid Invalid // the input at fault, with Error
	// Shown is the user as the information form shows it: as posted
	// when that form came back with a problem, else as stored; Form the
	// key form's text as posted.
	Shown *workflow.User
	Form  map[string]string
	// Status is the account's status (last login, lockout); Self: the
	// user is the admin looking.
	Status auth.AccountStatus
	Self   bool
	// Mail: the server keeps e-mail addresses; Email the user's, as
	// posted when the information form came back with a problem.
	Mail  bool
	Email string
	// Reassign: what waits for the user by name, by role, and who may
	// take it over (Chuyển việc cho…): the roles the viewer may pass on.
	Reassign []reassignOffer
	// Moved: after a hand-over, the documents it moved (movedDocs);
	// MovedMore how many beyond the ones named.
	Moved     []*relatedDoc
	MovedMore int
	// Clerk: the page is a clerk's (/users/{id}): Chuyển việc cho… for a
	// handler's documents alone; Path is the page's path.
	Clerk bool
	Path  string
	// Initial is the password generated for the user just created (the
	// admin left it empty), shown this once: the page is not stored.
	Initial string
}

// handleUser shows one user and applies its forms: action=update (roles,
// names, disabled), password, require_password (a new password required
// at the next login), unlock (the lockout by failed logins ended), key
// (signing key URI and certificate), image (signature image PNG).
func (u *UI) handleUser(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	clerk, done, err := userPageGate(w, r, s, id)
	if done || err != nil {
		return err
	}
	ctx := r.Context()
	target, err := u.cfg.Directory.User(ctx, id)
	if err != nil {
		return err
	}
	v := userView{Tabs: u.adminTabs("/admin/users"), Keys: u.cfg.Keys != nil, Form: map[string]string{}, Clerk: clerk, Path: userPagePath(s, id)}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		if clerk && r.PostFormValue("action") != "reassign" {
			return workflow.Errorf(workflow.EFORBIDDEN, "a clerk may only pass a handler's documents on")
		}
		ok, answered, err := u.userAction(w, r, s, target)
		if answered {
			return err
		}
		if err == nil {
			http.Redirect(w, r, v.Path+"?ok="+ok, http.StatusSeeOther)
			return nil
		}
		code, p := problemOf(err)
		if code == workflow.EFORBIDDEN || code == workflow.ENOTFOUND || p.Status >= 500 && code != workflow.EUNAVAILABLE {
			return err
		}
		status, v.Error = p.Status, userProblem(err)
		refused := err
		if target, err = u.cfg.Directory.User(ctx, id); err != nil {
			return err
		}
		userFormProblem(r, target, refused, &v)
	}
	return u.userPage(w, r, s, target, &v, status)
}

// userPage renders v, target's page, with status.
func (u *UI) userPage(w http.ResponseWriter, r *http.Request, s *Session, target *workflow.User, v *userView, status int) error {
	v.U, v.Self = target, target.ID == s.User.ID
	if v.Shown == nil {
		v.Shown = target
	}
	v.Roles = roleOptions(v.Shown.Roles)
	v.Moved, v.MovedMore = u.movedDocs(r, s)
	if err := u.fillAccount(r, s, target, v); err != nil {
		return err
	}
	u.render(w, r, s, status, "admin_user", "Người dùng "+target.Username, *v)
	return nil
}

// userAction applies the user page's form (action) to target: ok is the
// confirmation's key when it was applied; answered when it wrote the
// page itself (a confirmation asked) or refused the form outright (err).
func (u *UI) userAction(w http.ResponseWriter, r *http.Request, s *Session, target *workflow.User) (ok string, answered bool, err error) {
	switch r.PostFormValue("action") {
	case "update":
		if r.PostFormValue("disabled") == "true" && !target.Disabled && !confirmed(r, "disable") {
			// Ask only about a change the service takes.
			if err = checkUpdate(s.User, target, r); err == nil {
				return "", true, u.confirmDisable(w, r, s, target)
			}
			break
		}
		err, ok = u.updateUser(r, s, target.ID), "user"
	case "password":
		if !confirmed(r, "password") {
			u.confirmPassword(w, r, s, target, http.StatusOK, "")
			return "", true, nil
		}
		_, err = u.cfg.Accounts.SetPassword(r.Context(), s.User, target.ID, r.PostFormValue("password"))
		if code, p := problemOf(err); code == workflow.EINVALID {
			u.confirmPassword(w, r, s, target, p.Status, userProblem(err))
			return "", true, nil
		}
		ok = "password"
	case "key", "image":
		err, ok = u.setKeyOrImage(r, s, target.ID), r.PostFormValue("action")
	case "reassign":
		var asked bool
		var moved []string
		if asked, moved, err = u.reassign(w, r, s, target); asked {
			return "", true, nil
		}
		ok = reassignedQuery(moved, r.PostFormValue("to"))
	case "require_password", "unlock":
		var asked bool
		if asked, err = u.accountAction(w, r, s, target); asked {
			return "", true, nil
		}
		ok = r.PostFormValue("action")
	default:
		return "", true, workflow.Errorf(workflow.EINVALID, "unknown form")
	}
	return ok, false, err
}

// userPagePath is the page of user id for s: an admin's under
// /admin/users, a clerk's /users/{id}.
func userPagePath(s *Session, id string) string {
	if s.User.Has(workflow.RoleAdmin) {
		return "/admin/users/" + id
	}
	return "/users/" + id
}

// userPageGate lets an admin onto /admin/users/{id} (sent there from
// /users/{id}) and a clerk onto /users/{id} (clerk true: she may pass a
// handler's documents on, workflow.MayReassign); EFORBIDDEN for anyone
// else, and for a clerk under /admin; done when it answered.
func userPageGate(w http.ResponseWriter, r *http.Request, s *Session, id string) (clerk, done bool, err error) {
	admin := strings.HasPrefix(r.URL.Path, "/admin/")
	switch {
	case s.User.Has(workflow.RoleAdmin) && !admin && safeMethod(r.Method):
		http.Redirect(w, r, userPagePath(s, id), http.StatusSeeOther)
		return false, true, nil
	case s.User.Has(workflow.RoleAdmin) && !admin:
		return false, false, workflow.Errorf(workflow.EFORBIDDEN, "an admin's forms post to /admin/users")
	case s.User.Has(workflow.RoleAdmin):
		return false, false, nil
	case admin || !workflow.MayReassign(s.User, workflow.RoleHandler):
		return false, false, requireAdmin(s)
	}
	return true, false, nil
}

// setKeyOrImage applies the user page's key form (action=key: signing
// key URI and certificate) or its image form (action=image: signature
// image PNG).
func (u *UI) setKeyOrImage(r *http.Request, s *Session, id string) error {
	if u.cfg.Keys == nil {
		return workflow.Errorf(workflow.EUNAVAILABLE, "keys")
	}
	if r.PostFormValue("action") == "key" {
		cert, err := postedCert(r)
		if err == nil {
			_, err = u.cfg.Keys.SetSigningKey(r.Context(), s.User, id, strings.TrimSpace(r.PostFormValue("key_uri")), cert)
		}
		return err
	}
	b, err := readUpload(r, "signature_image", 5<<20+1)
	if err == nil {
		_, err = u.cfg.Keys.SetSignatureImage(r.Context(), s.User, id, b)
	}
	return err
}

// userFormProblem fills in v the input of the user page's form at fault
// that err concerns (the image form has one; the others' come from the
// service's field) and what was typed: the user as the information form
// posted it, the key form's text.
func userFormProblem(r *http.Request, target *workflow.User, err error, v *userView) {
	switch r.PostFormValue("action") {
	case "update":
		shown := *target
		shown.Roles = slices.Clone(target.Roles)
		_ = userUpdate(r)(&shown)
		v.Error, v.Invalid = formProblems(err, func(err error) string { return inputOf(err, userInputs) }, userProblem)
		v.Shown = &shown
	case "image":
		switch workflow.ErrorCode(err) {
		case workflow.EINVALID, workflow.ETOOLARGE, workflow.EUNSUPPORTEDMEDIA:
			v.Invalid = one("signature_image", v.Error)
		}
	case "reassign":
		v.Invalid = one("to-"+r.PostFormValue("role"), v.Error)
	case "key":
		v.Invalid = one(inputOf(err, userInputs), v.Error)
		v.Form["key_uri"], v.Form["cert_pem"] = r.PostFormValue("key_uri"), r.PostFormValue("cert_pem")
	}
}

// confirmDisable asks before the "update" form locks target's account:
// every session of theirs ends at once, and enabling the account again
// does not bring them back; what waits for them (drafts to approve and
// sign, documents to handle) stays with them.
func (u *UI) confirmDisable(w http.ResponseWriter, r *http.Request, s *Session, target *workflow.User) error {
	facts := []string{"Người dùng không đăng nhập được nữa cho đến khi được mở khóa.",
		"Mọi phiên đăng nhập đang mở của người dùng kết thúc ngay; mở khóa lại không khôi phục các phiên đó."}
	waiting, err := u.waitingFor(r, target)
	if err != nil {
		return err
	}
	var also *link
	if waiting != "" {
		facts = append(facts, "Văn bản đang chờ người dùng này: "+waiting+". Khóa tài khoản không chuyển các văn bản đó cho người khác: "+
			"văn bản chỉ người này được duyệt, ký hoặc xử lý sẽ đứng chờ cho đến khi tài khoản được mở khóa.")
		offers, err := u.reassignOffers(r.Context(), s.User, target)
		if err != nil {
			return err
		}
		if len(offers) > 0 {
			also = &link{Href: "/admin/users/" + target.ID + "#reassign", Text: "Chuyển việc cho… (trước khi khóa)"}
		}
	}
	v := confirmView{confirmText: confirmText{Heading: "Xác nhận khóa tài khoản", Button: "Xác nhận khóa tài khoản", Danger: true,
		Facts: facts, Undo: "Có thể mở khóa lại tài khoản sau (bỏ chọn “Khóa tài khoản”); các phiên đăng nhập đã kết thúc không được khôi phục."},
		Subject: "Người dùng " + userLabel(target), Post: "/admin/users/" + target.ID, Hidden: repost(r), Confirm: "disable", Back: "/admin/users/" + target.ID, Also: also}
	u.render(w, r, s, http.StatusOK, "confirm", v.Heading, v)
	return nil
}

// waitingFor says what waits for user, by inbox tab ("Chờ duyệt 3, Chờ
// ký 1"), "" when nothing does: the counts of their inbox, no document
// named.
func (u *UI) waitingFor(r *http.Request, user *workflow.User) (string, error) {
	_, tabs, _, err := u.cfg.Docs.Work(r.Context(), user, "", 1)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, t := range tabs {
		if t.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", orName(tabNames, t.Action), t.Count))
		}
	}
	return strings.Join(parts, ", "), nil
}

// confirmPassword is the page of a password reset: it says what the
// reset ends (every session of target's) and only then asks for the new
// password, which the confirming post (confirm=password) carries and
// nothing else does: a reset posted without the confirmation, from an
// old form or another client, shows this page, empty, and resets nothing;
// no password is ever written into a page. problem is why the last try
// was refused (a password too short), shown above the field.
func (u *UI) confirmPassword(w http.ResponseWriter, r *http.Request, s *Session, target *workflow.User, status int, problem string) {
	facts := []string{"Mật khẩu cũ không dùng được nữa; người dùng đăng nhập bằng mật khẩu mới.",
		"Mọi phiên đăng nhập đang mở của người dùng kết thúc ngay."}
	if target.ID == s.User.ID {
		facts = append(facts, "Đây là tài khoản của chính đồng chí: phiên đăng nhập này cũng kết thúc, đồng chí đăng nhập lại bằng mật khẩu mới.")
	}
	v := confirmView{confirmText: confirmText{Heading: "Xác nhận đặt lại mật khẩu", Button: "Xác nhận đặt lại mật khẩu", Danger: true, Facts: facts},
		Subject: "Người dùng " + userLabel(target), Post: "/admin/users/" + target.ID, Hidden: []formField{{Name: "action", Value: "password"}},
		Confirm: "password", Back: "/admin/users/" + target.ID, Password: true, Error: problem}
	if problem != "" {
		// SetPassword's one problem of its input: the password's length.
		v.Invalid = Invalid{"password": problem}
	}
	u.render(w, r, s, status, "confirm", v.Heading, v)
}

// userLabel names a user on a confirmation page: "Full Name (username)".
func userLabel(x *workflow.User) string {
	if x.FullName != "" {
		return x.FullName + " (" + x.Username + ")"
	}
	return x.Username
}

// userUpdate is the change the "update" form of the user page makes: the
// roles, the disabled flag, the names and the personal ID number. The
// rules on them (at least one role, each known; an admin cannot disable
// themselves or drop their own admin role; a personal ID number as
// auth.NormalizePersonalID takes it) are auth.Service.UpdateUser's, which
// stores the number normalised; the form shows it as typed.
func userUpdate(r *http.Request) func(*workflow.User) error {
	roles := formRoles(r)
	disabled := r.PostFormValue("disabled") == "true"
	return func(x *workflow.User) error {
		x.Roles, x.Disabled = roles, disabled
		x.FullName = strings.TrimSpace(r.PostFormValue("full_name"))
		x.Title = strings.TrimSpace(r.PostFormValue("title"))
		x.Unit = strings.TrimSpace(r.PostFormValue("unit"))
		x.PersonalID = r.PostFormValue("personal_id") // normalised by UpdateUser
		return nil
	}
}

// checkUpdate returns the error UpdateUser would refuse the "update"
// form with (auth.CheckUserUpdate on a changed copy of target).
func checkUpdate(actor, target *workflow.User, r *http.Request) error {
	x := *target
	x.Roles = slices.Clone(target.Roles)
	if err := userUpdate(r)(&x); err != nil {
		return err
	}
	return auth.CheckUserUpdate(actor, &x)
}

// postedCert is the certificate the "key" form posts: the uploaded file
// when one was chosen and is not empty, else the pasted PEM.
func postedCert(r *http.Request) (string, error) {
	cert := r.PostFormValue("cert_pem")
	if r.MultipartForm != nil && len(r.MultipartForm.File["cert_file"]) > 0 {
		b, err := readUpload(r, "cert_file", 1<<20)
		if err != nil {
			return "", workflow.OnField(err, "cert_pem")
		}
		if len(b) > 0 {
			cert = string(b)
		}
	}
	return cert, nil
}

// readUpload reads a posted file field (at most limit bytes); nil when
// none was chosen.
func readUpload(r *http.Request, field string, limit int64) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "file %s is required", field).On(field)
	}
	f, err := r.MultipartForm.File[field][0].Open()
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the upload")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the upload")
	}
	return b, nil
}

type agenciesView struct {
	Tabs     []adminTab
	Agencies []*exchange.Agency
	Error    string
	Invalid  Invalid // the file input, with Error
}

// handleAgencies lists the connected agencies and imports one from the
// JSON file another agency's `vanthu agency export` wrote.
func (u *UI) handleAgencies(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	v := agenciesView{Tabs: u.adminTabs("/admin/agencies")}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		b, err := readUpload(r, "agency", 1<<20)
		var a exchange.Agency
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err != nil {
			_, p := problemOf(err)
			status, v.Error = p.Status, "Hãy chọn tệp JSON thông tin cơ quan (tệp của lệnh vanthu agency export)."
		} else if err := dec.Decode(&a); err != nil {
			_, p := problemOf(workflow.Wrap(workflow.EINVALID, err, "agency file"))
			status, v.Error = p.Status, "Tệp không phải là tệp xuất thông tin cơ quan (JSON của lệnh vanthu agency export)."
		} else if _, err := u.cfg.Exchange.RegisterAgency(r.Context(), s.User, a); err != nil {
			code, p := problemOf(err)
			if code == workflow.EFORBIDDEN || p.Status >= 500 {
				return err
			}
			status, v.Error = p.Status, "Thông tin cơ quan không hợp lệ: mã định danh dạng 000.00.00.H13, tên, địa chỉ https://máy:cổng và các chứng thư PEM."
		} else {
			http.Redirect(w, r, "/admin/agencies?ok=agency", http.StatusSeeOther)
			return nil
		}
	}
	if v.Error != "" {
		// The form has one input, the file, which each problem concerns.
		v.Invalid = Invalid{"agency": v.Error}
	}
	as, err := u.cfg.Exchange.Agencies(r.Context(), s.User)
	if err != nil {
		return err
	}
	v.Agencies = as
	u.render(w, r, s, status, "admin_agencies", "Cơ quan liên thông", v)
	return nil
}

type queueView struct {
	Tabs                       []adminTab
	Pending, Delivered, Failed int
	Waiting, FailedList        []deliveryRow
}

func (u *UI) handleQueue(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	q, err := u.cfg.Exchange.Queue(r.Context(), s.User, 50)
	if err != nil {
		return err
	}
	v := queueView{Tabs: u.adminTabs("/admin/exchange"), Pending: q.Counts[workflow.DeliveryPending],
		Delivered: q.Counts[workflow.DeliveryDelivered], Failed: q.Counts[workflow.DeliveryFailed]}
	docs := map[string]string{} // document ID -> its label, each read once
	row := func(d workflow.Delivery) deliveryRow {
		kind := "Văn bản"
		if d.Kind == workflow.DeliverStatus {
			kind = "Thông báo trạng thái " + d.StatusCode
		}
		label, ok := docs[d.DocumentID]
		if !ok {
			if doc, err := u.cfg.Docs.Get(r.Context(), s.User, d.DocumentID); err == nil {
				label = relatedOf(doc, false).Label
			}
			docs[d.DocumentID] = label
		}
		at := d.UpdatedAt
		return deliveryRow{Org: d.OrgName, OrgID: d.OrgID, Kind: kind, State: orName(deliveryStates, d.State), At: &at,
			Attempts: d.Attempts, Note: deliveryProblem(d.LastError), Raw: d.LastError, Code: d.DocumentID, Doc: label}
	}
	for _, d := range q.Waiting {
		v.Waiting = append(v.Waiting, row(d))
	}
	for _, d := range q.Failed {
		v.FailedList = append(v.FailedList, row(d))
	}
	u.render(w, r, s, http.StatusOK, "admin_queue", "Hàng đợi liên thông", v)
	return nil
}

// auditView is the audit chain's check (GET /api/v1/audit/verify's
// report).
type auditView struct {
	Tabs   []adminTab
	Report workflow.AuditReport
}

// auditReasons say the chain verifier's reasons in Vietnamese.
var auditReasons = map[string]string{
	"sequence gap: an event before this one is missing":              "thiếu một sự kiện trước sự kiện này (số thứ tự bị đứt quãng)",
	"previous-hash does not match the event before it":               "mã băm liên kết không khớp với sự kiện liền trước",
	"hash does not match the event's content: the event was altered": "mã băm không khớp với nội dung: sự kiện đã bị sửa",
}

// anchorReasonVI says in Vietnamese why the chain's anchors break it
// (workflow's anchor.go), "" when they do not.
func anchorReasonVI(rep workflow.AuditReport) string {
	a := rep.Anchors
	switch {
	case a == nil || rep.OK:
		return ""
	case a.Broken != nil && rep.FirstBroken != nil && rep.FirstBroken.Seq == a.Broken.Seq:
		return fmt.Sprintf("mốc neo %s (ghi lúc %s) ghi mã băm khác với sự kiện số %d đang lưu: chuỗi đã bị sửa rồi tính lại ở sự kiện này hoặc trước đó",
			a.Broken.Key, fmtDateTime(a.Broken.At), a.Broken.Seq)
	case a.Behind != nil && rep.FirstBroken == nil:
		return fmt.Sprintf("chuỗi chỉ có %d sự kiện nhưng mốc neo %s (ghi lúc %s) ghi sự kiện số %d: cơ sở dữ liệu đã được khôi phục từ một bản sao lưu cũ hơn, "+
			"hoặc các sự kiện mới nhất đã bị xóa; nếu chính quản trị viên đã khôi phục, ghi nhận bằng lệnh vanthu audit anchor --restored",
			rep.Events, a.Behind.Key, fmtDateTime(a.Behind.At), a.Behind.Seq)
	case len(a.Missing) > 0 && a.Broken == nil:
		m := a.Missing[0]
		return fmt.Sprintf("mốc neo %s của sự kiện số %d (ghi lúc %s), mà chuỗi ghi nhận là đã ghi, không còn trong kho lưu trữ hoặc đã bị thay bằng nội dung khác: "+
			"mốc neo chỉ ghi một lần và giữ vĩnh viễn, nên ai đó đã xóa hay thay nó, cùng với bằng chứng nó giữ", m.Key, m.Seq, fmtDateTime(m.At))
	}
	return ""
}

// handleAudit recomputes the audit chain for an admin: the check the API
// offers at /api/v1/audit/verify, which a browser could not reach.
func (u *UI) handleAudit(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	rep, err := u.cfg.Docs.VerifyAuditFor(r.Context(), s.User)
	if err != nil {
		return err
	}
	if vi, ok := auditReasons[rep.Reason]; ok {
		rep.Reason = vi
	} else if vi := anchorReasonVI(rep); vi != "" {
		rep.Reason = vi
	}
	u.render(w, r, s, http.StatusOK, "admin_audit", "Kiểm tra nhật ký", auditView{Tabs: u.adminTabs("/admin/audit"), Report: rep})
	return nil
}

// createUser creates the user of the new-user form, with its e-mail
// address (checked first: 400 on email).
func (u *UI) createUser(r *http.Request, s *Session, in auth.NewUser) (*workflow.User, string, error) {
	email, err := workflow.CheckEmail(r.PostFormValue("email"))
	if err != nil {
		return nil, "", err
	}
	nu, initial, err := u.cfg.Accounts.CreateUserInitial(r.Context(), s.User, in)
	if err != nil || email == "" || u.cfg.Mail == nil {
		return nu, initial, err
	}
	return nu, initial, u.cfg.Mail.SetUserMail(r.Context(), s.User.ID, nu.ID, workflow.MailSettings{Email: email})
}

// updateUser applies the user page's information form, its e-mail
// address included (the user's choice of notifications kept).
func (u *UI) updateUser(r *http.Request, s *Session, id string) error {
	email, err := workflow.CheckEmail(r.PostFormValue("email"))
	if err != nil {
		return err
	}
	if _, err := u.cfg.Accounts.UpdateUser(r.Context(), s.User, id, userUpdate(r)); err != nil || u.cfg.Mail == nil {
		return err
	}
	m, err := u.cfg.Mail.UserMail(r.Context(), id)
	if err != nil {
		return err
	}
	m.Email = email
	return u.cfg.Mail.SetUserMail(r.Context(), s.User.ID, id, m)
}

// fillAccount adds to v the account's status (last login, lockout) and
// its e-mail address: as posted when the information form came back,
// else as stored.
func (u *UI) fillAccount(r *http.Request, s *Session, target *workflow.User, v *userView) error {
	var err error
	if v.Reassign, err = u.reassignOffers(r.Context(), s.User, target); err != nil || v.Clerk {
		return err
	}
	st, err := u.accountStatuses(r.Context(), s, []*workflow.User{target})
	if err != nil {
		return err
	}
	v.Status = st[target.ID]
	if v.Mail = u.cfg.Mail != nil && !v.Clerk; !v.Mail {
		return nil
	}
	if r.Method == http.MethodPost && r.PostFormValue("action") == "update" {
		v.Email = r.PostFormValue("email")
		return nil
	}
	m, err := u.cfg.Mail.UserMail(r.Context(), target.ID)
	v.Email = m.Email
	return err
}
