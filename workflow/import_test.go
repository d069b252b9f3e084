package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestImport: an imported document is created completed, on the service's
// clock, with its create and upload events and the caller's extra record
// in one transaction (a failing extra leaves nothing); clerks only.
func TestImport(t *testing.T) {
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	at := time.Date(2031, 12, 31, 23, 30, 0, 0, time.UTC)
	svc := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t), Now: func() time.Time { return at }}
	clerk := &workflow.User{ID: "system:import", Roles: []workflow.Role{workflow.RoleClerk, workflow.RoleArchivist}}
	od := workflow.Date{Year: 2019, Month: 5, Day: 2}
	input := func() workflow.CreateInput {
		pdf := []byte("%PDF-1.4 imported")
		return workflow.CreateInput{Direction: workflow.Incoming, Type: workflow.DocType("CV"), Subject: "Về việc cũ",
			Sender: &workflow.Org{Name: "UBND phường An Thới"}, OriginalNumber: "12/UBND", OriginalDate: &od,
			Confidentiality: workflow.Public, File: &workflow.Upload{Name: "cu.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}
	}
	handler := &workflow.User{ID: "h", Roles: []workflow.Role{workflow.RoleHandler}}
	if _, err := svc.Import(ctx, handler, input(), "cu.pdf", nil); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("handler imports: %v, want EFORBIDDEN", err)
	}
	boom := errors.New("mark failed")
	var failedID string
	if _, err := svc.Import(ctx, clerk, input(), "cu.pdf", func(_ context.Context, _ workflow.Tx, d *workflow.Document) error {
		failedID = d.ID
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failing extra: %v", err)
	}
	if _, err := repo.Document(ctx, failedID); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("document of a failed import exists: %v", err)
	}
	marked := ""
	d, err := svc.Import(ctx, clerk, input(), "2019/cu.pdf", func(ctx context.Context, tx workflow.Tx, d *workflow.Document) error {
		marked = d.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := repo.Document(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if marked != d.ID || stored.State != workflow.Completed || stored.Direction != workflow.Incoming || !stored.CreatedAt.Equal(at) ||
		stored.CreatedBy != clerk.ID || len(stored.Files) != 1 || stored.Files[0].Kind != workflow.FileMain || stored.OriginalNumber != "12/UBND" {
		t.Fatalf("imported %+v", stored)
	}
	evs, err := repo.Events(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Kind != workflow.EventCreate || evs[0].To != workflow.Completed || evs[0].Data["import_file"] != "2019/cu.pdf" ||
		evs[1].Kind != workflow.EventUpload || evs[1].Data["sha256"] != stored.Files[0].SHA256 || !evs[0].At.Equal(at) || !evs[1].At.Equal(at) {
		t.Fatalf("events %+v", evs)
	}
}

// changingFile is a file that another process rewrites once it has been
// stored (changed is set by changeAfterPut).
type changingFile struct {
	first, then []byte
	changed     bool
}

func (f *changingFile) ReadAt(p []byte, off int64) (int, error) {
	b := f.first
	if f.changed {
		b = f.then
	}
	return bytes.NewReader(b).ReadAt(p, off)
}

// changeAfterPut is a store after whose Puts the file changes.
type changeAfterPut struct {
	workflow.Blobs
	f *changingFile
}

func (c changeAfterPut) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, o workflow.PutOptions) (workflow.ObjectInfo, error) {
	oi, err := c.Blobs.Put(ctx, key, r, size, sum, o)
	c.f.changed = true
	return oi, err
}

// TestImportFileChangedMeanwhile: a file whose bytes change between the
// store's read and the verifier's is refused (ECONFLICT) and nothing is
// created: the verdict recorded must be about the bytes stored.
func TestImportFileChangedMeanwhile(t *testing.T) {
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	first, then := []byte("%PDF-1.4 as hashed"), []byte("%PDF-1.4 rewritten")
	f := &changingFile{first: first, then: then}
	svc := &workflow.Service{Repo: repo, Blobs: changeAfterPut{workflowtest.TempBlobs(t), f}, Signer: workflowtest.Signer{}}
	clerk := &workflow.User{ID: "system:import", Roles: []workflow.Role{workflow.RoleClerk}}
	od := workflow.Date{Year: 2019, Month: 5, Day: 2}
	in := workflow.CreateInput{Direction: workflow.Incoming, Type: workflow.DocType("CV"), Subject: "Về việc cũ",
		Sender: &workflow.Org{Name: "UBND phường An Thới"}, OriginalNumber: "12/UBND", OriginalDate: &od,
		Confidentiality: workflow.Public, File: &workflow.Upload{Name: "cu.pdf", Size: int64(len(first)),
			Content: f}}
	created := ""
	_, err := svc.Import(ctx, clerk, in, "cu.pdf", func(_ context.Context, _ workflow.Tx, d *workflow.Document) error {
		created = d.ID
		return nil
	})
	if workflow.ErrorCode(err) != workflow.ECONFLICT || created != "" {
		t.Fatalf("changed file: %v (document %q), want ECONFLICT and nothing created", err, created)
	}
}
