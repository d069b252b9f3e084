package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// toSign makes an outgoing draft with subject, for signer, taken
// through steps (by its drafter, then by signer), with a signer on the
// server.
func (e *testEnv) toSign(t *testing.T, subject, signer string, steps ...workflow.Action) string {
	t.Helper()
	e.docs.Signer = workflowtest.Signer{}
	h := e.login("chuyenvien")
	f := url.Values{"type": {"QĐ"}, "subject": {subject}, "urgency": {"urgent"}, "signer_id": {e.users[signer].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
	for _, s := range steps {
		who := signer
		if s == workflow.Submit {
			who = "chuyenvien"
		}
		if _, err := e.docs.Apply(context.Background(), e.users[who], id, s, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return id
}

// approvedBatch makes n approved drafts for lanhdao, "Quyết định số i".
func (e *testEnv) approvedBatch(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		ids = append(ids, e.toSign(t, fmt.Sprintf("Quyết định số %d", i+1), "lanhdao", workflow.Submit, workflow.Approve))
	}
	return ids
}

var batchBoxRe = regexp.MustCompile(`<input type="checkbox" name="doc" value="([^"]+)"`)

// batchBoxes are the checkboxes' values of an inbox page.
func batchBoxes(p page) []string {
	var out []string
	for _, m := range batchBoxRe.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, m[1])
	}
	return out
}

// askBatch reads Chờ ký, posts vals as the batch and returns the
// confirmation's form (the password typed when it asks).
func askBatch(t *testing.T, c *client, vals []string) (url.Values, page) {
	t.Helper()
	c.get("/?task=sign")
	p := c.post("/sign-batch", url.Values{"doc": vals})
	cf, ok := confirmForm(p, signBatchConfirm)
	if !ok {
		t.Fatalf("no confirmation of the batch: %d\n%s", p.Status, p.Body)
	}
	return cf, p
}

// TestSignBatch: the official ticks the approved drafts under Chờ ký
// and signs them at once: the confirmation lists each (subject, type,
// urgency, the facts of Ký số) and asks the password once; a wrong one
// signs none, counts one failure and keeps the selection; the right one
// signs them all, the result page saying each.
func TestSignBatch(t *testing.T) {
	e := newTestEnv(t)
	ids := e.approvedBatch(t, 3)
	c := e.login("lanhdao")
	boxes := batchBoxes(c.get("/?task=sign"))
	if len(boxes) != 3 {
		t.Fatalf("Chờ ký has %d checkboxes, want 3: %v", len(boxes), boxes)
	}
	cf, p := askBatch(t, c, boxes)
	body := html.UnescapeString(p.Body)
	for _, w := range []string{"Ký số 3 văn bản", "Quyết định số 1", "Quyết định số 3", "Quyết định", "Khẩn", irreversible[workflow.Sign].Facts[0],
		"Chữ ký của lãnh đạo và dấu cơ quan", signerPrompt(workflow.Sign), "Xác nhận ký số 3 văn bản"} {
		if !strings.Contains(body, w) {
			t.Errorf("the confirmation lacks %q", w)
		}
	}
	if got := cf["doc"]; len(got) != 3 {
		t.Fatalf("the confirmation carries %v", got)
	}

	cf.Set(signerPasswordField, "mat-khau-sai")
	p = c.post("/sign-batch", cf)
	again, ok := refusedForm(p, signBatchConfirm)
	if p.Status != http.StatusUnauthorized || !ok || !strings.Contains(p.Body, "Mật khẩu không đúng: chưa Ký số") || strings.Contains(p.Body, "mat-khau-sai") {
		t.Fatalf("wrong password: %d (confirmation %v)\n%s", p.Status, ok, p.Body)
	}
	if len(again["doc"]) != 3 {
		t.Errorf("after a wrong password the selection is %v, want the 3 kept", again["doc"])
	}
	for _, id := range ids {
		if s := e.stateOf(t, id); s != workflow.Approved {
			t.Fatalf("a wrong password signed %s: %s", id, s)
		}
	}
	if n := e.signFailures("lanhdao"); n != 1 {
		t.Errorf("login_failed during=sign: %d, want 1 for the batch", n)
	}

	again.Set(signerPasswordField, testPassword)
	p = c.post("/sign-batch", again)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Đã ký 3/3 văn bản.") || strings.Count(p.Body, "Đã ký số</strong>") != 3 {
		t.Fatalf("right password: %d\n%s", p.Status, p.Body)
	}
	for _, id := range ids {
		if s := e.stateOf(t, id); s != workflow.OfficerSigned {
			t.Errorf("%s: %s, want signed", id, s)
		}
		if !strings.Contains(p.Body, `href="/documents/`+id+`"`) {
			t.Errorf("the result does not link %s", id)
		}
	}
	if n := e.signFailures("lanhdao"); n != 1 {
		t.Errorf("login_failed during=sign after signing: %d", n)
	}
	// Posted again (the browser's reload): the result, not errors.
	if p := c.post("/sign-batch", again); !strings.Contains(p.Body, "Đã ký 3/3 văn bản.") {
		t.Errorf("the batch posted again:\n%s", p.Body)
	}
}

// TestSignBatchRefusesOne: what cannot be signed is refused alone, the
// others signed: a document changed since the inbox showed it (its
// layout moved, or returned), another official's, one not approved yet
// — the last two posted by hand; each says why.
func TestSignBatchRefusesOne(t *testing.T) {
	e := newTestEnv(t)
	ids := e.approvedBatch(t, 2)
	moved := e.toSign(t, "Quyết định bị dời chữ ký", "lanhdao", workflow.Submit, workflow.Approve)
	returned := e.toSign(t, "Quyết định bị trả lại", "lanhdao", workflow.Submit, workflow.Approve)
	others := e.toSign(t, "Quyết định của người ký khác", "lanhdao2", workflow.Submit, workflow.Approve)
	inReview := e.toSign(t, "Quyết định chưa duyệt", "lanhdao", workflow.Submit)
	c := e.login("lanhdao")
	vals := batchBoxes(c.get("/?task=sign"))
	if len(vals) != 4 {
		t.Fatalf("Chờ ký has %d checkboxes, want 4", len(vals))
	}
	version := func(id string) string {
		d, err := e.docs.Get(context.Background(), e.users["vanthu"], id)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s@%d", id, d.Version)
	}
	// Posted by hand: the confirmation leaves them out, saying why.
	cf, p := askBatch(t, c, append(vals, version(others), version(inReview)))
	body := html.UnescapeString(p.Body)
	for _, w := range []string{"Ký số 4 văn bản", "Không ký được 2 văn bản đã chọn", "Quyết định của người ký khác</a>: Đồng chí không phải người ký được giao",
		"Quyết định chưa duyệt</a>: Văn bản không ở trạng thái chờ ký (trạng thái hiện tại “Chờ duyệt”)"} {
		if !strings.Contains(body, w) {
			t.Errorf("the confirmation lacks %q", w)
		}
	}
	// Meanwhile the drafter moves one's signature, another official
	// returns one; and the other two are posted by hand.
	if _, err := e.docs.SetLayout(context.Background(), e.users["chuyenvien"], moved, 0,
		&workflow.Layout{Signature: &workflow.Box{Page: 1, X: 320, Y: 420, W: 170, H: 70}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.docs.Apply(context.Background(), e.users["lanhdao2"], returned, workflow.Return, workflow.ActionInput{Comment: "Sai căn cứ"}); err != nil {
		t.Fatal(err)
	}
	cf["doc"] = append(cf["doc"], version(others), version(inReview))
	p = c.post("/sign-batch", cf)
	body = html.UnescapeString(p.Body)
	if p.Status != http.StatusOK || !strings.Contains(body, "Đã ký 2/6 văn bản.") {
		t.Fatalf("result: %d\n%s", p.Status, body)
	}
	for _, w := range []string{
		"Chưa ký</strong>: văn bản đã thay đổi sau khi đồng chí chọn — Lê Chuyên Viên: Điều chỉnh vị trí số, ngày tháng và chữ ký, lúc ",
		"Trạng thái hiện tại “Đã duyệt”: mở văn bản để xem lại.",
		"— Phạm Phó Chủ Tịch: Trả lại (Đã duyệt → Dự thảo)", "Trạng thái hiện tại “Dự thảo”",
		"Đồng chí không phải người ký được giao của văn bản này",
		"Văn bản không ở trạng thái chờ ký (trạng thái hiện tại “Chờ duyệt”)"} {
		if !strings.Contains(body, w) {
			t.Errorf("the result lacks %q", w)
		}
	}
	want := map[string]workflow.State{ids[0]: workflow.OfficerSigned, ids[1]: workflow.OfficerSigned, moved: workflow.Approved,
		returned: workflow.Draft, others: workflow.Approved, inReview: workflow.InReview}
	for id, st := range want {
		if s := e.stateOf(t, id); s != st {
			t.Errorf("%s: %s, want %s", id, s, st)
		}
	}
}

// TestSignBatchLimit: more than signBatchMax documents, or none, are
// refused as a whole, saying so; nothing is signed, nothing asked.
func TestSignBatchLimit(t *testing.T) {
	e := newTestEnv(t)
	ids := e.approvedBatch(t, 2)
	c := e.login("lanhdao")
	vals := batchBoxes(c.get("/?task=sign"))
	for i := len(vals); i <= signBatchMax; i++ {
		vals = append(vals, fmt.Sprintf("khong-co-%d@1", i))
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"over the limit", url.Values{"doc": vals}, fmt.Sprintf("Đã chọn %d văn bản: mỗi lần ký tối đa %d văn bản", signBatchMax+1, signBatchMax)},
		{"over the limit, confirmed", url.Values{"doc": vals, "confirm": {signBatchConfirm}, signerPasswordField: {testPassword}}, "mỗi lần ký tối đa"},
		{"none", url.Values{}, "Chưa chọn văn bản nào"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.post("/sign-batch", tc.form)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, tc.want) || strings.Contains(p.Body, signerPasswordField) {
				t.Fatalf("%d\n%s", p.Status, p.Body)
			}
			for _, id := range ids {
				if s := e.stateOf(t, id); s != workflow.Approved {
					t.Fatalf("signed: %s", s)
				}
			}
		})
	}
}

// TestInboxBatchBoxes: the checkboxes are under Chờ ký, one per
// document the reader may sign now — not under another tab, not for
// another official, not when this server cannot sign; Chọn tất cả ticks
// them.
func TestInboxBatchBoxes(t *testing.T) {
	e := newTestEnv(t)
	mine := e.approvedBatch(t, 2)
	e.toSign(t, "Quyết định chờ duyệt", "lanhdao", workflow.Submit)
	e.toSign(t, "Quyết định của người ký khác", "lanhdao2", workflow.Submit, workflow.Approve)
	c := e.login("lanhdao")
	p := c.get("/?task=sign")
	if got := batchBoxes(p); len(got) != 2 || !strings.Contains(p.Body, "Ký số các văn bản đã chọn") || strings.Contains(p.Body, " checked>") {
		t.Errorf("Chờ ký: boxes %v", got)
	}
	for _, id := range mine {
		if !strings.Contains(p.Body, `value="`+id+`@`) {
			t.Errorf("no box for %s", id)
		}
	}
	if p := c.get("/?task=sign&chon=tat-ca"); strings.Count(p.Body, " checked>") != 2 || !strings.Contains(p.Body, "Bỏ chọn tất cả") {
		t.Errorf("Chọn tất cả ticks %d", strings.Count(p.Body, " checked>"))
	}
	for _, path := range []string{"/", "/?task=approve"} {
		if p := c.get(path); len(batchBoxes(p)) != 0 || strings.Contains(p.Body, "Ký số các văn bản đã chọn") {
			t.Errorf("%s shows the batch's boxes", path)
		}
	}
	if p := e.login("lanhdao2").get("/?task=sign"); len(batchBoxes(p)) != 1 {
		t.Errorf("lanhdao2's Chờ ký: %v", batchBoxes(p))
	}
	e.docs.Signer = nil // no signer on this server: Ký số unavailable
	if p := c.get("/?task=sign"); len(batchBoxes(p)) != 0 || strings.Contains(p.Body, "Ký số các văn bản đã chọn") {
		t.Errorf("boxes with no signer: %v", batchBoxes(p))
	}
}

// TestSignBatchTTL: within VANTHU_SIGN_CONFIRM_TTL of a right password
// (here a single Ký số's) the batch's confirmation asks none, says
// until when, and signs without it.
func TestSignBatchTTL(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{SignConfirmTTL: 5 * time.Minute})
	c := e.login("lanhdao")
	ids := e.approvedBatch(t, 3)
	if p := act(t, c, ids[0], workflow.Sign, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("single signature: %d", p.Status)
	}
	cf, p := askBatch(t, c, batchBoxes(c.get("/?task=sign")))
	if strings.Contains(p.Body, `name="`+signerPasswordField+`"`) || !strings.Contains(p.Body, "không cần nhập lại đến 09:05") {
		t.Fatalf("within the TTL the batch asks again:\n%s", p.Body)
	}
	if p := c.post("/sign-batch", cf); !strings.Contains(p.Body, "Đã ký 2/2 văn bản.") {
		t.Fatalf("within the TTL: %d\n%s", p.Status, p.Body)
	}
}
