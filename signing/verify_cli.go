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
	verify.PrintSummary(w, file, r, func(s verify.Signature) string {
		if s.SubFilter == "ETSI.RFC3161" {
			return "document timestamp"
		}
		return SignerRole(s.Signer, agency)
	})
}
