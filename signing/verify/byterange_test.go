package verify

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"errors"
	"math"
	"testing"
)

// TestCheckByteRange walks the cases of the one byte-range check that the
// verifier, signing's layer-1 check and its signature-intact check share.
func TestCheckByteRange(t *testing.T) {
	file := []byte("%PDF<0102>tail") // hole at 4..10
	tests := []struct {
		name     string
		file     []byte
		br       []int64
		err      error
		contents []byte
		whole    bool
	}{
		{name: "OK/WholeFile", file: file, br: []int64{0, 4, 10, 4}, contents: []byte{1, 2}, whole: true},
		{name: "OK/UpdateAfter", file: append(bytes.Clone(file), "\nmore"...), br: []int64{0, 4, 10, 4}, contents: []byte{1, 2}},
		{name: "OK/WhitespaceInHex", file: []byte("%PDF<01 02>tail"), br: []int64{0, 4, 11, 4}, contents: []byte{1, 2}, whole: true},
		{name: "ErrMalformed/ThreeNumbers", file: file, br: []int64{0, 4, 10}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/Nil", file: file, br: nil, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/NotFromStart", file: file, br: []int64{1, 3, 10, 4}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/Negative", file: file, br: []int64{0, -4, 10, 4}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/NegativeSecondLength", file: file, br: []int64{0, 4, 10, -1}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/Overlapping", file: file, br: []int64{0, 6, 4, 4}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/PastEnd", file: file, br: []int64{0, 4, 10, 5}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/FirstPastEnd", file: file, br: []int64{0, 15, 15, 0}, err: ErrByteRangeMalformed},
		{name: "ErrMalformed/Overflow", file: file, br: []int64{0, 4, 10, math.MaxInt64}, err: ErrByteRangeMalformed},
		{name: "ErrHole/Empty", file: file, br: []int64{0, 4, 4, 10}, err: ErrByteRangeHole},
		{name: "ErrHole/NotAtDelimiters", file: file, br: []int64{0, 3, 10, 4}, err: ErrByteRangeHole},
		{name: "ErrHole/NotHex", file: []byte("%PDF<01zz>tail"), br: []int64{0, 4, 10, 4}, err: ErrByteRangeHole},
		{name: "ErrHole/TwoStrings", file: []byte("%PDF<01><02>tail"), br: []int64{0, 4, 12, 4}, err: ErrByteRangeHole},
		{name: "ErrHole/SignedBytesInHole", file: []byte("%PDF<01>/V 1>tail"), br: []int64{0, 4, 13, 4}, err: ErrByteRangeHole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckByteRange(tt.file, tt.br)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Contents, tt.contents) || got.CoversWholeFile != tt.whole {
				t.Errorf("got contents %x whole %v, want %x %v", got.Contents, got.CoversWholeFile, tt.contents, tt.whole)
			}
			signed := append(bytes.Clone(tt.file[:tt.br[1]]), tt.file[tt.br[2]:tt.br[2]+tt.br[3]]...)
			want := sha256.Sum256(signed)
			if d := got.Digest(tt.file, crypto.SHA256); !bytes.Equal(d, want[:]) {
				t.Errorf("digest %x, want %x", d, want)
			}
		})
	}
}

// TestDerLen: the DER element at the start of a signature value, its zero
// padding left out; a header that does not tell a length that fits gives
// the whole value.
func TestDerLen(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"\x30\x03abc\x00\x00", 5},
		{"\x30\x81\x02ab\x00", 5},
		{"\x30\x82\x01\x00" + string(make([]byte, 256+10)), 260},
		{"\x30\x05ab", 4},         // longer than the value
		{"\x30\x80ab\x00\x00", 6}, // indefinite length (BER)
		{"\x1f\x01a", 3},          // a multi-byte tag
		{"\x30", 1},
		{"\x30\x85\x01\x02\x03\x04\x05", 7}, // a length of 5 bytes
	} {
		if got := derLen(pdfString(c.s)); got != c.want {
			t.Errorf("derLen(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}
