package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// An import streams its file: it is hashed, inspected (mapped, outside
// the intake's budget) and stored from the file, not read into memory
// and copied again. The bytes allocated to import and archive one file
// of 24 MiB stay under twice its size: one copy for the signature
// verification and what archiving it takes (the metadata, the streams).
// Before, the file was read whole, copied again for the inspection and
// once more for the verification: more than three times its size.
func TestArchiveImportMemory(t *testing.T) {
	data, in := t.TempDir(), t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error"}
	f, err := os.Create(filepath.Join(in, "big.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	size, err := testpdf.WriteLarge(f, 24<<20, "Hồ sơ lưu trữ lớn")
	if cerr := f.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	csv := "file,type,subject,sender_name,original_number,original_date\n" +
		"big.pdf,CV,Hồ sơ lưu trữ lớn,Sở Xây dựng,7/SXD-VP,2018-01-02\n"
	if err := os.WriteFile(filepath.Join(in, "index.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, svc, code := archiveApp(ctx, options{}, flag.NewFlagSet("t", flag.ContinueOnError), nil,
		func(k string) string { return env[k] }, io.Discard)
	if code >= 0 {
		t.Fatalf("archive app: exit %d", code)
	}
	defer a.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := ImportDir(ctx, a.docs, svc, in, filepath.Join(in, "index.csv"), nil)
	runtime.ReadMemStats(&after)
	if err != nil || res.Imported != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("file %d bytes, allocated %d bytes (%.2f× the file)", size, alloc, float64(alloc)/float64(size))
	if alloc > uint64(size)*3/2 {
		t.Errorf("importing a %d-byte file allocated %d bytes (%.2f× the file), want under 1.5×", size, alloc, float64(alloc)/float64(size))
	}
}
