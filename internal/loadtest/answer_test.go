package loadtest

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
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
