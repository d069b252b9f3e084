package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunVerifyCLI(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	trust := write("roots.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fx.ca.cert.Raw}))
	other := write("other.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fx.other.cert.Raw}))
	valid := write("valid.pdf", fx.twoLayers)
	forged := write("forged.pdf", forgeContent(t, fx.twoLayers))
	unsigned := write("unsigned.pdf", basePDF())
	garbage := write("garbage.pdf", []byte("hello"))
	t.Setenv("VANTHU_TRUST_ANCHORS", "")

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"OK/valid", []string{"--trust", trust, valid}, 0, "VALID (2 signature(s)", ""},
		{"OK/leading verify and flags after file", []string{"verify", valid, "--trust", trust}, 0, "cryptographically valid", ""},
		{"OK/json", []string{"--trust", trust, "--json", valid}, 0, `"verdict": "valid"`, ""},
		{"Invalid/forged", []string{"--trust", trust, forged}, 1, "page content was changed after signing", ""},
		{"Indeterminate/untrusted", []string{"--trust", other, valid}, 1, "INDETERMINATE", ""},
		{"Indeterminate/no anchors", []string{valid}, 1, "no trust anchors", ""},
		{"Unsigned", []string{"--trust", trust, unsigned}, 1, "UNSIGNED", ""},
		{"Error/not a PDF", []string{garbage}, 2, "", "not a PDF"},
		{"Error/missing file", []string{filepath.Join(dir, "nope.pdf")}, 2, "", "no such file"},
		{"Error/no file", nil, 2, "", "usage: vanthu verify"},
		{"Error/bad trust file", []string{"--trust", valid, valid}, 2, "", "no certificate"},
		{"Error/unknown flag", []string{"--frobnicate", valid}, 2, "", "usage"},
		{"Help", []string{"-h"}, 0, "Exit status: 0 valid; 1 invalid, indeterminate", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := RunVerifyCLI(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out.String())
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errb.String())
			}
		})
	}

	t.Run("OK/json is the report", func(t *testing.T) {
		var out bytes.Buffer
		if code := RunVerifyCLI(context.Background(), []string{"--json", "--trust", trust, forged}, &out, &out); code != 1 {
			t.Fatalf("exit %d", code)
		}
		var r Report
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Verdict != Invalid || len(r.Signatures) != 2 || r.Signatures[1].LaterChanges[0].Kind == "" {
			t.Errorf("report %+v", r)
		}
	})
	t.Run("OK/env trust anchors", func(t *testing.T) {
		t.Setenv("VANTHU_TRUST_ANCHORS", trust)
		var out bytes.Buffer
		if code := RunVerifyCLI(context.Background(), []string{valid}, &out, &out); code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
	})
}
