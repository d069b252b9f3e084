package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive/archivetest"
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
