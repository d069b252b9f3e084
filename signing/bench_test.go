package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildPDF writes a classic PDF from numbered objects (objs[i] is object i+1).
func buildPDF(version string, objs [][]byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// scannedPDF makes an n-page "scan": one JPEG of noise per page (A4 at
// about 200 dpi), about mb MB in total.
func scannedPDF(tb testing.TB, pages int, mb float64) []byte {
	tb.Helper()
	rng := mrand.New(mrand.NewPCG(1, 2))
	// Noise compresses badly: ~ 0.8 bytes per pixel at quality 90.
	px := int(mb * 1e6 / float64(pages) / 0.8)
	w := int(float64(px) / 1.414)
	w = int(sqrt(float64(w)))
	h := int(float64(w) * 1.414)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	objs := [][]byte{[]byte("<< /Type /Catalog /Pages 2 0 R >>"), nil}
	var kids bytes.Buffer
	for p := 0; p < pages; p++ {
		pageID := len(objs) + 1
		fmt.Fprintf(&kids, "%d 0 R ", pageID)
		content := []byte("q 595 0 0 842 0 0 cm /Im0 Do Q")
		objs = append(objs,
			[]byte(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", pageID+2, pageID+1)),
			append([]byte(fmt.Sprintf("<< /Length %d >>\nstream\n", len(content))), append(content, "\nendstream"...)...),
			append([]byte(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n", w, h, jb.Len())), append(jb.Bytes(), "\nendstream"...)...),
		)
	}
	objs[1] = []byte(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), pages))
	return buildPDF("1.7", objs)
}

func sqrt(x float64) float64 {
	z := x / 2
	for i := 0; i < 40; i++ {
		z = (z + x/z) / 2
	}
	return z
}

// smallPDF is a 2-page text document (about 1 KB).
func smallPDF() []byte {
	page := func(n int) []byte {
		return []byte(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*n))
	}
	text := func(s string) []byte {
		c := fmt.Sprintf("BT /F1 13 Tf 72 760 Td (%s) Tj ET", s)
		return []byte(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c))
	}
	return buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>"),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"),
		page(0), text("QUYET DINH ve viec ban hanh quy che"), page(1), text("Noi nhan: ..."),
	})
}

var (
	largeOnce sync.Once
	largePDF  []byte
)

func benchInputs(b *testing.B) map[string][]byte {
	largeOnce.Do(func() { largePDF = scannedPDF(b, 3, 12.5) })
	return map[string][]byte{"small": smallPDF(), "large": largePDF}
}

// BenchmarkTwoLayers: layer 1 with its stamp, then number/date and layer 2
// with its seal, RSA-2048 keys; MB/s of input.
func BenchmarkTwoLayers(b *testing.B) {
	p := newTestPKI(b, "rsa")
	inputs := benchInputs(b)
	sigPNG := encodePNG(mustImage(signatureFromName("Nguyễn Văn A")))
	at := time.Date(2026, 11, 25, 10, 15, 30, 0, ict)
	for _, name := range []string{"small", "large"} {
		in := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			cpu := cpuTime()
			for b.Loop() {
				l1, err := SignOfficer(context.Background(), in, OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn A", Title: "Chủ tịch", SignatureImage: sigPNG, Time: at})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := SignAgency(context.Background(), l1, AgencyLayer{Key: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: at, Time: at}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(in))*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkFloor is the unavoidable work: two SHA-256 passes over the bytes
// and two RSA-2048 signatures.
func BenchmarkFloor(b *testing.B) {
	p := newTestPKI(b, "rsa")
	inputs := benchInputs(b)
	for _, name := range []string{"small", "large"} {
		in := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			cpu := cpuTime()
			for b.Loop() {
				for range 2 {
					d := sha256.Sum256(in)
					if _, err := p.Agency.Signer.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(in))*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's user+system CPU time in nanoseconds: on a
// shared machine the CPU spent per operation (all goroutines) is steadier
// than the wall time, which waits for cores other processes hold.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func mustImage(img *image.NRGBA, err error) image.Image {
	if err != nil {
		panic(err)
	}
	return img
}

var _ = color.Black

// TestWriteScanPDF writes a generated scan of VANTHU_SCAN_MB megabytes
// (default 100) to VANTHU_SCAN_OUT, for scripts/bench-memory.sh.
func TestWriteScanPDF(t *testing.T) {
	out := os.Getenv("VANTHU_SCAN_OUT")
	if out == "" {
		t.Skip("VANTHU_SCAN_OUT not set (used by scripts/bench-memory.sh)")
	}
	mb := 100.0
	if s := os.Getenv("VANTHU_SCAN_MB"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		mb = v
	}
	pages := max(1, int(mb/8))
	if err := os.WriteFile(out, scannedPDF(t, pages, mb*1.04), 0o644); err != nil {
		t.Fatal(err)
	}
}
