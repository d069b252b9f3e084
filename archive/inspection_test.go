package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// jsInspector says a file carries JavaScript when it holds /JavaScript.
type jsInspector struct{}

func (jsInspector) InspectPDF(context.Context, io.ReaderAt, int64) error { return nil }

func (jsInspector) InspectActive(_ context.Context, r io.ReaderAt, n int64) (workflow.Active, error) {
	b := make([]byte, n)
	r.ReadAt(b, 0)
	if bytes.Contains(b, []byte("/JavaScript")) {
		return workflow.ActiveJavaScript, nil
	}
	return 0, nil
}

// preInspectionStore writes metadata.json as records were written before
// files' inspections were recorded: without inspected and active_content.
type preInspectionStore struct{ workflow.Blobs }

var inspectionFields = regexp.MustCompile(`,"(inspected":(true|false)|active_content":\[[^\]]*\])`)

func (s preInspectionStore) Put(ctx context.Context, key string, r io.Reader, size int64, sha string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	if !strings.HasSuffix(key, "/"+archive.NameMetadata) {
		return s.Blobs.Put(ctx, key, r, size, sha, opts)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	b = inspectionFields.ReplaceAll(b, nil)
	return s.Blobs.Put(ctx, key, bytes.NewReader(b), int64(len(b)), sum(b), opts)
}

// TestArchiveRecordsInspection: a record's metadata.json says of each
// file whether it was inspected for what it carries that acts when it is
// opened, and what that found (as the API's files[].inspected and
// active_content): an incoming PDF with JavaScript says so, a file stored
// uninspected says false and nothing else. A record written before this
// was recorded (neither field) reads as nothing recorded, and still
// serves its report and trail, exports, and passes fixity.
func TestArchiveRecordsInspection(t *testing.T) {
	type file struct {
		inspected *bool
		active    []string
		known     bool
		a         workflow.Active
	}
	yes, no := true, false
	for _, c := range []struct {
		name  string
		old   bool // the record is written as before
		inspe bool // the document's files were inspected
		want  file
	}{
		{"inspected", false, true, file{&yes, []string{"javascript"}, true, workflow.ActiveJavaScript}},
		{"not inspected", false, false, file{&no, nil, false, 0}},
		{"written before", true, true, file{nil, nil, false, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var s workflow.Blobs = store
			if c.old {
				s = preInspectionStore{store}
			}
			f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), s)
			if c.inspe {
				f.Docs.Inspector = jsInspector{}
			}
			d := f.Completed(t, archivetest.Options{PDF: testpdf.ActiveJS()})
			f.ArchiveDoc(t, d.ID)
			rec, err := f.Archive.Get(ctx, f.Users[workflow.RoleArchivist], d.ID)
			if err != nil {
				t.Fatal(err)
			}
			var mdKey string
			for _, o := range rec.Objects {
				if o.Name == archive.NameMetadata {
					mdKey = o.Key
				}
			}
			raw := readAll(t, store, mdKey)
			var md archive.Metadata
			if err := json.Unmarshal(raw, &md); err != nil || len(md.Files) != 1 {
				t.Fatalf("metadata.json: %v\n%s", err, raw)
			}
			fm := md.Files[0]
			a, known := fm.Active()
			got := file{fm.Inspected, fm.ActiveContent, known, a}
			if (got.inspected == nil) != (c.want.inspected == nil) || (got.inspected != nil && *got.inspected != *c.want.inspected) ||
				!slices.Equal(got.active, c.want.active) || got.known != c.want.known || got.a != c.want.a {
				t.Errorf("metadata.json's file: inspected %v, active_content %v, Active() %v %v; want %+v\n%s", fm.Inspected, fm.ActiveContent, a, known, c.want, raw)
			}

			// The record reads, exports and passes fixity as ever.
			openAll(t, f, d.ID, archive.NameEvents, md.Events.SHA256)
			var buf bytes.Buffer
			if err := f.Archive.WritePackage(ctx, f.Users[workflow.RoleArchivist], d.ID, &buf); err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, zf := range zr.File {
				if strings.HasSuffix(zf.Name, "/data/"+archive.NameMetadata) {
					rc, _ := zf.Open()
					b, _ := io.ReadAll(rc)
					rc.Close()
					found = bytes.Equal(b, raw)
				}
			}
			if !found {
				t.Errorf("the package has no metadata.json as stored")
			}
			rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
			if err != nil || !rep.OK {
				t.Errorf("fixity: %+v, %v", rep, err)
			}
		})
	}
}
