package signing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// inspectMappedFile is Inspect of b from a mapped file at path (written
// first), as an upload spooled to disk is read.
func inspectMappedFile(tb testing.TB, path string, b []byte) (Info, error) {
	tb.Helper()
	// A new file: ext4 writes a file truncated and written again back to
	// disk when it is closed (a few hundred µs, which fuzzing notices).
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if len(b) == 0 { // nothing to map
		return Inspect(f, 0)
	}
	m, ok := mapFile(f, 0, int64(len(b)))
	if !ok {
		tb.Fatalf("%d bytes in %s cannot be mapped", len(b), path)
	}
	defer m.unmap()
	return inspectMapped(m.b)
}

// sameFromFile checks that b gives the same answer read from a mapped
// file as from memory: the same Info, error code and message.
func sameFromFile(tb testing.TB, path string, b []byte) {
	tb.Helper()
	want, werr := inspectBytes(bytes.Clone(b))
	got, err := inspectMappedFile(tb, path, b)
	if got != want || workflow.ErrorCode(err) != workflow.ErrorCode(werr) || workflow.ErrorMessage(err) != workflow.ErrorMessage(werr) {
		tb.Errorf("from a mapped file: %+v, %v; from memory: %+v, %v", got, err, want, werr)
	}
}

// TestInspectMappedSame: every file of the corpus, every error case and
// every prefix of a small PDF get the same answer from a mapped file as
// from memory.
func TestInspectMappedSame(t *testing.T) {
	path := filepath.Join(t.TempDir(), "upload")
	for _, tt := range ownCorpus(t) {
		sameFromFile(t, path, tt.data)
	}
	v13 := readFile(t, "testdata/v13.pdf")
	sameFromFile(t, path, nil)
	sameFromFile(t, path, append([]byte("# printer control data\n"), v13...))
	sameFromFile(t, path, append(bytes.Repeat([]byte(" "), 1100), v13...))
	sameFromFile(t, path, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	objstm := readFile(t, "testdata/objstm.pdf")
	for n := 0; n < len(objstm); n += 7 {
		sameFromFile(t, path, objstm[:n])
	}
}

// TestInspectSections: Inspect reads an *os.File, a section of one (as a
// multipart.File from a shared temporary file is) and any other
// io.ReaderAt alike, small or large, and a section shorter than the size
// given fails as reading it does.
func TestInspectSections(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int64{20 << 10, 200 << 10} {
		var buf bytes.Buffer
		if _, err := testpdf.WriteLarge(&buf, size, "section"); err != nil {
			t.Fatal(err)
		}
		pdf := buf.Bytes()
		junk := bytes.Repeat([]byte("x"), 5000) // not a page boundary
		path := filepath.Join(dir, fmt.Sprint(size))
		if err := os.WriteFile(path, append(junk, pdf...), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := int64(len(pdf))
		want, err := Inspect(bytes.NewReader(pdf), n)
		if err != nil || want.Pages != 1 {
			t.Fatalf("from memory: %+v %v", want, err)
		}
		inner := io.NewSectionReader(f, int64(len(junk)-100), n+100)
		for name, r := range map[string]io.ReaderAt{
			"section":         io.NewSectionReader(f, int64(len(junk)), n),
			"nested sections": io.NewSectionReader(inner, 100, n),
		} {
			if got, err := Inspect(r, n); got != want || err != nil {
				t.Errorf("%d bytes, %s: %+v %v, want %+v", size, name, got, err, want)
			}
		}
		_, err = Inspect(io.NewSectionReader(f, int64(len(junk)), n-1), n)
		if msg := workflow.ErrorMessage(err); msg != "PDF cannot be read" {
			t.Errorf("%d bytes, short section: %v", size, err)
		}
		if _, err := Inspect(f, n+int64(len(junk))+1); workflow.ErrorMessage(err) != "PDF cannot be read" {
			t.Errorf("%d bytes, file shorter than the size: %v", size, err)
		}
	}
}

// TestInspectBudget: bytes read into memory wait for the budget; a wait
// that ends with its context is EUNAVAILABLE (503); an upload larger
// than the whole budget waits until it is alone. A file does not wait:
// it is mapped, outside the budget.
func TestInspectBudget(t *testing.T) {
	b := newBudget(10)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	release, err := b.acquire(done, 4) // free: taken whatever the context
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.acquire(done, 7); workflow.ErrorCode(err) != workflow.EUNAVAILABLE ||
		workflow.ErrorMessage(err) != "the server is checking too many uploads at once; try again in a moment" {
		t.Errorf("over the budget: %v, want %s", err, workflow.EUNAVAILABLE)
	}
	release()
	whole, err := b.acquire(done, 1000)
	if err != nil {
		t.Fatalf("larger than the budget, alone: %v", err)
	}
	if _, err := b.acquire(done, 1); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("after one larger than the budget: %v", err)
	}
	whole()

	var buf bytes.Buffer
	if _, err := testpdf.WriteLarge(&buf, 100<<10, "budget"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "upload.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := defaultIntake.inFlight.acquire(context.Background(), DefaultInspectBudget)
	if err != nil {
		t.Fatal(err)
	}
	defer all()
	s := &Service{}
	if err := s.InspectPDF(done, bytes.NewReader(buf.Bytes()), int64(buf.Len())); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("bytes, budget spent: %v, want %s", err, workflow.EUNAVAILABLE)
	}
	if err := s.InspectPDF(done, f, int64(buf.Len())); err != nil {
		t.Errorf("file, budget spent: %v", err)
	}
	// Bytes already in memory (a received package's attachment) are read
	// in place, as a file is: no copy, nothing of the budget.
	if err := s.InspectPDF(done, workflow.Held(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Errorf("bytes held in memory, budget spent: %v", err)
	}
	if err := s.InspectPDF(done, workflow.Held(buf.Bytes()), int64(buf.Len()-1)); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("held bytes of another size than said, budget spent: %v, want %s (read as any reader)", err, workflow.EUNAVAILABLE)
	}
}

// TestIntakeBudget: an Intake has a budget of its own, the size it was
// made with (VANTHU_INSPECT_BUDGET_MB): bytes over it wait (and answer
// EUNAVAILABLE when the wait ends), bytes within it go, and it is not
// the process default's. A budget under one byte is refused.
func TestIntakeBudget(t *testing.T) {
	for _, n := range []int64{0, -1} {
		if _, err := NewIntake(n); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("NewIntake(%d): %v, want %s", n, err, workflow.EINVALID)
		}
	}
	var buf bytes.Buffer
	if _, err := testpdf.WriteLarge(&buf, 100<<10, "budget"); err != nil {
		t.Fatal(err)
	}
	size := int64(buf.Len())
	in, err := NewIntake(size + size/2)
	if err != nil {
		t.Fatal(err)
	}
	if in.Budget() != size+size/2 {
		t.Fatalf("budget %d, want %d", in.Budget(), size+size/2)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	held, err := in.inFlight.acquire(done, size) // an upload being checked
	if err != nil {
		t.Fatal(err)
	}
	if err := in.InspectPDF(done, bytes.NewReader(buf.Bytes()), size); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("a second upload over the budget: %v, want %s", err, workflow.EUNAVAILABLE)
	}
	if _, err := in.InspectContext(done, bytes.NewReader(buf.Bytes()[:size/4]), size/4); workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
		t.Errorf("a small one within the budget waited: %v", err)
	}
	held()
	if err := in.InspectPDF(done, bytes.NewReader(buf.Bytes()), size); err != nil {
		t.Errorf("alone within the budget: %v", err)
	}
	// The process default is another budget: spending this one leaves it.
	all, err := in.inFlight.acquire(done, in.Budget())
	if err != nil {
		t.Fatal(err)
	}
	defer all()
	if _, err := InspectContext(done, bytes.NewReader(buf.Bytes()), size); err != nil {
		t.Errorf("the default budget: %v", err)
	}
}

// largeFile writes a valid PDF of about size bytes to a file in dir.
func largeFile(tb testing.TB, dir string, size int64) (*os.File, int64) {
	tb.Helper()
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("large-%d.pdf", size)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	n, err := testpdf.WriteLarge(f, size, "large")
	if err != nil {
		tb.Fatal(err)
	}
	return f, n
}

// heapSamples are the runtime's heap figures: bytes allocated so far,
// bytes in heap objects now, and the live heap after the last collection.
type heapSamples []metrics.Sample

func newHeapSamples() heapSamples {
	return heapSamples{{Name: "/gc/heap/allocs:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
}

// read reads them again (without allocating).
func (s heapSamples) read() (allocs, objects, live uint64) {
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
}

// TestInspectConcurrentLargeFiles: 8 inspections at once of a 40 MB PDF
// in a file (as uploads are spooled) allocate, in all, less than a
// quarter of one file, and the heap holds none of it once they are done.
// The bound: what the inspections allocate bounds what they can hold at
// once, and the parsers need for the structure (a few objects, the
// cross-reference table, 4 KB buffers) nothing that grows with the images
// the file is made of (they allocate about 0.3 MB; the rest of the
// bound is room for whatever else the process allocates meanwhile, which
// the runtime's figures count too). Reading each file into memory, as
// Inspect did, allocates 8 x 40 MB, and the PDF library's pool of
// buffers kept the last copy reachable after Inspect returned.
func TestInspectConcurrentLargeFiles(t *testing.T) {
	const n, size = 8, 40 << 20
	f, fsize := largeFile(t, t.TempDir(), size)
	bound := uint64(size / 4)
	hs, sampled := newHeapSamples(), newHeapSamples()
	runtime.GC()
	allocs0, objects0, _ := hs.read()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() { // samples the heap while the inspections run
		var max uint64
		for {
			select {
			case <-stop:
				peak <- max
				return
			default:
			}
			if _, o, _ := sampled.read(); o > max {
				max = o
			}
			runtime.Gosched()
		}
	}()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			info, err := Inspect(f, fsize)
			if err == nil && info.Pages != 1 {
				err = fmt.Errorf("%+v", info)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(stop)
	high := <-peak
	allocs, _, _ := hs.read()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
	}
	t.Logf("%d inspections of %d MB: allocated %.1f MB in all, heap objects peaked %.1f MB above the start",
		n, fsize>>20, float64(allocs-allocs0)/(1<<20), (float64(high)-float64(objects0))/(1<<20))
	if got := allocs - allocs0; got > bound {
		t.Errorf("%d inspections allocated %d MB, more than %d MB", n, got>>20, bound>>20)
	}
	if high > objects0 && high-objects0 > bound {
		t.Errorf("heap objects peaked %d MB above the start, more than %d MB", (high-objects0)>>20, bound>>20)
	}
	runtime.GC()
	if _, _, live := hs.read(); live > objects0+bound {
		t.Errorf("after one collection the live heap is %d MB, %d MB before", live>>20, objects0>>20)
	}
}

// BenchmarkInspectFile: Inspect of an upload spooled to a file, small
// (a one-page letter) and large.
func BenchmarkInspectFile(b *testing.B) {
	dir := b.TempDir()
	for _, size := range []int64{50 << 10, 40 << 20} {
		f, n := largeFile(b, dir, size)
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Inspect(f, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
