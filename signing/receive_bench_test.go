package signing

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// receivingAgency is a second agency's signing service on embedded
// defaults (its own development PKI) that trusts the sender's root too,
// as `bench-loadtest -send` configures the receiving serve
// (VANTHU_TRUST_ANCHORS with both roots).
func receivingAgency(tb testing.TB, sender *devServer) *Service {
	tb.Helper()
	a := newDevServer(tb)
	roots := a.pki.RootPool()
	roots.AddCert(sender.pki.Root())
	agency, err := a.pki.Agency()
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := NewService(Config{
		Agency: agency, CurrentAgency: a.pki.Agency, AgencyName: a.pki.AgencyName(), Place: "Cần Thơ",
		Officer: func(context.Context, *workflow.User) (keys.Key, []byte, error) {
			return keys.Key{}, nil, workflow.Errorf(workflow.EUNAVAILABLE, "no officials here")
		},
		TSAURL: a.tsa, TSA: a.auth, Roots: roots, LTV: true, Fetcher: a.auth.Fetcher(nil),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

// issuedDocuments are n documents issued by d (both layers, LTV data,
// document time-stamp) from input (nil: the load tool's one-page kind,
// each with its own text).
func issuedDocuments(tb testing.TB, d *devServer, n int, input []byte) [][]byte {
	tb.Helper()
	out := make([][]byte, n)
	for i := range out {
		in := input
		if in == nil {
			in = testpdf.Make(1, fmt.Sprintf("vanthu loadtest %d %s", i, time.Now().Format(time.RFC3339Nano)))
		}
		out[i] = d.issue(tb, d.signOfficial(tb, in), i+1)
	}
	return out
}

// BenchmarkReceiveVerify: what the receiving agency's signing worker
// runs on a document it receives — Verify (workflow's checkSignatures)
// of a document another agency issued, never seen before in this
// process. The documents are issued before the timer and the
// verification package's memory of them forgotten (the worker is another
// process, which has checked none of their pieces); one document is
// verified first, as a running worker has (anchors, chains, the
// sender's certificates). cpu-ms per document, all goroutines; the
// load tool's one-page PDF and the Chromium decision `bench-loadtest
// -send -pdf` sends.
func BenchmarkReceiveVerify(b *testing.B) {
	chromium, err := os.ReadFile(filepath.Join("testdata", "decision-chromium.pdf"))
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct {
		name string
		pdf  []byte
	}{{"loadtest", nil}, {"chromium", chromium}} {
		b.Run(in.name, func(b *testing.B) { benchReceiveVerify(b, in.pdf) })
	}
}

func benchReceiveVerify(b *testing.B, input []byte) {
	sender := newDevServer(b)
	agency := receivingAgency(b, sender)
	docs := issuedDocuments(b, sender, b.N+1, input)
	verify.ForgetReuse()
	ctx := context.Background()
	receive := func(pdf []byte) {
		v, err := agency.Verify(ctx, pdf)
		if err != nil {
			b.Fatal(err)
		}
		if v.Verdict != workflow.VerdictValid {
			b.Fatalf("received document is %s: %v", v.Verdict, v.Reasons)
		}
	}
	receive(docs[b.N])
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		receive(docs[i])
	}
	b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkReceiveInspect: what the receiving agency's serve runs on the
// PDF of a package it receives before storing it (workflow's store with
// inspect: the app's Intake.InspectPDF over the attachment's bytes), on
// documents another agency issued (the Chromium decision). cpu-ms per
// document.
func BenchmarkReceiveInspect(b *testing.B) {
	chromium, err := os.ReadFile(filepath.Join("testdata", "decision-chromium.pdf"))
	if err != nil {
		b.Fatal(err)
	}
	docs := issuedDocuments(b, newDevServer(b), min(b.N, 64), chromium)
	in, err := NewIntake(64 << 20)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		d := docs[i%len(docs)]
		if err := in.InspectPDF(ctx, bytes.NewReader(d), int64(len(d))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
}
