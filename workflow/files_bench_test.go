package workflow_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// memBlobs is a work store in memory whose Get answers as storage/minio's
// cache does: the bytes were checked against their key's SHA-256 when
// they were kept (verifiedReader).
type memBlobs struct {
	workflow.Blobs
	m map[string][]byte
	// unverified: Get's reader says nothing (a store without such a
	// cache, storage/localfs).
	unverified bool
	claim      string // the SHA-256 the reader says, if not its key's
}

type verifiedReader struct {
	*bytes.Reader
	sha string
}

func (verifiedReader) Close() error             { return nil }
func (r verifiedReader) VerifiedSHA256() string { return r.sha }

func (s memBlobs) Get(_ context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	b, ok := s.m[key]
	if !ok {
		return nil, workflow.ObjectInfo{}, workflow.Errorf(workflow.ENOTFOUND, "no %s", key)
	}
	if s.unverified {
		return io.NopCloser(bytes.NewReader(b)), workflow.ObjectInfo{Key: key, Size: int64(len(b))}, nil
	}
	sha := key[len(key)-64:]
	if s.claim != "" {
		sha = s.claim
	}
	return verifiedReader{bytes.NewReader(b), sha}, workflow.ObjectInfo{Key: key, Size: int64(len(b)), SHA256: sha}, nil
}

// memTails answers tails from memory; made marks them as the tails this
// process made (storage/gormdb's memo) unless fromDB.
type memTails struct {
	m      map[string]workflow.Tail
	fromDB bool
}

func (t memTails) Tail(_ context.Context, sha, base string) (workflow.Tail, error) {
	tl, ok := t.m[sha+"/"+base]
	if !ok {
		return workflow.Tail{}, workflow.Errorf(workflow.ENOTFOUND, "no tail")
	}
	if !t.fromDB {
		tl.Made = true
	}
	return tl, nil
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// lifecycleFiles is a document's PDF and its two signed revisions, stored
// as the workflow stores them: the draft (the Chromium decision, 50 KB) a
// blob, layer 1 and layer 2 tails (65 and 44 KB: the issued file 159 KB,
// as under the load tool).
func lifecycleFiles(tb testing.TB) (draft []byte, files []workflow.File, blobs map[string][]byte, tails map[string]workflow.Tail) {
	draft, err := os.ReadFile("../signing/testdata/decision-chromium.pdf")
	if err != nil {
		tb.Fatal(err)
	}
	rnd := rand.NewChaCha8([32]byte{1})
	l1 := append(bytes.Clone(draft), make([]byte, 65<<10)...)
	rnd.Read(l1[len(draft):])
	l2 := append(bytes.Clone(l1), make([]byte, 44<<10)...)
	rnd.Read(l2[len(l1):])
	fd := workflow.File{SHA256: hexSHA(draft), Name: "a.pdf", Size: int64(len(draft)), Kind: workflow.FileMain}
	f1 := workflow.File{SHA256: hexSHA(l1), Name: "a.signed-l1.pdf", Size: int64(len(l1)), Kind: workflow.FileSigned, Base: fd.SHA256}
	f2 := workflow.File{SHA256: hexSHA(l2), Name: "a.signed.pdf", Size: int64(len(l2)), Kind: workflow.FileSigned, Base: f1.SHA256}
	t1, _ := workflow.TailOf(l1, fd, draft, f1.SHA256)
	t2, _ := workflow.TailOf(l2, f1, l1, f2.SHA256)
	blobs = map[string][]byte{workflow.BlobKey(fd.SHA256): draft}
	tails = map[string]workflow.Tail{f1.SHA256 + "/" + fd.SHA256: t1, f2.SHA256 + "/" + f1.SHA256: t2}
	return draft, []workflow.File{fd, f1, f2}, blobs, tails
}

// BenchmarkFilesRead: the reads of a document's PDF in one outgoing
// lifecycle on serve (the sign reads the draft, the issue layer 1, the
// send and the archive layer 2), from a store whose reader says its bytes
// are checked (storage/minio's cache) and tails this process wrote
// (storage/gormdb's memo) — the load tool's case — and from a store and
// tails that say nothing (every byte hashed, once).
func BenchmarkFilesRead(b *testing.B) {
	_, files, blobs, tails := lifecycleFiles(b)
	for _, c := range []struct {
		name  string
		known bool
	}{{"cached", true}, {"unverified", false}} {
		b.Run(c.name, func(b *testing.B) {
			fs := workflow.Files{Blobs: memBlobs{m: blobs, unverified: !c.known}, Tails: memTails{m: tails, fromDB: !c.known}}
			ctx := context.Background()
			b.ReportAllocs()
			cpu := benchCPU()
			for b.Loop() {
				for _, f := range []workflow.File{files[0], files[1], files[2], files[2]} {
					if _, err := fs.Read(ctx, files, f); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(benchCPU()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// benchCPU is the process's CPU time (user and system), in nanoseconds.
func benchCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
