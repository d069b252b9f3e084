package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// holdSigner is the fake signer; layer 2 of document Hold waits for
// Release and then fails with Err.
type holdSigner struct {
	workflowtest.Signer
	Hold    string
	Entered chan struct{}
	Release chan struct{}
	Err     error
}

func (s holdSigner) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	if d.ID == s.Hold {
		close(s.Entered)
		<-s.Release
		return nil, s.Err
	}
	return s.Signer.SignAgency(ctx, d, pdf)
}

// A number voided by a failed issue is a line of the register (JSON and
// CSV): status voided, the reason in notes, the document it was taken for.
func TestRegisterShowsVoidedNumber(t *testing.T) {
	f := newFixture(t, 5<<20)
	ready := func() string {
		d := f.create(t, "handler", f.outgoingMeta())
		for _, s := range []struct{ user, action string }{{"handler", "submit"}, {"officer", "approve"}, {"officer", "sign"}} {
			if rec := f.json(t, s.user, "POST", "/api/v1/documents/"+d.ID+"/actions/"+s.action, nil); rec.Code != 200 {
				t.Fatalf("%s: %d %s", s.action, rec.Code, rec.Body.String())
			}
		}
		return d.ID
	}
	sg := holdSigner{Entered: make(chan struct{}), Release: make(chan struct{}),
		Err: workflow.Errorf(workflow.EUNAVAILABLE, "máy chủ cấp dấu thời gian không trả lời")}
	f.srv.Docs.(*workflow.Service).Signer = &sg
	a, b := ready(), ready()
	sg.Hold = a
	// The goroutine serves without t (a helper's tb.Fatal there would not
	// stop the test): it sends the status and the document check's error
	// to the test goroutine, which fails here.
	spec := apitest.Default(t)
	type answer struct {
		code int
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		req := httptest.NewRequest("POST", "/api/v1/documents/"+a+"/actions/issue", nil)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.tokens["clerk"])
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		x := apitest.Exchange{Request: req, Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}
		done <- answer{rec.Code, spec.Check(context.Background(), x)}
	}()
	<-sg.Entered
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+b+"/actions/issue", nil); rec.Code != 200 {
		close(sg.Release)
		<-done
		t.Fatalf("issue b: %d %s", rec.Code, rec.Body.String())
	}
	close(sg.Release)
	if got := <-done; got.code != 503 || got.err != nil {
		t.Fatalf("failed issue answered %d (openapi: %v), want 503", got.code, got.err)
	}
	year := workflow.RegisterYear(time.Now())
	rec := f.do(t, "clerk", "GET", fmt.Sprintf("/api/v1/registers/outgoing/%d", year), nil, "")
	var reg struct {
		Items []struct {
			Number     int    `json:"number"`
			Notation   string `json:"notation"`
			Status     string `json:"status"`
			Notes      string `json:"notes"`
			DocumentID string `json:"document_id"`
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil || rec.Code != 200 {
		t.Fatalf("register: %d %v %s", rec.Code, err, rec.Body.String())
	}
	if len(reg.Items) != 2 {
		t.Fatalf("register has %d lines, want 2: %s", len(reg.Items), rec.Body.String())
	}
	v, ok := reg.Items[0], reg.Items[1]
	if v.Number != 1 || v.Status != "voided" || v.DocumentID != a || v.Notation != "01/QĐ-UBND" ||
		!strings.Contains(v.Notes, "máy chủ cấp dấu thời gian không trả lời") {
		t.Fatalf("line 1: %+v", v)
	}
	if ok.Number != 2 || ok.Status != "" || ok.DocumentID != b {
		t.Fatalf("line 2: %+v", ok)
	}
	csv := f.do(t, "clerk", "GET", fmt.Sprintf("/api/v1/registers/outgoing/%d?format=csv", year), nil, "").Body.String()
	if !strings.Contains(csv, "01/QĐ-UBND") || !strings.Contains(csv, "Số đã hủy (voided)") {
		t.Fatalf("csv register: %s", csv)
	}
}
