package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// blobHeaderNames are the headers a stored file's GET answers with.
var blobHeaderNames = []string{"Content-Type", "Content-Length", "Content-Disposition", "X-Content-SHA256", "X-Content-Type-Options"}

// TestHeadReadsNoContent: a HEAD of a document's file, of an archived
// object and of an archive package answers the GET's headers without
// reading any content from the store (before, it read and hashed the
// whole file, and wrote the whole package into the void), on the local
// store.
func TestHeadReadsNoContent(t *testing.T) { headReadsNoContent(t, nil, nil) }

// TestIntegrationHeadReadsNoContentMinIO is TestHeadReadsNoContent with
// the work store and the archive store on MinIO: HEAD gives the headers
// GET gives, from the objects' info.
func TestIntegrationHeadReadsNoContentMinIO(t *testing.T) {
	ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
	if ep == "" {
		t.Skip("VANTHU_TEST_S3_ENDPOINT not set: source scripts/setup/minio.sh (or run ./scripts/test)")
	}
	store := func(lock bool) workflow.Blobs {
		var rnd [6]byte
		rand.Read(rnd[:])
		s, err := minio.New(context.Background(), minio.Config{Endpoint: ep, AccessKey: os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
			SecretKey: os.Getenv("VANTHU_TEST_S3_SECRET_KEY"), Bucket: "head-test-" + hex.EncodeToString(rnd[:]), ObjectLock: lock})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	headReadsNoContent(t, store(false), store(true))
}

func headReadsNoContent(t *testing.T, work, archived workflow.Blobs) {
	st := &workflowtest.CountingBlobs{Blobs: archived}
	var f *archiveFixture
	if archived == nil {
		f = newArchiveFixture(t, nil)
		st.Blobs = f.Store
	} else {
		f = newArchiveFixture(t, st)
	}
	f.Archive.Store = st
	if work == nil {
		work = f.Work
	}
	wk := &workflowtest.CountingBlobs{Blobs: work}
	f.Work, f.Archive.Work, f.Docs.Blobs = wk, wk, wk
	docs := []*workflow.Document{
		f.Issued(t, archivetest.Options{Attachments: 1}),
		f.Completed(t, archivetest.Options{Others: map[string][]byte{"Phụ lục.docx": []byte("PK\x03\x04 a docx"), "trang.html": []byte("<html>")}}),
	}
	same := func(name, path string, gets *atomic.Int64) {
		t.Helper()
		get := f.do(t, "archivist", "GET", path, nil)
		wantStatus(t, get, http.StatusOK)
		n := gets.Load()
		head := f.do(t, "archivist", "HEAD", path, nil)
		wantStatus(t, head, http.StatusOK)
		if got := gets.Load() - n; got != 0 {
			t.Errorf("%s: HEAD read content %d times", name, got)
		}
		if head.Body.Len() != 0 {
			t.Errorf("%s: HEAD has a body of %d bytes", name, head.Body.Len())
		}
		for _, h := range blobHeaderNames {
			if head.Header().Get(h) != get.Header().Get(h) {
				t.Errorf("%s: HEAD's %s is %q, GET's %q", name, h, head.Header().Get(h), get.Header().Get(h))
			}
		}
	}
	checked := 0
	for _, d := range docs {
		rec := f.do(t, "archivist", "GET", "/api/v1/documents/"+d.ID, nil)
		wantStatus(t, rec, http.StatusOK)
		var dj api.DocumentJSON
		json.Unmarshal(rec.Body.Bytes(), &dj)
		same("main file of "+d.ID, "/api/v1/documents/"+d.ID+"/file", &wk.Gets)
		for _, fl := range dj.Files {
			same(fl.Name, "/api/v1/documents/"+d.ID+"/file?sha256="+fl.SHA256, &wk.Gets)
			checked++
		}
		wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
		rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID, nil)
		wantStatus(t, rec, http.StatusOK)
		var r api.ArchiveRecordJSON
		json.Unmarshal(rec.Body.Bytes(), &r)
		for _, o := range r.Objects {
			same(o.Name, "/api/v1/archive/"+d.ID+"/object?name="+url.QueryEscape(o.Name), &st.Gets)
			checked++
		}
		n := st.Gets.Load()
		head := f.do(t, "archivist", "HEAD", "/api/v1/archive/"+d.ID+"/package", nil)
		wantStatus(t, head, http.StatusOK)
		if got := st.Gets.Load() - n; got != 0 || head.Header().Get("Content-Type") != "application/zip" {
			t.Errorf("package HEAD: %d reads, Content-Type %q", got, head.Header().Get("Content-Type"))
		}
	}
	if checked < 12 {
		t.Errorf("%d files and objects checked: the fixture changed", checked)
	}
}

// oldWriter is a store as an older vanthu wrote into it: every object
// with the type ct whatever it held (application/pdf, as every version
// before the type was recorded from the content; "" as a copy made
// without its type, a restore from a backup).
type oldWriter struct {
	workflow.Blobs
	ct string
}

func (s oldWriter) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	opts.ContentType = s.ct
	return s.Blobs.Put(ctx, key, r, size, sum, opts)
}

// GetRange passes the wrapped store's ranged reads on (MinIO's).
func (s oldWriter) GetRange(ctx context.Context, key string, n int64) (io.ReadCloser, error) {
	b, err := workflow.ReadHead(ctx, s.Blobs, key, int(n))
	return io.NopCloser(bytes.NewReader(b)), err
}

// storedKinds are files of every kind a document carries (a connected
// agency sends its attachments as they are), by name, with the type their
// GET answers.
var storedKinds = []struct {
	name    string
	content []byte
	typ     string
}{
	{"Phụ lục.pdf", testpdf.Make(1, "Phụ lục"), "application/pdf"},
	{"Dự thảo.docx", []byte("PK\x03\x04\x14\x00\x06\x00 word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"Số liệu.xlsx", []byte("PK\x03\x04\x14\x00\x06\x00 xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"sơ đồ.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
	{"ảnh hiện trường.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
	{"hồ sơ.zip", []byte("PK\x03\x04\x0a\x00\x00\x00"), "application/zip"},
	{"ghi chú.txt", []byte("Ghi chú của văn thư"), "text/plain; charset=utf-8"},
	{"dữ liệu.bin", []byte{0, 1, 2, 3, 0xfe}, "application/octet-stream"},
	{"scan.pdf", []byte("PK\x03\x04 a docx named .pdf"), "application/octet-stream"},
}

// TestHeadOfFilesStoredWithoutType: for files of every kind, stored as
// this version stores them and as older ones did (every object typed
// application/pdf; no type at all), a HEAD of a document's file or of an
// archived object answers the GET's headers, on the local store. Before,
// a HEAD of an older .docx, image or .zip answered application/pdf where
// its GET answered its own type.
func TestHeadOfFilesStoredWithoutType(t *testing.T) {
	for _, way := range []string{"new", workflow.PDFType, ""} {
		t.Run(storedWay(way), func(t *testing.T) { headOfStoredKinds(t, way, nil, nil) })
	}
}

// TestIntegrationHeadOfFilesStoredWithoutTypeMinIO is
// TestHeadOfFilesStoredWithoutType with both stores on MinIO (a HEAD's
// read of the first bytes is one ranged GET).
func TestIntegrationHeadOfFilesStoredWithoutTypeMinIO(t *testing.T) {
	ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
	if ep == "" {
		t.Skip("VANTHU_TEST_S3_ENDPOINT not set: source scripts/setup/minio.sh (or run ./scripts/test)")
	}
	for _, way := range []string{"new", workflow.PDFType, ""} {
		t.Run(storedWay(way), func(t *testing.T) { headOfStoredKinds(t, way, minioStore(t, ep, false), minioStore(t, ep, true)) })
	}
}

func storedWay(way string) string {
	switch way {
	case "new":
		return "typed"
	case "":
		return "untyped"
	}
	return "old typed " + way
}

func minioStore(t *testing.T, ep string, lock bool) workflow.Blobs {
	t.Helper()
	var rnd [6]byte
	rand.Read(rnd[:])
	s, err := minio.New(context.Background(), minio.Config{Endpoint: ep, AccessKey: os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("VANTHU_TEST_S3_SECRET_KEY"), Bucket: "head-kinds-" + hex.EncodeToString(rnd[:]), ObjectLock: lock})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func headOfStoredKinds(t *testing.T, way string, work, archived workflow.Blobs) {
	f := newArchiveFixture(t, archived)
	if work == nil {
		work = f.Work
	}
	if archived == nil {
		archived = f.Store
	}
	if way != "new" {
		work, archived = oldWriter{work, way}, oldWriter{archived, way}
	}
	wk, st := &workflowtest.CountingBlobs{Blobs: work}, &workflowtest.CountingBlobs{Blobs: archived}
	f.Work, f.Archive.Work, f.Docs.Blobs, f.Store, f.Archive.Store = wk, wk, wk, st, st
	others := map[string][]byte{}
	want := map[string]string{"cong-van-den.pdf": "application/pdf"}
	for _, k := range storedKinds {
		others[k.name], want[k.name] = k.content, k.typ
	}
	d := f.Completed(t, archivetest.Options{Others: others})
	same := func(name, path string, c *workflowtest.CountingBlobs) {
		t.Helper()
		get := f.do(t, "archivist", "GET", path, nil)
		wantStatus(t, get, http.StatusOK)
		if typ := get.Header().Get("Content-Type"); typ != want[name] && !(strings.HasSuffix(name, ".json") && typ == "application/json") {
			t.Errorf("%s: GET's type %q, want %q", name, typ, want[name])
		}
		gets, ranges, bytes := c.Gets.Load(), c.Ranges.Load(), c.RangeBytes.Load()
		head := f.do(t, "archivist", "HEAD", path, nil)
		wantStatus(t, head, http.StatusOK)
		gets, ranges, bytes = c.Gets.Load()-gets, c.Ranges.Load()-ranges, c.RangeBytes.Load()-bytes
		switch {
		case gets != 0:
			t.Errorf("%s: HEAD read the content %d times", name, gets)
		case ranges > 1 || bytes > workflow.SniffLen:
			t.Errorf("%s: HEAD read %d bytes in %d reads, more than the %d GET looks at", name, bytes, ranges, workflow.SniffLen)
		}
		for _, h := range blobHeaderNames {
			if head.Header().Get(h) != get.Header().Get(h) {
				t.Errorf("%s: HEAD's %s is %q, GET's %q", name, h, head.Header().Get(h), get.Header().Get(h))
			}
		}
	}
	rec := f.do(t, "archivist", "GET", "/api/v1/documents/"+d.ID, nil)
	wantStatus(t, rec, http.StatusOK)
	var dj api.DocumentJSON
	json.Unmarshal(rec.Body.Bytes(), &dj)
	for _, fl := range dj.Files {
		same(fl.Name, "/api/v1/documents/"+d.ID+"/file?sha256="+fl.SHA256, wk)
	}
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
	rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID, nil)
	wantStatus(t, rec, http.StatusOK)
	var r api.ArchiveRecordJSON
	json.Unmarshal(rec.Body.Bytes(), &r)
	for _, o := range r.Objects {
		if _, ok := want[o.Name]; ok || strings.HasSuffix(o.Name, ".json") {
			same(o.Name, "/api/v1/archive/"+d.ID+"/object?name="+url.QueryEscape(o.Name), st)
		}
	}
	if len(dj.Files) != len(storedKinds)+1 {
		t.Errorf("%d files, want %d: the fixture changed", len(dj.Files), len(storedKinds)+1)
	}
}
