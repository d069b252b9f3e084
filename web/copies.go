package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/workflow"
)

// Copies (bản sao) of a document, Decree 30 Art. 25–27 (workflow/copy.go):
// the clerk's page "Sao văn bản" of a document (the form: how, for whom;
// the copies made, each to download), reached from the document's page.

// Copier makes and reads copies (workflow.Service).
type Copier interface {
	MakeCopy(ctx context.Context, actor *workflow.User, id string, in workflow.CopyInput) (*workflow.Copy, error)
	Copies(ctx context.Context, actor *workflow.User, id string) ([]workflow.Copy, error)
	OpenCopy(ctx context.Context, actor *workflow.User, copyID string) (io.ReadCloser, *workflow.Copy, *workflow.Document, error)
}

// copyRoutes registers the copies' page and their files.
func (u *UI) copyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /documents/{id}/copies", u.auth(u.handleCopies))
	mux.Handle("POST /documents/{id}/copies", u.auth(u.handleMakeCopy))
	mux.Handle("GET /copies/{id}/file", u.auth(u.handleCopyFile))
	mux.Handle("GET /registers/copies/{year}", u.auth(u.handleCopyRegister))
	mux.Handle("GET /registers/copies/{year}/csv", u.auth(u.handleCopyRegisterCSV))
}

// copiesView is the page "Sao văn bản".
type copiesView struct {
	Doc   *workflow.Document
	Forms []workflow.CopyForm // the forms the clerk may choose (none: the form is not shown)
	// Copyable: the document may be copied, by others than the user
	// when Forms is empty (the page says who).
	Copyable bool
	Form     string // what the form held
	For      string
	Pages    string // a trích sao's pages, as typed
	Copies   []copyRow
	Made     string // the notation of the copy just made
	Error    string
	Invalid  Invalid
}

type copyRow struct {
	ID, Notation, Form, For, By string
	At                          time.Time
}

var copyFormNames = map[workflow.CopyForm]string{
	workflow.CopySaoY: "Sao y", workflow.CopySaoLuc: "Sao lục", workflow.CopyTrichSao: "Trích sao",
}

// copiedEventText is a copy in the original's history.
func copiedEventText(e workflow.Event) string {
	form := strings.ToLower(orDefault(copyFormNames[workflow.CopyForm(e.Data["form"])], e.Data["form"]))
	if p := e.Data["pages"]; p != "" {
		form += " trang " + p
	}
	return "Sao văn bản (" + form + "), bản sao số " + e.Data["notation"] + ", sao cho: " + e.Data["requested_for"]
}

func (u *UI) copier() (Copier, error) {
	c, ok := u.cfg.Docs.(Copier)
	if !ok {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this server makes no copies")
	}
	return c, nil
}

// copyable says whether s may make a copy of d (workflow.MayCopy: a
// clerk, or an archivist of an archived record) whose PDF is final: the
// document page's and the archive record's link "Sao văn bản".
func copyable(d *workflow.Document, s *Session) bool {
	return workflow.MayCopy(s.User, d) && len(workflow.CopyForms(d)) > 0
}

func (u *UI) handleCopies(w http.ResponseWriter, r *http.Request, s *Session) error {
	v, err := u.copiesView(r, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Made = r.URL.Query().Get("made")
	u.render(w, r, s, http.StatusOK, "copies", "Sao văn bản", v)
	return nil
}

func (u *UI) copiesView(r *http.Request, s *Session, id string) (*copiesView, error) {
	c, err := u.copier()
	if err != nil {
		return nil, err
	}
	d, err := u.cfg.Docs.Get(r.Context(), s.User, id)
	if err != nil {
		return nil, err
	}
	cs, err := c.Copies(r.Context(), s.User, id)
	if err != nil {
		return nil, err
	}
	names, err := u.userNames(r)
	if err != nil {
		return nil, err
	}
	v := &copiesView{Doc: d, Form: string(workflow.CopySaoY), Copyable: len(workflow.CopyForms(d)) > 0}
	if workflow.MayCopy(s.User, d) {
		v.Forms = workflow.CopyForms(d)
	}
	for _, x := range cs {
		v.Copies = append(v.Copies, copyRow{ID: x.ID, Notation: x.Notation, Form: copyFormText(x.Form, x.Pages), For: x.RequestedFor,
			By: orDefault(names[x.CreatedBy], x.CreatedBy), At: x.CreatedAt})
	}
	return v, nil
}

// handleMakeCopy makes the copy and goes back to the page, which names
// it; a form the document does not allow or no "for whom" shows the
// page again with the problem.
func (u *UI) handleMakeCopy(w http.ResponseWriter, r *http.Request, s *Session) error {
	c, err := u.copier()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in := workflow.CopyInput{Form: workflow.CopyForm(r.PostFormValue("form")), RequestedFor: r.PostFormValue("requested_for"),
		Pages: r.PostFormValue("pages")}
	made, err := c.MakeCopy(r.Context(), s.User, id, in)
	if err == nil {
		http.Redirect(w, r, "/documents/"+id+"/copies?made="+made.Notation+"#copies-list", http.StatusSeeOther)
		return nil
	}
	if workflow.ErrorCode(err) != workflow.EINVALID {
		return err
	}
	v, verr := u.copiesView(r, s, id)
	if verr != nil {
		return verr
	}
	v.Form, v.For, v.Pages = string(in.Form), in.RequestedFor, in.Pages
	field := workflow.ErrorField(err)
	v.Error = copyProblem(err, in)
	if field != "requested_for" && field != "pages" {
		field = "form"
	}
	v.Invalid = one(field, v.Error)
	status, _ := httpstatus.Of(workflow.EINVALID)
	u.render(w, r, s, status, "copies", "Sao văn bản", v)
	return nil
}

// copyProblem says in Vietnamese what is wrong with request in, refused
// with err (EINVALID).
func copyProblem(err error, in workflow.CopyInput) string {
	var pe *workflow.PageRangeError
	switch {
	case workflow.ErrorField(err) == "requested_for":
		return "Hãy ghi sao cho ai (người hoặc cơ quan đề nghị, theo đơn ngày nào), tối đa " + strconv.Itoa(workflow.MaxRequestedFor) + " ký tự."
	case workflow.ErrorField(err) != "pages":
		return "Hình thức sao không phù hợp: văn bản vào sổ từ bản giấy được sao y hoặc trích sao (bản chụp, hoặc các trang của bản chụp, có chữ ký số của cơ quan), không sao lục."
	case errors.As(err, &pe):
		return "Trang " + strconv.Itoa(pe.Page) + " không có: văn bản có " + strconv.Itoa(pe.Count) + " trang."
	case in.Form != workflow.CopyTrichSao:
		return "Chỉ ghi trang trích sao khi trích sao: sao y, sao lục sao cả văn bản."
	}
	if _, perr := workflow.ParsePages(in.Pages); perr == nil {
		return "Không trích được các trang này từ tệp của văn bản (" + workflow.ErrorMessage(err) + "); hãy làm bản sao y."
	}
	return "Hãy ghi các trang trích sao theo thứ tự tăng dần, mỗi trang một lần, ví dụ: 1,3-4."
}

// copyFormText is a copy's form as the pages show it: "Trích sao
// (trang 1,3-4)".
func copyFormText(form workflow.CopyForm, pages string) string {
	if pages == "" {
		return copyFormNames[form]
	}
	return copyFormNames[form] + " (trang " + pages + ")"
}

// handleCopyFile sends a copy's signed PDF, shown in the browser or
// downloaded (?download=1), named after the copy and its original.
func (u *UI) handleCopyFile(w http.ResponseWriter, r *http.Request, s *Session) error {
	c, err := u.copier()
	if err != nil {
		return err
	}
	rc, made, d, err := c.OpenCopy(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	disp := "inline"
	if r.URL.Query().Get("download") != "" {
		disp = "attachment"
	}
	h := w.Header()
	h.Set("Content-Type", workflow.PDFType)
	h.Set("Content-Disposition", mediatype.Disposition(disp, workflow.CopyDownloadName(d, made)))
	h.Set("Content-Length", strconv.FormatInt(made.Size, 10))
	h.Set("X-Content-SHA256", made.SHA256)
	h.Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if _, err := io.Copy(w, rc); err != nil && !errors.Is(err, r.Context().Err()) {
		u.log.WarnContext(r.Context(), "stream copy", "copy_id", made.ID, "err", err)
	}
	return nil
}

// The register of copies (sổ đăng ký bản sao): the year's copies by
// number, for clerks and admins (workflow.Service.CopyRegister), and its
// CSV. Linked from the registers' page.

type copyRegisterView struct {
	Year  int
	Lines []copyRegisterLine
	CSV   string
}

type copyRegisterLine struct {
	copyRow
	Number   int
	DocID    string
	Original string // the original's number/notation and subject
	Status   string // voided or reserved: a number no copy carries
	Note     string // why (workflow.CopyLine.Note)
}

func (u *UI) copyRegister(r *http.Request, s *Session) (*copyRegisterView, error) {
	c, ok := u.cfg.Docs.(interface {
		CopyRegister(ctx context.Context, actor *workflow.User, year int) ([]workflow.CopyLine, error)
	})
	if !ok {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this server keeps no register of copies")
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < 1900 || year > 9999 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no register year")
	}
	lines, err := c.CopyRegister(r.Context(), s.User, year)
	if err != nil {
		return nil, err
	}
	names, err := u.userNames(r)
	if err != nil {
		return nil, err
	}
	v := &copyRegisterView{Year: year, CSV: "/registers/copies/" + strconv.Itoa(year) + "/csv"}
	for _, l := range lines {
		orig := l.Original.Subject
		if n := l.Original.Notation; n != "" {
			orig = n + ": " + orig
		}
		v.Lines = append(v.Lines, copyRegisterLine{Number: l.Number, DocID: l.DocumentID, Original: orig,
			Status: string(l.State), Note: numberNote(l.State, l.Note()),
			copyRow: copyRow{ID: l.ID, Notation: l.Notation, Form: copyFormText(l.Form, l.Pages), For: l.RequestedFor,
				By: orDefault(names[l.CreatedBy], l.CreatedBy), At: l.CreatedAt}})
	}
	return v, nil
}

func (u *UI) handleCopyRegister(w http.ResponseWriter, r *http.Request, s *Session) error {
	v, err := u.copyRegister(r, s)
	if err != nil {
		return err
	}
	u.render(w, r, s, http.StatusOK, "copy_register", "Sổ đăng ký bản sao năm "+strconv.Itoa(v.Year), v)
	return nil
}

func (u *UI) handleCopyRegisterCSV(w http.ResponseWriter, r *http.Request, s *Session) error {
	v, err := u.copyRegister(r, s)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename=so-dang-ky-ban-sao-"+strconv.Itoa(v.Year)+".csv")
	w.Write([]byte("\ufeff"))
	cw := csvsafe.NewWriter(w)
	cw.Write([]string{"Số bản sao", "Ký hiệu", "Ngày sao", "Hình thức", "Văn bản được sao", "Sao cho", "Người sao", "Ghi chú"})
	for _, l := range v.Lines {
		cw.Write([]string{strconv.Itoa(l.Number), l.Notation, fmtDate(l.At), l.Form, l.Original, l.For, l.By, l.Note})
	}
	cw.Flush()
	return cw.Error()
}
