package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// evidenceLeaseName is the lease the instances sharing a database take
// before a renewal run.
const evidenceLeaseName = "archive-evidence"

// wireEvidence gives the archive service its time-stamp authority (the
// configured VANTHU_TSA_URL, else — outside production — the development
// PKI's built-in authority, in process), the trust anchors, revocation
// fetching and checking (signing/verify: OCSP, else CRL, of the previous
// time-stamp's TSA certificate at each renewal) and the signature
// verifier, and schedules the renewal job every
// VANTHU_EVIDENCE_INTERVAL.
func wireEvidence(a *app, svc *archive.Service) error {
	cfg := a.cfg
	if cfg.EvidenceRenew != "" {
		p, err := archive.ParsePeriod(cfg.EvidenceRenew)
		if err != nil {
			return fmt.Errorf("VANTHU_EVIDENCE_RENEW_BEFORE: %w", err)
		}
		svc.RenewBefore = p
	}
	interval, err := parseJobInterval("VANTHU_EVIDENCE_INTERVAL", cfg.EvidenceInterval)
	if err != nil {
		return err
	}
	svc.Stamper = archiveStamper(a)
	svc.TrustRoots = func() *x509.CertPool { return a.trust }
	svc.FetchRevocation = func(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, string, string, error) {
		ev, err := verify.HTTPFetcher{Timeout: 5 * time.Second}.Fetch(ctx, cert, issuer)
		if err != nil {
			return nil, "", "", err
		}
		if ev.OCSP != nil {
			return ev.OCSP, "ocsp", ev.URL, nil
		}
		return ev.CRL, "crl", ev.URL, nil
	}
	svc.CheckRevocation = func(der []byte, kind string, cert, issuer *x509.Certificate) (string, error) {
		ev := verify.Evidence{OCSP: der}
		if kind == "crl" {
			ev = verify.Evidence{CRL: der}
		}
		return verify.CheckEvidence(ev, cert, issuer)
	}
	svc.VerifyDocument = func(ctx context.Context, pdf []byte, at time.Time) (string, []string, error) {
		rep, err := verify.Verify(ctx, pdf, verify.Options{Roots: a.trust, Now: func() time.Time { return at }})
		if err != nil {
			return "", nil, err
		}
		return rep.Verdict, rep.Reasons, nil
	}
	if svc.Stamper == nil {
		a.log.Warn("archive evidence renewal is off: production without VANTHU_TSA_URL")
		return nil
	}
	if interval > 0 {
		a.jobs = append(a.jobs, func(ctx context.Context) error {
			runEvidenceJob(ctx, svc, interval, a.log, newLeaseTurn(a.db, evidenceLeaseName, interval))
			return nil
		})
	}
	return nil
}

func parseJobInterval(env, s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a Go duration like 24h, or 0 for never", env, s)
	}
	return d, nil
}

// archiveStamper is the time-stamp authority of archive time-stamps: the
// configured one, else the development PKI's (made on first use), nil in
// production without VANTHU_TSA_URL.
func archiveStamper(a *app) archive.Stamper {
	cfg := a.cfg
	if cfg.TSAURL != "" {
		return &archive.TSA{Name: cfg.TSAURL, Query: pki.HTTPTSA{URL: cfg.TSAURL}.TimeStamp}
	}
	if cfg.production() {
		return nil
	}
	var (
		once sync.Once
		auth *pki.Authority
		aerr error
	)
	return &archive.TSA{Name: "built-in (development PKI)", Query: func(ctx context.Context, q []byte) ([]byte, error) {
		if a.pki != nil { // the authority serve runs (wireSigning)
			return a.pki.TimeStamp(ctx, q)
		}
		once.Do(func() {
			p, err := (&keyring{cfg: cfg, db: a.db}).devPKI()
			if err != nil {
				aerr = err
				return
			}
			auth, aerr = pki.New(p, a.db, nil, a.log)
		})
		if aerr != nil {
			return nil, workflow.Wrap(workflow.EUNAVAILABLE, aerr, "the built-in time-stamp authority")
		}
		return auth.TimeStamp(ctx, q)
	}}
}

// runEvidenceJob renews the due records every interval until ctx ends,
// while this instance holds the lease. Failures are logged; the next run
// resumes.
func runEvidenceJob(ctx context.Context, svc *archive.Service, interval time.Duration, log *slog.Logger, turn leaseTurn) {
	runLeasedJob(ctx, "evidence renewal", interval, log, turn, func(ctx context.Context) {
		rep, err := svc.RenewDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "evidence renewal stopped", "err", err)
		}
		if rep != nil {
			log.InfoContext(ctx, "evidence renewal run", "renewed", len(rep.Renewed), "skipped", len(rep.Skipped), "errors", len(rep.Errors))
			for _, p := range rep.Errors {
				log.ErrorContext(ctx, "evidence renewal failed", "doc_id", p.DocumentID, "err", p.Error)
			}
		}
	})
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func archiveRenewCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive renew", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var docs multiFlag
	fs.Var(&docs, "doc", "renew this record (repeatable); default: every record that is due")
	force := fs.Bool("force", false, "with --doc: add a time-stamp even when none is due")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	a, svc, code := archiveApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if svc.Stamper == nil {
		fmt.Fprintln(stderr, "vanthu archive renew: no time-stamp authority (set VANTHU_TSA_URL)")
		return 2
	}
	var rep *archive.RenewReport
	var runErr error
	if len(docs) == 0 {
		rep, runErr = svc.RenewDue(ctx)
	} else {
		rep = &archive.RenewReport{StartedAt: time.Now().UTC(), Renewed: []*archive.RenewResult{}, Skipped: []*archive.RenewResult{}, Errors: []archive.FixityProblem{}}
		for _, id := range docs {
			r, err := svc.Renew(ctx, id, *force)
			switch {
			case err != nil:
				rep.Errors = append(rep.Errors, archive.FixityProblem{DocumentID: id, Error: err.Error()})
			case r.Skipped != "":
				rep.Skipped = append(rep.Skipped, r)
			default:
				rep.Renewed = append(rep.Renewed, r)
			}
		}
		rep.FinishedAt = time.Now().UTC()
	}
	if rep == nil {
		fmt.Fprintf(stderr, "vanthu archive renew: %v\n", runErr)
		return 2
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		for _, r := range rep.Renewed {
			fmt.Fprintf(stdout, "RENEWED %s: time-stamp %d at %s by %s, verifiable until %s (%s)\n", r.DocumentID, r.Seq,
				r.Time.Format(time.RFC3339), r.Authority, r.ValidUntil.Format(time.RFC3339), r.Reason)
		}
		for _, r := range rep.Skipped {
			fmt.Fprintf(stdout, "SKIPPED %s: %s\n", r.DocumentID, r.Skipped)
		}
		for _, p := range rep.Errors {
			fmt.Fprintf(stdout, "ERROR   %s: %s\n", p.DocumentID, p.Error)
		}
		fmt.Fprintf(stdout, "renew: %d renewed, %d skipped, %d errors\n", len(rep.Renewed), len(rep.Skipped), len(rep.Errors))
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "vanthu archive renew: stopped: %v\n", runErr)
		return 1
	}
	if len(rep.Errors) > 0 {
		return 1
	}
	return 0
}

func archiveVerifyCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	at := fs.String("at", "", "check as of this time (RFC 3339) instead of now")
	a, svc, code := archiveApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu archive verify: --at %q: want RFC 3339 (2036-12-01T00:00:00Z)\n", *at)
			return 2
		}
		svc.Now = func() time.Time { return t }
	}
	ids := fs.Args()
	if len(ids) == 0 {
		fmt.Fprintln(stderr, "vanthu archive verify: name the archived document IDs")
		return 2
	}
	exit := 0
	var reps []*archive.EvidenceReport
	for _, id := range ids {
		rep, err := svc.VerifyEvidence(ctx, id)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu archive verify %s: %v\n", id, err)
			exit = max(exit, 2)
			continue
		}
		reps = append(reps, rep)
		if rep.Verdict != archive.VerdictValid {
			exit = max(exit, 1)
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "%s: %s (checked at %s)\n", id, strings.ToUpper(rep.Verdict), rep.CheckedAt.Format(time.RFC3339))
			for _, r := range rep.Reasons {
				fmt.Fprintf(stdout, "  - %s\n", r)
			}
		}
	}
	if *asJSON {
		b, _ := json.MarshalIndent(reps, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return exit
}
