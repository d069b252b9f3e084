package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

// Import (rejects with reasons, resumable), then fixity: clean (2 records,
// each a PDF and metadata.json), then a corrupted object reported with its
// key and exit 1.
func TestArchiveImportAndFixityCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "a.pdf"), testpdf.Make(1, "Quyết định số 5"), 0o644)
	os.WriteFile(filepath.Join(in, "b.pdf"), testpdf.Make(2, "Công văn số 9"), 0o644)
	os.WriteFile(filepath.Join(in, "notpdf.pdf"), []byte("hello, not a pdf"), 0o644)
	enc, err := os.ReadFile("../../api/testdata/encrypted-aes256.pdf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(in, "enc.pdf"), enc, 0o644)
	csv := "file,type,subject,sender_name,original_number,original_date,sender_org_id,retention\n" +
		"a.pdf,QĐ,Quyết định về quận Bình Thủy,UBND thành phố Cần Thơ,5/QĐ-UBND,2019-03-04,000.00.00.H13,\n" +
		"b.pdf,CV,Công văn về chỉnh trang,Sở Xây dựng,9/SXD-VP,2018-01-02,,5y\n" +
		"notpdf.pdf,CV,Không phải PDF,Sở Xây dựng,1/SXD,2018-01-02,,\n" +
		"enc.pdf,CV,Mã hóa,Sở Xây dựng,2/SXD,2018-01-02,,\n" +
		"a.pdf,XX,Loại sai,Sở Xây dựng,3/SXD,2018-01-02,,\n" +
		"missing.pdf,CV,Không có tệp,Sở Xây dựng,4/SXD,2018-13-02,,\n"
	os.WriteFile(filepath.Join(in, "index.csv"), []byte(csv), 0o644)

	code, out, stderr := runCLI(t, env, "archive", "import", in)
	if code != 1 || !strings.Contains(out, "2 imported, 1 already imported (skipped), 3 rejected") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"notpdf.pdf: not a PDF", "enc.pdf: ", "missing.pdf: original_date"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// The duplicate a.pdf row with a bad type is skipped as already imported
	// (by hash); running again skips everything done.
	code, out, _ = runCLI(t, env, "archive", "import", in)
	if !strings.Contains(out, "0 imported, 3 already imported (skipped), 3 rejected") {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}

	code, out, stderr = runCLI(t, env, "archive", "fixity")
	if code != 0 || !strings.Contains(out, "4 verified, 0 mismatched") {
		t.Fatalf("fixity: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "fixity", "fixity-latest.json")); err != nil {
		t.Fatal(err)
	}
	var victim string
	filepath.WalkDir(filepath.Join(data, "archive", "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, "document.pdf") && victim == "" {
			victim = p
		}
		return nil
	})
	os.Chmod(victim, 0o644)
	b, _ := os.ReadFile(victim)
	b[10] ^= 0xff
	os.WriteFile(victim, b, 0o444)
	key, _ := filepath.Rel(filepath.Join(data, "archive", "objects"), victim)
	code, out, _ = runCLI(t, env, "archive", "fixity")
	if code != 1 || !strings.Contains(out, "MISMATCH "+filepath.ToSlash(key)) {
		t.Fatalf("corrupted: exit %d\n%s", code, out)
	}
}

func TestArchiveSeedCLI(t *testing.T) {
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_LOG_LEVEL": "error"}
	code, out, stderr := runCLI(t, env, "archive", "seed", "--count", "120")
	if code != 0 || !strings.Contains(out, "seeded 120") {
		t.Fatalf("seed: %d %s %s", code, out, stderr)
	}
}

// Evidence renewal from the CLI with the built-in time-stamp authority:
// renew adds a first archive time-stamp to each imported record, a second
// run has nothing due, verify says valid with its reasons (and, as of
// 2100, that the evidence expired), fixity checks the chains.
func TestArchiveRenewAndVerifyCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "a.pdf"), testpdf.Make(1, "Quyết định số 5"), 0o644)
	os.WriteFile(filepath.Join(in, "b.pdf"), testpdf.Make(2, "Công văn số 9"), 0o644)
	csv := "file,type,subject,sender_name,original_number,original_date,retention\n" +
		"a.pdf,QĐ,Quyết định về quận Bình Thủy,UBND thành phố Cần Thơ,5/QĐ-UBND,2019-03-04,\n" +
		"b.pdf,CV,Công văn về chỉnh trang,Sở Xây dựng,9/SXD-VP,2018-01-02,5y\n"
	os.WriteFile(filepath.Join(in, "index.csv"), []byte(csv), 0o644)
	if code, out, stderr := runCLI(t, env, "archive", "import", in); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr := runCLI(t, env, "archive", "renew")
	if code != 0 || !strings.Contains(out, "renew: 2 renewed, 0 skipped, 0 errors") {
		t.Fatalf("renew: exit %d\n%s\n%s", code, out, stderr)
	}
	var ids []string
	for line := range strings.SplitSeq(out, "\n") {
		if id, ok := strings.CutPrefix(line, "RENEWED "); ok {
			ids = append(ids, id[:strings.Index(id, ":")])
		}
	}
	if code, out, _ := runCLI(t, env, "archive", "renew"); code != 0 || !strings.Contains(out, "renew: 0 renewed") {
		t.Fatalf("second renew: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, env, "archive", "renew", "--doc", ids[0]); code != 0 || !strings.Contains(out, "SKIPPED "+ids[0]+": not due") {
		t.Fatalf("renew --doc: exit %d\n%s", code, out)
	}
	code, out, stderr = runCLI(t, env, append([]string{"archive", "verify"}, ids...)...)
	if code != 0 || strings.Count(out, ": VALID") != 2 || !strings.Contains(out, "time-stamp 0 (") || !strings.Contains(out, "includes document.pdf") {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runCLI(t, env, "archive", "verify", "--at", "2100-01-01T00:00:00Z", ids[0])
	if code != 1 || !strings.Contains(out, "INDETERMINATE") || !strings.Contains(out, "the evidence expired") {
		t.Fatalf("verify in 2100: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, env, "archive", "fixity")
	if code != 0 || !strings.Contains(out, "evidence: 2 archive time-stamp chains checked, 0 problems") {
		t.Fatalf("fixity: exit %d\n%s", code, out)
	}
}

// An import runs ImportWorkers files at a time, yet rows with the same
// content keep their CSV order: the first decides (imported, or rejected
// for its bad fields) and the later one sees the outcome, as if one
// after the other.
func TestArchiveImportConcurrentKeepsOrderOfDuplicates(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	in := t.TempDir()
	var csv strings.Builder
	csv.WriteString("file,type,subject,sender_name,original_number,original_date\n")
	const n = 24
	var wantRejected []string
	for i := range n {
		name := fmt.Sprintf("f%02d.pdf", i)
		os.WriteFile(filepath.Join(in, name), testpdf.Make(1, fmt.Sprintf("Công văn số %d", i)), 0o644)
		good := fmt.Sprintf("%s,CV,Công văn %d,Sở Xây dựng,%d/SXD,2018-01-02\n", name, i, i)
		bad := fmt.Sprintf("%s,XX,Loại sai,Sở Xây dựng,%d/SXD,2018-01-02\n", name, i)
		if i%2 == 0 {
			csv.WriteString(good + bad) // the duplicate is skipped
		} else {
			csv.WriteString(bad + good) // rejected, then imported
			wantRejected = append(wantRejected, fmt.Sprintf("REJECTED line %d %s", 2+2*i, name))
		}
	}
	os.WriteFile(filepath.Join(in, "index.csv"), []byte(csv.String()), 0o644)
	code, out, stderr := runCLI(t, env, "archive", "import", in)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("%d imported, %d already imported (skipped), %d rejected", n, n/2, n/2)) {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, w := range wantRejected {
		if !strings.Contains(out, w+":") {
			t.Errorf("no %q in\n%s", w, out)
		}
	}
}
