package blobgc

import (
	"context"
	"fmt"
	"io"

	"github.com/vanthu/vanthu/workflow"
)

// Guard is the work store as uploads use it beside a collector: a Put of
// a blob that a collection deleted (its tombstone stands) clears the
// tombstone once the blob is stored again, so that references to it
// commit again. The tombstone is read before the Put: no run deletes a
// blob while its tombstone stands, so the blob stored after that read
// stays.
type Guard struct {
	workflow.Blobs
	Claims Tombstones
}

var _ workflow.Blobs = (*Guard)(nil)

// Put stores the object; for a live blob with a tombstone, it clears the
// tombstone after. Errors as the store's, and the claims' (EUNAVAILABLE).
func (g *Guard) Put(ctx context.Context, key string, r io.Reader, size int64, sha256 string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	sum := sumOf(key, Prefix)
	if sum == "" || g.Claims == nil {
		return g.Blobs.Put(ctx, key, r, size, sha256, opts)
	}
	token, err := g.Claims.BlobTombstone(ctx, sum)
	if err != nil {
		return workflow.ObjectInfo{}, fmt.Errorf("store %s: %w", key, err)
	}
	oi, err := g.Blobs.Put(ctx, key, r, size, sha256, opts)
	if err != nil || token == "" {
		return oi, err
	}
	if err := g.Claims.ClearBlobTombstone(ctx, sum, token); err != nil {
		return oi, fmt.Errorf("store %s: %w", key, err)
	}
	return oi, nil
}

// Ping checks the store when it can be checked (the readiness probe).
func (g *Guard) Ping(ctx context.Context) error {
	if p, ok := g.Blobs.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return nil
}
