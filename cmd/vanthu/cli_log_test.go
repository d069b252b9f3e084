package main

import (
	"strings"
	"testing"
)

// logLevels are the levels of the JSON log lines in out ("INFO", "WARN"...).
func logLevels(out string) map[string]int {
	n := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(l, `"level":"`); ok {
			lvl, _, _ := strings.Cut(rest, `"`)
			n[lvl]++
		}
	}
	return n
}

// TestCLILogsWarningsOnly: a command other than serve writes no
// information lines on stderr (the schema migrations applied, "signing
// configured", ...), which cluttered what scripts read: warnings and
// errors only, whatever VANTHU_LOG_LEVEL (serve's, shared with it) says
// below warn; -v or --log-level on its command line brings them back,
// and VANTHU_LOG_LEVEL=error quietens the warnings too.
func TestCLILogsWarningsOnly(t *testing.T) {
	data := t.TempDir()
	base := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		info     bool // information lines expected
		warnings bool // warning lines allowed
	}{
		// The first command on the new data directory applies the schema
		// migrations, each an information line before.
		{"AuditVerify/first", base, []string{"audit", "verify"}, false, true},
		{"Migrate", with("VANTHU_DATA_DIR", t.TempDir()), []string{"migrate"}, false, true},
		{"UserAdd", base, []string{"user", "add", "--username", "van.thu", "--password", "pass-word-1", "--roles", "clerk"}, false, true},
		{"ArchiveFixity", base, []string{"archive", "fixity"}, false, true},
		{"PKIRevocations", base, []string{"pki", "revocations"}, false, true},
		{"BlobsGC", base, []string{"blobs", "gc", "--dry-run"}, false, true},
		{"Remind", base, []string{"remind", "--dry-run"}, false, true},
		{"AgencyList", base, []string{"agency", "list"}, false, true},
		{"EnvInfo", with("VANTHU_LOG_LEVEL", "info"), []string{"audit", "verify"}, false, true},
		{"EnvError", with("VANTHU_LOG_LEVEL", "error"), []string{"audit", "verify"}, false, false},
		{"Verbose", base, []string{"audit", "verify", "-v"}, true, true},
		{"LogLevelFlag", base, []string{"pki", "revocations", "--log-level", "info"}, true, true},
		{"LogLevelFlagError", with("VANTHU_LOG_LEVEL", "info"), []string{"audit", "verify", "--log-level", "error"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.env, tc.args...)
			if code != 0 {
				t.Fatalf("vanthu %s: exit %d: %s", strings.Join(tc.args, " "), code, stderr)
			}
			lv := logLevels(stderr)
			if (lv["INFO"] > 0) != tc.info {
				t.Errorf("vanthu %s: %d information lines on stderr, want them %v:\n%s", strings.Join(tc.args, " "), lv["INFO"], tc.info, stderr)
			}
			if lv["WARN"] > 0 && !tc.warnings {
				t.Errorf("vanthu %s: warnings on stderr at level error:\n%s", strings.Join(tc.args, " "), stderr)
			}
		})
	}
}
