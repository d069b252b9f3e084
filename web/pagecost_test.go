package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// countingBlobs counts the objects opened and the bytes read out of the
// store.
type countingBlobs struct {
	workflow.Blobs
	gets, bytes atomic.Int64
}

func (b *countingBlobs) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	rc, oi, err := b.Blobs.Get(ctx, key)
	if err != nil {
		return nil, oi, err
	}
	b.gets.Add(1)
	return &countingReader{ReadCloser: rc, n: &b.bytes}, oi, nil
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// scannedPDF is a long scanned document of pages pages, px pixels wide.
func scannedPDF(t testing.TB, pages, px int) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := testpdf.WriteScanned(&b, pages, px, uint64(pages)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadScan files pdf as an incoming document of confidentiality conf,
// as the clerk c.
func uploadScan(t *testing.T, c *client, pdf []byte, conf string) string {
	t.Helper()
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Hồ sơ quét dài"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {conf}}
	return docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:quet.pdf": pdf}))
}

// TestMeasureReaderPages measures what reading a long scan in the
// reader costs: the reader page, then the first VANTHU_MEASURE_READ
// (default 100) page images at 1,080 pixels (a 3× phone), one after the
// other as a reader scrolls, then the same pages again as a browser asks
// for them when the page is opened again (with If-None-Match when the
// image had an ETag), then by another reader. A document of VANTHU_MEASURE_READER pages (a
// 1,240-pixel JPEG scan each, ≈ 190 KB a page); skipped when unset.
// Reports bytes read out of the store, wall and CPU (the process and the
// renderers it ran) per page. docs/performance.md has the figures.
func TestMeasureReaderPages(t *testing.T) {
	pages, _ := strconv.Atoi(os.Getenv("VANTHU_MEASURE_READER"))
	if pages == 0 || pdftoppm == "" || pdfinfo == "" {
		t.Skip("VANTHU_MEASURE_READER=PAGES (and poppler) to measure reading a long document")
	}
	read := min(pages, 100)
	if n, err := strconv.Atoi(os.Getenv("VANTHU_MEASURE_READ")); err == nil && n > 0 {
		read = min(pages, n)
	}
	pdf := scannedPDF(t, pages, 1240)
	e := newTestEnv(t)
	blobs := &countingBlobs{Blobs: e.docs.Blobs}
	e.docs.Blobs = blobs
	c := e.login("vanthu")
	id := uploadScan(t, c, pdf, "normal")
	t.Logf("document: %d pages, %.1f MB; reading %d pages at 1080 px", pages, float64(len(pdf))/1e6, read)
	tags := make([]string, read+1)
	pass := func(name string, c *client, again bool) {
		blobs.gets.Store(0)
		blobs.bytes.Store(0)
		cpu0, t0 := cpuTimeWithChildren(), time.Now()
		if !again {
			if p := c.get("/documents/" + id + "/read"); p.Status != http.StatusOK {
				t.Fatalf("reader: %d", p.Status)
			}
		}
		var status [600]int
		for n := 1; n <= read; n++ {
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/documents/%s/page/%d?w=1080", c.base, id, n), nil)
			if again && tags[n] != "" {
				req.Header.Set("If-None-Match", tags[n])
			}
			p := c.do(req)
			status[p.Status]++
			tags[n] = p.Header.Get("ETag")
		}
		wall, cpu := time.Since(t0), cpuTimeWithChildren()-cpu0
		t.Logf("%s: %d × 200, %d × 304; store: %d opens, %.1f MB (%.2f MB a page); wall %.1f ms a page, CPU %.1f ms a page (%.1f s, %.1f s in all)",
			name, status[200], status[304], blobs.gets.Load(), float64(blobs.bytes.Load())/1e6, float64(blobs.bytes.Load())/1e6/float64(read),
			float64(wall.Milliseconds())/float64(read), float64(cpu.Milliseconds())/float64(read), wall.Seconds(), cpu.Seconds())
	}
	pass("first reading", c, false)
	pass("opened again", c, true)
	pass("another reader", e.login("lanhdao"), false)
}

// cpuTimeWithChildren is the CPU time of the process and of the children
// it waited for (the renderers).
func cpuTimeWithChildren() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}
