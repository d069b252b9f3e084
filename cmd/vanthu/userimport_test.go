package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserImportCLI: a file with a bad row creates nobody and names each
// problem by line; the good file then creates every user (none was
// created before: none is taken) and writes their passwords' CSV once,
// to --out with mode 0600; importing again refuses every row as taken.
func TestUserImportCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	good, err := os.ReadFile("../../auth/testdata/users-import.csv")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte(strings.Replace(string(good), "Lưu trữ;;", "sếp;;", 1)+"cv.dung;Dũng 2;Chuyên viên;;\n"), 0o644)
	code, out, errs := runCLI(t, env, "user", "import", bad)
	if code == 0 || out != "" || !strings.Contains(errs, "line 7: unknown role") || !strings.Contains(errs, `line 8: username "cv.dung" is on line 5 too`) {
		t.Fatalf("bad file: exit %d\n%s\n%s", code, out, errs)
	}
	file := filepath.Join(t.TempDir(), "users.csv")
	os.WriteFile(file, good, 0o644)
	pw := filepath.Join(t.TempDir(), "passwords.csv")
	if code, out, errs := runCLI(t, env, "user", "import", "--out", pw, file); code != 0 || out != "" || !strings.Contains(errs, "created 6 users") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	st, err := os.Stat(pw)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("passwords file: %v, %v", st, err)
	}
	got, _ := os.ReadFile(pw)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 7 || lines[0] != "username,initial_password" || !strings.HasPrefix(lines[1], "chutich,") {
		t.Fatalf("passwords:\n%s", got)
	}
	code, out, errs = runCLI(t, env, "user", "import", file)
	if code == 0 || out != "" || strings.Count(errs, "is taken") != 6 {
		t.Fatalf("again: exit %d\n%s\n%s", code, out, errs)
	}
}
