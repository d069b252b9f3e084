package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/web"
	"github.com/vanthu/vanthu/workflow"
)

// pkiURL is the base URL the development PKI's certificates name for its
// services (/pki/ocsp, /pki/crl, /pki/ca.crt): VANTHU_PUBLIC_URL, else the
// address serve listens on; for other commands (agency export, user add,
// pki revoke) the address serve would listen on, or "" when that is no
// address a client can reach (port 0, 0.0.0.0): what they issue then names
// no service.
func (c *Config) pkiURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	if c.listenURL != "" {
		return c.listenURL
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || port == "0" || host == "" {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return ""
	}
	return "http://" + c.Addr
}

// wirePKI starts the development PKI's services when the development PKI
// is in use (no VANTHU_TRUST_ANCHORS or no VANTHU_AGENCY_KEY, never in
// production): the OCSP responder, CRL and time-stamp authority under
// /pki/ and the revocation routes. It returns the TSA URL signing uses:
// VANTHU_TSA_URL when set; else the built-in TSA, reached over a loopback
// listener of this process (pdfsign takes only a URL), so that every
// signature is PAdES B-T; else "" (configured keys and no TSA: B-B).
func wirePKI(ctx context.Context, a *app, kr *keyring) (string, error) {
	if kr.pki == nil || a.cfg.production() {
		return a.cfg.TSAURL, nil
	}
	auth, err := pki.New(kr.pki, a.db, a.now, a.log)
	if err != nil {
		return "", fmt.Errorf("development PKI services: %w", err)
	}
	a.pki = auth
	a.api.PKI = &api.PKI{
		Handler: auth.Handler(),
		Revoke: func(ctx context.Context, actor *workflow.User, serial, userID string, reason workflow.RevocationReason, comment string) (workflow.Revocation, error) {
			return auth.Revoke(ctx, actor, pki.RevokeRequest{Serial: serial, UserID: userID, Reason: reason, Comment: comment})
		},
		Revocations: auth.Revocations,
	}
	a.web.PKI = &web.PKIAdmin{Revoke: a.api.PKI.Revoke, Revocations: a.api.PKI.Revocations} // the same functions as the API's
	if a.cfg.TSAURL != "" {
		return a.cfg.TSAURL, nil
	}
	base, stop, err := auth.ServeLoopback(context.WithoutCancel(ctx))
	if err != nil {
		return "", fmt.Errorf("built-in time-stamp authority: %w", err)
	}
	a.close = append(a.close, stop)
	return base + keys.TSAPath, nil
}

const pkiRevokeUsage = `usage:
  vanthu pki revoke (--user ID | --serial HEX) [--reason R] [--comment TEXT] [serve flags]
  vanthu pki revocations [serve flags]

revoke revokes a certificate of the development PKI: an official's current
certificate (--user) or any certificate it issued (--serial, hex, colons
allowed). Reasons (RFC 5280): unspecified, keyCompromise, affiliationChanged,
superseded, cessationOfOperation, privilegeWithdrawn. It is stored in the
database the servers share (VANTHU_DATABASE_URL / VANTHU_DATA_DIR) and
audited; their OCSP responder and CRL say revoked at once. revocations lists
them.
`

// pkiRevokeCmd runs `vanthu pki revoke` and `vanthu pki revocations`
// against the configured database (exit 0 done, 1 failed, 2 usage).
func pkiRevokeCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("pki "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pkiRevokeUsage) }
	var user, serial, reason, comment string
	if cmd == "revoke" {
		fs.StringVar(&user, "user", "", "user ID of the official whose current certificate to revoke")
		fs.StringVar(&serial, "serial", "", "serial number (hex) of the certificate to revoke")
		fs.StringVar(&reason, "reason", "unspecified", "RFC 5280 reason")
		fs.StringVar(&comment, "comment", "", "why, for the audit trail")
	}
	cfg, code := cliConfig(fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	r, err := workflow.ParseRevocationReason(reason)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu pki %s: %s\n", cmd, workflow.ErrorMessage(err))
		return 2
	}
	if cmd == "revoke" && (user == "") == (serial == "") {
		fmt.Fprintf(stderr, "vanthu pki revoke: give --user or --serial\n\n%s", pkiRevokeUsage)
		return 2
	}
	a, err := build(ctx, cfg, opts, newLogger(stderr, cfg.cliLogLevel()))
	if err != nil {
		fmt.Fprintf(stderr, "vanthu pki %s: %v\n", cmd, err)
		return 1
	}
	defer a.Close()
	if a.pki == nil {
		fmt.Fprintf(stderr, "vanthu pki %s: the development PKI is not in use with this configuration (configured keys or VANTHU_ENV=production): revoke at the CA that issued the certificate\n", cmd)
		return 1
	}
	if cmd == "revocations" {
		list, err := a.pki.Revocations(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu pki revocations: %v\n", err)
			return 1
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERIAL\tREVOKED AT\tREASON\tUSER\tSUBJECT")
		for _, x := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Serial, x.RevokedAt.UTC().Format(time.RFC3339), x.Reason, x.UserID, x.Subject)
		}
		tw.Flush()
		return 0
	}
	rev, err := a.pki.Revoke(ctx, nil, pki.RevokeRequest{Serial: serial, UserID: user, Reason: r, Comment: comment})
	if err != nil {
		fmt.Fprintf(stderr, "vanthu pki revoke: %s\n", workflow.ErrorMessage(err))
		return 1
	}
	fmt.Fprintf(stdout, "revoked %s (%s) at %s: %s\n", rev.Serial, rev.Subject, rev.RevokedAt.UTC().Format(time.RFC3339), rev.Reason)
	return 0
}
