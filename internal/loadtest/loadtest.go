// Package loadtest drives complete document lifecycles against running
// vanthu servers through the public API (the generated client), and
// reports lifecycles per second, latency percentiles per action and
// errors by code. `vanthu loadtest` is its command line.
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/vanthu/vanthu/client"
)

// Kinds of lifecycle.
const (
	Outgoing = "outgoing"
	Incoming = "incoming"
)

// Config is one run.
type Config struct {
	URLs          []string       // servers; requests are spread over them round-robin
	AdminUser     string         // creates the run's users
	AdminPassword string         //
	UsersPerRole  int            // concurrent users per role = concurrent lifecycles
	Mix           map[string]int // weight per kind (Outgoing, Incoming)
	Duration      time.Duration  // stop starting lifecycles after this (0 = use Count)
	Count         int            // number of lifecycles (0 = use Duration)
	Send          bool           // outgoing: send to a connected agency before archiving
	// PDFs are the documents the lifecycles upload, lifecycle i a copy of
	// PDFs[i mod len(PDFs)] made unique (commentMarks); none: a one-page PDF
	// of the tool's own.
	PDFs       []PDF
	SendTo     string       // org ID of the agency (empty = the first connected one)
	Progress   io.Writer    // a progress line per second (nil = none)
	HTTPClient *http.Client // nil = a client sized for UsersPerRole
	// Retry, when set, retries an action that failed with a retryable
	// error (503, 429, 502, 504, a lost connection, or a 409 "conflict":
	// a concurrent change or a number still reserved by an issue whose
	// instance died) for up to this long, on the next server. An action retried after its answer was lost
	// counts as done when the document is already in the action's state.
	Retry time.Duration
	// OnFinish, when set, is called after each lifecycle (ok = completed).
	OnFinish func(ok bool)
	Now      func() time.Time
}

// PDF is a document of the operator's for the lifecycles to upload.
type PDF struct {
	Name    string // the upload's file name
	Content []byte
}

// ReadPDFs reads files for Config.PDFs, each uploaded under its base name
// (`vanthu loadtest --pdf`, `vanthu-chaos --pdf`).
func ReadPDFs(files []string) ([]PDF, error) {
	var out []PDF
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, PDF{Name: filepath.Base(f), Content: b})
	}
	return out, nil
}

// PDFUsed names a document a run uploaded copies of.
type PDFUsed struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
}

// Report is what a run measured.
type Report struct {
	URLs         []string               `json:"urls"`
	UsersPerRole int                    `json:"users_per_role"`
	PDFs         []PDFUsed              `json:"pdfs"` // what the lifecycles uploaded copies of
	Seconds      float64                `json:"seconds"`
	Lifecycles   map[string]*KindReport `json:"lifecycles"`
	Actions      map[string]*Latency    `json:"actions"`
	Errors       map[string]int         `json:"errors"` // "action: status code" -> count
	// Retried counts the retryable errors that were retried (Config.Retry),
	// by "action: status code"; they are not in Errors unless the last
	// attempt failed too.
	Retried map[string]int `json:"retried,omitempty"`
	// Unclear counts the answers with an HTTP status but without an error
	// code and message in their body (retried or not), by "action: status
	// code": a server's refusal, even a retryable one, says what and why.
	Unclear map[string]int `json:"unclear,omitempty"`
	// LongestRetry is, per action, the longest one call of it spent
	// retrying (Config.Retry): from its first failed attempt to its
	// success or its last failure, in seconds. Work held by an instance
	// that died (a number reservation, an idempotency key, a delivery's
	// claim) bounds it by the server's lease on that work.
	LongestRetry map[string]float64 `json:"longest_retry_seconds,omitempty"`
	ErrorSamples []string           `json:"error_samples,omitempty"`
	// Connections counts the connections the tool's HTTP client opened,
	// setup included (none counted with Config.HTTPClient): kept alive and
	// reused, they stay near the requests in flight at once.
	Connections int64 `json:"connections,omitempty"`
}

// KindReport counts one kind of lifecycle.
type KindReport struct {
	Completed int      `json:"completed"`
	Failed    int      `json:"failed"`
	PerSecond float64  `json:"per_second"`
	Documents []string `json:"documents"` // IDs of the completed ones
	// Created lists every document whose creation the server acknowledged
	// (201), completed or not.
	Created []string `json:"created"`
}

// Latency is one action's latency distribution, in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	durs  []time.Duration
}

// ParseMix parses "outgoing=80,incoming=20".
func ParseMix(s string) (map[string]int, error) {
	m := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); !ok || err != nil || n < 0 || (k != Outgoing && k != Incoming) {
			return nil, fmt.Errorf("mix %q: want outgoing=N,incoming=M", part)
		}
		m[k] = n
	}
	if m[Outgoing]+m[Incoming] == 0 {
		return nil, fmt.Errorf("mix %q: no weight", s)
	}
	return m, nil
}

// KindOf returns the kind of lifecycle number i (0-based): a smooth
// interleaving that gives exactly the mix's proportions over every
// stretch of sum(weights) lifecycles.
func KindOf(mix map[string]int, i int) string {
	o, in := mix[Outgoing], mix[Incoming]
	total := o + in
	j := i % total
	// Outgoing number k of the stretch sits where floor((j+1)*o/total) grows.
	if (j+1)*o/total > j*o/total {
		return Outgoing
	}
	return Incoming
}

type httpError struct {
	action string
	status int
	code   string
	msg    string
	bare   bool // an answer whose body had no error code and message (its msg is the body)
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.action, e.status, e.code, e.msg)
}

func (e *httpError) key() string {
	if e.status == 0 {
		return e.action + ": " + e.code
	}
	return fmt.Sprintf("%s: %d %s", e.action, e.status, e.code)
}

type user struct {
	id   string
	auth client.RequestEditorFn // sets its bearer token, made once
	// sign is its password, sent with sign and issue: a server run with
	// VANTHU_SIGN_CONFIRM_API=password asks for it (checked once per
	// session and VANTHU_SIGN_CONFIRM_TTL); others ignore it.
	sign *client.ApplyActionParams
}

type runner struct {
	cfg     Config
	clients []*client.ClientWithResponses
	next    atomic.Uint64
	users   map[string][]user // role -> users
	sendTo  client.Org
	pdfs    []*pdfTemplate // lifecycle i uploads a copy of pdfs[i mod len] unique to it
	noInput []byte         // an action request without input, encoded once

	mu      sync.Mutex
	rep     *Report
	samples int
	done    map[string]*atomic.Int64
	failed  atomic.Int64
}

// withDefaults checks cfg and fills in what it leaves out: one user per
// role, the 80/20 mix, the wall clock and an HTTP client whose idle pool
// fits the users, which counts the connections it opens in conns.
func (cfg Config) withDefaults(conns *atomic.Int64) (Config, error) {
	if len(cfg.URLs) == 0 {
		return cfg, errors.New("loadtest: no server URL")
	}
	if cfg.UsersPerRole <= 0 {
		cfg.UsersPerRole = 1
	}
	if cfg.Mix == nil {
		cfg.Mix = map[string]int{Outgoing: 80, Incoming: 20}
	}
	if cfg.Count <= 0 && cfg.Duration <= 0 {
		return cfg, errors.New("loadtest: give a count or a duration")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 8 * cfg.UsersPerRole * len(cfg.URLs)
		tr.MaxIdleConnsPerHost = 8 * cfg.UsersPerRole
		dial := tr.DialContext
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conns.Add(1)
			return dial(ctx, network, addr)
		}
		cfg.HTTPClient = &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	}
	return cfg, nil
}

// Run creates the users, drives the lifecycles and returns the report.
// An error is returned only when the run could not start (no server, no
// admin, no connected agency with Send); errors during the run are in the
// report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	var conns atomic.Int64
	cfg, err := cfg.withDefaults(&conns)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	r := &runner{cfg: cfg, users: map[string][]user{}, done: map[string]*atomic.Int64{Outgoing: {}, Incoming: {}},
		rep: &Report{URLs: cfg.URLs, UsersPerRole: cfg.UsersPerRole, Lifecycles: map[string]*KindReport{Outgoing: {}, Incoming: {}},
			Actions: map[string]*Latency{}, Errors: map[string]int{}, Retried: map[string]int{}, Unclear: map[string]int{},
			LongestRetry: map[string]float64{}}}
	for _, u := range cfg.URLs {
		c, err := client.NewClientWithResponses(strings.TrimRight(u, "/"), client.WithHTTPClient(hc))
		if err != nil {
			return nil, fmt.Errorf("loadtest: %s: %w", u, err)
		}
		r.clients = append(r.clients, c)
	}
	if r.pdfs, err = templates(cfg.PDFs); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	for _, t := range r.pdfs {
		r.rep.PDFs = append(r.rep.PDFs, PDFUsed{Name: t.name, Bytes: len(t.b)})
	}
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	if r.noInput, err = json.Marshal(client.ActionRequest{}); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}

	start := cfg.Now()
	runCtx := ctx
	var cancel context.CancelFunc = func() {}
	if cfg.Duration > 0 {
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
	}
	defer cancel()
	var seq atomic.Int64
	stopProgress := r.progress(start)
	var wg sync.WaitGroup
	for w := range cfg.UsersPerRole {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				i := int(seq.Add(1) - 1)
				if cfg.Count > 0 && i >= cfg.Count {
					return
				}
				kind := KindOf(cfg.Mix, i)
				// A lifecycle started is finished even if the duration
				// ends meanwhile: ctx (not runCtx) bounds it.
				id, err := r.lifecycle(ctx, kind, w, i)
				r.finish(kind, id, err)
			}
		}()
	}
	wg.Wait()
	stopProgress()
	rep := r.rep
	rep.Seconds = cfg.Now().Sub(start).Seconds()
	rep.Connections = conns.Load()
	for _, k := range rep.Lifecycles {
		if rep.Seconds > 0 {
			k.PerSecond = float64(k.Completed) / rep.Seconds
		}
		sort.Strings(k.Documents)
		sort.Strings(k.Created)
	}
	for _, l := range rep.Actions {
		l.summarise()
	}
	return rep, ctx.Err()
}

func (l *Latency) summarise() {
	slices.Sort(l.durs)
	l.Count = len(l.durs)
	if l.Count == 0 {
		return
	}
	q := func(p float64) float64 {
		i := int(p*float64(l.Count)+0.999999) - 1
		i = max(0, min(i, l.Count-1))
		return float64(l.durs[i].Microseconds()) / 1000
	}
	l.P50, l.P95, l.P99, l.Max = q(0.50), q(0.95), q(0.99), q(1)
}

func (r *runner) progress(start time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var lastO, lastI int64
		for {
			select {
			case <-done:
				return
			case <-t.C:
				o, in := r.done[Outgoing].Load(), r.done[Incoming].Load()
				fmt.Fprintf(r.cfg.Progress, "%6.0fs  outgoing %d (%d/s)  incoming %d (%d/s)  failed %d\n",
					r.cfg.Now().Sub(start).Seconds(), o, o-lastO, in, in-lastI, r.failed.Load())
				lastO, lastI = o, in
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (r *runner) finish(kind, id string, err error) {
	if r.cfg.OnFinish != nil {
		defer r.cfg.OnFinish(err == nil)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.rep.Lifecycles[kind]
	if err == nil {
		k.Completed++
		k.Documents = append(k.Documents, id)
		r.done[kind].Add(1)
		return
	}
	k.Failed++
	r.failed.Add(1)
	var he *httpError
	if !errors.As(err, &he) {
		he = &httpError{action: "?", code: "error", msg: err.Error()}
	}
	r.rep.Errors[he.key()]++
	if r.samples < 20 {
		r.samples++
		r.rep.ErrorSamples = append(r.rep.ErrorSamples, he.Error())
	}
}

func (r *runner) record(action string, d time.Duration) {
	r.mu.Lock()
	l := r.rep.Actions[action]
	if l == nil {
		l = &Latency{}
		r.rep.Actions[action] = l
	}
	l.durs = append(l.durs, d)
	r.mu.Unlock()
}

// client returns the next server's client, round-robin per request.
func (r *runner) client() *client.ClientWithResponses {
	return r.clients[int(r.next.Add(1)-1)%len(r.clients)]
}

// check turns an answer into nil or an *httpError.
func check(action string, resp *http.Response, body []byte, err error, want int) error {
	if err != nil {
		return &httpError{action: action, code: "transport", msg: err.Error()}
	}
	if resp.StatusCode == want {
		return nil
	}
	var e client.Error
	_ = json.Unmarshal(body, &e)
	code := string(e.Error.Code)
	bare := code == "" || strings.TrimSpace(e.Error.Message) == ""
	if code == "" {
		code = "?"
	}
	msg := e.Error.Message
	if msg == "" {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200]
		}
	}
	return &httpError{action: action, status: resp.StatusCode, code: code, msg: msg, bare: bare}
}

var roles = []client.Role{client.Handler, client.Officer, client.Clerk, client.Archivist}

func (r *runner) setup(ctx context.Context) error {
	c := r.clients[0]
	login, err := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Username: r.cfg.AdminUser, Password: r.cfg.AdminPassword})
	if err := check("admin login", httpResp(login), body(login), err, 200); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	admin := client.Bearer(login.JSON200.Token)
	var rnd [4]byte
	rand.Read(rnd[:])
	run := hex.EncodeToString(rnd[:])
	for _, role := range roles {
		for i := range r.cfg.UsersPerRole {
			name := fmt.Sprintf("lt%s-%s-%d", run, role, i+1)
			pw := "lt-" + run + "-password"
			full := fmt.Sprintf("Tải Thử %s %d", role, i+1)
			title := "Chuyên viên"
			cu, err := c.CreateUserWithResponse(ctx, client.CreateUserJSONRequestBody{Username: name, Password: &pw,
				FullName: &full, Title: &title, Roles: []client.Role{role}}, admin)
			if err := check("create user", httpResp(cu), body(cu), err, 201); err != nil {
				return fmt.Errorf("loadtest: %w", err)
			}
			l, err := r.client().LoginWithResponse(ctx, client.LoginJSONRequestBody{Username: name, Password: pw})
			if err := check("login", httpResp(l), body(l), err, 200); err != nil {
				return fmt.Errorf("loadtest: %w", err)
			}
			if l.JSON200.User.MustChangePassword {
				// The admin set it: the user's own change first, as
				// a person's first login does.
				cp, err := r.client().ChangePasswordWithResponse(ctx, client.ChangePasswordJSONRequestBody{CurrentPassword: pw,
					NewPassword: pw + "-" + name}, client.Bearer(l.JSON200.Token))
				if err := check("change password", httpResp(cp), body(cp), err, 200); err != nil {
					return fmt.Errorf("loadtest: %w", err)
				}
				pw += "-" + name
			}
			r.users[string(role)] = append(r.users[string(role)], user{id: cu.JSON201.Id, auth: client.Bearer(l.JSON200.Token),
				sign: &client.ApplyActionParams{XVanthuSignPassword: ptr(pw)}})
		}
	}
	r.sendTo = client.Org{OrgId: "000.00.31.H13", Name: "UBND phường Long Hòa"}
	if r.cfg.Send {
		ag, err := c.ListAgenciesWithResponse(ctx, admin)
		if err := check("list agencies", httpResp(ag), body(ag), err, 200); err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		found := false
		for _, a := range ag.JSON200.Items {
			if r.cfg.SendTo == "" || a.OrgId == r.cfg.SendTo {
				r.sendTo, found = client.Org{OrgId: a.OrgId, Name: a.Name}, true
				break
			}
		}
		if !found {
			return fmt.Errorf("loadtest: --send: no connected agency %s (register one: vanthu agency add)", r.cfg.SendTo)
		}
	}
	return nil
}

func httpResp(a any) *http.Response {
	switch v := a.(type) {
	case *client.LoginResponse:
		if v != nil {
			return v.HTTPResponse
		}
	case *client.CreateUserResponse:
		if v != nil {
			return v.HTTPResponse
		}
	case *client.ListAgenciesResponse:
		if v != nil {
			return v.HTTPResponse
		}
	case *client.ChangePasswordResponse:
		if v != nil {
			return v.HTTPResponse
		}
	}
	return nil
}

func body(a any) []byte {
	switch v := a.(type) {
	case *client.LoginResponse:
		if v != nil {
			return v.Body
		}
	case *client.CreateUserResponse:
		if v != nil {
			return v.Body
		}
	case *client.ListAgenciesResponse:
		if v != nil {
			return v.Body
		}
	case *client.ChangePasswordResponse:
		if v != nil {
			return v.Body
		}
	}
	return nil
}

func (r *runner) as(role string, w int) client.RequestEditorFn {
	us := r.users[role]
	return us[w%len(us)].auth
}

// create uploads a document (a PDF unique to the lifecycle) with an
// Idempotency-Key of its own, sent again unchanged with each retry: a
// retry after a lost answer gets the document the first attempt created
// (200, Idempotent-Replayed), not a second one. Before, it had no key,
// and such a retry left an unacknowledged draft behind.
func (r *runner) create(ctx context.Context, role string, w int, meta client.DocumentMeta, i int) (string, error) {
	t := r.pdfs[i%len(r.pdfs)]
	pdf := t.copyFor(i)
	action := string(meta.Direction) + " create"
	params := &client.CreateDocumentParams{IdempotencyKey: ptr(newKey())}
	var id string
	err := r.retry(ctx, action, func() (bool, error) {
		ct, rd, err := client.NewDocumentBody(meta, client.NamedPDF{Name: t.name, PDF: bytes.NewReader(pdf)})
		if err != nil {
			return false, err
		}
		t0 := time.Now()
		resp, err := r.client().CreateDocumentWithBody(ctx, params, ct, rd, r.as(role, w))
		want := http.StatusCreated
		if err == nil && resp.StatusCode == http.StatusOK && resp.Header.Get("Idempotent-Replayed") == "true" {
			want = http.StatusOK // an earlier attempt's document
		}
		b, err := answer(action, resp, err, want)
		if err != nil {
			return false, err
		}
		r.record(action, time.Since(t0))
		var doc struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.ID == "" {
			return false, &httpError{action: action, status: resp.StatusCode, code: "?", msg: fmt.Sprintf("no document id in the answer (%v)", err)}
		}
		id = doc.ID
		r.mu.Lock()
		k := r.rep.Lifecycles[string(meta.Direction)]
		k.Created = append(k.Created, id)
		r.mu.Unlock()
		return true, nil
	})
	return id, err
}

// newKey is a new Idempotency-Key: a random (version 4) UUID.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func ptr[T any](v T) *T { return &v }

// answer reads an answer: its body when the status is want, else an
// *httpError.
func answer(action string, resp *http.Response, err error, want int) ([]byte, error) {
	if err != nil {
		return nil, check(action, nil, nil, err, want)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= 1<<20 {
		buf.Grow(int(n) + 1) // one allocation, and the read that sees EOF fits
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, check(action, nil, nil, err, want)
	}
	b := buf.Bytes()
	return b, check(action, resp, b, nil, want)
}

// docAnswer is what an answer that is a document is checked for.
type docAnswer struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// checkDocument checks that the answer b to action is document id in
// state want.
func checkDocument(action string, b []byte, id, want string) error {
	var d docAnswer
	if err := json.Unmarshal(b, &d); err != nil || d.ID != id || d.State != want {
		return &httpError{action: action, status: http.StatusOK, code: "answer",
			msg: fmt.Sprintf("the answer is not document %s in state %s: id %q, state %q (%v)", id, want, d.ID, d.State, err)}
	}
	return nil
}

// pdfTemplate is a PDF each lifecycle uploads a copy of, made unique to
// the lifecycle in place (the same length, so every offset stays right):
// every upload is a different document, as in an office, without writing
// a PDF per lifecycle. The tool's own is a one-page PDF written once per
// run, uncompressed, whose page text ends in a fixed-width field that the
// copy overwrites with the run's ID and the lifecycle's number; an
// operator's (Config.PDFs) has the bytes of its header's binary comment
// varied instead (commentMarks).
type pdfTemplate struct {
	name  string
	b     []byte
	at    int    // the tool's own: offset of the field
	run   string // the tool's own: the run's ID written into the field
	marks []int  // an operator's: offsets of the binary comment's bytes
	salt  uint64 // an operator's: the run's random start for the numbers written there
}

const pdfField = "##################" // 8 hex digits of the run, 10 of the lifecycle

// templates returns the run's templates: one per PDF given, else the
// tool's own.
func templates(pdfs []PDF) ([]*pdfTemplate, error) {
	if len(pdfs) == 0 {
		t, err := newPDFTemplate()
		return []*pdfTemplate{t}, err
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	salt := binary.LittleEndian.Uint64(rnd[:])
	out := make([]*pdfTemplate, 0, len(pdfs))
	for _, p := range pdfs {
		marks, err := commentMarks(p.Content)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		out = append(out, &pdfTemplate{name: p.Name, b: p.Content, marks: marks, salt: salt})
	}
	return out, nil
}

func newPDFTemplate() (*pdfTemplate, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(false)
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Text(20, 30, "vanthu loadtest "+pdfField)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("template PDF: %w", err)
	}
	b := buf.Bytes()
	at := bytes.Index(b, []byte(pdfField))
	if at < 0 || bytes.Count(b, []byte(pdfField)) != 1 {
		return nil, errors.New("template PDF: the numbered field is not in the page's content once")
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	return &pdfTemplate{name: "vanban.pdf", b: b, at: at, run: hex.EncodeToString(rnd[:])}, nil
}

// copyFor returns lifecycle i's PDF.
func (t *pdfTemplate) copyFor(i int) []byte {
	b := bytes.Clone(t.b)
	if t.marks != nil {
		markCopy(b, t.marks, t.salt+uint64(i))
		return b
	}
	copy(b[t.at:], fmt.Sprintf("%s%010d", t.run, i%10_000_000_000))
	return b
}

// Making an operator's PDF unique. ISO 32000 asks a PDF that holds binary
// data to follow its header line (%PDF-1.7) with a comment line of at
// least four bytes above 127, so that transfer programs treat the file as
// binary; every producer we know writes one (%âãÏÓ, %µµµµ, %¿÷¢þ). A
// comment's bytes mean nothing to a reader, so a copy whose comment bytes
// differ is the same document in a different file — and, stored by its
// SHA-256, a different object, as each upload of an office is. The bytes
// stay above 127 and the length stays the same: the file's offsets and
// its binary marker are untouched.
const (
	minMarks = 4 // the bytes ISO 32000 asks for: 7 bits each, 2^28 copies per run
	maxMarks = 8
)

// errNoComment says why an operator's PDF cannot be used as is.
var errNoComment = errors.New("no binary comment after the %PDF- header (a line of 4 or more bytes above 127, e.g. %\xe2\xe3\xcf\xd3): the load tool varies those bytes to make each lifecycle's upload a different file; rewrite the file with a tool that writes one (e.g. qpdf IN OUT)")

// commentMarks returns the offsets of the bytes above 127 (at most
// maxMarks) in the comment line that follows b's %PDF- header, which
// must be in b's first 1024 bytes (as readers look for it).
func commentMarks(b []byte) ([]int, error) {
	h := bytes.Index(b[:min(len(b), 1024)], []byte("%PDF-"))
	if h < 0 {
		return nil, errors.New("no %PDF- header in the first 1024 bytes: not a PDF")
	}
	i := h
	for i < len(b) && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i < len(b) && b[i] == '\n' {
		i++
	}
	if i >= len(b) || b[i] != '%' {
		return nil, errNoComment
	}
	var marks []int
	for j := i + 1; j < len(b) && b[j] != '\r' && b[j] != '\n' && len(marks) < maxMarks; j++ {
		if b[j] > 127 {
			marks = append(marks, j)
		}
	}
	if len(marks) < minMarks {
		return nil, errNoComment
	}
	return marks, nil
}

// markCopy writes v, 7 bits a byte, into b at marks, each byte kept above
// 127.
func markCopy(b []byte, marks []int, v uint64) {
	for _, at := range marks {
		b[at] = 0x80 | byte(v&0x7f)
		v >>= 7
	}
}

// after is the state each action leads to (a retried action whose first
// answer was lost finds its document there).
var after = map[client.Action]string{client.ActionSubmit: "in_review", client.ActionApprove: "approved",
	client.ActionSign: "officer_signed", client.ActionIssue: "issued", client.ActionSend: "sent", client.ActionArchive: "archived",
	client.ActionRegister: "registered", client.ActionAssign: "assigned", client.ActionStart: "in_progress",
	client.ActionComplete: "completed"}

// Retryable reports whether an answer with this status (0: no answer, the
// connection was lost) may be retried: the server said "later", or never
// answered. A 500 is not retryable: it is a bug.
func Retryable(status int) bool {
	switch status {
	case 0, http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retry calls attempt until it succeeds, fails for good, or Config.Retry
// has passed; attempt returns done=true when it succeeded.
func (r *runner) retry(ctx context.Context, action string, attempt func() (bool, error)) error {
	var deadline time.Time
	if r.cfg.Retry > 0 {
		deadline = time.Now().Add(r.cfg.Retry)
	}
	wait := 100 * time.Millisecond
	var first time.Time // of the first failed attempt
	defer func() {
		if !first.IsZero() {
			r.retried(action, time.Since(first))
		}
	}()
	for {
		done, err := attempt()
		if done || err == nil {
			return err
		}
		var he *httpError
		if errors.As(err, &he) && he.bare && he.status != 0 {
			r.mu.Lock()
			r.rep.Unclear[he.key()]++
			r.mu.Unlock()
		}
		if !errors.As(err, &he) || !(Retryable(he.status) || he.status == http.StatusConflict && (he.code == "conflict" || he.code == "request_in_progress")) ||
			deadline.IsZero() || time.Now().After(deadline) {
			return err
		}
		if first.IsZero() {
			first = time.Now()
		}
		r.mu.Lock()
		r.rep.Retried[he.key()]++
		if r.samples < 40 {
			r.samples++
			r.rep.ErrorSamples = append(r.rep.ErrorSamples, "retried: "+he.Error())
		}
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// retried records that action spent d retrying (Report.LongestRetry).
func (r *runner) retried(action string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.LongestRetry[action] = max(r.rep.LongestRetry[action], d.Seconds())
}

// act applies one action and records its latency. req is the request's
// JSON body (client.ActionRequest).
func (r *runner) act(ctx context.Context, kind, role string, w int, id string, action client.Action, req []byte) error {
	name := kind + " " + string(action)
	retried := false
	return r.retry(ctx, name, func() (bool, error) {
		t0 := time.Now()
		var params *client.ApplyActionParams
		if action == client.ActionSign || action == client.ActionIssue {
			us := r.users[role]
			params = us[w%len(us)].sign
		}
		resp, err := r.client().ApplyActionWithBody(ctx, id, action, params, "application/json", bytes.NewReader(req), r.as(role, w))
		b, err := answer(name, resp, err, http.StatusOK)
		if err == nil {
			err = checkDocument(name, b, id, after[action])
		}
		var he *httpError
		if err != nil && retried && errors.As(err, &he) && he.status == http.StatusConflict {
			// The attempt before may have been applied, its answer lost.
			g, gerr := r.client().GetDocumentWithResponse(ctx, id, nil, r.as(role, w))
			if gerr = check(name+" (look)", httpRespOf(g), bodyOf(g), gerr, 200); gerr != nil {
				return false, gerr
			}
			if string(g.JSON200.State) == after[action] {
				err = nil
			}
		}
		retried = true
		if err != nil {
			return false, err
		}
		r.record(name, time.Since(t0))
		return true, nil
	})
}

func httpRespOf(g *client.GetDocumentResponse) *http.Response {
	if g == nil {
		return nil
	}
	return g.HTTPResponse
}

func bodyOf(g *client.GetDocumentResponse) []byte {
	if g == nil {
		return nil
	}
	return g.Body
}

func (r *runner) lifecycle(ctx context.Context, kind string, w, i int) (string, error) {
	normal, urgent := client.ConfidentialityNormal, client.UrgencyNormal
	if kind == Outgoing {
		signer := r.users[string(client.Officer)][w%r.cfg.UsersPerRole].id
		meta := client.DocumentMeta{Direction: client.DocumentMetaDirectionOutgoing, Type: "QĐ",
			Subject: fmt.Sprintf("Quyết định thử tải số %d", i), Confidentiality: &normal, Urgency: &urgent,
			SignerId: &signer, Recipients: &[]client.Org{r.sendTo}}
		id, err := r.create(ctx, string(client.Handler), w, meta, i)
		if err != nil {
			return "", err
		}
		steps := []struct {
			role   client.Role
			action client.Action
		}{{client.Handler, client.ActionSubmit}, {client.Officer, client.ActionApprove}, {client.Officer, client.ActionSign},
			{client.Clerk, client.ActionIssue}}
		if r.cfg.Send {
			steps = append(steps, struct {
				role   client.Role
				action client.Action
			}{client.Clerk, client.ActionSend})
		}
		steps = append(steps, struct {
			role   client.Role
			action client.Action
		}{client.Archivist, client.ActionArchive})
		for _, s := range steps {
			if err := r.act(ctx, kind, string(s.role), w, id, s.action, r.noInput); err != nil {
				return id, err
			}
		}
		return id, nil
	}
	num, date := fmt.Sprintf("%d/UBND-VP", i+1), r.cfg.Now().Format("2006-01-02")
	senderCode := "000.00.00.H13"
	meta := client.DocumentMeta{Direction: client.DocumentMetaDirectionIncoming, Type: "CV",
		Subject: fmt.Sprintf("Công văn đến thử tải số %d", i), Confidentiality: &normal, Urgency: &urgent,
		Sender: &client.Sender{OrgId: &senderCode, Name: "UBND thành phố Cần Thơ"}, OriginalNumber: &num, OriginalDate: &date}
	id, err := r.create(ctx, string(client.Clerk), w, meta, i)
	if err != nil {
		return "", err
	}
	handler := r.users[string(client.Handler)][w%r.cfg.UsersPerRole].id
	assign, err := json.Marshal(client.ActionRequest{AssigneeId: &handler})
	if err != nil {
		return id, err
	}
	for _, s := range []struct {
		role   client.Role
		action client.Action
		req    []byte
	}{{client.Clerk, client.ActionRegister, r.noInput}, {client.Officer, client.ActionAssign, assign},
		{client.Handler, client.ActionStart, r.noInput}, {client.Handler, client.ActionComplete, r.noInput},
		{client.Archivist, client.ActionArchive, r.noInput}} {
		if err := r.act(ctx, kind, string(s.role), w, id, s.action, s.req); err != nil {
			return id, err
		}
	}
	return id, nil
}
