package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// DraftReviser revises drafts (workflow.Service); without it a draft's
// page offers no "Sửa dự thảo".
type DraftReviser interface {
	Revise(ctx context.Context, actor *workflow.User, id string, in workflow.ReviseInput) (*workflow.Document, error)
}

// reviseRoutes registers the form that revises a draft ("Sửa dự thảo"):
// its drafter corrects its fields and may replace its PDF, after an
// official returned it or before submitting it.
func (u *UI) reviseRoutes(mux *http.ServeMux) {
	mux.Handle("GET /documents/{id}/revise", u.auth(u.handleRevise))
	mux.Handle("POST /documents/{id}/revise", u.upload(u.handleRevise, mayCreate(workflow.Outgoing)))
}

// reviseView is the revision form: the create form's fields, filled in
// with the draft's, and the draft.
type reviseView struct {
	*createView
	Doc     *workflow.Document
	Main    workflow.File // the draft's current PDF
	Version int
}

// reviseInputs are the revision form's inputs by the API's field names:
// the outgoing create form's.
var reviseInputs = createInputs(workflow.Outgoing)

// mayRevise reports whether s's user may revise d now.
func (u *UI) mayRevise(d *workflow.Document, s *Session) bool {
	_, ok := u.cfg.Docs.(DraftReviser)
	return ok && workflow.CanRevise(d, s.User)
}

func (u *UI) handleRevise(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	d, err := u.cfg.Docs.Get(r.Context(), s.User, id)
	if err != nil {
		return err
	}
	dr, has := u.cfg.Docs.(DraftReviser)
	if !has || !workflow.CanRevise(d, s.User) {
		if has && d.Direction == workflow.Outgoing && d.State != workflow.Draft {
			return workflow.Errorf(workflow.EILLEGAL, "only a draft can be revised")
		}
		return workflow.Errorf(workflow.EFORBIDDEN, "only the handler who drafted this draft may revise it")
	}
	v, err := u.reviseView(r, s, d)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		u.render(w, r, s, http.StatusOK, "revise", "Sửa dự thảo", v)
		return nil
	}
	if formTooLarge(r) {
		v.Error = tooLargeText(workflow.Outgoing, u.formLimit()>>20, v.MaxUploadMB)
		v.Invalid, v.Lost = Invalid{"file": v.Error}, r.PostForm.Get("type") == ""
		_, p := problemOf(errFormTooLarge)
		u.render(w, r, s, p.Status, "revise", "Sửa dự thảo", v)
		return nil
	}
	if _, err := u.revise(r, s, dr, id); err != nil {
		code, p := problemOf(err)
		if code == workflow.EFORBIDDEN || p.Status >= 500 && code != workflow.EUNAVAILABLE {
			return err
		}
		v.Error, v.Invalid = formProblems(err, inputIn(reviseInputs), func(err error) string { return createText(err, v.MaxUploadMB) })
		if errors.Is(err, workflow.ErrNothingRevised) {
			v.Error = "Không có gì thay đổi: hãy sửa thông tin của dự thảo hoặc chọn tệp PDF mới."
		}
		u.render(w, r, s, p.Status, "revise", "Sửa dự thảo", v)
		return nil
	}
	http.Redirect(w, r, "/documents/"+id+"?ok=revised", http.StatusSeeOther)
	return nil
}

// reviseView is the form of d's revision: on a GET, filled in with d's
// fields; on a POST, with what was posted.
func (u *UI) reviseView(r *http.Request, s *Session, d *workflow.Document) (*reviseView, error) {
	form := map[string]string{}
	var chosen []string
	if r.Method == http.MethodPost {
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				form[k] = vs[0]
			}
		}
		chosen = r.PostForm["recipients"]
	} else {
		form = map[string]string{"type": string(d.Type), "subject": d.Subject, "urgency": string(d.Urgency),
			"confidentiality": string(d.Confidentiality), "signer_id": d.SignerID, "drafting_unit": d.DraftingUnit,
			"retention": d.Retention, "notes": d.Notes}
		for _, o := range d.Recipients {
			chosen = append(chosen, o.OrgID)
		}
	}
	cv, err := u.formView(r, s, workflow.Outgoing, form, chosen)
	if err != nil {
		return nil, err
	}
	version := d.Version
	if n, err := strconv.Atoi(form["version"]); err == nil && r.Method == http.MethodPost {
		version = n // the version the form was filled in from
	}
	main, _ := d.MainFile()
	return &reviseView{createView: cv, Doc: d, Main: main, Version: version}, nil
}

// revise reads the posted form into the service's input: every field
// as the form holds it (the service tells which changed), the recipients
// when the exchange offers them, the PDF when one was chosen.
func (u *UI) revise(r *http.Request, s *Session, dr DraftReviser, id string) (*workflow.Document, error) {
	f := r.PostFormValue
	str := func(name string) *string { v := strings.TrimSpace(f(name)); return &v }
	typ, urg, conf := workflow.DocType(f("type")), workflow.Urgency(f("urgency")), workflow.Confidentiality(f("confidentiality"))
	version, _ := strconv.Atoi(f("version"))
	in := workflow.ReviseInput{Version: version, Type: &typ, Urgency: &urg, Confidentiality: &conf, Subject: str("subject"),
		SignerID: str("signer_id"), DraftingUnit: str("drafting_unit"), Retention: str("retention"), Notes: str("notes")}
	if u.cfg.Exchange != nil {
		orgs, err := u.cfg.Exchange.Recipients(r.Context(), s.User)
		if err != nil {
			return nil, err
		}
		rs := []workflow.Org{}
		for _, id := range r.PostForm["recipients"] {
			i := slices.IndexFunc(orgs, func(o workflow.Org) bool { return o.OrgID == id })
			if i < 0 {
				return nil, workflow.Errorf(workflow.EINVALID, "recipient %s is not a connected agency", id).On("recipients")
			}
			rs = append(rs, orgs[i])
		}
		in.Recipients = &rs
	}
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh := r.MultipartForm.File["file"][0]
		if fh.Size > u.cfg.MaxUpload {
			return nil, workflow.Errorf(workflow.ETOOLARGE, "file %q too large", fh.Filename).On("file")
		}
		mf, err := fh.Open()
		if err != nil {
			return nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the uploaded file").On("file")
		}
		defer mf.Close()
		in.File = &workflow.Upload{Name: fh.Filename, Size: fh.Size, Content: mf}
	}
	return dr.Revise(r.Context(), s.User, id, in)
}

// reviseFieldNames are the revised fields as the history names them.
var reviseFieldNames = map[string]string{
	"file": "tệp PDF", "type": "loại văn bản", "subject": "trích yếu", "urgency": "độ khẩn", "confidentiality": "độ mật",
	"signer_id": "người ký", "recipients": "nơi nhận", "drafting_unit": "đơn vị soạn thảo", "retention": "thời hạn bảo quản",
	"notes": "ghi chú", "layout": "vị trí số, ngày tháng, chữ ký",
}

// reviseEventText says what a revision changed.
func reviseEventText(e workflow.Event) string {
	var names []string
	for _, f := range strings.Fields(e.Data["fields"]) {
		names = append(names, orDefault(reviseFieldNames[f], f))
	}
	t := "Sửa dự thảo: " + strings.Join(names, ", ")
	if e.Data["new_sha256"] != "" {
		t += " (tệp mới “" + e.Data["name"] + "”, SHA-256 " + e.Data["new_sha256"][:12] + "…)"
	}
	return t
}
