package testpdf

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

func TestZeroBomb(t *testing.T) {
	const n = 8 << 20
	z := ZeroBomb(n)
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.Copy(io.Discard, zr)
	if err != nil || got != n {
		t.Fatalf("inflated %d bytes (%v), want %d", got, err, n)
	}
	if len(z) > n/500 {
		t.Errorf("%d bytes compressed", len(z))
	}
}
