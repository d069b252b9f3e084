package workflow

import "testing"

func TestParseRevocationReason(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RevocationReason
		code int
		err  bool
	}{
		{"", ReasonUnspecified, 0, false},
		{"keyCompromise", ReasonKeyCompromise, 1, false},
		{"key-compromise", ReasonKeyCompromise, 1, false},
		{"KEY_COMPROMISE", ReasonKeyCompromise, 1, false},
		{"1", ReasonKeyCompromise, 1, false},
		{"affiliationChanged", ReasonAffiliationChanged, 3, false},
		{"superseded", ReasonSuperseded, 4, false},
		{"cessationOfOperation", ReasonCessationOfOperation, 5, false},
		{"privilegeWithdrawn", ReasonPrivilegeWithdrawn, 9, false},
		{"9", ReasonPrivilegeWithdrawn, 9, false},
		{"cACompromise", "", 0, true},
		{"certificateHold", "", 0, true},
		{"removeFromCRL", "", 0, true},
		{"7", "", 0, true},
		{"lost", "", 0, true},
	} {
		got, err := ParseRevocationReason(tc.in)
		if (err != nil) != tc.err || got != tc.want || (err == nil && got.Code() != tc.code) {
			t.Errorf("ParseRevocationReason(%q) = %q (code %d), %v; want %q (code %d), error %v", tc.in, got, got.Code(), err, tc.want, tc.code, tc.err)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("ParseRevocationReason(%q): code %s", tc.in, ErrorCode(err))
		}
	}
}
