package web

import (
	"strings"
	"testing"
)

// TestEvidenceNoStampSaysWhoActs: the reason an archivist reads on a
// record archived minutes ago (no archive time-stamp yet) says the
// server adds one by itself and that running the command is the
// administrator's — it read as an order to the archivist to run a
// command line she has no access to.
func TestEvidenceNoStampSaysWhoActs(t *testing.T) {
	got, ok := evidenceVI("no archive time-stamp: nothing proves when the record existed (run `vanthu archive renew`)")
	if !ok {
		t.Fatal("not translated")
	}
	for _, want := range []string{"Máy chủ tự cấp dấu thời gian", "quản trị hệ thống chạy lệnh `vanthu archive renew`"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}
