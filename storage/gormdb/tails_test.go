package gormdb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// tailEnv is a workflow.Service on a gormdb repository with a handler,
// an official and a clerk.
type tailEnv struct {
	db    *gormdb.DB
	blobs workflow.Blobs
	svc   *workflow.Service
	users map[workflow.Role]*workflow.User
	// other is a second instance on the same database, with a service:
	// it has kept no tail in memory.
	other    *gormdb.DB
	otherSvc *workflow.Service
}

func newTailEnv(t *testing.T, backend string, signer workflow.Signer) *tailEnv {
	t.Helper()
	ctx := context.Background()
	dbs := gormdbtest.OpenInstances(t, backend, 2)
	e := &tailEnv{db: dbs[0], other: dbs[1], blobs: workflowtest.TempBlobs(t), users: map[workflow.Role]*workflow.User{}}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, workflow.Vietnam)
	service := func(db *gormdb.DB) *workflow.Service {
		return &workflow.Service{Repo: db, Blobs: e.blobs, Signer: signer,
			Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"},
			Now:    func() time.Time { return now }}
	}
	e.svc, e.otherSvc = service(e.db), service(e.other)
	err := e.db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, r := range []workflow.Role{workflow.RoleHandler, workflow.RoleOfficer, workflow.RoleClerk} {
			u := &workflow.User{ID: "u-" + string(r), Username: string(r), Roles: []workflow.Role{r}}
			e.users[r] = u
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var tailDraft = []byte("%PDF-1.4\n% a draft of the tails test, longer than workflow.MaxHead\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// issue drafts an outgoing document with an attachment and takes it to
// issued, returning it as read back from the database.
func (e *tailEnv) issue(t *testing.T) *workflow.Document {
	t.Helper()
	ctx := context.Background()
	att := append(slices.Clone(tailDraft), "%attachment\n"...)
	d, err := e.svc.Create(ctx, e.users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing, Type: "QĐ",
		Subject: "Về việc lưu phần nối thêm", SignerID: e.users[workflow.RoleOfficer].ID,
		File:        &workflow.Upload{Name: "a.pdf", Size: int64(len(tailDraft)), Content: bytes.NewReader(tailDraft)},
		Attachments: []workflow.Upload{{Name: "pl.pdf", Size: int64(len(att)), Content: bytes.NewReader(att)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		role   workflow.Role
		action workflow.Action
	}{{workflow.RoleHandler, workflow.Submit}, {workflow.RoleOfficer, workflow.Approve}, {workflow.RoleOfficer, workflow.Sign}, {workflow.RoleClerk, workflow.Issue}} {
		if _, err := e.svc.Apply(ctx, e.users[step.role], d.ID, step.action, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
	}
	d, err = e.db.Document(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// read reads file f of d through the service (the download's path) and
// through workflow.Files (the archive's and the exchange's), on both
// instances.
func (e *tailEnv) read(t *testing.T, d *workflow.Document, f workflow.File) ([]byte, error) {
	t.Helper()
	b, err := e.readOn(t, e.svc, e.db, d, f)
	if err != nil {
		return nil, err
	}
	b2, err := e.readOn(t, e.otherSvc, e.other, d, f)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("file %s: the second instance reads %v", f.Name, err)
	}
	return b, nil
}

func (e *tailEnv) readOn(t *testing.T, svc *workflow.Service, db *gormdb.DB, d *workflow.Document, f workflow.File) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	rc, _, _, err := svc.OpenFile(ctx, e.users[workflow.RoleClerk], d.ID, f.SHA256)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, err
	}
	b2, err := workflow.FilesOf(e.blobs, db).Read(ctx, d.Files, f)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("file %s: OpenFile and Files.Read differ", f.Name)
	}
	return b, nil
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestSignedRevisionsAreTails: layer 1, layer 2 and the signed
// attachment extend the files they sign, so they are stored as tails in
// the database (no work-store blob), and read back byte for byte with
// their hash; the collector's references name only whole blobs; a
// corrupted or missing tail is refused (EINTERNAL), not served.
func TestSignedRevisionsAreTails(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			e := newTailEnv(t, backend, workflowtest.Signer{})
			d := e.issue(t)
			if len(d.Files) != 5 {
				t.Fatalf("files: %+v", d.Files)
			}
			byName := map[string][]byte{"a.pdf": tailDraft}
			byName["a.signed-l1.pdf"] = append(slices.Clone(tailDraft), "\n%L1 u-officer\n"...)
			byName["a.signed.pdf"] = append(slices.Clone(byName["a.signed-l1.pdf"]), "\n%L2 "+d.Notation+"\n"...)
			att := append(slices.Clone(tailDraft), "%attachment\n"...)
			tailed := 0
			for _, f := range d.Files {
				want := byName[f.Name]
				if f.Name == "pl.pdf" {
					want = att
					if f.Base != "" {
						want = append(slices.Clone(att), "\n%A "+d.Notation+"\n"...)
					}
				}
				got, err := e.read(t, d, f)
				if err != nil || !bytes.Equal(got, want) || sha(got) != f.SHA256 || int64(len(got)) != f.Size {
					t.Errorf("file %s (base %q): %q, %v; want %q with its hash", f.Name, f.Base, got, err, want)
				}
				_, err = e.blobs.Stat(ctx, workflow.BlobKey(f.SHA256))
				switch {
				case f.Kind == workflow.FileSigned || (f.Name == "pl.pdf" && f.Base != ""):
					tailed++
					if f.Base == "" || workflow.ErrorCode(err) != workflow.ENOTFOUND {
						t.Errorf("signed file %s: base %q, work-store object: %v; want a tail and no object", f.Name, f.Base, err)
					}
				case err != nil || f.Base != "":
					t.Errorf("uploaded file %s: base %q, work-store object: %v", f.Name, f.Base, err)
				}
			}
			if tailed != 3 {
				t.Errorf("%d tailed files, want 3 (layer 1, layer 2, the signed attachment)", tailed)
			}
			var refs []string
			if err := e.db.ReferencedBlobs(ctx, func(s string) error { refs = append(refs, s); return nil }); err != nil {
				t.Fatal(err)
			}
			slices.Sort(refs)
			if want := []string{sha(tailDraft), sha(att)}; !slices.Equal(refs, slices.Sorted(slices.Values(want))) {
				t.Errorf("referenced blobs %v, want the two uploads %v", refs, want)
			}

			// A corrupted or missing tail is refused by the instance that
			// reads it from the database; the one that wrote it keeps it in
			// memory (a row is never changed) and serves the file it wrote.
			issued, _ := d.MainFile()
			l2 := len(byName["a.signed.pdf"]) - len(byName["a.signed-l1.pdf"])
			if err := e.db.Gorm().Exec("UPDATE file_tails SET tail = ? WHERE sha256 = ?", bytes.Repeat([]byte("x"), l2), issued.SHA256).Error; err != nil {
				t.Fatal(err)
			}
			if b, err := e.readOn(t, e.otherSvc, e.other, d, issued); workflow.ErrorCode(err) != workflow.EINTERNAL {
				t.Errorf("corrupted tail: %q, %v; want EINTERNAL", b, err)
			}
			if b, err := e.readOn(t, e.svc, e.db, d, issued); err != nil || !bytes.Equal(b, byName["a.signed.pdf"]) {
				t.Errorf("the tail kept in memory: %q, %v", b, err)
			}
			if err := e.db.Gorm().Exec("DELETE FROM file_tails WHERE sha256 = ?", issued.SHA256).Error; err != nil {
				t.Fatal(err)
			}
			if b, err := e.readOn(t, e.otherSvc, e.other, d, issued); workflow.ErrorCode(err) != workflow.EINTERNAL {
				t.Errorf("missing tail: %q, %v; want EINTERNAL", b, err)
			}
		})
	}
}

// TestTailMadeOnlyFromMemo: the instance that wrote a tail answers it
// from memory as Made (workflow.Files then does not hash what it made);
// another instance reads it from the database, not Made, and its reads
// are hashed.
func TestTailMadeOnlyFromMemo(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			e := newTailEnv(t, backend, workflowtest.Signer{})
			d := e.issue(t)
			issued, _ := d.MainFile()
			for _, c := range []struct {
				name string
				db   *gormdb.DB
				made bool
			}{{"writer", e.db, true}, {"other instance", e.other, false}} {
				tl, err := c.db.Tail(ctx, issued.SHA256, issued.Base)
				if err != nil || tl.Made != c.made || tl.SHA256 != issued.SHA256 {
					t.Errorf("%s: tail %s on %s: made %v, %v; want made %v", c.name, tl.SHA256, tl.Base, tl.Made, err, c.made)
				}
			}
		})
	}
}

// rewriter signs by rewriting the file (its output does not start with
// its input), as a signer that saves the whole PDF again would.
type rewriter struct{ workflowtest.Signer }

func (rewriter) SignOfficial(_ context.Context, _ *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	return append([]byte("%rewritten by "+u.ID+"\n"), pdf...), nil
}

// raiser raises the header to 1.5 in place before layer 1, as
// signing's normalisation does for a PDF below 1.5.
type raiser struct{ workflowtest.Signer }

func (r raiser) SignOfficial(ctx context.Context, d *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	return r.Signer.SignOfficial(ctx, d, u, bytes.Replace(pdf, []byte("%PDF-1.4"), []byte("%PDF-1.5"), 1))
}

// TestRaisedHeaderIsTail: layer 1 of a draft whose header the signer
// raised in place is still a tail (its Head replaces the draft's first
// bytes), and reads back byte for byte.
func TestRaisedHeaderIsTail(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			e := newTailEnv(t, backend, raiser{})
			d := e.issue(t)
			l1 := append(bytes.Replace(slices.Clone(tailDraft), []byte("%PDF-1.4"), []byte("%PDF-1.5"), 1), "\n%L1 u-officer\n"...)
			want := map[string][]byte{"a.signed-l1.pdf": l1, "a.signed.pdf": append(slices.Clone(l1), "\n%L2 "+d.Notation+"\n"...)}
			for _, f := range d.Files {
				w, ok := want[f.Name]
				if !ok {
					continue
				}
				if _, err := e.blobs.Stat(ctx, workflow.BlobKey(f.SHA256)); f.Base == "" || workflow.ErrorCode(err) != workflow.ENOTFOUND {
					t.Errorf("%s: base %q, work-store object %v; want a tail", f.Name, f.Base, err)
				}
				if got, err := e.read(t, d, f); err != nil || !bytes.Equal(got, w) {
					t.Errorf("%s: %q, %v; want %q", f.Name, got, err, w)
				}
			}
		})
	}
}

// TestRewrittenRevisionIsWhole: a signed file that does not extend the
// file it signed is stored whole, in the work store, and reads back.
func TestRewrittenRevisionIsWhole(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			e := newTailEnv(t, backend, rewriter{})
			d := e.issue(t)
			for _, f := range d.Files {
				if f.Name != "a.signed-l1.pdf" {
					continue
				}
				if f.Base != "" {
					t.Errorf("rewritten layer 1 has base %s", f.Base)
				}
				if _, err := e.blobs.Stat(ctx, workflow.BlobKey(f.SHA256)); err != nil {
					t.Errorf("rewritten layer 1: no work-store object: %v", err)
				}
				if got, err := e.read(t, d, f); err != nil || sha(got) != f.SHA256 {
					t.Errorf("rewritten layer 1: %v", err)
				}
			}
			issued, _ := d.MainFile()
			if issued.Base == "" {
				t.Errorf("layer 2 extends the whole layer 1: want a tail")
			}
			if got, err := e.read(t, d, issued); err != nil || sha(got) != issued.SHA256 {
				t.Errorf("issued file: %v", err)
			}
		})
	}
}
