package client_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedClientIsFresh regenerates the client from api/openapi.yaml
// into a temporary directory (as `go generate ./client/` does) and fails
// when client.gen.go differs: run `go generate ./client/`.
func TestGeneratedClientIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds oapi-codegen")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "client.gen.go")
	cfg, err := os.ReadFile("cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The same configuration, writing elsewhere (its output setting wins
	// over the -o flag).
	cfg = bytes.Replace(cfg, []byte("\noutput: client.gen.go\n"), []byte("\noutput: "+out+"\n"), 1)
	if !bytes.Contains(cfg, []byte(out)) {
		t.Fatal("cfg.yaml has no line output: client.gen.go")
	}
	if err := os.WriteFile(filepath.Join(dir, "cfg.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", filepath.Join(dir, "cfg.yaml"), "../api/openapi.yaml")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, kept) {
		t.Fatalf("client/client.gen.go is stale (%d bytes, regenerated %d): run `go generate ./client/`", len(kept), len(fresh))
	}
}
