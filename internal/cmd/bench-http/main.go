// Command bench-http measures vanthu's request path against a bare Echo
// server serving the same JSON (run by scripts/bench-http). For each
// backend (SQLite, the embedded default; PostgreSQL when a server URL is
// given) it starts the vanthu binary, creates users and documents through
// the API, starts the bare server in a child process with the bytes vanthu
// answered, and drives both from this process: closed loop (req/s, side by
// side, alternated) and fixed rate (latency percentiles at -rate req/s).
// It prints a report with the ratios.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/vanthu/vanthu/internal/benchhttp"
	"github.com/vanthu/vanthu/internal/testpdf"
)

func main() {
	vanthu := flag.String("vanthu", "", "path of the vanthu binary")
	pg := flag.String("postgres", os.Getenv("VANTHU_TEST_DATABASE_URL"), "PostgreSQL admin URL (a database is created and dropped); empty = SQLite only")
	dur := flag.Duration("duration", 10*time.Second, "length of each closed-loop run")
	conns := flag.Int("conns", 32, "connections of the closed-loop runs")
	rate := flag.Int("rate", 1000, "request rate of the fixed-rate runs (req/s)")
	rateDur := flag.Duration("rate-duration", 10*time.Second, "length of each fixed-rate run")
	bare := flag.String("serve-bare", "", "internal: serve the bare Echo server on this address with -doc and -list")
	docFile := flag.String("doc", "", "internal: document JSON file")
	listFile := flag.String("list", "", "internal: list JSON file")
	profile := flag.String("cpuprofile", "", "write vanthu's CPU profile of each closed-loop run to PREFIX-BACKEND-get.prof and -list.prof (served by VANTHU_PPROF_ADDR)")
	hold := flag.String("hold", "", "experiment: start the servers of this backend, print their URLs and bearer, and wait for stdin to close")
	openURL := flag.String("openloop", "", "experiment: run the raw open-loop client against this URL (with -bearer) and print its result")
	bearer := flag.String("bearer", "", "experiment: Authorization header of -openloop")
	flag.Parse()
	if *openURL != "" {
		r, err := benchhttp.OpenLoop(*openURL, *bearer, *rate, 64, *rateDur)
		fmt.Println(r, err)
		return
	}
	if *hold != "" {
		s, err := start(*hold, opts{bin: *vanthu, pgAdmin: *pg})
		if err == nil {
			fmt.Printf("vanthu %s\nbare %s\ndoc /api/v1/documents/%s\nbearer %s\n", s.vanthu, s.bare, s.doc, s.bearer)
			io.Copy(io.Discard, os.Stdin)
		}
		if s != nil {
			s.close()
		}
		fmt.Println(err)
		return
	}
	if *bare != "" {
		doc, _ := os.ReadFile(*docFile)
		list, _ := os.ReadFile(*listFile)
		ln, err := net.Listen("tcp", *bare)
		if err == nil {
			fmt.Printf("bare listening on http://%s\n", ln.Addr())
			err = http.Serve(ln, benchhttp.BareEcho(doc, list))
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *vanthu == "" {
		fmt.Fprintln(os.Stderr, "bench-http: -vanthu is required")
		os.Exit(2)
	}
	backends := []string{"sqlite"}
	if *pg != "" {
		backends = append(backends, "postgres")
	} else {
		fmt.Println("VANTHU_TEST_DATABASE_URL (or -postgres) is unset: SQLite only")
	}
	fmt.Printf("bench-http: %s closed loop with %d connections; %d req/s for %s; GOMAXPROCS of the servers: default\n", *dur, *conns, *rate, *rateDur)
	var sums []summary
	for _, b := range backends {
		o := opts{bin: *vanthu, pgAdmin: *pg, profile: *profile, dur: *dur, rateDur: *rateDur, conns: *conns, rate: *rate}
		sum, err := runBackend(b, o)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench-http %s: %v\n", b, err)
			os.Exit(1)
		}
		sums = append(sums, sum)
	}
	printSummary(sums, *rate)
}

// summary is what one backend measured against the request-path targets.
type summary struct {
	backend               string
	get, list             float64          // % of bare Echo
	p99, bareP99          [2]time.Duration // net/http client, raw open loop
	late, bareLate        time.Duration    // raw open loop: p99 of how late the pacer sent
	loadBefore, loadAfter string
}

func printSummary(sums []summary, rate int) {
	fmt.Printf("\nsummary (targets: GET >= 25%% and list >= 15%% of bare Echo, p99 < 2 ms at %d req/s)\n", rate)
	fmt.Printf("%-9s %8s %8s %28s %28s %24s  %s\n", "backend", "GET", "list", "p99 vanthu/bare net/http", "p99 vanthu/bare raw", "of which sent late", "load average before -> after")
	for _, s := range sums {
		fmt.Printf("%-9s %7.1f%% %7.1f%% %13.2f / %6.2f ms %13.2f / %6.2f ms %10.2f / %6.2f ms  %s -> %s\n", s.backend, s.get, s.list,
			ms(s.p99[0]), ms(s.bareP99[0]), ms(s.p99[1]), ms(s.bareP99[1]), ms(s.late), ms(s.bareLate), s.loadBefore, s.loadAfter)
	}
	fmt.Println(`"sent late": the raw client's p99 of how long after its scheduled time each request went out (the generator's own share, CPU contention);
latencies count from the scheduled time, so a late send is in the p99. The target is for the raw open-loop client's p99.`)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// startAnnounced starts cmd, a server told to listen on port 0, and
// returns the lines of its standard output up to the one that begins
// with ready: the addresses it bound, announced (a port picked here and
// closed could be taken by another process before the server binds it).
// The rest of its output is discarded.
func startAnnounced(cmd *exec.Cmd, ready string) ([]string, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	linesc := make(chan []string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.HasPrefix(sc.Text(), ready) {
				linesc <- lines
				io.Copy(io.Discard, out)
				return
			}
		}
		linesc <- nil
	}()
	select {
	case lines := <-linesc:
		if lines == nil {
			return nil, fmt.Errorf("%s exited before %q", cmd.Path, ready)
		}
		return lines, nil
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s: no %q after 60 s", cmd.Path, ready)
	}
}

// announcedAddr is the host:port of the line of lines that begins with
// prefix (followed by http://), or "".
func announcedAddr(lines []string, prefix string) string {
	for _, l := range lines {
		if a, ok := strings.CutPrefix(l, prefix+"http://"); ok {
			return a
		}
	}
	return ""
}

func waitUp(u string) error {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not come up", u)
}

// opts are the command's settings.
type opts struct {
	bin, pgAdmin, profile string
	dur, rateDur          time.Duration
	conns, rate           int
}

// servers are vanthu and the bare Echo server of one backend, ready.
type servers struct {
	vanthu, bare, pprof string // base URLs; pprof's address
	bearer, doc         string
	docJSON, listJSON   []byte
	stop                []func()
}

func (s *servers) close() {
	for i := len(s.stop) - 1; i >= 0; i-- {
		s.stop[i]()
	}
}

func runBackend(backend string, o opts) (summary, error) {
	sum := summary{backend: backend}
	s, err := start(backend, o)
	if s != nil {
		defer s.close()
	}
	if err != nil {
		return sum, err
	}
	docURL, listURL := "/api/v1/documents/"+s.doc, "/api/v1/documents?limit=20"
	// Warm up both.
	benchhttp.ClosedLoop(s.bare+docURL, s.bearer, o.conns, time.Second)
	benchhttp.ClosedLoop(s.vanthu+docURL, s.bearer, o.conns, time.Second)

	sum.loadBefore = loadavg()
	fmt.Printf("\n== %s (document JSON %d bytes, list JSON %d bytes; load average %s)\n", backend, len(s.docJSON), len(s.listJSON), sum.loadBefore)
	for _, p := range []struct {
		name, path, short string
		ratio             *float64
	}{{"GET /documents/{id}", docURL, "get", &sum.get}, {"GET /documents?limit=20", listURL, "list", &sum.list}} {
		if *p.ratio, err = closedLoop(s, o, p.name, p.path, fmt.Sprintf("%s-%s-%s.prof", o.profile, backend, p.short)); err != nil {
			return sum, err
		}
	}
	name := fmt.Sprintf("GET /documents/{id} @%d/s", o.rate)
	fb, fv := fixedRate(s.bare+docURL, s.vanthu+docURL, s.bearer, o, func(u string, d time.Duration) (benchhttp.Result, error) {
		return benchhttp.FixedRate(u, s.bearer, o.rate, 64, d), nil
	})
	fmt.Printf("%-26s bare echo %s\n%-26s vanthu    %s\n", name+" net/http client", fb, "", fv)
	rb, rv := fixedRate(s.bare+docURL, s.vanthu+docURL, s.bearer, o, func(u string, d time.Duration) (benchhttp.Result, error) {
		return benchhttp.OpenLoop(u, s.bearer, o.rate, 64, d)
	})
	fmt.Printf("%-26s bare echo %s\n%-26s vanthu    %s\n", name+" raw open loop", rb, "", rv)
	if rb.Errors+rv.Errors > 0 && rb.Requests+rv.Requests == 0 {
		return sum, fmt.Errorf("the open-loop client got no answer")
	}
	sum.p99, sum.bareP99 = [2]time.Duration{fv.P99, rv.P99}, [2]time.Duration{fb.P99, rb.P99}
	sum.late, sum.bareLate = rv.LateP99, rb.LateP99
	sum.loadAfter = loadavg()
	fmt.Printf("load average after the %s runs: %s\n", backend, sum.loadAfter)
	return sum, nil
}

// fixedRate runs one fixed-rate client on the bare server and vanthu in
// four alternating runs of o.rateDur/2 (bare, vanthu, vanthu, bare: a
// neighbour's load hits both alike) and merges each side's latencies for
// exact percentiles.
func fixedRate(bare, vanthu, bearer string, o opts, run func(u string, d time.Duration) (benchhttp.Result, error)) (benchhttp.Result, benchhttp.Result) {
	var b, v benchhttp.Result
	for i, u := range []string{bare, vanthu, vanthu, bare} {
		r, err := run(u, o.rateDur/2)
		if err != nil {
			r.Errors++
		}
		if i == 1 || i == 2 {
			v = benchhttp.Merge(v, r)
		} else {
			b = benchhttp.Merge(b, r)
		}
	}
	return b, v
}

// closedLoop measures path on the bare server and vanthu, alternating
// halves so that a neighbour's load hits both alike, and prints the ratio
// (with a CPU profile of vanthu's halves when asked).
func closedLoop(s *servers, o opts, name, path, profile string) (float64, error) {
	half := o.dur / 2
	b1 := benchhttp.ClosedLoop(s.bare+path, s.bearer, o.conns, half)
	var prof chan error
	if s.pprof != "" {
		prof = make(chan error, 1)
		go func() { prof <- saveProfile(s.pprof, 2*half-time.Second, profile) }()
	}
	v1 := benchhttp.ClosedLoop(s.vanthu+path, s.bearer, o.conns, half)
	v2 := benchhttp.ClosedLoop(s.vanthu+path, s.bearer, o.conns, half)
	if prof != nil {
		if err := <-prof; err != nil {
			return 0, err
		}
	}
	b2 := benchhttp.ClosedLoop(s.bare+path, s.bearer, o.conns, half)
	b, v := benchhttp.Merge(b1, b2), benchhttp.Merge(v1, v2)
	ratio := 100 * v.RPS() / b.RPS()
	fmt.Printf("%-26s bare echo %s\n%-26s vanthu    %s\n%-26s ratio     %.1f%% of bare Echo\n", name, b, "", v, "", ratio)
	return ratio, nil
}

// start starts vanthu on backend, seeds it, and starts the bare server
// with the JSON vanthu answered. The caller closes what it returns, even
// with an error.
func start(backend string, o opts) (*servers, error) {
	s := &servers{}
	dir, err := os.MkdirTemp("", "bench-http-")
	if err != nil {
		return nil, err
	}
	s.stop = append(s.stop, func() { os.RemoveAll(dir) })
	env := append(os.Environ(), "VANTHU_ADDR=127.0.0.1:0", "VANTHU_DATA_DIR="+filepath.Join(dir, "data"),
		"VANTHU_ADMIN_PASSWORD=bench-admin-password", "VANTHU_LOG_LEVEL=error", "VANTHU_DATABASE_URL=")
	if o.profile != "" {
		env = append(env, "VANTHU_PPROF_ADDR=127.0.0.1:0")
	}
	if backend == "postgres" {
		dsn, drop, err := createDB(o.pgAdmin)
		if err != nil {
			return s, err
		}
		s.stop = append(s.stop, drop)
		env = append(env, "VANTHU_DATABASE_URL="+dsn)
	}
	cmd := exec.Command(o.bin, "serve")
	cmd.Env, cmd.Stderr = env, os.Stderr
	lines, err := startAnnounced(cmd, "vanthu listening on ")
	if cmd.Process != nil {
		s.stop = append(s.stop, func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	}
	if err != nil {
		return s, err
	}
	s.vanthu = "http://" + announcedAddr(lines, "vanthu listening on ")
	if s.pprof = announcedAddr(lines, "vanthu pprof listening on "); o.profile != "" && s.pprof == "" {
		return s, fmt.Errorf("%s announced no pprof address (VANTHU_PPROF_ADDR port 0 needs a binary that announces it)", o.bin)
	}
	if err := waitUp(s.vanthu + "/readyz"); err != nil {
		return s, err
	}
	token, doc, err := seed(s.vanthu)
	if err != nil {
		return s, err
	}
	s.bearer, s.doc = "Bearer "+token, doc
	if s.docJSON, err = fetch(s.vanthu+"/api/v1/documents/"+doc, s.bearer); err != nil {
		return s, err
	}
	if s.listJSON, err = fetch(s.vanthu+"/api/v1/documents?limit=20", s.bearer); err != nil {
		return s, err
	}
	return s, startBare(s, dir)
}

// startBare starts the bare Echo server in a child process serving s's JSON.
func startBare(s *servers, dir string) error {
	os.WriteFile(filepath.Join(dir, "doc.json"), s.docJSON, 0o600)
	os.WriteFile(filepath.Join(dir, "list.json"), s.listJSON, 0o600)
	self, _ := os.Executable()
	bc := exec.Command(self, "-serve-bare", "127.0.0.1:0", "-doc", filepath.Join(dir, "doc.json"), "-list", filepath.Join(dir, "list.json"))
	bc.Stderr = os.Stderr
	lines, err := startAnnounced(bc, "bare listening on ")
	if bc.Process != nil {
		s.stop = append(s.stop, func() { bc.Process.Kill(); bc.Wait() })
	}
	if err != nil {
		return err
	}
	s.bare = "http://" + announcedAddr(lines, "bare listening on ")
	return waitUp(s.bare + "/api/v1/documents/" + s.doc)
}

// loadavg is the machine's 1, 5 and 15 minute load averages, and its
// CPUs: the figures mean little when other work shares the cores.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "unknown"
	}
	return fmt.Sprintf("%s %s %s on %d CPUs", f[0], f[1], f[2], runtime.NumCPU())
}

// saveProfile writes vanthu's CPU profile over the next d to file.
func saveProfile(addr string, d time.Duration, file string) error {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(1, int(d.Seconds()))))
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cpu profile: %s %v", resp.Status, err)
	}
	return os.WriteFile(file, b, 0o644)
}

func fetch(u, bearer string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s %s", u, resp.Status, body)
	}
	return body, err
}

func call(base, token, method, path string, body io.Reader, ct string, out any) error {
	req, _ := http.NewRequest(method, base+path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// seed creates an officer and a handler, 30 outgoing drafts by the
// handler, and returns the handler's token and the last document's ID.
func seed(base string) (string, string, error) {
	login := func(u, p string) (string, error) {
		var out struct {
			Token string
			User  struct {
				MustChangePassword bool `json:"must_change_password"`
			}
		}
		err := call(base, "", "POST", "/api/v1/auth/login", strings.NewReader(`{"username":"`+u+`","password":"`+p+`"}`), "application/json", &out)
		if err == nil && out.User.MustChangePassword { // created by the admin: the first login's change
			err = call(base, out.Token, "POST", "/api/v1/auth/password", strings.NewReader(`{"current_password":"`+p+`","new_password":"`+p+`-own"}`), "application/json", nil)
		}
		return out.Token, err
	}
	admin, err := login("admin", "bench-admin-password")
	if err != nil {
		return "", "", err
	}
	var officer struct{ ID string }
	if err := call(base, admin, "POST", "/api/v1/users", strings.NewReader(`{"username":"officer","password":"password-officer","roles":["officer"]}`), "application/json", &officer); err != nil {
		return "", "", err
	}
	if err := call(base, admin, "POST", "/api/v1/users", strings.NewReader(`{"username":"handler","password":"password-handler","roles":["handler"]}`), "application/json", nil); err != nil {
		return "", "", err
	}
	handler, err := login("handler", "password-handler")
	if err != nil {
		return "", "", err
	}
	meta, _ := json.Marshal(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định thử tải",
		"signer_id": officer.ID, "recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}})
	pdf := testpdf.Make(1, "bench-http")
	var id string
	for i := range 30 {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("meta", string(meta))
		fw, _ := w.CreateFormFile("file", "qd.pdf")
		fw.Write(pdf)
		fmt.Fprintf(fw, "\n%%%d\n", i)
		w.Close()
		var d struct{ ID string }
		if err := call(base, handler, "POST", "/api/v1/documents", &buf, w.FormDataContentType(), &d); err != nil {
			return "", "", err
		}
		id = d.ID
	}
	return handler, id, nil
}

// createDB creates a fresh database on the server of admin and returns its
// URL and a function dropping it.
func createDB(admin string) (string, func(), error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("vanthu_bench_http_%d", os.Getpid())
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	}, nil
}
