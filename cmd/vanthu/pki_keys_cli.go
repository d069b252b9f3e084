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
	"os"
	"path/filepath"
	"strings"

	"github.com/vanthu/vanthu/signing/keys"
)

// Environment variables read by `vanthu pki` for flag defaults.
const (
	envPKIDir     = "VANTHU_PKI_DIR"     // default --dir (else DATA_DIR/pki, else defaultPKIDir)
	envDataDir    = "VANTHU_DATA_DIR"    // serve's data directory, whose pki/ serve uses on SQLite
	envAgencyName = "VANTHU_AGENCY_NAME" // default --agency
	envOrgID      = "VANTHU_ORG_ID"      // default --org
	defaultPKIDir = "data/pki"
)

const pkiUsage = `usage:
  vanthu pki init    [--dir D] [--agency NAME] [--org ID]
  vanthu pki officer [--dir D] --user ID --name "FULL NAME" [--title T] [--pem]
  vanthu pki certify [--dir D] --key URI --name CN [--out FILE]
  vanthu pki tls     [--dir D] --cn CN --host H[,H...] [--out-cert F --out-key F]
  vanthu pki root    [--dir D]
  vanthu pki revoke  (--user ID | --serial HEX) [--reason R] [--comment C]   (in the database: "vanthu pki revoke -h")
  vanthu pki revocations

init creates the development root CA and agency certificate under D (default
$VANTHU_PKI_DIR, else $VANTHU_DATA_DIR/pki, the folder serve uses, else
data/pki) and prints the trust anchor and the agency key
URI; officer issues (or shows) an officer's personal certificate; certify
issues a signing certificate over the public key of a key URI (e.g. a
pkcs11: token key) and writes the chain PEM; tls issues a server+client TLS
certificate; root prints the root certificate PEM.
`

// File modes of what `vanthu pki` writes: certificates are public, a
// private key is the owner's alone.
const (
	certFileMode = 0o644
	keyFileMode  = 0o600
)

// pkiKeysCmd runs `vanthu pki init|officer|certify|tls|root` with args
// after "pki": the development PKI's files (signing/keys.DevPKI). It
// returns the process exit code: 0 success, 1 failure, 2 usage error.
func pkiKeysCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, pkiUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	a, code := parsePKIArgs(args[0], args[1:], getenv, stderr)
	if a == nil {
		return code
	}
	if msg := a.complete(); msg != "" {
		fmt.Fprintf(stderr, "vanthu pki %s: %s\n", a.cmd, msg)
		return 2
	}
	if err := a.run(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "vanthu pki %s: %v\n", a.cmd, err)
		return 1
	}
	return 0
}

// pkiArgs are the parsed arguments of one `vanthu pki` command.
type pkiArgs struct {
	cmd, dir, agency, org                                      string
	user, name, title, keyURI, out, cn, hosts, outCert, outKey string
	pemOut                                                     bool
}

// parsePKIArgs parses the flags of cmd. It returns nil and the exit code
// when there is nothing to run (help: 0, an error: 2).
func parsePKIArgs(cmd string, args []string, getenv func(string) string, stderr io.Writer) (*pkiArgs, int) {
	a := &pkiArgs{cmd: cmd}
	fs := flag.NewFlagSet("pki "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pkiUsage) }
	dir := getenv(envPKIDir)
	if d := getenv(envDataDir); dir == "" && d != "" {
		dir = filepath.Join(d, "pki")
	}
	if dir == "" {
		dir = defaultPKIDir
	}
	fs.StringVar(&a.dir, "dir", dir, "PKI directory")
	fs.StringVar(&a.agency, "agency", getenv(envAgencyName), "agency name (init; default: the existing agency certificate's)")
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
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vanthu pki %s: unexpected arguments %q\n", cmd, fs.Args())
		return nil, 2
	}
	return a, 0
}

// complete takes the agency name and code from an existing PKI when not
// given, and returns what is missing for the command ("" when nothing).
func (a *pkiArgs) complete() string {
	if a.agency == "" || a.org == "" {
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
		if a.user == "" || a.name == "" {
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

// run opens the PKI and runs the command.
func (a *pkiArgs) run(ctx context.Context, stdout io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := keys.OpenDevPKI(a.dir, a.agency, a.org, nil)
	if err != nil {
		return err
	}
	switch a.cmd {
	case "init":
		k, err := p.Agency()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "development PKI in %s\n", p.Dir())
		fmt.Fprintf(stdout, "root CA:        %s\n  trust anchor: %s\n  SHA-256:      %s\n", p.Root().Subject, p.RootCertPath(), fingerprint(p.Root()))
		printCert(stdout, "agency", k.Chain[0])
		fmt.Fprintf(stdout, "  key URI:      file:%s\n", p.AgencyKeyPath())
	case "root":
		stdout.Write(p.RootPEM())
	case "officer":
		k, err := p.Officer(a.user, a.name, a.title)
		if err != nil {
			return err
		}
		printCert(stdout, "officer", k.Chain[0])
		fmt.Fprintf(stdout, "  key URI:      file:%s\n", p.OfficerKeyPath(a.user))
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
	fmt.Fprintf(stdout, "  stored in:    %s\n", p.TLSKeyPath(a.cn))
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
		what, c.Subject, c.Issuer, c.SerialNumber.Text(16),
		c.NotBefore.UTC().Format("2006-01-02T15:04:05Z"), c.NotAfter.UTC().Format("2006-01-02T15:04:05Z"), fingerprint(c))
}

// fingerprint is the certificate's SHA-256 in upper-case hex.
func fingerprint(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}
