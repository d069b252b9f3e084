package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// createRoutes registers the forms that create documents.
func (u *UI) createRoutes(mux *http.ServeMux) {
	mux.Handle("GET /incoming/new", u.auth(u.handleNewIncoming))
	mux.Handle("POST /incoming/new", u.upload(u.handleNewIncoming, mayCreate(workflow.Incoming)))
	mux.Handle("GET /outgoing/new", u.auth(u.handleNewOutgoing))
	mux.Handle("POST /outgoing/new", u.upload(u.handleNewOutgoing, mayCreate(workflow.Outgoing)))
}

// mayCreate is the guard of an upload form: the service's own role rule,
// checked before the body is read.
func mayCreate(d workflow.Direction) func(*Session) error {
	return func(s *Session) error { return workflow.CheckCreateRole(s.User, d) }
}

// createView is the form of a new document, incoming or outgoing, with
// what was typed when it comes back with a problem.
type createView struct {
	Direction  workflow.Direction
	Form       map[string]string
	Types      []option
	Urgencies  []option
	Confs      []option
	Retentions []option
	Officers   []option
	Recipients []option
	NoExchange bool
	Error      string
	Invalid    Invalid // the input at fault, with Error
	// Lost: the form was larger than the limit and the browser sent the
	// text after the files (without app.js): nothing typed could be kept.
	Lost        bool
	MaxUploadMB int64
	LayoutBoxes []layoutBox
	// LayoutOpen: a layout field holds a value, so its section (folded
	// away otherwise: fifteen inputs few drafts need, some 1,500 px of a
	// phone's form above Lưu dự thảo) is shown open.
	LayoutOpen bool
	// Registered is the incoming document the clerk has just registered
	// ("Vào sổ" leads here, to the next one: ?registered=): the page
	// says so, and the focus is on the form.
	Registered *workflow.Document
	// Related names the documents the form's replaces, updates and
	// replies_to hold (by number and subject, for the notice at the
	// form's top; the id alone when the user may not see it).
	Related map[string]*relatedDoc
}

type layoutBox struct {
	Name, Label string
	Fields      []layoutField
}

type layoutField struct {
	Name, Label, Value string
}

func (u *UI) newCreateView(r *http.Request, s *Session, dir workflow.Direction) (*createView, error) {
	form := map[string]string{}
	if r.Method == http.MethodPost {
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				form[k] = vs[0]
			}
		}
	}
	if form["type"] == "" {
		form["type"] = "CV"
	}
	if form[formKey] == "" {
		// The form's one-time key, made as the form is shown: posting it
		// twice creates one document (createOnce).
		form[formKey] = newFormKey()
	}
	chosen := r.PostForm["recipients"]
	if r.Method == http.MethodGet && dir == workflow.Outgoing {
		// "Soạn văn bản thay thế / cập nhật" on a sent document's page.
		form["replaces"], form["updates"] = r.URL.Query().Get("replaces"), r.URL.Query().Get("updates")
		if id := r.URL.Query().Get("reply_to"); id != "" {
			// "Soạn văn bản trả lời" on an incoming document's page.
			in, err := u.cfg.Docs.Get(r.Context(), s.User, id)
			if err != nil {
				return nil, err
			}
			chosen = replyDraft(in, form)
		}
	}
	return u.formView(r, s, dir, form, chosen)
}

// replyDraft fills form, a new outgoing document's, as a reply to the
// incoming document in: its urgency, confidentiality and due date
// (workflow.ReplyDefaults, the rule the API's replies follow too: the
// reply's own, which the handler may change), a note naming
// what it answers (number, date, sender, incoming number), which the
// handler may edit, and the letter's ID (replies_to, kept with the
// draft: the two pages link to each other); it returns the sender's code, to tick it among the
// recipients when it is a connected agency.
func replyDraft(in *workflow.Document, form map[string]string) []string {
	if in.Direction != workflow.Incoming {
		return nil
	}
	rf := workflow.ReplyDefaults(in)
	form["urgency"], form["confidentiality"], form["due_date"] = string(rf.Urgency), string(rf.Confidentiality), fmtDate(rf.DueDate)
	note := "Trả lời văn bản"
	if in.OriginalNumber != "" {
		note += " số " + in.OriginalNumber
	}
	if in.OriginalDate != nil {
		note += " ngày " + fmtDate(in.OriginalDate)
	}
	if in.Sender != nil {
		note += " của " + in.Sender.Name
	}
	if in.Number > 0 {
		note += fmt.Sprintf(" (số đến %d/%d)", in.Number, in.Year)
	}
	form["notes"] = note + ": " + in.Subject
	form["replies_to"] = in.ID
	if in.Sender == nil || in.Sender.OrgID == "" {
		return nil
	}
	return []string{in.Sender.OrgID}
}

// formView is the form of a document of direction dir holding form, the
// connected agencies in chosen ticked: a new document's, or a draft's
// revision (reviseView).
func (u *UI) formView(r *http.Request, s *Session, dir workflow.Direction, form map[string]string, chosen []string) (*createView, error) {
	v := &createView{Direction: dir, Form: form, Types: typeOptions(form["type"]), MaxUploadMB: u.cfg.MaxUpload >> 20}
	for _, x := range []workflow.Urgency{workflow.UrgencyNormal, workflow.UrgencyUrgent, workflow.UrgencyVeryUrgent, workflow.UrgencyFlash} {
		v.Urgencies = append(v.Urgencies, option{Value: string(x), Label: urgencyNames[x], Selected: form["urgency"] == string(x)})
	}
	for _, x := range []workflow.Confidentiality{workflow.Public, workflow.Confidential, workflow.Secret, workflow.TopSecret} {
		v.Confs = append(v.Confs, option{Value: string(x), Label: confidentialityNames[x], Selected: form["confidentiality"] == string(x)})
	}
	for _, x := range []string{"", "5y", "10y", "20y", "permanent"} {
		v.Retentions = append(v.Retentions, option{Value: x, Label: retentionNames[x], Selected: form["retention"] == x})
	}
	if dir == workflow.Outgoing {
		users, err := u.cfg.Directory.Users(r.Context())
		if err != nil {
			return nil, err
		}
		for _, x := range users {
			if x.Has(workflow.RoleOfficer) && !x.Disabled {
				label := displayName(x)
				if x.Title != "" {
					label += " · " + x.Title
				}
				v.Officers = append(v.Officers, option{Value: x.ID, Label: label, Selected: form["signer_id"] == x.ID})
			}
		}
		if u.cfg.Exchange != nil {
			orgs, err := u.cfg.Exchange.Recipients(r.Context(), s.User)
			if err != nil {
				return nil, err
			}
			for _, o := range orgs {
				v.Recipients = append(v.Recipients, option{Value: o.OrgID, Label: o.Name, Selected: slices.Contains(chosen, o.OrgID)})
			}
		}
		v.NoExchange = len(v.Recipients) == 0
		v.Related = u.formRelated(r.Context(), s, form)
		for _, b := range []struct{ name, label string }{{"signature", "Khối chữ ký (chữ ký lãnh đạo, dấu cơ quan)"}, {"number", "Số, ký hiệu"}, {"date", "Ngày ban hành"}} {
			lb := layoutBox{Name: b.name, Label: b.label}
			for _, f := range []struct{ k, l string }{{"page", "Trang (0 = trang cuối)"}, {"x", "Cách lề trái (điểm)"}, {"y", "Cách mép dưới (điểm)"}, {"w", "Rộng (điểm)"}, {"h", "Cao (điểm)"}} {
				name := "layout_" + b.name + "_" + f.k
				lb.Fields = append(lb.Fields, layoutField{Name: name, Label: f.l, Value: form[name]})
				v.LayoutOpen = v.LayoutOpen || strings.TrimSpace(form[name]) != ""
			}
			v.LayoutBoxes = append(v.LayoutBoxes, lb)
		}
	}
	return v, nil
}

// formRelated names the documents an outgoing form replaces, updates or
// replies to: the notice at its top showed their ids alone, and a handler
// could not tell which letter the reply she drafted answers.
func (u *UI) formRelated(ctx context.Context, s *Session, form map[string]string) map[string]*relatedDoc {
	out := map[string]*relatedDoc{}
	for _, k := range []string{"replaces", "updates", "replies_to"} {
		if form[k] == "" {
			continue
		}
		if d, err := u.cfg.Docs.Get(ctx, s.User, form[k]); err == nil {
			out[k] = relatedOf(d, false)
		}
	}
	return out
}

func (u *UI) handleNewIncoming(w http.ResponseWriter, r *http.Request, s *Session) error {
	return u.handleCreate(w, r, s, workflow.Incoming)
}

func (u *UI) handleNewOutgoing(w http.ResponseWriter, r *http.Request, s *Session) error {
	return u.handleCreate(w, r, s, workflow.Outgoing)
}

func (u *UI) handleCreate(w http.ResponseWriter, r *http.Request, s *Session, dir workflow.Direction) error {
	role, title := workflow.RoleClerk, "Tiếp nhận văn bản đến"
	if dir == workflow.Outgoing {
		role, title = workflow.RoleHandler, "Soạn văn bản đi"
	}
	if !s.User.Has(role) {
		return workflow.Errorf(workflow.EFORBIDDEN, "%s needs role %s", title, role)
	}
	v, err := u.newCreateView(r, s, dir)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		if id := r.URL.Query().Get("registered"); id != "" && dir == workflow.Incoming {
			// A document the user may not see, or no longer registered,
			// is simply not named.
			if d, err := u.cfg.Docs.Get(r.Context(), s.User, id); err == nil && d.Number > 0 && d.Direction == workflow.Incoming {
				v.Registered = d
			}
		}
		u.render(w, r, s, http.StatusOK, "create", title, v)
		return nil
	}
	if formTooLarge(r) {
		// Nothing was read past the text typed before the files: the
		// form again, with it, and the limit beside the file input.
		v.Error = tooLargeText(dir, u.formLimit()>>20, v.MaxUploadMB)
		v.Invalid, v.Lost = Invalid{"file": v.Error}, r.PostForm.Get("type") == ""
		_, p := problemOf(errFormTooLarge)
		u.render(w, r, s, p.Status, "create", title, v)
		return nil
	}
	d, err := u.createOnce(r, s, dir)
	if err != nil {
		code, p := problemOf(err)
		if code == workflow.EFORBIDDEN {
			return err
		}
		if p.Status >= 500 && code != workflow.EUNAVAILABLE {
			// The server's fault (a store that fails): logged as the
			// error page would, and the form again with what was typed,
			// under the same one-time key (a create that did commit is
			// not made twice when it is sent again).
			u.logIfInternal(r, err)
			v.Error = Message(err) + " " + keptText
			u.render(w, r, s, p.Status, "create", title, v)
			return nil
		}
		if code == workflow.EKEYREUSED {
			// The form was posted before with other content (sent again
			// after the back button and a change): sending it once more
			// is a new document, under a new key.
			v.Form[formKey] = newFormKey()
		}
		v.Error, v.Invalid = createProblem(err, dir, v.MaxUploadMB)
		u.render(w, r, s, p.Status, "create", title, v)
		return nil
	}
	http.Redirect(w, r, "/documents/"+d.ID+"?ok=created", http.StatusSeeOther)
	return nil
}

// keptText follows the message of a create the server failed.
const keptText = "Các thông tin đã nhập được giữ lại dưới đây: hãy chọn lại tệp rồi gửi lại."

// formKey is the name of the create forms' hidden one-time key, the
// service's idempotency key (workflow.CreateInput.IdempotencyKey).
const formKey = "idempotency_key"

// newFormKey is a fresh one-time key of a create form.
func newFormKey() string {
	var raw [18]byte
	_, _ = rand.Read(raw[:])
	return "web-" + base64.RawURLEncoding.EncodeToString(raw[:])
}

// createOnce is create, by the form's one-time key: a form posted again
// (a double click, a reload that sends it again, a browser's retry) gets
// the document of its first post. While that one is still being
// processed, the second waits for it (repeatWait at most), as a repeated
// action does (repeated).
func (u *UI) createOnce(r *http.Request, s *Session, dir workflow.Direction) (*workflow.Document, error) {
	deadline := time.Now().Add(repeatWait)
	for {
		d, err := u.create(r, s, dir)
		if workflow.ErrorCode(err) != workflow.EINPROGRESS || time.Now().After(deadline) {
			return d, err
		}
		select {
		case <-r.Context().Done():
			return nil, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// createTexts are the create forms' messages of an invalid input, by
// the field the service names (workflow.ErrorField).
var createTexts = map[string]string{
	"type":            "Hãy chọn loại văn bản.",
	"subject":         "Trích yếu là bắt buộc (tối đa 500 ký tự).",
	"urgency":         "Hãy chọn độ khẩn trong danh sách.",
	"confidentiality": "Hãy chọn độ mật trong danh sách.",
	"retention":       "Hãy chọn thời hạn bảo quản trong danh sách.",
	"notes":           "Ghi chú tối đa 4000 ký tự.",
	"original_number": "Số, ký hiệu của văn bản đến là bắt buộc (tối đa 100 ký tự).",
	"original_date":   "Ngày của văn bản đến là bắt buộc: một ngày có thật, dạng dd/mm/yyyy (ví dụ 20/11/2026).",
	"sender.name":     "Cơ quan gửi là bắt buộc (tối đa 500 ký tự).",
	"sender.org_id":   "Mã định danh cơ quan gửi có dạng 000.00.00.H13 (hoặc để trống).",
	"due_date":        "Hạn xử lý không hợp lệ: nhập một ngày có thật, dạng dd/mm/yyyy (ví dụ 31/12/2026).",
	"signer_id":       "Hãy chọn người ký là một lãnh đạo.",
	"drafting_unit":   "Đơn vị soạn thảo là chữ viết tắt, tối đa 20 ký tự (ví dụ VP).",
	"recipients":      "Nơi nhận không hợp lệ.",
	"replaces":        "Chỉ thay thế được một văn bản đi đã gửi.",
	"updates":         "Chỉ cập nhật được một văn bản đi đã gửi.",
	"replies_to":      "Chỉ trả lời được một văn bản đến mà bạn được xem.",
	"file":            "Hãy chọn tệp PDF của văn bản.",
}

// tooLargeText is the message of a create form larger than the limit of
// the whole form (formMB; each file maxMB).
func tooLargeText(dir workflow.Direction, formMB, maxMB int64) string {
	if dir == workflow.Incoming {
		return fmt.Sprintf("Dữ liệu gửi lên quá lớn (giới hạn %d MB): văn bản chưa được lưu. Tệp PDF tối đa %d MB; hãy chọn tệp nhỏ hơn.", formMB, maxMB)
	}
	return fmt.Sprintf("Dữ liệu gửi lên quá lớn (giới hạn %d MB cho tệp văn bản và các phụ lục cộng lại): văn bản chưa được lưu. "+
		"Mỗi tệp tối đa %d MB; hãy chọn tệp nhỏ hơn hoặc bớt phụ lục.", formMB, maxMB)
}

// layoutText is the message of an invalid stamp position.
const layoutText = "Vị trí dấu không hợp lệ: trang ≥ 0, tọa độ ≥ 0, rộng và cao > 0; số và ngày ở trang 1."

// createInputs are the inputs of the create form of dir, by the API's
// names of their fields.
func createInputs(dir workflow.Direction) map[string]string {
	m := sameInputs("type", "subject", "urgency", "confidentiality", "retention", "notes", "file", "attachment")
	if dir == workflow.Incoming {
		for k, v := range sameInputs("original_number", "original_date", "due_date") {
			m[k] = v
		}
		m["sender.name"], m["sender.org_id"] = "sender_name", "sender_org_id"
		return m
	}
	for k, v := range sameInputs("signer_id", "drafting_unit", "recipients") {
		m[k] = v
	}
	for _, b := range []string{"signature", "number", "date"} {
		m["layout."+b] = "layout_" + b + "_page"
		for _, k := range []string{"page", "x", "y", "w", "h"} {
			m["layout."+b+"."+k] = "layout_" + b + "_" + k
		}
	}
	return m
}

// errEmptyFile is the cause of a chosen file of no bytes.
var errEmptyFile = errors.New("the file is empty")

// createProblem is the message above a create form and the message
// beside each input at fault (formProblems).
func createProblem(err error, dir workflow.Direction, maxMB int64) (string, Invalid) {
	return formProblems(err, inputIn(createInputs(dir)), func(err error) string { return createText(err, maxMB) })
}

// dateLabels name the create forms' date inputs, with an example, for
// the message of a date typed that is no real date: the input's general
// message opened with "… là bắt buộc" over the 31/11/2026 the clerk had
// typed.
var dateLabels = map[string][2]string{"original_date": {"Ngày văn bản", "20/11/2026"}, "due_date": {"Hạn xử lý", "31/12/2026"}}

// createText is the message of one problem of a create form: the form's
// text for an invalid field, else the table's message of its code.
func createText(err error, maxMB int64) string {
	field, code := workflow.ErrorField(err), workflow.ErrorCode(err)
	msg := Message(err)
	var typed notADate
	var active *workflow.ActivePDF
	switch {
	case code == workflow.ETOOLARGE && (field == "file" || field == "attachment"):
		msg = fmt.Sprintf("Tệp quá lớn: mỗi tệp tối đa %d MB.", maxMB)
	case errors.Is(err, errEmptyFile):
		msg = "Tệp đã chọn rỗng (0 byte). Hãy chọn tệp PDF của văn bản."
	case code == workflow.EUNSUPPORTEDMEDIA && field == "file":
		msg = "Tệp đã chọn không phải là tệp PDF. Hãy chọn tệp PDF của văn bản (văn bản soạn bằng Word cần lưu ra PDF trước)."
	case code == workflow.EUNPROCESSABLE && errors.As(err, &active):
		msg = fmt.Sprintf("Phụ lục “%s” có %s bên trong, sẽ chạy khi mở tệp (cơ quan nhận sẽ mở nó kèm chữ ký số của cơ quan): hãy in phụ lục ra PDF rồi chọn lại tệp đã in.", active.Name, activeText(active.Active))
	case code == workflow.EUNPROCESSABLE && unusablePDF(err) != "":
		msg = unusablePDF(err)
	case code != workflow.EINVALID:
	case errors.As(err, new(*workflow.UnsafeText)): // Message says which character
	case errors.As(err, &typed) && dateLabels[field][0] != "":
		msg = fmt.Sprintf("%s “%s” không hợp lệ: nhập một ngày có thật, dạng dd/mm/yyyy (ví dụ %s).", dateLabels[field][0], string(typed), dateLabels[field][1])
	case createTexts[field] != "":
		msg = createTexts[field]
	case strings.HasPrefix(field, "layout"):
		msg = layoutText
	}
	return msg
}

// unusablePDFTexts say why an uploaded PDF cannot be used, and what to
// do, by the cause of the inspection's refusal (signing: intake.go,
// layers.go); a refusal with none of them keeps the code's message.
var unusablePDFTexts = []struct {
	cause error
	text  string
}{
	{workflow.ErrPDFEncrypted, "Tệp PDF được đặt mật khẩu (mã hóa) nên hệ thống không đọc được. Hãy bỏ mật khẩu của tệp (hoặc in tệp ra PDF) rồi chọn lại."},
	{workflow.ErrPDFForm, "Tệp PDF có biểu mẫu để điền: hãy in tệp ra PDF (làm phẳng biểu mẫu) rồi chọn lại tệp đã in."},
	{workflow.ErrPDFActive, "Tệp PDF có mã JavaScript, lệnh chạy chương trình hoặc tệp nhúng bên trong, sẽ chạy khi mở tệp: hãy in tệp ra PDF rồi chọn lại tệp đã in; tệp nhúng cần gửi kèm thì in ra PDF và chọn ở mục Phụ lục kèm theo."},
	{workflow.ErrPDFSigned, "Tệp PDF đã có chữ ký số. Văn bản đi được ký trong hệ thống: hãy chọn bản dự thảo chưa ký."},
	{workflow.ErrPDFDamaged, "Tệp PDF bị hỏng, không đọc được. Hãy mở và lưu lại tệp (hoặc in tệp ra PDF) rồi chọn lại."},
}

// unusablePDF is the form's message of an uploaded PDF the inspection
// refused, "" when its cause is none of unusablePDFTexts'.
func unusablePDF(err error) string {
	for _, x := range unusablePDFTexts {
		if errors.Is(err, x.cause) {
			return x.text
		}
	}
	return ""
}

// create reads the posted form into the service's input.
func (u *UI) create(r *http.Request, s *Session, dir workflow.Direction) (*workflow.Document, error) {
	f := r.PostFormValue
	in := workflow.CreateInput{Direction: dir, Type: workflow.DocType(f("type")), Subject: f("subject"),
		Urgency: workflow.Urgency(f("urgency")), Confidentiality: workflow.Confidentiality(f("confidentiality")),
		Retention: f("retention"), Notes: strings.TrimSpace(f("notes")), IdempotencyKey: f(formKey)}
	// What cannot be read (a date, a box's number) goes to the service
	// with the rest (in.Problems), which reports it first and every
	// other field's problem with it: the form shows them all at once.
	var err error
	if in.DueDate, err = parseFormDate("due_date", f("due_date")); err != nil {
		in.Problems = append(in.Problems, err)
	}
	if dir == workflow.Incoming {
		in.Sender = &workflow.Org{OrgID: strings.TrimSpace(f("sender_org_id")), Name: strings.TrimSpace(f("sender_name"))}
		in.OriginalNumber = f("original_number")
		if in.OriginalDate, err = parseFormDate("original_date", f("original_date")); err != nil {
			in.Problems = append(in.Problems, err)
		}
	} else {
		in.SignerID, in.DraftingUnit = f("signer_id"), strings.TrimSpace(f("drafting_unit"))
		in.Replaces, in.Updates, in.RepliesTo = f("replaces"), f("updates"), f("replies_to")
		if chosen := r.PostForm["recipients"]; len(chosen) > 0 {
			if u.cfg.Exchange == nil {
				return nil, workflow.Errorf(workflow.EINVALID, "recipient: no exchange").On("recipients")
			}
			orgs, err := u.cfg.Exchange.Recipients(r.Context(), s.User)
			if err != nil {
				return nil, err
			}
			for _, id := range chosen {
				i := slices.IndexFunc(orgs, func(o workflow.Org) bool { return o.OrgID == id })
				if i < 0 {
					return nil, workflow.Errorf(workflow.EINVALID, "recipient %s is not a connected agency", id).On("recipients")
				}
				in.Recipients = append(in.Recipients, orgs[i])
			}
		}
		if in.Layout, err = formLayout(r); err != nil {
			in.Problems = append(in.Problems, err)
		}
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		// The service says the file is missing, with the other problems.
		return u.cfg.Docs.Create(r.Context(), s.User, in)
	}
	closers, err := u.formFiles(r, &in)
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	if err != nil {
		return nil, err
	}
	return u.cfg.Docs.Create(r.Context(), s.User, in)
}

// uploadIsPDF reports whether an upload's first bytes hold a PDF's
// header (workflow.IsPDF).
func uploadIsPDF(f *workflow.Upload) bool {
	head := make([]byte, min(f.Size, workflow.SniffLen))
	n, _ := f.Content.ReadAt(head, 0)
	return workflow.IsPDF(head[:n])
}

// formFiles reads the posted form's file and attachments into in (a
// file of no bytes is one of in's Problems), a create's or a draft's
// revision's (revise), returning the files opened,
// which the caller closes, whatever the error.
func (u *UI) formFiles(r *http.Request, in *workflow.CreateInput) ([]multipart.File, error) {
	open := func(fh *multipart.FileHeader, part string) (*workflow.Upload, error) {
		if fh.Size > u.cfg.MaxUpload {
			return nil, workflow.Errorf(workflow.ETOOLARGE, "file %q too large", fh.Filename).On(part)
		}
		mf, err := fh.Open()
		if err != nil {
			return nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the uploaded file").On(part)
		}
		return &workflow.Upload{Name: fh.Filename, Size: fh.Size, Content: mf}, nil
	}
	var closers []multipart.File
	switch fhs := r.MultipartForm.File["file"]; {
	case len(fhs) == 0: // no input file (a revision's form may have none)
	case fhs[0].Size == 0 && fhs[0].Filename == "":
		// No file chosen: the service says the file is missing.
	case fhs[0].Size == 0:
		// Said beside the file input with the form's other problems.
		in.Problems = append(in.Problems, workflow.Wrap(workflow.EUNSUPPORTEDMEDIA, errEmptyFile,
			"file %q is empty, not a PDF", fhs[0].Filename).On("file"))
	default:
		f, err := open(fhs[0], "file")
		if err != nil {
			return closers, err
		}
		in.File = f
		closers = append(closers, in.File.Content.(multipart.File))
		if in.Direction == workflow.Outgoing && !uploadIsPDF(f) {
			// A draft must be a PDF: said with the form's other
			// problems, not after they are put right.
			in.Problems = append(in.Problems, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA,
				"file %q is not a PDF (no %%PDF- header)", f.Name).On("file"))
		}
	}
	for _, fh := range r.MultipartForm.File["attachment"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		a, err := open(fh, "attachment")
		if err != nil {
			return closers, err
		}
		closers = append(closers, a.Content.(multipart.File))
		in.Attachments = append(in.Attachments, *a)
	}
	return closers, nil
}

// formLayout reads the layout boxes (layout_{signature,number,date}_{page,x,y,w,h},
// in PDF points from the page's lower-left corner); a box with every
// field empty is the default position.
func formLayout(r *http.Request) (*workflow.Layout, error) {
	var l workflow.Layout
	any := false
	for _, b := range []struct {
		name string
		dst  **workflow.Box
	}{{"signature", &l.Signature}, {"number", &l.Number}, {"date", &l.Date}} {
		var vals [5]float64
		set := 0
		for i, k := range []string{"page", "x", "y", "w", "h"} {
			s := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("layout_"+b.name+"_"+k), ",", "."))
			if s == "" {
				continue
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, workflow.Errorf(workflow.EINVALID, "layout.%s.%s is not a number", b.name, k).On("layout." + b.name + "." + k)
			}
			vals[i] = x
			set++
		}
		if set == 0 {
			continue
		}
		if set < 5 {
			return nil, workflow.Errorf(workflow.EINVALID, "layout.%s needs page, x, y, w and h", b.name).On("layout." + b.name)
		}
		*b.dst = &workflow.Box{Page: int(vals[0]), X: vals[1], Y: vals[2], W: vals[3], H: vals[4]}
		any = true
	}
	if !any {
		return nil, nil
	}
	return &l, nil
}
