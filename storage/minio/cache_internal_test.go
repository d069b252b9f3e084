package minio

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func blobInfo(b []byte) workflow.ObjectInfo {
	s := sha256.Sum256(b)
	sum := hex.EncodeToString(s[:])
	return workflow.ObjectInfo{Key: workflow.BlobKey(sum), SHA256: sum, Size: int64(len(b))}
}

// TestBlobCacheBound: the cache never holds more than its bound, drops
// the least recently used first, and keeps nothing larger than a quarter
// of it.
func TestBlobCacheBound(t *testing.T) {
	c := newBlobCache(1000)
	var infos []workflow.ObjectInfo
	for i := range 5 {
		b := make([]byte, 250)
		b[0] = byte(i)
		oi := blobInfo(b)
		infos = append(infos, oi)
		c.add(b, oi, false)
		if i == 3 {
			c.get(infos[0].Key) // used: kept over infos[1]
		}
	}
	if c.used > c.max {
		t.Fatalf("cache holds %d bytes, bound %d", c.used, c.max)
	}
	for i, want := range []bool{true, false, true, true, true} {
		if _, _, ok := c.get(infos[i].Key); ok != want {
			t.Errorf("blob %d cached = %v, want %v", i, ok, want)
		}
	}
	big := make([]byte, 251)
	c.add(big, blobInfo(big), false)
	if _, _, ok := c.get(blobInfo(big).Key); ok {
		t.Error("a blob larger than a quarter of the cache was kept")
	}
}

// TestBlobCacheChecksContent: bytes that do not hash to the SHA-256 their
// key names, or under a key that names none, are not kept.
func TestBlobCacheChecksContent(t *testing.T) {
	c := newBlobCache(1 << 20)
	oi := blobInfo([]byte("named"))
	c.add([]byte("other"), oi, false)
	if _, _, ok := c.get(oi.Key); ok {
		t.Error("bytes not matching their key's SHA-256 were cached")
	}
	oi.Key = "trash/" + oi.Key
	c.add([]byte("named"), oi, false)
	if _, _, ok := c.get(oi.Key); ok {
		t.Error("a key not naming its content was cached")
	}
	if newBlobCache(0) != nil {
		t.Error("a cache of 0 bytes is not nil (none)")
	}
}

// TestBlobCacheTrustsVerifiedPut: bytes the server hashed itself (a PUT
// it accepted under their SHA-256) are cached without a second hash;
// the key must still name the content.
func TestBlobCacheTrustsVerifiedPut(t *testing.T) {
	c := newBlobCache(1 << 20)
	data := []byte("sent and checked by the server")
	oi := blobInfo(data)
	c.add(data, oi, true)
	if got, _, ok := c.get(oi.Key); !ok || string(got) != string(data) {
		t.Fatalf("verified put not cached: %q %v", got, ok)
	}
	oi.Key = "doc/" + oi.Key
	c.add(data, oi, true)
	if _, _, ok := c.get(oi.Key); ok {
		t.Error("a key not naming its content was cached")
	}
}

// TestKeeperFollowsRewinds: a body sent twice (a retry from its start)
// is kept once; moved forward past what it saw, it gives up.
func TestKeeperFollowsRewinds(t *testing.T) {
	k := newKeeper(6)
	k.wrote([]byte("abc"))
	k.moved(0)
	k.wrote([]byte("abcdef"))
	if b, ok := k.content(6); !ok || string(b) != "abcdef" {
		t.Fatalf("content after a rewind: %q %v", b, ok)
	}
	k = newKeeper(6)
	k.wrote([]byte("ab"))
	k.moved(4)
	k.wrote([]byte("ef"))
	if _, ok := k.content(6); ok {
		t.Fatal("content kept after a jump forward")
	}
}
