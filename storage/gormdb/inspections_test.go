package gormdb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// inspFile is a file of the inspection tests: its SHA-256 made of c.
func inspFile(c byte, name string, kind workflow.FileKind, in workflow.Inspection, a workflow.Active) workflow.File {
	return workflow.File{SHA256: strings.Repeat(string(c), 64), Name: name, Size: 10, Kind: kind, CreatedAt: t0, Inspection: in, Active: a}
}

// TestUninspectedFiles: the documents the inspection fill is given are
// the incoming ones with a file whose inspection is not recorded —
// whatever the others' (a name holding "inspection" or "sha256" counts
// for nothing) — in ID order, by pages, and counted alike; rows written
// before inspections were recorded (no "inspection" in their files'
// JSON) read as not inspected, but one that says what it carries.
func TestUninspectedFiles(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const none, done, unreadable = workflow.NotInspected, workflow.Inspected, workflow.Unreadable
		js := workflow.ActiveJavaScript
		for _, c := range []struct {
			id    string
			dir   workflow.Direction
			files []workflow.File
		}{
			{"a-old", workflow.Incoming, []workflow.File{inspFile('a', "a.pdf", workflow.FileMain, none, 0), inspFile('b', "b.pdf", workflow.FileAttachment, none, 0)}},
			{"b-mixed", workflow.Incoming, []workflow.File{inspFile('a', "a.pdf", workflow.FileMain, done, js), inspFile('c', "c.docx", workflow.FileAttachment, none, 0)}},
			{"c-done", workflow.Incoming, []workflow.File{inspFile('a', "a.pdf", workflow.FileMain, done, 0), inspFile('d', "d.docx", workflow.FileAttachment, unreadable, 0)}},
			{"d-nofiles", workflow.Incoming, nil},
			{"e-outgoing", workflow.Outgoing, []workflow.File{inspFile('e', "e.pdf", workflow.FileMain, none, 0)}},
			{"f-names", workflow.Incoming, []workflow.File{inspFile('f', `"inspection" "inspection".pdf`, workflow.FileMain, none, 0)}},
			{"g-names-done", workflow.Incoming, []workflow.File{inspFile('g', `"sha256" "sha256".pdf`, workflow.FileMain, done, 0)}},
		} {
			d := incomingDoc(c.id, 0)
			d.Direction, d.Files = c.dir, c.files
			create(t, db, d)
		}
		// As the version before wrote them: no "inspection"; one with what
		// it carries (written between the two versions).
		for id, raw := range map[string]string{
			"h-legacy":        `[{"sha256":"` + strings.Repeat("h", 64) + `","name":"h.pdf","size":10,"kind":"main","created_at":"2026-11-20T08:30:00.123456Z"}]`,
			"i-legacy-active": `[{"sha256":"` + strings.Repeat("i", 64) + `","name":"i.pdf","size":10,"kind":"main","created_at":"2026-11-20T08:30:00.123456Z","active":["javascript"]}]`,
		} {
			create(t, db, incomingDoc(id, 0))
			if err := db.Gorm().Exec("UPDATE documents SET files = ? WHERE id = ?", raw, id).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			id   string
			want workflow.Inspection
			a    workflow.Active
		}{{"h-legacy", none, 0}, {"i-legacy-active", done, js}} {
			d, err := db.Document(ctx, c.id)
			if err != nil || len(d.Files) != 1 || d.Files[0].Inspection != c.want || d.Files[0].Active != c.a {
				t.Errorf("%s reads %+v, %v; want inspection %q, active %v", c.id, d, err, c.want, c.a)
			}
		}

		want := []string{"a-old", "b-mixed", "f-names", "h-legacy", "i-legacy-active"}
		var got []string
		for after := ""; ; {
			page, err := db.UninspectedFiles(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, sf := range page {
				got = append(got, sf.DocumentID)
				if len(sf.Files) == 0 || sf.Stamp == "" {
					t.Errorf("%s: files %v, stamp %q", sf.DocumentID, sf.Files, sf.Stamp)
				}
			}
			after = page[len(page)-1].DocumentID
		}
		if !slices.Equal(got, want) {
			t.Errorf("UninspectedFiles by pages of 2: %v, want %v", got, want)
		}
		if n, err := db.CountUninspected(ctx); err != nil || n != len(want) {
			t.Errorf("CountUninspected = %d, %v; want %d", n, err, len(want))
		}
		if _, err := db.StoredFiles(ctx, "nope"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("StoredFiles of no document: %v, want ENOTFOUND", err)
		}
	})
}

// TestSetFiles: the fill's write of a document's files is a compare and
// set on them — an upload or edit committed after the fill read them
// (here a guarded update that adds a file) is kept, the fill's write
// refused; read again, its write goes through without changing the
// document's version or update time (a form open on it stays valid);
// a write that would change more than the inspections is refused.
func TestSetFiles(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		d := incomingDoc("doc", 0)
		d.Files = []workflow.File{inspFile('a', "a.pdf", workflow.FileMain, workflow.NotInspected, 0)}
		create(t, db, d)
		read, err := db.StoredFiles(ctx, "doc")
		if err != nil {
			t.Fatal(err)
		}
		inspected := func(files []workflow.File) []workflow.File {
			out := slices.Clone(files)
			out[0].Inspection, out[0].Active = workflow.Inspected, workflow.ActiveLaunch
			return out
		}

		// The edit, after the fill's read.
		edited := *d
		edited.Version, edited.UpdatedAt = 2, t0.Add(time.Hour)
		edited.Files = append(slices.Clone(d.Files), inspFile('b', "b.pdf", workflow.FileAttachment, workflow.Inspected, 0))
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.UpdateDocument(ctx, &edited, 1) }); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.SetFiles(ctx, read, inspected(read.Files)); ok || err != nil {
			t.Fatalf("SetFiles over files changed since read: %v, %v; want false", ok, err)
		}
		got, err := db.Document(ctx, "doc")
		if err != nil || got.Version != 2 || len(got.Files) != 2 || got.Files[0].Inspection != workflow.NotInspected {
			t.Fatalf("after the refused write: %+v, %v; want the edit, version 2, two files", got, err)
		}

		again, err := db.StoredFiles(ctx, "doc")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			files []workflow.File
		}{
			{"another file", append(inspected(again.Files)[:1], inspFile('c', "c.pdf", workflow.FileAttachment, workflow.Inspected, 0))},
			{"a file less", inspected(again.Files)[:1]},
			{"renamed", func() []workflow.File { f := inspected(again.Files); f[0].Name = "x.pdf"; return f }()},
		} {
			if ok, err := db.SetFiles(ctx, again, c.files); ok || workflow.ErrorCode(err) != workflow.EINVALID {
				t.Errorf("SetFiles, %s: %v, %v; want EINVALID", c.name, ok, err)
			}
		}
		if ok, err := db.SetFiles(ctx, again, inspected(again.Files)); !ok || err != nil {
			t.Fatalf("SetFiles over the files as read: %v, %v; want true", ok, err)
		}
		got, err = db.Document(ctx, "doc")
		if err != nil || got.Version != 2 || !got.UpdatedAt.Equal(edited.UpdatedAt) || len(got.Files) != 2 ||
			got.Files[0].Inspection != workflow.Inspected || got.Files[0].Active != workflow.ActiveLaunch || got.Files[1].Name != "b.pdf" {
			t.Errorf("after the write: %+v, %v; want version 2, updated_at kept, the first file inspected, the edit's file kept", got, err)
		}
		if ok, err := db.SetFiles(ctx, again, inspected(again.Files)); ok || err != nil {
			t.Errorf("the same write again, from the stale read: %v, %v; want false", ok, err)
		}
		if n, err := db.CountUninspected(ctx); err != nil || n != 0 {
			t.Errorf("CountUninspected after = %d, %v; want 0", n, err)
		}
	})
}
