package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

var refusedTabRe = regexp.MustCompile(`href="/\?task=refused"[^>]*>Gửi bị từ chối <span class="count">(\d+)</span>`)

// TestInboxRefused: the clerks' inbox has a tab "Gửi bị từ chối" of the
// outgoing documents whose delivery was refused (status 02) or failed for
// good, with the agency and the reason, newest first, counted in its
// badge; a classified document's subject and reason are not shown;
// marking it dealt with (audited) takes it out until it is refused again;
// handlers and officials have no such tab, and may not mark.
func TestInboxRefused(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	mk := func(id string, conf workflow.Confidentiality, dir workflow.Direction) {
		d := &workflow.Document{ID: id, Direction: dir, Type: "QĐ", Subject: "Quyết định " + id, Notation: "1/QĐ-" + id,
			Urgency: workflow.UrgencyNormal, Confidentiality: conf, State: workflow.Sent, Version: 6,
			CreatedBy: e.users["chuyenvien"].ID, CreatedAt: e.now, UpdatedAt: e.now}
		if dir == workflow.Incoming {
			d.State, d.Sender = workflow.Received, &workflow.Org{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}
		}
		if err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	refuse := func(id, org, status, reason string) {
		dl := workflow.Delivery{DocumentID: id, OrgID: "000.00.31.H13", OrgName: org}
		if err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, status, reason, e.now))
		}); err != nil {
			t.Fatal(err)
		}
	}
	mk("old", workflow.Public, workflow.Outgoing)
	mk("new", workflow.Public, workflow.Outgoing)
	mk("secret", workflow.Secret, workflow.Outgoing)
	mk("in", workflow.Public, workflow.Incoming) // a status message of ours refused: not an outgoing document
	refuse("old", "UBND phường Long Hòa", "02", "Sai thể thức văn bản")
	refuse("secret", "Công an quận", "", "409 Conflict: thông tin mật số 7")
	refuse("in", "UBND phường Long Hòa", "", "410 Gone")
	refuse("new", "UBND phường An Khánh", "", "403 Forbidden: cơ quan không còn kết nối")

	clerk := e.login("vanthu")
	tabOf := func(c *client) string {
		t.Helper()
		m := refusedTabRe.FindStringSubmatch(c.get("/").Body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	if got := tabOf(clerk); got != "3" {
		t.Fatalf("the clerk's tab counts %q, want 3", got)
	}
	p := clerk.get("/?task=refused")
	body := p.Body
	for _, want := range []string{"Quyết định new", "UBND phường An Khánh", "Gửi thất bại, không gửi lại", "403 Forbidden: cơ quan không còn kết nối",
		"Quyết định old", "Từ chối tiếp nhận", "Sai thể thức văn bản", "Văn bản mật: xem trong văn bản", `action="/documents/secret/refusals-seen"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the tab lacks %q", want)
		}
	}
	for _, hidden := range []string{"Quyết định secret", "thông tin mật số 7", "Quyết định in", "410 Gone"} {
		if strings.Contains(body, hidden) {
			t.Errorf("the tab shows %q", hidden)
		}
	}
	if i, j := strings.Index(body, "Quyết định new"), strings.Index(body, "Quyết định old"); i < 0 || j < i {
		t.Errorf("not newest first: new at %d, old at %d", i, j)
	}
	if !strings.Contains(body, `aria-current="page">Gửi bị từ chối`) {
		t.Errorf("the tab is not marked current")
	}

	for _, who := range []string{"chuyenvien", "lanhdao"} {
		c := e.login(who)
		if got := tabOf(c); got != "" {
			t.Errorf("%s has the tab (%s)", who, got)
		}
		c.get("/")
		if p := c.post("/documents/old/refusals-seen", nil); p.Status != http.StatusForbidden {
			t.Errorf("%s marks a refusal seen: %d", who, p.Status)
		}
	}

	clerk.get("/?task=refused")
	if p := clerk.post("/documents/old/refusals-seen", nil); p.Status != http.StatusSeeOther || p.Location != "/?task=refused" {
		t.Fatalf("mark seen: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if p := clerk.post("/documents/old/refusals-seen", nil); p.Status == http.StatusSeeOther {
		t.Errorf("marked seen twice: %d", p.Status)
	}
	if got := tabOf(clerk); got != "2" {
		t.Errorf("after marking one seen the tab counts %q, want 2", got)
	}
	if body := clerk.get("/?task=refused").Body; strings.Contains(body, "Quyết định old") {
		t.Errorf("a refusal dealt with is still listed")
	}
	evs, _ := e.repo.Events(ctx, "old")
	if last := evs[len(evs)-1]; last.Kind != workflow.EventRefusalsSeen || last.Actor != e.users["vanthu"].ID {
		t.Errorf("the mark is not audited: %+v", last)
	}
	if h := clerk.get("/documents/old").Body; !strings.Contains(h, "Đánh dấu đã xử lý việc gửi liên thông bị từ chối") {
		t.Errorf("the document's history does not say it was dealt with")
	}
	// Refused again (another agency, later): back in the list, with that refusal only.
	refuse("old", "UBND phường Cái Khế", "02", "Thiếu phụ lục")
	body = clerk.get("/?task=refused").Body
	if !strings.Contains(body, "UBND phường Cái Khế") || strings.Contains(body, "Sai thể thức văn bản") {
		t.Errorf("refused again: the list shows the old refusal, or not the new one")
	}
	if got := tabOf(clerk); got != fmt.Sprint(3) {
		t.Errorf("refused again: the tab counts %q, want 3", got)
	}

	// Refused once more after the clerk looked: her mark (naming the
	// newest refusal she was shown) marks nothing and shows the new one.
	m := throughRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the mark's form does not name the refusal shown:\n%s", body)
	}
	refuse("old", "UBND phường Cái Khế", "02", "Thiếu chữ ký số của cơ quan")
	p = clerk.post("/documents/old/refusals-seen", url.Values{"through": {m[1]}})
	if p.Status != http.StatusSeeOther || p.Location != "/?task=refused&again=old" {
		t.Fatalf("a stale mark: %d %s", p.Status, p.Location)
	}
	body = clerk.get(p.Location).Body
	if !strings.Contains(body, "Thiếu chữ ký số của cơ quan") || !strings.Contains(body, "vừa bị từ chối thêm lần nữa") {
		t.Errorf("after a stale mark the new refusal or the notice is not shown")
	}
	m = throughRe.FindStringSubmatch(body)
	if p := clerk.post("/documents/old/refusals-seen", url.Values{"through": {m[1]}}); p.Status != http.StatusSeeOther || p.Location != "/?task=refused" {
		t.Fatalf("mark after looking again: %d %s", p.Status, p.Location)
	}
	if body := clerk.get("/?task=refused").Body; strings.Contains(body, "Quyết định old") {
		t.Errorf("marked after looking again, still listed")
	}
}

// throughRe finds the first row's mark form's refusal (the old document's
// is the first: it was refused last).
var throughRe = regexp.MustCompile(`(?s)action="/documents/old/refusals-seen">.*?name="through" value="(\d+)"`)
