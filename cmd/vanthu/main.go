// Command vanthu is the document-workflow server and its tools, in one
// binary: serve, migrate, user, audit, pki, sign, verify, archive, agency,
// loadtest, backup, restore, blobs, files ("vanthu help" lists them; a
// test keeps it complete).
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/cmd/signcli"
	"github.com/vanthu/vanthu/internal/gcfloor"
	"github.com/vanthu/vanthu/internal/httpserver"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/web"
	"github.com/vanthu/vanthu/workflow"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		// Returns only when serve runs on as it is (serveTimerSlack).
		if err := execWithTimerSlack(serveTimerSlack); err != nil {
			fmt.Fprintf(os.Stderr, "vanthu serve: the kernel's default timer slack kept: %v\n", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// options are what a run takes beside its arguments and environment: the
// clock, and the seams the end-to-end tests use. main passes none (the
// zero value: time.Now and production behaviour).
type options struct {
	// now is the clock of every service; nil is time.Now.
	now func() time.Time
	// exchangeHandler, when set, wraps the exchange endpoint of the agency
	// with the given org code (tests inject faults with it).
	exchangeHandler func(orgID string, h http.Handler) http.Handler
	// dbOptions are added to the database's (tests count the statements
	// on the wire with gormdb.WithConnWrap).
	dbOptions []gormdb.Option
}

func (o options) clock() func() time.Time {
	if o.now != nil {
		return o.now
	}
	return time.Now
}

const usage = `vanthu — document workflow for a district People's Committee

Usage:
  vanthu serve [flags]                 run the HTTP API (embedded defaults: SQLite + local objects + development keys)
  vanthu migrate [--status] [flags]    apply the pending schema migrations and print the version (--status: list them, change nothing)
  vanthu user add --username U --password P --roles clerk,officer [--full-name N --title T --unit U --personal-id CCCD] [--own-password]
  vanthu user import [--out F] FILE.csv   create many users from a CSV file, all or none; prints their initial passwords' CSV (README "Importing users")
  vanthu audit verify                  recompute the audit hash chain, check it against its anchors (exit 1 if broken)
  vanthu audit anchor [--restored]     anchor the chain head in the archive store (signed checkpoint)
  vanthu pki init|officer|certify|tls|root|revoke|revocations ...   development PKI ("vanthu pki -h")
  vanthu pki csr --label L --subject DN   a certificate request (PKCS#10) for a key on the token, for the CA ("vanthu pki csr -h")
  vanthu sign --layer officer|agency|attachment ... in.pdf out.pdf   ("vanthu sign -h")
  vanthu verify [--trust PEM] [--online] [--json] file.pdf   (exit 0 valid, 1 not valid, 2 error; "vanthu verify -h")
  vanthu archive fixity|renew|verify|import|disposals|seed ...  the district repository ("vanthu archive help")
  vanthu agency export|add FILE|list   agencies of the interagency exchange
  vanthu loadtest --url URL [flags]    drive document lifecycles against running servers ("vanthu loadtest -h")
  vanthu backup DIR                    consistent backup while serving: database snapshot + objects with hashes ("vanthu backup -h")
  vanthu restore DIR                   bring a backup back into an empty installation
  vanthu blobs gc [--dry-run] [--older-than D]   delete unreferenced work blobs ("vanthu blobs help")
  vanthu files inspect [--json]        inspect the incoming documents' files stored before what they carry that acts when opened was recorded ("vanthu files help")
  vanthu remind [--dry-run]            queue today's deadline reminders now (--dry-run: print who would get what)
  vanthu sign-worker                   internal: the signing worker serve starts and talks to over pipes (VANTHU_SIGN_ISOLATION); not for operators
  vanthu help                          this text

Every flag has an environment variable (VANTHU_*); run "vanthu serve -h" for the list.
Commands other than serve log warnings and errors only on stderr; -v (or --log-level) shows more.
`

// run is main without the process: tests call it with their own args,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runWith(ctx, options{}, args, getenv, stdout, stderr)
}

// runWith is run with options.
func runWith(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, opts, rest, getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, rest, getenv, stdout, stderr)
	case "user":
		err = userCmd(ctx, opts, rest, getenv, stdout, stderr)
	case "audit":
		return auditCmd(ctx, opts, rest, getenv, stdout, stderr)
	case "pki":
		if len(rest) > 0 && (rest[0] == "revoke" || rest[0] == "revocations") {
			return pkiRevokeCmd(ctx, opts, rest, getenv, stdout, stderr)
		}
		return pkiKeysCmd(ctx, rest, getenv, stdout, stderr)
	case "sign":
		return signcli.Run(ctx, rest, getenv, stdout, stderr)
	case "verify":
		return verifyCmd(ctx, rest, getenv, stdout, stderr)
	case "archive":
		return archiveCmd(ctx, opts, rest, getenv, stdout, stderr)
	case "agency":
		return agencyCmd(ctx, rest, getenv, stdout, stderr)
	case "loadtest":
		return loadtestCmd(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, getenv, stdout, stderr)
	case "blobs":
		return blobsCmd(ctx, opts, rest, getenv, stdout, stderr)
	case "files":
		return filesCmd(ctx, opts, rest, getenv, stdout, stderr)
	case "remind":
		return remindCmd(ctx, opts, rest, getenv, stdout, stderr)
	case "sign-worker":
		return signWorkerCmd(ctx, opts, rest, getenv, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "vanthu: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "vanthu %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: parseLevel(level)}))
}

// app is the wired set of concrete types.
type app struct {
	cfg   *Config
	opts  options
	now   func() time.Time // the clock every service is given
	log   *slog.Logger
	db    *gormdb.DB
	blobs workflow.Blobs
	docs  *workflow.Service
	auth  *auth.Service
	api   *api.Server
	web   *web.Config    // the web interface's services; optional subsystems add theirs
	pki   *pki.Authority // the development PKI's OCSP, CRL and TSA; nil when off
	close []func()
	// intake checks uploads within VANTHU_INSPECT_BUDGET_MB.
	intake *signing.Intake
	trust  *x509.CertPool // trust anchors of verification (set by wireSigning)
	// agency is the agency's signing key as it is now (set by
	// wireSigning): the development PKI replaces a revoked one.
	agency func() (keys.Key, error)
	// jobs run beside the HTTP server in serve (exchange listener and
	// worker, scheduled fixity audit) until its context ends; an error
	// stops the server.
	jobs []func(ctx context.Context) error
	// listen bind the listeners the jobs serve on, each announcing on
	// stdout the address it bound; serve calls them before it says it is
	// listening (other subcommands build the app too and must not take
	// the ports of a running server).
	listen []func(stdout io.Writer) error
}

func (a *app) Close() {
	for i := len(a.close) - 1; i >= 0; i-- {
		a.close[i]()
	}
}

func build(ctx context.Context, cfg *Config, opts options, logger *slog.Logger) (*app, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	a := &app{cfg: cfg, opts: opts, now: opts.clock(), log: logger}
	intake, err := signing.NewIntake(int64(cfg.InspectBudgetMB) << 20)
	if err != nil {
		return nil, fmt.Errorf("VANTHU_INSPECT_BUDGET_MB: %w", err)
	}
	a.intake = intake
	db, err := gormdb.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger, append([]gormdb.Option{cfg.dbTimeouts()}, opts.dbOptions...)...)
	if err != nil {
		return nil, dbOpenError(cfg, err)
	}
	db.Now = a.now
	// Instances on several hosts judge each other's liveness by the
	// database server's clock, unless the clock is driven (tests).
	db.ServerClock = opts.now == nil
	a.db = db
	a.close = append(a.close, func() { db.Close() })
	a.jobs = append(a.jobs, sessionSweep(db, logger, sessionSweepEvery))
	blobs, err := openWorkStore(ctx, cfg)
	if err != nil {
		a.Close()
		if cfg.S3Endpoint != "" {
			return nil, s3OpenError(cfg, "VANTHU_S3_WORK_BUCKET", cfg.S3WorkBucket, err)
		}
		return nil, fmt.Errorf("open object store: %w", err)
	}
	// A blob the collector deleted is referenced again only once stored
	// again: the commit that refers to it finds it in the work store
	// (blobgc's claims).
	a.blobs = blobs
	db.WorkStore = blobs
	a.auth = &auth.Service{Repo: db, Now: a.now, Logger: logger}
	a.docs = &workflow.Service{Repo: db, Blobs: a.blobs, Logger: logger, Now: a.now,
		Agency: workflow.Agency{OrgID: cfg.OrgID, Name: cfg.OrgName, Abbr: cfg.OrgAbbr}, VerifyCodes: cfg.PublicURL != ""}
	a.docs.ReservationTTL, _ = time.ParseDuration(cfg.ReservationTTL)     // checked by LoadConfig
	a.docs.IdempotencyLease, _ = time.ParseDuration(cfg.IdempotencyLease) // checked by LoadConfig
	a.docs.SignConcurrency = cfg.SignConcurrency
	if a.docs.SignConcurrency == 0 {
		a.docs.SignConcurrency = defaultSignConcurrency(runtime.GOMAXPROCS(0),
			cfg.SignIsolation == "process" && opts.now == nil && cfg.SignNice > 0 && runtime.GOOS == "linux")
	}
	a.docs.SignOn = onLowerPriority(cfg.SignNice, logger)
	a.api = &api.Server{Docs: a.docs, Accounts: a.auth, Directory: db, Mail: db, Ready: a.ready,
		MaxUpload: int64(cfg.MaxUploadMB) << 20, Now: a.now}
	a.web = &web.Config{Docs: a.docs, Accounts: a.auth, Directory: db, Mail: db, Logger: logger, Now: a.now,
		Agency: a.docs.Agency, MaxUpload: int64(cfg.MaxUploadMB) << 20,
		PreviewCacheDir: filepath.Join(cfg.DataDir, "preview-cache"), PreviewCache: previewCacheBytes(cfg.PreviewCacheMB)}
	a.api.TrustedProxies, _ = parsePrefixes(cfg.TrustedProxies) // checked by LoadConfig
	a.web.TrustedProxies = a.api.TrustedProxies
	a.web.SignConfirmTTL, _ = time.ParseDuration(cfg.SignConfirmTTL) // checked by LoadConfig; "" = 0, asked every time
	a.web.Codes, a.web.Reform = a.docs, a.docs                       // public verification codes, the reform report
	a.web.Outbox = &workflow.MailAdmin{Store: db, Now: a.now}        // the notifications' outbox (Thư thông báo)
	a.api.Outbox = a.web.Outbox
	a.api.SignPassword, a.api.SignConfirmTTL = cfg.SignConfirmAPI == "password", a.web.SignConfirmTTL
	a.api.MetricsToken, a.api.MetricsElsewhere = cfg.MetricsToken, cfg.MetricsAddr != ""
	// The optional subsystems, each in its own file of this package.
	for _, wire := range []func(context.Context, *app) error{wireArchive, wireExchange, wirePprof, wireSigning, wireBlobGC, wireMail, wireFilesInspect} {
		if err := wire(ctx, a); err != nil {
			a.Close()
			return nil, err
		}
	}
	api.New(a.api, logger)
	return a, nil
}

// readyTimeout bounds /readyz's checks: a partitioned dependency makes
// the server not ready within this time.
const readyTimeout = 3 * time.Second

// ready checks that the database and the object store of working files
// answer, within readyTimeout (/readyz).
func (a *app) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := a.db.Ping(ctx); err != nil {
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "database unreachable")
	}
	if p, ok := a.blobs.(interface{ Ping(context.Context) error }); ok {
		if err := p.Ping(ctx); err != nil {
			return workflow.Wrap(workflow.EUNAVAILABLE, err, "object store unreachable")
		}
	}
	return nil
}

func serve(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := LoadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	stderr = &lockedWriter{w: stderr} // the signing workers write to it too
	logger := newLogger(stderr, cfg.LogLevel)
	// Collect a small heap less often (the p99 at 1,000 req/s); GOGC in
	// the environment wins.
	defer gcfloor.Start(gcfloor.ServeFloor, getenv)()
	// Listen first: the development PKI writes the address it serves its
	// OCSP responder and CRL at into the certificates it issues.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close() // Serve closes it too; this covers the returns before
	cfg.listenURL = "http://" + ln.Addr().String()
	a, err := build(ctx, cfg, opts, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	waitProbes := a.startProbes(ctx) // beside the signing workers' start
	stopSigning, err := a.startSigning(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer stopSigning()
	if err := bootstrapAdmin(ctx, a, stdout); err != nil {
		return err
	}
	stopBeat, err := a.startHeartbeat(ctx)
	if err != nil {
		return err
	}
	defer stopBeat()
	// Numbers reserved by issues that died with an earlier process (kill -9),
	// past VANTHU_RESERVATION_TTL or held by an instance known dead, are
	// given back or voided now.
	if n := a.docs.SweepReservations(ctx); n > 0 {
		logger.WarnContext(ctx, "abandoned register reservations resolved", "count", n)
	}
	ui, err := web.New(*a.web)
	if err != nil {
		return err
	}
	srv := httpserver.New(web.Mount(a.api, ui), cfg.httpTimeouts())
	if cfg.MetricsAddr != "" {
		if err := a.serveMetrics(stdout); err != nil {
			ln.Close()
			return err
		}
	}
	for _, l := range a.listen {
		if err := l(stdout); err != nil {
			return err
		}
	}
	waitProbes()
	fmt.Fprintf(stdout, "vanthu listening on http://%s\n", ln.Addr())
	logger.InfoContext(ctx, "serving", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "database", dbKind(cfg.DatabaseURL))
	return runServer(ctx, srv, ln, a.jobs, logger)
}

// bootstrapAdmin creates the admin user on first start, with
// VANTHU_ADMIN_PASSWORD or a generated password written to
// DATA_DIR/admin-password.txt (temporary: shown on the console and left
// in a file, it must be changed at the first login).
func bootstrapAdmin(ctx context.Context, a *app, stdout io.Writer) error {
	cfg := a.cfg
	created, pw, err := a.auth.Bootstrap(ctx, cfg.AdminPassword)
	if err != nil || !created {
		return err
	}
	if cfg.AdminPassword != "" {
		fmt.Fprintln(stdout, "created user admin with the password of VANTHU_ADMIN_PASSWORD")
		return nil
	}
	p := filepath.Join(cfg.DataDir, "admin-password.txt")
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin password: %w", err)
	}
	fmt.Fprintf(stdout, "created user admin with generated password %s (also in %s); it must be changed at the first login\n", pw, p)
	return nil
}

// serveMetrics listens on VANTHU_METRICS_ADDR and adds the metrics server
// to the jobs serve runs.
func (a *app) serveMetrics(stdout io.Writer) error {
	mln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen (VANTHU_METRICS_ADDR): %w", err)
	}
	msrv := httpserver.New(a.api.MetricsHandler(), a.cfg.httpTimeouts())
	fmt.Fprintf(stdout, "vanthu metrics on http://%s/metrics\n", mln.Addr())
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		go func() { <-ctx.Done(); msrv.Close() }()
		if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	return nil
}

// runServer serves on ln and runs the jobs beside it until ctx ends or
// one of them fails, then shuts the server down (15 s) and stops the jobs.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, jobList []func(context.Context) error, logger *slog.Logger) error {
	jobCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	errc := make(chan error, 1+len(jobList))
	go func() { errc <- srv.Serve(ln) }()
	var jobs sync.WaitGroup
	for _, job := range jobList {
		jobs.Add(1)
		go func() {
			defer jobs.Done()
			if err := runJob(jobCtx, logger, jobRestartPause, job); err != nil && jobCtx.Err() == nil {
				errc <- err
			}
		}()
	}
	var serveErr error
	select {
	case serveErr = <-errc:
		logger.Error("stopping", "err", serveErr)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	logger.Info("shutting down")
	stopJobs()
	err := srv.Shutdown(shutdown)
	jobs.Wait()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

func dbKind(url string) string {
	if url == "" {
		return "sqlite"
	}
	return "postgres"
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	status := fs.Bool("status", false, "list the schema migrations, applied and pending, and change nothing")
	cfg, err := LoadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	db, err := gormdb.Connect(ctx, cfg.DatabaseURL, cfg.DataDir, newLogger(stderr, cfg.cliLogLevel()), cfg.dbTimeouts())
	if err != nil {
		return err
	}
	defer db.Close()
	if *status {
		return printMigrationStatus(ctx, db, stdout)
	}
	from, to, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if from == to {
		fmt.Fprintf(stdout, "schema is up to date (version %d)\n", to)
	} else {
		fmt.Fprintf(stdout, "schema migrated from version %d to %d\n", from, to)
	}
	return nil
}

// printMigrationStatus prints the schema version and one line per migration.
func printMigrationStatus(ctx context.Context, db *gormdb.DB, stdout io.Writer) error {
	ms, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	version, pending := 0, 0
	for _, m := range ms {
		if m.AppliedAt != nil {
			version = max(version, m.Version)
		} else {
			pending++
		}
	}
	fmt.Fprintf(stdout, "schema version %d (this program knows %d); %d pending\n", version, gormdb.SchemaVersion(), pending)
	for _, m := range ms {
		at := "pending"
		if m.AppliedAt != nil {
			at = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%4d  %-28s  %s\n", m.Version, at, m.Name)
	}
	return nil
}

func userCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "import" {
		return userImportCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("usage: vanthu user add --username U --password P --roles r1,r2 [--full-name N] [--title T] [--unit U] [--personal-id CCCD] [--own-password]\n       vanthu user import [--out FILE] FILE.csv")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nu auth.NewUser
	var roles string
	fs.StringVar(&nu.Username, "username", "", "login name")
	fs.StringVar(&nu.Password, "password", "", "password (at least 8 characters)")
	fs.StringVar(&nu.FullName, "full-name", "", "full name")
	fs.StringVar(&nu.Title, "title", "", "title (chức vụ)")
	fs.StringVar(&nu.Unit, "unit", "", "unit (phòng ban)")
	fs.StringVar(&nu.PersonalID, "personal-id", "", "personal ID number (CCCD) a CA certificate's UID names")
	fs.StringVar(&roles, "roles", "", "comma-separated roles: clerk, officer, handler, archivist, admin")
	own := fs.Bool("own-password", false, "the password is the user's own (they typed it): not to be changed at the first login")
	cfg, err := LoadConfig(fs, args[1:], getenv)
	if err != nil {
		return err
	}
	for _, r := range strings.Split(roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			nu.Roles = append(nu.Roles, workflow.Role(r))
		}
	}
	nu.Temporary = !*own
	a, err := build(ctx, cfg, opts, newLogger(stderr, cfg.cliLogLevel()))
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.auth.CreateUser(ctx, nil, nu)
	if err != nil {
		return fmt.Errorf("%s", workflow.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "created user %s (id %s)\n", u.Username, u.ID)
	if u.MustChangePassword {
		fmt.Fprintln(stdout, "the password is temporary: the user must change it at the first login")
	}
	return nil
}

func auditCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "anchor" {
		return auditAnchorCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: vanthu audit verify\n       vanthu audit anchor [--restored]")
		return 2
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	a, code := loadApp(ctx, opts, fs, args[1:], getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	r, err := a.docs.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	printAnchors(stdout, r.Anchors)
	if r.OK {
		fmt.Fprintf(stdout, "audit chain intact: %d events\n", r.Events)
		return 0
	}
	if r.FirstBroken == nil {
		fmt.Fprintf(stdout, "audit chain BROKEN after %d events: %s\n", r.Events, r.Reason)
		return 1
	}
	fmt.Fprintf(stdout, "audit chain BROKEN after %d events: event %d (%s, at %s): %s\n", r.Events, r.FirstBroken.Seq,
		r.FirstBroken.Kind, r.FirstBroken.At.UTC().Format(time.RFC3339), r.Reason)
	return 1
}

// printAnchors says what audit verify found about the anchors.
func printAnchors(w io.Writer, r *workflow.AnchorReport) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "anchors: %d found, %d agree with the chain, %d superseded by a restore, %d past a broken event, %d rejected; %d signatures checked\n",
		r.Found, r.Checked, r.Superseded, r.Unchecked, len(r.Rejected), r.SignaturesChecked)
	if r.Last != nil {
		fmt.Fprintf(w, "last anchor: event %d, written %s (%s)\n", r.Last.Seq, r.Last.At.UTC().Format(time.RFC3339), r.Last.Key)
		if r.Last.Revocation != "" {
			fmt.Fprintf(w, "last anchor's signer certificate: %s\n", strings.ReplaceAll(r.Last.Revocation, "_", " "))
		}
	}
	if r.Recorded > 0 {
		fmt.Fprintf(w, "anchors recorded in the chain: %d, missing from the store: %d\n", r.Recorded, len(r.Missing))
	}
	for _, x := range r.Missing {
		fmt.Fprintf(w, "MISSING: %s, anchor of event %d written %s: %s\n", x.Key, x.Seq, x.At.UTC().Format(time.RFC3339), x.Rejected)
	}
	for _, x := range r.Rejected {
		fmt.Fprintf(w, "WARNING: %s is not a valid anchor (%s): ignored; someone wrote the archive store without the agency key\n", x.Key, x.Rejected)
	}
}

// openWorkStore opens the object store of working files: the work bucket
// on S3/MinIO when VANTHU_S3_ENDPOINT is set, else DATA_DIR/objects.
func openWorkStore(ctx context.Context, cfg *Config) (workflow.Blobs, error) {
	if cfg.S3Endpoint == "" {
		return localfs.New(filepath.Join(cfg.DataDir, "objects"))
	}
	mc := cfg.s3Config(cfg.S3WorkBucket)
	// Working files are read back by the next action: kept in memory
	// (content-addressed, so never stale). The archive is not cached.
	mc.CacheBytes = int64(cfg.S3CacheMB) << 20
	return minio.New(ctx, mc)
}

// runJob runs a background job until ctx ends. A panic inside it (a bug,
// a library failing on odd data) is logged and the job restarted after
// pause, so one bad delivery or object cannot take the server down; an
// error it returns is final.
func runJob(ctx context.Context, logger *slog.Logger, pause time.Duration, job func(context.Context) error) error {
	for {
		panicked, err := func() (panicked bool, err error) {
			defer func() {
				if p := recover(); p != nil {
					logger.ErrorContext(ctx, "background job panicked; restarting it", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					panicked = true
				}
			}()
			return false, job(ctx)
		}()
		if !panicked {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
	}
}

// jobRestartPause is the pause before a panicked job restarts.
const jobRestartPause = 5 * time.Second

// defaultSignConcurrency is what VANTHU_SIGN_CONCURRENCY 0 means on cpus
// CPUs. Signatures are CPU-bound. When they run in worker processes at a
// lower priority (lowered: VANTHU_SIGN_ISOLATION=process with
// VANTHU_SIGN_NICE above 0, on Linux) the kernel serves the requests
// first and the workers take only the CPU the requests leave, so there is
// one per CPU: with one fewer, on 2 CPUs every sign and issue queued for
// the one worker while the machine stood 12 % idle at load. Otherwise a
// signature competes with the requests as an equal (a thread at the same
// priority, or Go processors shared with the server, signingProcs), and
// with every CPU signing the requests wait for a CPU behind them
// (BenchmarkGetDocumentWhileIssuing): one fewer than the CPUs, at least 1.
func defaultSignConcurrency(cpus int, lowered bool) int {
	if lowered {
		return max(cpus, 1)
	}
	return max(cpus-1, 1)
}
