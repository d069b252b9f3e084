package auth

import (
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func TestNormalizePersonalID(t *testing.T) {
	for _, tc := range []struct{ in, want, code string }{
		{"092080001234", "092080001234", ""},
		{" 0920 8000 1234 ", "092080001234", ""},
		{"CCCD:092080001234", "092080001234", ""},
		{"cccd: 092080001234", "092080001234", ""},
		{"CMND:012345678", "012345678", ""},
		{"b1234567", "B1234567", ""},
		{"", "", ""},
		{"   ", "", ""},
		{"CCCD:", "", workflow.EINVALID},
		{"12345", "", workflow.EINVALID},
		{"0920-8000-1234", "", workflow.EINVALID},
		{"092080001234567890123", "", workflow.EINVALID},
		{"１２３４５６７８", "", workflow.EINVALID}, // fullwidth digits
		{"1:092080001234", "", workflow.EINVALID},
	} {
		got, err := NormalizePersonalID(tc.in)
		if got != tc.want || workflow.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("NormalizePersonalID(%q) = %q, %v; want %q, %s", tc.in, got, err, tc.want, tc.code)
		}
	}
}
