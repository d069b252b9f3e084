package keys

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
)

// Environment variables read by RunPKICLI for flag defaults.
const (
	EnvPKIDir     = "VANTHU_PKI_DIR"     // default --dir (else DefaultPKIDir)
	EnvAgencyName = "VANTHU_AGENCY_NAME" // default --agency
	EnvOrgID      = "VANTHU_ORG_ID"      // default --org
	DefaultPKIDir = "data/pki"
)

const pkiUsage = `usage:
  vanthu pki init    [--dir D] [--agency NAME] [--org ID]
  vanthu pki officer [--dir D] --user ID --name "FULL NAME" [--title T] [--pem]
  vanthu pki certify [--dir D] --key URI --name CN [--out FILE]
  vanthu pki tls     [--dir D] --cn CN --host H[,H...] [--out-cert F --out-key F]
  vanthu pki root    [--dir D]

init creates the development root CA and agency certificate under D (default
$VANTHU_PKI_DIR or data/pki) and prints the trust anchor and the agency key
URI; officer issues (or shows) an officer's personal certificate; certify
issues a signing certificate over the public key of a key URI (e.g. a
pkcs11: token key) and writes the chain PEM; tls issues a server+client TLS
certificate; root prints the root certificate PEM.
`

// RunPKICLI runs `vanthu pki ...` with args after "pki". It returns the
// process exit code: 0 success, 1 failure, 2 usage error.
func RunPKICLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, pkiUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("pki "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pkiUsage) }
	dir := fs.String("dir", envOr(EnvPKIDir, DefaultPKIDir), "PKI directory")
	agency := fs.String("agency", os.Getenv(EnvAgencyName), "agency name (init; default: the existing agency certificate's)")
	org := fs.String("org", os.Getenv(EnvOrgID), "agency organisation code, e.g. 000.00.00.H13")
	var (
		user, name, title, keyURI, out, cn, hosts, outCert, outKey string
		pemOut                                                     bool
	)
	switch cmd {
	case "init", "root":
	case "officer":
		fs.StringVar(&user, "user", "", "user ID")
		fs.StringVar(&name, "name", "", "full name")
		fs.StringVar(&title, "title", "", "title (chức vụ)")
		fs.BoolVar(&pemOut, "pem", false, "print the certificate chain PEM")
	case "certify":
		fs.StringVar(&keyURI, "key", "", "key URI (file:... or pkcs11:...)")
		fs.StringVar(&name, "name", "", "certificate common name")
		fs.StringVar(&out, "out", "", "write the chain PEM here (default stdout)")
	case "tls":
		fs.StringVar(&cn, "cn", "", "common name")
		fs.StringVar(&hosts, "host", "", "comma-separated DNS names / IP addresses")
		fs.StringVar(&outCert, "out-cert", "", "write the certificate PEM here")
		fs.StringVar(&outKey, "out-key", "", "write the private key PEM here (0600)")
	default:
		fmt.Fprintf(stderr, "vanthu pki: unknown command %q\n\n%s", cmd, pkiUsage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vanthu pki %s: unexpected arguments %q\n", cmd, fs.Args())
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "vanthu pki %s: %s\n", cmd, msg)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "vanthu pki %s: %v\n", cmd, err)
		return 1
	}

	if *agency == "" || *org == "" {
		if a, o, err := storedAgency(*dir); err == nil {
			if *agency == "" {
				*agency = a
			}
			if *org == "" {
				*org = o
			}
		}
	}
	if *agency == "" {
		if cmd == "init" {
			return usage("--agency is required the first time (or set " + EnvAgencyName + ")")
		}
		return usage("no PKI in " + *dir + ": run `vanthu pki init --agency NAME` first")
	}
	switch cmd {
	case "officer":
		if user == "" || name == "" {
			return usage("--user and --name are required")
		}
	case "certify":
		if keyURI == "" || name == "" {
			return usage("--key and --name are required")
		}
	case "tls":
		if cn == "" || hosts == "" {
			return usage("--cn and --host are required")
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}

	p, err := OpenDevPKI(*dir, *agency, *org, nil)
	if err != nil {
		return fail(err)
	}
	switch cmd {
	case "init":
		k, err := p.Agency()
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "development PKI in %s\n", p.Dir())
		fmt.Fprintf(stdout, "root CA:        %s\n  trust anchor: %s\n  SHA-256:      %s\n", p.Root().Subject, p.RootCertPath(), fingerprint(p.Root()))
		printCert(stdout, "agency", k.Chain[0])
		fmt.Fprintf(stdout, "  key URI:      file:%s\n", p.AgencyKeyPath())
	case "root":
		stdout.Write(p.RootPEM())
	case "officer":
		k, err := p.Officer(user, name, title)
		if err != nil {
			return fail(err)
		}
		printCert(stdout, "officer", k.Chain[0])
		fmt.Fprintf(stdout, "  key URI:      file:%s\n", p.OfficerKeyPath(user))
		if pemOut {
			stdout.Write(k.ChainPEM())
		}
	case "certify":
		signer, err := LoadSigner(ctx, keyURI)
		if err != nil {
			return fail(err)
		}
		chain, err := p.CertifyPublicKey(name, signer.Public())
		if err != nil {
			return fail(err)
		}
		pemBytes := Key{Chain: chain}.ChainPEM()
		if out == "" {
			stdout.Write(pemBytes)
			break
		}
		if err := os.WriteFile(out, pemBytes, certFileMode); err != nil {
			return fail(err)
		}
		printCert(stdout, "certified "+RedactURI(keyURI), chain[0])
		fmt.Fprintf(stdout, "  chain PEM:    %s\n", out)
	case "tls":
		var hs []string
		for _, h := range strings.Split(hosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hs = append(hs, h)
			}
		}
		c, certPEM, keyPEM, err := p.TLSServerClient(cn, hs)
		if err != nil {
			return fail(err)
		}
		printCert(stdout, "tls", c.Leaf)
		fmt.Fprintf(stdout, "  stored in:    %s\n", filepath.Join(p.Dir(), tlsDir, safeName(cn)+".pem"))
		if outCert != "" {
			if err := os.WriteFile(outCert, certPEM, certFileMode); err != nil {
				return fail(err)
			}
		}
		if outKey != "" {
			if err := os.WriteFile(outKey, keyPEM, keyFileMode); err != nil {
				return fail(err)
			}
		}
	}
	return 0
}

func printCert(w io.Writer, what string, c *x509.Certificate) {
	fmt.Fprintf(w, "%s: %s\n  issuer:       %s\n  serial:       %s\n  valid:        %s .. %s\n  SHA-256:      %s\n",
		what, c.Subject, c.Issuer, c.SerialNumber.Text(16),
		c.NotBefore.UTC().Format("2006-01-02T15:04:05Z"), c.NotAfter.UTC().Format("2006-01-02T15:04:05Z"), fingerprint(c))
}

func fingerprint(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

// storedAgency reads the agency name and organisation code from an existing
// PKI's agency certificate.
func storedAgency(dir string) (name, org string, err error) {
	data, err := os.ReadFile(filepath.Join(dir, agencyFile))
	if err != nil {
		return "", "", err
	}
	certs, err := ParseCertificatesPEM(data)
	if err != nil || len(certs) == 0 {
		return "", "", errors.New("no agency certificate")
	}
	s := certs[0].Subject
	if len(s.Organization) > 0 {
		name = s.Organization[0]
	}
	return name, nameAttr(s, oidOrganizationIdentifier), nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
