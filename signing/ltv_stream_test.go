package signing

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/verify"
)

// ltvLarge is a signed 12.5 MB scan in a file, with the CA, responder and
// TSA that serve it.
func ltvLarge(tb testing.TB) (*revPKI, string, string, int64) {
	tb.Helper()
	p := newRevPKI(tb, "ec")
	tsa := p.tsa(tb, func() time.Time { return time.Now().Add(-time.Minute) })
	signed := p.signLayers(tb, scannedPDF(tb, 3, 12.5), tsa.URL)
	path := filepath.Join(tb.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, signed, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p, tsa.URL, path, int64(len(signed))
}

// AppendLTV reads the signed file through an io.ReaderAt (here an
// *os.File) and holds only the update: it allocates a small fraction of
// the document, however large the document is.
func TestAppendLTVStreams(t *testing.T) {
	p, tsaURL, path, size := ltvLarge(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	var res LTVResult
	alloc := testpdf.Allocated(func() {
		cw := &countWriter{}
		res, err = AppendLTV(context.Background(), f, size, cw, LTV{Fetcher: verify.HTTPFetcher{}, TSAURL: tsaURL})
		n = cw.n
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != "B-LTA" || n == 0 {
		t.Fatalf("result %+v, %d bytes appended", res, n)
	}
	if alloc > uint64(size)/8 {
		t.Errorf("AppendLTV allocated %d bytes for a %d-byte document (want < 1/8)", alloc, size)
	}
	t.Logf("%d-byte document: %d bytes appended, %d bytes allocated (%.3f× the document)", size, n, alloc, float64(alloc)/float64(size))
	_ = p
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }

var _ io.Writer = (*countWriter)(nil)

// BenchmarkAppendLTV: the DSS and document time-stamp updates of a 12.5 MB
// signed scan, read from a file (TSA and responder on 127.0.0.1).
func BenchmarkAppendLTV(b *testing.B) {
	_, tsaURL, path, size := ltvLarge(b)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendLTV(context.Background(), f, size, io.Discard, LTV{Fetcher: verify.HTTPFetcher{}, TSAURL: tsaURL}); err != nil {
			b.Fatal(err)
		}
	}
}
