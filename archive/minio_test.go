package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"
	"time"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// sharedMinIO opens a fresh object-locked bucket on the test script's
// MinIO server.
func sharedMinIO(tb testing.TB) *minio.Store {
	tb.Helper()
	ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
	if ep == "" {
		tb.Skip("VANTHU_TEST_S3_ENDPOINT not set: source scripts/setup/minio.sh (or run ./scripts/test)")
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	s, err := minio.New(context.Background(), minio.Config{Endpoint: ep, AccessKey: os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("VANTHU_TEST_S3_SECRET_KEY"), Bucket: fmt.Sprintf("archive-test-%x", rnd), ObjectLock: true})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestIntegrationMinIOArchive(t *testing.T) {
	ctx := context.Background()
	store := sharedMinIO(t)
	f := archivetest.New(t, gormdbtest.Open(t, gormdb.SQLite), store)
	// QĐ is permanent: MinIO accepts the far-future date.
	d := f.Issued(t, archivetest.Options{Type: "QĐ", Attachments: 1})
	signed, _ := d.MainFile()
	got := f.ArchiveDoc(t, d.ID)
	if !got.RetainUntil.Equal(archive.Forever) {
		t.Fatalf("retain until %s", got.RetainUntil)
	}
	rec, _ := f.Index.Record(ctx, d.ID)
	for _, o := range rec.Objects {
		info, err := store.Stat(ctx, o.Key)
		if err != nil || !info.RetainUntil.Equal(archive.Forever) || info.VersionID != o.VersionID || info.SHA256 != o.SHA256 {
			t.Fatalf("%s: %v %+v (recorded %+v)", o.Key, err, info, o)
		}
		sum, err := store.ServerChecksum(ctx, o.Key)
		if err != nil || sum != o.SHA256 {
			t.Fatalf("server checksum of %s: %s %v", o.Key, sum, err)
		}
		// Refused by the store and by MinIO itself.
		wantCode(t, store.Delete(ctx, o.Key), workflow.EFORBIDDEN)
		if err := store.Client().RemoveObject(ctx, store.Bucket(), o.Key, s3.RemoveObjectOptions{VersionID: o.VersionID}); err == nil {
			t.Fatalf("MinIO deleted the locked version of %s", o.Key)
		}
		forged := []byte("forged")
		_, err = store.Put(ctx, o.Key, bytes.NewReader(forged), int64(len(forged)), sum256(forged), workflow.PutOptions{})
		wantCode(t, err, workflow.ECONFLICT)
	}
	if b := readAll(t, store, archive.Prefix(d.ID, d.Version)+archive.NameDocument); sum256(b) != signed.SHA256 {
		t.Fatal("archived PDF differs from the signed one")
	}
	rep, err := f.Archive.Fixity(ctx, archive.FixityOptions{})
	if err != nil || !rep.OK || rep.Objects != int64(len(rec.Objects)) {
		t.Fatalf("fixity: %v %+v", err, rep)
	}
}

// On MinIO, a legal hold keeps a version after its retention date.
func TestIntegrationMinIOLegalHoldAfterRetention(t *testing.T) {
	ctx := context.Background()
	store := sharedMinIO(t)
	db := gormdbtest.Open(t, gormdb.SQLite)
	f := archivetest.New(t, db, store)
	f.Archive.Retain = func(string, time.Time) (time.Time, error) { return time.Now().Add(3 * time.Second), nil }
	d := f.ArchiveDoc(t, f.Completed(t, archivetest.Options{}).ID)
	rec, err := f.Archive.SetLegalHold(ctx, f.Users[workflow.RoleArchivist], d.ID, true, "tranh chấp")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(rec.RetainUntil.Add(1500 * time.Millisecond)))
	for _, o := range rec.Objects {
		if err := store.Client().RemoveObject(ctx, store.Bucket(), o.Key, s3.RemoveObjectOptions{VersionID: o.VersionID}); err == nil {
			t.Fatalf("MinIO deleted %s under legal hold after its retention", o.Key)
		}
	}
	wantCode(t, f.Archive.Dispose(ctx, d.ID), workflow.EFORBIDDEN)
	if _, err := f.Archive.SetLegalHold(ctx, f.Users[workflow.RoleAdmin], d.ID, false, "xong"); err != nil {
		t.Fatal(err)
	}
	if err := f.Archive.Dispose(ctx, d.ID); err != nil {
		t.Fatalf("dispose after retention, hold lifted: %v", err)
	}
}

func sum256(b []byte) string { return sum(b) }
