package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

// watchExchange is an exchange whose connected agencies are orgs (the
// page's filter); the deliveries themselves are the repository's.
type watchExchange struct {
	deliveriesOnly
	orgs []workflow.Org
}

func (x watchExchange) Recipients(context.Context, *workflow.User) ([]workflow.Org, error) {
	return x.orgs, nil
}

// watchWorld is the clerk's sent documents and their deliveries, one per
// watch, plus a delivered one that needs nothing and a status message.
func watchWorld(t *testing.T, e *testEnv) *UI {
	t.Helper()
	ui := e.remount(t, Config{Exchange: watchExchange{orgs: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"},
		{OrgID: "000.00.32.H13", Name: "UBND phường An Thới"}}}})
	at := e.now
	for _, d := range []struct {
		id   string
		conf workflow.Confidentiality
	}{{"pub1", workflow.Public}, {"pub2", workflow.Public}, {"sec1", workflow.Confidential}} {
		doc := &workflow.Document{ID: d.id, Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định " + d.id, Notation: "1/QĐ-" + d.id,
			Urgency: workflow.UrgencyNormal, Confidentiality: d.conf, State: workflow.Sent, Version: 6,
			Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
		if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, doc) }); err != nil {
			t.Fatal(err)
		}
	}
	dl := func(id, doc, org string, state workflow.DeliveryState, lastErr, status string, m int) workflow.Delivery {
		return workflow.Delivery{ID: id, DocumentID: doc, Kind: workflow.DeliverDocument, OrgID: org, OrgName: "Phường " + org,
			State: state, Attempts: 3, LastError: lastErr, LastStatus: status, NextAttempt: at.Add(5 * time.Minute),
			CreatedAt: at.Add(time.Duration(m)*time.Minute - time.Hour), UpdatedAt: at.Add(time.Duration(m) * time.Minute)}
	}
	e.repo.Deliveries = append(e.repo.Deliveries,
		dl("dlwait", "pub1", "000.00.31.H13", workflow.DeliveryPending, "", "", -5),
		dl("dlretry", "pub1", "000.00.32.H13", workflow.DeliveryPending, "dial tcp 10.0.0.9:8443: connect: connection refused", "", -4),
		dl("dlfail", "pub2", "000.00.31.H13", workflow.DeliveryFailed, "peer answered 403: unknown sender", "", -3),
		dl("dlrefused", "pub2", "000.00.32.H13", workflow.DeliveryDelivered, "", "02", -2),
		dl("dlsecret", "sec1", "000.00.31.H13", workflow.DeliveryDelivered, "", "02", -1),
		dl("dlok", "pub1", "000.00.31.H13", workflow.DeliveryDelivered, "", "03", 0),
		workflow.Delivery{ID: "dlstatus", DocumentID: "pub1", Kind: workflow.DeliverStatus, OrgID: "000.00.31.H13", State: workflow.DeliveryFailed, UpdatedAt: at})
	e.repo.Statuses = append(e.repo.Statuses,
		workflow.ReceivedStatus{DocumentID: "pub2", OrgID: "000.00.32.H13", Code: "02", Description: "Gửi nhầm nơi nhận", At: at.Add(-2 * time.Minute)},
		workflow.ReceivedStatus{DocumentID: "sec1", OrgID: "000.00.31.H13", Code: "02", Description: "Lý do nêu nội dung mật", At: at.Add(-time.Minute)})
	return ui
}

var watchRow = regexp.MustCompile(`(?s)<tr data-state="(\w+)">.*?</tr>`)

// watchRows returns the page's rows by watch, in order.
func watchRows(body string) (watches []string, rows []string) {
	for _, m := range watchRow.FindAllStringSubmatch(body, -1) {
		watches, rows = append(watches, m[1]), append(rows, m[0])
	}
	return watches, rows
}

// TestSentWatchRows: the clerk's Theo dõi gửi liên thông lists what she
// sent that needs attention — waiting, retried (tries, the Vietnamese
// cause, the next try), failed for good (with Gửi lại), refused (the
// recipient's reason; a classified document's not shown) — newest first,
// each linking to its document; neither a delivery that went
// through nor a status message; filtered by state and by agency; a
// handler has no such page, and its link is in the clerk's navigation.
func TestSentWatchRows(t *testing.T) {
	e := newTestEnv(t)
	watchWorld(t, e)
	clerk := e.login("vanthu")
	p := clerk.get("/deliveries")
	if p.Status != http.StatusOK {
		t.Fatalf("%d:\n%s", p.Status, p.Body)
	}
	ws, rows := watchRows(p.Body)
	if got := strings.Join(ws, " "); got != "refused refused failed retrying waiting" {
		t.Fatalf("rows %q, want the refused (secret, then public), failed, retrying, waiting", got)
	}
	for i, want := range [][]string{
		{`href="/documents/sec1"`, "Bị từ chối tiếp nhận", "văn bản mật"},
		{`href="/documents/pub2"`, "Lý do: Gửi nhầm nơi nhận"},
		{`href="/documents/pub2"`, "Gửi thất bại", "từ chối gói tin (mã HTTP 403)", `action="/documents/pub2/deliveries/dlfail/resend"`},
		{`href="/documents/pub1"`, "Đang thử lại", "không nhận kết nối", "Đã thử 3 lần", "tự động thử lại lúc"},
		{`href="/documents/pub1"`, "Chờ cơ quan nhận xác nhận"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[i], w) {
				t.Errorf("row %d (%s) lacks %q:\n%s", i, ws[i], w, rows[i])
			}
		}
	}
	if strings.Contains(p.Body, "Lý do nêu nội dung mật") || strings.Count(p.Body, "/resend") != 1 {
		t.Errorf("the secret document's reason is shown, or Gửi lại is offered on a row not failed")
	}
	if !strings.Contains(p.Body, `<a href="/deliveries" aria-current="page">Theo dõi gửi liên thông</a>`) {
		t.Errorf("the clerk's navigation has no link to the page")
	}
	for q, want := range map[string]string{
		"?state=failed":                    "failed",
		"?state=retrying":                  "retrying",
		"?org=000.00.32.H13":               "refused retrying",
		"?state=refused&org=000.00.31.H13": "refused",
		"?state=waiting&org=000.00.32.H13": "",
	} {
		ws, _ := watchRows(clerk.get("/deliveries" + q).Body)
		if got := strings.Join(ws, " "); got != want {
			t.Errorf("%s: rows %q, want %q", q, got, want)
		}
	}
	if p := e.login("chuyenvien").get("/deliveries"); p.Status != http.StatusForbidden {
		t.Errorf("a handler's /deliveries: %d, want 403", p.Status)
	}
	if p := e.login("quantri").get("/deliveries"); p.Status != http.StatusOK || strings.Contains(p.Body, "/resend") {
		t.Errorf("the admin's page: %d, or with Gửi lại (a clerk's action)", p.Status)
	}
}

// TestSentWatchPages: the list pages by keyset, newest first by creation,
// without losing or repeating a row — one retried between two pages
// keeps its place — its cursor the lists' (workflow.ListCursor).
func TestSentWatchPages(t *testing.T) {
	e := newTestEnv(t)
	watchWorld(t, e).watchPage = 2
	clerk := e.login("vanthu")
	var all []string
	next, pages := "/deliveries", 0
	for ; next != "" && pages < 5; pages++ {
		p := clerk.get(next)
		_, rows := watchRows(p.Body)
		for _, r := range rows {
			all = append(all, regexp.MustCompile(`href="/documents/(\w+)"`).FindStringSubmatch(r)[1])
		}
		m := regexp.MustCompile(`<a href="([^"]+)">Trang sau`).FindStringSubmatch(p.Body)
		next = ""
		if m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			if c, bare, err := workflow.ParseListCursor(u.Query().Get("cursor")); err != nil || bare || c.Order != workflow.OrderCreated {
				t.Errorf("the next page's cursor %q is not a ListCursor of the creation order: %v", u.Query().Get("cursor"), err)
			}
		}
		if pages == 0 { // the retried delivery (on the second page) tried again meanwhile
			for i := range e.repo.Deliveries {
				if d := &e.repo.Deliveries[i]; d.ID == "dlretry" {
					d.Attempts, d.UpdatedAt = 4, e.now.Add(time.Minute)
				}
			}
		}
	}
	if got := strings.Join(all, " "); got != "sec1 pub2 pub2 pub1 pub1" || pages != 3 {
		t.Errorf("%d pages read %q, want 3 of 2 rows at most", pages, got)
	}
}

// TestResendFailedDelivery: Gửi lại on a delivery failed for good makes
// it due again (pending, no error: the exchange sends it at once), with
// an audit event, and leads back to the page it was asked from; a second
// click (the page read before the first) changes nothing and says so;
// without the CSRF token it is refused; from the document's page it
// leads back there.
func TestResendFailedDelivery(t *testing.T) {
	e := newTestEnv(t)
	watchWorld(t, e)
	clerk := e.login("vanthu")
	p := clerk.get("/deliveries?state=failed")
	form := regexp.MustCompile(`name="seen" value="(\d+)"`).FindStringSubmatch(p.Body)
	if form == nil {
		t.Fatalf("no Gửi lại form:\n%s", p.Body)
	}
	vals := url.Values{"seen": {form[1]}, "from": {"list"}}
	bad := url.Values{"seen": {form[1]}, "from": {"list"}, "csrf_token": {"forged"}}
	if r := clerk.post("/documents/pub2/deliveries/dlfail/resend", bad); r.Status != http.StatusForbidden || failedState(e) != workflow.DeliveryFailed {
		t.Fatalf("without the token: %d, delivery %s", r.Status, failedState(e))
	}
	r := clerk.post("/documents/pub2/deliveries/dlfail/resend", vals)
	if r.Status != http.StatusSeeOther || r.Location != "/deliveries?ok=delivery_resent" || failedState(e) != workflow.DeliveryPending {
		t.Fatalf("resend: %d %s, delivery %s", r.Status, r.Location, failedState(e))
	}
	again := clerk.post("/documents/pub2/deliveries/dlfail/resend", vals)
	if again.Location != "/deliveries?ok=delivery_resent_already" {
		t.Errorf("second click: %d %s", again.Status, again.Location)
	}
	evs, _ := e.repo.Events(context.Background(), "pub2")
	n := 0
	for _, ev := range evs {
		if ev.Kind == workflow.EventDeliveryResent {
			n++
			if ev.Data["delivery"] != "dlfail" || ev.Comment != "peer answered 403: unknown sender" || ev.Actor != e.users["vanthu"].ID {
				t.Errorf("event %+v", ev)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d delivery_resent events, want 1", n)
	}
	if p := clerk.get("/deliveries?ok=delivery_resent"); !strings.Contains(p.Body, "Đã đặt gửi lại") {
		t.Errorf("no confirmation")
	}
	if r := clerk.post("/documents/pub1/deliveries/dlretry/resend", url.Values{"from": {"doc"}}); r.Location != "/documents/pub1?ok=delivery_resent_already#deliveries" {
		t.Errorf("a pending delivery from the document's page: %d %s", r.Status, r.Location)
	}
	if r := e.login("chuyenvien").post("/documents/pub2/deliveries/dlfail/resend", url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("a handler's resend: %d", r.Status)
	}
}

func failedState(e *testEnv) workflow.DeliveryState {
	for _, d := range e.repo.Deliveries {
		if d.ID == "dlfail" {
			return d.State
		}
	}
	return ""
}

// TestIncomingListSaysArrived: the incoming list's date column is the day
// each document arrived (Ngày đến: when it was received or entered), not
// "Ngày" showing the day it was registered for some rows.
func TestIncomingListSaysArrived(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	arrived := e.now
	id := e.newIncoming(clerk, "Về việc đến hôm trước", nil)
	e.now = e.now.Add(72 * time.Hour)
	if _, err := e.docs.Apply(context.Background(), e.users["vanthu"], id, workflow.Register, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	e.now = arrived.Add(time.Hour) // the clerk's session still open
	p := clerk.get("/incoming")
	if !strings.Contains(p.Body, `<th scope="col">Ngày đến</th>`) || !strings.Contains(p.Body, `<td data-label="Ngày đến">`+fmtDate(arrived)+`</td>`) {
		t.Errorf("the incoming list does not say Ngày đến %s:\n%s", fmtDate(arrived), p.Body)
	}
}

// TestDeliveriesSayWhenRead: a sent document's deliveries still waiting
// say when they were read and that the section reads itself again — it
// said "Tải lại trang để cập nhật" with a link looking like an action.
func TestDeliveriesSayWhenRead(t *testing.T) {
	e := newTestEnv(t)
	watchWorld(t, e)
	e.remount(t, Config{Exchange: deliveriesOnly{reps: []exchange.DeliveryReport{{Delivery: e.repo.Deliveries[0]}}}})
	p := e.login("vanthu").get("/documents/pub1")
	sec := deliveriesSection.FindString(p.Body)
	if !strings.Contains(sec, "Tình trạng trên đọc lúc "+fmtDateTime(e.now)) || strings.Contains(sec, "Tải lại trang") {
		t.Errorf("the section does not say when it was read:\n%s", sec)
	}
}

// TestDealtDelivery: a clerk's Đã xử lý on a delivery failed for good or
// refused (not on one waiting or retried, not for the admin, who may see
// the page) takes it off the page, with an audit event, and says so; a
// second click (the page read before the first) changes nothing and says
// so; without the CSRF token it is refused, and a handler may not.
func TestDealtDelivery(t *testing.T) {
	e := newTestEnv(t)
	watchWorld(t, e)
	clerk := e.login("vanthu")
	p := clerk.get("/deliveries")
	forms := regexp.MustCompile(`action="/documents/(\w+)/deliveries/(\w+)/dealt"`).FindAllStringSubmatch(p.Body, -1)
	var got []string
	for _, f := range forms {
		got = append(got, f[2])
	}
	if strings.Join(got, " ") != "dlsecret dlrefused dlfail" || !strings.Contains(p.Body, `aria-label="Đánh dấu đã xử lý lượt gửi đến Phường 000.00.32.H13"`) {
		t.Fatalf("Đã xử lý on %v, want the refused and the failed rows", got)
	}
	if a := e.login("quantri").get("/deliveries"); strings.Contains(a.Body, "/dealt") {
		t.Errorf("the admin is offered Đã xử lý (a clerk's action)")
	}
	seen := regexp.MustCompile(`(?s)/dlrefused/dealt".*?name="seen" value="(\d+)"`).FindStringSubmatch(p.Body)
	if seen == nil {
		t.Fatalf("no seen in the form:\n%s", p.Body)
	}
	vals := url.Values{"seen": {seen[1]}}
	if r := clerk.post("/documents/pub2/deliveries/dlrefused/dealt", url.Values{"seen": {seen[1]}, "csrf_token": {"forged"}}); r.Status != http.StatusForbidden {
		t.Fatalf("without the token: %d", r.Status)
	}
	if r := e.login("chuyenvien").post("/documents/pub2/deliveries/dlrefused/dealt", url.Values{"seen": {seen[1]}}); r.Status != http.StatusForbidden {
		t.Errorf("a handler's mark: %d", r.Status)
	}
	r := clerk.post("/documents/pub2/deliveries/dlrefused/dealt", vals)
	if r.Status != http.StatusSeeOther || r.Location != "/deliveries?ok=delivery_dealt" {
		t.Fatalf("mark: %d %s", r.Status, r.Location)
	}
	if again := clerk.post("/documents/pub2/deliveries/dlrefused/dealt", vals); again.Location != "/deliveries?ok=delivery_dealt_already" {
		t.Errorf("second click: %d %s", again.Status, again.Location)
	}
	p = clerk.get("/deliveries?ok=delivery_dealt")
	if ws, _ := watchRows(p.Body); strings.Join(ws, " ") != "refused failed retrying waiting" || !strings.Contains(p.Body, "Đã đánh dấu đã xử lý") {
		t.Errorf("after the mark: rows %v, or no confirmation", ws)
	}
	evs, _ := e.repo.Events(context.Background(), "pub2")
	n := 0
	for _, ev := range evs {
		if ev.Kind == workflow.EventDeliveryDealt {
			n++
			if ev.Data["delivery"] != "dlrefused" || ev.Data["watch"] != "refused" || ev.Actor != e.users["vanthu"].ID {
				t.Errorf("event %+v", ev)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d delivery_dealt events, want 1", n)
	}
	if h := clerk.get("/documents/pub2"); !strings.Contains(h.Body, "Đánh dấu đã xử lý lượt gửi liên thông đến Phường 000.00.32.H13 (bị từ chối tiếp nhận)") {
		t.Errorf("the document's history does not say it")
	}
}
