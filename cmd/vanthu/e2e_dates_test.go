package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// envDateZone tells a child test process that it runs in a zone (TZ).
const envDateZone = "VANTHU_TEST_DATE_ZONE"

// TestEndToEndDatesInAnyZone runs the server in child processes with the
// process time zone (and the PostgreSQL session's) far from Vietnam on
// both sides, and checks that calendar dates come back as the days sent:
// the document JSON, the register (JSON and CSV), the archived record's
// metadata.json and the archive search by date.
func TestEndToEndDatesInAnyZone(t *testing.T) {
	const name = "TestEndToEndDatesInAnyZone"
	if z := os.Getenv(envDateZone); z != "" {
		if time.Local.String() != z {
			t.Fatalf("TZ=%s but time.Local is %s", z, time.Local)
		}
		for _, backend := range gormdbtest.Backends {
			t.Run(backend, func(t *testing.T) {
				env := map[string]string{}
				if backend == gormdb.Postgres {
					dsn := gormdbtest.CreatePostgresDatabase(t)
					env["VANTHU_DATABASE_URL"] = dsn + map[bool]string{true: "&", false: "?"}[strings.Contains(dsn, "?")] + "timezone=" + z
				}
				testDates(t, startServer(t, env))
			})
		}
		return
	}
	for _, z := range []string{"America/Los_Angeles", "Pacific/Kiritimati"} {
		t.Run(z, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "TZ="+z, envDateZone+"="+z)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
				t.Fatalf("in TZ=%s: %v\n%s", z, err, out)
			}
		})
	}
}

func testDates(t *testing.T, s *server) {
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, r := range []string{"clerk", "handler"} {
		var u struct{ ID string }
		if code := admin.call("POST", "/api/v1/users", map[string]any{"username": r, "password": "password-" + r, "roles": []string{r}}, &u); code != 201 {
			t.Fatalf("create %s: %d", r, code)
		}
		ids[r] = u.ID
	}
	clerk, handler := s.login(t, "clerk", "password-clerk"), s.login(t, "handler", "password-handler")
	const original, due, due2 = "2026-11-20", "2026-12-31", "2027-01-01"
	doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Ngày tháng", "urgency": "normal",
		"confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "125/UBND-VP", "original_date": original, "due_date": due}, testpdf.Make(1, "dates"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	check := func(where string, got map[string]any, wantDue string) {
		t.Helper()
		if got["original_date"] != original || got["due_date"] != wantDue {
			t.Errorf("%s: original_date %v due_date %v, want %s and %s", where, got["original_date"], got["due_date"], original, wantDue)
		}
	}
	check("create", doc, due)
	var got map[string]any
	clerk.call("GET", "/api/v1/documents/"+id, nil, &got)
	check("GET document", got, due)
	clerk.act(id, "register", nil)
	check("assign", clerk.act(id, "assign", map[string]any{"assignee_id": ids["handler"], "due_date": due2}), due2)
	handler.act(id, "start", nil)
	handler.act(id, "complete", nil)
	clerk.act(id, "archive", nil)
	clerk.call("GET", "/api/v1/documents/"+id, nil, &got)
	check("GET archived document", got, due2)

	year := workflow.RegisterYear(time.Now())
	var reg struct {
		Items []map[string]any
	}
	clerk.call("GET", fmt.Sprintf("/api/v1/registers/incoming/%d", year), nil, &reg)
	if len(reg.Items) != 1 || reg.Items[0]["original_date"] != original {
		t.Errorf("register JSON: %v", reg.Items)
	}
	code, b := clerk.raw("GET", fmt.Sprintf("/api/v1/registers/incoming/%d?format=csv", year), nil)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if code != 200 || err != nil || len(rows) != 2 {
		t.Fatalf("register CSV: %d %v %q", code, err, b)
	}
	for i, h := range rows[0] {
		if h == "original_date" && rows[1][i] != original {
			t.Errorf("register CSV original_date %q, want %s", rows[1][i], original)
		}
	}

	code, b = clerk.raw("GET", "/api/v1/archive/"+id+"/object?name=metadata.json", nil)
	var meta struct {
		OriginalDate string `json:"original_date"`
		DueDate      string `json:"due_date"`
	}
	if code != 200 || json.Unmarshal(b, &meta) != nil || meta.OriginalDate != original || meta.DueDate != due2 {
		t.Errorf("archive metadata.json: %d original_date %q due_date %q, want %s and %s", code, meta.OriginalDate, meta.DueDate, original, due2)
	}
	for _, q := range []struct {
		from, to string
		want     int
	}{{original, original, 1}, {"2026-11-21", "2026-11-21", 0}, {"2026-11-19", "2026-11-19", 0}} {
		var res struct {
			Items []map[string]any
		}
		clerk.call("GET", "/api/v1/archive?"+url.Values{"from": {q.from}, "to": {q.to}}.Encode(), nil, &res)
		if len(res.Items) != q.want || (q.want == 1 && res.Items[0]["document_date"] != original) {
			t.Errorf("archive search %s..%s: %v, want %d record(s) dated %s", q.from, q.to, res.Items, q.want, original)
		}
	}
}
