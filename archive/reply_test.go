package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestArchiveRecordsReply: an archived letter's metadata.json names the
// reply drafted to it (replied_by), so the archivist reads in the record
// what answered it, as the page shows.
func TestArchiveRecordsReply(t *testing.T) {
	ctx := context.Background()
	f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	d := f.Completed(t, archivetest.Options{Type: "CV"})
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	reply, err := f.Docs.Create(ctx, f.Users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing, Type: "CV",
		Subject: "Về việc trả lời Sở Nội vụ", SignerID: f.Users[workflow.RoleOfficer].ID, RepliesTo: d.ID,
		File: &workflow.Upload{Name: "tra-loi.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}})
	if err != nil {
		t.Fatal(err)
	}
	f.ArchiveDoc(t, d.ID)
	rec, err := f.Archive.Get(ctx, f.Users[workflow.RoleArchivist], d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rec.Objects {
		if o.Name != "metadata.json" {
			continue
		}
		var md archive.Metadata
		if err := json.Unmarshal(readAll(t, f.Store, o.Key), &md); err != nil {
			t.Fatal(err)
		}
		if md.RepliedBy != reply.ID {
			t.Errorf("metadata.json: replied_by %q, want %q", md.RepliedBy, reply.ID)
		}
		return
	}
	t.Fatal("no metadata.json in the record")
}
