package api

import (
	"bytes"
	"io"
	"mime/multipart"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// parts returns a multipart reader over one file part per content.
func parts(t *testing.T, contents ...[]byte) *multipart.Reader {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, c := range contents {
		fw, err := w.CreateFormFile("file", "vanban.pdf")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(c)
	}
	w.Close()
	return multipart.NewReader(&buf, w.Boundary())
}

func content(t *testing.T, u *workflow.Upload) []byte {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(u.Content, 0, u.Size))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpoolMemoryAndFile(t *testing.T) {
	small := bytes.Repeat([]byte("a"), 3000)
	large := bytes.Repeat([]byte("0123456789"), uploadInMemory/10+7) // past a request's share
	tests := []struct {
		name    string
		files   [][]byte
		budget  int64 // held by other requests
		inFiles int   // how many end up in temporary files
	}{
		{"OK/small in memory", [][]byte{small, small}, 0, 0},
		{"OK/large to a file", [][]byte{large, small}, 0, 1},
		{"OK/request's share used up", [][]byte{large[:uploadInMemory-100], small}, 0, 1},
		{"OK/server's budget used up", [][]byte{small}, uploadMemoryBudget - 1000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var budget atomic.Int64
			budget.Store(tt.budget)
			up := uploads{budget: &budget}
			mr := parts(t, tt.files...)
			for i, want := range tt.files {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatal(err)
				}
				u, err := up.spool(p, 4*uploadInMemory)
				if err != nil {
					t.Fatal(err)
				}
				if got := content(t, u); u.Size != int64(len(want)) || !bytes.Equal(got, want) {
					t.Fatalf("file %d: %d bytes read back, want %d", i, len(got), len(want))
				}
			}
			if len(up.files) != tt.inFiles {
				t.Errorf("%d files spooled to disk, want %d", len(up.files), tt.inFiles)
			}
			if budget.Load() <= tt.budget && tt.inFiles < len(tt.files) {
				t.Errorf("memory budget %d while files are held in memory", budget.Load())
			}
			names := make([]string, len(up.files))
			for i, f := range up.files {
				names[i] = f.Name()
			}
			up.cleanup()
			if got := budget.Load(); got != tt.budget {
				t.Errorf("memory budget after cleanup = %d, want %d", got, tt.budget)
			}
			for _, n := range names {
				if _, err := os.Stat(n); !os.IsNotExist(err) {
					t.Errorf("temporary file %s left behind (%v)", n, err)
				}
			}
		})
	}
}

func TestSpoolLimits(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		limit int64
		code  string
	}{
		{"ErrEmpty", 0, 1 << 20, workflow.EUNSUPPORTEDMEDIA},
		{"ErrTooLarge/in memory", 2000, 1000, workflow.ETOOLARGE},
		{"ErrTooLarge/on disk", uploadInMemory + 2000, uploadInMemory + 1000, workflow.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var budget atomic.Int64
			up := uploads{budget: &budget}
			p, err := parts(t, []byte(strings.Repeat("x", tt.size))).NextPart()
			if err != nil {
				t.Fatal(err)
			}
			_, err = up.spool(p, tt.limit)
			if workflow.ErrorCode(err) != tt.code {
				t.Fatalf("spool: %v, want %s", err, tt.code)
			}
			up.cleanup()
			if budget.Load() != 0 {
				t.Errorf("memory budget after cleanup = %d", budget.Load())
			}
		})
	}
}

// TestSpoolSizedFromBody: with the body's size known, a part is read
// into one buffer of at most what is left of the body (not doubled from
// 512 bytes: about 2.5x the part's size allocated for an 80 KB part), and
// the budget holds that buffer; an unknown size reads as before.
func TestSpoolSizedFromBody(t *testing.T) {
	file := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", "vanban.pdf")
	fw.Write(file)
	w.Close()
	for _, tt := range []struct {
		name  string
		known bool
	}{{"OK/size known", true}, {"OK/size unknown", false}} {
		t.Run(tt.name, func(t *testing.T) {
			var budget atomic.Int64
			up := uploads{budget: &budget, body: &countingReader{r: bytes.NewReader(body.Bytes())}, size: -1}
			if tt.known {
				up.size = int64(body.Len())
			}
			mr := multipart.NewReader(up.body, w.Boundary())
			p, err := mr.NextPart()
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			u, err := up.spool(p, 4*uploadInMemory)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if got := content(t, u); !bytes.Equal(got, file) {
				t.Fatalf("%d bytes read back, want %d", len(got), len(file))
			}
			// The budget holds the buffer: at least the part, at most
			// what was left of the body.
			if held := budget.Load(); held < int64(len(file)) || tt.known && held > int64(body.Len()+multipartReadAhead) {
				t.Errorf("budget holds %d bytes for a part of %d in a body of %d", held, len(file), body.Len())
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; tt.known && alloc > uint64(body.Len()+multipartReadAhead+16<<10) {
				t.Errorf("%d bytes allocated to read a part of %d", alloc, len(file))
			}
			up.cleanup()
			if budget.Load() != 0 {
				t.Errorf("memory budget after cleanup = %d", budget.Load())
			}
		})
	}
}
