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
// its drafter corrects its fields and may replace its PDF, add
// attachments and remove them, after an official returned it or before
// submitting it.
func (u *UI) reviseRoutes(mux *http.ServeMux) {
	mux.Handle("GET /documents/{id}/revise", u.auth(u.handleRevise))
	mux.Handle("POST /documents/{id}/revise", u.upload(u.handleRevise, mayCreate(workflow.Outgoing)))
}

// reviseView is the revision form: the create form's fields, filled in
// with the draft's, and the draft.
type reviseView struct {
	*createView
	Doc         *workflow.Document
	Main        workflow.File   // the draft's current PDF
	Attachments []workflow.File // its attachments
	Remove      map[string]bool // the attachments ticked "Bỏ", by SHA-256
	Version     int
	// Returned is the return that sent the draft back (nil: not
	// returned): its reason stands above the form the drafter fixes it
	// in, which said nothing of it (walk 9).
	Returned *eventRow
}

// reviseInputs are the revision form's inputs by the API's field names:
// the outgoing create form's, and the attachments' boxes "Bỏ".
var reviseInputs = func() map[string]string {
	m := createInputs(workflow.Outgoing)
	m["remove_attachments"] = "remove_attachments"
	return m
}()

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
		v.Error, v.Invalid = formProblems(err, inputIn(reviseInputs), func(err error) string { return reviseText(err, v.MaxUploadMB) })
		if errors.Is(err, workflow.ErrNothingRevised) {
			v.Error = "Không có gì thay đổi: hãy sửa thông tin của dự thảo, chọn tệp PDF mới, thêm hoặc bỏ phụ lục."
		}
		u.render(w, r, s, p.Status, "revise", "Sửa dự thảo", v)
		return nil
	}
	http.Redirect(w, r, "/documents/"+id+"?ok=revised", http.StatusSeeOther)
	return nil
}

// reviseText is the message of one problem of the revision form: the
// create form's (createText), but for the attachments' own.
func reviseText(err error, maxMB int64) string {
	if workflow.ErrorCode(err) == workflow.EINVALID {
		switch workflow.ErrorField(err) {
		case "remove_attachments":
			return "Phụ lục đánh dấu “Bỏ” không còn là phụ lục của dự thảo: hãy mở lại trang Sửa dự thảo."
		case "attachment":
			return "Phụ lục thêm vào trùng với tệp PDF của dự thảo."
		case "file":
			return "Tệp PDF mới trùng với một phụ lục của dự thảo: hãy đánh dấu “Bỏ” phụ lục đó."
		}
	}
	return createText(err, maxMB)
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
	v := &reviseView{createView: cv, Doc: d, Main: main, Version: version, Remove: map[string]bool{}}
	for _, f := range d.Files {
		if f.Kind == workflow.FileAttachment {
			v.Attachments = append(v.Attachments, f)
		}
	}
	for _, sha := range r.PostForm["remove_attachments"] {
		v.Remove[sha] = true
	}
	if v.Returned, err = u.returnOf(r, s, d); err != nil {
		return nil, err
	}
	return v, nil
}

// returnOf is the return that made d a draft again (lastReturn), its
// official named; nil when d was not returned.
func (u *UI) returnOf(r *http.Request, s *Session, d *workflow.Document) (*eventRow, error) {
	evs, err := u.cfg.Docs.Events(r.Context(), s.User, d.ID)
	if err != nil {
		return nil, err
	}
	names, err := u.userNames(r)
	if err != nil {
		return nil, err
	}
	return lastReturn(d, evs, names), nil
}

// revise reads the posted form into the service's input: every field
// as the form holds it (the service tells which changed), the recipients
// when the exchange offers them, the PDF and attachments chosen (read
// as the create form's, formFiles), the attachments ticked "Bỏ".
func (u *UI) revise(r *http.Request, s *Session, dr DraftReviser, id string) (*workflow.Document, error) {
	f := r.PostFormValue
	str := func(name string) *string { v := strings.TrimSpace(f(name)); return &v }
	typ, urg, conf := workflow.DocType(f("type")), workflow.Urgency(f("urgency")), workflow.Confidentiality(f("confidentiality"))
	version, _ := strconv.Atoi(f("version"))
	in := workflow.ReviseInput{Version: version, Type: &typ, Urgency: &urg, Confidentiality: &conf, Subject: str("subject"),
		SignerID: str("signer_id"), DraftingUnit: str("drafting_unit"), Retention: str("retention"), Notes: str("notes"),
		RemoveAttachments: r.PostForm["remove_attachments"]}
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
	if r.MultipartForm != nil {
		var files workflow.CreateInput
		closers, err := u.formFiles(r, &files)
		defer func() {
			for _, c := range closers {
				c.Close()
			}
		}()
		if err != nil {
			return nil, err
		}
		in.File, in.Attachments, in.Problems = files.File, files.Attachments, files.Problems
	}
	return dr.Revise(r.Context(), s.User, id, in)
}

// reviseFieldNames are the revised fields as the history names them.
var reviseFieldNames = map[string]string{
	"file": "tệp PDF", "type": "loại văn bản", "subject": "trích yếu", "urgency": "độ khẩn", "confidentiality": "độ mật",
	"signer_id": "người ký", "recipients": "nơi nhận", "drafting_unit": "đơn vị soạn thảo", "retention": "thời hạn bảo quản",
	"notes": "ghi chú", "layout": "vị trí số, ngày tháng, chữ ký", "attachments": "phụ lục",
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
	var added, removed []string
	for k, name := range e.Data {
		if strings.HasPrefix(k, "attachment_added:") {
			added = append(added, "“"+name+"”")
		} else if strings.HasPrefix(k, "attachment_removed:") {
			removed = append(removed, "“"+name+"”")
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	if len(added) > 0 {
		t += "; thêm phụ lục " + strings.Join(added, ", ")
	}
	if len(removed) > 0 {
		t += "; bỏ phụ lục " + strings.Join(removed, ", ")
	}
	return t
}

// removedAttachments are the attachments the revisions in evs removed,
// by SHA-256.
func removedAttachments(evs []workflow.Event) map[string]bool {
	out := map[string]bool{}
	for _, e := range evs {
		if e.Kind != workflow.EventRevise {
			continue
		}
		for k := range e.Data {
			if sha, ok := strings.CutPrefix(k, "attachment_removed:"); ok {
				out[sha] = true
			}
		}
	}
	return out
}
