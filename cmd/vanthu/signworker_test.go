package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
)

// The test binary is also the signing worker serve starts: os.Executable
// is this binary, run as "vanthu.test sign-worker".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sign-worker" {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "timer-slack" {
		timerSlackProbe()
	}
	os.Exit(m.Run())
}

// workerLog follows serve's JSON log and hands on the lines about signing
// workers.
type workerLog struct {
	lines chan map[string]any
}

func (l *workerLog) follow(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && strings.Contains(m["msg"].(string), "worker") {
			l.lines <- m
		}
	}
	close(l.lines)
}

// next waits for the next line whose message starts with msg and returns
// its pid.
func (l *workerLog) next(t *testing.T, msg string) int {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case m, ok := <-l.lines:
			if !ok {
				t.Fatalf("serve's log ended before %q", msg)
			}
			if strings.HasPrefix(m["msg"].(string), msg) {
				pid, _ := m["pid"].(float64)
				return int(pid)
			}
		case <-timeout:
			t.Fatalf("no %q in serve's log", msg)
		}
	}
}

// TestIntegrationSignWorkerKilled: a signing worker killed (kill -9) while
// it signs a document's issue fails that request with a retryable 503,
// its reserved number is given back, a new worker is started, and the
// retried issue gets the number and a signature that verifies.
func TestIntegrationSignWorkerKilled(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_LOG_LEVEL": "debug", "VANTHU_SIGN_ISOLATION": "process", "VANTHU_SIGN_CONCURRENCY": "1"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	er, ew := io.Pipe()
	log := &workerLog{lines: make(chan map[string]any, 1000)}
	go log.follow(er)
	done := make(chan int, 1)
	go func() {
		code := runWith(ctx, options{}, []string{"serve"}, getenv, pw, ew)
		pw.Close()
		ew.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	sc := bufio.NewScanner(pr)
	s := &server{dir: dir}
	for s.base == "" && sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "vanthu listening on "); ok {
			s.base = addr
		}
	}
	go io.Copy(io.Discard, pr)
	first := log.next(t, "signing worker started")

	ids, clerk, officer, handler := officeStaff(t, s)
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định thử tiến trình ký",
		"signer_id": ids["officer"], "recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}, testpdf.Make(1, "Quyet dinh"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	officer.act(id, "approve", nil)
	officer.act(id, "sign", nil) // through the worker
	if pid := log.next(t, "signature sent to worker"); pid != first {
		t.Fatalf("layer 1 went to worker %d, want %d", pid, first)
	}

	// Stop the worker, let the issue reach it, then kill it.
	if err := syscall.Kill(first, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	issued := make(chan int, 1)
	req, _ := http.NewRequest("POST", s.base+"/api/v1/documents/"+id+"/actions/issue", nil)
	req.Header.Set("Authorization", "Bearer "+clerk.token)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			issued <- 0
			return
		}
		resp.Body.Close()
		issued <- resp.StatusCode
	}()
	if pid := log.next(t, "signature sent to worker"); pid != first {
		t.Fatalf("the issue went to worker %d, want %d", pid, first)
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := <-issued; code != 503 {
		t.Fatalf("issue while the worker is killed: %d, want 503", code)
	}
	var got map[string]any
	clerk.call("GET", "/api/v1/documents/"+id, nil, &got)
	if got["state"] != "officer_signed" || got["notation"] != nil && got["notation"] != "" {
		t.Fatalf("after the failed issue: state %v notation %v, want officer_signed without a number", got["state"], got["notation"])
	}

	// The retry: a new worker, the first number, a valid signature.
	doc = clerk.act(id, "issue", nil)
	second := log.next(t, "signing worker started")
	if second == first || second == 0 {
		t.Fatalf("new worker pid %d (the killed one was %d)", second, first)
	}
	if doc["state"] != "issued" || doc["notation"] != "01/QĐ-UBND" {
		t.Fatalf("the retried issue: state %v notation %v, want issued 01/QĐ-UBND", doc["state"], doc["notation"])
	}
	if v, _ := doc["verification"].(map[string]any); v == nil || v["verdict"] != "valid" {
		t.Fatalf("verification after the retried issue: %v", doc["verification"])
	}
	if err := syscall.Kill(first, 0); err != syscall.ESRCH {
		t.Errorf("killed worker %d: kill -0 = %v, want it reaped", first, err)
	}
	// serve's nice value: this thread's (the process's main thread may be
	// one an earlier test lowered and left, as the thread arrangement does).
	runtime.LockOSThread()
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := niceOf(t, second), min(20-prio+10, 19); got != want {
		t.Errorf("worker's nice value %d, want %d (serve's + VANTHU_SIGN_NICE)", got, want)
	}
	checkWorkerWakeups(t, second)
}

// checkWorkerWakeups: every thread of the worker pid has the timer slack
// serve gave it (workerTimerSlack, not the kernel's default 50 us), and
// its pipes are on the runtime's poller (O_NONBLOCK), so that its
// runtime's monitor thread does not poll between and during calls.
func checkWorkerWakeups(t *testing.T, pid int) {
	t.Helper()
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, task := range tasks {
		if !timerSlackSupported {
			break
		}
		b, err := os.ReadFile("/proc/" + task.Name() + "/timerslack_ns")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); got != strconv.FormatInt(workerTimerSlack.Nanoseconds(), 10) {
			t.Errorf("worker %d thread %s: timer slack %s ns, want %d", pid, task.Name(), got, workerTimerSlack.Nanoseconds())
		}
	}
	for _, fd := range []string{"3", "4"} {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/" + fd)
		if err != nil {
			t.Fatal(err)
		}
		var flags int64
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, _ = strconv.ParseInt(strings.TrimSpace(v), 8, 64)
			}
		}
		if flags&syscall.O_NONBLOCK == 0 {
			t.Errorf("worker %d fd %s: flags %o, want O_NONBLOCK (the runtime's poller)", pid, fd, flags)
		}
	}
}

// niceOf reads a process's nice value from /proc/PID/stat (field 19).
func niceOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	n, err := strconv.Atoi(fields[16])
	if err != nil {
		t.Fatalf("/proc/%d/stat: %v", pid, err)
	}
	return n
}

// TestWorkerArgs: the settings a worker reads from its standard input are
// serve's, whatever way serve got them — an empty one included, which an
// empty variable cannot say (it means the default) — and none of them is
// left in its environment.
func TestWorkerArgs(t *testing.T) {
	env := map[string]string{"VANTHU_DATA_DIR": "/srv/vanthu", "VANTHU_MAX_UPLOAD_MB": "7",
		"VANTHU_DATABASE_URL": "postgres://u:secret@db/vanthu"}
	serveFS := flag.NewFlagSet("serve", flag.ContinueOnError)
	serve, err := LoadConfig(serveFS, []string{"-org-place="}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if serve.OrgPlace != "" {
		t.Fatalf("serve's org place %q, want empty", serve.OrgPlace)
	}
	in, err := json.Marshal(serve.workerArgs())
	if err != nil {
		t.Fatal(err)
	}
	args, err := readWorkerArgs(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	workerFS := flag.NewFlagSet("sign-worker", flag.ContinueOnError)
	worker, err := LoadConfig(workerFS, args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// How the log level was given on the command line (--log-level, -v)
	// matters to the commands other than serve only: the worker is given
	// serve's level as a flag.
	worker.logLevelGiven, worker.verbose = serve.logLevelGiven, serve.verbose
	if !reflect.DeepEqual(worker, serve) {
		t.Errorf("worker's configuration\n%+v\nwant serve's\n%+v", *worker, *serve)
	}
	var base []string
	for k, v := range env {
		base = append(base, k+"="+v)
	}
	base = append(base, "VANTHU_PKCS11_PIN=1234", "PATH=/usr/bin")
	got := serve.workerEnv(base)
	slices.Sort(got)
	if want := []string{"PATH=/usr/bin", "VANTHU_PKCS11_PIN=1234"}; !slices.Equal(got, want) {
		t.Errorf("worker's environment %v, want %v (no setting, the others as they are)", got, want)
	}
}

// TestIntegrationSignWorkerSeesRevocation: a revocation stored through
// serve counts for the next call to its signing worker at once, though
// the worker reuses "not revoked" answers (gormdb.RevocationLease) and
// OCSP responses (pki.OCSPReuse): serve's revocation epoch comes with
// the call. One worker, so that the call after the revocation goes to
// the worker that looked the certificate up just before it.
func TestIntegrationSignWorkerSeesRevocation(t *testing.T) {
	s := startServer(t, map[string]string{"VANTHU_SIGN_CONCURRENCY": "1"})
	admin := s.login(t, "admin", "admin-password-1")
	ids, clerk, officer, handler := officeStaff(t, s)
	meta := func(subject string) map[string]any {
		return map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject, "signer_id": ids["officer"],
			"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}
	}
	approved := func(subject string) string {
		t.Helper()
		doc, code := handler.upload(meta(subject), testpdf.Make(1, subject))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		id := doc["id"].(string)
		handler.act(id, "submit", nil)
		officer.act(id, "approve", nil)
		return id
	}
	type report struct {
		Verdict    string
		Signatures []struct {
			Signer     struct{ Serial string }
			Revocation *struct {
				Status, Source string
				RevokedAt      string `json:"revoked_at"`
			}
		}
	}
	verification := func(id string) report {
		t.Helper()
		var rep report
		if err := json.Unmarshal(clerk.get("/api/v1/documents/"+id+"/verification"), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// Before the revocation: the worker signs and issues one document
	// (its OCSP responses for the official's certificate made and kept),
	// signs a second, and has a third to sign.
	first := approved("Quyết định thứ nhất")
	officer.act(first, "sign", nil)
	clerk.act(first, "issue", nil)
	signedBefore := approved("Quyết định thứ hai")
	after := approved("Quyết định thứ ba")
	officer.act(signedBefore, "sign", nil) // the worker: the certificate "not revoked", for a lease
	start := time.Now()
	var rev struct{ Serial string }
	if code := admin.call("POST", "/api/v1/pki/revocations", map[string]any{"user_id": ids["officer"], "reason": "keyCompromise"}, &rev); code != 201 {
		t.Fatalf("revoke: %d", code)
	}
	officer.act(after, "sign", nil)
	t.Logf("revocation and the next signature %s after the worker's last look-up (lease %s)", time.Since(start), gormdb.RevocationLease)
	if rep := verification(first); len(rep.Signatures) < 1 || !strings.EqualFold(rep.Signatures[0].Signer.Serial, rev.Serial) {
		t.Fatalf("the revoked certificate %s is not the one of the first document: %+v", rev.Serial, rep)
	}
	// The signature right after the revocation: a new certificate.
	doc := clerk.act(after, "issue", nil)
	if rep := verification(after); doc["state"] != "issued" || rep.Verdict != "valid" || len(rep.Signatures) < 1 ||
		strings.EqualFold(rep.Signatures[0].Signer.Serial, rev.Serial) {
		t.Fatalf("document signed right after the revocation of %s: state %v, %+v", rev.Serial, doc["state"], rep)
	}
	// The document signed before it, issued now: the worker's OCSP
	// response is a fresh one, not the "good" it kept. The revocation
	// time has whole seconds: in the second of the signature it counts
	// as before it, and the issue is refused; later the signature stays
	// valid and its report says when the certificate was revoked.
	code, body := clerk.raw("POST", "/api/v1/documents/"+signedBefore+"/actions/issue", nil)
	if code == 422 {
		if !strings.Contains(string(body), "certificate revoked at") {
			t.Fatalf("issue of the document signed before the revocation: %d %s, want refused for the revocation", code, body)
		}
		t.Logf("document signed before the revocation, in its second: issue refused: %s", body)
		return
	}
	rep := verification(signedBefore)
	if code != 200 || len(rep.Signatures) < 1 || rep.Signatures[0].Revocation == nil || rep.Signatures[0].Revocation.RevokedAt == "" {
		t.Fatalf("document signed before the revocation, issued after: %d, no revocation seen: %+v", code, rep)
	}
	t.Logf("document signed before the revocation, issued after: %+v", rep)
}
