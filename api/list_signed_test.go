package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestListSignedIssued: ?signed_by=me gives the official the documents
// she signed in the period (signed_from, signed_to: Vietnam days), issued
// since or not, not the one she only approved nor one signed the day
// before; another user asks by her ID; ?issued_by=me the clerk's issued
// ones; ?count=true counts them; a bad value is a 400 on its parameter.
func TestListSignedIssued(t *testing.T) {
	// The first signature at 23:3x on 19 November in Vietnam (16:3x UTC),
	// the next an hour later, on the 20th in Vietnam but still the 19th in
	// UTC: the period's days are Vietnam's.
	now := time.Date(2026, 11, 19, 16, 30, 0, 0, time.UTC) // 23:30 in Vietnam
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) {
		s.Signer = workflowtest.Signer{}
		s.Now = func() time.Time { return now }
	})
	act := func(id, user, action string) {
		t.Helper()
		if rec := f.json(t, user, "POST", "/api/v1/documents/"+id+"/actions/"+action, nil); rec.Code != 200 {
			t.Fatalf("%s by %s: %d %s", action, user, rec.Code, rec.Body.String())
		}
	}
	var ids []string
	for range 4 {
		d := f.create(t, "handler", f.outgoingMeta())
		act(d.ID, "handler", "submit")
		act(d.ID, "officer", "approve")
		ids = append(ids, d.ID)
		now = now.Add(time.Minute) // the list's order: newest first
	}
	act(ids[0], "officer", "sign") // 19 Nov: before the period
	now = now.Add(time.Hour)       // 00:3x on 20 Nov in Vietnam, still the 19th in UTC
	act(ids[1], "officer", "sign")
	act(ids[2], "officer", "sign")
	act(ids[2], "clerk", "issue")
	// ids[3]: approved, never signed.
	list := func(user, q string) ([]string, int) {
		t.Helper()
		rec := f.do(t, user, "GET", "/api/v1/documents?count=true&"+q, nil, "")
		var p struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Total *int `json:"total"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Total == nil {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body.String())
		}
		var got []string
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		return got, *p.Total
	}
	period := "&signed_from=2026-11-20&signed_to=2026-11-22"
	for _, tc := range []struct {
		name, user, q string
		want          []string
	}{
		{"officer/me/period", "officer", "signed_by=me" + period, []string{ids[2], ids[1]}},
		{"officer/me/any time", "officer", "signed_by=me", []string{ids[2], ids[1], ids[0]}},
		{"officer/me/the day before", "officer", "signed_by=me&signed_to=2026-11-19", []string{ids[0]}},
		{"clerk/officer's ID", "clerk", "signed_by=" + f.ids["officer"] + period, []string{ids[2], ids[1]}},
		{"handler/me", "handler", "signed_by=me" + period, nil},
		{"clerk/issued_by=me", "clerk", "issued_by=me&issued_from=2026-11-20&issued_to=2026-11-20", []string{ids[2]}},
		{"clerk/issued the day before", "clerk", "issued_by=me&issued_to=2026-11-19", nil},
		{"officer/issued_by=me", "officer", "issued_by=me", nil},
		{"signed, state", "officer", "signed_by=me&state=officer_signed", []string{ids[1], ids[0]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total := list(tc.user, tc.q)
			if !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("%v (total %d), want %v", got, total, tc.want)
			}
		})
	}
	for _, tc := range []struct{ q, field string }{
		{"signed_by=", "signed_by"},
		{"signed_by=nobody", "signed_by"},
		{"signed_by=me&signed_by=me", "signed_by"},
		{"signed_from=2026-02-30", "signed_from"},
		{"signed_to=20/11/2026", "signed_to"},
		{"signed_from=2026-11-22&signed_to=2026-11-20", "signed_to"},
		{"issued_by=nobody", "issued_by"},
		{"issued_from=yesterday", "issued_from"},
		{"issued_from=2026-11-22&issued_to=2026-11-20", "issued_to"},
	} {
		t.Run("400/"+tc.q, func(t *testing.T) {
			rec := f.do(t, "officer", "GET", "/api/v1/documents?"+tc.q, nil, "")
			if e := decodeErr(t, rec); rec.Code != 400 || e.Error.Field != tc.field {
				t.Errorf("%d %+v, want 400 on %s", rec.Code, e, tc.field)
			}
		})
	}
}

// TestListSignedAt: each document of ?signed_by=me carries signed_at,
// when the official's signature was made — not the clerk's issue that
// followed an hour later (issued_at) —; one only approved has none.
func TestListSignedAt(t *testing.T) {
	now := time.Date(2026, 11, 24, 2, 15, 0, 0, time.UTC)
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) {
		s.Signer = workflowtest.Signer{}
		s.Now = func() time.Time { return now }
	})
	act := func(id, user, action string) {
		t.Helper()
		if rec := f.json(t, user, "POST", "/api/v1/documents/"+id+"/actions/"+action, nil); rec.Code != 200 {
			t.Fatalf("%s by %s: %d %s", action, user, rec.Code, rec.Body.String())
		}
	}
	var ids []string
	for range 2 {
		d := f.create(t, "handler", f.outgoingMeta())
		act(d.ID, "handler", "submit")
		act(d.ID, "officer", "approve")
		ids = append(ids, d.ID)
	}
	signedAt := now.Add(time.Minute)
	now = signedAt
	act(ids[0], "officer", "sign")
	issuedAt := now.Add(time.Hour)
	now = issuedAt
	act(ids[0], "clerk", "issue")
	type item struct {
		ID       string     `json:"id"`
		SignedAt *time.Time `json:"signed_at"`
		IssuedAt *time.Time `json:"issued_at"`
	}
	var p struct{ Items []item }
	rec := f.do(t, "officer", "GET", "/api/v1/documents?signed_by=me", nil, "")
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &p) != nil || len(p.Items) != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if it := p.Items[0]; it.ID != ids[0] || it.SignedAt == nil || !it.SignedAt.Equal(signedAt) || it.IssuedAt == nil || !it.IssuedAt.Equal(issuedAt) {
		t.Errorf("signed_at %v issued_at %v, want %v and %v", it.SignedAt, it.IssuedAt, signedAt, issuedAt)
	}
	var approved item
	rec = f.do(t, "officer", "GET", "/api/v1/documents/"+ids[1], nil, "")
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &approved) != nil || approved.SignedAt != nil ||
		!strings.Contains(rec.Body.String(), `"signed_at":null`) {
		t.Errorf("approved: %d %s", rec.Code, rec.Body.String())
	}
}

// TestListSignedOrder: ?signed_by=me lists the documents newest first by
// when she signed them, not by when they were drafted, page after page
// through next_cursor; a cursor of the list by creation given to it, or
// its cursor to that list, is a 400 on cursor.
func TestListSignedOrder(t *testing.T) {
	now := time.Date(2026, 11, 24, 2, 15, 0, 0, time.UTC)
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) {
		s.Signer = workflowtest.Signer{}
		s.Now = func() time.Time { return now }
	})
	act := func(id, user, action string) {
		t.Helper()
		now = now.Add(time.Minute)
		if rec := f.json(t, user, "POST", "/api/v1/documents/"+id+"/actions/"+action, nil); rec.Code != 200 {
			t.Fatalf("%s by %s: %d %s", action, user, rec.Code, rec.Body.String())
		}
	}
	var ids []string
	for range 3 {
		d := f.create(t, "handler", f.outgoingMeta())
		act(d.ID, "handler", "submit")
		act(d.ID, "officer", "approve")
		ids = append(ids, d.ID)
	}
	for _, i := range []int{2, 0, 1} {
		act(ids[i], "officer", "sign")
	}
	page := func(q string) ([]string, string, *httptestError) {
		t.Helper()
		rec := f.do(t, "officer", "GET", "/api/v1/documents?limit=1&"+q, nil, "")
		if rec.Code != 200 {
			e := decodeErr(t, rec)
			return nil, "", &httptestError{rec.Code, e.Error.Field}
		}
		var p struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		return got, p.Next, nil
	}
	var got []string
	for q, n := "signed_by=me", 0; n < 5; n++ {
		items, next, e := page(q)
		if e != nil {
			t.Fatalf("%s: %+v", q, *e)
		}
		got = append(got, items...)
		if next == "" {
			break
		}
		q = "signed_by=me&cursor=" + next
	}
	if want := []string{ids[1], ids[0], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("signed_by=me, pages of 1: %v, want the signing order %v", got, want)
	}
	_, created, _ := page("direction=outgoing")
	_, signed, _ := page("signed_by=me")
	for _, q := range []string{"signed_by=me&cursor=" + created, "direction=outgoing&cursor=" + signed} {
		if _, _, e := page(q); e == nil || e.code != 400 || e.field != "cursor" {
			t.Errorf("%s: %+v, want 400 on cursor", q, e)
		}
	}
}

// httptestError is a refused request's status and the field its error
// names.
type httptestError struct {
	code  int
	field string
}
