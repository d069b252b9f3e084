package loadtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCheckDocument(t *testing.T) {
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"OK", `{"id":"d1","direction":"outgoing","state":"issued","files":[{"state":"x"}]}`, true},
		{"ErrOtherState", `{"id":"d1","state":"officer_signed"}`, false},
		{"ErrOtherDocument", `{"id":"d2","state":"issued"}`, false},
		{"ErrNotJSON", `issued d1`, false},
		{"ErrEmpty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDocument("outgoing issue", []byte(tt.body), "d1", "issued")
			var he *httpError
			if tt.ok != (err == nil) || (err != nil && (!errors.As(err, &he) || he.code != "answer")) {
				t.Fatalf("checkDocument(%s) = %v", tt.body, err)
			}
		})
	}
}

func TestAnswerReadsBody(t *testing.T) {
	for _, cl := range []int64{-1, 5, 3} { // unknown, right, and a wrong length: the body is read to its end
		resp := &http.Response{StatusCode: 200, ContentLength: cl, Body: io.NopCloser(strings.NewReader(`{"a":1}`))}
		b, err := answer("x", resp, nil, 200)
		if err != nil || string(b) != `{"a":1}` {
			t.Errorf("ContentLength %d: %q, %v", cl, b, err)
		}
	}
	resp := &http.Response{StatusCode: 409, Body: io.NopCloser(strings.NewReader(`{"error":{"code":"conflict","message":"m"}}`))}
	var he *httpError
	if _, err := answer("x", resp, nil, 200); !errors.As(err, &he) || he.status != 409 || he.code != "conflict" {
		t.Errorf("409: %v", err)
	}
}

// TestRetryRecordsUnclearAndLongest: retry counts the answers that carry
// no error code and message (a bare 503 says nothing of what is down),
// not those that do, and records how long the call spent retrying.
func TestRetryRecordsUnclearAndLongest(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		unclear bool
	}{
		{"clear", `{"error":{"code":"unavailable","message":"database unavailable"}}`, false},
		{"empty body", ``, true},
		{"text body", `Service Unavailable`, true},
		{"code without message", `{"error":{"code":"unavailable","message":" "}}`, true},
		{"message without code", `{"error":{"message":"database unavailable"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{cfg: Config{Retry: time.Minute}, rep: &Report{Retried: map[string]int{}, Unclear: map[string]int{},
				LongestRetry: map[string]float64{}}}
			n := 0
			err := r.retry(context.Background(), "outgoing create", func() (bool, error) {
				if n++; n == 3 {
					return true, nil
				}
				resp := &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader(tt.body))}
				_, err := answer("outgoing create", resp, nil, 201)
				return false, err
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.rep.Retried; len(got) != 1 || got[keyOf(got)] != 2 {
				t.Errorf("retried %v, want one key ×2", got)
			}
			want := 0
			if tt.unclear {
				want = 2
			}
			if got := r.rep.Unclear[keyOf(r.rep.Retried)]; got != want {
				t.Errorf("unclear %v, want %d", r.rep.Unclear, want)
			}
			// Two waits of the backoff: 0.1 s, then 0.2 s.
			if d := r.rep.LongestRetry["outgoing create"]; d < 0.3 || d > 5 {
				t.Errorf("longest retry %.2f s, want about 0.3 s", d)
			}
		})
	}
}

func keyOf(m map[string]int) string {
	for k := range m {
		return k
	}
	return ""
}
