package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
)

const verifyUsage = `usage: vanthu verify [--trust PEM] [--online] [--json] file.pdf

Validates every signature of a PDF: certificate, chain to the trust anchors,
the signature over its byte range, timestamp, and what the incremental
updates after each signature changed (page content or pages changed after
signing makes the document invalid).

  --trust PEM   trust anchors (PEM bundle of root certificates); default
                $VANTHU_TRUST_ANCHORS. Without anchors no signature can be
                more than "indeterminate".
  --online      fetch revocation data (OCSP, else CRL; 5 s per request) for
                signer certificates whose status the document's /DSS does
                not give; default offline: such a signature is
                "indeterminate" (no revocation data)
  --json        print the full report as JSON instead of a summary

Exit status: 0 valid; 1 invalid, indeterminate (intact but not trusted) or
unsigned (no signature) - anything short of "valid"; 2 usage error or a file
that cannot be read or is not a PDF.
`

const verifyLayersUsage = `
Decree 30 layer checks (added by the signing package):
  --expect-layers 2   the file is an issued outgoing document: it must carry
                      the official's signature (layer 1) and then the
                      agency's (layer 2); a missing layer makes it invalid
  --agency-cert PEM   certificates that are the agency's (by issuer and
                      serial); without it the agency is recognised by a
                      subject whose CN equals its O
The order rule (the agency signs last) is always applied.
`

// verifyArgs are the arguments of `vanthu verify`.
type verifyArgs struct {
	file string
	json bool
	opts verify.Options
	rule signing.LayerRule
}

// verifyCmd implements `vanthu verify`: signing/verify's report with the
// Decree 30 layer rule on top (signing.CheckLayers). Exit 0 valid; 1
// invalid, indeterminate or unsigned; 2 usage or read error.
func verifyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a, code, ok := parseVerifyArgs(args, getenv, stdout, stderr)
	if !ok {
		return code
	}
	rep, err := verify.VerifyFile(ctx, a.file, a.opts)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
		return 2
	}
	if rep.Verdict != verify.Unsigned || a.rule.ExpectTwoLayers {
		signing.CheckLayers(rep, a.rule)
	}
	if a.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
			return 2
		}
	} else {
		printVerifySummary(stdout, a.file, rep, func(s verify.Signature) string {
			if s.SubFilter == "ETSI.RFC3161" {
				return "document timestamp"
			}
			return signing.SignerRole(s.Signer, a.rule.Agency)
		})
	}
	if rep.Verdict == verify.Valid {
		return 0
	}
	return 1
}

// parseVerifyArgs parses the arguments (a leading "verify" is tolerated):
// first the layer flags and --json, anywhere, then the verifier's flags
// before or after the file. When ok is false the command is over: the
// usage or the error has been written, and code is the exit status (0 for
// -h, 2 otherwise).
func parseVerifyArgs(args []string, getenv func(string) string, stdout, stderr io.Writer) (a verifyArgs, code int, ok bool) {
	if len(args) > 0 && args[0] == "verify" {
		args = args[1:]
	}
	rest, code, ok := a.layerFlags(args, stdout, stderr)
	if !ok {
		return a, code, false
	}
	code, ok = a.verifierFlags(rest, getenv, stdout, stderr)
	return a, code, ok
}

// layerFlags takes --expect-layers, --agency-cert, --json and -h out of
// args and returns the rest.
func (a *verifyArgs) layerFlags(args []string, stdout, stderr io.Writer) (rest []string, code int, ok bool) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") {
			rest = append(rest, arg)
			continue
		}
		value := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		switch name {
		case "expect-layers":
			v, ok := value()
			if !ok || (v != "2" && v != "any") {
				fmt.Fprintf(stderr, "vanthu verify: --expect-layers takes 2 (or any)\n")
				return nil, 2, false
			}
			a.rule.ExpectTwoLayers = v == "2"
		case "agency-cert":
			v, ok := value()
			if !ok {
				fmt.Fprintf(stderr, "vanthu verify: --agency-cert needs a PEM file\n")
				return nil, 2, false
			}
			certs, err := readAgencyCerts(v)
			if err != nil {
				fmt.Fprintf(stderr, "vanthu verify: --agency-cert: %v\n", err)
				return nil, 2, false
			}
			a.rule.Agency = append(a.rule.Agency, certs...)
		case "json":
			a.json = !hasVal || val == "true"
		case "h", "help":
			fmt.Fprint(stdout, verifyUsage+verifyLayersUsage)
			return nil, 0, false
		default:
			rest = append(rest, arg)
		}
	}
	return rest, 0, true
}

// readAgencyCerts reads the certificates of --agency-cert.
func readAgencyCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := keys.ParseCertificatesPEM(b)
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("no certificate in %s", path)
	}
	return certs, nil
}

// verifierFlags parses --trust and --online (flags may follow the file)
// and loads the trust anchors; code and ok as parseVerifyArgs's.
func (a *verifyArgs) verifierFlags(args []string, getenv func(string) string, stdout, stderr io.Writer) (code int, ok bool) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	trust := fs.String("trust", getenv("VANTHU_TRUST_ANCHORS"), "")
	online := fs.Bool("online", false, "")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, verifyUsage)
				return 0, false
			}
			fmt.Fprintf(stderr, "vanthu verify: %v\n\n%s", err, verifyUsage)
			return 2, false
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "vanthu verify: exactly one PDF file is needed\n\n%s", verifyUsage)
		return 2, false
	}
	a.file = files[0]
	if *online {
		a.opts.Fetcher = verify.HTTPFetcher{Timeout: 5 * time.Second}
	}
	if *trust != "" {
		pool, err := readTrustAnchors(*trust)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu verify: trust anchors: %v\n", err)
			return 2, false
		}
		a.opts.Roots = pool
	}
	return 0, true
}

// readTrustAnchors reads a PEM bundle of root certificates.
func readTrustAnchors(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", path)
	}
	return pool, nil
}

// printVerifySummary writes a readable summary of r; role names each
// signature's role (e.g. "official", "agency") in its heading.
func printVerifySummary(w io.Writer, file string, r *verify.Report, role func(verify.Signature) string) {
	fmt.Fprintf(w, "%s: %s (%d signature(s), %d bytes)\n", file, strings.ToUpper(r.Verdict), len(r.Signatures), r.Size)
	for _, s := range r.Signatures {
		fmt.Fprintf(w, "\nSignature %d (%s), field %q\n", s.Index+1, role(s), s.Field)
		printSignature(w, s)
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintln(w, "\nReasons:")
		for _, x := range r.Reasons {
			fmt.Fprintf(w, "  - %s\n", x)
		}
	}
}

// printSignature writes the lines of one signature under its heading.
func printSignature(w io.Writer, s verify.Signature) {
	if s.Signer != nil {
		fmt.Fprintf(w, "  signer:      %s\n  issuer:      %s (serial %s)\n  valid:       %s to %s, key usage %s\n",
			s.Signer.Subject, s.Signer.Issuer, s.Signer.Serial, s.Signer.NotBefore, s.Signer.NotAfter, strings.Join(s.Signer.KeyUsage, ", "))
		if len(s.Signer.ExtKeyUsage) > 0 {
			fmt.Fprintf(w, "  ext. usage:  %s\n", strings.Join(s.Signer.ExtKeyUsage, ", "))
		}
	}
	if s.Name != "" || s.Reason != "" || s.Location != "" {
		fmt.Fprintf(w, "  name:        %s; reason: %s; location: %s\n", s.Name, s.Reason, s.Location)
	}
	if s.SigningTime != "" {
		fmt.Fprintf(w, "  signed at:   %s (claimed)\n", s.SigningTime)
	}
	if s.Timestamp != nil {
		fmt.Fprintf(w, "  timestamp:   %s by %s (trusted: %v)\n", s.Timestamp.Time, s.Timestamp.Authority, s.Timestamp.Trusted)
	}
	if s.ValidationTime != "" {
		fmt.Fprintf(w, "  judged at:   %s (%s)\n", s.ValidationTime, s.ValidationTimeSource)
	}
	if s.Revocation != nil {
		fmt.Fprintf(w, "  revocation:  %s\n", revocationLine(s.Revocation))
	}
	trust := "trusted"
	if !s.ChainTrusted {
		trust = "NOT trusted: " + s.ChainError
	}
	fmt.Fprintf(w, "  chain:       %s\n  signature:   %s\n  byte range:  %v (whole file: %v)\n",
		trust, map[bool]string{true: "cryptographically valid", false: "NOT valid"}[s.SignatureValid], s.ByteRange, s.CoversWholeFile)
	allowed := 0
	for _, c := range s.LaterChanges {
		if c.Allowed {
			allowed++
		}
	}
	if len(s.LaterChanges) > 0 {
		fmt.Fprintf(w, "  later:       %d allowed change(s), %d forbidden\n", allowed, len(s.LaterChanges)-allowed)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "  ERROR:       %s\n", e)
	}
	for _, e := range s.Warnings {
		fmt.Fprintf(w, "  WARNING:     %s\n", e)
	}
}

// revocationLine is "good, embedded ocsp of T" or "revoked, ...; revoked
// at T (reason)".
func revocationLine(rv *verify.Revocation) string {
	line := rv.Status + ", " + rv.Source
	if rv.Kind != "" {
		line += " " + rv.Kind
	}
	if rv.ThisUpdate != "" {
		line += " of " + rv.ThisUpdate
	}
	if rv.RevokedAt != "" {
		line += "; revoked at " + rv.RevokedAt
		if rv.Reason != "" {
			line += " (" + rv.Reason + ")"
		}
	}
	return line
}
