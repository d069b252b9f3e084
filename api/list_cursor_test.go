package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestListCursorForms: the list's pages follow next_cursor to the end,
// each document once; a bare document ID (the cursor before the list was
// ordered by creation time) resumes after that document; any other
// cursor, or an ID of no document, is a 400 on cursor.
func TestListCursorForms(t *testing.T) {
	f := newFixture(t, 5<<20)
	for range 4 {
		f.create(t, "clerk", incomingMeta())
	}
	type page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		Next string `json:"next_cursor"`
	}
	list := func(q string) page {
		t.Helper()
		rec := f.do(t, "clerk", "GET", "/api/v1/documents?"+q, nil, "")
		var p page
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body.String())
		}
		return p
	}
	var all []string
	for _, it := range list("limit=200").Items {
		all = append(all, it.ID)
	}
	if len(all) != 4 {
		t.Fatalf("%d documents, want 4", len(all))
	}
	var paged []string
	for p, pages := list("limit=1"), 0; ; p = list("limit=1&cursor=" + url.QueryEscape(p.Next)) {
		if pages++; pages > 5 {
			t.Fatal("paging does not end")
		}
		for _, it := range p.Items {
			paged = append(paged, it.ID)
		}
		if p.Next == "" {
			break
		}
		if strings.Contains(p.Next, all[0]) && !strings.Contains(p.Next, ".") {
			t.Errorf("next_cursor %q is a bare ID", p.Next)
		}
	}
	if !slices.Equal(paged, all) {
		t.Errorf("pages gave %v, want %v", paged, all)
	}
	var rest []string
	for _, it := range list("cursor=" + all[1]).Items {
		rest = append(rest, it.ID)
	}
	if !slices.Equal(rest, all[2:]) {
		t.Errorf("after the bare ID %s: %v, want %v", all[1], rest, all[2:])
	}
	for _, c := range []string{"nope.x", "zzzz", "1.a b"} {
		rec := f.do(t, "clerk", "GET", "/api/v1/documents?cursor="+url.QueryEscape(c), nil, "")
		if rec.Code != 400 {
			t.Errorf("cursor %q: %d %s", c, rec.Code, rec.Body.String())
			continue
		}
		if e := decodeErr(t, rec); e.Error.Field != "cursor" {
			t.Errorf("cursor %q: field %q", c, e.Error.Field)
		}
	}
}
