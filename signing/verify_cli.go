package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
)

const verifyExtraUsage = `
Decree 30 layer checks (added by the signing package):
  --expect-layers 2   the file is an issued outgoing document: it must carry
                      the official's signature (layer 1) and then the
                      agency's (layer 2); a missing layer makes it invalid
  --agency-cert PEM   certificates that are the agency's (by issuer and
                      serial); without it the agency is recognised by a
                      subject whose CN equals its O
The order rule (the agency signs last) is always applied.
`

// RunVerifyCLI is `vanthu verify` with the Decree 30 layer rule on top of
// signing/verify's report (see CheckLayers): it accepts every flag of
// verify.RunVerifyCLI plus --expect-layers 2 and --agency-cert PEM. Exit 0
// valid; 1 invalid, indeterminate or unsigned; 2 usage or read error.
func RunVerifyCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "verify" {
		args = args[1:]
	}
	var rule LayerRule
	var pass []string
	asJSON := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			pass = append(pass, a)
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
				return 2
			}
			rule.ExpectTwoLayers = v == "2"
		case "agency-cert":
			v, ok := value()
			if !ok {
				fmt.Fprintf(stderr, "vanthu verify: --agency-cert needs a PEM file\n")
				return 2
			}
			b, err := os.ReadFile(v)
			if err != nil {
				fmt.Fprintf(stderr, "vanthu verify: --agency-cert: %v\n", err)
				return 2
			}
			certs, err := keys.ParseCertificatesPEM(b)
			if err != nil || len(certs) == 0 {
				fmt.Fprintf(stderr, "vanthu verify: --agency-cert: no certificate in %s\n", v)
				return 2
			}
			rule.Agency = append(rule.Agency, certs...)
		case "json":
			asJSON = !hasVal || val == "true"
		case "h", "help":
			code := verify.RunVerifyCLI(ctx, []string{"-h"}, stdout, stderr)
			fmt.Fprint(stdout, verifyExtraUsage)
			return code
		default:
			pass = append(pass, a)
		}
	}
	var js bytes.Buffer
	code := verify.RunVerifyCLI(ctx, append(pass, "--json"), &js, stderr)
	if code == 2 {
		return code
	}
	var rep verify.Report
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		fmt.Fprintf(stderr, "vanthu verify: report: %v\n", err)
		return 2
	}
	if rep.Verdict != verify.Unsigned || rule.ExpectTwoLayers {
		CheckLayers(&rep, rule)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(&rep); err != nil {
			fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
			return 2
		}
	} else {
		printLayers(stdout, fileArg(pass), &rep, rule.Agency)
	}
	if rep.Verdict == verify.Valid {
		return 0
	}
	return 1
}

// fileArg is the first argument that is neither a flag nor a flag's value.
func fileArg(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--trust" || a == "-trust" {
			i++
			continue
		}
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

func printLayers(w io.Writer, file string, r *verify.Report, agency []*x509.Certificate) {
	fmt.Fprintf(w, "%s: %s (%d signature(s), %d bytes)\n", file, strings.ToUpper(r.Verdict), len(r.Signatures), r.Size)
	for _, s := range r.Signatures {
		role := SignerRole(s.Signer, agency)
		if s.SubFilter == "ETSI.RFC3161" {
			role = "document timestamp"
		}
		fmt.Fprintf(w, "\nSignature %d (%s), field %q\n", s.Index+1, role, s.Field)
		if s.Signer != nil {
			fmt.Fprintf(w, "  signer:      %s\n  issuer:      %s (serial %s)\n  valid:       %s to %s, key usage %s\n",
				s.Signer.Subject, s.Signer.Issuer, s.Signer.Serial, s.Signer.NotBefore, s.Signer.NotAfter, strings.Join(s.Signer.KeyUsage, ", "))
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
	}
	if len(r.Reasons) > 0 {
		fmt.Fprintln(w, "\nReasons:")
		for _, x := range r.Reasons {
			fmt.Fprintf(w, "  - %s\n", x)
		}
	}
}
