package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/workflow"
)

// archiveRoutes registers the archive pages (none without an archive).
func (u *UI) archiveRoutes(mux *http.ServeMux) {
	if u.cfg.Archive == nil {
		return
	}
	mux.Handle("GET /archive", u.auth(u.handleArchiveSearch))
	mux.Handle("GET /archive/{id}", u.auth(u.handleArchiveRecord))
	mux.Handle("POST /archive/{id}", u.auth(u.handleArchiveHold))
	mux.Handle("GET /archive/{id}/object", u.auth(u.handleArchiveObject))
	mux.Handle("GET /archive/{id}/package", u.auth(u.handleArchivePackage))
	mux.Handle("GET /archive/{id}/evidence", u.auth(u.handleArchiveEvidence))
	u.disposalRoutes(mux)
}

// archiveRoles search the district repository (archive.Service decides).
var archiveRoles = []workflow.Role{workflow.RoleArchivist, workflow.RoleClerk, workflow.RoleAdmin}

type archiveSearchView struct {
	Q, Notation, Signer, Org, Number, From, To string
	Types                                      []option
	Classes                                    []option // retention classes (Thời hạn bảo quản)
	Rows                                       []*archive.Record
	Pager
	Searched bool
	CSV      string // the list of everything found, as a CSV file
	Error    string // a filter that does not read
	Invalid  Invalid
	// Instead, when the subject's words find nothing and read as a number
	// or a notation (01/QĐ-UBND, 15), is the search by that field, with
	// its label: an archivist typing a notation into the first box read
	// "nothing found" of a record that is there.
	Instead, InsteadField string
	// Gone: what stays of the destroyed records among Rows, by document
	// (their rows say Đã tiêu hủy with the decision).
	Gone map[string]*workflow.DisposedRecord
}

// numberLike and notationLike are what a search's words look like when
// they are a document's number (15) or its number and notation
// (01/QĐ-UBND, 1/QĐ).
var (
	numberLike   = regexp.MustCompile(`^\d+$`)
	notationLike = regexp.MustCompile(`^\d+\s*/\s*\S+`)
)

// searchInstead is the archive search with q's words as a number or a
// notation instead of a subject's ("" for neither), and that field's
// label.
func searchInstead(qv url.Values, q string) (string, string) {
	field, label := "", ""
	switch {
	case numberLike.MatchString(q):
		field, label = "number", "số"
	case notationLike.MatchString(q):
		field, label = "notation", "số, ký hiệu"
	default:
		return "", ""
	}
	cq := cloneValues(qv)
	for _, k := range []string{"q", "cursor", "start"} {
		cq.Del(k)
	}
	cq.Set(field, q)
	return "/archive?" + cq.Encode(), label
}

// badNumberFilter is shown when the archive's number filter does not read.
const badNumberFilter = "Số phải là một số nguyên dương."

// archiveQuery reads the archive search's filters into the query and
// the page's view; an error names the filters that do not read, with
// v.Error and v.Invalid set for the page.
func archiveQuery(qv url.Values) (archive.Query, archiveSearchView, error) {
	q := archive.Query{Q: strings.TrimSpace(qv.Get("q")), Type: workflow.DocType(qv.Get("type")), Notation: strings.TrimSpace(qv.Get("notation")),
		Signer: strings.TrimSpace(qv.Get("signer")), Org: strings.TrimSpace(qv.Get("org")), After: qv.Get("cursor"), Limit: listPageSize}
	v := archiveSearchView{Q: q.Q, Notation: q.Notation, Signer: q.Signer, Org: q.Org, Number: qv.Get("number"),
		From: qv.Get("from"), To: qv.Get("to"), Types: typeOptions(qv.Get("type")), Searched: len(qv) > 0}
	if c := qv.Get("class"); archive.ValidClass(c) {
		q.Class = c
	}
	for _, c := range []string{archive.ClassPermanent, archive.Class20y, archive.Class10y, archive.Class5y} {
		v.Classes = append(v.Classes, option{Value: c, Label: retentionNames[c], Selected: c == q.Class})
	}
	var ferr, terr, nerr error
	q.From, ferr = parseFormDate("from", qv.Get("from"))
	q.To, terr = parseFormDate("to", qv.Get("to"))
	if ferr == nil && terr == nil {
		terr = workflow.CheckRange(q.From, q.To)
	}
	if n := strings.TrimSpace(qv.Get("number")); n != "" {
		if q.Number, nerr = strconv.Atoi(n); nerr != nil || q.Number < 1 {
			nerr = workflow.Errorf(workflow.EINVALID, "number").On("number")
		}
	}
	if err := errors.Join(ferr, terr, nerr); err != nil {
		v.Error = dateFilterMessage(err)
		if nerr != nil {
			v.Error = badNumberFilter
		}
		v.Invalid = invalidOf(err, sameInputs("from", "to", "number"), map[string]string{"number": badNumberFilter}, dateFilterMessage(err))
		return q, v, err
	}
	return q, v, nil
}

func (u *UI) handleArchiveSearch(w http.ResponseWriter, r *http.Request, s *Session) error {
	qv := r.URL.Query()
	if qv.Get("format") == "csv" {
		return u.handleArchiveCSV(w, r, s)
	}
	q, v, err := archiveQuery(qv)
	if err != nil {
		_, p := problemOf(err)
		u.render(w, r, s, p.Status, "archive", "Kho lưu trữ", v)
		return nil
	}
	recs, next, total, err := u.cfg.Archive.SearchCount(r.Context(), s.User, q)
	if err != nil {
		return err
	}
	v.Rows = recs
	if v.Gone, err = u.disposedOf(r.Context(), recs); err != nil {
		return err
	}
	v.Pager = pagerOf("/archive", qv, next, len(recs), total, "hồ sơ")
	if total == 0 && q.Notation == "" && q.Number == 0 {
		v.Instead, v.InsteadField = searchInstead(qv, q.Q)
	}
	if total > 0 {
		cq := cloneValues(qv)
		cq.Del("cursor")
		cq.Del("start")
		cq.Set("format", "csv")
		v.CSV = "/archive?" + cq.Encode()
	}
	u.render(w, r, s, http.StatusOK, "archive", "Kho lưu trữ", v)
	return nil
}

// archiveCSVPage is how many records the CSV export reads at a time (the
// archive's largest page).
const archiveCSVPage = 200

// handleArchiveCSV (/archive?format=csv) writes everything the archive
// search finds, on all its pages, as a CSV file: Vietnamese headers, every cell through
// csvsafe, UTF-8 with BOM — the list an archivist hands to whoever asked.
// A filter that does not read shows the search page with its problem. An
// error after the first lines aborts the response (as the register's
// CSV), so that a cut file is not taken for the whole list.
func (u *UI) handleArchiveCSV(w http.ResponseWriter, r *http.Request, s *Session) error {
	q, v, err := archiveQuery(r.URL.Query())
	if err != nil {
		_, p := problemOf(err)
		u.render(w, r, s, p.Status, "archive", "Kho lưu trữ", v)
		return nil
	}
	q.After, q.Limit = "", archiveCSVPage
	var cw *csvsafe.Writer
	for {
		recs, next, err := u.cfg.Archive.Search(r.Context(), s.User, q)
		if err != nil {
			if cw == nil {
				return err
			}
			u.log.WarnContext(r.Context(), "archive CSV cut short: response aborted", "err", err)
			panic(http.ErrAbortHandler)
		}
		if cw == nil {
			cw = startArchiveCSV(w)
		}
		gone, err := u.disposedOf(r.Context(), recs)
		if err != nil {
			u.log.WarnContext(r.Context(), "archive CSV cut short: response aborted", "err", err)
			panic(http.ErrAbortHandler) // the headers are sent
		}
		for _, rec := range recs {
			line := archiveCSVLine(rec)
			if g := gone[rec.DocumentID]; g != nil {
				line[len(line)-1] = g.Note()
			}
			cw.Write(line)
		}
		cw.Flush()
		if werr := cw.Error(); werr != nil || next == "" {
			return nil // all written, or the reader went away
		}
		q.After = next
	}
}

// startArchiveCSV sends the headers of the archive's CSV file and its
// first line.
func startArchiveCSV(w http.ResponseWriter) *csvsafe.Writer {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename=kho-luu-tru.csv")
	w.Write([]byte("\ufeff"))
	cw := csvsafe.NewWriter(w)
	cw.Write([]string{"Số, ký hiệu", "Ngày văn bản", "Văn bản", "Loại", "Trích yếu", "Người ký", "Cơ quan gửi, nhận", "Độ mật",
		"Thời hạn bảo quản", "Bảo quản đến", "Phong tỏa pháp lý", "Ngày lưu trữ", "Mã hồ sơ", "Tiêu hủy"})
	return cw
}

// archiveCSVLine is rec's line of the archive's CSV file; its last cell
// (Tiêu hủy) is left for the note of a destroyed record.
func archiveCSVLine(rec *archive.Record) []string {
	number := rec.Notation
	if number == "" && rec.Number > 0 {
		number = strconv.Itoa(rec.Number)
	}
	orgs := make([]string, 0, len(rec.Orgs))
	for _, o := range rec.Orgs {
		orgs = append(orgs, o.Name)
	}
	hold := "Không"
	if rec.LegalHold {
		hold = "Có"
	}
	return []string{number, fmtDate(rec.DocDate), orName(directionNames, rec.Direction), orName(workflow.DocTypes, rec.Type), rec.Subject,
		rec.SignerName, strings.Join(orgs, "; "), orName(confidentialityNames, rec.Confidentiality), orName(retentionNames, rec.Class),
		fmtUntil(rec.RetainUntil), hold, fmtDateTime(rec.ArchivedAt), rec.Key, ""}
}

type archiveRecordView struct {
	Rec     *archive.Record
	Parts   []archive.Object // the report and trail metadata.json carries
	CanHold bool
	Signer  string
	Error   string
	// Gone: the record was destroyed (the page says by which decision
	// and offers no download); CanList: the user reads disposal lists.
	Gone    *workflow.DisposedRecord
	CanList bool
	// CanCopy: the user makes copies of the record's document (Sao văn
	// bản: an archivist, for the citizen or the office that asked).
	CanCopy bool
}

func (u *UI) handleArchiveRecord(w http.ResponseWriter, r *http.Request, s *Session) error {
	rec, err := u.cfg.Archive.Get(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	u.renderRecord(w, r, s, http.StatusOK, rec, "")
	return nil
}

// disposedOf returns what stays of the destroyed records among recs, by
// document, in one query (none when the archive does not dispose).
func (u *UI) disposedOf(ctx context.Context, recs []*archive.Record) (map[string]*workflow.DisposedRecord, error) {
	dd, ok := u.cfg.Archive.(disposedDocuments)
	if !ok || len(recs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.DocumentID
	}
	return dd.DisposedDocuments(ctx, ids)
}

// recordParts returns the report and the trail rec's metadata.json
// carries, to link beside its objects; none (logged) when it cannot be
// read, the page shows the record all the same.
func (u *UI) recordParts(r *http.Request, rec *archive.Record) []archive.Object {
	parts, err := u.cfg.Archive.Parts(r.Context(), rec)
	if err != nil {
		u.log.WarnContext(r.Context(), "read archive record parts", "doc_id", rec.DocumentID, "err", err)
	}
	return parts
}

func (u *UI) renderRecord(w http.ResponseWriter, r *http.Request, s *Session, status int, rec *archive.Record, problem string) {
	v := archiveRecordView{Rec: rec, CanHold: s.User.HasAny([]workflow.Role{workflow.RoleArchivist, workflow.RoleAdmin}),
		Signer: rec.SignerName, Error: problem, CanList: hasDisposals(&u.cfg) && s.User.HasAny(disposalRoles)}
	gone, err := u.disposedOf(r.Context(), []*archive.Record{rec})
	if err != nil {
		u.log.WarnContext(r.Context(), "read whether an archive record was destroyed", "doc_id", rec.DocumentID, "err", err)
	}
	if v.Gone = gone[rec.DocumentID]; v.Gone != nil {
		v.CanHold = false // nothing left to hold
	} else {
		v.Parts = u.recordParts(r, rec)
		if d, err := u.cfg.Docs.Get(r.Context(), s.User, rec.DocumentID); err == nil {
			v.CanCopy = copyable(d, s)
		}
	}
	title := rec.Subject
	if rec.Notation != "" {
		title = rec.Notation + " · " + title
	}
	u.render(w, r, s, status, "archive_record", title, v)
}

// handleArchiveHold sets or lifts the legal hold (archivists and admins;
// the archive service enforces it).
func (u *UI) handleArchiveHold(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	var on bool
	switch r.PostFormValue("legal_hold") {
	case "on":
		on = true
	case "off":
	default:
		return workflow.Errorf(workflow.EINVALID, "legal_hold must be on or off")
	}
	if _, err := u.cfg.Archive.SetLegalHold(r.Context(), s.User, id, on, strings.TrimSpace(r.PostFormValue("comment"))); err != nil {
		return err
	}
	done := "hold_off"
	if on {
		done = "hold_on"
	}
	http.Redirect(w, r, "/archive/"+id+"?ok="+done, http.StatusSeeOther)
	return nil
}

func (u *UI) handleArchiveObject(w http.ResponseWriter, r *http.Request, s *Session) error {
	if r.Method == http.MethodHead {
		// The GET's headers from the record and the object's info.
		rec, o, recorded, err := u.cfg.Archive.Stat(r.Context(), s.User, r.PathValue("id"), r.URL.Query().Get("name"))
		if err != nil {
			return err
		}
		name := baseName(o.Name)
		archiveObjectHeaders(w, mediatype.Recorded(recorded, name), archive.DownloadName(rec, o.Name), o)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	rc, rec, o, err := u.cfg.Archive.Open(r.Context(), s.User, r.PathValue("id"), r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	defer rc.Close()
	name := baseName(o.Name)
	ct, body, err := mediatype.Sniff(rc, name)
	if err != nil {
		return fmt.Errorf("read archive object %s: %w", name, err)
	}
	archiveObjectHeaders(w, ct, archive.DownloadName(rec, o.Name), o)
	if _, err := io.Copy(w, body); err != nil && !errors.Is(err, r.Context().Err()) {
		u.log.WarnContext(r.Context(), "stream archive object", "doc_id", r.PathValue("id"), "err", err)
	}
	return nil
}

// baseName is the last element of an object's name.
func baseName(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// archiveObjectHeaders are the headers of archive object o downloaded as
// name (archive.DownloadName) whose content is of type ct (its JSON
// files are JSON).
func archiveObjectHeaders(w http.ResponseWriter, ct, name string, o archive.Object) {
	if strings.HasSuffix(o.Name, ".json") {
		ct = "application/json"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mediatype.Disposition("attachment", name))
	h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
	h.Set("X-Content-SHA256", o.SHA256)
}

// handleArchivePackage streams the record as a BagIt zip. The record is
// checked first, so a refusal is still an error page, not half a zip.
func (u *UI) handleArchivePackage(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	rec, err := u.cfg.Archive.Get(r.Context(), s.User, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mediatype.Disposition("attachment", archive.PackageDownloadName(rec)))
	if r.Method == http.MethodHead {
		return nil // the zip's headers, without making it
	}
	if err := u.cfg.Archive.WritePackage(r.Context(), s.User, id, w); err != nil {
		u.log.ErrorContext(r.Context(), "write archive package", "doc_id", id, "err", err)
	}
	return nil
}
