package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/loadtest"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestLoadtestShortRun runs `vanthu loadtest --count 6` against a server
// started here and checks the report against the server: every document
// the report names is archived, the counts match, and the registers are
// gapless 1..n.
func TestLoadtestShortRun(t *testing.T) {
	s := startServer(t, nil)
	checkLoadtest(t, []*server{s}, 6, 2)
}

// checkLoadtest runs the load tool over the servers (which share one
// database), with the extra flags, and checks what it reports against the
// first server.
func checkLoadtest(t *testing.T, servers []*server, count, perRole int, extra ...string) *loadtest.Report {
	t.Helper()
	var urls []string
	for _, s := range servers {
		urls = append(urls, s.base)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"loadtest", "--url", strings.Join(urls, ","), "--admin-password", "admin-password-1",
		"--users-per-role", fmt.Sprint(perRole), "--count", fmt.Sprint(count), "--json", out}, extra...)
	code := run(ctx, args, func(string) string { return "" }, &stdout, &stderr)
	t.Logf("loadtest report:\n%s", stdout.String())
	if code != 0 {
		t.Fatalf("loadtest exited %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep loadtest.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 {
		t.Fatalf("errors: %v %v", rep.Errors, rep.ErrorSamples)
	}
	admin := servers[0].login(t, "admin", "admin-password-1")
	total := 0
	for _, kind := range []string{loadtest.Outgoing, loadtest.Incoming} {
		k := rep.Lifecycles[kind]
		if k == nil || k.Failed != 0 || k.Completed != len(k.Documents) {
			t.Fatalf("%s: %+v", kind, k)
		}
		total += k.Completed
		for _, id := range k.Documents {
			var d struct{ State, Direction string }
			if c := admin.call("GET", "/api/v1/documents/"+id, nil, &d); c != 200 || d.State != "archived" || d.Direction != kind {
				t.Fatalf("document %s: %d %+v, want an archived %s document", id, c, d, kind)
			}
		}
		var reg struct {
			Items []struct {
				Number     int    `json:"number"`
				DocumentID string `json:"document_id"`
			}
		}
		if c := admin.call("GET", fmt.Sprintf("/api/v1/registers/%s/%d", kind, time.Now().Year()), nil, &reg); c != 200 {
			t.Fatalf("register %s: %d", kind, c)
		}
		var nums []int
		var ids []string
		for _, it := range reg.Items {
			nums, ids = append(nums, it.Number), append(ids, it.DocumentID)
		}
		slices.Sort(nums)
		for i, n := range nums {
			if n != i+1 {
				t.Fatalf("%s register not gapless 1..%d: %v", kind, len(nums), nums)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, k.Documents) {
			t.Fatalf("%s register holds %v, the report %v", kind, ids, k.Documents)
		}
		for _, a := range []string{"create", "archive"} {
			if l := rep.Actions[kind+" "+a]; l == nil || l.Count != k.Completed || l.P50 <= 0 || l.P99 < l.P50 {
				t.Fatalf("%s %s latency: %+v", kind, a, l)
			}
		}
	}
	if total != count {
		t.Fatalf("%d lifecycles completed, want %d", total, count)
	}
	// Kept alive and reused: at most one connection per request in flight
	// (perRole lifecycles at once, on any server) and the setup's.
	if max := int64(len(servers) * (perRole + 1)); rep.Connections < 1 || rep.Connections > max {
		t.Fatalf("%d connections opened for %d lifecycles, want 1..%d", rep.Connections, count, max)
	}
	if !strings.Contains(stdout.String(), "p99 ms") || !strings.Contains(stdout.String(), "outgoing") ||
		!strings.Contains(stdout.String(), fmt.Sprintf("%d connection(s) opened", rep.Connections)) {
		t.Fatalf("no table on stdout:\n%s", stdout.String())
	}
	return &rep
}

// TestLoadtestOperatorPDFs runs lifecycles that upload the operator's
// PDFs (--pdf, twice): each lifecycle's main file is a copy of one of
// them, named as it, of its size, and no two lifecycles uploaded the same
// file (each a blob of its own, as each document of an office is); the
// table names the files. A PDF the tool cannot make unique copies of is
// refused before anything is created.
func TestLoadtestOperatorPDFs(t *testing.T) {
	dir := t.TempDir()
	var big bytes.Buffer
	if _, err := testpdf.WriteLarge(&big, 300<<10, "Quyết định 300 KB"); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"quyet-dinh.pdf": big.Bytes(), "to trinh, 2 trang.pdf": qpdfRewrite(t, testpdf.Make(2, "To trinh"))}
	var flags []string
	given := map[string]bool{}
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		flags = append(flags, "--pdf", path)
		given[fmt.Sprintf("%x", sha256.Sum256(b))] = true
	}
	s := startServer(t, nil)
	rep := checkLoadtest(t, []*server{s}, 8, 2, flags...)
	if len(rep.PDFs) != 2 {
		t.Fatalf("report's PDFs: %+v", rep.PDFs)
	}
	for _, p := range rep.PDFs {
		if len(files[p.Name]) != p.Bytes {
			t.Fatalf("report's PDFs: %+v", rep.PDFs)
		}
	}
	admin := s.login(t, "admin", "admin-password-1")
	uploaded, names := map[string]string{}, map[string]int{}
	for _, kind := range []string{loadtest.Outgoing, loadtest.Incoming} {
		for _, id := range rep.Lifecycles[kind].Documents {
			var d struct {
				Files []struct {
					SHA256, Name, Kind string
					Size               int
				}
			}
			if c := admin.call("GET", "/api/v1/documents/"+id, nil, &d); c != 200 {
				t.Fatalf("document %s: %d", id, c)
			}
			main := 0
			for _, f := range d.Files {
				if f.Kind != "main" {
					continue
				}
				main++
				if b, ok := files[f.Name]; !ok || len(b) != f.Size {
					t.Fatalf("document %s: main file %q of %d bytes, not a copy of one given", id, f.Name, f.Size)
				}
				if given[f.SHA256] {
					t.Fatalf("document %s: the file given as is, not a copy of its own", id)
				}
				if other, ok := uploaded[f.SHA256]; ok {
					t.Fatalf("documents %s and %s uploaded the same file", other, id)
				}
				uploaded[f.SHA256] = id
				names[f.Name]++
			}
			if main != 1 {
				t.Fatalf("document %s: %d main files", id, main)
			}
		}
	}
	if len(uploaded) != 8 || names["quyet-dinh.pdf"] != 4 || names["to trinh, 2 trang.pdf"] != 4 {
		t.Fatalf("uploads by name: %v", names)
	}

	plain := filepath.Join(dir, "plain.pdf")
	if err := os.WriteFile(plain, testpdf.Make(1, "no binary comment"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", s.base, "--admin-password", "admin-password-1", "--count", "1",
		"--pdf", plain}, func(string) string { return "" }, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "plain.pdf: no binary comment") {
		t.Fatalf("a PDF without a binary comment: exit %d, %s", code, stderr.String())
	}
}

// qpdfRewrite returns pdf as qpdf writes it (qpdf, a writer nobody here
// wrote, puts a binary comment after the header, as producers do).
func qpdfRewrite(t *testing.T, pdf []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf is not installed (scripts/setup/signing.sh installs it)")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("qpdf", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadtestKindMix(t *testing.T) {
	for _, tc := range []struct {
		mix     string
		n       int
		out, in int
	}{{"outgoing=80,incoming=20", 10, 8, 2}, {"outgoing=1,incoming=1", 7, 3, 4}, {"outgoing=100", 5, 5, 0}, {"incoming=3", 4, 0, 4}} {
		m, err := loadtest.ParseMix(tc.mix)
		if err != nil {
			t.Fatal(err)
		}
		out, in := 0, 0
		for i := range tc.n {
			if loadtest.KindOf(m, i) == loadtest.Outgoing {
				out++
			} else {
				in++
			}
		}
		if out != tc.out || in != tc.in {
			t.Errorf("%s over %d: %d outgoing, %d incoming, want %d, %d", tc.mix, tc.n, out, in, tc.out, tc.in)
		}
	}
	for _, bad := range []string{"", "outgoing=x", "sideways=3", "outgoing=0,incoming=0"} {
		if _, err := loadtest.ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

// TestLoadtestSendsOnce runs outgoing lifecycles with --send between two
// connected agencies: every document is sent, archived, and received by
// the peer exactly once.
func TestLoadtestSendsOnce(t *testing.T) {
	a := newPeer(t, "a", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	b := newPeer(t, "b", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	a.start(t)
	b.start(t)
	connect(t, a, b)
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", a.srv.base, "--admin-password", "admin-password-1", "--quiet",
		"--users-per-role", "2", "--count", "4", "--mix", "outgoing=1", "--send", "--send-to", b.orgID, "--json", out},
		func(string) string { return "" }, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("loadtest exited %d: %s\n%s", code, stderr.String(), stdout.String())
	}
	var rep loadtest.Report
	if b, err := os.ReadFile(out); err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report: %v", err)
	}
	if l := rep.Actions["outgoing send"]; l == nil || l.Count != 4 {
		t.Fatalf("send: %+v", l)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		seen := map[string]int{}
		for _, d := range b.incoming(t) {
			if s, _ := d["subject"].(string); strings.HasPrefix(s, "Quyết định thử tải số ") {
				seen[s]++
			}
		}
		total := 0
		for s, n := range seen {
			if n != 1 {
				t.Fatalf("%q received %d times", s, n)
			}
			total += n
		}
		if total == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer received %d of 4 documents: %v", total, seen)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestLoadtestToolProcs: the tool runs on the processors --procs gives it
// and puts the previous number back; 0 or a GOMAXPROCS variable leave it.
func TestLoadtestToolProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		n      int
		env    string
		during int
	}{{1, "", 1}, {0, "", prev}, {1, "3", prev}} {
		restore := toolProcs(tc.n, func(k string) string {
			if k == "GOMAXPROCS" {
				return tc.env
			}
			return ""
		})
		during := runtime.GOMAXPROCS(0)
		restore()
		if during != tc.during || runtime.GOMAXPROCS(0) != prev {
			t.Errorf("procs %d, GOMAXPROCS=%q: %d during the run (want %d), %d after (want %d)", tc.n, tc.env, during, tc.during, runtime.GOMAXPROCS(0), prev)
		}
	}
}

// losingCreates is a proxy's transport that loses the answers of the
// first creates (the document is made, the tool gets a 502, as from a
// load balancer whose backend answered too late), and notes the
// Idempotency-Key of every create.
type losingCreates struct {
	mu      sync.Mutex
	keys    map[string]int // key -> attempts
	creates int
	lost    int
}

func (l *losingCreates) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/documents" || err != nil {
		return resp, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := r.Header.Get("Idempotency-Key")
	l.creates++
	l.keys[k]++
	if resp.StatusCode == http.StatusCreated && l.lost < 3 && (k == "" || l.keys[k] == 1) {
		l.lost++
		resp.Body.Close()
		return nil, errors.New("answer lost")
	}
	return resp, nil
}

// TestLoadtestCreateRetryIdempotent: the tool sends each create with an
// Idempotency-Key of its own and retries it with the same key, so a
// create whose answer was lost and that was retried makes one document,
// not two. Before, creates carried no key: each lost answer left a draft
// behind.
func TestLoadtestCreateRetryIdempotent(t *testing.T) {
	s := startServer(t, nil)
	target, _ := url.Parse(s.base)
	lc := &losingCreates{keys: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = lc
	rp.ErrorLog = log.New(io.Discard, "", 0)
	proxy := httptest.NewServer(rp)
	t.Cleanup(proxy.Close)
	const count = 6
	rep := checkLoadtest(t, []*server{{base: proxy.URL}}, count, 2, "--retry", "30s")
	var list struct{ Items []struct{ ID string } }
	if c := s.login(t, "admin", "admin-password-1").call("GET", "/api/v1/documents?limit=200", nil, &list); c != 200 || len(list.Items) != count {
		t.Fatalf("%d: %d documents on the server after %d lifecycles", c, len(list.Items), count)
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.lost != 3 || lc.keys[""] != 0 || len(lc.keys) != count || lc.creates != count+lc.lost {
		t.Fatalf("%d creates, %d answers lost, attempts by key %v: want %d keys, each create with one, retries with the same", lc.creates, lc.lost, lc.keys, count)
	}
	n := 0
	for k, v := range rep.Retried {
		if strings.Contains(k, " create: 502") {
			n += v
		}
	}
	if n != lc.lost {
		t.Errorf("retried creates: %v", rep.Retried)
	}
}

// TestLoadtestSignPassword: against a server that asks for the signer's
// password through the API (VANTHU_SIGN_CONFIRM_API=password), the load
// tool sends each user's with sign and issue, and every lifecycle
// completes.
func TestLoadtestSignPassword(t *testing.T) {
	s := startServer(t, map[string]string{"VANTHU_SIGN_CONFIRM_API": "password"})
	checkLoadtest(t, []*server{s}, 6, 1)
}
