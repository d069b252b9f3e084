package localfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestContentReadErrorIsTheStores: a read of an object's content that
// fails (here: its file closed under it, as a disk error would) is the
// store's failure, EUNAVAILABLE — not a plain error (500), nor a source
// error the Put of a copy would blame on its client (400). The content
// still seeks and reads at an offset, as a Put into MinIO needs to retry.
func TestContentReadErrorIsTheStores(t *testing.T) {
	ctx := context.Background()
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("nội dung "), 100)
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	if _, err := s.Put(ctx, "a/b.pdf", bytes.NewReader(data), int64(len(data)), sum, workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.Get(ctx, "a/b.pdf")
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		t.Fatal("content cannot seek")
	}
	head := make([]byte, 10)
	if _, err := io.ReadFull(rs, head); err != nil || !bytes.Equal(head, data[:10]) {
		t.Fatalf("read: %v %q", err, head)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(rs); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read after rewind: %v, %d bytes", err, len(got))
	}
	rc.(*content).f.Close()
	_, err = rc.Read(head)
	if code := workflow.ErrorCode(err); code != workflow.EUNAVAILABLE {
		t.Fatalf("read of a failed file: %v (code %q), want EUNAVAILABLE", err, code)
	}
	if _, err = rc.(io.ReaderAt).ReadAt(head, 0); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("ReadAt of a failed file: %v, want EUNAVAILABLE", err)
	}
}
