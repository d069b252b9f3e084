package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestCopyRegister: GET /registers/copies/{year} gives clerks and admins
// the register of copies the web's register page shows — a copy made
// (number, notation, form, the original, for whom, who and when), a
// number voided by a failed copy with its reason, a number reserved by a
// copy being signed — as JSON and as CSV; the other roles are 403, a
// month 400. Through apitest.Validating.
func TestCopyRegister(t *testing.T) {
	var repo *workflowtest.Repository
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) {
		s.Signer = workflowtest.Signer{}
		repo = s.Repo.(*workflowtest.Repository)
	})
	letter := f.create(t, "clerk", incomingMeta())
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+letter.ID+"/actions/register", nil); rec.Code != http.StatusOK {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+letter.ID+"/copies", map[string]any{"form": "SY", "requested_for": "Tòa án quận"})
	var made api.CopyJSON
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &made) != nil {
		t.Fatalf("copy: %d %s", rec.Code, rec.Body)
	}
	year := made.Year
	at := time.Now()
	err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		for n, state := range map[int]workflow.ReservationState{2: workflow.NumberVoided, 3: workflow.NumberReserved} {
			r := &workflow.Reservation{ID: fmt.Sprintf("r-%d", n), Register: workflow.RegisterCopies, Year: year, Number: n,
				Notation: fmt.Sprintf("%02d/SY-UBND", n), DocumentID: letter.ID + "/copy/c-" + string(state), Actor: f.ids["clerk"],
				State: workflow.NumberReserved, CreatedAt: at}
			if err := tx.CreateReservation(ctx, r); err != nil {
				return err
			}
			if state == workflow.NumberVoided {
				if err := tx.VoidReservation(ctx, r.ID, "the agency key is out", at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/registers/copies/%d", year)
	for _, who := range []string{"clerk", "admin"} {
		rec := f.do(t, who, http.MethodGet, path, nil, "")
		var reg api.CopyRegisterJSON
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &reg) != nil || reg.Register != "copies" || reg.Year != year || len(reg.Items) != 3 {
			t.Fatalf("%s: %d %s", who, rec.Code, rec.Body)
		}
		first := reg.Items[0]
		if first.Number != 1 || first.Notation != "01/SY-UBND" || first.Form != "SY" || first.CopyID != made.ID || first.DocumentID != letter.ID ||
			first.OriginalSubject != letter.Subject || first.RequestedFor != "Tòa án quận" || first.CreatedBy != f.ids["clerk"] ||
			first.CreatedByName != "clerk" || first.Status != "" || first.Notes != "" || first.Date != workflow.VietnamDate(made.CreatedAt).String() {
			t.Errorf("%s: the copy's line %+v", who, first)
		}
		if v := reg.Items[1]; v.Number != 2 || v.Status != "voided" || v.Notes != "Số đã hủy (voided): the agency key is out" || v.CopyID != "" || v.DocumentID != letter.ID {
			t.Errorf("%s: the voided line %+v", who, v)
		}
		if r := reg.Items[2]; r.Number != 3 || r.Status != "reserved" || r.Notation != "03/SY-UBND" {
			t.Errorf("%s: the reserved line %+v", who, r)
		}
	}
	rec = f.do(t, "clerk", http.MethodGet, path+"?format=csv", nil, "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(rec.Body.String(), "1,01/SY-UBND,") || !strings.Contains(rec.Body.String(), ",Tòa án quận,clerk,,,") ||
		!strings.Contains(rec.Body.String(), ",voided,Số đã hủy (voided): the agency key is out,") {
		t.Errorf("CSV: %d %s", rec.Code, rec.Body)
	}
	for _, who := range []string{"officer", "handler", "archivist"} {
		if rec := f.do(t, who, http.MethodGet, path, nil, ""); rec.Code != http.StatusForbidden {
			t.Errorf("%s reads the register of copies: %d", who, rec.Code)
		}
	}
	if rec := f.do(t, "clerk", http.MethodGet, path+"?month=11", nil, ""); rec.Code != http.StatusBadRequest || decodeErr(t, rec).Error.Field != "month" {
		t.Errorf("a month: %d %s", rec.Code, rec.Body)
	}
}
