package api_test

import (
	"strings"
	"testing"
)

// TestQueryParamsAreText: a query parameter whose value holds a NUL or
// bytes that are not UTF-8 is refused before any handler, 400 naming the
// parameter; before, the memory and SQLite stores searched for it (200)
// and PostgreSQL refused it with a 400 that named no field.
func TestQueryParamsAreText(t *testing.T) {
	f := newFixture(t, 1<<20)
	tests := []struct{ name, path, field string }{
		{"NUL in a search", "/api/v1/documents?q=ab%00c", "q"},
		{"not UTF-8 in a filter", "/api/v1/documents?type=%ff", "type"},
		{"a bad sequence in the signer", "/api/v1/documents?signer=%c3%28", "signer"},
		{"the second of two values", "/api/v1/documents?q=ok&q=%00", "q"},
		{"a report's format", "/api/v1/reports/reform?format=%ff", "format"},
		{"a parameter's name", "/api/v1/documents?%ff=1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, "admin", "GET", tt.path, nil, "")
			if rec.Code != 400 {
				t.Fatalf("status %d %s, want 400", rec.Code, rec.Body)
			}
			e := decodeErr(t, rec)
			if e.Error.Code != "invalid" || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, "not UTF-8") {
				t.Fatalf("error %+v, want invalid on %q", e.Error, tt.field)
			}
		})
	}
	if rec := f.do(t, "admin", "GET", "/api/v1/documents?q=%E1%BB%A7y%20ban", nil, ""); rec.Code != 200 {
		t.Fatalf("a Vietnamese search: %d %s", rec.Code, rec.Body)
	}
}
