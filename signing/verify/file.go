package verify

import (
	"context"
	"fmt"
	"os"
)

// VerifyFile reads the PDF at path and verifies it (see Verify). A file
// that cannot be read is the read error; a file that is not a PDF is
// Verify's error, prefixed with the path.
func VerifyFile(ctx context.Context, path string, opts Options) (*Report, error) {
	pdf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rep, err := Verify(ctx, pdf, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}
