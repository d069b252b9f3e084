package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// Environment variables read by `vanthu pki` for flag defaults.
const (
	envPKIDir     = "VANTHU_PKI_DIR"     // default --dir: a folder instead of serve's development PKI
	envAgencyName = "VANTHU_AGENCY_NAME" // default --agency
	envOrgID      = "VANTHU_ORG_ID"      // default --org (and serve's organisation code)
)

const pkiUsage = `usage:
  vanthu pki init    [--dir D] [--agency NAME] [--org ID] [serve flags]
  vanthu pki officer [--dir D] --user ID [--name "FULL NAME"] [--title T] [--pem] [serve flags]
  vanthu pki certify [--dir D] --key URI --name CN [--out FILE] [serve flags]
  vanthu pki tls     [--dir D] --cn CN --host H[,H...] [--out-cert F --out-key F] [serve flags]
  vanthu pki root    [--dir D] [serve flags]
  vanthu pki csr     [--label L [--token T] | --key URI] --subject DN [--out FILE]   (a token's key, for your CA: "vanthu pki csr -h")
  vanthu pki revoke  (--user ID | --serial HEX) [--reason R] [--comment C]   (in the database: "vanthu pki revoke -h")
  vanthu pki revocations

init creates (or shows) the development root CA and agency certificate and
prints the trust anchor; officer issues (or shows) an officer's personal
certificate; certify issues a signing certificate over the public key of a
key URI (e.g. a pkcs11: token key) and writes the chain PEM; tls issues a
server+client TLS certificate; root prints the root certificate PEM.

Without --dir they work on the development PKI serve uses with the same
settings (VANTHU_* or serve's flags, "vanthu serve -h"): on PostgreSQL
(VANTHU_DATABASE_URL) the table dev_pki of the database its instances share,
on SQLite the folder pki in VANTHU_DATA_DIR; sealed with
VANTHU_DEV_PKI_SECRET when it is set; a certificate revoked there
("vanthu pki revoke") is replaced by a new key and certificate, as serve
replaces it; certificates name serve's OCSP responder and CRL
(VANTHU_PUBLIC_URL, else VANTHU_ADDR); the agency is serve's,
VANTHU_ORG_NAME and VANTHU_ORG_ID (--agency and --org, if given, must
match; a stored agency certificate for another agency is refused, as serve
would re-issue it); officer takes the official's name and title from
the account whose ID it is given (a name or title given must match). With
VANTHU_ENV=production they refuse: serve never uses the development PKI
there.

--dir D (default $VANTHU_PKI_DIR) chooses a folder of files instead: a PKI of
its own, with no database, revocations or secret, whose keys are file: key
URIs for "vanthu sign"; serve reads it only if D is its DATA_DIR/pki on
SQLite.
`

// File modes of what `vanthu pki` writes: certificates are public, a
// private key is the owner's alone.
const (
	certFileMode = 0o644
	keyFileMode  = 0o600
)

// pkiKeysCmd runs `vanthu pki init|officer|certify|tls|root` with args
// after "pki": on the development PKI serve uses with the same settings
// (signing/keys.DevPKI in the database or DATA_DIR/pki, as keyring opens
// it), or on the folder --dir names. It returns the process exit code: 0
// success, 1 failure, 2 usage error.
func pkiKeysCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, pkiUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "csr" { // a token's key, for a real CA: no development PKI
		return pkiCSRCmd(ctx, args[1:], getenv, stdout, stderr)
	}
	a, code := parsePKIArgs(args[0], args[1:], getenv, stderr)
	if a == nil {
		return code
	}
	if msg := a.complete(); msg != "" {
		fmt.Fprintf(stderr, "vanthu pki %s: %s\n", a.cmd, msg)
		return 2
	}
	p, closeFn, err := a.open(ctx, stderr)
	if err == nil {
		defer closeFn()
		err = a.run(ctx, p, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu pki %s: %v\n", a.cmd, err)
		return 1
	}
	return 0
}

// pkiCmdUsage is pkiUsage with the usage line of cmd only.
func pkiCmdUsage(cmd string) string {
	lines, rest, _ := strings.Cut(pkiUsage, "\n\n")
	out := "usage:\n"
	for _, l := range strings.Split(lines, "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "vanthu" && f[2] == cmd {
			out += l + "\n"
		}
	}
	return out + "\n" + rest
}

// pkiArgs are the parsed arguments of one `vanthu pki` command.
type pkiArgs struct {
	cmd, dir, agency, org                                      string
	user, name, title, keyURI, out, cn, hosts, outCert, outKey string
	pemOut                                                     bool

	// cfg is serve's configuration, whose development PKI the command
	// works on when dir is empty.
	cfg *Config
	// where names the PKI's place for the output; keyFiles reports
	// whether its keys are files a file: key URI can name (a folder in
	// clear), inDB whether they are rows of the database.
	where          string
	keyFiles, inDB bool
}

// parsePKIArgs parses the flags of cmd, serve's among them. It returns
// nil and the exit code when there is nothing to run (help: 0, an error:
// 2).
func parsePKIArgs(cmd string, args []string, getenv func(string) string, stderr io.Writer) (*pkiArgs, int) {
	a := &pkiArgs{cmd: cmd}
	fs := flag.NewFlagSet("pki "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\nflags (serve's name their VANTHU_ variable):\n", pkiCmdUsage(cmd))
		fs.PrintDefaults()
	}
	fs.StringVar(&a.dir, "dir", getenv(envPKIDir), "PKI folder of its own (empty = serve's development PKI)")
	fs.StringVar(&a.agency, "agency", getenv(envAgencyName), "agency name (init; default: serve's, or in a folder the existing agency certificate's)")
	fs.StringVar(&a.org, "org", getenv(envOrgID), "agency organisation code, e.g. 000.00.00.H13")
	switch cmd {
	case "init", "root":
	case "officer":
		fs.StringVar(&a.user, "user", "", "user ID")
		fs.StringVar(&a.name, "name", "", "full name")
		fs.StringVar(&a.title, "title", "", "title (chức vụ)")
		fs.BoolVar(&a.pemOut, "pem", false, "print the certificate chain PEM")
	case "certify":
		fs.StringVar(&a.keyURI, "key", "", "key URI (file:... or pkcs11:...)")
		fs.StringVar(&a.name, "name", "", "certificate common name")
		fs.StringVar(&a.out, "out", "", "write the chain PEM here (default stdout)")
	case "tls":
		fs.StringVar(&a.cn, "cn", "", "common name")
		fs.StringVar(&a.hosts, "host", "", "comma-separated DNS names / IP addresses")
		fs.StringVar(&a.outCert, "out-cert", "", "write the certificate PEM here")
		fs.StringVar(&a.outKey, "out-key", "", "write the private key PEM here (0600)")
	default:
		fmt.Fprintf(stderr, "vanthu pki: unknown command %q\n\n%s", cmd, pkiUsage)
		return nil, 2
	}
	cfg, err := LoadConfig(fs, args, getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, 0
	case cfg == nil: // the flag package said why
		return nil, 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "vanthu pki %s: unexpected arguments %q\n", cmd, fs.Args())
		return nil, 2
	case err != nil && a.dir == "": // a folder of its own needs no valid serve settings
		fmt.Fprintf(stderr, "vanthu pki %s: %v\n", cmd, err)
		return nil, 2
	}
	a.cfg = cfg
	return a, 0
}

// complete takes the agency name and code from serve's settings, or from
// the folder's existing PKI when not given, and returns what is missing
// or contradictory for the command ("" when nothing).
func (a *pkiArgs) complete() string {
	if a.dir == "" {
		if msg := a.servesAgency(); msg != "" {
			return msg
		}
	} else if a.agency == "" || a.org == "" {
		if name, org, err := keys.StoredAgency(a.dir); err == nil {
			if a.agency == "" {
				a.agency = name
			}
			if a.org == "" {
				a.org = org
			}
		}
	}
	if a.agency == "" {
		if a.cmd == "init" {
			return "--agency is required the first time (or set " + envAgencyName + ")"
		}
		return "no PKI in " + a.dir + ": run `vanthu pki init --agency NAME` first"
	}
	switch a.cmd {
	case "officer":
		if a.user == "" || (a.name == "" && a.dir != "") {
			return "--user and --name are required"
		}
	case "certify":
		if a.keyURI == "" || a.name == "" {
			return "--key and --name are required"
		}
	case "tls":
		if a.cn == "" || a.hosts == "" {
			return "--cn and --host are required"
		}
	}
	return ""
}

// servesAgency sets the agency to serve's (VANTHU_ORG_NAME, VANTHU_ORG_ID)
// and refuses another given with --agency or --org: the PKI would
// re-issue the agency certificate serve signs with.
func (a *pkiArgs) servesAgency() string {
	for _, x := range []struct{ flag, given, serves, env string }{
		{"--agency (or " + envAgencyName + ")", a.agency, a.cfg.OrgName, "VANTHU_ORG_NAME"},
		{"--org", a.org, a.cfg.OrgID, "VANTHU_ORG_ID"},
	} {
		if x.given != "" && x.given != x.serves {
			return fmt.Sprintf("%s %q is not the agency of serve's development PKI, %q (%s): give serve's settings, or --dir D for a PKI of its own", x.flag, x.given, x.serves, x.env)
		}
	}
	a.agency, a.org = a.cfg.OrgName, a.cfg.OrgID
	return ""
}

// open opens the PKI the command works on: the folder --dir names, or
// serve's. The returned function releases what it holds (the database).
func (a *pkiArgs) open(ctx context.Context, stderr io.Writer) (*keys.DevPKI, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if a.dir != "" {
		p, err := keys.OpenDevPKI(a.dir, a.agency, a.org, nil)
		if err != nil {
			return nil, nil, err
		}
		a.where, a.keyFiles = p.Dir(), true
		return p, func() {}, nil
	}
	cfg := a.cfg
	if cfg.production() {
		return nil, nil, fmt.Errorf("VANTHU_ENV=production: serve never uses the development PKI, so there is none to work on " +
			"(certificates come from your CA: VANTHU_AGENCY_KEY, VANTHU_TRUST_ANCHORS, officials' own keys); --dir D works on a folder of its own")
	}
	db, err := openExchangeDB(ctx, cfg, stderr)
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	if err := checkServesAgency(ctx, cfg, db); err != nil {
		db.Close()
		return nil, nil, err
	}
	if a.cmd == "officer" {
		if err := a.servesOfficer(ctx, db); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	// The same store, secret, revocations and service URL as serve's.
	p, err := (&keyring{cfg: cfg, db: db}).devPKI()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	pl := devPKIPlaceFor(cfg, db)
	a.where, a.keyFiles, a.inDB = pl.Where(), pl.KeyFiles(), pl.InDB
	return p, func() { db.Close() }, nil
}

// servesOfficer takes the official's name and title from their account,
// as serve issues their certificate (signing.go, officerKeys), and
// refuses a user ID that names no account, or another name or title:
// serve would re-issue the certificate at their next signature.
func (a *pkiArgs) servesOfficer(ctx context.Context, db *gormdb.DB) error {
	u, err := db.User(ctx, a.user)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return fmt.Errorf("no user with ID %q in serve's database: serve issues an official's certificate to their account's ID (vanthu user add prints it)", a.user)
	}
	if err != nil {
		return err
	}
	name := u.FullName
	if name == "" {
		name = u.Username
	}
	for _, x := range []struct{ flag, given, account string }{{"--name", a.name, name}, {"--title", a.title, u.Title}} {
		if x.given != "" && x.given != x.account {
			return fmt.Errorf("%s %q is not what the account of %s says, %q: serve would re-issue the certificate at their next signature; change the account, or leave %s out",
				x.flag, x.given, u.Username, x.account, x.flag)
		}
	}
	a.name, a.title = name, u.Title
	return nil
}

// checkServesAgency refuses to open serve's development PKI (where
// keyring.devPKI finds it: devPKIPlaceFor's Stores, on PostgreSQL the
// table, else a PKI DATA_DIR/pki held before, which moves into it) when
// its agency certificate names another agency than cfg: opening it would
// re-issue the certificate serve signs with. Other errors are left to
// the opening.
func checkServesAgency(ctx context.Context, cfg *Config, db *gormdb.DB) error {
	stores, err := devPKIPlaceFor(cfg, db).Stores()
	if err != nil {
		return err
	}
	for _, s := range stores {
		name, org, err := keys.StoredAgencyIn(ctx, s)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && (name != cfg.OrgName || org != cfg.OrgID) {
			return fmt.Errorf("serve's development PKI has the agency certificate of %q (%s), these settings name %q (%s) (VANTHU_ORG_NAME, VANTHU_ORG_ID): "+
				"run vanthu pki with serve's settings (with these, serve too would re-issue its agency certificate)", name, org, cfg.OrgName, cfg.OrgID)
		}
		return nil
	}
	return nil
}

// run runs the command on p.
func (a *pkiArgs) run(ctx context.Context, p *keys.DevPKI, stdout, stderr io.Writer) error {
	if a.dir == "" && (a.cfg.AgencyKey != "" || a.cfg.TrustAnchors != "") && a.cmd != "root" {
		fmt.Fprintln(stderr, "note: with VANTHU_AGENCY_KEY or VANTHU_TRUST_ANCHORS set, serve signs as the agency and trusts what they say; it uses this development PKI only for officials without a key of their own")
	}
	switch a.cmd {
	case "init":
		k, err := p.Agency()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "development PKI in %s\n", a.where)
		fmt.Fprintf(stdout, "root CA:        %s\n  trust anchor: %s\n  SHA-256:      %s\n", dn.Subject(p.Root()), p.RootCertPath(), fingerprint(p.Root()))
		printCert(stdout, "agency", k.Chain[0])
		a.printKey(stdout, p.AgencyKeyPath())
	case "root":
		stdout.Write(p.RootPEM())
	case "officer":
		k, err := p.Officer(a.user, a.name, a.title)
		if err != nil {
			return err
		}
		printCert(stdout, "officer", k.Chain[0])
		a.printKey(stdout, p.OfficerKeyPath(a.user))
		if a.pemOut {
			stdout.Write(k.ChainPEM())
		}
	case "certify":
		return a.certify(ctx, p, stdout)
	case "tls":
		return a.tls(p, stdout)
	}
	return nil
}

// printKey says where a key is: its file: key URI when it is a file in
// clear, else the PKI's place.
func (a *pkiArgs) printKey(stdout io.Writer, path string) {
	switch {
	case a.keyFiles:
		fmt.Fprintf(stdout, "  key URI:      file:%s\n", path)
	case !a.inDB:
		fmt.Fprintf(stdout, "  key:          %s, sealed (VANTHU_DEV_PKI_SECRET): serve's, no file: key URI\n", path)
	default:
		fmt.Fprintf(stdout, "  key:          in %s: serve's, no file: key URI\n", a.where)
	}
}

// certify issues a certificate for the public key of an existing key.
func (a *pkiArgs) certify(ctx context.Context, p *keys.DevPKI, stdout io.Writer) error {
	signer, err := keys.LoadSigner(ctx, a.keyURI)
	if err != nil {
		return err
	}
	chain, err := p.CertifyPublicKey(a.name, signer.Public())
	if err != nil {
		return err
	}
	pemBytes := keys.Key{Chain: chain}.ChainPEM()
	if a.out == "" {
		stdout.Write(pemBytes)
		return nil
	}
	if err := os.WriteFile(a.out, pemBytes, certFileMode); err != nil {
		return err
	}
	printCert(stdout, "certified "+keys.RedactURI(a.keyURI), chain[0])
	fmt.Fprintf(stdout, "  chain PEM:    %s\n", a.out)
	return nil
}

// tls issues a TLS server and client certificate.
func (a *pkiArgs) tls(p *keys.DevPKI, stdout io.Writer) error {
	var hs []string
	for _, h := range strings.Split(a.hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hs = append(hs, h)
		}
	}
	c, certPEM, keyPEM, err := p.TLSServerClient(a.cn, hs)
	if err != nil {
		return err
	}
	printCert(stdout, "tls", c.Leaf)
	if a.keyFiles {
		fmt.Fprintf(stdout, "  stored in:    %s\n", p.TLSKeyPath(a.cn))
	} else {
		fmt.Fprintf(stdout, "  stored in:    %s (--out-cert and --out-key write it out)\n", a.where)
	}
	if a.outCert != "" {
		if err := os.WriteFile(a.outCert, certPEM, certFileMode); err != nil {
			return err
		}
	}
	if a.outKey != "" {
		if err := os.WriteFile(a.outKey, keyPEM, keyFileMode); err != nil {
			return err
		}
	}
	return nil
}

func printCert(w io.Writer, what string, c *x509.Certificate) {
	fmt.Fprintf(w, "%s: %s\n  issuer:       %s\n  serial:       %s\n  valid:        %s .. %s\n  SHA-256:      %s\n",
		what, dn.Subject(c), dn.Issuer(c), c.SerialNumber.Text(16),
		c.NotBefore.UTC().Format("2006-01-02T15:04:05Z"), c.NotAfter.UTC().Format("2006-01-02T15:04:05Z"), fingerprint(c))
}

// fingerprint is the certificate's SHA-256 in upper-case hex.
func fingerprint(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}
