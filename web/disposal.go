package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
)

// Disposals is the disposal of archived records (tiêu hủy tài liệu hết
// giá trị: archive.Service, archive/disposal.go). The pages are offered
// when Config.Archive implements it.
type Disposals interface {
	Expired(ctx context.Context, actor *workflow.User, q archive.Query) ([]*archive.Record, string, error)
	ProposeDisposal(ctx context.Context, actor *workflow.User, title string, ids []string) (*workflow.Disposal, error)
	Disposal(ctx context.Context, actor *workflow.User, id string) (*workflow.Disposal, error)
	DisposalList(ctx context.Context, actor *workflow.User, state workflow.DisposalState) ([]*workflow.Disposal, error)
	RemoveFromDisposal(ctx context.Context, actor *workflow.User, id string, ids []string) (*workflow.Disposal, error)
	ApproveDisposal(ctx context.Context, actor *workflow.User, id string, dec workflow.Decision) (*workflow.Disposal, error)
	RejectDisposal(ctx context.Context, actor *workflow.User, id, reason string) (*workflow.Disposal, error)
	RunDisposal(ctx context.Context, actor *workflow.User, id string) (*workflow.Disposal, error)
}

// disposalRoles see Tiêu hủy tài liệu: the archivists who propose and
// run lists, the officials who decide them.
var disposalRoles = []workflow.Role{workflow.RoleArchivist, workflow.RoleOfficer}

func hasDisposals(c *Config) bool {
	_, ok := c.Archive.(Disposals)
	return ok
}

func (u *UI) disposals() Disposals {
	d, _ := u.cfg.Archive.(Disposals)
	return d
}

// disposalRoutes registers the disposal pages (under /disposals: the
// archive's /archive/{id}/... would overlap /archive/disposals/{id}).
func (u *UI) disposalRoutes(mux *http.ServeMux) {
	if !hasDisposals(&u.cfg) {
		return
	}
	mux.Handle("GET /disposals", u.auth(u.handleDisposals))
	mux.Handle("POST /disposals", u.auth(u.handleDisposalCreate))
	mux.Handle("GET /disposals/{id}", u.auth(u.handleDisposal))
	mux.Handle("POST /disposals/{id}", u.auth(u.handleDisposalAction))
	mux.Handle("GET /disposals/{id}/print", u.auth(u.handleDisposalPrint))
}

// disposalStateNames are the lists' states as the pages say them.
var disposalStateNames = map[workflow.DisposalState]string{
	workflow.DisposalProposed: "Chờ thủ trưởng duyệt",
	workflow.DisposalApproved: "Đã có quyết định tiêu hủy, chờ tiêu hủy",
	workflow.DisposalDisposed: "Đã tiêu hủy",
	workflow.DisposalRejected: "Không duyệt / đã hủy đề nghị",
}

type disposalsView struct {
	Lists      []*workflow.Disposal
	States     map[workflow.DisposalState]string
	CanPropose bool
	Expired    []*archive.Record
	// Listed: the records on a list waiting for its decision or its run
	// (workflow.OnWaitingLists), by document: their rows name the list
	// and offer no box.
	Listed map[string]*workflow.Disposal
	// Filter: the expired records' filters as the archive search reads
	// them (words, type, retention, the document's dates), with a
	// filter that does not read; Kept, the filters to carry in the
	// proposal's form (Lập danh mục gồm tất cả hồ sơ tìm được).
	Filter archiveSearchView
	Kept   []keptField
	MaxAll int    // archive.MaxDisposalRequest
	More   string // the next page of the records past retention
	Error  string
}

// keptField is a filter a form carries as a hidden input.
type keptField struct{ Name, Value string }

// expiredFilters are the filters of Tiêu hủy tài liệu's expired records.
var expiredFilters = []string{"q", "type", "class", "from", "to"}

func (u *UI) handleDisposals(w http.ResponseWriter, r *http.Request, s *Session) error {
	v, err := u.disposalsView(r, s, r.URL.Query())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if v.Filter.Error != "" {
		status, _ = httpstatus.Of(workflow.EINVALID)
	}
	u.render(w, r, s, status, "disposals", "Tiêu hủy tài liệu", v)
	return nil
}

// disposalsView is the page with the expired records qv's filters find
// (a page of them, from qv's cursor).
func (u *UI) disposalsView(r *http.Request, s *Session, qv url.Values) (*disposalsView, error) {
	d := u.disposals()
	lists, err := d.DisposalList(r.Context(), s.User, "")
	if err != nil {
		return nil, err
	}
	v := &disposalsView{Lists: lists, States: disposalStateNames, CanPropose: s.User.Has(workflow.RoleArchivist),
		Listed: workflow.OnWaitingLists(lists), MaxAll: archive.MaxDisposalRequest}
	if !v.CanPropose {
		return v, nil
	}
	kept := url.Values{}
	for _, k := range expiredFilters {
		if x := strings.TrimSpace(qv.Get(k)); x != "" {
			kept.Set(k, x)
			v.Kept = append(v.Kept, keptField{k, x})
		}
	}
	q, f, err := archiveQuery(kept)
	v.Filter = f
	if err != nil {
		return v, nil // the page says which filter does not read
	}
	q.After = qv.Get("cursor")
	recs, next, err := d.Expired(r.Context(), s.User, q)
	if err != nil {
		return nil, err
	}
	v.Expired = recs
	if next != "" {
		kept.Set("cursor", next)
		v.More = "/disposals?" + kept.Encode()
	}
	return v, nil
}

// errTooManyFound: Lập danh mục gồm tất cả hồ sơ tìm được found more
// records than a list takes at once.
var errTooManyFound = workflow.Errorf(workflow.EINVALID, "more than %d records found", archive.MaxDisposalRequest).On("all")

// expiredFound returns every expired record qv's filters find that is on
// no waiting list (listed), at most archive.MaxDisposalRequest
// (errTooManyFound beyond): the year's records past retention the
// archivist proposes at once, not fifty ticks a page.
func (u *UI) expiredFound(r *http.Request, s *Session, qv url.Values, listed map[string]*workflow.Disposal) ([]string, error) {
	q, _, err := archiveQuery(qv)
	if err != nil {
		return nil, err
	}
	q.Limit = archiveCSVPage
	var ids []string
	for {
		recs, next, err := u.disposals().Expired(r.Context(), s.User, q)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			if listed[rec.DocumentID] == nil {
				ids = append(ids, rec.DocumentID)
			}
		}
		if len(ids) > archive.MaxDisposalRequest {
			return nil, errTooManyFound
		}
		if next == "" {
			return ids, nil
		}
		q.After = next
	}
}

// handleDisposalCreate proposes a list of the records ticked.
func (u *UI) handleDisposalCreate(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := r.ParseForm(); err != nil {
		return workflow.Errorf(workflow.EINVALID, "form: %v", err)
	}
	ids := r.PostForm["record"]
	title := strings.TrimSpace(r.PostFormValue("title"))
	all := r.PostFormValue("all") != ""
	var err error
	var d *workflow.Disposal
	if all {
		lists, lerr := u.disposals().DisposalList(r.Context(), s.User, "")
		if lerr != nil {
			return lerr
		}
		ids, err = u.expiredFound(r, s, r.PostForm, workflow.OnWaitingLists(lists))
	}
	switch {
	case err != nil:
	case len(ids) == 0:
		err = workflow.Errorf(workflow.EINVALID, "no record")
	default:
		d, err = u.disposals().ProposeDisposal(r.Context(), s.User, title, ids)
	}
	if err != nil {
		v, verr := u.disposalsView(r, s, r.PostForm)
		if verr != nil {
			return err
		}
		v.Error = proposeMessage(err, len(ids), title)
		if all {
			v.Error = proposeAllMessage(err, len(ids), title)
		}
		_, p := problemOf(err)
		u.render(w, r, s, p.Status, "disposals", "Tiêu hủy tài liệu", v)
		return nil
	}
	http.Redirect(w, r, "/disposals/"+d.ID+"?ok=disposal_proposed", http.StatusSeeOther)
	return nil
}

// proposeMessage says why a list was not proposed.
func proposeMessage(err error, n int, title string) string {
	switch {
	case n == 0:
		return "Chọn ít nhất một hồ sơ hết thời hạn bảo quản để đưa vào danh mục."
	case title == "":
		return "Nhập tên đợt tiêu hủy (ví dụ: Tiêu hủy tài liệu hết giá trị năm 2026)."
	case workflow.ErrorCode(err) == workflow.EUNPROCESSABLE:
		return "Có hồ sơ chưa hết thời hạn bảo quản, đang bị phong tỏa, đã tiêu hủy hoặc đã có trong một danh mục đang chờ duyệt, chờ tiêu hủy: " + workflow.ErrorMessage(err)
	}
	return Message(err)
}

// proposeAllMessage says why Lập danh mục gồm tất cả hồ sơ tìm được
// proposed no list.
func proposeAllMessage(err error, n int, title string) string {
	switch {
	case errors.Is(err, errTooManyFound):
		return fmt.Sprintf("Tìm thấy hơn %d hồ sơ: một danh mục có tối đa %d hồ sơ. Hãy thu hẹp bộ lọc (ví dụ Ngày văn bản của từng năm, Loại văn bản) rồi lập từng danh mục.",
			archive.MaxDisposalRequest, archive.MaxDisposalRequest)
	case slices.Contains([]string{"from", "to", "number"}, workflow.ErrorField(err)):
		return "Bộ lọc không hợp lệ: " + dateFilterMessage(err)
	case n == 0:
		return "Không có hồ sơ hết thời hạn bảo quản nào tìm được mà chưa có trong một danh mục đang chờ."
	}
	return proposeMessage(err, n, title)
}

type disposalView struct {
	D                          *workflow.Disposal
	State                      string
	Names                      map[string]string
	CanDecide, CanEdit, CanRun bool
	Held                       int // items held back at a run
	Error                      string
	Number, Date, Text, Reason string // the approval and rejection forms, as typed
	Invalid                    Invalid
}

func (u *UI) disposalView(r *http.Request, s *Session, d *workflow.Disposal) (*disposalView, error) {
	names, err := u.userNames(r)
	if err != nil {
		return nil, err
	}
	// A list run by `vanthu archive disposals run` names its system user.
	names[workflow.DisposalCLI.ID] = displayName(workflow.DisposalCLI)
	v := &disposalView{D: d, State: disposalStateNames[d.State], Names: names}
	proposed := d.State == workflow.DisposalProposed
	v.CanDecide = proposed && workflow.CheckDisposalApprover(s.User, d) == nil
	v.CanEdit = proposed && s.User.Has(workflow.RoleArchivist)
	for _, it := range d.Items {
		if it.State == workflow.ItemHeld {
			v.Held++
		}
	}
	v.CanRun = s.User.Has(workflow.RoleArchivist) && (d.State == workflow.DisposalApproved || d.State == workflow.DisposalDisposed && v.Held > 0)
	return v, nil
}

func (u *UI) handleDisposal(w http.ResponseWriter, r *http.Request, s *Session) error {
	d, err := u.disposals().Disposal(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := u.disposalView(r, s, d)
	if err != nil {
		return err
	}
	u.render(w, r, s, http.StatusOK, "disposal", d.Title, v)
	return nil
}

// handleDisposalAction: approve, reject (or cancel), remove a record, run.
func (u *UI) handleDisposalAction(w http.ResponseWriter, r *http.Request, s *Session) error {
	id, ctx, d := r.PathValue("id"), r.Context(), u.disposals()
	var err error
	ok := ""
	switch r.PostFormValue("action") {
	case "approve":
		var dec workflow.Decision
		dec, err = decisionOf(r)
		if err == nil {
			_, err = d.ApproveDisposal(ctx, s.User, id, dec)
		}
		ok = "disposal_approved"
	case "reject":
		_, err = d.RejectDisposal(ctx, s.User, id, strings.TrimSpace(r.PostFormValue("reason")))
		ok = "disposal_rejected"
	case "remove":
		_, err = d.RemoveFromDisposal(ctx, s.User, id, []string{r.PostFormValue("record")})
		ok = "disposal_removed"
	case "run":
		_, err = d.RunDisposal(ctx, s.User, id)
		ok = "disposal_run"
	default:
		return workflow.Errorf(workflow.EINVALID, "action must be approve, reject, remove or run")
	}
	if err != nil {
		return u.disposalProblem(w, r, s, id, err)
	}
	http.Redirect(w, r, "/disposals/"+id+"?ok="+ok, http.StatusSeeOther)
	return nil
}

// decisionOf reads the approval form's decision.
func decisionOf(r *http.Request) (workflow.Decision, error) {
	dec := workflow.Decision{Number: strings.TrimSpace(r.PostFormValue("decision_number")), Text: strings.TrimSpace(r.PostFormValue("decision_text"))}
	if dec.Number == "" {
		return dec, workflow.Errorf(workflow.EINVALID, "decision_number").On("decision_number")
	}
	day, err := parseFormDate("decision_date", r.PostFormValue("decision_date"))
	if err != nil {
		return dec, err
	}
	if day == nil {
		return dec, workflow.Errorf(workflow.EINVALID, "decision_date").On("decision_date")
	}
	dec.Date = *day
	return dec, nil
}

// disposalProblem shows the list again with what went wrong and the
// forms as typed; an error that is not the form's is an error page.
func (u *UI) disposalProblem(w http.ResponseWriter, r *http.Request, s *Session, id string, err error) error {
	d, gerr := u.disposals().Disposal(r.Context(), s.User, id)
	if gerr != nil {
		return err
	}
	v, verr := u.disposalView(r, s, d)
	if verr != nil {
		return err
	}
	v.Number, v.Date, v.Text, v.Reason = r.PostFormValue("decision_number"), r.PostFormValue("decision_date"), r.PostFormValue("decision_text"), r.PostFormValue("reason")
	msgs := map[string]string{"decision_number": "Nhập số quyết định tiêu hủy (ví dụ 15/QĐ-UBND).",
		"decision_date": "Nhập ngày ký quyết định (dd/mm/yyyy)."}
	v.Invalid = invalidOf(err, sameInputs("decision_number", "decision_date"), msgs, "")
	switch workflow.ErrorCode(err) {
	case workflow.EINVALID:
		v.Error = "Thông tin chưa hợp lệ: kiểm tra các ô được đánh dấu."
		if r.PostFormValue("action") == "reject" {
			v.Error = "Nhập lý do không duyệt (hoặc hủy đề nghị)."
		}
	case workflow.EUNPROCESSABLE:
		v.Error = "Không thể duyệt: " + workflow.ErrorMessage(err) + ". Đề nghị bộ phận lưu trữ đưa hồ sơ này ra khỏi danh mục."
	default:
		v.Error = Message(err)
	}
	_, p := problemOf(err)
	u.render(w, r, s, p.Status, "disposal", d.Title, v)
	return nil
}

// disposalPrintView is the printed biên bản with its danh mục.
type disposalPrintView struct {
	*disposalView
	Agency   workflow.Agency
	Disposed int
	Bytes    string
}

// handleDisposalPrint is the printable danh mục tài liệu hết giá trị with
// the decision and, once run, the biên bản of the destruction.
func (u *UI) handleDisposalPrint(w http.ResponseWriter, r *http.Request, s *Session) error {
	d, err := u.disposals().Disposal(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := u.disposalView(r, s, d)
	if err != nil {
		return err
	}
	pv := &disposalPrintView{disposalView: v, Agency: u.cfg.Agency}
	var total int64
	for _, it := range d.Items {
		if it.State == workflow.ItemDisposed {
			pv.Disposed++
			total += it.Bytes
		}
	}
	pv.Bytes = fmt.Sprintf("%.1f MB", float64(total)/1e6)
	u.render(w, r, s, http.StatusOK, "disposal_print", "Biên bản tiêu hủy · "+d.Title, pv)
	return nil
}

// disposedDocuments is an archive that says which documents' records
// were destroyed (archive.Service).
type disposedDocuments interface {
	DisposedDocuments(ctx context.Context, ids []string) (map[string]*workflow.DisposedRecord, error)
}

// noteDisposed adds to the register lines of destroyed records the
// decision that destroyed them (one query for the lines): the number
// stays in the register, gapless.
func (u *UI) noteDisposed(ctx context.Context, rows []registerRow) error {
	dd, ok := u.cfg.Archive.(disposedDocuments)
	if !ok || len(rows) == 0 {
		return nil
	}
	ids := make([]string, 0, len(rows))
	for _, x := range rows {
		if x.DocID != "" {
			ids = append(ids, x.DocID)
		}
	}
	gone, err := dd.DisposedDocuments(ctx, ids)
	if err != nil {
		return err
	}
	for i := range rows {
		if g := gone[rows[i].DocID]; g != nil {
			rows[i].Notes = workflow.AddNote(rows[i].Notes, g.Note())
		}
	}
	return nil
}
