// Package ctxio gives readers that stop once their context is done, for
// copies whose source does not watch a context itself (a request body
// copied into a store).
package ctxio

import (
	"context"
	"io"
)

// Reader returns r that stops reading once ctx is done: Read then returns
// ctx's error.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
