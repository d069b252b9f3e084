package gormdb

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func memoTail(i, n int) ([32]byte, workflow.Tail) {
	k := sha256.Sum256(fmt.Appendf(nil, "tail %d", i))
	return k, workflow.Tail{SHA256: fmt.Sprint(i), Bytes: bytes.Repeat([]byte{byte(i)}, n)}
}

// TestTailMemoBound: the memo never holds more than its bytes, drops the
// oldest tails first, keeps none longer than its longest, and counts
// its hits and misses.
func TestTailMemoBound(t *testing.T) {
	const max, longest = 1000, 300
	c := newTailMemo(max, longest)
	for i := range 200 {
		k, tl := memoTail(i, 10+i*37%290)
		c.put(k, tl)
		c.put(k, tl) // again: counted once
		n, b := c.size()
		sum := 0
		for _, v := range c.m {
			sum += tailSize(v)
		}
		if b > max || sum != b || n != len(c.order)-c.first {
			t.Fatalf("after %d puts: %d tails, %d bytes counted, %d kept, %d in order; max %d", i+1, n, b, sum, len(c.order)-c.first, max)
		}
		if got, ok := c.get(k); !ok || !bytes.Equal(got.Bytes, tl.Bytes) {
			t.Fatalf("tail %d not kept right after its put", i)
		}
		// The oldest go first: the tails kept are the latest ones.
		for j := i; j >= 0; j-- {
			kj, _ := memoTail(j, 0)
			if _, ok := c.m[kj]; !ok {
				for ; j >= 0; j-- {
					kj, _ = memoTail(j, 0)
					if _, ok := c.m[kj]; ok {
						t.Fatalf("after %d puts tail %d is kept but a later one is not", i+1, j)
					}
				}
			}
		}
	}
	if len(c.order) > 2*len(c.m)+2 {
		t.Errorf("order holds %d keys for %d tails", len(c.order), len(c.m))
	}
	k, long := memoTail(1000, longest+1)
	c.put(k, long)
	if _, ok := c.get(k); ok {
		t.Error("a tail longer than the longest was kept")
	}
	if h, m := c.hits.Load(), c.misses.Load(); h != 200 || m != 1 {
		t.Errorf("hits %d, misses %d; want 200, 1", h, m)
	}
}

// TestTailMemoOutlivesSends: documents issued at a steady rate, each
// with the load tool's two tails (23 and 65 KB), are sent and archived
// up to 150 documents later (a second or two under load with -send):
// with the memo's bytes they are all found in memory; a memo of 128
// tails that starts over when full (the former bound) found few.
func TestTailMemoOutlivesSends(t *testing.T) {
	c := newTailMemo(tailMemoBytes, tailMemoLongest)
	const lag = 150
	for d := range 2000 {
		k1, t1 := memoTail(2*d, 23<<10)
		k2, t2 := memoTail(2*d+1, 65<<10)
		c.put(k1, t1)
		c.put(k2, t2)
		if d >= lag {
			k, _ := memoTail(2*(d-lag)+1, 0)
			c.get(k)
		}
	}
	if h, m := c.hits.Load(), c.misses.Load(); m != 0 {
		t.Errorf("hits %d, misses %d: tails dropped before their send", h, m)
	}
	if _, b := c.size(); b > tailMemoBytes {
		t.Errorf("%d bytes kept, max %d", b, tailMemoBytes)
	}
}
