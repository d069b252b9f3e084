package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
	"golang.org/x/net/html"
)

// disposalArchive is an archive with one disposal list, whose changes
// follow the domain's rules (workflow.Disposal).
type disposalArchive struct {
	Archive
	d   *workflow.Disposal
	now time.Time
}

func (a *disposalArchive) Expired(context.Context, *workflow.User, archive.Query) ([]*archive.Record, string, error) {
	return nil, "", nil
}
func (a *disposalArchive) ProposeDisposal(context.Context, *workflow.User, string, []string) (*workflow.Disposal, error) {
	return a.d, nil
}
func (a *disposalArchive) Disposal(_ context.Context, _ *workflow.User, id string) (*workflow.Disposal, error) {
	if id != a.d.ID {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no list %s", id)
	}
	c := *a.d
	return &c, nil
}
func (a *disposalArchive) DisposalList(context.Context, *workflow.User, workflow.DisposalState) ([]*workflow.Disposal, error) {
	return []*workflow.Disposal{a.d}, nil
}
func (a *disposalArchive) RemoveFromDisposal(_ context.Context, _ *workflow.User, _ string, ids []string) (*workflow.Disposal, error) {
	return a.d, a.d.Remove(ids...)
}
func (a *disposalArchive) ApproveDisposal(_ context.Context, u *workflow.User, _ string, dec workflow.Decision) (*workflow.Disposal, error) {
	return a.d, a.d.Approve(u, a.now, dec, nil)
}
func (a *disposalArchive) RejectDisposal(_ context.Context, u *workflow.User, _ string, reason string) (*workflow.Disposal, error) {
	return a.d, a.d.Reject(u, a.now, reason)
}
func (a *disposalArchive) RunDisposal(context.Context, *workflow.User, string) (*workflow.Disposal, error) {
	return a.d, nil
}

// TestDisposalApprovalPage: the head (an official) sees the list with
// the approval form; a decision without its number is shown again with
// the field marked and what was typed kept; once approved, the page and
// the printed danh mục carry the decision, the form is gone and the
// archivist who proposed the list gets the run button instead.
func TestDisposalApprovalPage(t *testing.T) {
	e := newTestEnv(t)
	due := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC)
	a := &disposalArchive{now: e.now, d: &workflow.Disposal{ID: "L1", Title: "Tiêu hủy tài liệu hết giá trị năm 2016", CreatedBy: e.users["luutru"].ID,
		CreatedAt: e.now, State: workflow.DisposalProposed, Items: []workflow.DisposalItem{
			{DocumentID: "d1", Notation: "12/KH-UBND", Subject: "Kế hoạch chỉnh trang đô thị", Class: archive.Class5y, RetainUntil: due}}}}
	e.remount(t, Config{Archive: a})
	head, arch := e.login("lanhdao"), e.login("luutru")
	if p := arch.get("/disposals/L1"); p.Status != http.StatusOK || strings.Contains(p.Body, `id="approve-form"`) || strings.Contains(p.Body, `id="run-form"`) {
		t.Fatalf("the proposer's page: %d, approve or run form shown:\n%s", p.Status, p.Body)
	}
	p := head.get("/disposals/L1")
	for _, want := range []string{`id="approve-form"`, "Chờ thủ trưởng duyệt", "12/KH-UBND", "Kế hoạch chỉnh trang đô thị", `id="reject-form"`} {
		if !strings.Contains(p.Body, want) {
			t.Fatalf("the head's page lacks %q:\n%s", want, p.Body)
		}
	}
	p = head.post("/disposals/L1", url.Values{"action": {"approve"}, "decision_date": {"30/05/2016"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Nhập số quyết định tiêu hủy") || !strings.Contains(p.Body, `value="30/05/2016"`) {
		t.Fatalf("approval without a number: %d\n%s", p.Status, p.Body)
	}
	p = head.post("/disposals/L1", url.Values{"action": {"approve"}, "decision_number": {"15/QĐ-UBND"}, "decision_date": {"30/05/2016"},
		"decision_text": {"Tiêu hủy 1 hồ sơ hết giá trị"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", p.Status, p.Body)
	}
	p = head.get(p.Header.Get("Location"))
	if !strings.Contains(p.Body, "Số 15/QĐ-UBND ngày 30/05/2016") || !strings.Contains(p.Body, "Đã duyệt danh mục") || strings.Contains(p.Body, `id="approve-form"`) {
		t.Fatalf("after approval:\n%s", p.Body)
	}
	if p := arch.get("/disposals/L1"); !strings.Contains(p.Body, `id="run-form"`) {
		t.Fatalf("the archivist has no run button once approved:\n%s", p.Body)
	}
	if p := head.get("/disposals/L1/print"); !strings.Contains(p.Body, "Căn cứ Quyết định số 15/QĐ-UBND ngày 30/05/2016") || !strings.Contains(p.Body, "DANH MỤC TÀI LIỆU HẾT GIÁ TRỊ") {
		t.Fatalf("printed danh mục:\n%s", p.Body)
	}
	// The proposer holding both roles cannot approve their own list.
	if err := workflow.CheckDisposalApprover(&workflow.User{ID: a.d.CreatedBy, Roles: []workflow.Role{workflow.RoleOfficer}}, a.d); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("own list: %v", err)
	}
}

// disposedArchive says doc-002's record was destroyed.
type disposedArchive struct{ disposalArchive }

func (disposedArchive) DisposedDocuments(_ context.Context, ids []string) (map[string]*workflow.DisposedRecord, error) {
	out := map[string]*workflow.DisposedRecord{}
	for _, id := range ids {
		if id == "doc-002" {
			out[id] = &workflow.DisposedRecord{DocumentID: id, DisposalID: "L1", DecisionNumber: "15/QĐ-UBND", DecisionDate: workflow.NewDate(2026, 11, 30)}
		}
	}
	return out, nil
}

// TestRegisterNotesDisposed: a destroyed record keeps its line of the
// register, its number, with the decision that destroyed it in the
// notes; the others say nothing of it.
func TestRegisterNotesDisposed(t *testing.T) {
	e := newTestEnv(t)
	seedOutgoingRegister(t, e, 3)
	e.remount(t, Config{Archive: disposedArchive{disposalArchive{d: &workflow.Disposal{ID: "L1"}}}})
	p := e.login("vanthu").get("/registers/outgoing/2026")
	doc := parseHTML(t, p.Body)
	row := byID(doc, "so-2")
	if row == nil || !strings.Contains(textOf(row), "02/QĐ-UBND") || !strings.Contains(textOf(row), "Đã tiêu hủy theo QĐ số 15/QĐ-UBND ngày 30/11/2026") {
		t.Fatalf("line 2: %d\n%s", p.Status, p.Body)
	}
	if strings.Count(p.Body, "Đã tiêu hủy") != 1 {
		t.Errorf("the note is on other lines too")
	}
	// The year's CSV and JSON files carry the same note on the same line.
	note := "Đã tiêu hủy theo QĐ số 15/QĐ-UBND ngày 30/11/2026"
	csv := e.login("vanthu").get("/registers/outgoing/2026/csv")
	var noted []string
	for _, line := range strings.Split(csv.Body, "\n") {
		if strings.Contains(line, "Đã tiêu hủy") {
			noted = append(noted, line)
		}
	}
	if len(noted) != 1 || !strings.Contains(noted[0], "02/QĐ-UBND") || !strings.Contains(noted[0], note) {
		t.Errorf("CSV lines noted: %q\n%s", noted, csv.Body)
	}
	js := e.login("vanthu").get("/registers/outgoing/2026/json")
	var file struct {
		Items []struct {
			Number   int
			Notes    string
			Disposed *struct {
				DisposalID string `json:"disposal_id"`
			}
		}
	}
	if err := json.Unmarshal([]byte(js.Body), &file); err != nil {
		t.Fatalf("JSON: %v\n%s", err, js.Body)
	}
	for _, it := range file.Items {
		if got, want := it.Disposed != nil && strings.Contains(it.Notes, note), it.Number == 2; got != want || (it.Disposed == nil) == want {
			t.Errorf("JSON line %d: notes %q, disposed %+v", it.Number, it.Notes, it.Disposed)
		}
	}
}

// TestDisposalPrintFiles: the printed biên bản of a run list gives, for
// each destroyed record, how many files were deleted, their total size
// and the SHA-256 of its main signed PDF; a record held back has none.
func TestDisposalPrintFiles(t *testing.T) {
	e := newTestEnv(t)
	at, dd := e.now, workflow.NewDate(2016, 5, 30)
	sum := strings.Repeat("ab", 32)
	a := &disposalArchive{d: &workflow.Disposal{ID: "L1", Title: "Đợt 2016", CreatedBy: e.users["luutru"].ID, CreatedAt: at,
		State: workflow.DisposalDisposed, ApprovedBy: e.users["lanhdao"].ID, DecisionNumber: "15/QĐ-UBND", DecisionDate: &dd,
		DisposedBy: e.users["luutru"].ID, DisposedAt: &at, Items: []workflow.DisposalItem{
			{DocumentID: "d1", Notation: "12/KH-UBND", Subject: "Kế hoạch", Class: archive.Class5y, State: workflow.ItemDisposed, DisposedAt: &at,
				Objects: 3, Bytes: 3 << 20, DocumentSHA256: sum},
			{DocumentID: "d2", Notation: "13/KH-UBND", Subject: "Kế hoạch khác", Class: archive.Class5y, State: workflow.ItemHeld, Reason: "phong tỏa"}}}}
	e.remount(t, Config{Archive: a})
	p := e.login("luutru").get("/disposals/L1/print")
	doc := parseHTML(t, p.Body)
	var rows []*html.Node
	walkHTML(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			rows = append(rows, n)
		}
	})
	if len(rows) != 3 {
		t.Fatalf("%d rows:\n%s", len(rows), p.Body)
	}
	if got := textOf(rows[1]); !strings.Contains(got, "3 tệp, 3.0 MB") || !strings.Contains(got, sum) {
		t.Errorf("destroyed record's line: %q", got)
	}
	if got := textOf(rows[2]); strings.Contains(got, "tệp,") || strings.Contains(got, sum) {
		t.Errorf("held record's line: %q", got)
	}
	if !strings.Contains(p.Body, "BIÊN BẢN TIÊU HỦY") || !strings.Contains(p.Body, "nhật ký kiểm toán") {
		t.Errorf("biên bản:\n%s", p.Body)
	}
}

// TestDisposalRunByCLINamed: a list run by `vanthu archive disposals
// run` names its system user as the one who destroyed, on the list's page
// and on the biên bản (the name was empty: no such user in the directory).
func TestDisposalRunByCLINamed(t *testing.T) {
	e := newTestEnv(t)
	at, dd := e.now, workflow.NewDate(2016, 5, 30)
	a := &disposalArchive{d: &workflow.Disposal{ID: "L1", Title: "Đợt 2016", CreatedBy: e.users["luutru"].ID, CreatedAt: at,
		State: workflow.DisposalDisposed, ApprovedBy: e.users["lanhdao"].ID, DecisionNumber: "15/QĐ-UBND", DecisionDate: &dd,
		DisposedBy: workflow.DisposalCLI.ID, DisposedAt: &at, Items: []workflow.DisposalItem{
			{DocumentID: "d1", Notation: "12/KH-UBND", Subject: "Kế hoạch", Class: archive.Class5y, State: workflow.ItemDisposed, DisposedAt: &at}}}}
	e.remount(t, Config{Archive: a})
	c := e.login("luutru")
	for _, path := range []string{"/disposals/L1", "/disposals/L1/print"} {
		if p := c.get(path); !strings.Contains(p.Body, workflow.DisposalCLI.FullName) {
			t.Errorf("%s does not name %q:\n%s", path, workflow.DisposalCLI.FullName, p.Body)
		}
	}
}

// goneArchive finds two records, doc-002's destroyed, and counts the
// reads of what was destroyed.
type goneArchive struct {
	namedArchive
	reads *int
}

func (a goneArchive) Search(context.Context, *workflow.User, archive.Query) ([]*archive.Record, string, error) {
	return []*archive.Record{{DocumentID: "doc-001", Type: "CV", Subject: "Còn giữ", Notation: "01/UBND-VP"},
		{DocumentID: "doc-002", Type: "CV", Subject: "Hết giá trị", Notation: "02/UBND-VP"}}, "", nil
}

func (a goneArchive) SearchCount(ctx context.Context, u *workflow.User, q archive.Query) ([]*archive.Record, string, int, error) {
	recs, next, err := a.Search(ctx, u, q)
	return recs, next, len(recs), err
}

func (a goneArchive) Get(_ context.Context, _ *workflow.User, id string) (*archive.Record, error) {
	return &archive.Record{DocumentID: id, Type: "CV", Subject: "Hồ sơ " + id, Notation: "02/UBND-VP",
		Objects: []archive.Object{{Name: "document.pdf", Size: 2, SHA256: "ab"}}}, nil
}

func (a goneArchive) DisposedDocuments(ctx context.Context, ids []string) (map[string]*workflow.DisposedRecord, error) {
	*a.reads++
	return disposedArchive{}.DisposedDocuments(ctx, ids)
}

// TestArchiveMarksDisposed: the archive search marks a destroyed record's
// row Đã tiêu hủy with its decision (one read for the page), the others
// not, and so does its CSV file (column Tiêu hủy); its record page says it was destroyed, by which decision, and
// offers neither its package nor its files; a kept record's page does.
func TestArchiveMarksDisposed(t *testing.T) {
	e := newTestEnv(t)
	reads := 0
	e.remount(t, Config{Archive: goneArchive{reads: &reads}})
	c := e.login("luutru")
	p := c.get("/archive?q=x")
	doc := parseHTML(t, p.Body)
	var rows []string
	walkHTML(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			rows = append(rows, textOf(n))
		}
	})
	if len(rows) != 3 || strings.Contains(rows[1], "tiêu hủy") || !strings.Contains(rows[2], "Đã tiêu hủy theo QĐ số 15/QĐ-UBND ngày 30/11/2026") {
		t.Fatalf("search rows %q", rows)
	}
	if reads != 1 {
		t.Errorf("%d reads of the destroyed records for one page, want 1", reads)
	}
	csv := c.get("/archive?q=x&format=csv")
	lines := strings.Split(strings.TrimSpace(csv.Body), "\n")
	if len(lines) != 3 || !strings.HasSuffix(strings.TrimSpace(lines[0]), "Tiêu hủy") || strings.Contains(lines[1], "tiêu hủy") ||
		!strings.HasSuffix(strings.TrimSpace(lines[2]), "Đã tiêu hủy theo QĐ số 15/QĐ-UBND ngày 30/11/2026") {
		t.Errorf("archive CSV:\n%s", csv.Body)
	}
	p = c.get("/archive/doc-002")
	if !strings.Contains(p.Body, `id="record-gone"`) || !strings.Contains(p.Body, "Quyết định số 15/QĐ-UBND ngày 30/11/2026") ||
		strings.Contains(p.Body, "/archive/doc-002/package") || strings.Contains(p.Body, "/archive/doc-002/object") {
		t.Fatalf("destroyed record's page:\n%s", p.Body)
	}
	if p = c.get("/archive/doc-001"); strings.Contains(p.Body, `id="record-gone"`) || !strings.Contains(p.Body, "/archive/doc-001/package") {
		t.Fatalf("kept record's page:\n%s", p.Body)
	}
}
