package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/workflow"
)

// registerRoutes registers the registers.
func (u *UI) registerRoutes(mux *http.ServeMux) {
	mux.Handle("GET /registers", u.auth(u.handleRegisters))
	mux.Handle("GET /registers/go", u.auth(func(w http.ResponseWriter, r *http.Request, s *Session) error {
		k, y := workflow.RegisterKind(r.URL.Query().Get("kind")), r.URL.Query().Get("year")
		if !k.Valid() {
			return workflow.Errorf(workflow.ENOTFOUND, "no register")
		}
		if _, err := strconv.Atoi(y); err != nil {
			return workflow.Errorf(workflow.ENOTFOUND, "no register year")
		}
		to := "/registers/" + string(k) + "/" + y
		if m := r.URL.Query().Get("month"); m != "" {
			to += "?month=" + url.QueryEscape(m)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}))
	mux.Handle("GET /registers/{kind}/{year}", u.auth(u.handleRegister))
	mux.Handle("GET /registers/{kind}/{year}/csv", u.auth(u.handleRegisterCSV))
	mux.Handle("GET /registers/{kind}/{year}/json", u.auth(u.handleRegisterJSON))
}

// registerRoles keep or read the registers (workflow.Service.Register
// decides; the navigation only hides the link from the others).
var registerRoles = []workflow.Role{workflow.RoleClerk, workflow.RoleOfficer, workflow.RoleArchivist, workflow.RoleAdmin}

// registerKinds lists the registers a user may open.
func registerKinds(u *workflow.User) []workflow.RegisterKind {
	kinds := []workflow.RegisterKind{workflow.RegisterIncoming, workflow.RegisterOutgoing}
	if workflow.SeesAllClassified(u) {
		kinds = append(kinds, workflow.RegisterConfidentialIncoming, workflow.RegisterConfidential)
	}
	return kinds
}

type registersView struct {
	Kinds  []option
	Years  []int
	Year   int
	Months []option
	// Copies: the register of copies is listed (a clerk's or an admin's:
	// copies.go).
	Copies bool
}

// monthOptions are the choices of the month filter: the whole year, then
// each month, month m selected.
func monthOptions(m time.Month) []option {
	out := []option{{Value: "", Label: "Cả năm", Selected: m == 0}}
	for i := time.January; i <= time.December; i++ {
		out = append(out, option{Value: strconv.Itoa(int(i)), Label: fmt.Sprintf("Tháng %d", i), Selected: i == m})
	}
	return out
}

func (u *UI) handleRegisters(w http.ResponseWriter, r *http.Request, s *Session) error {
	if !s.User.HasAny(registerRoles) {
		return workflow.Errorf(workflow.EFORBIDDEN, "registers")
	}
	year := workflow.RegisterYear(u.now())
	v := registersView{Year: year, Months: monthOptions(0)}
	for y := year; y > year-5; y-- {
		v.Years = append(v.Years, y)
	}
	for _, k := range registerKinds(s.User) {
		v.Kinds = append(v.Kinds, option{Value: string(k), Label: registerNames[k]})
	}
	v.Copies = s.User.Has(workflow.RoleClerk) || s.User.Has(workflow.RoleAdmin)
	u.render(w, r, s, http.StatusOK, "registers", "Sổ đăng ký văn bản", v)
	return nil
}

// registerRow is one line of a register with every field Decree 30 lists.
type registerRow struct {
	Number       int
	Notation     string
	Date         string
	Type         string
	Subject      string
	Urgency      string
	Conf         string
	Signer       string
	Recipients   string
	FileCopyUnit string
	Copies       int
	Sender       string
	OrigNumber   string
	OrigDate     string
	Receiver     string
	Notes        string
	DocID        string
	Status       string // voided or reserved: a number no issued document carries
}

type registerView struct {
	Kind     workflow.RegisterKind
	Name     string
	Year     int
	Month    int    // 0: the whole year
	Period   string // "năm 2026", "tháng 11 năm 2026"
	Months   []option
	Incoming bool
	Rows     []registerRow
	CSV      string
	JSON     string
	YearCSV  string // the whole year's CSV and JSON (the page shows a page of it)
	YearJSON string
	Agency   string
	Pager    registerPager
	// Sought is the number looked for (?tim=, after the form's ?so=), 0
	// if none; SoughtShown whether the page has its line.
	Sought      int
	SoughtShown bool
	Find        string  // ?so= as typed
	Invalid     Invalid // ?so= named no number
}

// registerPager is where a page of a register is (registerPageSize
// lines a page): page Page of Pages, the numbers (of a year) or lines (of
// a month) it shows, and the links to the others ("" where none).
type registerPager struct {
	Page, Pages             int
	Range                   string
	First, Prev, Next, Last string
}

// registerPageSize is the default number of lines of a register page.
const registerPageSize = 100

// maxRegisterPage bounds the page a request may name.
const maxRegisterPage = 1 << 20

// registerRequest reads the register, year and month a request names into
// a view without its rows.
func (u *UI) registerRequest(r *http.Request) (*registerView, error) {
	kind := workflow.RegisterKind(r.PathValue("kind"))
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < 1900 || year > 9999 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no such register year")
	}
	month, err := workflow.ParseRegisterMonth(r.URL.Query().Get("month"))
	if err != nil {
		return nil, err
	}
	v := &registerView{Kind: kind, Name: orName(registerNames, kind), Year: year, Month: int(month), Months: monthOptions(month),
		Period: fmt.Sprintf("năm %d", year), Incoming: kind.Incoming(), CSV: fmt.Sprintf("/registers/%s/%d/csv", kind, year), Agency: u.cfg.Agency.Name}
	v.JSON = fmt.Sprintf("/registers/%s/%d/json", kind, year)
	v.YearCSV, v.YearJSON = v.CSV, v.JSON
	if month != 0 {
		v.Period = fmt.Sprintf("tháng %d năm %d", month, year)
		v.CSV += fmt.Sprintf("?month=%d", month)
		v.JSON += fmt.Sprintf("?month=%d", month)
	}
	return v, nil
}

// registerRows reads the page of the register a request names (?page,
// from 1): of a year, the lines numbered (page-1)×size+1 to page×size,
// read as such (RegisterRowsBetween: a page costs a page, not the year);
// of a month, the month's lines read as before, shown size at a time.
func (u *UI) registerRows(r *http.Request, s *Session) (*registerView, error) {
	v, err := u.registerRequest(r)
	if err != nil {
		return nil, err
	}
	page := 1
	if q := r.URL.Query().Get("page"); q != "" {
		if page, err = strconv.Atoi(q); err != nil || page < 1 || page > maxRegisterPage {
			return nil, workflow.Errorf(workflow.EINVALID, "page must be 1 to %d, not %q", maxRegisterPage, q)
		}
	}
	size := cmp.Or(u.cfg.RegisterPage, registerPageSize)
	var rows []workflow.RegisterRow
	var pages int
	if v.Month != 0 {
		all, err := u.cfg.Docs.RegisterRows(r.Context(), s.User, v.Kind, v.Year, time.Month(v.Month))
		if err != nil {
			return nil, err
		}
		from, to := min((page-1)*size, len(all)), min(page*size, len(all))
		rows, pages = all[from:to], (len(all)+size-1)/size
		v.Pager.Range = fmt.Sprintf("dòng %d–%d trong %d dòng của tháng", from+1, to, len(all))
	} else {
		p, err := u.cfg.Docs.RegisterRowsBetween(r.Context(), s.User, v.Kind, v.Year, (page-1)*size+1, page*size)
		if err != nil {
			return nil, err
		}
		rows, pages = p.Rows, (p.Last+size-1)/size
		if p.More {
			pages = max(pages, page+1)
		}
		v.Pager.Range = numberRange((page-1)*size+1, min(page*size, max(p.Last, (page-1)*size+1)))
	}
	for _, x := range rows {
		v.Rows = append(v.Rows, toRegisterRow(x))
	}
	if err := u.noteDisposed(r.Context(), v.Rows); err != nil {
		return nil, err
	}
	v.Pager.setLinks(fmt.Sprintf("/registers/%s/%d", v.Kind, v.Year), v.Month, page, max(pages, 1))
	return v, nil
}

// numberRange says the numbers from to to: "số 101–200", "số 201".
func numberRange(from, to int) string {
	if from == to {
		return fmt.Sprintf("số %d", from)
	}
	return fmt.Sprintf("số %d–%d", from, to)
}

// setLinks sets the pager of page page of pages of the register at base
// (a month's when month is not 0).
func (p *registerPager) setLinks(base string, month, page, pages int) {
	p.Page, p.Pages = page, pages
	link := func(n int) string {
		q := url.Values{}
		if month != 0 {
			q.Set("month", strconv.Itoa(month))
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	}
	if page > 1 {
		p.First, p.Prev = link(1), link(min(page-1, pages))
	}
	if page < pages {
		p.Next, p.Last = link(page+1), link(pages)
	}
}

// toRegisterRow is a register line as the page and the CSV print it.
func toRegisterRow(x workflow.RegisterRow) registerRow {
	row := registerRow{Number: x.Number, Notation: x.Notation, Date: fmtDate(x.Date), Subject: x.Subject, Notes: numberNote(x.Status, x.Notes),
		DocID: x.DocumentID, Status: string(x.Status), Signer: x.Signer, FileCopyUnit: x.FileCopyUnit, Copies: x.Copies,
		OrigNumber: x.OriginalNumber, OrigDate: fmtDate(x.OriginalDate), Receiver: x.Receiver}
	if x.Type != "" {
		row.Type = orName(workflow.DocTypes, x.Type)
	}
	if x.Urgency != "" {
		row.Urgency = orName(urgencyNames, x.Urgency)
	}
	if x.Confidentiality != "" {
		row.Conf = orName(confidentialityNames, x.Confidentiality)
	}
	var names []string
	for _, o := range x.Recipients {
		names = append(names, o.Name)
	}
	row.Recipients = strings.Join(names, "; ")
	if x.Sender != nil {
		row.Sender = x.Sender.Name
	}
	return row
}

func (u *UI) handleRegister(w http.ResponseWriter, r *http.Request, s *Session) error {
	find, finding := r.URL.Query()["so"]
	if finding {
		if n, ok := registerNumberOf(find[0]); ok {
			size := cmp.Or(u.cfg.RegisterPage, registerPageSize)
			to := fmt.Sprintf("%s?page=%d&tim=%d#so-%d", r.URL.Path, (n-1)/size+1, n, n)
			http.Redirect(w, r, to, http.StatusSeeOther)
			return nil
		}
	}
	v, err := u.registerRows(r, s)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if finding {
		v.Find, v.Invalid = find[0], Invalid{"so": "Nhập số cần tìm: số thứ tự trong sổ, ví dụ 5 hoặc 05/QĐ-UBND."}
		_, p := problemOf(workflow.Errorf(workflow.EINVALID, "no number to find in %q", find[0]).On("so"))
		status = p.Status
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("tim")); err == nil && n > 0 {
		v.Sought = n
		for _, x := range v.Rows {
			v.SoughtShown = v.SoughtShown || x.Number == n
		}
	}
	u.render(w, r, s, status, "register", v.Name+" "+v.Period, v)
	return nil
}

// handleRegisterCSV writes the register with Vietnamese headers, every
// cell through csvsafe (no formula reaches a spreadsheet), UTF-8 with BOM.
func (u *UI) handleRegisterCSV(w http.ResponseWriter, r *http.Request, s *Session) error {
	v, err := u.registerRequest(r)
	if err != nil {
		return err
	}
	// The lines are written as they are read (a year a page at a time,
	// not built whole in memory); an error before the first answers the
	// request, one after them aborts the response (http.ErrAbortHandler:
	// the connection closed before the chunked body's end), so that a cut
	// file is not taken for the whole register, as the API does.
	var cw *csvsafe.Writer
	err = u.cfg.Docs.EachRegisterRows(r.Context(), s.User, v.Kind, v.Year, time.Month(v.Month), func(rows []workflow.RegisterRow) error {
		if cw == nil {
			cw = startRegisterCSV(w, v)
		}
		lines := make([]registerRow, len(rows))
		for i, x := range rows {
			lines[i] = toRegisterRow(x)
		}
		if err := u.noteDisposed(r.Context(), lines); err != nil {
			return err
		}
		for _, x := range lines {
			writeRegisterLine(cw, v.Incoming, x)
		}
		cw.Flush()
		return cw.Error()
	})
	if cw == nil {
		return err
	}
	if err != nil {
		u.log.WarnContext(r.Context(), "register CSV cut short: response aborted", "register", v.Kind, "year", v.Year, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// startRegisterCSV sends the headers of the CSV file of v and its first
// line.
func startRegisterCSV(w http.ResponseWriter, v *registerView) *csvsafe.Writer {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	name := fmt.Sprintf("so-dang-ky-%s-%d", v.Kind, v.Year)
	if v.Month != 0 {
		name += fmt.Sprintf("-%02d", v.Month)
	}
	h.Set("Content-Disposition", "attachment; filename="+name+".csv")
	w.Write([]byte("\ufeff"))
	cw := csvsafe.NewWriter(w)
	if v.Incoming {
		cw.Write([]string{"Ngày đến", "Số đến", "Tác giả (cơ quan gửi)", "Số, ký hiệu", "Ngày tháng văn bản", "Tên loại", "Trích yếu nội dung", "Độ khẩn", "Độ mật", "Đơn vị hoặc người nhận", "Ghi chú"})
	} else {
		cw.Write([]string{"Số, ký hiệu", "Ngày tháng văn bản", "Tên loại", "Trích yếu nội dung", "Độ khẩn", "Độ mật", "Người ký", "Nơi nhận", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ghi chú"})
	}
	return cw
}

// writeRegisterLine writes line x of a register (incoming or not).
func writeRegisterLine(cw *csvsafe.Writer, incoming bool, x registerRow) {
	if incoming {
		cw.Write([]string{x.Date, strconv.Itoa(x.Number), x.Sender, x.OrigNumber, x.OrigDate, x.Type, x.Subject, x.Urgency, x.Conf, x.Receiver, x.Notes})
		return
	}
	cw.Write([]string{x.Notation, x.Date, x.Type, x.Subject, x.Urgency, x.Conf, x.Signer, x.Recipients, x.FileCopyUnit, strconv.Itoa(x.Copies), x.Notes})
}

// registerNumberOf reads the number a clerk looks for in a register: the
// digits it starts with, after any "số" — 5, 05, 05/QĐ-UBND, số 12 — at
// most maxRegisterPage×registerPageSize; false if it names none.
func registerNumberOf(q string) (int, bool) {
	q = strings.TrimSpace(q)
	q = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(q, "Số"), "số"))
	end := strings.IndexFunc(q, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(q)
	}
	n, err := strconv.Atoi(q[:end])
	if err != nil || n < 1 || n > maxRegisterPage*registerPageSize {
		return 0, false
	}
	return n, true
}
