package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// seedOutgoingRegister numbers 1..n in the outgoing register of 2026:
// a voided line (its reason in the notes) at each number of voided, an
// issued document dated in November at every other.
func seedOutgoingRegister(t *testing.T, e *testEnv, n int, voided ...int) {
	t.Helper()
	seedRegister(t, e.repo, e.users["lanhdao"].ID, n, voided...)
}

// seedRegister is seedOutgoingRegister on repo, signed by signer.
func seedRegister(t *testing.T, repo interface {
	Atomic(context.Context, func(context.Context, workflow.Tx) error) error
}, signer string, n int, voided ...int) {
	t.Helper()
	err := repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
		for range n {
			num, err := tx.NextNumber(ctx, workflow.RegisterOutgoing, 2026)
			if err != nil {
				return err
			}
			at := time.Date(2026, 11, 1, 8, 0, 0, 0, workflow.Vietnam).Add(time.Duration(num) * time.Hour)
			notation := fmt.Sprintf("%02d/QĐ-UBND", num)
			d := &workflow.Document{ID: fmt.Sprintf("doc-%03d", num), Direction: workflow.Outgoing, Type: "QĐ",
				Subject: fmt.Sprintf("Quyết định dòng %d", num), Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
				State: workflow.Issued, Version: 1, CreatedAt: at, UpdatedAt: at, SignerID: signer}
			if !slices.Contains(voided, num) {
				d.Register, d.Year, d.Number, d.Notation, d.IssuedAt = workflow.RegisterOutgoing, 2026, num, notation, &at
			}
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
			if !slices.Contains(voided, num) {
				continue
			}
			r := &workflow.Reservation{ID: fmt.Sprintf("r%d", num), Register: workflow.RegisterOutgoing, Year: 2026, Number: num,
				Notation: notation, DocumentID: d.ID, State: workflow.NumberReserved, CreatedAt: at}
			if err := tx.CreateReservation(ctx, r); err != nil {
				return err
			}
			if err := tx.VoidReservation(ctx, r.ID, fmt.Sprintf("ký số thất bại lần %d", num), at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var (
	registerNotation = regexp.MustCompile(`<tr(?: class="(number-\w+)?[^"]*")? id="so-\d+"><td(?: class="doc-number")?>(\d+/QĐ-UBND)</td>`)
	registerNext     = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

// registerPageLines are the notations of a register page's lines, a
// voided one marked "(voided)".
func registerPageLines(body string) []string {
	var out []string
	for _, m := range registerNotation.FindAllStringSubmatch(body, -1) {
		if m[1] == "number-voided" {
			m[2] += " (voided)"
		}
		out = append(out, m[2])
	}
	return out
}

// TestRegisterPaged: a register year is shown a page of numbers at a
// time; walked by its "Trang sau" links, the pages list every line once,
// in number order, voided numbers as lines of their own where they fall
// (on a page's first and last line too), as the whole year's CSV does; a
// month is paged the same way; the pages keep the register's access
// rules.
func TestRegisterPaged(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{RegisterPage: 3})
	seedOutgoingRegister(t, e, 8, 3, 7)
	clerk := e.login("vanthu")
	var want []string
	for n := 1; n <= 8; n++ {
		l := fmt.Sprintf("%02d/QĐ-UBND", n)
		if n == 3 || n == 7 {
			l += " (voided)"
		}
		want = append(want, l)
	}
	for _, base := range []string{"/registers/outgoing/2026", "/registers/outgoing/2026?month=11"} {
		t.Run(base, func(t *testing.T) {
			var got []string
			var pages int
			for path := base; path != ""; pages++ {
				p := clerk.get(path)
				if p.Status != http.StatusOK {
					t.Fatalf("%s: %d", path, p.Status)
				}
				lines := registerPageLines(p.Body)
				if len(lines) > 3 || (len(lines) == 0) {
					t.Errorf("%s: %d lines %q", path, len(lines), lines)
				}
				if !strings.Contains(p.Body, fmt.Sprintf("<span>Trang %d/3</span>", pages+1)) {
					t.Errorf("%s: not said to be page %d of 3", path, pages+1)
				}
				got = append(got, lines...)
				path = ""
				if m := registerNext.FindStringSubmatch(p.Body); m != nil {
					path = html.UnescapeString(m[1])
				}
			}
			if pages != 3 || !slices.Equal(got, want) {
				t.Errorf("%d pages, lines %q, want 3 pages, %q", pages, got, want)
			}
		})
	}
	csv := clerk.get("/registers/outgoing/2026/csv")
	var inCSV []string
	for _, l := range strings.Split(csv.Body, "\n")[1:] {
		if f := strings.SplitN(l, ",", 2); len(f) == 2 {
			inCSV = append(inCSV, f[0])
		}
	}
	if len(inCSV) != 8 || !strings.Contains(csv.Body, "ký số thất bại lần 7") {
		t.Errorf("the year's CSV: %q", inCSV)
	}
	for _, q := range []string{"", "?month=11"} {
		j := clerk.get("/registers/outgoing/2026/json" + q)
		var doc struct {
			Register string `json:"register"`
			Year     int    `json:"year"`
			Items    []struct {
				Notation, Status, Notes string
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(j.Body), &doc); err != nil || j.Status != http.StatusOK || doc.Register != "outgoing" || doc.Year != 2026 {
			t.Fatalf("JSON%s: %d %v\n%s", q, j.Status, err, j.Body)
		}
		var lines []string
		for _, it := range doc.Items {
			if it.Status == "voided" {
				it.Notation += " (voided)"
			}
			lines = append(lines, it.Notation)
		}
		if !slices.Equal(lines, want) || !strings.Contains(j.Header.Get("Content-Disposition"), ".json") {
			t.Errorf("JSON%s: %q, want %q", q, lines, want)
		}
	}
	p := clerk.get("/registers/outgoing/2026?page=3")
	if !strings.Contains(p.Body, "ký số thất bại lần 7") || !strings.Contains(p.Body, `href="/registers/outgoing/2026/csv"`) || !strings.Contains(p.Body, `href="/registers/outgoing/2026/json"`) ||
		!strings.Contains(p.Body, `href="/registers/outgoing/2026"`) || registerNext.MatchString(p.Body) {
		t.Errorf("last page: no reason of the voided line, no CSV of the year, no first page or a next one\n%s", p.Body)
	}
	if p := clerk.get("/registers/outgoing/2026?month=11&page=2"); !strings.Contains(p.Body, `href="/registers/outgoing/2026/csv"`) {
		t.Errorf("a month's page has no link to the year's CSV")
	}
	if p := clerk.get("/registers/outgoing/2026?page=9"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Trang 9 không có dòng nào") {
		t.Errorf("page past the end: %d", p.Status)
	}
	for _, bad := range []string{"0", "-1", "hai", "99999999999"} {
		if p := clerk.get("/registers/outgoing/2026?page=" + bad); p.Status != http.StatusBadRequest {
			t.Errorf("page=%s: %d", bad, p.Status)
		}
	}
	for _, x := range []struct {
		user, path string
		want       int
	}{
		{"chuyenvien", "/registers/outgoing/2026?page=2", http.StatusForbidden},
		{"chuyenvien", "/registers/outgoing/2026/json", http.StatusForbidden},
		{"lanhdao", "/registers/confidential/2026/json", http.StatusForbidden},
		{"luutru", "/registers/outgoing/2026/json?month=11", http.StatusOK},
		{"lanhdao", "/registers/outgoing/2026?page=2", http.StatusOK},
		{"lanhdao", "/registers/confidential/2026?page=2", http.StatusForbidden},
		{"luutru", "/registers/outgoing/2026?month=11&page=2", http.StatusOK},
	} {
		if p := e.login(x.user).get(x.path); p.Status != x.want {
			t.Errorf("%s %s: %d, want %d", x.user, x.path, p.Status, x.want)
		}
	}
}

// TestRegisterPagedSQLite: the pages of a register year read from the
// embedded database (its RegisterEntriesAfter, the register's counter
// and reservations): 250 numbers at the default 100 a page, voided
// numbers on both sides of a page's edge, every line once and in order.
func TestRegisterPagedSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, workflow.Vietnam)
	db.Now = func() time.Time { return now }
	as := &auth.Service{Repo: db, Cost: 4, Now: func() time.Time { return now }}
	var ids []string
	for _, r := range []workflow.Role{workflow.RoleClerk, workflow.RoleOfficer} {
		u, err := as.CreateUser(ctx, nil, auth.NewUser{Username: string(r), Password: testPassword, FullName: "Người " + string(r), Roles: []workflow.Role{r}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	voided := []int{100, 101, 250}
	seedRegister(t, db, ids[1], 250, voided...)
	docs := &workflow.Service{Repo: db, Blobs: workflowtest.TempBlobs(t), Now: func() time.Time { return now }}
	ui, err := New(Config{Docs: docs, Accounts: as, Directory: db, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, srv: srv}
	c := e.login("clerk")
	var got []string
	pages := 0
	for path := "/registers/outgoing/2026"; path != ""; pages++ {
		p := c.get(path)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.Status)
		}
		got = append(got, registerPageLines(p.Body)...)
		path = ""
		if m := registerNext.FindStringSubmatch(p.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	var want []string
	for n := 1; n <= 250; n++ {
		l := fmt.Sprintf("%02d/QĐ-UBND", n)
		if slices.Contains(voided, n) {
			l += " (voided)"
		}
		want = append(want, l)
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("%d pages, %d lines, want 3 pages of %d lines in order; first differences: %q", pages, len(got), len(want), firstDiff(got, want))
	}
}

// firstDiff is where two lists first part, a few lines of each.
func firstDiff(a, b []string) [2][]string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return [2][]string{a[i:min(i+3, len(a))], b[i:min(i+3, len(b))]}
}

// TestRegisterFindNumber: a clerk finds a number in a register year —
// typed as 5, 05, 05/QĐ-UBND or "số 5" — on the page that has it, its
// line marked and scrolled to; a number the register has not reached is
// said to be missing; a search naming no number is named beside its
// input with what was typed. The page offered no way but walking the
// pages (the lists search subjects only).
func TestRegisterFindNumber(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{RegisterPage: 3})
	seedOutgoingRegister(t, e, 8, 7)
	clerk := e.login("vanthu")
	if p := clerk.get("/registers/outgoing/2026"); !strings.Contains(p.Body, `id="register-find"`) {
		t.Fatalf("no search by number on the register page:\n%s", p.Body)
	}
	for _, tc := range []struct {
		q    string
		to   string
		line string
	}{
		{"5", "/registers/outgoing/2026?page=2&tim=5#so-5", "05/QĐ-UBND"},
		{" 05/QĐ-UBND ", "/registers/outgoing/2026?page=2&tim=5#so-5", "05/QĐ-UBND"},
		{"số 7", "/registers/outgoing/2026?page=3&tim=7#so-7", "07/QĐ-UBND"},
		{"1", "/registers/outgoing/2026?page=1&tim=1#so-1", "01/QĐ-UBND"},
		{"12", "/registers/outgoing/2026?page=4&tim=12#so-12", ""},
	} {
		p := clerk.get("/registers/outgoing/2026?month=11&so=" + url.QueryEscape(tc.q))
		if p.Status != http.StatusSeeOther || p.Location != tc.to {
			t.Errorf("so=%q: %d → %q, want %q", tc.q, p.Status, p.Location, tc.to)
			continue
		}
		p = clerk.get(strings.Split(tc.to, "#")[0])
		n := strings.TrimPrefix(tc.to[strings.Index(tc.to, "#"):], "#so-")
		marked := regexp.MustCompile(`<tr class="[^"]*\bsought\b[^"]*" id="so-` + n + `"><td class="doc-number">([^<]*)<`).FindStringSubmatch(p.Body)
		switch {
		case tc.line == "" && (marked != nil || !strings.Contains(p.Body, "Sổ năm 2026 chưa có số "+n+".")):
			t.Errorf("so=%q: a number not reached is not said to be missing:\n%s", tc.q, p.Body)
		case tc.line != "" && (marked == nil || marked[1] != tc.line || !strings.Contains(p.Body, "Số "+n+": dòng được tô đậm")):
			t.Errorf("so=%q: line %s not marked:\n%s", tc.q, tc.line, p.Body)
		}
	}
	for _, q := range []string{"", "QĐ-UBND", "0", "-3"} {
		p := clerk.get("/registers/outgoing/2026?so=" + url.QueryEscape(q))
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="so-error">Nhập số cần tìm`) ||
			!strings.Contains(p.Body, `value="`+html.EscapeString(q)+`"`) || !strings.Contains(p.Body, `aria-invalid="true"`) {
			t.Errorf("so=%q: %d, no message beside the input with what was typed", q, p.Status)
		}
	}
}
