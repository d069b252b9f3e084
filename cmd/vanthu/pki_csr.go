package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/keys"
)

const csrUsage = `usage:
  vanthu pki csr [--label L [--token T] | --key URI] --subject DN [--out FILE] [serve flags]

csr writes a certificate request (PKCS#10, PEM) for a key pair already on
the token, signed by that key on the token (the private key never leaves
it), for the CA (Ban Cơ yếu Chính phủ, VGCA) to issue its certificate:
  --label L    the key labelled L on the token T, or on the one token of
               VANTHU_PKCS11_TOKENS (an official's key, or the agency's)
  --key URI    any key URI (pkcs11:token=…;object=…, file:…)
  neither      the agency key, VANTHU_AGENCY_KEY
  --subject    the subject, most specific first, as vanthu shows names:
               'CN=Nguyễn Văn Ân,T=Chủ tịch,O=UBND quận Bình Thủy,L=Cần Thơ,C=VN'
               (CN O OU L ST C T UID SERIALNUMBER emailAddress …, UTF-8)
The module is VANTHU_PKCS11_MODULE, the PIN VANTHU_PKCS11_PIN (or the URI's
pin-env=/pin-source=). Nothing else is read: no database, no development
PKI; it works with VANTHU_ENV=production. Without --out the PEM goes to
stdout; with it, stdout says what was written and the public key's SHA-256,
to compare with the certificate the CA returns.
`

// csrArgs are the parsed arguments of `vanthu pki csr`.
type csrArgs struct {
	label, token, key, subject, out string
	cfg                             *Config
}

// pkiCSRCmd runs `vanthu pki csr` with the arguments after "csr": exit 0
// written, 1 the key could not sign it, 2 a usage error.
func pkiCSRCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a, code := parseCSRArgs(args, getenv, stderr)
	if a == nil {
		return code
	}
	uri, err := a.keyURI()
	if err == nil {
		var subject []byte
		if subject, err = dn.Marshal(a.subject); err != nil {
			err = fmt.Errorf("--subject: %w", err)
		} else {
			return a.write(ctx, uri, subject, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "vanthu pki csr: %v\n", err)
	return 2
}

// parseCSRArgs parses the flags, serve's among them (only the token's
// settings are read: a configuration serve would refuse for other
// reasons does not stop a request). nil and the exit code when there is
// nothing to run.
func parseCSRArgs(args []string, getenv func(string) string, stderr io.Writer) (*csrArgs, int) {
	a := &csrArgs{}
	fs := flag.NewFlagSet("pki csr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\nflags (serve's name their VANTHU_ variable):\n", csrUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&a.label, "label", "", "label (CKA_LABEL) of the key pair on the token")
	fs.StringVar(&a.token, "token", "", "token label (default: the one token of VANTHU_PKCS11_TOKENS)")
	fs.StringVar(&a.key, "key", "", "key URI instead of --label (default: VANTHU_AGENCY_KEY)")
	fs.StringVar(&a.subject, "subject", "", "subject, most specific first: CN=…,O=…,L=…,C=VN")
	fs.StringVar(&a.out, "out", "", "write the PEM here (default stdout)")
	cfg, err := LoadConfig(fs, args, getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, 0
	case cfg == nil: // a flag the flag package refused (it said why), or a setting that is no number
		fmt.Fprintf(stderr, "vanthu pki csr: %v\n", err)
		return nil, 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "vanthu pki csr: unexpected arguments %q\n", fs.Args())
		return nil, 2
	case strings.TrimSpace(a.subject) == "":
		fmt.Fprintln(stderr, "vanthu pki csr: --subject is required, e.g. --subject 'CN=UBND quận Bình Thủy,O=UBND quận Bình Thủy,L=Cần Thơ,C=VN'")
		return nil, 2
	}
	a.cfg = cfg
	return a, 0
}

// keyURI is the URI of the key the request is for.
func (a *csrArgs) keyURI() (string, error) {
	switch {
	case a.key != "" && a.label != "":
		return "", errors.New("--key or --label, not both")
	case a.key != "":
		return a.key, nil
	case a.label != "":
		token := a.token
		if token == "" {
			tokens := splitList(a.cfg.PKCS11Tokens)
			if len(tokens) != 1 {
				return "", fmt.Errorf("--token T is needed: VANTHU_PKCS11_TOKENS names %d tokens (%s), not one", len(tokens), strings.Join(tokens, ", "))
			}
			token = tokens[0]
		}
		return "pkcs11:token=" + url.PathEscape(token) + ";object=" + url.PathEscape(a.label), nil
	case a.token != "":
		return "", errors.New("--token needs --label")
	case a.cfg.AgencyKey != "":
		return a.cfg.AgencyKey, nil
	}
	return "", errors.New("which key? --label L (a key pair on the token), --key URI, or VANTHU_AGENCY_KEY for the agency's")
}

// write makes the request for the key of uri, signed by it, checks it
// and writes its PEM.
func (a *csrArgs) write(ctx context.Context, uri string, subject []byte, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "vanthu pki csr: %v\n", err)
		return 1
	}
	signer, err := keys.LoadSignerWithModule(ctx, uri, a.cfg.PKCS11Module)
	if err != nil {
		return fail(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{RawSubject: subject}, signer)
	if err != nil {
		return fail(fmt.Errorf("key %s: %w", keys.RedactURI(uri), err))
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err == nil {
		err = csr.CheckSignature() // the token's signature, before the CA sees it
	}
	if err != nil {
		return fail(fmt.Errorf("key %s made a request whose signature does not verify: %w", keys.RedactURI(uri), err))
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	if a.out == "" {
		stdout.Write(block)
		return 0
	}
	if err := os.WriteFile(a.out, block, certFileMode); err != nil {
		return fail(err)
	}
	spki := sha256.Sum256(csr.RawSubjectPublicKeyInfo)
	fmt.Fprintf(stdout, "certificate request for %s (%s)\n  subject:      %s\n  public key SHA-256: %s\n  PEM:          %s\n",
		keys.RedactURI(uri), keyKind(signer.Public()), dn.String(csr.RawSubject), strings.ToUpper(hex.EncodeToString(spki[:])), a.out)
	return 0
}

// keyKind names a public key's algorithm and size.
func keyKind(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}
