package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// anchorLeaseName is the lease the instances sharing a database take
// before anchoring the audit chain: one anchor per interval among them.
const anchorLeaseName = "audit-anchor"

// wireAnchors makes the archive store keep the audit chain's anchors
// (archive.Anchors), signed with the agency key as wireSigning loads it
// (asked at each anchor, so it may be wired later) and time-stamped by
// stamper (nil: not time-stamped), and has serve anchor
// every VANTHU_AUDIT_ANCHOR_INTERVAL when the chain grew.
func wireAnchors(a *app, store workflow.Blobs, stamper archive.Stamper) (*archive.Anchors, error) {
	interval, err := parseJobInterval("VANTHU_AUDIT_ANCHOR_INTERVAL", a.cfg.AnchorInterval)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	an := &archive.Anchors{Store: store, Head: a.db.AuditHead, Org: a.cfg.OrgID, Now: a.now, Stamper: stamper,
		Instance: fmt.Sprintf("%s/%d", host, os.Getpid()),
		Key: func() (crypto.Signer, []*x509.Certificate, error) {
			if a.agency == nil {
				return nil, nil, workflow.Errorf(workflow.EUNAVAILABLE, "no agency key")
			}
			k, err := a.agency()
			return k.Signer, k.Chain, err
		},
		Trust: func() *x509.CertPool { return a.trust },
		Agency: func() *x509.Certificate {
			if a.agency == nil {
				return nil
			}
			k, err := a.agency()
			if err != nil {
				return nil
			}
			return k.Certificate()
		},
		Record: a.docs.RecordAnchor,
		Revocation: func(ctx context.Context, cert, issuer *x509.Certificate) (archive.CertStatus, error) {
			return anchorSignerStatus(ctx, a, cert, issuer)
		},
	}
	a.docs.Anchors = an
	if interval > 0 {
		a.jobs = append(a.jobs, func(ctx context.Context) error {
			runLeasedJob(ctx, "audit anchor", interval, a.log, newLeaseTurn(a.db, anchorLeaseName, interval), func(ctx context.Context) {
				anchorOnce(ctx, an, a.log)
			})
			return nil
		})
	}
	return an, nil
}

// anchorSignerStatus is the revocation status of an anchor signer's
// certificate now, as signing/verify finds a PDF signer's: the
// development PKI's certificates asked in process, others online as
// VANTHU_REVOCATION_ONLINE says (offline: not checked, said in the report).
func anchorSignerStatus(ctx context.Context, a *app, cert, issuer *x509.Certificate) (archive.CertStatus, error) {
	f := revocationFetcher(a.cfg)
	if a.pki != nil {
		f = a.pki.Fetcher(f)
	}
	rev := verify.CertificateStatus(ctx, cert, issuer, a.now(), f)
	if rev.Status == verify.RevocationUnknown && !a.cfg.RevOnline {
		// Offline by configuration (an office network without the CA's
		// responder): not a responder cut off, so not 503 on every check.
		return archive.CertStatus{Status: archive.RevocationNotChecked,
			Detail: "VANTHU_REVOCATION_ONLINE=false: the agency certificate's revocation is not asked (" + rev.Detail + ")"}, nil
	}
	st := archive.CertStatus{Status: rev.Status, Reason: rev.Reason, Detail: rev.Detail}
	if rev.RevokedAt != "" {
		t, err := time.Parse(time.RFC3339, rev.RevokedAt)
		if err != nil {
			return archive.CertStatus{}, err
		}
		st.RevokedAt = t
	}
	return st, nil
}

// anchorOnce writes the anchor of the chain head unless it is there
// already, logging the outcome.
func anchorOnce(ctx context.Context, an *archive.Anchors, log *slog.Logger) {
	got, wrote, err := an.Anchor(ctx, false)
	switch {
	case err != nil && wrote:
		log.ErrorContext(ctx, "audit anchor written, not recorded in the audit chain", "key", got.Key, "err", err)
	case err != nil:
		log.ErrorContext(ctx, "audit anchor not written", "err", err)
	case wrote && an.Stamper != nil && !got.TimeStamped:
		log.WarnContext(ctx, "audit anchor written without a time-stamp: the authority failed", "key", got.Key, "seq", got.Seq)
	case wrote:
		log.InfoContext(ctx, "audit anchor written", "key", got.Key, "seq", got.Seq)
	default:
		log.DebugContext(ctx, "audit anchor: the chain did not grow")
	}
}

// auditAnchorCmd is `vanthu audit anchor [--restored]`.
func auditAnchorCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit anchor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	restored := fs.Bool("restored", false, "acknowledge a restore of the database to an earlier backup: the anchors written before that the chain no longer reaches or agrees with are superseded")
	a, code := loadApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	an, ok := a.docs.Anchors.(*archive.Anchors)
	if !ok {
		fmt.Fprintln(stderr, "vanthu audit anchor: no archive store")
		return 2
	}
	got, wrote, err := an.Anchor(ctx, *restored)
	switch {
	case err != nil && wrote:
		fmt.Fprintf(stdout, "anchored event %d (hash %s) as %s\n", got.Seq, got.Hash, got.Key)
		fmt.Fprintf(stderr, "vanthu audit anchor: %v\n", err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "vanthu audit anchor: %v\n", err)
		return 1
	case got == nil:
		fmt.Fprintln(stdout, "audit chain is empty: nothing to anchor")
	case wrote:
		fmt.Fprintf(stdout, "anchored event %d (hash %s) as %s at %s\n", got.Seq, got.Hash, got.Key, got.At.Format(time.RFC3339))
	default:
		fmt.Fprintf(stdout, "event %d is anchored already (%s)\n", got.Seq, got.Key)
	}
	return 0
}
