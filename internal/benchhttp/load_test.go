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

// TestMerge: merged percentiles are those of all the latencies together,
// not an average or a maximum of the two runs' percentiles.
func TestMerge(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var d []time.Duration
		for _, x := range n {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	var a, b []time.Duration
	for range 99 {
		a = append(a, ms(1)...)
	}
	a = append(a, ms(50)...)
	for range 100 {
		b = append(b, ms(2)...)
	}
	r := Merge(summarise(a, 1, time.Second), summarise(b, 2, time.Second))
	if r.Requests != 200 || r.Errors != 3 || r.Elapsed != 2*time.Second {
		t.Fatalf("%d requests, %d errors, %v; want 200, 3, 2s", r.Requests, r.Errors, r.Elapsed)
	}
	// 99 at 1 ms, 100 at 2 ms, 1 at 50 ms: p50 2 ms, p99 2 ms, max 50 ms
	// (the maximum of the runs' p99s would be 50 ms, their mean 26 ms).
	if r.P50 != 2*time.Millisecond || r.P99 != 2*time.Millisecond || r.Max != 50*time.Millisecond {
		t.Fatalf("p50 %v p99 %v max %v; want 2ms 2ms 50ms", r.P50, r.P99, r.Max)
	}
	if z := Merge(Result{}, summarise(ms(3), 0, time.Second)); z.P99 != 3*time.Millisecond {
		t.Fatalf("merged with an empty result: p99 %v, want 3ms", z.P99)
	}
}
