package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerStage is one FROM ... stage of a Dockerfile.
type dockerStage struct {
	from, name string
	env        map[string]string
	runs       []string
	copies     []string // COPY lines, verbatim after "COPY "
}

// parseDockerfile reads the instructions this project's Dockerfile uses
// (FROM, ENV k=v..., RUN, COPY), joining continuation lines.
func parseDockerfile(t *testing.T, path string) []*dockerStage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		if cur+l != "" {
			lines = append(lines, cur+l)
		}
		cur = ""
	}
	var stages []*dockerStage
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		if strings.EqualFold(instr, "FROM") {
			f := strings.Fields(rest)
			s := &dockerStage{from: f[0], env: map[string]string{}}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %q before FROM", path, l)
		}
		s := stages[len(stages)-1]
		switch strings.ToUpper(instr) {
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("%s: ENV %q: use ENV KEY=VALUE", path, rest)
				}
				s.env[k] = strings.Trim(v, `"`)
			}
		case "RUN":
			s.runs = append(s.runs, rest)
		case "COPY":
			s.copies = append(s.copies, rest)
		}
	}
	return stages
}

// TestDockerfileBuild runs the Dockerfile's build command (the RUN of the
// build stage that makes the binary the runtime stage copies) with that
// stage's ENV, writing the binary to a temporary directory instead of
// /out, and starts the result. No Docker engine is needed: it checks what
// the image build would do. Before the fix the RUN line was
// "CGO_ENABLED=0 go build ...", which does not compile (crypto11 needs cgo).
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary (slow); not in -short")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(stages))
	}
	final := stages[len(stages)-1]
	// The runtime stage copies the binary out of the build stage.
	var build *dockerStage
	var binPath string
	copyRe := regexp.MustCompile(`^--from=(\S+)\s+(\S+)\s+(\S+)$`)
	for _, c := range final.copies {
		if m := copyRe.FindStringSubmatch(c); m != nil && strings.HasSuffix(m[3], "/vanthu") {
			for _, s := range stages {
				if s.name == m[1] {
					build, binPath = s, m[2]
				}
			}
		}
	}
	if build == nil {
		t.Fatalf("the runtime stage copies no vanthu binary from a named build stage: %q", final.copies)
	}
	var cmds []string
	for _, r := range build.runs {
		if strings.Contains(r, binPath) {
			cmds = append(cmds, r)
		}
	}
	if len(cmds) != 1 {
		t.Fatalf("want exactly one RUN in stage %s that writes %s, have %q", build.name, binPath, cmds)
	}
	if !strings.Contains(cmds[0], "scripts/build-release.sh") {
		t.Errorf("the build RUN %q does not call scripts/build-release.sh (the one build command, shared with this test)", cmds[0])
	}
	for _, s := range stages {
		for _, r := range s.runs {
			if strings.Contains(r, "go build") {
				t.Errorf("stage %s runs go build directly (%q): keep the build command in scripts/build-release.sh", s.name, r)
			}
		}
	}
	// The runtime image must carry glibc for the cgo binary.
	if f := final.from; f == "scratch" || strings.Contains(f, "alpine") || strings.Contains(f, "distroless/static") {
		t.Errorf("runtime image %s has no glibc; the PKCS#11-capable binary needs it", f)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "vanthu")
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(cmds[0], binPath, bin))
	cmd.Dir = root
	cmd.Env = os.Environ()
	for k, v := range build.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build command failed: %v\n%s", err, out)
	}

	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "1" {
		t.Errorf("binary built with CGO_ENABLED=%q, want 1 (PKCS#11)", settings["CGO_ENABLED"])
	}
	hasP11 := false
	for _, d := range bi.Deps {
		hasP11 = hasP11 || d.Path == "github.com/miekg/pkcs11"
	}
	if !hasP11 {
		t.Error("binary does not contain github.com/miekg/pkcs11")
	}
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := ef.ImportedLibraries()
	ef.Close()
	if !strings.Contains(strings.Join(libs, " "), "libc.so") {
		t.Errorf("binary does not link libc (imports %q): no cgo, no PKCS#11", libs)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "vanthu") {
		t.Fatalf("vanthu --help: %v\n%s", err, out)
	}
}
