package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
)

// cliPKI is a development PKI made with `vanthu pki`: its directory, the
// root certificate file and the key files of the agency and an official.
type cliPKI struct {
	dir, root, agencyKey, officerKey string
}

// newCLIPKI runs `vanthu pki init`, `officer` and `root` in a new directory.
func newCLIPKI(t *testing.T, agency string) cliPKI {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	for _, args := range [][]string{
		{"pki", "init", "--dir", dir, "--agency", agency, "--org", "000.00.12.H13"},
		{"pki", "officer", "--dir", dir, "--user", "u1", "--name", "Nguyễn Văn Sĩ", "--title", "Chủ tịch"},
	} {
		if code, out, stderr := runCLI(t, nil, args...); code != 0 {
			t.Fatalf("vanthu %s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
	code, rootPEM, stderr := runCLI(t, nil, "pki", "root", "--dir", dir)
	if code != 0 {
		t.Fatalf("vanthu pki root: exit %d: %s", code, stderr)
	}
	root := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(root, []byte(rootPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	return cliPKI{dir: dir, root: root, agencyKey: filepath.Join(dir, "agency.pem"), officerKey: filepath.Join(dir, "officers", "u1.pem")}
}

// signArgsFor are the arguments of `vanthu sign` with the key file (which
// holds the chain too) as --key and --cert.
func signArgsFor(layer, keyFile string, extra ...string) []string {
	return append([]string{"sign", "--layer", layer, "--key", "file:" + keyFile, "--cert", keyFile}, extra...)
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSignCLI: `vanthu sign` applies each layer with the development PKI's
// keys, and refuses what it cannot sign with exit 2 and no output file.
func TestSignCLI(t *testing.T) {
	p := newCLIPKI(t, "UBND quận Bình Thủy")
	in := writeFile(t, "in.pdf", testpdf.Make(1, "Quyết định số 15"))
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name   string
		args   []string
		code   int
		output string // in stdout (code 0) or stderr
		file   string // written on success, absent on failure
		sigs   int    // signatures in file
	}{
		{"OK/officer", signArgsFor("officer", p.officerKey, "--title", "Chủ tịch", in, out("l1.pdf")), 0, "(officer layer) -> " + out("l1.pdf"), out("l1.pdf"), 1},
		{"OK/agency", signArgsFor("agency", p.agencyKey, "--number", "15", "--notation", "QĐ-UBND", "--place", "Bình Thủy", "--date", "2026-11-25", out("l1.pdf"), out("l2.pdf")), 0, "(agency layer)", out("l2.pdf"), 2},
		{"OK/attachment", signArgsFor("attachment", p.agencyKey, "--notation", "15/QĐ-UBND", in, out("att.pdf")), 0, "(attachment layer)", out("att.pdf"), 1},
		{"ErrAgencyOnUnsigned", signArgsFor("agency", p.agencyKey, "--notation", "1/QĐ-UBND", in, out("bad1.pdf")), 2, "layer 1", out("bad1.pdf"), 0},
		{"ErrLayer", signArgsFor("seal", p.agencyKey, in, out("bad2.pdf")), 2, "--layer must be officer, agency or attachment", out("bad2.pdf"), 0},
		{"ErrDate", signArgsFor("agency", p.agencyKey, "--date", "25/11/2026", out("l1.pdf"), out("bad3.pdf")), 2, "--date", out("bad3.pdf"), 0},
		{"ErrChainWithoutCertificate", signArgsFor("officer", p.officerKey, "--chain", in, in, out("bad4.pdf")), 2, "no certificate found", out("bad4.pdf"), 0},
		{"ErrKey", []string{"sign", "--layer", "officer", "--key", "file:" + out("none.pem"), "--cert", p.officerKey, in, out("bad5.pdf")}, 2, "load key file:", out("bad5.pdf"), 0},
		{"ErrMissingArguments", []string{"sign", "--layer", "officer"}, 2, "usage: vanthu sign", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tt.args...)
			text := stderr
			if code == 0 {
				text = stdout
			}
			if code != tt.code || !strings.Contains(text, tt.output) {
				t.Fatalf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, tt.code, tt.output, stdout, stderr)
			}
			if tt.file == "" {
				return
			}
			b, err := os.ReadFile(tt.file)
			if tt.sigs == 0 {
				if err == nil {
					t.Errorf("%s written by a failed sign", tt.file)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte("/ByteRange")); n != tt.sigs {
				t.Errorf("%d signatures in %s, want %d", n, tt.file, tt.sigs)
			}
		})
	}
}

// TestVerifyCLI: `vanthu verify` on files signed with `vanthu sign`: the
// verdicts, the Decree 30 layer rule, the exit codes and the usage.
func TestVerifyCLI(t *testing.T) {
	p := newCLIPKI(t, "UBND quận Bình Thủy")
	other := newCLIPKI(t, "UBND quận Khác")
	dir := t.TempDir()
	in := writeFile(t, "in.pdf", testpdf.Make(1, "QUYET DINH 15"))
	sign := func(name string, args ...string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		if code, _, stderr := runCLI(t, nil, append(args, out)...); code != 0 {
			t.Fatalf("vanthu sign %s: %s", name, stderr)
		}
		return out
	}
	l1 := sign("l1.pdf", signArgsFor("officer", p.officerKey, in)...)
	l2 := sign("l2.pdf", signArgsFor("agency", p.agencyKey, "--notation", "15/QĐ-UBND", l1)...)
	// The agency key applies layer 1 and the official's layer 2.
	wrong := sign("wrong.pdf", signArgsFor("agency", p.officerKey, "--notation", "15/QĐ-UBND", sign("w1.pdf", signArgsFor("officer", p.agencyKey, in)...))...)
	b, err := os.ReadFile(l2)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("QUYET DINH"))
	if i < 0 {
		t.Fatal("no text to flip in the signed file")
	}
	b[i+1] ^= 0x20
	flipped := writeFile(t, "flipped.pdf", b)
	garbage := writeFile(t, "garbage.pdf", []byte("hello"))

	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout []string
		stderr string
	}{
		{"OK/valid", []string{"--trust", p.root, l2}, nil, 0, []string{": VALID (2 signature(s)", "Signature 1 (official)", "Signature 2 (agency)", "chain:       trusted"}, ""},
		// Subjects with the attributes crypto/x509 writes as dotted numbers
		// (title, UID, organizationIdentifier) by their names (internal/dn).
		{"OK/subject attributes named", []string{"--trust", p.root, l2}, nil, 0, []string{"T=Chủ tịch", "UID=u1", "CN=Nguyễn Văn Sĩ",
			"organizationIdentifier=000.00.12.H13", "CN=UBND quận Bình Thủy"}, ""},
		{"OK/json subject attributes named", []string{"--trust", p.root, "--json", l2}, nil, 0, []string{`T=Chủ tịch`, `UID=u1`, `organizationIdentifier=000.00.12.H13`}, ""},
		{"OK/leading verify and flags after file", []string{"verify", l2, "--trust", p.root}, nil, 0, []string{"cryptographically valid"}, ""},
		{"OK/expect two layers", []string{"--expect-layers", "2", "--trust", p.root, l2}, nil, 0, []string{"VALID"}, ""},
		{"OK/expect any layers", []string{"--expect-layers=any", "--trust", p.root, l1}, nil, 0, []string{"VALID (1 signature(s)"}, ""},
		{"OK/agency certificate", []string{"--agency-cert", p.agencyKey, "--trust", p.root, l2}, nil, 0, []string{"Signature 2 (agency)"}, ""},
		{"OK/env trust anchors", []string{l2}, map[string]string{"VANTHU_TRUST_ANCHORS": p.root}, 0, []string{"VALID"}, ""},
		{"OK/json", []string{"--trust", p.root, "--json", l2}, nil, 0, []string{`"verdict": "valid"`}, ""},
		{"Invalid/layer 2 missing", []string{"--expect-layers", "2", "--trust", p.root, l1}, nil, 1, []string{"INVALID", "the agency signature (layer 2) is missing"}, ""},
		{"Invalid/wrong order", []string{"--trust", p.root, wrong}, nil, 1, []string{"INVALID", "layers in the wrong order"}, ""},
		{"Invalid/flipped byte", []string{"--trust", p.root, flipped}, nil, 1, []string{"INVALID", "the message digest does not match the signed byte ranges"}, ""},
		{"Indeterminate/untrusted", []string{"--trust", other.root, l2}, nil, 1, []string{"INDETERMINATE", "NOT trusted"}, ""},
		{"Indeterminate/no anchors", []string{l2}, nil, 1, []string{"no trust anchors"}, ""},
		{"Unsigned", []string{"--trust", p.root, in}, nil, 1, []string{"UNSIGNED (0 signature(s)"}, ""},
		{"Error/not a PDF", []string{garbage}, nil, 2, nil, "not a PDF"},
		{"Error/missing file", []string{filepath.Join(dir, "nope.pdf")}, nil, 2, nil, "no such file"},
		{"Error/no file", nil, nil, 2, nil, "usage: vanthu verify"},
		{"Error/two files", []string{l1, l2}, nil, 2, nil, "exactly one PDF file is needed"},
		{"Error/bad trust file", []string{"--trust", l2, l2}, nil, 2, nil, "trust anchors: no certificate in"},
		{"Error/unknown flag", []string{"--frobnicate", l2}, nil, 2, nil, "usage"},
		{"Error/expect three layers", []string{"--expect-layers", "3", l2}, nil, 2, nil, "--expect-layers takes 2 (or any)"},
		{"Error/agency certificate missing", []string{l2, "--agency-cert"}, nil, 2, nil, "--agency-cert needs a PEM file"},
		{"Error/agency certificate not PEM", []string{"--agency-cert", l2, l2}, nil, 2, nil, "--agency-cert: no certificate in"},
		{"Help", []string{"-h"}, nil, 0, []string{"Exit status: 0 valid; 1 invalid, indeterminate", "--expect-layers 2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.env, append([]string{"verify"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}

	t.Run("OK/json is the report with the layer rule", func(t *testing.T) {
		code, stdout, _ := runCLI(t, nil, "verify", "--json", "--expect-layers", "2", "--trust", p.root, l1)
		if code != 1 {
			t.Fatalf("exit %d", code)
		}
		var r verify.Report
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		if r.Verdict != verify.Invalid || len(r.Signatures) != 1 || !strings.Contains(strings.Join(r.Reasons, "\n"), "layer 2") {
			t.Errorf("report %+v", r)
		}
	})
}

// TestSignVerifyCLITimestamp: `vanthu sign --tsa` stamps each layer and
// `vanthu verify` shows the time-stamp of each.
func TestSignVerifyCLITimestamp(t *testing.T) {
	p := newCLIPKI(t, "UBND quận Bình Thủy")
	dev, err := keys.OpenDevPKI(p.dir, "UBND quận Bình Thủy", "000.00.12.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	root := dev.Issuer()
	tsa := testtsa.Start(t, root.Chain[0], root.Signer, root.Chain, time.Now)
	dir := t.TempDir()
	in := writeFile(t, "in.pdf", testpdf.Make(1, "Quyết định"))
	l1, l2 := filepath.Join(dir, "l1.pdf"), filepath.Join(dir, "l2.pdf")
	for _, args := range [][]string{
		signArgsFor("officer", p.officerKey, "--tsa", tsa.URL, in, l1),
		signArgsFor("agency", p.agencyKey, "--tsa", tsa.URL, "--notation", "15/QĐ-UBND", l1, l2),
	} {
		if code, _, stderr := runCLI(t, nil, args...); code != 0 {
			t.Fatalf("vanthu %s: %s", strings.Join(args, " "), stderr)
		}
	}
	if n := tsa.Requests.Load(); n != 2 {
		t.Errorf("TSA answered %d requests, want 2", n)
	}
	code, stdout, stderr := runCLI(t, nil, "verify", "--trust", p.root, l2)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if n := strings.Count(stdout, "by CN=Vanthu Test TSA (trusted: true)"); n != 2 {
		t.Errorf("%d trusted time-stamps shown, want 2:\n%s", n, stdout)
	}
}

// TestPrintVerifySummary: every part of a report has its line.
func TestPrintVerifySummary(t *testing.T) {
	r := &verify.Report{Verdict: verify.Invalid, Size: 1234, Reasons: []string{"Signature 1: revoked"}, Signatures: []verify.Signature{{
		Index: 0, Field: "Sig1",
		Signer: &verify.Certificate{Subject: "CN=A", Issuer: "CN=Root", Serial: "1F", NotBefore: "2026-01-01", NotAfter: "2028-01-01", KeyUsage: []string{"digitalSignature"}, ExtKeyUsage: []string{"emailProtection"}},
		Name:   "A", Reason: "approve", Location: "Cần Thơ",
		SigningTime:    "2026-11-25T10:00:00+07:00",
		Timestamp:      &verify.Timestamp{Time: "2026-11-25T03:00:00Z", Authority: "CN=TSA", Trusted: true},
		ValidationTime: "2026-11-25T03:00:00Z", ValidationTimeSource: "timestamp",
		Revocation:   &verify.Revocation{Status: "revoked", Source: "embedded", Kind: "ocsp", ThisUpdate: "2026-11-26T00:00:00Z", RevokedAt: "2026-11-24T00:00:00Z", Reason: "keyCompromise"},
		ChainError:   "x509: unknown authority",
		ByteRange:    []int64{0, 10, 20, 30},
		LaterChanges: []verify.Change{{Allowed: true}, {Allowed: false}, {Allowed: false}},
		Errors:       []string{"certificate revoked"},
		Warnings:     []string{"no /M"},
	}, {Index: 1, Field: "DocTS", SubFilter: "ETSI.RFC3161", ChainTrusted: true, SignatureValid: true}}}
	var w bytes.Buffer
	printVerifySummary(&w, "x.pdf", r, func(s verify.Signature) string { return "role of " + s.Field })
	for _, want := range []string{
		"x.pdf: INVALID (2 signature(s), 1234 bytes)",
		`Signature 1 (role of Sig1), field "Sig1"`,
		"  signer:      CN=A\n  issuer:      CN=Root (serial 1F)\n  valid:       2026-01-01 to 2028-01-01, key usage digitalSignature\n",
		"  ext. usage:  emailProtection\n",
		"  name:        A; reason: approve; location: Cần Thơ\n",
		"  signed at:   2026-11-25T10:00:00+07:00 (claimed)\n",
		"  timestamp:   2026-11-25T03:00:00Z by CN=TSA (trusted: true)\n",
		"  judged at:   2026-11-25T03:00:00Z (timestamp)\n",
		"  revocation:  revoked, embedded ocsp of 2026-11-26T00:00:00Z; revoked at 2026-11-24T00:00:00Z (keyCompromise)\n",
		"  chain:       NOT trusted: x509: unknown authority\n  signature:   NOT valid\n  byte range:  [0 10 20 30] (whole file: false)\n",
		"  later:       1 allowed change(s), 2 forbidden\n",
		"  ERROR:       certificate revoked\n",
		"  WARNING:     no /M\n",
		`Signature 2 (role of DocTS), field "DocTS"` + "\n  chain:       trusted\n  signature:   cryptographically valid\n",
		"\nReasons:\n  - Signature 1: revoked\n",
	} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, w.String())
		}
	}
}
