package minio_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"testing"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/storage/storagetest"
	"github.com/vanthu/vanthu/workflow"
)

// countedStore is a store on a fresh bucket whose requests are counted.
func countedStore(t *testing.T, cacheBytes int64) (*minio.Store, *countingTransport) {
	t.Helper()
	cfg := envConfig(t)
	base, err := s3.DefaultTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	tr := &countingTransport{base: base}
	cfg.Transport, cfg.CacheBytes = tr, cacheBytes
	s := newStore(t, cfg, false)
	tr.take()
	return s, tr
}

// TestIntegrationGetOneRequest: without a cache, a Get is one GET (its
// answer carries the object's info: no HEAD before it), an empty object
// included, and a missing one is ENOTFOUND.
func TestIntegrationGetOneRequest(t *testing.T) {
	s, tr := countedStore(t, 0)
	for _, b := range [][]byte{storagetest.RandomBytes(3, 5000), {}} {
		key := workflow.BlobKey(storagetest.Sum(b))
		putBytes(t, s, key, b, workflow.PutOptions{})
		tr.take()
		got, oi := storagetest.Get(t, s, key)
		if !bytes.Equal(got, b) || oi.Size != int64(len(b)) || oi.SHA256 != storagetest.Sum(b) {
			t.Fatalf("Get: %d bytes, info %+v; want the %d bytes put", len(got), oi, len(b))
		}
		if m := tr.take(); !slices.Equal(m, []string{http.MethodGet}) {
			t.Fatalf("Get of %d bytes: requests %v, want one GET", len(b), m)
		}
	}
	if _, _, err := s.Get(context.Background(), workflow.BlobKey(storagetest.Sum([]byte("none")))); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("Get of a missing key: %v, want ENOTFOUND", err)
	}
}

// TestIntegrationCacheServesBlobs: a blob written or read whole through a
// store with a cache is read again without a request; Put, Stat and
// Delete still ask the server, and a deleted blob is not served.
func TestIntegrationCacheServesBlobs(t *testing.T) {
	s, tr := countedStore(t, 1<<20)
	ctx := context.Background()
	b := storagetest.RandomBytes(5, 40000)
	key := workflow.BlobKey(storagetest.Sum(b))
	put := putBytes(t, s, key, b, workflow.PutOptions{})
	tr.take()
	got, oi := storagetest.Get(t, s, key)
	if !bytes.Equal(got, b) || oi.SHA256 != put.SHA256 || oi.Size != put.Size {
		t.Fatalf("cached Get: %d bytes, info %+v; want the blob put (%+v)", len(got), oi, put)
	}
	if m := tr.take(); len(m) != 0 {
		t.Fatalf("Get of a blob just put: requests %v, want none", m)
	}
	putBytes(t, s, key, b, workflow.PutOptions{})
	if _, err := s.Stat(ctx, key); err != nil {
		t.Fatal(err)
	}
	if m := tr.take(); len(m) < 2 {
		t.Fatalf("Put and Stat of a cached blob: requests %v, want them sent", m)
	}

	// Read from the server by another store: cached once read whole.
	other, tr2 := countedStore(t, 1<<20)
	b2 := storagetest.RandomBytes(6, 30000)
	key2 := workflow.BlobKey(storagetest.Sum(b2))
	if _, err := other.Client().PutObject(ctx, other.Bucket(), key2, bytes.NewReader(b2), int64(len(b2)),
		s3.PutObjectOptions{UserMetadata: map[string]string{"Vanthu-Sha256": storagetest.Sum(b2)}}); err != nil {
		t.Fatal(err)
	}
	tr2.take()
	for i, want := range []int{1, 0} {
		if got, _ := storagetest.Get(t, other, key2); !bytes.Equal(got, b2) {
			t.Fatalf("Get %d: wrong content", i)
		}
		if m := tr2.take(); len(m) != want {
			t.Fatalf("Get %d of a blob on the server: requests %v, want %d", i, m, want)
		}
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, key); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("Get after Delete: %v, want ENOTFOUND", err)
	}
}

// TestIntegrationCacheSaysVerified: only a whole blob answered from the
// cache says its bytes were checked (workflow.VerifiedReader, with its
// SHA-256), so that workflow.Files does not hash them again; a read from
// the server, a store without a cache and a ranged read say nothing.
func TestIntegrationCacheSaysVerified(t *testing.T) {
	ctx := context.Background()
	verified := func(s *minio.Store, key string) string {
		t.Helper()
		rc, _, err := s.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Fatal(err)
		}
		if v, ok := rc.(workflow.VerifiedReader); ok {
			return v.VerifiedSHA256()
		}
		return ""
	}
	b := storagetest.RandomBytes(7, 20000)
	sum := storagetest.Sum(b)
	key := workflow.BlobKey(sum)
	s, _ := countedStore(t, 1<<20)
	putBytes(t, s, key, b, workflow.PutOptions{})
	if got := verified(s, key); got != sum {
		t.Errorf("Get of a cached blob says %q, want its SHA-256 %s", got, sum)
	}
	rc, err := s.GetRange(ctx, key, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.(workflow.VerifiedReader); ok {
		t.Error("a ranged read of a cached blob says it is verified")
	}
	rc.Close()
	other, _ := countedStore(t, 1<<20) // the same bucket's blob, read from the server, then cached
	if _, err := other.Client().PutObject(ctx, other.Bucket(), key, bytes.NewReader(b), int64(len(b)),
		s3.PutObjectOptions{UserMetadata: map[string]string{"Vanthu-Sha256": sum}}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"", sum} {
		if got := verified(other, key); got != want {
			t.Errorf("Get %d of a blob on the server says %q, want %q", i, got, want)
		}
	}
	none, _ := countedStore(t, 0)
	putBytes(t, none, key, b, workflow.PutOptions{})
	if got := verified(none, key); got != "" {
		t.Errorf("Get without a cache says %q, want nothing", got)
	}
}

// TestIntegrationCacheOnlyNamedContent: an object whose key does not name
// its content is never served from the cache: replaced by another
// instance, the new bytes are read.
func TestIntegrationCacheOnlyNamedContent(t *testing.T) {
	s, tr := countedStore(t, 1<<20)
	ctx := context.Background()
	first, second := []byte("first version"), []byte("second version")
	putBytes(t, s, "doc/a.json", first, workflow.PutOptions{})
	if _, err := s.Client().PutObject(ctx, s.Bucket(), "doc/a.json", bytes.NewReader(second), int64(len(second)), s3.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	tr.take()
	if got, _ := storagetest.Get(t, s, "doc/a.json"); !bytes.Equal(got, second) {
		t.Fatalf("Get of a replaced object: %q, want %q", got, second)
	}
	if m := tr.take(); len(m) != 1 {
		t.Fatalf("Get of a key not naming its content: requests %v, want one GET", m)
	}
	// A blob key holding other bytes than it names (written around the
	// store) is not cached: each Get asks the server.
	bad := workflow.BlobKey(storagetest.Sum([]byte("named")))
	if _, err := s.Client().PutObject(ctx, s.Bucket(), bad, bytes.NewReader(second), int64(len(second)),
		s3.PutObjectOptions{UserMetadata: map[string]string{"Vanthu-Sha256": storagetest.Sum([]byte("named"))}}); err != nil {
		t.Fatal(err)
	}
	tr.take()
	for range 2 {
		storagetest.Get(t, s, bad)
	}
	if m := tr.take(); len(m) != 2 {
		t.Fatalf("Get of a blob whose bytes do not match its key: requests %v, want a GET each time", m)
	}
}

// TestIntegrationConformanceCached: the conformance suite through a store
// with a cache.
func TestIntegrationConformanceCached(t *testing.T) {
	cfg := envConfig(t)
	cfg.CacheBytes = 1 << 20
	storagetest.Run(t, func(t *testing.T) workflow.Blobs { return newStore(t, cfg, true) })
}

// TestIntegrationPutAnswersItsChecksum: the server answers a PUT carrying
// x-amz-checksum-sha256 with that checksum only when the bytes it received
// hash to it (otherwise it refuses them), which is what lets a Put cache
// the bytes it sent without hashing them again.
func TestIntegrationPutAnswersItsChecksum(t *testing.T) {
	s, tr := countedStore(t, 1<<20)
	ctx := context.Background()
	b := storagetest.RandomBytes(6, 3000)
	opts := func(sum string) s3.PutObjectOptions {
		raw, err := hex.DecodeString(sum)
		if err != nil {
			t.Fatal(err)
		}
		return s3.PutObjectOptions{DisableMultipart: true, DisableContentSha256: true,
			UserMetadata: map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(raw)}}
	}
	ui, err := s.Client().PutObject(ctx, s.Bucket(), "checked", bytes.NewReader(b), int64(len(b)), opts(storagetest.Sum(b)))
	if err != nil {
		t.Fatal(err)
	}
	if want := opts(storagetest.Sum(b)).UserMetadata["x-amz-checksum-sha256"]; ui.ChecksumSHA256 != want {
		t.Fatalf("PUT answered checksum %q, want %q", ui.ChecksumSHA256, want)
	}
	if _, err := s.Client().PutObject(ctx, s.Bucket(), "unchecked", bytes.NewReader(b), int64(len(b)), opts(storagetest.Sum([]byte("other")))); err == nil {
		t.Fatal("PUT of bytes not matching their x-amz-checksum-sha256 accepted")
	}
	// Through the store: the Put's bytes, cached on the server's checksum
	// without a second hash, are served from the cache — no request.
	key := workflow.BlobKey(storagetest.Sum(b))
	putBytes(t, s, key, b, workflow.PutOptions{})
	tr.take()
	if got, _ := storagetest.Get(t, s, key); !bytes.Equal(got, b) {
		t.Fatal("Get after a verified Put: other bytes")
	}
	if m := tr.take(); len(m) != 0 {
		t.Errorf("Get after a verified Put: requests %v, want none (from the cache)", m)
	}
}
