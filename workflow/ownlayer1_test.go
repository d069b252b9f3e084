package workflow_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// ownSigner is the fake signer that also takes layer 1 as its own, and
// notes what the issue handed it.
type ownSigner struct {
	workflowtest.Signer
	own      []workflow.OwnLayer1
	pdfs     [][]byte
	agencies int // SignAgency calls
}

func (s *ownSigner) SignAgencyOwn(ctx context.Context, d *workflow.Document, pdf []byte, own workflow.OwnLayer1) ([]byte, error) {
	s.own, s.pdfs = append(s.own, own), append(s.pdfs, pdf)
	return s.Signer.SignAgency(ctx, d, pdf)
}

func (s *ownSigner) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	s.agencies++
	return s.Signer.SignAgency(ctx, d, pdf)
}

// swappedBlobs answers other content for one key, as a store whose
// object was replaced would.
type swappedBlobs struct {
	workflow.Blobs
	key  string
	with []byte
}

func (b swappedBlobs) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	rc, info, err := b.Blobs.Get(ctx, key)
	if err != nil || key != b.key {
		return rc, info, err
	}
	rc.Close()
	return io.NopCloser(bytes.NewReader(b.with)), info, nil
}

// TestIssueHandsOwnLayer1: the issue hands layer 2 the layer-1 file with
// the SHA-256 of its record (the version sign made), and the bytes it
// read are those; bytes in storage that do not match the record never
// reach the signer.
func TestIssueHandsOwnLayer1(t *testing.T) {
	ctx := context.Background()
	for _, swapped := range []bool{false, true} {
		e := newEnv(t)
		d := e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned)
		l1, ok := d.MainFile()
		if !ok || l1.Kind != workflow.FileSigned {
			t.Fatalf("main file %+v, want the signed version", l1)
		}
		s := &ownSigner{}
		e.svc.Signer = s
		if swapped {
			e.svc.Blobs = swappedBlobs{Blobs: e.svc.Blobs, key: workflow.BlobKey(l1.SHA256), with: bytes.Repeat([]byte("x"), int(l1.Size))}
		}
		got, err := e.svc.Apply(ctx, e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{})
		if swapped {
			if workflow.ErrorCode(err) != workflow.EINTERNAL || len(s.own)+s.agencies != 0 {
				t.Fatalf("issue over swapped bytes: %v (code %s), %d own and %d other layer 2 calls", err, workflow.ErrorCode(err), len(s.own), s.agencies)
			}
			continue
		}
		if err != nil || got.State != workflow.Issued {
			t.Fatalf("issue: %v", err)
		}
		if len(s.own) != 1 || s.agencies != 0 || s.own[0].SHA256 != l1.SHA256 {
			t.Fatalf("layer 2 was handed %+v (%d calls without), want layer 1's record %s", s.own, s.agencies, l1.SHA256)
		}
		if sum := sha256.Sum256(s.pdfs[0]); hex.EncodeToString(sum[:]) != l1.SHA256 {
			t.Fatalf("the bytes handed are not layer 1's")
		}
	}
}
