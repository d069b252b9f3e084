package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// noGets is a store whose reads fail and are counted: what is stored can
// be written, not read back.
type noGets struct {
	workflow.Blobs
	gets atomic.Int32
}

func (b *noGets) Get(context.Context, string) (io.ReadCloser, workflow.ObjectInfo, error) {
	b.gets.Add(1)
	return nil, workflow.ObjectInfo{}, errors.New("read back")
}

// seenSigner is the fake signer, keeping the bytes it was asked to verify.
type seenSigner struct {
	workflowtest.Signer
	verified [][]byte
}

func (s *seenSigner) Verify(ctx context.Context, pdf []byte) (workflow.Verification, error) {
	s.verified = append(s.verified, bytes.Clone(pdf))
	return s.Signer.Verify(ctx, pdf)
}

// TestReceiveVerifiesTheBytesReceived: a received PDF's signatures are
// verified on the bytes that came (and were stored under their SHA-256),
// without reading the stored file back. Before: read back from the store.
func TestReceiveVerifiesTheBytesReceived(t *testing.T) {
	blobs := &noGets{Blobs: workflowtest.TempBlobs(t)}
	sg := &seenSigner{}
	svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: blobs, Signer: sg}
	day := workflow.NewDate(2026, 12, 3)
	pdf := append(bytes.Clone(minimalPDF), "%L1 u-officer\n%L2 1/UBND\n"...)
	d, created, err := svc.Receive(context.Background(), workflow.ReceiveInput{ExternalID: "000.00.12.H13,2026/12/03,1/UBND",
		CreateInput: workflow.CreateInput{Type: "CV", Subject: "Công văn", Sender: &workflow.Org{OrgID: "000.00.12.H13", Name: "A"},
			OriginalNumber: "1/UBND", OriginalDate: &day,
			File: &workflow.Upload{Name: "a.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}})
	if err != nil || !created || d.State != workflow.Received || d.Verification == nil || d.Verification.Verdict != workflow.VerdictValid {
		t.Fatalf("receive: %v %v %+v", created, err, d)
	}
	if len(sg.verified) != 1 || !bytes.Equal(sg.verified[0], pdf) {
		t.Fatalf("verified %d files, want the %d bytes received", len(sg.verified), len(pdf))
	}
	if n := blobs.gets.Load(); n != 0 {
		t.Fatalf("%d reads of the store", n)
	}
}

// pointerSigner is the fake signer, keeping where the bytes it was asked
// to verify are.
type pointerSigner struct {
	workflowtest.Signer
	at []*byte
}

func (s *pointerSigner) Verify(ctx context.Context, pdf []byte) (workflow.Verification, error) {
	s.at = append(s.at, &pdf[0])
	return s.Signer.Verify(ctx, pdf)
}

// TestReceiveHeldBytesVerifiedInPlace: a received PDF the exchange hands
// as bytes in memory (workflow.Held: the package's decoded attachment) is
// verified from those bytes, not from a copy of them; one handed as a
// reader only is read into a copy. Before: always a copy.
func TestReceiveHeldBytesVerifiedInPlace(t *testing.T) {
	day := workflow.NewDate(2026, 12, 7)
	for _, c := range []struct {
		name    string
		content func([]byte) io.ReaderAt
		inPlace bool
	}{
		{"held", func(b []byte) io.ReaderAt { return workflow.Held(b) }, true},
		{"reader", func(b []byte) io.ReaderAt { return bytes.NewReader(b) }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sg := &pointerSigner{}
			svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: workflowtest.TempBlobs(t), Signer: sg}
			pdf := append(bytes.Clone(minimalPDF), "%L1 u-officer\n%L2 1/UBND\n"...)
			d, created, err := svc.Receive(context.Background(), workflow.ReceiveInput{ExternalID: "000.00.12.H13,2026/12/07,1/UBND",
				CreateInput: workflow.CreateInput{Type: "CV", Subject: "Công văn", Sender: &workflow.Org{OrgID: "000.00.12.H13", Name: "A"},
					OriginalNumber: "1/UBND", OriginalDate: &day,
					File: &workflow.Upload{Name: "a.pdf", Size: int64(len(pdf)), Content: c.content(pdf)}}})
			if err != nil || !created || d.Verification == nil || d.Verification.Verdict != workflow.VerdictValid {
				t.Fatalf("receive: %v %v %+v", created, err, d)
			}
			if len(sg.at) != 1 || (sg.at[0] == &pdf[0]) != c.inPlace {
				t.Fatalf("verified %d times, in place %v, want in place %v", len(sg.at), len(sg.at) == 1 && sg.at[0] == &pdf[0], c.inPlace)
			}
		})
	}
}
