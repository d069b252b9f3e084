package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// filesBackends are the stores the files inspection runs on: the
// embedded default, and the production pair.
var filesBackends = []string{"localfs+sqlite", "minio+postgres"}

// filesEnv is the environment of a fresh installation on backend, serve's
// own inspection off unless the test turns it on.
func filesEnv(t *testing.T, backend string) map[string]string {
	t.Helper()
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_FILES_INSPECT_AFTER": "0"}
	if backend == "minio+postgres" {
		env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
		maps.Copy(env, sharedS3Env(t))
	}
	return env
}

// buildApp builds the app of env (as every command does), closed when
// the test ends.
func buildApp(t *testing.T, env map[string]string) *app {
	t.Helper()
	cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), cfg, options{}, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// uninspectedKeys are what files' JSON says of their inspection: the
// version before wrote neither.
var uninspectedKeys = regexp.MustCompile(`,"(active":\[[^\]]*\]|inspection":"[a-z]*")`)

// seedUninspected receives two documents from an agency — the first a PDF
// with JavaScript and an embedded file, a PDF with a launch action, a
// clean PDF and a .docx; the second a clean PDF — and then makes their
// rows as the version before wrote them: no inspection recorded.
func seedUninspected(t *testing.T, a *app) (first, second string) {
	t.Helper()
	ids := receiveAs(t, a, uninspectedKeys)
	return ids[0], ids[1]
}

// receiveAs receives the documents of seedUninspected (and with legacy,
// a third: a PDF with JavaScript) and removes what old matches from
// their files' JSON.
func receiveAs(t *testing.T, a *app, old *regexp.Regexp, legacy ...bool) []string {
	t.Helper()
	ctx := context.Background()
	up := func(name string, b []byte) workflow.Upload {
		return workflow.Upload{Name: name, Size: int64(len(b)), Content: bytes.NewReader(b)}
	}
	day := workflow.NewDate(2026, 11, 20)
	var ids []string
	docs := [][]workflow.Upload{
		{up("cong-van.pdf", testpdf.ActiveJSEmbedded()), up("bang-ke.pdf", testpdf.ActiveLaunch()), up("phu-luc.pdf", testpdf.Make(1, "phu luc")),
			up("du-toan.docx", []byte("PK\x03\x04 not a PDF"))},
		{up("thong-bao.pdf", testpdf.Make(1, "thong bao"))},
	}
	if len(legacy) > 0 && legacy[0] {
		docs = append(docs, []workflow.Upload{up("giay-moi.pdf", testpdf.ActiveJS())})
	}
	for i, files := range docs {
		num := []string{"12/UBND-VP", "13/UBND-VP", "14/UBND-VP"}[i]
		d, _, err := a.docs.Receive(ctx, workflow.ReceiveInput{ExternalID: "000.00.00.H13,2026/11/20," + num,
			CreateInput: workflow.CreateInput{Type: "CV", Subject: "Công văn " + num, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
				OriginalNumber: num, OriginalDate: &day, File: &files[0], Attachments: files[1:]}})
		if err != nil {
			t.Fatal(err)
		}
		if d.Files[0].Inspection != workflow.Inspected {
			t.Fatalf("a received document's file is not inspected: %+v", d.Files)
		}
		sf, err := a.db.StoredFiles(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		re := old
		if i == 2 {
			re = legacyKeys // written between the two versions: what it carries, not that it was inspected
		}
		was := re.ReplaceAllString(sf.Stamp, "")
		if strings.Contains(was, "inspection") {
			t.Fatalf("still inspected: %s", was)
		}
		if err := a.db.Gorm().Exec("UPDATE documents SET files = ? WHERE id = ?", was, d.ID).Error; err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	return ids
}

// legacyKeys are what the version before this one did not write of an
// inspection: its mark.
var legacyKeys = regexp.MustCompile(`,"inspection":"[a-z]*"`)

// inspectedAs is a file as the tests compare it.
type inspectedAs struct {
	Name string
	In   workflow.Inspection
	A    workflow.Active
}

func filesOf(t *testing.T, db *gormdb.DB, id string) []inspectedAs {
	t.Helper()
	d, err := db.Document(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []inspectedAs
	for _, f := range d.Files {
		out = append(out, inspectedAs{f.Name, f.Inspection, f.Active})
	}
	return out
}

// wantSeeded are the seeded documents' files once inspected.
var wantSeeded = [][]inspectedAs{
	{{"cong-van.pdf", workflow.Inspected, workflow.ActiveJavaScript | workflow.ActiveEmbeddedFile}, {"bang-ke.pdf", workflow.Inspected, workflow.ActiveLaunch},
		{"phu-luc.pdf", workflow.Inspected, 0}, {"du-toan.docx", workflow.Unreadable, 0}},
	{{"thong-bao.pdf", workflow.Inspected, 0}},
}

// wantLegacy is the file of a row that says what it carries but not that
// it was inspected: inspected.
var wantLegacy = []inspectedAs{{"giay-moi.pdf", workflow.Inspected, workflow.ActiveJavaScript}}

// vanthu files inspect, on the embedded default and on MinIO and
// PostgreSQL: the incoming documents' files stored before their
// inspection was recorded (read as not inspected) are read from the work
// store, inspected and recorded — what each PDF carries, the .docx as no
// PDF it reads —, with progress on stderr and a summary; a row that says
// what its file carries, not that it was inspected (written between the
// two versions), is written again saying both; the documents' versions
// stay; a second run finds nothing to do; --json reports it.
func TestFilesInspectCLI(t *testing.T) {
	for _, backend := range filesBackends {
		t.Run(backend, func(t *testing.T) {
			env := filesEnv(t, backend)
			a := buildApp(t, env)
			ids := receiveAs(t, a, uninspectedKeys, true)
			first, second, third := ids[0], ids[1], ids[2]
			if got := filesOf(t, a.db, third); !equalAs(got, wantLegacy) {
				t.Fatalf("a row that says what its file carries reads %+v, want %+v", got, wantLegacy)
			}
			for _, id := range []string{first, second} {
				for _, f := range filesOf(t, a.db, id) {
					if f.In != workflow.NotInspected || f.A != 0 {
						t.Fatalf("an old row's file reads %+v, want not inspected", f)
					}
				}
			}
			before, err := a.db.Document(context.Background(), first)
			if err != nil {
				t.Fatal(err)
			}

			code, out, stderr := runCLI(t, env, "files", "inspect")
			if code != 0 || !strings.Contains(out, "files inspect: 3 documents had files not inspected; 3 read, 3 written: 4 files inspected (2 carry JavaScript, a launch action or an embedded file), 1 not PDFs the inspection reads,") ||
				!strings.Contains(out, "0 changed meanwhile (read again), 0 left for a later run, 0 errors") {
				t.Fatalf("files inspect: %d\n%s\n%s", code, out, stderr)
			}
			if !strings.Contains(stderr, "files inspect: 3/3 documents, 4 files inspected, 2 with active content, 1 unreadable, 0 errors") {
				t.Errorf("no progress on stderr:\n%s", stderr)
			}
			for i, id := range []string{first, second} {
				if got := filesOf(t, a.db, id); !equalAs(got, wantSeeded[i]) {
					t.Errorf("document %d's files:\n got  %+v\n want %+v", i+1, got, wantSeeded[i])
				}
			}
			if got := filesOf(t, a.db, third); !equalAs(got, wantLegacy) {
				t.Errorf("the row that said what its file carries: %+v, want %+v", got, wantLegacy)
			}
			if n, err := a.db.CountUninspected(context.Background()); err != nil || n != 0 {
				t.Errorf("documents still listed as not inspected: %d, %v", n, err)
			}
			after, err := a.db.Document(context.Background(), first)
			if err != nil || after.Version != before.Version || !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("the document's version or update time changed: %+v, %v", after, err)
			}

			code, out, stderr = runCLI(t, env, "files", "inspect", "--json")
			var rep workflow.FillReport
			if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.ToDo != 0 || rep.Documents != 0 || rep.Written != 0 {
				t.Errorf("a second run: %d %v\n%s\n%s", code, err, out, stderr)
			}
		})
	}
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func equalAs(a, b []inspectedAs) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The inspection keeps what changed under it: a document registered
// between the fill's read and its write stays registered (the fill
// writes the files alone, their inspection only); a document that gained
// a file meanwhile (an upload, a guarded update of a new version) keeps
// it — the fill's write finds the files changed and is refused, the
// files are read again and the new one inspected too.
func TestFilesInspectKeepsConcurrentEdits(t *testing.T) {
	for _, backend := range filesBackends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			a := buildApp(t, filesEnv(t, backend))
			first, second := seedUninspected(t, a)
			clerk, err := a.auth.CreateUser(ctx, nil, auth.NewUser{Username: "clerk", Password: "password-clerk", Roles: []workflow.Role{workflow.RoleClerk}})
			if err != nil {
				t.Fatal(err)
			}
			added := testpdf.ActiveLaunch()
			addedFile := workflow.File{SHA256: sumHex(added), Name: "bo-sung.pdf", Size: int64(len(added)), Kind: workflow.FileAttachment, CreatedAt: time.Now()}
			if _, err := a.blobs.Put(ctx, workflow.BlobKey(addedFile.SHA256), bytes.NewReader(added), addedFile.Size, addedFile.SHA256, workflow.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			fill := a.inspectFill(1)
			edited := map[string]bool{}
			fill.BeforeWrite = func(id string) {
				if edited[id] {
					return
				}
				edited[id] = true
				switch id {
				case first:
					if _, err := a.docs.Apply(ctx, clerk, id, workflow.Register, workflow.ActionInput{}); err != nil {
						t.Errorf("register meanwhile: %v", err)
					}
				case second:
					err := a.db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
						d, err := tx.LockDocument(ctx, id)
						if err != nil {
							return err
						}
						d.Files = append(d.Files, addedFile)
						d.Version++
						return tx.UpdateDocument(ctx, d, d.Version-1)
					})
					if err != nil {
						t.Errorf("a file added meanwhile: %v", err)
					}
				}
			}
			rep, err := fill.Run(ctx)
			if err != nil || rep.Written != 2 || rep.Changed != 1 || rep.Left != 0 {
				t.Fatalf("run: %+v, %v; want both written, one read again", rep, err)
			}
			d, err := a.db.Document(ctx, first)
			if err != nil || d.State != workflow.Registered || d.Version != 2 || !equalAs(filesOf(t, a.db, first), wantSeeded[0]) {
				t.Errorf("the document registered meanwhile: %+v, %v; files %+v", d, err, filesOf(t, a.db, first))
			}
			want := append(wantSeeded[1][:1:1], inspectedAs{"bo-sung.pdf", workflow.Inspected, workflow.ActiveLaunch})
			if got := filesOf(t, a.db, second); !equalAs(got, want) {
				t.Errorf("the document that gained a file meanwhile:\n got  %+v\n want %+v", got, want)
			}
		})
	}
}

// serve inspects the files stored before, once, VANTHU_FILES_INSPECT_AFTER
// after it starts, holding the lease files-inspect.
func TestServeInspectsFilesOnce(t *testing.T) {
	env := filesEnv(t, "localfs+sqlite")
	a := buildApp(t, env)
	first, second := seedUninspected(t, a)
	env["VANTHU_FILES_INSPECT_AFTER"] = "10ms"
	startServer(t, env)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n, err := a.db.CountUninspected(context.Background()); err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not inspect the files within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i, id := range []string{first, second} {
		if got := filesOf(t, a.db, id); !equalAs(got, wantSeeded[i]) {
			t.Errorf("document %d's files:\n got  %+v\n want %+v", i+1, got, wantSeeded[i])
		}
	}
	var holders []string
	a.db.Gorm().Raw("SELECT holder FROM leases WHERE name = ?", filesInspectLeaseName).Scan(&holders)
	if len(holders) != 1 {
		t.Errorf("lease %s holders: %v, want serve's", filesInspectLeaseName, holders)
	}
}

// vanthu archive import records what its own inspection of each file
// found: the imported document's file is inspected (nothing left for
// vanthu files inspect), and its archive record's metadata.json says
// what the file carries.
func TestArchiveImportRecordsInspection(t *testing.T) {
	env := filesEnv(t, "localfs+sqlite")
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "a.pdf"), testpdf.ActiveJS(), 0o644)
	os.WriteFile(filepath.Join(in, "index.csv"), []byte("file,type,subject,sender_name,original_number,original_date\n"+
		"a.pdf,QĐ,Quyết định,UBND thành phố Cần Thơ,5/QĐ-UBND,2019-03-04\n"), 0o644)
	if code, out, stderr := runCLI(t, env, "archive", "import", in); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	a := buildApp(t, env)
	ctx := context.Background()
	docs, _, err := a.db.Documents(ctx, workflow.DocumentFilter{SeeAll: true})
	if err != nil || len(docs) != 1 {
		t.Fatalf("imported: %v, %v", docs, err)
	}
	d := docs[0]
	if got := filesOf(t, a.db, d.ID); !equalAs(got, []inspectedAs{{"a.pdf", workflow.Inspected, workflow.ActiveJavaScript}}) {
		t.Errorf("the imported file: %+v", got)
	}
	store, err := localfs.New(filepath.Join(env["VANTHU_DATA_DIR"], "archive"))
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := store.Get(ctx, archive.Prefix(d.ID, d.Version-1)+archive.NameMetadata)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var md archive.Metadata
	if err := json.NewDecoder(rc).Decode(&md); err != nil || len(md.Files) != 1 {
		t.Fatalf("metadata.json: %+v, %v", md, err)
	}
	if a, known := md.Files[0].Active(); !known || a != workflow.ActiveJavaScript {
		t.Errorf("metadata.json's file: inspected %v, active_content %v", md.Files[0].Inspected, md.Files[0].ActiveContent)
	}
}
