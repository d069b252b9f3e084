package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestComposeHasNoDefaultSecrets: docker-compose.yml gives no variable a
// default (${VAR:-x} / ${VAR-x}), mentions no change-me secret, runs
// vanthu with VANTHU_ENV=production, and .env.example lists every variable
// it uses. Before: POSTGRES_PASSWORD fell back to change-me-postgres and
// MINIO_ROOT_PASSWORD to change-me-minio-secret.
func TestComposeHasNoDefaultSecrets(t *testing.T) {
	compose, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	c := string(compose)
	if strings.Contains(strings.ToLower(c), "change-me") {
		t.Error("docker-compose.yml still has a change-me secret")
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)`).FindAllStringSubmatch(c, -1) {
		t.Errorf("docker-compose.yml gives ${%s} a default (%s): use ${%s:?message}", m[1], m[2], m[1])
	}
	if !regexp.MustCompile(`(?m)^\s*VANTHU_ENV:\s*"?production"?\s*$`).MatchString(c) {
		t.Error("docker-compose.yml does not set VANTHU_ENV: production")
	}
	vars := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)`).FindAllStringSubmatch(c, -1) {
		vars[m[1]] = true
	}
	for v := range vars {
		if !regexp.MustCompile(`(?m)^` + v + `=\S`).Match(example) {
			t.Errorf(".env.example does not list %s", v)
		}
	}
}

// TestComposeConfig runs `docker compose config` (or docker-compose
// config) with .env.example as .env: the file must validate; without
// .env compose must refuse, naming a missing variable. Skipped when
// neither tool is installed.
func TestComposeConfig(t *testing.T) {
	var argv []string
	if p, err := exec.LookPath("docker-compose"); err == nil {
		argv = []string{p}
	} else if p, err := exec.LookPath("docker"); err == nil && exec.Command(p, "compose", "version").Run() == nil {
		argv = []string{p, "compose"}
	} else {
		t.Skip("neither docker-compose nor the docker compose plugin is installed")
	}
	dir := t.TempDir()
	for _, f := range []string{"docker-compose.yml", ".env.example"} {
		b, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config := func() (string, error) {
		cmd := exec.Command(argv[0], append(argv[1:], "config")...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := config(); err == nil || !strings.Contains(out, "set ") {
		t.Fatalf("config without .env: %v\n%s\nwant a refusal naming the missing variable", err, out)
	}
	if err := os.Rename(filepath.Join(dir, ".env.example"), filepath.Join(dir, ".env")); err != nil {
		t.Fatal(err)
	}
	out, err := config()
	if err != nil {
		t.Fatalf("config with .env.example as .env: %v\n%s", err, out)
	}
	for _, want := range []string{"VANTHU_ENV: production", "replace-with-a-long-random-password", "/run/vanthu:ro"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q", want)
		}
	}
}
