// Package chaos runs document lifecycles over several `vanthu serve`
// processes on one PostgreSQL and one MinIO of its own while it kills
// instances with SIGKILL, restarts PostgreSQL and MinIO and takes the
// receiving agency down, then checks that nothing was lost: documents,
// registers, signatures, audit chain, fixity, deliveries, blobs.
// scripts/chaos and cmd/vanthu-chaos are its command line;
// TestIntegrationChaosShort its short form in the test suite.
package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/internal/loadtest"
)

// Config is one chaos run.
type Config struct {
	Vanthu       string         // the vanthu binary
	Dir          string         // scratch directory (servers' data, logs, report)
	PGBinDir     string         // PostgreSQL binaries (initdb, pg_ctl, psql)
	MinIOBin     string         // the minio binary
	Instances    int            // vanthu serve processes sharing the database (default 3)
	Lifecycles   int            // document lifecycles to drive
	UsersPerRole int            // concurrent lifecycles
	Kills        int            // kill -9 of a random instance, restarted at once
	RestartPG    bool           // one PostgreSQL restart mid-load
	RestartMinIO bool           // one MinIO restart mid-load
	Outage       time.Duration  // how long PostgreSQL and MinIO stay down when restarted
	PeerDown     time.Duration  // the receiving agency is down this long mid-load (0 = never)
	AnchorEvery  time.Duration  // the instances' VANTHU_AUDIT_ANCHOR_INTERVAL (0: their default, 10 min): anchors written through the faults
	Orphans      int            // uploads killed (kill -9) after their blob was written, before their row committed
	Seed         uint64         // random seed (0 = from the clock)
	PDFs         []loadtest.PDF // the documents the lifecycles upload (loadtest.Config.PDFs; none: the load tool's own page)
	Log          io.Writer      // progress and events
}

// Event is one fault injected.
type Event struct {
	At     float64 `json:"at_seconds"`
	Done   int64   `json:"lifecycles_done"`
	What   string  `json:"what"`
	Target string  `json:"target,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// Report is what a run did and what the checks found.
type Report struct {
	Seed       uint64  `json:"seed"`
	Seconds    float64 `json:"seconds"`
	Events     []Event `json:"events"`
	Kills      int     `json:"kills"`
	PGRestarts int     `json:"postgres_restarts"`
	S3Restarts int     `json:"minio_restarts"`
	PeerDowns  int     `json:"peer_downs"`
	// PlantedOrphans are the blobs of the uploads killed between their
	// blob and their row (Config.Orphans): unreferenced, collectable.
	PlantedOrphans []string         `json:"planted_orphans"`
	Load           *loadtest.Report `json:"load"`
	Checks         []Check          `json:"checks"`
	OK             bool             `json:"ok"`
}

// Check is one verification after the run: a count and whether it holds.
type Check struct {
	Name   string `json:"name"`
	Count  int    `json:"count"`
	Bad    int    `json:"bad"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

const (
	adminPassword = "chaos-admin-password-1"
	s3User        = "vanthu-chaos"
	s3Key         = "vanthu-chaos-secret"
	peerOrg       = "000.00.31.H13"
	peerName      = "UBND phường Long Hòa"
	// lease is how long the instances keep a delivery claimed by one of
	// them that died before another sends it: within the run. A number
	// reserved or the idempotency key of a create held by a killed
	// instance is taken over once it is known dead
	// (VANTHU_INSTANCE_STALE, 15 s by default): the run keeps
	// VANTHU_RESERVATION_TTL and VANTHU_IDEMPOTENCY_LEASE at their
	// production defaults (10 and 2 minutes), so that maxRetry fails it
	// if they are waited out.
	lease = 20 * time.Second
	// maxRetry is the longest one action may spend retrying: a lease,
	// the outages (5 s each) and the backoff, with room for a loaded
	// machine. A server's own lease longer than the run's (2 minutes,
	// before VANTHU_IDEMPOTENCY_LEASE) shows as a longer wait.
	maxRetry = 4 * lease
)

// env is the cluster under test.
type env struct {
	cfg   Config
	pg    *Postgres
	s3    *MinIO
	insts []*Instance
	peer  *Instance
	logf  func(format string, args ...any)
}

// Run starts the servers, drives the load with faults, checks, and stops
// everything. The report is returned even when a check fails (OK false);
// an error means the run could not be made.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Instances <= 0 {
		cfg.Instances = 3
	}
	if cfg.UsersPerRole <= 0 {
		cfg.UsersPerRole = 4
	}
	if cfg.Outage <= 0 {
		cfg.Outage = 5 * time.Second
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	var logMu sync.Mutex
	start := time.Now()
	e := &env{cfg: cfg, logf: func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(cfg.Log, "chaos %6.1fs  %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}}
	defer e.stop()
	if err := e.start(ctx); err != nil {
		return nil, err
	}
	rep := &Report{Seed: cfg.Seed}
	if err := e.load(ctx, rep); err != nil {
		return rep, err
	}
	e.check(ctx, rep)
	rep.Seconds = time.Since(start).Seconds()
	rep.OK = true
	for _, c := range rep.Checks {
		rep.OK = rep.OK && c.OK
	}
	return rep, nil
}

func (e *env) logFile(name string) io.Writer {
	f, err := os.OpenFile(filepath.Join(e.cfg.Dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return io.Discard
	}
	return f
}

func (e *env) start(ctx context.Context) error {
	pgPort, err := FreePort()
	if err != nil {
		return err
	}
	e.pg = &Postgres{BinDir: e.cfg.PGBinDir, Dir: filepath.Join(e.cfg.Dir, "pg"), Port: pgPort}
	e.logf("PostgreSQL on 127.0.0.1:%d", pgPort)
	if err := e.pg.Init(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	s3Port, err := FreePort()
	if err != nil {
		return err
	}
	e.s3 = &MinIO{Bin: e.cfg.MinIOBin, Dir: filepath.Join(e.cfg.Dir, "minio"), Port: s3Port, User: s3User, Key: s3Key, Log: e.logFile("minio.log")}
	e.logf("MinIO on %s", e.s3.Addr())
	if err := e.s3.Start(ctx); err != nil {
		return fmt.Errorf("minio: %w", err)
	}
	common := []string{"VANTHU_ADMIN_PASSWORD=" + adminPassword, "VANTHU_LOG_LEVEL=warn",
		"VANTHU_EXCHANGE_POLL=500ms", "VANTHU_EXCHANGE_RETRY_BASE=1s", "VANTHU_EXCHANGE_RETRY_MAX=10s",
		"VANTHU_EXCHANGE_LEASE=" + lease.String()}
	inst := []string{}
	if e.cfg.AnchorEvery > 0 {
		inst = append(inst, "VANTHU_AUDIT_ANCHOR_INTERVAL="+e.cfg.AnchorEvery.String())
	}
	// The servers listen on ports outside the kernel's ephemeral range
	// (FreePort), kept across restarts (Instance.Start).
	addrs := make([]string, 2*(e.cfg.Instances+1))
	for i := range addrs {
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	for i := range e.cfg.Instances {
		name := fmt.Sprintf("vanthu%d", i+1)
		in := &Instance{Name: name, Bin: e.cfg.Vanthu, Log: e.logFile(name + ".log"), Env: append(append(slices.Clone(common), inst...),
			"VANTHU_DATA_DIR="+filepath.Join(e.cfg.Dir, name), "VANTHU_ADDR="+addrs[2*i],
			"VANTHU_DATABASE_URL="+e.pg.URL(), "VANTHU_S3_ENDPOINT="+e.s3.Addr(), "VANTHU_S3_ACCESS_KEY="+s3User,
			"VANTHU_S3_SECRET_KEY="+s3Key, "VANTHU_EXCHANGE_ADDR="+addrs[2*i+1])}
		e.insts = append(e.insts, in)
	}
	n := 2 * e.cfg.Instances
	e.peer = &Instance{Name: "peer", Bin: e.cfg.Vanthu, Log: e.logFile("peer.log"), Env: append(append([]string{}, common...),
		"VANTHU_DATA_DIR="+filepath.Join(e.cfg.Dir, "peer"), "VANTHU_ADDR="+addrs[n],
		"VANTHU_ORG_ID="+peerOrg, "VANTHU_ORG_NAME="+peerName, "VANTHU_ORG_ABBR=UBND", "VANTHU_EXCHANGE_ADDR="+addrs[n+1])}
	for _, in := range append([]*Instance{e.peer}, e.insts...) {
		if err := in.Start(ctx); err != nil {
			return err
		}
		e.logf("%s on %s", in.Name, in.URL())
	}
	// Connect the two agencies, as an operator does, once their exchange
	// addresses are known.
	for _, pair := range [][2]*Instance{{e.insts[0], e.peer}, {e.peer, e.insts[0]}} {
		out, err := pair[0].CLI(ctx, "agency", "export")
		if err != nil {
			return err
		}
		f := filepath.Join(e.cfg.Dir, pair[0].Name+"-agency.json")
		if err := os.WriteFile(f, []byte(out), 0o600); err != nil {
			return err
		}
		if _, err := pair[1].CLI(ctx, "agency", "add", f); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) stop() {
	for _, in := range e.insts {
		in.Stop()
	}
	if e.peer != nil {
		e.peer.Stop()
	}
	if e.s3 != nil {
		e.s3.Stop()
	}
	if e.pg != nil {
		_ = e.pg.Stop(context.Background())
	}
}

// fault is one planned fault: when this fraction of the lifecycles is done.
type fault struct {
	at   float64
	what string
}

func (e *env) plan(rng *rand.Rand) []fault {
	var fs []fault
	for range e.cfg.Kills {
		fs = append(fs, fault{0.03 + 0.9*rng.Float64(), "kill"})
	}
	if e.cfg.RestartPG {
		fs = append(fs, fault{0.3 + 0.1*rng.Float64(), "postgres"})
	}
	if e.cfg.RestartMinIO {
		fs = append(fs, fault{0.55 + 0.1*rng.Float64(), "minio"})
	}
	if e.cfg.PeerDown > 0 {
		fs = append(fs, fault{0.15 + 0.1*rng.Float64(), "peer"})
	}
	if e.cfg.Orphans > 0 {
		fs = append(fs, fault{0.45 + 0.05*rng.Float64(), "orphans"})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].at < fs[j].at })
	return fs
}

func (e *env) load(ctx context.Context, rep *Report) error {
	rng := rand.New(rand.NewPCG(e.cfg.Seed, 0x76616e746875))
	faults := e.plan(rng)
	var urls []string
	for _, in := range e.insts {
		urls = append(urls, in.URL())
	}
	inj := &injector{e: e, rep: rep, rng: rng, start: time.Now()}
	loadDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		inj.run(ctx, faults, loadDone)
	}()
	lrep, err := loadtest.Run(ctx, loadtest.Config{URLs: urls, AdminUser: "admin", AdminPassword: adminPassword,
		UsersPerRole: e.cfg.UsersPerRole, Count: e.cfg.Lifecycles, Send: true, SendTo: peerOrg, Retry: 5 * time.Minute, PDFs: e.cfg.PDFs,
		Progress: progressWriter{e}, OnFinish: func(bool) { inj.done.Add(1) }})
	close(loadDone)
	wg.Wait()
	rep.Load = lrep
	if err != nil && lrep == nil {
		return err
	}
	return nil
}

// injector injects the planned faults as the load progresses and records
// them in the report.
type injector struct {
	e      *env
	rep    *Report
	rng    *rand.Rand
	start  time.Time
	done   atomic.Int64   // lifecycles finished
	peerWG sync.WaitGroup // the receiving agency's restart
}

// run injects each fault when its fraction of the lifecycles is done,
// until the load is (loadDone closed), and waits for the receiving
// agency's restart.
func (j *injector) run(ctx context.Context, faults []fault, loadDone <-chan struct{}) {
	defer j.peerWG.Wait()
	for _, f := range faults {
		for float64(j.done.Load()) < f.at*float64(j.e.cfg.Lifecycles) {
			select {
			case <-loadDone:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		// A random moment, not just at a lifecycle's end.
		time.Sleep(time.Duration(j.rng.IntN(700)) * time.Millisecond)
		j.inject(ctx, f)
	}
}

// inject injects one fault and records it as an event.
func (j *injector) inject(ctx context.Context, f fault) {
	e, rep := j.e, j.rep
	ev := Event{At: time.Since(j.start).Seconds(), Done: j.done.Load(), What: f.what}
	var err error
	switch f.what {
	case "kill":
		in := e.insts[j.rng.IntN(len(e.insts))]
		ev.Target = in.Name
		in.Kill9()
		rep.Kills++
		e.logf("kill -9 %s (%d lifecycles done)", in.Name, ev.Done)
		err = in.Start(ctx)
	case "postgres":
		e.logf("PostgreSQL stops for %s", e.cfg.Outage)
		if err = e.pg.Stop(ctx); err == nil {
			time.Sleep(e.cfg.Outage)
			err = e.pg.Start(ctx)
			rep.PGRestarts++
		}
		e.logf("PostgreSQL back (%v)", err)
	case "minio":
		e.logf("MinIO stops for %s", e.cfg.Outage)
		if err = e.s3.Stop(); err == nil {
			time.Sleep(e.cfg.Outage)
			err = e.s3.Start(ctx)
			rep.S3Restarts++
		}
		e.logf("MinIO back (%v)", err)
	case "orphans":
		var keys []string
		keys, err = j.orphans(ctx, e.cfg.Orphans)
		rep.PlantedOrphans = append(rep.PlantedOrphans, keys...)
		ev.Target = fmt.Sprintf("%d uploads killed between blob and row", len(keys))
	case "peer":
		ev.Target = e.peer.Name
		e.logf("receiving agency down for %s", e.cfg.PeerDown)
		e.peer.Kill9()
		rep.PeerDowns++
		j.peerWG.Add(1)
		go func() {
			defer j.peerWG.Done()
			time.Sleep(e.cfg.PeerDown)
			if err := e.peer.Start(ctx); err != nil {
				e.logf("receiving agency did not restart: %v", err)
				return
			}
			e.logf("receiving agency back")
		}()
	}
	if err != nil {
		ev.Error = err.Error()
		e.logf("%s: %v", f.what, err)
	}
	rep.Events = append(rep.Events, ev)
}

// progressWriter sends the load tool's progress lines to the run's log.
type progressWriter struct{ e *env }

func (p progressWriter) Write(b []byte) (int, error) {
	p.e.logf("load %s", strings.TrimSpace(string(b)))
	return len(b), nil
}
