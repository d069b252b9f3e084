package signing

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestSignStream: the streaming calls (what `vanthu sign` writes to its
// output file) give a signed file whose Len, WriteTo and Bytes agree, one
// signature more than their input, and the same refusals as the calls
// that return bytes.
func TestSignStream(t *testing.T) {
	ctx := context.Background()
	p := newTestPKI(t, "ec")
	check := func(t *testing.T, s *Signed, in []byte, sigs int) []byte {
		t.Helper()
		var w bytes.Buffer
		n, err := s.WriteTo(&w)
		if err != nil || n != s.Len() || int64(w.Len()) != s.Len() {
			t.Fatalf("WriteTo = %d, %v; Len %d, written %d", n, err, s.Len(), w.Len())
		}
		if !bytes.Equal(w.Bytes(), s.Bytes()) {
			t.Error("WriteTo and Bytes differ")
		}
		if !bytes.HasPrefix(w.Bytes(), in) {
			t.Error("the signed file does not begin with the input (not an incremental update)")
		}
		if info, err := inspectBytes(w.Bytes()); err != nil || info.Signatures != sigs {
			t.Fatalf("Inspect = %+v, %v; want %d signatures", info, err, sigs)
		}
		return w.Bytes()
	}
	in := smallPDF()
	s1, err := SignOfficerStream(ctx, in, OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	l1 := check(t, s1, in, 1)
	s2, err := SignAgencyStream(ctx, l1, agencyLayer(p))
	if err != nil {
		t.Fatal(err)
	}
	check(t, s2, l1, 2)
	att, err := SignAttachmentStream(ctx, in, agencyLayer(p))
	if err != nil {
		t.Fatal(err)
	}
	check(t, att, in, 1)

	// Layer 2 on an unsigned file is refused with a reason naming layer 1.
	if _, err := SignAgencyStream(ctx, in, agencyLayer(p)); workflow.ErrorCode(err) == "" || !strings.Contains(err.Error(), "layer 1") {
		t.Errorf("agency layer on an unsigned file: %v", err)
	}
}

func TestParseIssueDate(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2026-11-25", time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC), false},
		{"2026-12-31", time.Date(2026, 12, 30, 17, 0, 0, 0, time.UTC), false},
		{"25/11/2026", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseIssueDate(tt.in)
			if (err != nil) != tt.wantErr || (!tt.wantErr && !got.Equal(tt.want)) {
				t.Errorf("ParseIssueDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if !tt.wantErr && StampTime(got)[:10] != tt.in {
				t.Errorf("the stamp dates it %s", StampTime(got))
			}
		})
	}
}
