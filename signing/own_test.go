package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// TestSignAgencyOwn: layer 2 skips the intake's precheck only for the
// bytes the layer-1 record names (their SHA-256); any other bytes handed
// with that record, or with none, are prechecked as SignAgency's are, and
// the precheck still refuses them.
func TestSignAgencyOwn(t *testing.T) {
	d := newDevServer(t)
	l1 := d.officerSigned(t, 0)
	// More than the precheck reads after %%EOF: it refuses the file.
	long := append(bytes.Clone(l1), bytes.Repeat([]byte("%"), verify.DefaultLimits.MaxAfterEOF+1)...)
	const refused = "follow the end of the PDF"
	now := time.Now()
	doc := &workflow.Document{Direction: workflow.Outgoing, Number: 7, Notation: "7/QĐ-UBND", IssuedAt: &now}
	for _, c := range []struct {
		name    string
		pdf     []byte
		own     *workflow.OwnLayer1 // nil: SignAgency
		refused bool                // by the precheck
	}{
		{"own layer 1, its hash", l1, ownOf(l1), false},
		{"other bytes under layer 1's hash", long, ownOf(l1), true},
		{"no hash", long, &workflow.OwnLayer1{}, true},
		{"a hash in capitals", long, &workflow.OwnLayer1{SHA256: strings.ToUpper(ownOf(long).SHA256)}, true},
		{"SignAgency", long, nil, true},
		{"the hash of these bytes: no precheck", long, ownOf(long), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out []byte
			var err error
			if c.own == nil {
				out, err = d.svc.SignAgency(context.Background(), doc, c.pdf)
			} else {
				out, err = d.svc.SignAgencyOwn(context.Background(), doc, c.pdf, *c.own)
			}
			got := err != nil && strings.Contains(err.Error(), refused)
			if got != c.refused {
				t.Fatalf("refused by the precheck: %v, want %v (err %v)", got, c.refused, err)
			}
			if c.refused && workflow.ErrorCode(err) != workflow.EUNPROCESSABLE {
				t.Fatalf("code %s, want %s", workflow.ErrorCode(err), workflow.EUNPROCESSABLE)
			}
			if bytes.Equal(c.pdf, l1) {
				if err != nil {
					t.Fatal(err)
				}
				v, err := d.svc.VerifyDocument(context.Background(), doc, out)
				if err != nil || v.Verdict != workflow.VerdictValid {
					t.Fatalf("issued document: %v %v (%v)", v.Verdict, v.Reasons, err)
				}
			}
		})
	}
}

func ownOf(b []byte) *workflow.OwnLayer1 {
	sum := sha256.Sum256(b)
	return &workflow.OwnLayer1{SHA256: hex.EncodeToString(sum[:])}
}

// BenchmarkRequireLayer1: layer 2's reading of layer 1 (the intake's
// parse, the signatures and the widgets) as SignAgency reads any bytes
// (precheck) and as SignAgencyOwn reads this system's layer 1 as stored
// (own: the SHA-256 compared, no precheck), over the load tool's one-page
// document and the Chromium decision (4 pages); cpu-ms per read, all
// goroutines.
func BenchmarkRequireLayer1(b *testing.B) {
	d := newDevServer(b)
	chromium, err := os.ReadFile("testdata/decision-chromium.pdf")
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct {
		name string
		l1   []byte
	}{{"loadtest", d.officerSigned(b, 0)}, {"chromium", d.signOfficial(b, chromium)}} {
		own := *ownOf(in.l1)
		for _, c := range []string{"precheck", "own"} {
			b.Run(in.name+"/"+c, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					if _, _, _, err := requireLayer1For(in.l1, c == "own" && isOwn(in.l1, own)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
