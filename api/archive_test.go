package api_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	s3 "github.com/minio/minio-go/v7"
	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/storage/minio/miniotest"
	"github.com/vanthu/vanthu/workflow"
)

// archiveFixture is the API over a real database, work store and archive
// store, with logged-in users "archivist", "clerk", "admin", "handler".
type archiveFixture struct {
	*archivetest.Fixture
	srv    *api.Server
	tokens map[string]string
}

func newArchiveFixture(t *testing.T, store workflow.Blobs) *archiveFixture {
	t.Helper()
	return newArchiveFixtureOn(t, gormdbtest.Open(t, gormdb.SQLite), store, nil)
}

// newArchiveFixtureOn is newArchiveFixture on db, with the fixture
// changed by tweak before the server is built (nil: as it is).
func newArchiveFixtureOn(t *testing.T, db *gormdb.DB, store workflow.Blobs, tweak func(*archivetest.Fixture)) *archiveFixture {
	t.Helper()
	ctx := context.Background()
	f := &archiveFixture{Fixture: archivetest.New(t, db, store), tokens: map[string]string{}}
	if tweak != nil {
		tweak(f.Fixture)
	}
	accounts := &auth.Service{Repo: db, Cost: bcrypt.MinCost}
	f.srv = api.New(&api.Server{Docs: f.Docs, Accounts: accounts, Directory: db,
		Extra: []func(g *echo.Group, s *api.Server){api.ArchiveRoutes(f.Archive)}}, nil)
	for _, r := range []string{"archivist", "clerk", "admin", "handler"} {
		if _, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: "api-" + r, Password: "password-" + r, Roles: []workflow.Role{workflow.Role(r)}}); err != nil {
			t.Fatal(err)
		}
		tok, _, _, err := accounts.Login(ctx, "api-"+r, "password-"+r)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = tok
	}
	return f
}

func (f *archiveFixture) do(t *testing.T, user, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if b, _ := json.Marshal(body); string(b) != "null" {
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	rec := httptest.NewRecorder()
	apitest.Validating(t, f.srv).ServeHTTP(rec, req)
	return rec
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
}

func TestArchiveRoutes(t *testing.T) {
	f := newArchiveFixture(t, nil)
	d := f.Issued(t, archivetest.Options{Subject: "Kế hoạch chỉnh trang đô thị quận Bình Thủy", Attachments: 1})
	signed, _ := d.MainFile()

	wantStatus(t, f.do(t, "handler", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusForbidden)
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)

	t.Run("search", func(t *testing.T) {
		for _, q := range []string{"binh+thuy", "B%C3%ACnh+Th%E1%BB%A7y"} {
			rec := f.do(t, "clerk", "GET", "/api/v1/archive?q="+q, nil)
			wantStatus(t, rec, http.StatusOK)
			var out struct{ Items []api.ArchiveRecordJSON }
			json.Unmarshal(rec.Body.Bytes(), &out)
			if len(out.Items) != 1 || out.Items[0].DocumentID != d.ID || out.Items[0].Notation != d.Notation {
				t.Fatalf("q=%s: %s", q, rec.Body)
			}
		}
		wantStatus(t, f.do(t, "handler", "GET", "/api/v1/archive?q=binh", nil), http.StatusForbidden)
		wantStatus(t, f.do(t, "clerk", "GET", "/api/v1/archive?number=x", nil), http.StatusBadRequest)
		// A range the wrong way round could match nothing: said, not an empty list.
		if rec := f.do(t, "clerk", "GET", "/api/v1/archive?from=2026-12-31&to=2026-01-01", nil); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"to"`) {
			t.Errorf("a reversed range: %d %s", rec.Code, rec.Body)
		}
		// By retention class, as the web's search (Thời hạn bảo quản).
		for class, n := range map[string]int{"10y": 1, "permanent": 0} {
			rec := f.do(t, "archivist", "GET", "/api/v1/archive?class="+class, nil)
			wantStatus(t, rec, http.StatusOK)
			var out struct{ Items []api.ArchiveRecordJSON }
			json.Unmarshal(rec.Body.Bytes(), &out)
			if len(out.Items) != n {
				t.Fatalf("class=%s: %d records, want %d: %s", class, len(out.Items), n, rec.Body)
			}
		}
		rec := f.do(t, "archivist", "GET", "/api/v1/archive?class=forever", nil)
		if wantStatus(t, rec, http.StatusBadRequest); !strings.Contains(rec.Body.String(), `"field":"class"`) {
			t.Fatalf("class=forever: %s", rec.Body)
		}
	})
	t.Run("record and object", func(t *testing.T) {
		rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID, nil)
		wantStatus(t, rec, http.StatusOK)
		var r api.ArchiveRecordJSON
		json.Unmarshal(rec.Body.Bytes(), &r)
		if r.RetentionClass != "10y" || len(r.Objects) != 3 || r.LegalHold { // PDF, attachment, metadata.json
			t.Fatalf("%s", rec.Body)
		}
		rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID+"/object?name=document.pdf", nil)
		wantStatus(t, rec, http.StatusOK)
		if got := sha256.Sum256(rec.Body.Bytes()); hex.EncodeToString(got[:]) != signed.SHA256 || rec.Header().Get("X-Content-SHA256") != signed.SHA256 {
			t.Fatal("archived PDF is not byte-identical to the signed one")
		}
	})
	t.Run("delete refused", func(t *testing.T) {
		rec := f.do(t, "admin", "DELETE", "/api/v1/archive/"+d.ID, nil)
		wantStatus(t, rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "write-once until") {
			t.Fatalf("no reason: %s", rec.Body)
		}
		// No route overwrites an archived object either; the document
		// itself accepts no further action.
		wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusConflict)
		wantStatus(t, f.do(t, "admin", "PUT", "/api/v1/archive/"+d.ID+"/object?name=document.pdf", nil), http.StatusMethodNotAllowed)
	})
	t.Run("legal hold", func(t *testing.T) {
		wantStatus(t, f.do(t, "clerk", "PUT", "/api/v1/archive/"+d.ID+"/legal-hold", map[string]any{"on": true}), http.StatusForbidden)
		rec := f.do(t, "archivist", "PUT", "/api/v1/archive/"+d.ID+"/legal-hold", map[string]any{})
		wantStatus(t, rec, http.StatusBadRequest)
		if e := decodeErr(t, rec); e.Error.Field != "on" { // it named none
			t.Errorf("no on: field %q, want on", e.Error.Field)
		}
		rec = f.do(t, "archivist", "PUT", "/api/v1/archive/"+d.ID+"/legal-hold", map[string]any{"on": true, "comment": "thanh tra"})
		wantStatus(t, rec, http.StatusOK)
		var r api.ArchiveRecordJSON
		json.Unmarshal(rec.Body.Bytes(), &r)
		if !r.LegalHold || !r.Objects[0].LegalHold {
			t.Fatalf("%s", rec.Body)
		}
		rec = f.do(t, "admin", "DELETE", "/api/v1/archive/"+d.ID, nil)
		wantStatus(t, rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "legal hold") {
			t.Fatalf("reason: %s", rec.Body)
		}
	})
	t.Run("package", func(t *testing.T) {
		rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID+"/package", nil)
		wantStatus(t, rec, http.StatusOK)
		if rec.Header().Get("Content-Type") != "application/zip" {
			t.Fatalf("content type %q", rec.Header().Get("Content-Type"))
		}
		validateBag(t, rec.Body.Bytes(), map[string]string{"data/document.pdf": signed.SHA256})
		wantStatus(t, f.do(t, "handler", "GET", "/api/v1/archive/"+d.ID+"/package", nil), http.StatusForbidden)
	})
}

// A record's validation report and audit trail, which metadata.json
// carries (or, in records of the split layout, objects of their own), are
// served and exported as verification.json and events.json, with the
// SHA-256 metadata.json records for them; the package is a valid bag
// either way, its payload exactly the record's files.
func TestArchiveReportAndTrailBothLayouts(t *testing.T) {
	f := newArchiveFixture(t, nil)
	restore := f.UseSplitLayout()
	split := f.Issued(t, archivetest.Options{Attachments: 1})
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+split.ID+"/actions/archive", nil), http.StatusOK)
	restore()
	current := f.Issued(t, archivetest.Options{Attachments: 1})
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+current.ID+"/actions/archive", nil), http.StatusOK)
	for _, tc := range []struct {
		name    string
		d       *workflow.Document
		objects int
	}{{"split", split, 5}, {"current", current, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+tc.d.ID, nil)
			wantStatus(t, rec, http.StatusOK)
			var r api.ArchiveRecordJSON
			json.Unmarshal(rec.Body.Bytes(), &r)
			if len(r.Objects) != tc.objects {
				t.Fatalf("%d objects, want %d: %s", len(r.Objects), tc.objects, rec.Body)
			}
			rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+tc.d.ID+"/object?name=metadata.json", nil)
			wantStatus(t, rec, http.StatusOK)
			var md archive.Metadata
			if err := json.Unmarshal(rec.Body.Bytes(), &md); err != nil || md.Verification == nil {
				t.Fatalf("metadata.json: %v %s", err, rec.Body)
			}
			want := map[string]string{"data/verification.json": md.Verification.SHA256, "data/events.json": md.Events.SHA256}
			for _, fm := range md.Files {
				want["data/"+fm.Name] = fm.SHA256
			}
			for name, sum := range want {
				rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+tc.d.ID+"/object?name="+strings.TrimPrefix(name, "data/"), nil)
				wantStatus(t, rec, http.StatusOK)
				if got := sha256.Sum256(rec.Body.Bytes()); hex.EncodeToString(got[:]) != sum || rec.Header().Get("X-Content-SHA256") != sum {
					t.Fatalf("%s: SHA-256 %x, header %s, metadata.json records %s", name, got, rec.Header().Get("X-Content-SHA256"), sum)
				}
			}
			var evs []struct{ Seq int64 }
			rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+tc.d.ID+"/object?name=events.json", nil)
			if err := json.Unmarshal(rec.Body.Bytes(), &evs); err != nil || len(evs) != md.Events.Count || evs[len(evs)-1].Seq != md.Events.LastSeq {
				t.Fatalf("events.json: %v, %d events, metadata.json says %d through %d", err, len(evs), md.Events.Count, md.Events.LastSeq)
			}
			for _, o := range r.Objects {
				want["data/"+o.Name] = o.SHA256
			}
			rec = f.do(t, "archivist", "GET", "/api/v1/archive/"+tc.d.ID+"/package", nil)
			wantStatus(t, rec, http.StatusOK)
			validateBag(t, rec.Body.Bytes(), want)
			if n := bagPayload(t, rec.Body.Bytes()); n != len(want) {
				t.Fatalf("package payload: %d files, want %d (%v)", n, len(want), want)
			}
		})
	}
}

// bagPayload counts the data/ files of a zipped bag.
func bagPayload(t *testing.T, b []byte) int {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, zf := range zr.File {
		if _, rel, _ := strings.Cut(zf.Name, "/"); strings.HasPrefix(rel, "data/") {
			n++
		}
	}
	return n
}

// validateBag checks a zipped bag without our writer's help: every payload
// and tag file is re-hashed from the zip and compared with the manifests,
// the manifests list exactly the files present, the Payload-Oxum is
// right; then the same with the unzip and sha256sum tools when present.
func validateBag(t *testing.T, b []byte, want map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files := map[string][]byte{}
	root := ""
	for _, zf := range zr.File {
		dir, rel, ok := strings.Cut(zf.Name, "/")
		if !ok || (root != "" && dir != root) {
			t.Fatalf("entry %q outside one top-level directory", zf.Name)
		}
		root = dir
		rc, _ := zf.Open()
		files[rel], _ = io.ReadAll(rc)
		rc.Close()
	}
	if string(files["bagit.txt"]) != "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n" {
		t.Fatalf("bagit.txt = %q", files["bagit.txt"])
	}
	parse := func(name string) map[string]string {
		m := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(files[name]))
		for sc.Scan() {
			sum, p, ok := strings.Cut(sc.Text(), "  ")
			if !ok {
				t.Fatalf("%s: bad line %q", name, sc.Text())
			}
			m[p] = sum
		}
		return m
	}
	hash := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	manifest := parse("manifest-sha256.txt")
	var payload int64
	var nfiles int
	for p, content := range files {
		if strings.HasPrefix(p, "data/") {
			nfiles++
			payload += int64(len(content))
			if manifest[p] != hash(content) {
				t.Errorf("%s: manifest %s, content %s", p, manifest[p], hash(content))
			}
		}
	}
	if len(manifest) != nfiles {
		t.Errorf("manifest lists %d files, payload has %d", len(manifest), nfiles)
	}
	for p, sum := range want {
		if manifest[p] != sum {
			t.Errorf("%s: %s, want %s", p, manifest[p], sum)
		}
	}
	tags := parse("tagmanifest-sha256.txt")
	for _, p := range []string{"bagit.txt", "bag-info.txt", "manifest-sha256.txt"} {
		if tags[p] != hash(files[p]) {
			t.Errorf("tagmanifest: %s", p)
		}
	}
	oxum := fmt.Sprintf("Payload-Oxum: %d.%d\n", payload, nfiles)
	if !strings.Contains(string(files["bag-info.txt"]), oxum) {
		t.Errorf("bag-info.txt has no %q:\n%s", oxum, files["bag-info.txt"])
	}
	// The same with tools nobody here wrote.
	unzip, err1 := exec.LookPath("unzip")
	sha256sum, err2 := exec.LookPath("sha256sum")
	if err1 != nil || err2 != nil {
		t.Log("unzip or sha256sum missing: skipping the external check")
		return
	}
	dir := t.TempDir()
	zp := filepath.Join(dir, "bag.zip")
	os.WriteFile(zp, b, 0o644)
	if out, err := exec.Command(unzip, "-q", zp, "-d", dir).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v\n%s", err, out)
	}
	for _, m := range []string{"manifest-sha256.txt", "tagmanifest-sha256.txt"} {
		cmd := exec.Command(sha256sum, "--check", "--strict", m)
		cmd.Dir = filepath.Join(dir, root)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum --check %s: %v\n%s", m, err, out)
		}
	}
	if bagit, err := exec.LookPath("bagit.py"); err == nil {
		if out, err := exec.Command(bagit, "--validate", filepath.Join(dir, root)).CombinedOutput(); err != nil {
			t.Fatalf("bagit.py --validate: %v\n%s", err, out)
		}
	}
}

// killingStore kills the MinIO server when the nth Put starts, before it
// is sent: a crash in the middle of writing a record. (A record's objects
// are written at once, so killing after the nth Put returned could come
// after all the others had succeeded.)
type killingStore struct {
	workflow.Blobs
	n    atomic.Int32
	kill func()
}

func (k *killingStore) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, o workflow.PutOptions) (workflow.ObjectInfo, error) {
	if k.n.Add(-1) == 0 {
		k.kill()
	}
	return k.Blobs.Put(ctx, key, r, size, sum, o)
}

func (k *killingStore) ServerChecksum(ctx context.Context, key string) (string, error) {
	return k.Blobs.(*minio.Store).ServerChecksum(ctx, key)
}

// The MinIO server dies while a record is written: a clear 503, the
// document unchanged; after a restart the retry succeeds once, with one
// version of each object and one index row each.
func TestIntegrationArchiveMinIOCrash(t *testing.T) {
	srv := miniotest.Start(t, "")
	ctx := context.Background()
	store, err := minio.New(ctx, srv.Config("archive", true))
	if err != nil {
		t.Fatal(err)
	}
	ks := &killingStore{Blobs: store, kill: srv.Kill}
	ks.n.Store(3)
	f := newArchiveFixture(t, ks)
	d := f.Issued(t, archivetest.Options{Attachments: 2})

	rec := f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil)
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if !strings.Contains(rec.Body.String(), "archive store is unavailable") || !strings.Contains(rec.Body.String(), "unchanged") {
		t.Fatalf("unclear message: %s", rec.Body)
	}
	after, _ := f.DB.Document(ctx, d.ID)
	if after.State != workflow.Issued || after.Version != d.Version || after.ArchivedAt != nil {
		t.Fatalf("state changed: %s v%d", after.State, after.Version)
	}

	srv.Start()
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusConflict)

	r, err := f.Index.Record(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, _, _ := f.Index.ObjectStats(ctx)
	if len(r.Objects) != 4 || n != 4 {
		t.Fatalf("%d objects in the record, %d rows", len(r.Objects), n)
	}
	versions := map[string]int{}
	for o := range store.Client().ListObjectsIter(ctx, store.Bucket(), s3.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		versions[o.Key]++
	}
	if len(versions) != 4 {
		t.Fatalf("keys in the bucket: %v", versions)
	}
	for _, o := range r.Objects {
		if versions[o.Key] != 1 || o.VersionID == "" {
			t.Errorf("%s: %d versions (recorded version %q)", o.Key, versions[o.Key], o.VersionID)
		}
		// MinIO itself refuses to delete the locked version.
		err := store.Client().RemoveObject(ctx, store.Bucket(), o.Key, s3.RemoveObjectOptions{VersionID: o.VersionID})
		if err == nil {
			t.Errorf("MinIO deleted locked version %s of %s", o.VersionID, o.Key)
		}
	}
	rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil || !rep.OK || rep.Objects != 4 {
		t.Fatalf("fixity after the crash: %v %+v", err, rep)
	}
}

// downStore is an archive store whose reads fail as an outage does, once
// down is set.
type downStore struct {
	workflow.Blobs
	down atomic.Bool
}

func (s *downStore) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	if s.down.Load() {
		return nil, workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "get %q: object store unreachable", key)
	}
	return s.Blobs.Get(ctx, key)
}

// TestArchivePackageStoreDown: a package asked for while the archive store
// is down is a 503 with the reason, before any byte of the zip (before, the
// 200 status went out first and the connection was cut).
func TestArchivePackageStoreDown(t *testing.T) {
	fs, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := &downStore{Blobs: fs}
	f := newArchiveFixture(t, store)
	d := f.Issued(t, archivetest.Options{Subject: "Kế hoạch phòng chống thiên tai"})
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
	store.down.Store(true)
	rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID+"/package", nil)
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if !strings.Contains(rec.Body.String(), `"code":"unavailable"`) || rec.Header().Get("Content-Disposition") != "" {
		t.Fatalf("body %s, headers %v", rec.Body, rec.Header())
	}
}

// TestArchiveObjectTypes: every object of a record is served as what it
// is: the PDF as application/pdf, metadata.json as JSON, an attachment a
// connected agency sent as a .docx under its own type, anything else
// (an .html among them) as application/octet-stream; always as an
// attachment, never sniffed. Every object was application/pdf.
func TestArchiveObjectTypes(t *testing.T) {
	f := newArchiveFixture(t, nil)
	d := f.Completed(t, archivetest.Options{Others: map[string][]byte{
		"Phụ lục.docx": []byte("PK\x03\x04 a docx"), "trang.html": []byte("<html><script>alert(1)</script>")}})
	wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
	rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID, nil)
	wantStatus(t, rec, http.StatusOK)
	var r api.ArchiveRecordJSON
	json.Unmarshal(rec.Body.Bytes(), &r)
	want := map[string]string{".pdf": "application/pdf", ".json": "application/json",
		".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".html": "application/octet-stream"}
	seen := 0
	for _, o := range r.Objects {
		rec := f.do(t, "archivist", "GET", "/api/v1/archive/"+d.ID+"/object?name="+url.QueryEscape(o.Name), nil)
		wantStatus(t, rec, http.StatusOK)
		h := rec.Header()
		w, ok := want[path.Ext(o.Name)]
		if !ok {
			continue
		}
		seen++
		if h.Get("Content-Type") != w || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: Content-Type %q (want %q), Content-Disposition %q, nosniff %q", o.Name, h.Get("Content-Type"), w,
				h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"))
		}
	}
	if seen != 4 {
		t.Errorf("%d of the record's objects checked, want 4: %+v", seen, r.Objects)
	}
}
