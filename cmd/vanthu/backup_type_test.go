package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Objects restored by `vanthu restore` keep the content type they were
// stored with, in the work store and in the archive, on the local store
// and on MinIO: restore wrote them without one, so a restored PDF or
// metadata.json was served as application/octet-stream.
func TestIntegrationRestoreKeepsContentType(t *testing.T) {
	types := []string{workflow.PDFType, "application/json", "image/png", "application/timestamp-token",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
	for _, backend := range []string{"localfs", "minio"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			src := map[string]string{"VANTHU_DATA_DIR": t.TempDir()}
			dst := map[string]string{"VANTHU_DATA_DIR": t.TempDir()}
			if backend == "minio" {
				for k, v := range sharedS3Env(t) {
					src[k] = v
				}
				for k, v := range sharedS3Env(t) {
					dst[k] = v
				}
			}
			want := map[string]string{} // store/key: type
			for _, st := range []string{"work", "archive"} {
				store, err := openStore(ctx, mustConfig(t, src), st)
				if err != nil {
					t.Fatal(err)
				}
				for i, ct := range types {
					b := fmt.Appendf(nil, "%s object %d of type %s", st, i, ct)
					sum := sha256.Sum256(b)
					key := workflow.BlobKey(hex.EncodeToString(sum[:]))
					opts := workflow.PutOptions{ContentType: ct}
					if st == "archive" {
						key = fmt.Sprintf("records/doc-%d/%d", i, i)
						opts.RetainUntil = time.Now().Add(time.Hour)
					}
					if _, err := store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(sum[:]), opts); err != nil {
						t.Fatal(err)
					}
					want[st+"/"+key] = ct
				}
			}
			dir := filepath.Join(t.TempDir(), "backup")
			info := &backupInfo{}
			if err := backupObjects(ctx, mustConfig(t, src), mkdir(t, dir), true, info); err != nil {
				t.Fatal(err)
			}
			n, err := restoreObjects(ctx, mustConfig(t, dst), dir)
			if err != nil || n != len(want) {
				t.Fatalf("restore: %d objects, %v; want %d", n, err, len(want))
			}
			for _, st := range []string{"work", "archive"} {
				store, err := openStore(ctx, mustConfig(t, dst), st)
				if err != nil {
					t.Fatal(err)
				}
				err = store.List(ctx, "", func(oi workflow.ObjectInfo) error {
					full, err := store.Stat(ctx, oi.Key)
					if err != nil {
						return err
					}
					if w := want[st+"/"+oi.Key]; full.ContentType != w {
						t.Errorf("restored %s object %s: type %q, want %q", st, oi.Key, full.ContentType, w)
					}
					delete(want, st+"/"+oi.Key)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(want) > 0 {
				t.Errorf("not restored: %v", want)
			}
		})
	}
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}
