package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeSection returns the text of README.md's "## name" section, up to
// the next section of the same level.
func readmeSection(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## "+name+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", "## "+name)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	return section
}

// TestReadmeDocumentsEveryVariable: every setting of serve has a row in
// the README's configuration table, and the row gives its real default
// (`value`, or empty). That every row names a variable the code reads is
// internal/conventions' TestReadmeConfigTableMatchesCode.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	section := readmeSection(t, "Configuration")
	row := regexp.MustCompile("(?m)^\\| `(VANTHU_[A-Z0-9_]+)` \\| ([^|]*) \\|")
	table := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		table[m[1]] = strings.TrimSpace(m[2])
	}
	settings := (&Config{}).settings()
	if len(table) < len(settings)/2 {
		t.Fatalf("found %d rows in README's configuration table: the test does not read it", len(table))
	}
	for _, s := range settings {
		got, ok := table[s.env]
		if !ok {
			t.Errorf("README.md's configuration table has no row for %s", s.env)
			continue
		}
		want := "empty"
		if s.def != "" {
			want = "`" + s.def + "`"
		}
		if got != want {
			t.Errorf("README.md gives %s the default %s; the code's is %s", s.env, got, want)
		}
	}
}

// cliHelp is what the binary says about its commands: every command path
// ("serve", "pki init") its help texts name, and the flags each path's
// help shows.
type cliHelp struct {
	paths map[string]bool
	flags map[string]map[string]bool // path -> flag names, without dashes
	// defined are the flags a path's "-h" lists as Go's flag package
	// prints them ("  -name type"): the ones its flag set defines.
	defined map[string]map[string]bool
	// config are those of them that are serve's settings (their
	// description names the variable: "(VANTHU_ADDR)"), which the
	// configuration table documents.
	config map[string]map[string]bool
}

var (
	// cmdLine matches "vanthu CMD" or "vanthu CMD SUB|SUB" as help texts
	// write them (one space between the words).
	cmdLine    = regexp.MustCompile(`vanthu ([a-z][a-z-]*)(?: ([a-z][a-z|-]*))?`)
	flagToken  = regexp.MustCompile(`(?:^|[\s\[(|])--?([a-z][a-z0-9-]*)`)
	flagDefine = regexp.MustCompile(`(?m)^  --?([a-z][a-z0-9-]*)`)
	// flagBlock is a flag as Go's flag package prints it: its line, then
	// its description's lines, indented by four spaces.
	flagBlock = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)[^\n]*\n((?:    [^\n]*\n)*)`)
)

// helpOf runs vanthu with args in a temporary data directory and returns
// what it printed, whatever its exit code.
func helpOf(t *testing.T, dir string, args ...string) string {
	t.Helper()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_PKI_DIR": dir + "/pki"}
	var out bytes.Buffer
	run(context.Background(), args, func(k string) string { return env[k] }, &out, &out)
	return out.String()
}

// paths adds the command paths text names, for the top-level commands
// top knows.
func (h *cliHelp) addPaths(text string, top map[string]bool) {
	for _, m := range cmdLine.FindAllStringSubmatch(text, -1) {
		if !top[m[1]] {
			continue
		}
		if m[2] == "" || m[2] == "help" {
			h.paths[m[1]] = true
			continue
		}
		for _, sub := range strings.Split(m[2], "|") {
			if sub != "" {
				h.paths[m[1]+" "+sub] = true
			}
		}
	}
}

// readCLIHelp runs "vanthu help", then "-h" of every command and
// subcommand it and their help texts name.
func readCLIHelp(t *testing.T) *cliHelp {
	t.Helper()
	dir := t.TempDir()
	h := &cliHelp{paths: map[string]bool{}, flags: map[string]map[string]bool{}, defined: map[string]map[string]bool{}, config: map[string]map[string]bool{}}
	top := map[string]bool{}
	for _, name := range dispatched(t) {
		top[name] = true
	}
	texts := []string{helpOf(t, dir, "help")}
	h.addPaths(texts[0], top)
	for name := range top {
		if name == "help" || name == "sign-worker" { // sign-worker reads its settings from stdin
			continue
		}
		text := helpOf(t, dir, name, "-h")
		texts = append(texts, text)
		h.addPaths(text, top)
	}
	// A command with subcommands is named by them, not alone.
	for p := range h.paths {
		if cmd, _, ok := strings.Cut(p, " "); ok {
			delete(h.paths, cmd)
		}
	}
	for p := range h.paths {
		if p == "sign-worker" || p == "help" {
			h.flags[p], h.config[p] = map[string]bool{}, map[string]bool{"h": true, "help": true}
			continue
		}
		text := helpOf(t, dir, append(strings.Fields(p), "-h")...)
		h.flags[p], h.defined[p], h.config[p] = map[string]bool{}, map[string]bool{}, map[string]bool{"h": true, "help": true}
		for _, m := range flagDefine.FindAllStringSubmatch(text, -1) {
			h.defined[p][m[1]] = true
		}
		for _, m := range flagBlock.FindAllStringSubmatch(text, -1) {
			if strings.Contains(m[2], "(VANTHU_") {
				h.config[p][m[1]] = true
			}
		}
		for _, m := range flagToken.FindAllStringSubmatch(text, -1) {
			h.flags[p][m[1]] = true
		}
		for _, other := range texts {
			h.addUsageFlags(p, other)
		}
	}
	return h
}

// addUsageFlags adds to path p the flags that text's lines naming it
// ("vanthu p ...") show.
func (h *cliHelp) addUsageFlags(p, text string) {
	for _, line := range strings.Split(text, "\n") {
		if ok, rest := namesPath(line, p); ok {
			for _, m := range flagToken.FindAllStringSubmatch(rest, -1) {
				h.flags[p][m[1]] = true
			}
		}
	}
}

// namesPath reports whether line names command path p ("vanthu pki
// init", or "vanthu pki init|officer" for "pki officer") and returns
// the line after it.
func namesPath(line, p string) (bool, string) {
	for _, m := range cmdLine.FindAllStringSubmatchIndex(line, -1) {
		cmd, subs := line[m[2]:m[3]], ""
		if m[4] >= 0 {
			subs = line[m[4]:m[5]]
		}
		want, sub, hasSub := strings.Cut(p, " ")
		if cmd != want {
			continue
		}
		if !hasSub || (subs != "" && slices.Contains(strings.Split(subs, "|"), sub)) {
			return true, line[m[1]:]
		}
	}
	return false, ""
}

// readmeCLI returns the README's "## CLI" section and the command paths
// its code block names, each with the flags its line shows.
func readmeCLI(t *testing.T, h *cliHelp) (section string, paths map[string]map[string]bool) {
	t.Helper()
	section = readmeSection(t, "CLI")
	_, block, ok := strings.Cut(section, "```\n")
	if !ok {
		t.Fatal("README's CLI section has no code block")
	}
	block, _, _ = strings.Cut(block, "```")
	paths = map[string]map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		if !strings.HasPrefix(line, "vanthu ") {
			continue
		}
		m := cmdLine.FindStringSubmatchIndex(line)
		cmd, subs := line[m[2]:m[3]], []string{""}
		if m[4] >= 0 {
			subs = strings.Split(line[m[4]:m[5]], "|")
		}
		for _, sub := range subs {
			p := strings.TrimSpace(cmd + " " + sub)
			if !h.paths[p] && h.paths[cmd] { // an argument, not a subcommand
				p = cmd
			}
			if paths[p] == nil {
				paths[p] = map[string]bool{}
			}
			for _, f := range flagToken.FindAllStringSubmatch(line[m[1]:], -1) {
				paths[p][f[1]] = true
			}
		}
	}
	return section, paths
}

// TestReadmeCLIMatchesHelp: the README's CLI section names every command
// and subcommand the binary's help texts name and no other, and every
// flag they show but serve's settings (the configuration table's); each
// flag a README line gives its command is one that command's help shows;
// each flag a help text's usage line shows is one the command defines.
func TestReadmeCLIMatchesHelp(t *testing.T) {
	h := readCLIHelp(t)
	for _, want := range []string{"serve", "pki init", "archive fixity", "agency add", "blobs gc"} {
		if !h.paths[want] {
			t.Fatalf("the help texts name no %q (found %v): the test does not read them", want, slices.Sorted(maps.Keys(h.paths)))
		}
	}
	if !h.config["serve"]["addr"] || h.config["verify"]["agency-cert"] {
		t.Fatalf("serve's settings read from its help: %v; verify's: %v", slices.Sorted(maps.Keys(h.config["serve"])), slices.Sorted(maps.Keys(h.config["verify"])))
	}
	section, readme := readmeCLI(t, h)
	for _, p := range slices.Sorted(maps.Keys(h.paths)) {
		if readme[p] == nil {
			t.Errorf("README's CLI section does not name \"vanthu %s\"", p)
		}
		for _, f := range slices.Sorted(maps.Keys(h.flags[p])) {
			if !h.config[p][f] && !strings.Contains(section, "--"+f) {
				t.Errorf("vanthu %s: its help shows --%s, which README's CLI section does not", p, f)
			}
			if len(h.defined[p]) > 0 && !h.defined[p][f] && !h.config[p][f] {
				t.Errorf("vanthu %s: its help shows --%s, which it does not take", p, f)
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(readme)) {
		if !h.paths[p] {
			t.Errorf("README's CLI section names \"vanthu %s\", which the help texts do not", p)
			continue
		}
		for _, f := range slices.Sorted(maps.Keys(readme[p])) {
			if !h.flags[p][f] && !h.defined[p][f] && !h.config[p][f] {
				t.Errorf("README's CLI section gives \"vanthu %s\" --%s, which its help does not show", p, f)
			}
		}
	}
}

// TestSubcommandHelpShowsItsFlags: "-h" after a subcommand prints that
// subcommand's own flags and exits 0 (archive import printed the archive
// usage and exited 2, so its flags were nowhere to read; sign, loadtest,
// agency and audit verify printed them but exited 2, as on an error).
func TestSubcommandHelpShowsItsFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"archive", "import", "-h"}, "-csv"},
		{[]string{"archive", "import", "--csv", "x.csv", "--help"}, "-csv"},
		{[]string{"archive", "seed", "-h"}, "-seed"},
		{[]string{"blobs", "gc", "-h"}, "-older-than"},
		{[]string{"sign", "-h"}, "-layer"},
		{[]string{"loadtest", "-h"}, "-url"},
		{[]string{"agency", "export", "-h"}, "-exchange-addr"},
		{[]string{"audit", "verify", "-h"}, "-data-dir"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			env := map[string]string{"VANTHU_DATA_DIR": t.TempDir()}
			var out bytes.Buffer
			code := run(context.Background(), tc.args, func(k string) string { return env[k] }, &out, &out)
			if code != 0 || !strings.Contains(out.String(), "\n  "+tc.flag+" ") {
				t.Fatalf("exit %d, want 0 and the flag %s:\n%s", code, tc.flag, out.String())
			}
		})
	}
}
