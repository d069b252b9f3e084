package verify

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

// Usage is the help text of `vanthu verify`.
const Usage = verifyUsage

// CLIRequest is what the arguments of `vanthu verify` ask for: the file to
// verify, the options for Verify and whether to print JSON.
type CLIRequest struct {
	File    string
	JSON    bool
	Options Options
}

// ParseCLI parses the arguments of `vanthu verify` (after "verify"; a
// leading "verify" is tolerated) and loads the trust anchors. When ok is
// false the command is over: the usage or the error has been written to
// stdout or stderr, and code is the exit status (0 for -h, 2 otherwise).
func ParseCLI(args []string, stdout, stderr io.Writer) (req CLIRequest, code int, ok bool) {
	if len(args) > 0 && args[0] == "verify" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	trust := fs.String("trust", os.Getenv("VANTHU_TRUST_ANCHORS"), "")
	asJSON := fs.Bool("json", false, "")
	online := fs.Bool("online", false, "")
	// Allow flags after the file name too.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, verifyUsage)
				return req, 0, false
			}
			fmt.Fprintf(stderr, "vanthu verify: %v\n\n%s", err, verifyUsage)
			return req, 2, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "vanthu verify: exactly one PDF file is needed\n\n%s", verifyUsage)
		return req, 2, false
	}
	req.File, req.JSON = files[0], *asJSON
	if *online {
		req.Options.Fetcher = HTTPFetcher{Timeout: 5 * time.Second}
	}
	if *trust != "" {
		pem, err := os.ReadFile(*trust)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu verify: trust anchors: %v\n", err)
			return req, 2, false
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintf(stderr, "vanthu verify: trust anchors: no certificate in %s\n", *trust)
			return req, 2, false
		}
		req.Options.Roots = pool
	}
	return req, 0, true
}

// VerifyFile reads req.File and verifies it. A file that cannot be read or
// is not a PDF is an error (exit status 2 for a CLI).
func VerifyFile(ctx context.Context, req CLIRequest) (*Report, error) {
	pdf, err := os.ReadFile(req.File)
	if err != nil {
		return nil, err
	}
	rep, err := Verify(ctx, pdf, req.Options)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.File, err)
	}
	return rep, nil
}

// RunVerifyCLI implements `vanthu verify` without the Decree 30 layer rule
// (signing.RunVerifyCLI adds it). args are the arguments after "verify" (a
// leading "verify" is tolerated).
func RunVerifyCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	req, code, ok := ParseCLI(args, stdout, stderr)
	if !ok {
		return code
	}
	rep, err := VerifyFile(ctx, req)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
		return 2
	}
	if req.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
			return 2
		}
	} else {
		printSummary(stdout, req.File, rep)
	}
	if rep.Verdict == Valid {
		return 0
	}
	return 1
}

func printSummary(w io.Writer, file string, r *Report) { PrintSummary(w, file, r, nil) }

// PrintSummary writes a readable summary of r. role, when not nil, names
// each signature's role (e.g. "official", "agency") in its heading.
func PrintSummary(w io.Writer, file string, r *Report, role func(Signature) string) {
	fmt.Fprintf(w, "%s: %s (%d signature(s), %d bytes)\n", file, strings.ToUpper(r.Verdict), len(r.Signatures), r.Size)
	for _, s := range r.Signatures {
		if role != nil {
			fmt.Fprintf(w, "\nSignature %d (%s), field %q\n", s.Index+1, role(s), s.Field)
		} else {
			fmt.Fprintf(w, "\nSignature %d, field %q\n", s.Index+1, s.Field)
		}
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
		if rv := s.Revocation; rv != nil {
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
			fmt.Fprintf(w, "  revocation:  %s\n", line)
		}
		trust := "trusted"
		if !s.ChainTrusted {
			trust = "NOT trusted: " + s.ChainError
		}
		fmt.Fprintf(w, "  chain:       %s\n  signature:   %s\n  byte range:  %v (whole file: %v)\n",
			trust, map[bool]string{true: "cryptographically valid", false: "NOT valid"}[s.SignatureValid], s.ByteRange, s.CoversWholeFile)
		allowed, forbidden := 0, 0
		for _, c := range s.LaterChanges {
			if c.Allowed {
				allowed++
			} else {
				forbidden++
			}
		}
		if len(s.LaterChanges) > 0 {
			fmt.Fprintf(w, "  later:       %d allowed change(s), %d forbidden\n", allowed, forbidden)
		}
		for _, e := range s.Errors {
			fmt.Fprintf(w, "  ERROR:       %s\n", e)
		}
		for _, e := range s.Warnings {
			fmt.Fprintf(w, "  WARNING:     %s\n", e)
		}
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintln(w, "\nReasons:")
		for _, x := range r.Reasons {
			fmt.Fprintf(w, "  - %s\n", x)
		}
	}
}
