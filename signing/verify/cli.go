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

// RunVerifyCLI implements `vanthu verify`. args are the arguments after
// "verify" (a leading "verify" is tolerated).
func RunVerifyCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
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
				return 0
			}
			fmt.Fprintf(stderr, "vanthu verify: %v\n\n%s", err, verifyUsage)
			return 2
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
		return 2
	}
	var opts Options
	if *online {
		opts.Fetcher = HTTPFetcher{Timeout: 5 * time.Second}
	}
	if *trust != "" {
		pem, err := os.ReadFile(*trust)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu verify: trust anchors: %v\n", err)
			return 2
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintf(stderr, "vanthu verify: trust anchors: no certificate in %s\n", *trust)
			return 2
		}
		opts.Roots = pool
	}
	pdf, err := os.ReadFile(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
		return 2
	}
	rep, err := Verify(ctx, pdf, opts)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu verify: %s: %v\n", files[0], err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
			return 2
		}
	} else {
		printSummary(stdout, files[0], rep)
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
