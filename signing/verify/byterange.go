package verify

import (
	"crypto"
	"errors"
	"fmt"
	"hash"
)

// ByteRange is a signature's /ByteRange: [offset1 length1 offset2 length2],
// the two pieces of the file that the signature covers. Everything between
// them must be the signature value, the /Contents hex string.
type ByteRange [4]int64

// Errors of CheckByteRange, to match with errors.Is.
var (
	// ErrByteRangeMalformed: not four non-negative numbers, the first piece
	// not at offset 0, the pieces overlapping or out of order, or reaching
	// past the end of the file.
	ErrByteRangeMalformed = errors.New("the byte range is malformed or extends beyond the end of the file")
	// ErrByteRangeHole: the bytes between the two pieces are not exactly
	// one hexadecimal string <...>.
	ErrByteRangeHole = errors.New("the byte range does not exclude exactly the signature value")
)

// SignedRange is a byte range checked against its file by CheckByteRange.
type SignedRange struct {
	ByteRange
	// Contents is the decoded hexadecimal string in the hole (the CMS,
	// with its zero padding).
	Contents []byte
	// CoversWholeFile: the second piece ends at the end of the file (no
	// incremental update after the signature).
	CoversWholeFile bool
}

// End is where the signed revision ends: the end of the second piece.
func (r ByteRange) End() int64 { return r[2] + r[3] }

// CheckByteRange is the one check of a signature's byte range against the
// file it belongs to, used by the verifier, by signing's check of layer 1
// before layer 2 and by the signature-intact check: br must be four
// numbers, the first piece starting at 0, the second starting where the
// hole after the first ends (never inside the first), both inside the
// file, and the hole exactly one hexadecimal string "<...>", whose bytes
// it returns. Errors wrap ErrByteRangeMalformed or ErrByteRangeHole.
func CheckByteRange(file []byte, br []int64) (SignedRange, error) {
	size := int64(len(file))
	if len(br) != 4 {
		return SignedRange{}, fmt.Errorf("%w: %v has %d numbers, want 4", ErrByteRangeMalformed, br, len(br))
	}
	r := ByteRange{br[0], br[1], br[2], br[3]}
	switch {
	case r[0] != 0:
		return SignedRange{}, fmt.Errorf("%w: %v does not start at offset 0", ErrByteRangeMalformed, br)
	case r[1] < 0 || r[2] < 0 || r[3] < 0:
		return SignedRange{}, fmt.Errorf("%w: %v has a negative number", ErrByteRangeMalformed, br)
	case r[2] < r[0]+r[1]:
		return SignedRange{}, fmt.Errorf("%w: %v: the second piece starts inside the first", ErrByteRangeMalformed, br)
	case r[1] > size || r[3] > size-r[2] || r[2] > size:
		return SignedRange{}, fmt.Errorf("%w: %v reaches past the end of the file (%d bytes)", ErrByteRangeMalformed, br, size)
	}
	gap := file[r[1]:r[2]]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return SignedRange{}, fmt.Errorf("%w: %v", ErrByteRangeHole, br)
	}
	l := &lexer{b: gap}
	contents, err := l.hexBytes()
	if err != nil {
		return SignedRange{}, fmt.Errorf("%w: %v: %v", ErrByteRangeHole, br, err)
	}
	if l.pos != len(gap) {
		return SignedRange{}, fmt.Errorf("%w: %v: the hole holds more than one string", ErrByteRangeHole, br)
	}
	return SignedRange{ByteRange: r, Contents: contents, CoversWholeFile: r.End() == size}, nil
}

// Digest hashes the two pieces of file in place (no copy of the signed
// bytes). r must have passed CheckByteRange on file.
func (r ByteRange) Digest(file []byte, h crypto.Hash) []byte {
	d := h.New()
	r.Hash(file, d)
	return d.Sum(nil)
}

// Hash writes the two pieces of file to h.
func (r ByteRange) Hash(file []byte, h hash.Hash) {
	h.Write(file[r[0] : r[0]+r[1]])
	h.Write(file[r[2] : r[2]+r[3]])
}
