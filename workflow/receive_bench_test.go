package workflow_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// BenchmarkReceiveHeld: the receipt of a package's PDF (Receive: the
// inspection by the app's intake, the store on local files, the
// verification by a signer that costs nothing) with the attachment's
// bytes handed as the exchange hands them — "copied", a bytes.Reader
// (before: the inspection and the verification each read it into a copy
// of their own) and "held", workflow.Held (read in place). Each receipt
// is of other bytes (a number after %%EOF), as every received document
// is. cpu-ms per receipt (rusage), allocations.
func BenchmarkReceiveHeld(b *testing.B) {
	base, err := os.ReadFile(filepath.Join("..", "signing", "testdata", "decision-chromium.pdf"))
	if err != nil {
		b.Fatal(err)
	}
	intake, err := signing.NewIntake(64 << 20)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		content func([]byte) io.ReaderAt
	}{
		{"copied", func(p []byte) io.ReaderAt { return bytes.NewReader(p) }},
		{"held", func(p []byte) io.ReaderAt { return workflow.Held(p) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: workflowtest.TempBlobs(b),
				Signer: workflowtest.Signer{}, Inspector: intake}
			day := workflow.NewDate(2026, 12, 7)
			b.ReportAllocs()
			cpu := rusageCPU()
			for i := 0; b.Loop(); i++ {
				pdf := fmt.Appendf(bytes.Clone(base), "%d\n", i)
				_, created, err := svc.Receive(context.Background(), workflow.ReceiveInput{ExternalID: fmt.Sprintf("000.00.12.H13,2026/12/07,%d/UBND", i),
					CreateInput: workflow.CreateInput{Type: "QĐ", Subject: "Quyết định", Sender: &workflow.Org{OrgID: "000.00.12.H13", Name: "A"},
						OriginalNumber: fmt.Sprintf("%d/QĐ-UBND", i), OriginalDate: &day,
						File: &workflow.Upload{Name: "a.pdf", Size: int64(len(pdf)), Content: c.content(pdf)}}})
				if err != nil || !created {
					b.Fatal(created, err)
				}
			}
			b.ReportMetric(float64(rusageCPU()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

func rusageCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
