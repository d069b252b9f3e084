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
)

// evidenceArchive is an Archive with one record whose evidence check
// answers rep, or refuses roles other than the archive's readers as the
// service does.
type evidenceArchive struct {
	Archive
	rec   *archive.Record
	rep   *archive.EvidenceReport
	calls *int
}

func (a evidenceArchive) Get(_ context.Context, actor *workflow.User, id string) (*archive.Record, error) {
	if !actor.HasAny(archiveRoles) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "the archive")
	}
	if id != a.rec.DocumentID {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "no record")
	}
	return a.rec, nil
}

func (a evidenceArchive) Parts(context.Context, *archive.Record) ([]archive.Object, error) {
	return nil, nil
}

func (a evidenceArchive) CheckEvidence(ctx context.Context, actor *workflow.User, id string) (*archive.EvidenceReport, error) {
	if _, err := a.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	*a.calls++
	return a.rep, nil
}

// TestArchiveEvidencePage: a reader of the archive checks a record's
// archive time-stamp chain from the record's page (what GET
// /api/v1/archive/{id}/evidence answers) and downloads the report; the
// others get the archive's refusal.
func TestArchiveEvidencePage(t *testing.T) {
	e := newTestEnv(t)
	ts := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	rec := &archive.Record{DocumentID: "d1", Notation: "15/QĐ-UBND", Subject: "Quyết định ban hành quy chế", Class: archive.ClassPermanent,
		RetainUntil: archive.Forever, ArchivedAt: ts}
	rep := &archive.EvidenceReport{DocumentID: "d1", Record: "records/d1", CheckedAt: e.now, RetainUntil: archive.Forever, Verdict: workflow.VerdictValid,
		Reasons: []string{"the record's 4 objects match their recorded SHA-256",
			"time-stamp 2 (2026-12-20T03:00:00Z, by CN=Other TSA): its TSA certificate is not trusted: no trust anchors are configured",
			"time-stamp 2: evidence/0002-timestamp.tst: the time-stamp token carries no TSA certificate"},
		Document: &archive.DocumentEvidence{Name: "document.pdf", SHA256: "ab12", ValidationTime: ts, Verdict: workflow.VerdictValid,
			Reasons: []string{"The document has no digital signature."}},
		TimeStamps: []archive.EvidenceStamp{{Seq: 1, Time: ts, Authority: "CN=Time-Stamping Authority", ValidUntil: time.Date(2036, 11, 20, 0, 0, 0, 0, time.UTC), Trusted: true},
			{Seq: 2, Time: ts.AddDate(0, 1, 0), Authority: "CN=Other TSA", Trusted: false, Problems: []string{"evidence/0002-timestamp.tst: the time-stamp token carries no TSA certificate"}}}}
	calls := 0
	e.remount(t, Config{Archive: evidenceArchive{rec: rec, rep: rep, calls: &calls}})
	c := e.login("luutru")
	if p := c.get("/archive/d1"); !strings.Contains(p.Body, `href="/archive/d1/evidence"`) {
		t.Fatalf("the record page has no link to the check:\n%s", p.Body)
	}
	p := c.get("/archive/d1/evidence")
	for _, want := range []string{`<span class="v-valid verdict">hợp lệ</span>`, "CN=Time-Stamping Authority", "20/11/2036", "Tin cậy", "Không tin cậy",
		"document.pdf", "Vĩnh viễn", `href="/archive/d1/evidence?format=json"`,
		// The reasons in Vietnamese (evidenceVI, reasonVI), times in Vietnam time.
		"Cả 4 tệp dữ liệu của hồ sơ khớp mã băm SHA-256 đã ghi.",
		"Dấu thời gian số 2 (lúc 10:00:00 20/12/2026, do CN=Other TSA cấp): chứng thư của đơn vị cấp dấu thời gian không được tin cậy: máy chủ chưa cấu hình chứng thư gốc tin cậy.",
		"Dấu thời gian số 2: evidence/0002-timestamp.tst: dấu thời gian không kèm chứng thư của đơn vị cấp.",
		"evidence/0002-timestamp.tst: dấu thời gian không kèm chứng thư của đơn vị cấp.", "Văn bản không có chữ ký số."} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("evidence page lacks %s", want)
		}
	}
	for _, english := range []string{`lang="en"`, "match their recorded", "is not trusted", "carries no TSA certificate", "no digital signature"} {
		if strings.Contains(p.Body, english) {
			t.Errorf("evidence page says %q", english)
		}
	}
	if p.Status != http.StatusOK || calls != 1 {
		t.Fatalf("evidence page: %d, %d checks", p.Status, calls)
	}
	j := c.get("/archive/d1/evidence?format=json")
	var got archive.EvidenceReport
	if err := json.Unmarshal([]byte(j.Body), &got); err != nil || got.Verdict != workflow.VerdictValid || len(got.TimeStamps) != 2 || got.Reasons[0] != rep.Reasons[0] ||
		!strings.Contains(j.Header.Get("Content-Disposition"), "chung-cu-d1.json") {
		t.Fatalf("report download: %v %+v %q", err, got, j.Header.Get("Content-Disposition"))
	}
	if p := c.get("/archive/d2/evidence"); p.Status != http.StatusNotFound {
		t.Errorf("another record: %d", p.Status)
	}
	for _, name := range []string{"chuyenvien", "lanhdao"} {
		if p := e.login(name).get("/archive/d1/evidence"); p.Status != http.StatusForbidden {
			t.Errorf("%s: %d", name, p.Status)
		}
	}
}

// TestEvidenceNamesDocTimeStamp: the evidence page says the document's
// time-stamp is one (Dấu thời gian tài liệu, chữ ký 3), as the document's
// page does, from the document's own verification of the same file — it
// read "Chữ ký 3 (… Time-Stamping Authority)" as if the authority had
// signed the decision (walk 7).
func TestEvidenceNamesDocTimeStamp(t *testing.T) {
	e := newTestEnv(t)
	ts := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	reasons := []string{"Signature 1 (Trần Văn Quyết): valid.", "Signature 2 (CN=UBND quận Bình Thủy Time-Stamping Authority): valid."}
	doc := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định ban hành quy chế", Notation: "15/QĐ-UBND",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Archived, Version: 5,
		SignerID: e.users["lanhdao"].ID, CreatedBy: e.users["chuyenvien"].ID, CreatedAt: e.now, UpdatedAt: e.now,
		Verification: &workflow.Verification{Verdict: workflow.VerdictValid, Reasons: reasons,
			Report: []byte(`{"signatures":[{"index":0,"subfilter":"ETSI.CAdES.detached"},{"index":1,"subfilter":"ETSI.RFC3161"}]}`)}}
	if err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, doc) }); err != nil {
		t.Fatal(err)
	}
	rec := &archive.Record{DocumentID: "d1", Notation: "15/QĐ-UBND", Subject: doc.Subject, Class: archive.ClassPermanent, RetainUntil: archive.Forever, ArchivedAt: ts}
	rep := &archive.EvidenceReport{DocumentID: "d1", Record: "records/d1", CheckedAt: e.now, RetainUntil: archive.Forever, Verdict: workflow.VerdictValid,
		Document: &archive.DocumentEvidence{Name: "document.pdf", SHA256: "ab12", ValidationTime: ts, Verdict: workflow.VerdictValid, Reasons: reasons}}
	calls := 0
	e.remount(t, Config{Archive: evidenceArchive{rec: rec, rep: rep, calls: &calls}})
	p := e.login("luutru").get("/archive/d1/evidence")
	for _, want := range []string{"Chữ ký 1 (Trần Văn Quyết): hợp lệ.", "Dấu thời gian tài liệu, chữ ký 2 (UBND quận Bình Thủy Time-Stamping Authority): hợp lệ."} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("evidence page lacks %q", want)
		}
	}
}

// holdArchive is evidenceArchive whose record's legal hold can be set
// and lifted.
type holdArchive struct{ evidenceArchive }

func (a holdArchive) SetLegalHold(ctx context.Context, actor *workflow.User, id string, on bool, comment string) (*archive.Record, error) {
	rec, err := a.Get(ctx, actor, id)
	if err == nil {
		rec.LegalHold = on
	}
	return rec, err
}

// TestLegalHoldSaysWhatItDoes: the record page's Phong tỏa pháp lý says
// what a hold does before the archivist places it, and what lifting it
// does; placing and lifting each say what now holds — the form had a
// reason box and a button alone, and both answered "Đã cập nhật trạng
// thái phong tỏa" (walk 7).
func TestLegalHoldSaysWhatItDoes(t *testing.T) {
	e := newTestEnv(t)
	rec := &archive.Record{DocumentID: "d1", Notation: "15/QĐ-UBND", Subject: "Quyết định ban hành quy chế", Class: archive.ClassPermanent,
		RetainUntil: archive.Forever, ArchivedAt: e.now}
	calls := 0
	e.remount(t, Config{Archive: holdArchive{evidenceArchive{rec: rec, calls: &calls}}})
	c := e.login("luutru")
	for _, step := range []struct{ hold, about, flash string }{
		{"", "không để bị hủy kể cả khi hết thời hạn bảo quản", ""},
		{"on", "Gỡ phong tỏa khi yêu cầu giữ hồ sơ", "Đã đặt phong tỏa pháp lý: hồ sơ không bị hủy"},
		{"off", "không để bị hủy kể cả khi hết thời hạn bảo quản", "Đã gỡ phong tỏa pháp lý"},
	} {
		p := c.get("/archive/d1")
		if step.hold != "" {
			p = c.post("/archive/d1", url.Values{"legal_hold": {step.hold}, "comment": {"Yêu cầu của Tòa án nhân dân quận"}})
			p = c.get(p.Header.Get("Location"))
		}
		n := byID(parseHTML(t, p.Body), "hold-about")
		if n == nil {
			t.Fatalf("hold %q: %d, no hold form:\n%s", step.hold, p.Status, p.Body)
		}
		if about := textOf(n); !strings.Contains(about, step.about) {
			t.Errorf("hold %q: the form says %q, want %q", step.hold, about, step.about)
		}
		if !strings.Contains(p.Body, step.flash) {
			t.Errorf("hold %q: the page does not say %q", step.hold, step.flash)
		}
	}
}

// TestArchivedRetentionByType: an archived document whose retention is
// its type's says which that is (Theo loại văn bản: Vĩnh viễn), as its
// record does a few lines below — the archivist read "Theo loại văn
// bản" beside "Thời hạn bảo quản: Vĩnh viễn" (walk 7).
func TestArchivedRetentionByType(t *testing.T) {
	e := newTestEnv(t)
	doc := &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định ban hành quy chế", Notation: "15/QĐ-UBND",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Archived, Version: 5,
		SignerID: e.users["lanhdao"].ID, CreatedBy: e.users["chuyenvien"].ID, CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, doc) }); err != nil {
		t.Fatal(err)
	}
	rec := &archive.Record{DocumentID: "d1", Notation: "15/QĐ-UBND", Subject: doc.Subject, Class: archive.ClassPermanent, RetainUntil: archive.Forever, ArchivedAt: e.now}
	calls := 0
	e.remount(t, Config{Archive: evidenceArchive{rec: rec, calls: &calls}})
	n := byID(parseHTML(t, e.login("luutru").get("/documents/d1").Body), "retention")
	if n == nil || textOf(n) != "Theo loại văn bản: Vĩnh viễn" {
		t.Errorf("the archived document's retention does not read Theo loại văn bản: Vĩnh viễn")
	}
}
