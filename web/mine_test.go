package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestMineSignedThisWeek: Văn bản tôi đã ký lists to the official the
// documents she signed this week (the environment's clock, Monday to
// Sunday in Vietnam) whatever their state since — issued, with its number
// — and not what she only approved, signed last week, or another official
// signed; another range shows last week's; the view stays in the pager's
// links; Văn bản tôi đã phát hành lists the clerk's issued ones; the
// inbox links each to whom it is for.
func TestMineSignedThisWeek(t *testing.T) {
	e := newTestEnv(t) // Wednesday 25/11/2026, 09:00 in Vietnam
	wednesday := e.now
	ctx := context.Background()
	apply := func(user, id string, a workflow.Action, at time.Time) {
		t.Helper()
		e.now = at
		if _, err := e.docs.Apply(ctx, e.users[user], id, a, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s by %s: %v", a, user, err)
		}
	}
	lastWeek := e.toSign(t, "Quyết định ký tuần trước", "lanhdao", workflow.Submit, workflow.Approve)
	apply("lanhdao", lastWeek, workflow.Sign, wednesday.AddDate(0, 0, -7))
	issued := e.toSign(t, "Quyết định đã phát hành", "lanhdao", workflow.Submit, workflow.Approve)
	apply("lanhdao", issued, workflow.Sign, wednesday.AddDate(0, 0, -2).Add(-8*time.Hour)) // Monday 01:00
	apply("vanthu", issued, workflow.Issue, wednesday.AddDate(0, 0, -1))
	signed := e.toSign(t, "Quyết định ký hôm nay", "lanhdao", workflow.Submit, workflow.Approve)
	apply("lanhdao", signed, workflow.Sign, wednesday)
	e.toSign(t, "Quyết định chỉ mới duyệt", "lanhdao", workflow.Submit, workflow.Approve)
	other := e.toSign(t, "Quyết định của phó chủ tịch", "lanhdao2", workflow.Submit, workflow.Approve)
	apply("lanhdao2", other, workflow.Sign, wednesday)
	e.now = wednesday

	officer := e.login("lanhdao")
	p := officer.get("/outgoing?mine=signed")
	for _, want := range []string{"Văn bản tôi đã ký", "Quyết định ký hôm nay", "Quyết định đã phát hành", "1/QĐ-UBND", "Đã phát hành",
		`value="23/11/2026"`, `value="29/11/2026"`, `<input type="hidden" name="mine" value="signed">`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("this week's signed: no %q", want)
		}
	}
	for _, not := range []string{"Quyết định ký tuần trước", "Quyết định chỉ mới duyệt", "Quyết định của phó chủ tịch"} {
		if strings.Contains(p.Body, not) {
			t.Errorf("this week's signed lists %q", not)
		}
	}
	p = officer.get("/outgoing?mine=signed&from=16/11/2026&to=22/11/2026")
	if !strings.Contains(p.Body, "Quyết định ký tuần trước") || strings.Contains(p.Body, "Quyết định ký hôm nay") {
		t.Errorf("last week's signed: %s", p.Body)
	}
	clerk := e.login("vanthu")
	p = clerk.get("/outgoing?mine=issued")
	if !strings.Contains(p.Body, "Văn bản tôi đã phát hành") || !strings.Contains(p.Body, "Quyết định đã phát hành") || strings.Contains(p.Body, "Quyết định ký hôm nay") {
		t.Errorf("this week's issued: %s", p.Body)
	}
	for _, tc := range []struct{ user, want, not string }{
		{"lanhdao", `href="/outgoing?mine=signed"`, `href="/outgoing?mine=issued"`},
		{"vanthu", `href="/outgoing?mine=issued"`, `href="/outgoing?mine=signed"`},
		{"chuyenvien", "", `?mine=`},
	} {
		c := e.login(tc.user)
		for _, path := range []string{"/", "/outgoing"} {
			body := c.get(path).Body
			if (tc.want != "" && !strings.Contains(body, tc.want)) || strings.Contains(body, tc.not) {
				t.Errorf("%s's %s: want a link %q and none %q", tc.user, path, tc.want, tc.not)
			}
		}
	}
	if p := officer.get("/outgoing?mine=approved"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, badMineFilter) {
		t.Errorf("mine=approved: %d", p.Status)
	}
}

// TestMineWeekFromClock: the default period is the clock's week in
// Vietnam — Sunday 23:30 is still that week, Monday 00:30 the next —
// and a view of more than a page keeps its view and period in the
// pager's link.
func TestMineWeekFromClock(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct {
		now      time.Time
		from, to string
	}{
		{time.Date(2026, 11, 29, 16, 30, 0, 0, time.UTC), "23/11/2026", "29/11/2026"}, // Sunday 23:30 in Vietnam
		{time.Date(2026, 11, 29, 17, 30, 0, 0, time.UTC), "30/11/2026", "06/12/2026"}, // Monday 00:30 in Vietnam
		{time.Date(2027, 1, 1, 8, 0, 0, 0, workflow.Vietnam), "28/12/2026", "03/01/2027"},
	} {
		e.now = tc.now
		p := e.login("lanhdao").get("/outgoing?mine=signed")
		if !strings.Contains(p.Body, `value="`+tc.from+`"`) || !strings.Contains(p.Body, `value="`+tc.to+`"`) {
			t.Errorf("at %s: the period is not %s–%s", tc.now, tc.from, tc.to)
		}
	}
	e.now = time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	for _, id := range e.approvedBatch(t, listPageSize+2) {
		if _, err := e.docs.Apply(context.Background(), e.users["lanhdao"], id, workflow.Sign, workflow.ActionInput{}); err != nil {
			t.Fatal(err)
		}
	}
	officer := e.login("lanhdao")
	p := officer.get("/outgoing?mine=signed")
	m := regexp.MustCompile(`href="(/outgoing\?[^"]+)">Trang sau`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no next page: %s", p.Body)
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	for _, want := range []string{"mine=signed", "from=23%2F11%2F2026", "to=29%2F11%2F2026"} {
		if !strings.Contains(next, want) {
			t.Errorf("next page link %s: no %s", next, want)
		}
	}
	p2 := officer.get(next)
	if n := strings.Count(p2.Body, ">Quyết định số "); n != 2 || !strings.Contains(p2.Body, "Văn bản tôi đã ký") {
		t.Errorf("second page: %d signed, want 2", n)
	}
	if !strings.Contains(p.Body, fmt.Sprintf("Hiển thị 1–%d trong %d văn bản", listPageSize, listPageSize+2)) {
		t.Errorf("first page's span")
	}
}

// TestMineActTimes: Văn bản tôi đã ký shows, in a column Ký lúc, when
// the official signed each document (Vietnam time, the environment's
// clock) — not when the clerk issued it; for one returned and signed
// again, the new signature —; Văn bản tôi đã phát hành shows when the
// clerk issued each, under Phát hành lúc; the whole list keeps Ngày.
func TestMineActTimes(t *testing.T) {
	e := newTestEnv(t) // Wednesday 25/11/2026, 09:00 in Vietnam
	wednesday := e.now
	ctx := context.Background()
	apply := func(user, id string, a workflow.Action, at time.Time) {
		t.Helper()
		e.now = at
		if _, err := e.docs.Apply(ctx, e.users[user], id, a, workflow.ActionInput{Comment: "Sai thể thức"}); err != nil {
			t.Fatalf("%s by %s: %v", a, user, err)
		}
	}
	tuesday := wednesday.AddDate(0, 0, -1)
	issued := e.toSign(t, "Quyết định đã phát hành", "lanhdao", workflow.Submit, workflow.Approve)
	apply("lanhdao", issued, workflow.Sign, tuesday.Add(5*time.Hour+5*time.Minute)) // 14:05
	apply("vanthu", issued, workflow.Issue, wednesday.Add(-30*time.Minute))         // 08:30
	again := e.toSign(t, "Quyết định ký lại", "lanhdao", workflow.Submit, workflow.Approve)
	apply("lanhdao", again, workflow.Sign, tuesday.Add(-time.Hour)) // Tuesday 08:00
	apply("vanthu", again, workflow.Return, tuesday.Add(time.Hour))
	apply("chuyenvien", again, workflow.Submit, tuesday.Add(2*time.Hour))
	apply("lanhdao", again, workflow.Approve, tuesday.Add(2*time.Hour))
	apply("lanhdao", again, workflow.Sign, tuesday.Add(7*time.Hour+20*time.Minute)) // 16:20
	e.now = wednesday

	for _, tc := range []struct {
		user, path string
		want, not  []string
	}{
		{"lanhdao", "/outgoing?mine=signed",
			[]string{`<th scope="col">Ký lúc</th>`, `<td data-label="Ký lúc">14:05 24/11/2026</td>`, `<td data-label="Ký lúc">16:20 24/11/2026</td>`},
			[]string{"08:30 25/11/2026", "08:00 24/11/2026", `data-label="Ngày"`}},
		{"vanthu", "/outgoing?mine=issued",
			[]string{`<th scope="col">Phát hành lúc</th>`, `<td data-label="Phát hành lúc">08:30 25/11/2026</td>`},
			[]string{"14:05 24/11/2026", `data-label="Ngày"`}},
		{"vanthu", "/outgoing",
			[]string{`<th scope="col">Ngày</th>`, `<td data-label="Ngày">25/11/2026</td>`},
			[]string{"Ký lúc", "Phát hành lúc"}},
	} {
		body := e.login(tc.user).get(tc.path).Body
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %q", tc.path, want)
			}
		}
		for _, not := range tc.not {
			if strings.Contains(body, not) {
				t.Errorf("%s: %q", tc.path, not)
			}
		}
	}
}

// TestMineActOrder: Văn bản tôi đã ký lists the documents newest first by
// when the official signed them, not by when they were drafted — the one
// returned and signed again once, at its new signature —; Văn bản tôi đã
// phát hành by when the clerk issued them (the environment's clock).
func TestMineActOrder(t *testing.T) {
	e := newTestEnv(t) // Wednesday 25/11/2026, 09:00 in Vietnam
	wednesday := e.now
	monday := wednesday.AddDate(0, 0, -2)
	ctx := context.Background()
	apply := func(user, id string, a workflow.Action, at time.Time) {
		t.Helper()
		e.now = at
		if _, err := e.docs.Apply(ctx, e.users[user], id, a, workflow.ActionInput{Comment: "Sai thể thức"}); err != nil {
			t.Fatalf("%s by %s: %v", a, user, err)
		}
	}
	ids := map[string]string{}
	for i, subject := range []string{"Quyết định A", "Quyết định B", "Quyết định C"} { // drafted A, B, C on Monday
		e.now = monday.Add(time.Duration(i) * time.Hour)
		ids[subject] = e.toSign(t, subject, "lanhdao", workflow.Submit, workflow.Approve)
	}
	apply("lanhdao", ids["Quyết định C"], workflow.Sign, monday.Add(5*time.Hour))
	apply("lanhdao", ids["Quyết định A"], workflow.Sign, monday.Add(24*time.Hour))
	apply("vanthu", ids["Quyết định A"], workflow.Return, monday.Add(25*time.Hour))
	apply("chuyenvien", ids["Quyết định A"], workflow.Submit, monday.Add(26*time.Hour))
	apply("lanhdao", ids["Quyết định A"], workflow.Approve, monday.Add(26*time.Hour))
	apply("lanhdao", ids["Quyết định B"], workflow.Sign, monday.Add(30*time.Hour))
	apply("lanhdao", ids["Quyết định A"], workflow.Sign, wednesday.Add(-time.Hour))
	apply("vanthu", ids["Quyết định C"], workflow.Issue, wednesday.Add(-50*time.Minute))
	apply("vanthu", ids["Quyết định B"], workflow.Issue, wednesday.Add(-40*time.Minute))
	e.now = wednesday

	for _, tc := range []struct {
		user, path string
		want       []string
	}{
		{"lanhdao", "/outgoing?mine=signed", []string{"Quyết định A", "Quyết định B", "Quyết định C"}},
		{"vanthu", "/outgoing?mine=issued", []string{"Quyết định B", "Quyết định C"}},
		{"vanthu", "/outgoing", []string{"Quyết định C", "Quyết định B", "Quyết định A"}},
	} {
		body := e.login(tc.user).get(tc.path).Body
		at := -1
		for _, s := range tc.want {
			i := strings.Index(body, ">"+s+"<")
			if i < at || strings.Count(body, ">"+s+"<") != 1 {
				t.Errorf("%s: %q not once after the one before (at %d, before it %d)", tc.path, s, i, at)
			}
			at = i
		}
	}
}
