package benchhttp

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestOpenLoop: the raw generator sends its rate and reads every answer
// (one small, one larger than its read buffer's first fill).
func TestOpenLoop(t *testing.T) {
	list := make([]byte, 100<<10)
	for i := range list {
		list[i] = 'a'
	}
	srv := httptest.NewServer(BareEcho([]byte(`{"id":"x"}`), append(append([]byte(`"`), list...), '"')))
	defer srv.Close()
	for _, path := range []string{"/api/v1/documents/x", "/api/v1/documents"} {
		r, err := OpenLoop(srv.URL+path, "Bearer t", 200, 4, 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests != 100 || r.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors; want 100, 0", path, r.Requests, r.Errors)
		}
	}
	if r, _ := OpenLoop(srv.URL+"/nowhere", "", 100, 1, 100*time.Millisecond); r.Errors != 10 {
		t.Errorf("404s: %d errors, want 10", r.Errors)
	}
}
