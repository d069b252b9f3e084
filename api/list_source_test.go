package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// TestListSource: ?source= lists the incoming documents received over the
// exchange or registered by hand, ?sender= those of one agency, across
// pages (a page holds limit matches, none left behind by the filter);
// an unknown source or a sender that is no org code is a 400 naming the
// parameter.
func TestListSource(t *testing.T) {
	var docs *workflow.Service
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { docs = s })
	sender := &workflow.Org{OrgID: "000.00.31.H13", Name: "Sở Nội vụ"}
	var exchanged []string
	day := workflow.NewDate(2026, 11, 20)
	for i := range 5 {
		f.create(t, "clerk", incomingMeta()) // by hand, from 000.00.00.H13
		pdf := testpdf.Make(1, "liên thông")
		d, _, err := docs.Receive(t.Context(), workflow.ReceiveInput{ExternalID: fmt.Sprintf("ext-%d", i), CreateInput: workflow.CreateInput{
			Type: "CV", Subject: "Nhận qua liên thông", Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, Sender: sender,
			OriginalNumber: fmt.Sprintf("%d/SNV-VP", i+1), OriginalDate: &day,
			File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}})
		if err != nil {
			t.Fatal(err)
		}
		exchanged = append(exchanged, d.ID)
	}
	f.create(t, "handler", f.outgoingMeta())
	slices.Reverse(exchanged) // newest first
	type page struct {
		Items []struct {
			ID        string `json:"id"`
			Direction string `json:"direction"`
		} `json:"items"`
		Next  string `json:"next_cursor"`
		Total *int   `json:"total"`
	}
	pages := func(q string) (ids []string, manual int) {
		t.Helper()
		cursor := ""
		for n := 0; ; n++ {
			rec := f.do(t, "clerk", "GET", "/api/v1/documents?limit=2&count=true&"+q+"&cursor="+url.QueryEscape(cursor), nil, "")
			var p page
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &p) != nil || n > 10 {
				t.Fatalf("%s: %d %s", q, rec.Code, rec.Body.String())
			}
			if p.Next != "" && len(p.Items) != 2 {
				t.Errorf("%s: a page of %d before the last", q, len(p.Items))
			}
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			if cursor = p.Next; cursor == "" {
				return ids, *p.Total
			}
		}
	}
	if ids, total := pages("source=exchange"); !slices.Equal(ids, exchanged) || total != 5 {
		t.Errorf("source=exchange: %v (total %d), want %v", ids, total, exchanged)
	}
	if ids, _ := pages("sender=000.00.31.H13"); !slices.Equal(ids, exchanged) {
		t.Errorf("sender=000.00.31.H13: %v, want %v", ids, exchanged)
	}
	manual, total := pages("source=manual")
	if len(manual) != 5 || total != 5 {
		t.Errorf("source=manual: %d documents (total %d), want 5", len(manual), total)
	}
	for _, id := range manual {
		if slices.Contains(exchanged, id) {
			t.Errorf("source=manual lists %s, received over the exchange", id)
		}
	}
	if ids, _ := pages("source=exchange&sender=000.00.00.H13"); len(ids) != 0 {
		t.Errorf("the exchange's documents from 000.00.00.H13: %v, want none", ids)
	}
	for _, tt := range []struct{ q, field string }{
		{"source=paper", "source"}, {"source=Exchange", "source"}, {"sender=S%E1%BB%9F", "sender"}, {"sender=000.00.31.h13", "sender"},
	} {
		rec := f.do(t, "clerk", "GET", "/api/v1/documents?"+tt.q, nil, "")
		if rec.Code != 400 {
			t.Errorf("%s: %d %s", tt.q, rec.Code, rec.Body.String())
			continue
		}
		if e := decodeErr(t, rec); e.Error.Field != tt.field {
			t.Errorf("%s: field %q, want %q", tt.q, e.Error.Field, tt.field)
		}
	}
}
