package verify

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerifyFile(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := write("valid.pdf", fx.twoLayers)
	forged := write("forged.pdf", forgeContent(t, fx.twoLayers))
	garbage := write("garbage.pdf", []byte("hello"))
	missing := filepath.Join(dir, "nope.pdf")
	opts := Options{Roots: fx.ca.pool}

	tests := []struct {
		name    string
		path    string
		verdict string
		err     string // in the error; "" = none
	}{
		{"OK/valid", valid, Valid, ""},
		{"Invalid/forged", forged, Invalid, ""},
		{"Error/not a PDF names the file", garbage, "", garbage + ": "},
		{"Error/missing file", missing, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := VerifyFile(context.Background(), tt.path, opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tt.verdict || len(rep.Signatures) != 2 {
				t.Errorf("verdict %s with %d signatures, want %s with 2: %v", rep.Verdict, len(rep.Signatures), tt.verdict, rep.Reasons)
			}
		})
	}
	if _, err := VerifyFile(context.Background(), missing, opts); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}
