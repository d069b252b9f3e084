package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// The import of many users from a CSV file (README "Importing users"):
// GET /admin/users/import is the upload form; POST action=preview reads
// the file and shows what would be created, each problem marked by line
// and column; POST action=create (the preview's button, the file's text
// in a hidden field) creates them all or none and answers the result:
// the users created and the button of the one download of their initial
// passwords, POST /admin/users/import/passwords (admin_import_held.go).

// importRoutes registers the import's pages.
func (u *UI) importRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/users/import", u.auth(u.handleImport))
	mux.Handle("POST /admin/users/import", u.auth(u.handleImport, requireAdmin))
	mux.Handle("POST /admin/users/import/passwords", u.auth(u.handleImportPasswords, requireAdmin))
}

// importView is the import page: the upload form, and after an upload
// the preview of its rows and the problems of the file.
type importView struct {
	Tabs []adminTab
	// Uploaded: a file was read (the preview shows); CSV is its text,
	// posted again by the create button when it has no problem.
	Uploaded bool
	CSV      string
	Rows     []importRowView
	// Problems are the file's problems not of one row it could read
	// (its header, a line it could not read, its size), and Count every
	// problem.
	Problems []importProblem
	Count    int
	Max      int
	// Created: the users just created (the result page), Held the key of
	// their initial passwords' download, HeldMinutes how long it waits.
	Created     []importRowView
	Held        string
	HeldMinutes int
	// Gone: the passwords' download asked for is not (or no longer) here.
	Gone bool
}

// importRowView is one row of the preview, with its problems.
type importRowView struct {
	Line                                   int
	ID                                     string // once created
	Username, FullName, Title, Unit, Email string
	Roles                                  []workflow.Role
	PersonalID                             bool
	Problems                               []importProblem
}

// importProblem is one problem as the page says it: line (0: the whole
// file), column's Vietnamese name and why.
type importProblem struct {
	Line   int
	Column string
	Text   string
}

func (u *UI) handleImport(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	im, ok := u.cfg.Accounts.(auth.UserImporter)
	held, holds := u.cfg.Accounts.(secretHolder)
	if !ok || !holds {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server cannot import users")
	}
	v := importView{Tabs: u.adminTabs("/admin/users"), Max: auth.MaxImportRows}
	if r.Method != http.MethodPost {
		u.render(w, r, s, http.StatusOK, "admin_users_import", "Nhập người dùng từ tệp", v)
		return nil
	}
	text, err := importText(r)
	if err != nil {
		return u.importProblems(w, r, s, v, nil, err)
	}
	v.Uploaded, v.CSV = true, text
	rows, err := auth.ParseUsersCSV(strings.NewReader(text))
	if err == nil {
		if r.PostFormValue("action") == "create" {
			created, err := im.ImportUsers(r.Context(), s.User, rows)
			if err == nil {
				return u.importDone(w, r, s, held, v, created)
			}
			return u.importProblems(w, r, s, v, rows, err)
		}
		_, err = im.CheckImport(r.Context(), s.User, rows)
	}
	return u.importProblems(w, r, s, v, rows, err)
}

// importText is the posted file's text: the upload (action=preview) or
// the hidden field the preview posts back (action=create).
func importText(r *http.Request) (string, error) {
	if r.PostFormValue("action") == "create" {
		return r.PostFormValue("csv"), nil
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return "", workflow.Errorf(workflow.EINVALID, "choose a CSV file").On("file")
	}
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, auth.MaxImportBytes+1))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// importProblems renders the preview of rows with err's problems (nil:
// none, the create button shows); a problem that is not the file's
// (forbidden, unavailable, internal) is the error page's.
func (u *UI) importProblems(w http.ResponseWriter, r *http.Request, s *Session, v importView, rows []auth.ImportRow, err error) error {
	ps := workflow.Problems(err)
	if err != nil && (len(ps) == 0 || !inputCodes(ps)) {
		return err
	}
	byLine := map[int][]importProblem{}
	for _, p := range ps {
		ip := importProblemOf(p)
		if _, ok := lineOf(rows, ip.Line); ok {
			byLine[ip.Line] = append(byLine[ip.Line], ip)
		} else {
			v.Problems = append(v.Problems, ip)
		}
	}
	for _, row := range rows {
		v.Rows = append(v.Rows, importRowView{Line: row.Line, Username: row.User.Username, FullName: row.User.FullName,
			Title: row.User.Title, Unit: row.User.Unit, Email: row.Email, Roles: row.User.Roles,
			PersonalID: strings.TrimSpace(row.User.PersonalID) != "", Problems: byLine[row.Line]})
	}
	v.Count = len(ps)
	status := http.StatusOK
	if err != nil {
		_, p := problemOf(err)
		status = p.Status
	}
	u.render(w, r, s, status, "admin_users_import", "Nhập người dùng từ tệp", v)
	return nil
}

// inputCodes: every problem is the input's (invalid, too large).
func inputCodes(ps []*workflow.Error) bool {
	for _, p := range ps {
		if p.Code != workflow.EINVALID && p.Code != workflow.ETOOLARGE {
			return false
		}
	}
	return true
}

func lineOf(rows []auth.ImportRow, line int) (int, bool) {
	for i, r := range rows {
		if r.Line == line {
			return i, true
		}
	}
	return 0, false
}

// importDone answers a done import: the page of the users created, whose
// button downloads their initial passwords once (held, not shown).
func (u *UI) importDone(w http.ResponseWriter, r *http.Request, s *Session, held secretHolder, v importView, created []auth.Imported) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // for Excel
	if err := auth.WritePasswordsCSV(&buf, created); err != nil {
		return err
	}
	v.Uploaded, v.CSV = false, ""
	for _, c := range created {
		v.Created = append(v.Created, importRowView{ID: c.User.ID, Username: c.User.Username, FullName: c.User.FullName,
			Title: c.User.Title, Unit: c.User.Unit, Email: c.Email, Roles: c.User.Roles})
	}
	defer clear(buf.Bytes())
	id, err := held.Hold(r.Context(), s.Token, buf.Bytes())
	if err != nil {
		return fmt.Errorf("hold the initial passwords of %d users created: %w", len(created), err)
	}
	v.Held, v.HeldMinutes = id, int(heldTTL/time.Minute)
	noStore(w)
	u.render(w, r, s, http.StatusOK, "admin_users_import", "Đã tạo người dùng", v)
	return nil
}

// handleImportPasswords is the one download of an import's initial
// passwords, by the session that made it; afterwards, or from another
// session, the import page says they are gone (404).
func (u *UI) handleImportPasswords(w http.ResponseWriter, r *http.Request, s *Session) error {
	held, ok := u.cfg.Accounts.(secretHolder)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server cannot hold the initial passwords")
	}
	csv, err := held.Take(r.Context(), s.Token, r.PostFormValue("held"))
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		noStore(w)
		_, p := problemOf(workflow.Errorf(workflow.ENOTFOUND, "no initial passwords held for this session under this key"))
		u.render(w, r, s, p.Status, "admin_users_import", "Nhập người dùng từ tệp",
			importView{Tabs: u.adminTabs("/admin/users"), Max: auth.MaxImportRows, Gone: true, HeldMinutes: int(heldTTL / time.Minute)})
		return nil
	} else if err != nil {
		return err
	}
	defer clear(csv)
	return passwordsDownload(w, csv)
}

// noStore: no cache keeps the page.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// passwordsDownload answers the initial passwords' CSV, never stored by
// a cache.
func passwordsDownload(w http.ResponseWriter, csv []byte) error {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="mat-khau-ban-dau.csv"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(csv)
	return err
}

// importColumnNames are the columns' Vietnamese names.
var importColumnNames = map[string]string{
	"username": "Tên đăng nhập", "full_name": "Họ và tên", "title": "Chức vụ", "unit": "Đơn vị", "roles": "Vai trò",
	"email": "Thư điện tử", "personal_id": "CCCD", "row": "Cả dòng", "header": "Dòng tiêu đề", "file": "Tệp",
}

var onLineRe = regexp.MustCompile(`on line (\d+) too`)

// importProblemOf says one problem of an import in Vietnamese.
func importProblemOf(p *workflow.Error) importProblem {
	line, col, ok := auth.ParseRowField(p.Field)
	if !ok {
		col = p.Field
	}
	ip := importProblem{Line: line, Column: importColumnNames[col]}
	msg := p.Message
	switch {
	case col == "file" && p.Code == workflow.ETOOLARGE:
		ip.Text = fmt.Sprintf("Tệp quá lớn: tối đa %d người dùng và %d KB một tệp; hãy chia thành nhiều tệp.", auth.MaxImportRows, auth.MaxImportBytes>>10)
	case col == "file" && strings.Contains(msg, "UTF-8"):
		ip.Text = "Tệp không phải văn bản UTF-8: trong Excel hãy lưu bằng \"CSV UTF-8\"."
	case col == "file" && strings.Contains(msg, "choose"):
		ip.Text = "Hãy chọn tệp CSV."
	case col == "file":
		ip.Text = "Tệp không có người dùng nào."
	case line == 1 && strings.Contains(msg, "missing"):
		ip.Text = "Thiếu cột " + importColumnNames[col] + "."
	case line == 1 && strings.Contains(msg, "twice"):
		ip.Text = "Cột " + importColumnNames[col] + " có hai lần."
	case col == "header":
		ip.Text = "Có cột không nhận ra hoặc không có tên; các cột: Tên đăng nhập, Họ và tên, Chức vụ, Đơn vị, Vai trò, Thư điện tử, CCCD."
	case col == "row" && strings.Contains(msg, "fields"):
		ip.Text = "Dòng có nhiều ô hơn dòng tiêu đề: ô có dấu phẩy hay chấm phẩy phải đặt trong ngoặc kép."
	case col == "row":
		ip.Text = "Dòng không đọc được: dấu ngoặc kép chưa đóng hoặc đặt sai chỗ."
	default:
		ip.Text = importFieldProblem(p, col)
	}
	return ip
}

// importFieldProblem says a row's problem with one column.
func importFieldProblem(p *workflow.Error, col string) string {
	if m, ok := unsafeTextMessage(p); ok {
		return m
	}
	switch {
	case errors.Is(p, auth.ErrUsernameTaken):
		return "Tên đăng nhập này đã có người dùng."
	case errors.Is(p, auth.ErrDuplicateRow):
		if m := onLineRe.FindStringSubmatch(p.Message); m != nil {
			return "Tên đăng nhập trùng với dòng " + m[1] + " của tệp."
		}
		return "Tên đăng nhập trùng với một dòng trước trong tệp."
	case errors.Is(p, auth.ErrNameMissing):
		return "Thiếu họ và tên."
	case col == "roles" && strings.Contains(p.Message, "unknown role"):
		return "Vai trò không có: ghi Văn thư, Lãnh đạo, Chuyên viên, Lưu trữ hoặc Quản trị (hay clerk, officer, handler, archivist, admin), cách nhau bằng dấu phẩy."
	case col == "roles":
		return "Thiếu vai trò."
	case col == "full_name" || col == "title" || col == "unit":
		return fmt.Sprintf("%s dài quá %d ký tự.", importColumnNames[col], auth.MaxProfileText)
	}
	return userProblem(p)
}
