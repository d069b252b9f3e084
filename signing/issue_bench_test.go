package signing

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/workflow"
)

// memRevocations is a pki.Store in memory.
type memRevocations struct {
	mu sync.Mutex
	m  map[string]workflow.Revocation
}

func (s *memRevocations) Revoke(_ context.Context, r workflow.Revocation, _ *workflow.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := r.Issuer + "/" + r.Serial
	if _, ok := s.m[k]; ok {
		return workflow.Errorf(workflow.ECONFLICT, "already revoked")
	}
	if s.m == nil {
		s.m = map[string]workflow.Revocation{}
	}
	s.m[k] = r
	return nil
}

func (s *memRevocations) Revocation(_ context.Context, issuer, serial string) (workflow.Revocation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.m[issuer+"/"+serial]; ok {
		return r, nil
	}
	return workflow.Revocation{}, workflow.Errorf(workflow.ENOTFOUND, "not revoked")
}

func (s *memRevocations) Revocations(_ context.Context, issuer string) ([]workflow.Revocation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []workflow.Revocation
	for _, r := range s.m {
		if r.Issuer == issuer {
			out = append(out, r)
		}
	}
	return out, nil
}

// devServer is the signing service as `vanthu serve` wires it on
// embedded defaults: the development PKI (agency key asked at every
// signature, officials' keys), its authority answering OCSP in process
// and time-stamps over a loopback listener (signature time-stamps) and
// in process (the document time-stamp), B-LTA.
type devServer struct {
	svc  *Service
	pki  *keys.DevPKI
	auth *pki.Authority
	tsa  string
	// tsaPosts counts the time-stamp queries the loopback listener answered.
	tsaPosts *atomic.Int64
}

func newDevServer(tb testing.TB) *devServer {
	tb.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	store := &memRevocations{}
	p, err := keys.OpenDevPKIWithOptions(nil, filepath.Join(tb.TempDir(), "pki"), "Ủy ban nhân dân quận Bình Thủy", "000.00.12.H13", nil,
		keys.Options{ServiceURL: base, Revoked: pki.Revoked(store)})
	if err != nil {
		tb.Fatal(err)
	}
	auth, err := pki.New(p, store, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	h := auth.Handler()
	var posts atomic.Int64
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, keys.TSAPath) {
			posts.Add(1)
		}
		h.ServeHTTP(w, r)
	})
	srv.Start()
	tb.Cleanup(srv.Close)
	agency, err := p.Agency()
	if err != nil {
		tb.Fatal(err)
	}
	tsaURL := base + keys.TSAPath
	svc, err := NewService(Config{
		Agency: agency, CurrentAgency: p.Agency, AgencyName: p.AgencyName(), Place: "Bình Thủy",
		Officer: func(_ context.Context, u *workflow.User) (keys.Key, []byte, error) {
			k, err := p.Officer(u.ID, u.FullName, u.Title)
			return k, nil, err
		},
		TSAURL: tsaURL, TSA: auth, Roots: p.RootPool(), LTV: true, Fetcher: auth.Fetcher(nil),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &devServer{svc: svc, pki: p, auth: auth, tsa: tsaURL, tsaPosts: &posts}
}

var benchOfficer = &workflow.User{ID: "u-officer-1", Username: "officer1", FullName: "Nguyễn Văn A", Title: "Chủ tịch"}

// officerSigned is a one-page document (the load tool's kind) with layer 1.
func (d *devServer) officerSigned(tb testing.TB, i int) []byte {
	tb.Helper()
	return d.signOfficial(tb, testpdf.Make(1, "vanthu loadtest "+time.Now().Format(time.RFC3339Nano)))
}

// signOfficial is layer 1 over in.
func (d *devServer) signOfficial(tb testing.TB, in []byte) []byte {
	tb.Helper()
	doc := &workflow.Document{Direction: workflow.Outgoing}
	l1, err := d.svc.SignOfficial(context.Background(), doc, benchOfficer, in)
	if err != nil {
		tb.Fatal(err)
	}
	return l1
}

// issue is what workflow's issue does with the signer: layer 2 with the
// number (B-LTA) over layer 1 as stored (SignAgencyOwn with its SHA-256)
// and the verification of the result, which must be valid.
func (d *devServer) issue(tb testing.TB, l1 []byte, n int) []byte {
	tb.Helper()
	now := time.Now()
	doc := &workflow.Document{Direction: workflow.Outgoing, Number: n, Notation: "15/QĐ-UBND", IssuedAt: &now}
	out, err := d.svc.SignAgencyOwn(context.Background(), doc, l1, *ownOf(l1))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := d.svc.VerifyDocument(context.Background(), doc, out)
	if err != nil {
		tb.Fatal(err)
	}
	if v.Verdict != workflow.VerdictValid {
		tb.Fatalf("issued document is %s: %v", v.Verdict, v.Reasons)
	}
	return out
}

// BenchmarkIssueDevPKI: the signing work of one outgoing lifecycle on
// embedded defaults — sign (layer 1, B-T) and issue (layer 2 with the
// number, DSS, document time-stamp, and the verification that must say
// valid) — with the development PKI's services in process; cpu-ms per
// lifecycle, all goroutines. The input PDFs (the load tool's kind, each
// with its own text) are made before the loop: making one with fpdf
// allocates about a fifth of what signing it does, which is not the
// signing's.
func BenchmarkIssueDevPKI(b *testing.B) {
	d := newDevServer(b)
	d.issue(b, d.officerSigned(b, 0), 1) // warm the caches (keys, OCSP responses)
	inputs := make([][]byte, 16)
	for i := range inputs {
		inputs[i] = testpdf.Make(1, fmt.Sprintf("vanthu loadtest %d %s", i, time.Now().Format(time.RFC3339Nano)))
	}
	b.ReportAllocs()
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		n++
		d.issue(b, d.signOfficial(b, inputs[n%len(inputs)]), n)
	}
	b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
}
