// Package archivetest builds a working archive for tests: a gormdb
// database, a work store, an archive store, a workflow.Service whose
// Archiver is an archive.Service, users of every role, and helpers that
// walk documents to the states from which they are archived.
package archivetest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// Fixture is a wired archive.
type Fixture struct {
	DB      *gormdb.DB
	Index   *gormdb.ArchiveIndex
	Work    workflow.Blobs
	Store   workflow.Blobs
	Docs    *workflow.Service
	Archive *archive.Service
	Users   map[workflow.Role]*workflow.User
}

// New wires a fixture on db with the given archive store (a localfs store
// in a temporary directory when nil) and a localfs work store.
func New(tb testing.TB, db *gormdb.DB, store workflow.Blobs) *Fixture {
	tb.Helper()
	ctx := context.Background()
	work, err := localfs.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	if store == nil {
		s, err := localfs.New(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		store = s
	}
	idx := gormdb.NewArchiveIndex(db)
	defaults, err := archive.ParseDefaults("QĐ=permanent,*=10y")
	if err != nil {
		tb.Fatal(err)
	}
	agency := workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}
	f := &Fixture{DB: db, Index: idx, Work: work, Store: store, Users: map[workflow.Role]*workflow.User{}}
	f.Archive = &archive.Service{Work: work, Store: store, Index: idx, Repo: db, Defaults: defaults, Org: agency}
	f.Docs = &workflow.Service{Repo: db, Blobs: work, Signer: workflowtest.Signer{}, Archiver: f.Archive, Agency: agency}
	f.Archive.Docs = f.Docs
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, r := range workflow.Roles {
			u := &workflow.User{ID: "u-" + string(r), Username: string(r), FullName: "Nguyễn Văn " + string(r),
				Title: "Chức vụ", Roles: []workflow.Role{r}, CreatedAt: time.Now()}
			if r == workflow.RoleOfficer {
				u.FullName = "Trần Thị Bình"
			}
			f.Users[r] = u
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// Options shape a document made by Issued or Completed.
type Options struct {
	Subject         string
	Type            workflow.DocType
	Confidentiality workflow.Confidentiality
	Retention       string
	PDF             []byte // the main file (a small generated PDF when nil)
	Attachments     int
	// Others are attachments of an incoming document that are not PDFs
	// (as a connected agency's package carries them), by name.
	Others map[string][]byte
}

func (o *Options) defaults(i int) {
	if o.Subject == "" {
		o.Subject = fmt.Sprintf("Về việc chỉnh trang đô thị quận Bình Thủy, đợt %d", i)
	}
	if o.Type == "" {
		o.Type = "KH"
	}
	if o.PDF == nil {
		o.PDF = testpdf.Make(1, o.Subject)
	}
}

var seq int

// Issued creates an outgoing document and walks it to issued.
func (f *Fixture) Issued(tb testing.TB, o Options) *workflow.Document {
	tb.Helper()
	seq++
	o.defaults(seq)
	ctx := context.Background()
	in := workflow.CreateInput{Direction: workflow.Outgoing, Type: o.Type, Subject: o.Subject,
		Confidentiality: o.Confidentiality, Retention: o.Retention, SignerID: f.Users[workflow.RoleOfficer].ID,
		Recipients: []workflow.Org{{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}},
		File:       &workflow.Upload{Name: "ke-hoach.pdf", Size: int64(len(o.PDF)), Content: bytes.NewReader(o.PDF)}}
	for i := range o.Attachments {
		a := testpdf.Make(1, fmt.Sprintf("Phụ lục %d", i+1))
		in.Attachments = append(in.Attachments, workflow.Upload{Name: fmt.Sprintf("Phụ lục %d.pdf", i+1), Size: int64(len(a)), Content: bytes.NewReader(a)})
	}
	d, err := f.Docs.Create(ctx, f.Users[workflow.RoleHandler], in)
	if err != nil {
		tb.Fatal(err)
	}
	for _, step := range []struct {
		role   workflow.Role
		action workflow.Action
	}{{workflow.RoleHandler, workflow.Submit}, {workflow.RoleOfficer, workflow.Approve}, {workflow.RoleOfficer, workflow.Sign}, {workflow.RoleClerk, workflow.Issue}} {
		if d, err = f.Docs.Apply(ctx, f.Users[step.role], d.ID, step.action, workflow.ActionInput{}); err != nil {
			tb.Fatalf("%s: %v", step.action, err)
		}
	}
	return d
}

// Completed creates an incoming document and walks it to completed.
func (f *Fixture) Completed(tb testing.TB, o Options) *workflow.Document {
	tb.Helper()
	seq++
	o.defaults(seq)
	ctx := context.Background()
	od := workflow.NewDate(2026, 3, 2)
	d, err := f.Docs.Create(ctx, f.Users[workflow.RoleClerk], workflow.CreateInput{Direction: workflow.Incoming, Type: o.Type,
		Subject: o.Subject, Confidentiality: o.Confidentiality, Retention: o.Retention,
		Sender:         &workflow.Org{OrgID: "000.00.00.H13", Name: "Sở Nội vụ thành phố Cần Thơ"},
		OriginalNumber: "12/SNV-VP", OriginalDate: &od,
		File: &workflow.Upload{Name: "cong-van-den.pdf", Size: int64(len(o.PDF)), Content: bytes.NewReader(o.PDF)}, Attachments: uploads(o.Others)})
	if err != nil {
		tb.Fatal(err)
	}
	steps := []struct {
		role   workflow.Role
		action workflow.Action
		in     workflow.ActionInput
	}{
		{workflow.RoleClerk, workflow.Register, workflow.ActionInput{}},
		{workflow.RoleClerk, workflow.Assign, workflow.ActionInput{AssigneeID: f.Users[workflow.RoleHandler].ID}},
		{workflow.RoleHandler, workflow.Start, workflow.ActionInput{}},
		{workflow.RoleHandler, workflow.Complete, workflow.ActionInput{}},
	}
	for _, st := range steps {
		if d, err = f.Docs.Apply(ctx, f.Users[st.role], d.ID, st.action, st.in); err != nil {
			tb.Fatalf("%s: %v", st.action, err)
		}
	}
	return d
}

// uploads are files as uploads, in the order of their names.
func uploads(files map[string][]byte) []workflow.Upload {
	var out []workflow.Upload
	for _, name := range slices.Sorted(maps.Keys(files)) {
		out = append(out, workflow.Upload{Name: name, Size: int64(len(files[name])), Content: bytes.NewReader(files[name])})
	}
	return out
}

// ArchiveDoc archives a document as the archivist.
func (f *Fixture) ArchiveDoc(tb testing.TB, id string) *workflow.Document {
	tb.Helper()
	d, err := f.Docs.Apply(context.Background(), f.Users[workflow.RoleArchivist], id, workflow.Archive, workflow.ActionInput{})
	if err != nil {
		tb.Fatalf("archive %s: %v", id, err)
	}
	return d
}
