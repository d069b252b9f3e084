package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// invalidSigner is a signing service whose verifier finds every PDF's
// signature broken.
type invalidSigner struct{ workflow.Signer }

func (invalidSigner) Verify(context.Context, []byte) (workflow.Verification, error) {
	return workflow.Verification{Verdict: workflow.VerdictInvalid,
		Reasons: []string{"Signature 1 (Sở Tài chính): the signed bytes were changed after signing."},
		Report:  []byte(`{"verdict":"invalid","signatures":[{"index":0,"signer":{"subject":"CN=Sở Tài chính"},"chain_trusted":true,"signature_valid":false,"covers_whole_file":true}]}`)}, nil
}

// TestRegisterInvalidSignatureNeedsOverride: the clerk sees the report
// (verdict "không hợp lệ") before registering; "Vào sổ" alone is refused
// with the reason, "Vẫn vào sổ" with a comment registers it and the
// history says so.
func TestRegisterInvalidSignatureNeedsOverride(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = invalidSigner{}
	ui, err := New(Config{Docs: e.docs, Accounts: e.auth, Directory: e.repo, Verify: invalidSigner{}.Verify})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = Mount(http.NotFoundHandler(), ui)
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Công văn có chữ ký bị sửa", nil)
	p := clerk.get("/documents/" + id)
	if !strings.Contains(p.Body, "không hợp lệ") || !strings.Contains(p.Body, `name="override"`) || !strings.Contains(p.Body, "Sở Tài chính") {
		t.Fatalf("no report or override before registering:\n%s", p.Body)
	}
	p = act(t, clerk, id, workflow.Register, nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Vẫn vào sổ") {
		t.Fatalf("register without override: %d", p.Status)
	}
	p = act(t, clerk, id, workflow.Register, url.Values{"override": {"true"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("override without a reason: %d", p.Status)
	}
	p = act(t, clerk, id, workflow.Register, url.Values{"override": {"true"}, "comment": {"Bản giấy đã đối chiếu, đúng nội dung"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("override with a reason: %d\n%s", p.Status, p.Body)
	}
	p = clerk.get("/documents/" + id)
	if !strings.Contains(p.Body, "vào sổ dù chữ ký không hợp lệ") || !strings.Contains(p.Body, "Bản giấy đã đối chiếu") {
		t.Errorf("history does not record the override")
	}
}

// TestInboxOrder: most urgent first, then by due date (none last); the
// overdue one is marked.
func TestInboxOrder(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	for _, x := range []struct{ subject, urgency, due string }{
		{"Thường không hạn", "normal", ""},
		{"Thường hạn xa", "normal", "2026-12-20"},
		{"Khẩn hạn gần", "urgent", "2026-11-26"},
		{"Hỏa tốc", "flash", ""},
		{"Thường quá hạn", "normal", "2026-11-20"},
		{"Thượng khẩn", "very_urgent", "2026-12-01"},
	} {
		e.newIncoming(clerk, x.subject, url.Values{"urgency": {x.urgency}, "due_date": {x.due}})
	}
	p := clerk.get("/")
	re := regexp.MustCompile(`<a href="/documents/[^"]+">([^<]+)</a>`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(p.Body, -1) {
		got = append(got, m[1])
	}
	want := []string{"Hỏa tốc", "Thượng khẩn", "Khẩn hạn gần", "Thường quá hạn", "Thường hạn xa", "Thường không hạn"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("inbox order %q, want %q", got, want)
	}
	if strings.Count(p.Body, `class="overdue"`) != 1 || !strings.Contains(p.Body, `Chờ vào sổ <span class="count">6</span>`) {
		t.Errorf("overdue mark or count wrong")
	}
}

// TestInboxTotalCountsDocumentsOnce: an issued document waits to be sent
// and to be archived (two tabs) but is one document in "Tất cả"; one
// addressed to no connected agency waits only to be archived — "Chờ gửi"
// counted and listed it, and its page could not send it.
func TestInboxTotalCountsDocumentsOnce(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	issued := func(subject string, to []workflow.Org) string {
		h.get("/outgoing/new")
		id := docIDFrom(t, h.postMultipart("/outgoing/new", url.Values{"type": {"TB"}, "subject": {subject}, "signer_id": {e.users["lanhdao"].ID}},
			map[string][]byte{"file": fakePDF}))
		// Force the state an issued document has (signing is not
		// configured in these tests).
		err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
			d, err := tx.LockDocument(ctx, id)
			if err != nil {
				return err
			}
			d.State, d.Recipients = workflow.Issued, to
			return tx.UpdateDocument(ctx, d, d.Version)
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	issued("Thông báo lịch tiếp dân", []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}})
	internal := issued("Quyết định khen thưởng nội bộ", nil)
	clerk := e.login("vanthu")
	p := clerk.get("/")
	for _, want := range []string{`Tất cả <span class="count">2</span>`, `Chờ gửi <span class="count">1</span>`, `Chờ lưu trữ <span class="count">2</span>`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("inbox lacks %s", want)
		}
	}
	if p := clerk.get("/?task=send"); !strings.Contains(p.Body, "Thông báo lịch tiếp dân") || strings.Contains(p.Body, internal) {
		t.Errorf("Chờ gửi lists the document addressed to no agency, or not the other:\n%s", p.Body)
	}
}
