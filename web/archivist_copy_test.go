package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestArchivistCopiesFromTheRecord: the archivist answering a citizen
// who asks for a copy of an archived decision finds Sao văn bản on the
// archive record's page and on the document's, makes the sao y there
// (numbered in the register of copies, the history naming her); of a
// document not yet archived she is shown no form, and the page says who
// makes its copies. Before, the copies page showed her no form and said
// nothing, and the record page had no way to a copy (walk 12, the
// archivist).
func TestArchivistCopiesFromTheRecord(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = workflowtest.Signer{}
	clerk, officer, handler := e.login("vanthu"), e.login("lanhdao"), e.login("chuyenvien")
	letter := func(subject string, archived bool) string {
		t.Helper()
		id := e.newIncoming(clerk, subject, nil)
		act(t, clerk, id, workflow.Register, nil)
		if !archived {
			return id
		}
		act(t, officer, id, workflow.Assign, url.Values{"assignee_id": {e.users["chuyenvien"].ID}})
		act(t, handler, id, workflow.Start, nil)
		act(t, handler, id, workflow.Complete, nil)
		if p := act(t, clerk, id, workflow.Archive, nil); p.Status != http.StatusSeeOther {
			t.Fatalf("archive: %d\n%s", p.Status, p.Body)
		}
		return id
	}
	kept := letter("Quyết định về việc thu hồi đất của hộ ông Nguyễn Văn Tám", true)
	open := letter("Về việc rà soát hồ sơ đất đai", false)
	calls := 0
	rec := &archive.Record{DocumentID: kept, Key: "records/" + kept + "/v1/", Class: archive.ClassPermanent, Subject: "Quyết định về việc thu hồi đất",
		Direction: workflow.Incoming, ArchivedAt: e.now, RetainUntil: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}
	e.remount(t, Config{Archive: evidenceArchive{rec: rec, calls: &calls}})
	archivist, handler := e.login("luutru"), e.login("chuyenvien")

	link := `href="/documents/` + kept + `/copies">Sao văn bản</a>`
	if p := archivist.get("/archive/" + kept); !strings.Contains(p.Body, `id="record-copy"`) || !strings.Contains(p.Body, link) {
		t.Errorf("the record's page offers the archivist no copy:\n%s", p.Body)
	}
	if p := archivist.get("/documents/" + kept); !strings.Contains(p.Body, link) {
		t.Error("the archived document's page offers the archivist no copy")
	}
	if p := archivist.get("/documents/" + kept + "/copies"); !strings.Contains(p.Body, `id="copy-form"`) || strings.Contains(p.Body, `id="copy-who"`) {
		t.Errorf("the archivist's copies page of an archived record: no form\n%s", p.Body)
	}
	p := archivist.post("/documents/"+kept+"/copies", url.Values{"form": {"SY"}, "requested_for": {"Ông Nguyễn Văn Tám, theo đơn ngày 07/12/2026"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/documents/"+kept+"/copies?made=01/SY-UBND") {
		t.Fatalf("the archivist's copy: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if page := archivist.get(p.Location); !strings.Contains(page.Body, "<td>Ông Nguyễn Văn Tám, theo đơn ngày 07/12/2026</td><td>Đỗ Lưu Trữ, ") {
		t.Errorf("the copies made do not name the archivist:\n%s", page.Body)
	}

	if p := archivist.get("/documents/" + open); strings.Contains(p.Body, `id="copy"`) {
		t.Error("a document not archived offers the archivist a copy")
	}
	if p := archivist.get("/documents/" + open + "/copies"); strings.Contains(p.Body, `id="copy-form"`) || !strings.Contains(p.Body, `id="copy-who"`) {
		t.Errorf("the copies page of a document not archived: a form, or nothing says who copies it\n%s", p.Body)
	}
	if p := archivist.post("/documents/"+open+"/copies", url.Values{"form": {"SY"}, "requested_for": {"Tòa án"}}); p.Status != http.StatusForbidden {
		t.Errorf("the archivist's copy of a document not archived: %d, want 403", p.Status)
	}
	if p := handler.get("/documents/" + kept + "/copies"); strings.Contains(p.Body, `id="copy-form"`) {
		t.Error("a handler is shown the copy form")
	}
}
