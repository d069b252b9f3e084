package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// openArchiveStore opens the store of archived records: the archive
// bucket (created with object lock; an existing bucket without it is
// refused) when VANTHU_S3_ENDPOINT is set, else DATA_DIR/archive.
func openArchiveStore(ctx context.Context, cfg *Config) (workflow.Blobs, error) {
	if cfg.S3Endpoint == "" {
		return localfs.New(filepath.Join(cfg.DataDir, "archive"))
	}
	mc := cfg.s3Config(cfg.S3ArchiveBucket)
	mc.ObjectLock = true
	return minio.New(ctx, mc)
}

// wireArchive builds the archive service, makes it the documents'
// Archiver, registers the /api/v1/archive routes and schedules the fixity
// audit every VANTHU_FIXITY_INTERVAL.
func wireArchive(ctx context.Context, a *app) error {
	cfg := a.cfg
	defaults, err := archive.ParseDefaults(cfg.RetentionDefaults)
	if err != nil {
		return fmt.Errorf("VANTHU_RETENTION_DEFAULTS: %w", err)
	}
	interval, err := parseInterval(cfg.FixityInterval)
	if err != nil {
		return err
	}
	store, err := openArchiveStore(ctx, cfg)
	if err != nil {
		if cfg.S3Endpoint != "" {
			return s3OpenError(cfg, "VANTHU_S3_ARCHIVE_BUCKET", cfg.S3ArchiveBucket, err)
		}
		return fmt.Errorf("open archive folder: %w", err)
	}
	idx := gormdb.NewArchiveIndex(a.db)
	svc := &archive.Service{Work: a.blobs, Store: store, Index: idx, Repo: a.db, Docs: a.docs, Disposals: a.db, Defaults: defaults, Logger: a.log, Now: a.now,
		Org: workflow.Agency{OrgID: cfg.OrgID, Name: cfg.OrgName, Abbr: cfg.OrgAbbr}}
	a.docs.Archiver = svc
	if err := wireEvidence(a, svc); err != nil {
		return err
	}
	if _, err := wireAnchors(a, store, svc.Stamper); err != nil {
		return err
	}
	a.api.Extra = append(a.api.Extra, api.ArchiveRoutes(svc))
	a.web.Archive = svc
	if interval > 0 {
		a.jobs = append(a.jobs, func(ctx context.Context) error {
			runFixityJob(ctx, svc, interval, cfg.DataDir, a.log, newFixityTurn(a.db, interval))
			return nil
		})
	}
	return nil
}

func parseInterval(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("VANTHU_FIXITY_INTERVAL=%q: want a Go duration like 24h, or 0 for never", s)
	}
	return d, nil
}

// leaseTurn asks whether this instance holds a periodic job's turn; done
// gives the turn back.
type leaseTurn func(context.Context) (mine bool, done func(), err error)

// runLeasedJob calls run every interval until ctx ends, when this
// instance holds the job's turn (one instance at a time among those that
// share the database). A lease failure is logged and the next tick tries
// again.
func runLeasedJob(ctx context.Context, name string, interval time.Duration, log *slog.Logger, turn leaseTurn, run func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mine, done, err := turn(ctx)
		if err != nil {
			log.ErrorContext(ctx, name+": lease", "err", err)
			continue
		}
		if !mine {
			log.DebugContext(ctx, name+": another instance has this turn")
			continue
		}
		run(ctx)
		done()
	}
}

// runFixityJob re-verifies the archive every interval until ctx ends,
// writing each report to DATA_DIR/fixity/. Failures are logged (at ERROR
// for mismatches), never repaired.
func runFixityJob(ctx context.Context, svc *archive.Service, interval time.Duration, dataDir string, log *slog.Logger, turn leaseTurn) {
	runLeasedJob(ctx, "fixity audit", interval, log, turn, func(ctx context.Context) {
		rep, err := svc.Fixity(ctx, archive.FixityOptions{})
		if err != nil {
			if ctx.Err() == nil {
				log.ErrorContext(ctx, "fixity audit could not run", "err", err)
			}
			return
		}
		if p, err := writeFixityReport(dataDir, rep); err != nil {
			log.ErrorContext(ctx, "fixity report not written", "err", err)
		} else {
			log.InfoContext(ctx, "fixity report written", "path", p, "ok", rep.OK)
		}
	})
}

// writeFixityReport writes DATA_DIR/fixity/fixity-<time>.json and a copy
// as fixity-latest.json.
func writeFixityReport(dataDir string, rep *archive.FixityReport) (string, error) {
	dir := filepath.Join(dataDir, "fixity")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", err
	}
	b = append(b, '\n')
	p := filepath.Join(dir, "fixity-"+rep.StartedAt.UTC().Format("20060102T150405Z")+".json")
	if err := os.WriteFile(p, b, 0o640); err != nil {
		return "", err
	}
	return p, os.WriteFile(filepath.Join(dir, "fixity-latest.json"), b, 0o640)
}

const archiveUsage = `usage:
  vanthu archive fixity [--json] [--report FILE] [--workers N]
        re-read every archived object, compare SHA-256 with the recorded value and the server's
        checksum; writes a JSON report (DATA_DIR/fixity/ unless --report); exit 1 on any problem
  vanthu archive import [--csv FILE] DIR
        bulk-load signed PDFs with their register fields (DIR/index.csv by default) as archived
        incoming records; resumable (files already imported are skipped by SHA-256)
  vanthu archive renew [--doc ID]... [--force] [--json]
        add an archive time-stamp to every record that is due (none yet, or its newest one's TSA
        certificate expires within VANTHU_EVIDENCE_RENEW_BEFORE while the record is kept longer);
        --doc renews those records (if due; --force: even if not); exit 1 on any error
  vanthu archive verify [--json] [--at TIME] ID...
        check a record and its chain of archive time-stamps (at TIME, RFC 3339, instead of now);
        prints the verdict with its reasons; exit 1 unless every record is valid
  vanthu archive disposals list|show|run ...
        the disposal lists (tiêu hủy): list, show one, run an approved one ("vanthu archive disposals help")
  vanthu archive seed --count N [--seed S] [--reform=false]
        insert N synthetic archived records (search benchmarks; no objects), the same for the same S;
        --reform=false: without what the reform report counts (verdicts, deliveries, uses, due dates)
`

func archiveCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, archiveUsage)
		return 2
	}
	switch args[0] {
	case "fixity":
		return archiveFixityCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "import":
		return archiveImportCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "seed":
		return archiveSeedCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "renew":
		return archiveRenewCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "verify":
		return archiveVerifyCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "disposals":
		return archiveDisposalsCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, archiveUsage)
		return 0
	}
	fmt.Fprintf(stderr, "vanthu archive: unknown subcommand %q\n%s", args[0], archiveUsage)
	return 2
}

// archiveApp builds the app for an archive subcommand and returns its
// archive service.
func archiveApp(ctx context.Context, opts options, fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (*app, *archive.Service, int) {
	a, code := loadApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return nil, nil, code
	}
	svc, ok := a.docs.Archiver.(*archive.Service)
	if !ok {
		a.Close()
		fmt.Fprintf(stderr, "vanthu %s: the archive is not wired\n", fs.Name())
		return nil, nil, 2
	}
	return a, svc, -1
}

func archiveFixityCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive fixity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	report := fs.String("report", "", "write the report to this file (default DATA_DIR/fixity/fixity-TIME.json)")
	workers := fs.Int("workers", 4, "parallel reads")
	a, svc, code := archiveApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	var prog *progress
	if isTerminal(stderr) {
		prog = newProgress(stderr, "fixity")
	}
	opt := archive.FixityOptions{Workers: *workers}
	if prog != nil {
		opt.Progress = func(p archive.Progress) { prog.update(p.Objects, p.TotalObjects, p.Bytes, p.TotalBytes) }
	}
	rep, err := svc.Fixity(ctx, opt)
	if prog != nil {
		prog.done()
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu archive fixity: %v\n", err)
		return 2
	}
	var path string
	if *report != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*report, append(b, '\n'), 0o640); err != nil {
			fmt.Fprintf(stderr, "vanthu archive fixity: %v\n", err)
			return 2
		}
		path = *report
	} else if path, err = writeFixityReport(a.cfg.DataDir, rep); err != nil {
		fmt.Fprintf(stderr, "vanthu archive fixity: %v\n", err)
		return 2
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		el := rep.FinishedAt.Sub(rep.StartedAt)
		fmt.Fprintf(stdout, "fixity: %d objects, %s in %s: %d verified, %d mismatched, %d missing, %d unreadable (report %s)\n",
			rep.Objects, humanBytes(rep.Bytes), el.Round(time.Millisecond), rep.Verified, len(rep.Mismatches), len(rep.Missing), len(rep.Errors), path)
		for _, p := range rep.Mismatches {
			fmt.Fprintf(stdout, "MISMATCH %s (document %s): recorded %s, read %s %s\n", p.Key, p.DocumentID, p.Recorded, p.Actual, p.Error)
		}
		for _, p := range rep.Missing {
			fmt.Fprintf(stdout, "MISSING  %s (document %s)\n", p.Key, p.DocumentID)
		}
		for _, p := range rep.Errors {
			fmt.Fprintf(stdout, "ERROR    %s (document %s): %s\n", p.Key, p.DocumentID, p.Error)
		}
		fmt.Fprintf(stdout, "evidence: %d archive time-stamp chains checked, %d problems\n", rep.Chains, len(rep.Evidence))
		for _, p := range rep.Evidence {
			fmt.Fprintf(stdout, "EVIDENCE %s (document %s): %s\n", p.Key, p.DocumentID, p.Error)
		}
	}
	if !rep.OK {
		return 1
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws one status line on a terminal: count, bytes, rate, ETA.
type progress struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, label: label, start: time.Now()}
}

func (p *progress) update(n, total, b, totalBytes int64) {
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond && n != total {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(b) / el
	}
	eta := "?"
	if rate > 0 && totalBytes >= b {
		eta = (time.Duration(float64(totalBytes-b)/rate) * time.Second).Round(time.Second).String()
	} else if n > 0 && total >= n {
		eta = (time.Duration(el*float64(total-n)/float64(n)) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%s: %d/%d objects, %s/%s, %s/s, ETA %s   ", p.label, n, total, humanBytes(b), humanBytes(totalBytes), humanBytes(int64(rate)), eta)
}

func (p *progress) done() { fmt.Fprintln(p.w) }

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// fixityLeaseName is the lease the instances sharing a database take
// before a fixity audit.
const fixityLeaseName = "archive-fixity"

// newFixityTurn returns the turn-taking of the fixity job among the
// instances sharing db: an instance runs the audit only while it holds the
// lease "archive-fixity", taken for 9/10 of the interval and not released
// after the run, so the instances together audit once per interval; a run
// that lasts longer renews the lease, so two never audit at once.
func newFixityTurn(db *gormdb.DB, interval time.Duration) func(context.Context) (bool, func(), error) {
	return newLeaseTurn(db, fixityLeaseName, interval)
}

// newLeaseTurn is newFixityTurn for any job: the lease is name.
func newLeaseTurn(db *gormdb.DB, name string, interval time.Duration) func(context.Context) (bool, func(), error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d/%x", host, os.Getpid(), rnd)
	ttl := max(interval*9/10, time.Second)
	return func(ctx context.Context) (bool, func(), error) {
		ok, err := db.TryLease(ctx, name, holder, ttl)
		if err != nil || !ok {
			return false, nil, err
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // renew while the audit runs
			defer wg.Done()
			t := time.NewTicker(ttl / 3)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-t.C:
					db.TryLease(context.WithoutCancel(ctx), name, holder, ttl)
				}
			}
		}()
		return true, func() { close(stop); wg.Wait() }, nil
	}
}
