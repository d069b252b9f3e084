package minio

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/vanthu/vanthu/workflow"
)

// blobCache keeps the content of recently written or read blobs whose key
// names their content (workflow.BlobKey of their SHA-256), so that a Get
// of one of them needs no request: a document's PDF is stored by one
// action and read by the next (sign, issue, archive). Such a key never
// holds other bytes, so an entry cannot be stale; it is taken only after
// its bytes hashed to the SHA-256 its key names (hashed here, or by the
// server that accepted a PUT of them under that SHA-256). Only Get reads it: Put,
// Stat, List and Delete always ask the server. It holds at most max bytes,
// the least recently used going first.
type blobCache struct {
	mu    sync.Mutex
	max   int64 // bytes of content at most
	used  int64
	order *list.List // of *cacheEntry, most recently used first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key  string
	data []byte // never written after the entry is made
	info workflow.ObjectInfo
}

// newBlobCache returns a cache of max bytes, or nil (no cache) when max
// is not positive.
func newBlobCache(max int64) *blobCache {
	if max <= 0 {
		return nil
	}
	return &blobCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// fits reports whether an object of size bytes under key may be cached: a
// content-addressed key, and at most a quarter of the cache.
func (c *blobCache) fits(key, sum string, size int64) bool {
	return c != nil && size >= 0 && size <= c.max/4 && len(sum) == 64 && workflow.BlobKey(sum) == key
}

// get returns the cached content of key and its info.
func (c *blobCache) get(key string) ([]byte, workflow.ObjectInfo, bool) {
	if c == nil {
		return nil, workflow.ObjectInfo{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, workflow.ObjectInfo{}, false
	}
	c.order.MoveToFront(el)
	e := el.Value.(*cacheEntry)
	return e.data, e.info, true
}

// add caches data as the content of info.Key when the key names the
// content and the bytes hash to it; otherwise it does nothing. verified
// says that the server already hashed exactly these bytes and found
// info.SHA256 (a PUT of them accepted under its x-amz-checksum-sha256):
// they are not hashed again. data must not be written afterwards.
func (c *blobCache) add(data []byte, info workflow.ObjectInfo, verified bool) {
	if !c.fits(info.Key, info.SHA256, int64(len(data))) || int64(len(data)) != info.Size {
		return
	}
	if !verified {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != info.SHA256 {
			return
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[info.Key]; ok {
		el.Value.(*cacheEntry).info = info // a newer Modtime or version
		c.order.MoveToFront(el)
		return
	}
	c.byKey[info.Key] = c.order.PushFront(&cacheEntry{key: info.Key, data: data, info: info})
	c.used += int64(len(data))
	for c.used > c.max {
		c.removeLocked(c.order.Back())
	}
}

// remove forgets key (deleted through this store).
func (c *blobCache) remove(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.removeLocked(el)
	}
}

func (c *blobCache) removeLocked(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.used -= int64(len(e.data))
}

// cached is a Get answered from the cache.
type cached struct{ *bytes.Reader }

func (cached) Close() error { return nil }

// cachedBlob is a whole blob answered from the cache: its bytes hashed to
// sha, the SHA-256 its key names, when they were cached (add), so
// workflow.Files does not hash them again. A ranged read (GetRange) is a
// plain cached.
type cachedBlob struct {
	cached
	sha string
}

var _ workflow.VerifiedReader = cachedBlob{}

// VerifiedSHA256 implements workflow.VerifiedReader.
func (c cachedBlob) VerifiedSHA256() string { return c.sha }

// keeper collects the bytes a Put sends or a Get reads, for the cache: it
// follows the stream from its start and gives up when it is moved
// elsewhere.
type keeper struct {
	buf    []byte
	failed bool
}

func newKeeper(size int64) *keeper { return &keeper{buf: make([]byte, 0, size)} }

// wrote records the next bytes of the stream.
func (k *keeper) wrote(p []byte) {
	if k == nil || k.failed {
		return
	}
	if len(k.buf)+len(p) > cap(k.buf) {
		k.failed = true
		return
	}
	k.buf = append(k.buf, p...)
}

// moved records that the stream went to offset abs.
func (k *keeper) moved(abs int64) {
	if k == nil || k.failed {
		return
	}
	if abs < 0 || abs > int64(len(k.buf)) {
		k.failed = true
		return
	}
	k.buf = k.buf[:abs]
}

// content returns the bytes kept when they are the whole stream of size
// bytes.
func (k *keeper) content(size int64) ([]byte, bool) {
	if k == nil || k.failed || int64(len(k.buf)) != size {
		return nil, false
	}
	return k.buf, true
}
