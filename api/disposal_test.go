package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestDisposalRoutes walks a disposal list through the API: roles (403),
// a record not yet expired (422 naming it), wrong states (409), the
// head's decision, the run, then the destroyed record's download (410
// naming the decision) and its record marked disposed. Every answer is
// checked against openapi.yaml.
func TestDisposalRoutes(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2010, 3, 1, 2, 0, 0, 0, time.UTC)
	f := newArchiveFixtureOn(t, gormdbtest.Open(t, gormdb.SQLite), nil, func(fx *archivetest.Fixture) {
		fx.Archive.Now = func() time.Time { return clock }
		fx.Archive.Retain = func(_ string, at time.Time) (time.Time, error) { return at.AddDate(5, 0, 0), nil }
		fx.Archive.Disposals = fx.DB
	})
	accounts := &auth.Service{Repo: f.DB, Cost: bcrypt.MinCost}
	if _, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: "api-officer", Password: "password-officer", Roles: []workflow.Role{workflow.RoleOfficer}}); err != nil {
		t.Fatal(err)
	}
	tok, _, _, err := accounts.Login(ctx, "api-officer", "password-officer")
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["officer"] = tok
	old := f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
	clock = time.Date(2014, 3, 1, 2, 0, 0, 0, time.UTC)
	young := f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
	clock = time.Date(2016, 6, 1, 2, 0, 0, 0, time.UTC)

	rec := f.do(t, "archivist", http.MethodGet, "/api/v1/archive/disposals/expired", nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), old.ID) || strings.Contains(rec.Body.String(), young.ID) {
		t.Fatalf("expired: %s", rec.Body)
	}
	create := map[string]any{"title": "Tiêu hủy năm 2016", "record_ids": []string{old.ID}}
	wantStatus(t, f.do(t, "clerk", http.MethodPost, "/api/v1/archive/disposals", create), http.StatusForbidden)
	rec = f.do(t, "archivist", http.MethodPost, "/api/v1/archive/disposals", map[string]any{"title": "x", "record_ids": []string{old.ID, young.ID}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), young.ID) {
		t.Fatalf("422 does not name the record: %s", rec.Body)
	}
	rec = f.do(t, "archivist", http.MethodPost, "/api/v1/archive/disposals", create)
	wantStatus(t, rec, http.StatusCreated)
	var d struct {
		ID, State string
		Items     []struct{ State, Reason string }
	}
	json.Unmarshal(rec.Body.Bytes(), &d)
	base := "/api/v1/archive/disposals/" + d.ID
	wantStatus(t, f.do(t, "archivist", http.MethodPost, base+"/run", nil), http.StatusConflict)
	dec := map[string]string{"decision_number": "15/QĐ-UBND", "decision_date": "2016-05-30", "decision_text": "Hết giá trị"}
	wantStatus(t, f.do(t, "archivist", http.MethodPost, base+"/approve", dec), http.StatusForbidden)
	wantStatus(t, f.do(t, "officer", http.MethodPost, base+"/approve", map[string]string{"decision_date": "2016-05-30"}), http.StatusBadRequest)
	wantStatus(t, f.do(t, "officer", http.MethodPost, base+"/approve", dec), http.StatusOK)
	wantStatus(t, f.do(t, "archivist", http.MethodPost, base+"/items", map[string]any{"record_ids": []string{old.ID}}), http.StatusConflict)
	wantStatus(t, f.do(t, "officer", http.MethodPost, base+"/reject", map[string]string{"reason": "muộn"}), http.StatusConflict)
	wantStatus(t, f.do(t, "officer", http.MethodPost, base+"/run", nil), http.StatusForbidden)
	rec = f.do(t, "archivist", http.MethodPost, base+"/run", nil)
	wantStatus(t, rec, http.StatusOK)
	json.Unmarshal(rec.Body.Bytes(), &d)
	if d.State != "disposed" || len(d.Items) != 1 || d.Items[0].State != "disposed" {
		t.Fatalf("after the run: %s", rec.Body)
	}
	rec = f.do(t, "archivist", http.MethodGet, "/api/v1/archive/"+old.ID+"/object?name=document.pdf", nil)
	wantStatus(t, rec, http.StatusGone)
	if !strings.Contains(rec.Body.String(), `"code":"gone"`) || !strings.Contains(rec.Body.String(), "15/QĐ-UBND") {
		t.Fatalf("410: %s", rec.Body)
	}
	rec = f.do(t, "archivist", http.MethodGet, "/api/v1/archive/"+old.ID, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"disposed":{"disposal_id":"`+d.ID) {
		t.Fatalf("record: %s", rec.Body)
	}
	// The registers' JSON and CSV keep its line, noting the decision.
	reg := fmt.Sprintf("/api/v1/registers/incoming/%d", old.Year)
	rec = f.do(t, "clerk", http.MethodGet, reg, nil)
	wantStatus(t, rec, http.StatusOK)
	var lines struct {
		Items []struct {
			Number   int
			Notes    string
			Disposed *struct {
				DecisionNumber string `json:"decision_number"`
			}
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &lines)
	noted := 0
	for _, it := range lines.Items {
		if it.Disposed == nil {
			continue
		}
		noted++
		if it.Number != old.Number || it.Disposed.DecisionNumber != "15/QĐ-UBND" || !strings.Contains(it.Notes, "Đã tiêu hủy theo QĐ số 15/QĐ-UBND ngày 30/05/2016") {
			t.Fatalf("register JSON: %s", rec.Body)
		}
	}
	if noted != 1 || len(lines.Items) != 2 {
		t.Fatalf("register JSON: %d lines noted destroyed: %s", noted, rec.Body)
	}
	rec = f.do(t, "clerk", http.MethodGet, reg+"?format=csv", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Đã tiêu hủy theo QĐ số 15/QĐ-UBND ngày 30/05/2016") {
		t.Fatalf("register CSV: %d %s", rec.Code, rec.Body)
	}
	// The document stays, with its number; its files are released.
	rec = f.do(t, "clerk", http.MethodGet, "/api/v1/documents/"+old.ID, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"state":"archived"`) {
		t.Fatalf("document after disposal: %s", rec.Body)
	}
	if rec := f.do(t, "clerk", http.MethodGet, "/api/v1/documents/"+old.ID+"/file", nil); rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("file of a destroyed record: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, "officer", http.MethodGet, "/api/v1/archive/disposals?state=disposed", nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), d.ID) {
		t.Fatalf("list: %s", rec.Body)
	}
}
