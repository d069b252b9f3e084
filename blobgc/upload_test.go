package blobgc_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/blobgc"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// The race through the real upload path and the real references: a PDF
// left in the work store by a request that never committed is uploaded
// again (workflow.Service.Create: its Put finds the same bytes there) and
// committed while the collector runs, after its listing. The collector
// leaves the blob in place (re-used, never moved to trash); the new
// document's file reads back. SQLite with the local folder, PostgreSQL
// with MinIO.
func TestIntegrationUploadReusesBlobDuringCollection(t *testing.T) {
	for _, st := range stores() {
		backend := st.backend()
		t.Run(st.name+"+"+backend, func(t *testing.T) {
			ctx := context.Background()
			work := st.open(t)
			f := archivetest.New(t, gormdbtest.Open(t, backend), nil)
			f.Docs.Blobs, f.Archive.Work, f.DB.WorkStore = work, work, work
			pdf := testpdf.Make(1, "Công văn bị bỏ dở "+t.Name())
			s := sha256.Sum256(pdf)
			sum := hex.EncodeToString(s[:])
			upload(t, work, pdf, sum) // the request that never committed
			age(st)
			var once sync.Once
			var doc *workflow.Document
			c := &blobgc.Collector{Blobs: work, Refs: f.DB, Claims: f.DB, Grace: st.grace, BeforeCheck: func(string) {
				once.Do(func() { doc = f.Completed(t, archivetest.Options{PDF: pdf}) })
			}}
			rep, err := c.Run(ctx, blobgc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Reused != 1 || rep.Collected != 0 || rep.Restored != 0 {
				t.Fatalf("report %+v: want the re-used blob left in place", rep)
			}
			m, _ := doc.MainFile()
			if m.SHA256 != sum {
				t.Fatalf("the document's file is %s, want the re-used %s", m.SHA256, sum)
			}
			if !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatal("the document's file is gone")
			}
			// Referenced now: later runs keep it.
			age(st)
			if rep, err := c.Run(ctx, blobgc.Options{}); err != nil || rep.Referenced < 1 || !exists(t, work, workflow.BlobKey(sum)) {
				t.Fatalf("next run: %+v %v", rep, err)
			}
		})
	}
}
