package signing

import (
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
			fmt.Fprint(stdout, verify.Usage)
			fmt.Fprint(stdout, verifyExtraUsage)
			return 0
		default:
			pass = append(pass, a)
		}
	}
	req, code, ok := verify.ParseCLI(pass, stdout, stderr)
	if !ok {
		return code
	}
	rep, err := verify.VerifyFile(ctx, req)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
		return 2
	}
	if rep.Verdict != verify.Unsigned || rule.ExpectTwoLayers {
		CheckLayers(rep, rule)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "vanthu verify: %v\n", err)
			return 2
		}
	} else {
		printLayers(stdout, req.File, rep, rule.Agency)
	}
	if rep.Verdict == verify.Valid {
		return 0
	}
	return 1
}

func printLayers(w io.Writer, file string, r *verify.Report, agency []*x509.Certificate) {
	verify.PrintSummary(w, file, r, func(s verify.Signature) string {
		if s.SubFilter == "ETSI.RFC3161" {
			return "document timestamp"
		}
		return SignerRole(s.Signer, agency)
	})
}
