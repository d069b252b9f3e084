package blobgc

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"runtime"
	"testing"
)

// manyRefs references n distinct blobs, each twice.
type manyRefs int

func (n manyRefs) ReferencedBlobs(_ context.Context, fn func(string) error) error {
	for i := range 2 * int(n) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i%int(n)))
		sum := sha256.Sum256(b[:])
		if err := fn(hex.EncodeToString(sum[:])); err != nil {
			return err
		}
	}
	return nil
}

// TestSumSet: has answers as a map of the sums would, for sums in
// canonical lower-case hex and for any other string.
func TestSumSet(t *testing.T) {
	c := &Collector{Refs: manyRefs(1000)}
	refs, err := c.refs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	other := &sumSet{}
	for _, s := range []string{"x", "ABCD", "AB" + hex.EncodeToString(make([]byte, 31))} {
		other.add(s)
	}
	other.sort()
	want := map[string]bool{}
	_ = manyRefs(1000).ReferencedBlobs(context.Background(), func(s string) error { want[s] = true; return nil })
	for s := range want {
		if !refs.has(s) {
			t.Errorf("has(%s) = false", s)
		}
	}
	for _, s := range []string{"", "x", hex.EncodeToString(make([]byte, 32)), "ABCD"} {
		if refs.has(s) {
			t.Errorf("has(%q) = true", s)
		}
	}
	if len(refs.sums) != 1000 {
		t.Errorf("%d sums kept for 1000 distinct", len(refs.sums))
	}
	for _, s := range []string{"x", "ABCD", "AB" + hex.EncodeToString(make([]byte, 31))} {
		if !other.has(s) {
			t.Errorf("other: has(%q) = false", s)
		}
	}
	if other.has("ab" + hex.EncodeToString(make([]byte, 31))) {
		t.Error("a lower-case sum matched its upper-case spelling")
	}
}

// BenchmarkRefsMemory reports the heap a run's references hold: 600,000
// references to 300,000 blobs (a district's six years, two files a
// document, each named twice), as the collector keeps them ("set") and
// as a map of their strings, which it kept before ("map").
func BenchmarkRefsMemory(b *testing.B) {
	c := &Collector{Refs: manyRefs(300_000)}
	for _, kind := range []string{"set", "map"} {
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				var refs any
				if kind == "set" {
					set, err := c.refs(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					refs = set
				} else {
					m := map[string]bool{}
					_ = c.Refs.ReferencedBlobs(context.Background(), func(s string) error { m[s] = true; return nil })
					refs = m
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
				runtime.KeepAlive(refs)
			}
		})
	}
}
