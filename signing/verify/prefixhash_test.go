package verify

import (
	"bytes"
	"crypto"
	_ "crypto/sha1"
	_ "crypto/sha256"
	"math/rand/v2"
	"testing"
)

// TestPrefixDigests: every digest is the one of its range hashed on its
// own, whatever the order they are asked in, for SHA-256 and SHA-1; the
// ranges of successive signatures (each covering the previous one's
// value) hash the file once plus their second pieces; a range not
// prepared, or not starting at 0, is hashed on its own.
func TestPrefixDigests(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	file := make([]byte, 100_000)
	for i := range file {
		file[i] = byte(rng.IntN(256))
	}
	// Three revisions, as an issued PDF: layer 1 ends at 30,000, layer 2
	// at 70,000, the document time-stamp at the end of the file.
	ranges := []ByteRange{
		{0, 20_000, 24_000, 6_000},
		{0, 60_000, 64_000, 6_000},
		{0, 80_000, 92_000, 8_000},
	}
	orders := [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1} {
		for _, order := range orders {
			p := newPrefixDigests(file, ranges)
			for _, i := range order {
				r := ranges[i]
				if got, want := p.digest(r, h), r.Digest(file, h); !bytes.Equal(got, want) {
					t.Fatalf("%v, order %v: range %v: digest %x, want %x", h, order, r, got, want)
				}
				// Asked again: the same.
				if got, want := p.digest(r, h), r.Digest(file, h); !bytes.Equal(got, want) {
					t.Fatalf("%v, order %v: range %v asked twice: digest %x, want %x", h, order, r, got, want)
				}
			}
			// Once: the file up to the last value (80,000) and each
			// second piece twice (asked twice).
			if want := int64(80_000 + 2*(6_000+6_000+8_000)); p.hashed != want {
				t.Errorf("%v, order %v: %d bytes hashed, want %d", h, order, p.hashed, want)
			}
		}
	}
	p := newPrefixDigests(file, ranges)
	for _, r := range []ByteRange{{0, 50_000, 52_000, 1_000}, {10, 100, 200, 300}} {
		if got, want := p.digest(r, crypto.SHA256), r.Digest(file, crypto.SHA256); !bytes.Equal(got, want) {
			t.Errorf("range %v (not prepared): digest %x, want %x", r, got, want)
		}
	}
	// A change in the shared first bytes changes every digest.
	changed := bytes.Clone(file)
	changed[100]++
	q := newPrefixDigests(changed, ranges)
	for _, r := range ranges {
		if bytes.Equal(q.digest(r, crypto.SHA256), r.Digest(file, crypto.SHA256)) {
			t.Errorf("range %v: the digest did not change with byte 100", r)
		}
	}
}
