package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// recordNames returns the names of a record's data objects, sorted.
func recordNames(rec *archive.Record) []string {
	var out []string
	for _, o := range rec.Objects {
		if !archive.IsEvidence(o.Name) {
			out = append(out, o.Name)
		}
	}
	slices.Sort(out)
	return out
}

// packageFiles unzips a record's package: its data/ files by name.
func packageFiles(t *testing.T, f *archivetest.Fixture, docID string) map[string][]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Archive.WritePackage(context.Background(), f.Users[workflow.RoleArchivist], docID, &buf); err != nil {
		t.Fatalf("package: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		_, rel, _ := strings.Cut(zf.Name, "/")
		if name, ok := strings.CutPrefix(rel, "data/"); ok {
			if _, dup := out[name]; dup {
				t.Fatalf("%s twice in the package", name)
			}
			rc, _ := zf.Open()
			out[name], _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	return out
}

// Records of the split layout (written before metadata.json carried the
// report and the trail) and of the current one are read alike: the
// report and the trail are served and exported as verification.json and
// events.json with the SHA-256 metadata.json records; fixity, evidence
// renewal and verification pass for both.
func TestSplitAndCurrentLayoutsReadAlike(t *testing.T) {
	ctx := context.Background()
	f := newEvidenceFixture(t, gormdbtest.Open(t, gormdb.SQLite), nil)
	restore := f.UseSplitLayout()
	split := f.permanent(t)
	restore()
	current := f.permanent(t)
	for _, tc := range []struct {
		name, id, format string
		objects          []string
		parts            int // files metadata.json carries
	}{
		{"split", split, archive.MetadataFormatSplit, []string{"attachments/01-phu-luc-1.pdf", "document.pdf", "events.json", "metadata.json", "verification.json"}, 0},
		{"current", current, archive.MetadataFormat, []string{"attachments/01-phu-luc-1.pdf", "document.pdf", "metadata.json"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := f.Index.Record(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if got := recordNames(rec); !slices.Equal(got, tc.objects) {
				t.Fatalf("objects %v, want %v", got, tc.objects)
			}
			var md archive.Metadata
			if err := json.Unmarshal(readAll(t, f.Store, rec.Key+archive.NameMetadata), &md); err != nil || md.Format != tc.format {
				t.Fatalf("metadata.json: %v, format %q, want %q", err, md.Format, tc.format)
			}
			evb := openAll(t, f.Fixture, tc.id, archive.NameEvents, md.Events.SHA256)
			vb := openAll(t, f.Fixture, tc.id, archive.NameVerification, md.Verification.SHA256)
			parts, err := f.Archive.Parts(ctx, rec)
			if err != nil || len(parts) != tc.parts {
				t.Fatalf("parts %v, %v", parts, err)
			}
			pkg := packageFiles(t, f.Fixture, tc.id)
			for _, n := range tc.objects {
				if pkg[n] == nil {
					t.Errorf("package has no %s", n)
				}
			}
			if !bytes.Equal(pkg[archive.NameEvents], evb) || !bytes.Equal(pkg[archive.NameVerification], vb) || len(pkg) != 5 {
				t.Fatalf("package: %d files, events.json %s, verification.json %s", len(pkg), sum(pkg[archive.NameEvents]), sum(pkg[archive.NameVerification]))
			}
		})
	}
	if rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{}); err != nil || !rep.OK || rep.Objects != 8 {
		t.Fatalf("fixity: %v %+v", err, rep)
	}
	if rep := f.renewDue(t); len(rep.Renewed) != 2 {
		t.Fatalf("renewed %+v", rep)
	}
	for _, id := range []string{split, current} {
		if rep := f.verify(t, id); rep.Verdict != archive.VerdictValid {
			t.Fatalf("%s: %s %v", id, rep.Verdict, rep.Reasons)
		}
		rec, _ := f.Index.Record(ctx, id)
		var m archive.EvidenceManifest
		mn, _ := archive.EvidenceNames(0)
		json.Unmarshal(readAll(t, f.Store, rec.Key+mn), &m)
		if len(m.Objects) != len(recordNames(rec)) {
			t.Fatalf("%s: manifest covers %d objects, record has %v", id, len(m.Objects), recordNames(rec))
		}
	}
}

// An attempt of the previous version left a split-layout record (then a
// crash, before the state change); the retry, by this version, keeps that
// metadata.json and writes the objects it names: the record stays split
// and complete.
func TestRetryAfterUpgradeKeepsSplitRecord(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	d := f.Issued(t, archivetest.Options{Attachments: 1})
	events, _ := db.Events(ctx, d.ID)
	restore := f.UseSplitLayout()
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	restore()
	key := archive.Prefix(d.ID, d.Version) + archive.NameMetadata
	before := readAll(t, f.Store, key)
	f.ArchiveDoc(t, d.ID)
	if after := readAll(t, f.Store, key); !bytes.Equal(before, after) {
		t.Fatal("metadata.json of the earlier attempt was not kept")
	}
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"attachments/01-phu-luc-1.pdf", "document.pdf", "events.json", "metadata.json", "verification.json"}
	if got := recordNames(rec); !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	if rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{}); err != nil || !rep.OK || rep.Objects != 5 {
		t.Fatalf("fixity: %v %+v", err, rep)
	}
	if parts, err := f.Archive.Parts(ctx, rec); err != nil || len(parts) != 0 {
		t.Fatalf("parts of a split record: %v %v", parts, err)
	}
}

// A validation report that is not JSON cannot be carried in
// metadata.json: it stays an object of its own, byte for byte.
func TestReportNotJSONStaysAnObject(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	d := f.Issued(t, archivetest.Options{})
	events, _ := db.Events(ctx, d.ID)
	d.Verification.Report = []byte("verdict: valid <not json>")
	if _, err := f.Archive.ArchiveRecord(ctx, d, events); err != nil {
		t.Fatal(err)
	}
	rec, err := f.Index.Record(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := recordNames(rec); !slices.Equal(got, []string{"document.pdf", "metadata.json", "verification.json"}) {
		t.Fatalf("objects %v", got)
	}
	var md archive.Metadata
	json.Unmarshal(readAll(t, f.Store, rec.Key+archive.NameMetadata), &md)
	if v := readAll(t, f.Store, rec.Key+archive.NameVerification); string(v) != "verdict: valid <not json>" || sum(v) != md.Verification.SHA256 || md.Verification.Report != nil {
		t.Fatalf("verification.json %q, metadata %+v", v, md.Verification)
	}
	if _, ok := md.Part(archive.NameEvents); !ok {
		t.Fatal("the trail is not in metadata.json")
	}
}

// The report and the trail metadata.json carries are the files its
// SHA-256 values are of, for a tool nobody here wrote too: jq prints
// them (docs/archive.md says how).
func TestMetadataPartsWithJQ(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq missing: skipping the external check")
	}
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	d := f.ArchiveDoc(t, f.Issued(t, archivetest.Options{}).ID)
	rec, err := f.Index.Record(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	mb := readAll(t, f.Store, rec.Key+archive.NameMetadata)
	var md archive.Metadata
	if err := json.Unmarshal(mb, &md); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "metadata.json")
	os.WriteFile(path, mb, 0o644)
	for _, tc := range []struct{ args, want string }{
		{"-jc .verification.report", md.Verification.SHA256},
		{"-j .events.trail", md.Events.SHA256},
	} {
		out, err := exec.Command(jq, append(strings.Fields(tc.args), path)...).Output()
		if err != nil || sum(out) != tc.want {
			t.Errorf("jq %s: %v, SHA-256 %s, metadata.json records %s:\n%s", tc.args, err, sum(out), tc.want, out)
		}
	}
}

// metadata.json is a field a line, values compact (the report and the
// trail indented would take a typical record past MinIO's 16 KiB inline
// size); quotes, commas, colons and braces in texts do not break it.
func TestMetadataFieldALine(t *testing.T) {
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, nil)
	subject := `Về việc "A, B": {x} [y] \ z`
	d := f.ArchiveDoc(t, f.Issued(t, archivetest.Options{Subject: subject}).ID)
	rec, err := f.Index.Record(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	mb := readAll(t, f.Store, rec.Key+archive.NameMetadata)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(mb, &fields); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(mb), "\n"), "\n")
	if lines[0] != "{" || lines[len(lines)-1] != "}" || len(lines) != len(fields)+2 {
		t.Fatalf("%d lines for %d fields:\n%s", len(lines), len(fields), mb)
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, `  "`) || !strings.Contains(l, `": `) {
			t.Fatalf("line %q", l)
		}
	}
	var md archive.Metadata
	json.Unmarshal(mb, &md)
	if md.Subject != subject {
		t.Fatalf("subject %q", md.Subject)
	}
	var compact bytes.Buffer
	json.Compact(&compact, mb)
	if again, _ := json.Marshal(&md); !bytes.Equal(again, compact.Bytes()) {
		t.Fatalf("metadata.json is not the encoding of its fields:\n%s\n%s", again, compact.Bytes())
	}
}
