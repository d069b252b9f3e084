package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestArchiveImportStaysInItsDirectory: `vanthu archive import DIR`
// imports the files inside DIR only. A symbolic link out of it (to a
// PDF, or to a folder) is refused naming the row, where it imported
// whatever PDF the link led to; a link that stays inside and a file in a
// subfolder are imported as before.
func TestArchiveImportStaysInItsDirectory(t *testing.T) {
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.pdf"), testpdf.Make(1, "Tài liệu ngoài thư mục"), 0o644)
	in := t.TempDir()
	os.Mkdir(filepath.Join(in, "sub"), 0o755)
	os.WriteFile(filepath.Join(in, "sub", "a.pdf"), testpdf.Make(1, "Quyết định số 5"), 0o644)
	for link, target := range map[string]string{"link.pdf": filepath.Join(outside, "secret.pdf"), "out": outside,
		"inner.pdf": filepath.Join("sub", "a.pdf")} {
		if err := os.Symlink(target, filepath.Join(in, link)); err != nil {
			t.Fatal(err)
		}
	}
	csv := "file,type,subject,sender_name,original_number,original_date\n" +
		"sub/a.pdf,QĐ,Quyết định trong thư mục,UBND thành phố Cần Thơ,5/QĐ-UBND,2019-03-04\n" +
		"inner.pdf,QĐ,Quyết định qua liên kết trong thư mục,UBND thành phố Cần Thơ,5/QĐ-UBND,2019-03-04\n" +
		"link.pdf,CV,Liên kết ra ngoài,Sở Xây dựng,9/SXD-VP,2018-01-02\n" +
		"out/secret.pdf,CV,Thư mục liên kết ra ngoài,Sở Xây dựng,10/SXD-VP,2018-01-02\n"
	os.WriteFile(filepath.Join(in, "index.csv"), []byte(csv), 0o644)
	code, out, stderr := runCLI(t, env, "archive", "import", in)
	if code != 1 || !strings.Contains(out, "1 imported, 1 already imported (skipped), 2 rejected") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"REJECTED line 4 link.pdf: ", "REJECTED line 5 out/secret.pdf: "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
