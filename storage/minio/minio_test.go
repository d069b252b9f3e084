package minio_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	s3 "github.com/minio/minio-go/v7"

	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/storage/minio/miniotest"
	"github.com/vanthu/vanthu/storage/storagetest"
	"github.com/vanthu/vanthu/workflow"
)

// envConfig is the shared test server from scripts/setup/minio.sh.
func envConfig(t testing.TB) minio.Config {
	t.Helper()
	ep := os.Getenv("VANTHU_TEST_S3_ENDPOINT")
	if ep == "" {
		t.Skip("VANTHU_TEST_S3_ENDPOINT not set: source scripts/setup/minio.sh to start MinIO")
	}
	return minio.Config{
		Endpoint:  ep,
		AccessKey: os.Getenv("VANTHU_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("VANTHU_TEST_S3_SECRET_KEY"),
	}
}

func randomBucket() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "vanthu-test-" + hex.EncodeToString(b)
}

// newStore makes a store on a fresh bucket and empties what it can of it
// when the test ends (versions still under COMPLIANCE retention stay).
func newStore(t testing.TB, cfg minio.Config, lock bool) *minio.Store {
	t.Helper()
	cfg.Bucket = randomBucket()
	cfg.ObjectLock = lock
	s, err := minio.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("minio.New: %v", err)
	}
	t.Cleanup(func() { cleanup(s) })
	return s
}

func cleanup(s *minio.Store) {
	ctx := context.Background()
	c := s.Client()
	for o := range c.ListObjectsIter(ctx, s.Bucket(), s3.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err == nil {
			c.RemoveObject(ctx, s.Bucket(), o.Key, s3.RemoveObjectOptions{VersionID: o.VersionID})
		}
	}
	c.RemoveBucket(ctx, s.Bucket())
}

func TestIntegrationConformance(t *testing.T) {
	cfg := envConfig(t)
	storagetest.Run(t, func(t *testing.T) workflow.Blobs { return newStore(t, cfg, true) })
}

func putBytes(t testing.TB, s workflow.Blobs, key string, b []byte, opts workflow.PutOptions) workflow.ObjectInfo {
	t.Helper()
	oi, err := s.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), storagetest.Sum(b), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return oi
}

// The store refuses to delete a record, but so does MinIO itself: a
// client that bypasses the store cannot delete the locked version, not
// even with governance bypass, nor shorten its retention; a plain delete
// only hides it behind a delete marker and the bytes stay readable.
func TestIntegrationServerRefusesLockedDelete(t *testing.T) {
	s := newStore(t, envConfig(t), true)
	ctx := context.Background()
	c := s.Client()
	until := time.Now().Add(5 * time.Second).Truncate(time.Second).Add(time.Second)
	b := storagetest.RandomBytes(21, 3000)
	for _, tt := range []struct {
		key  string
		opts workflow.PutOptions
	}{
		{"retained", workflow.PutOptions{RetainUntil: until}},
		{"held", workflow.PutOptions{LegalHold: true}},
	} {
		t.Run(tt.key, func(t *testing.T) {
			oi := putBytes(t, s, tt.key, b, tt.opts)
			if oi.VersionID == "" {
				t.Fatal("no version ID from a bucket with object lock")
			}
			for _, bypass := range []bool{false, true} {
				err := c.RemoveObject(ctx, s.Bucket(), tt.key, s3.RemoveObjectOptions{VersionID: oi.VersionID, GovernanceBypass: bypass})
				if err == nil {
					t.Fatalf("MinIO deleted the locked version (governance bypass %v)", bypass)
				}
				t.Logf("MinIO refuses deleting the version (bypass %v): %v", bypass, err)
				// MinIO says 400 InvalidRequest "Object is WORM protected", AWS 403.
				if er := s3.ToErrorResponse(err); er.StatusCode != 400 && er.StatusCode != 403 {
					t.Errorf("refusal status %d (%s), want 400 or 403", er.StatusCode, er.Code)
				}
			}
			if !tt.opts.RetainUntil.IsZero() {
				shorter := until.Add(-2 * time.Second)
				mode := s3.Compliance
				err := c.PutObjectRetention(ctx, s.Bucket(), tt.key, s3.PutObjectRetentionOptions{
					VersionID: oi.VersionID, Mode: &mode, RetainUntilDate: &shorter, GovernanceBypass: true})
				if err == nil {
					t.Error("MinIO shortened COMPLIANCE retention")
				}
			}
			// A delete without version adds a marker; the version survives.
			if err := c.RemoveObject(ctx, s.Bucket(), tt.key, s3.RemoveObjectOptions{}); err != nil {
				t.Fatalf("delete marker: %v", err)
			}
			obj, err := c.GetObject(ctx, s.Bucket(), tt.key, s3.GetObjectOptions{VersionID: oi.VersionID})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(obj)
			obj.Close()
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("locked version after delete marker: %d bytes, %v", len(got), err)
			}
			if tt.opts.LegalHold {
				// Lift the hold so the cleanup can remove it.
				st := s3.LegalHoldDisabled
				c.PutObjectLegalHold(ctx, s.Bucket(), tt.key, s3.PutObjectLegalHoldOptions{VersionID: oi.VersionID, Status: &st})
			}
		})
	}
}

// The SHA-256 is checked by the server: the store does not hash the
// content itself, and a wrong declared SHA-256 comes back as the
// server's refusal.
func TestIntegrationServerVerifiesSHA256(t *testing.T) {
	s := newStore(t, envConfig(t), false)
	b := []byte("the content")
	_, err := s.Put(context.Background(), "k", bytes.NewReader(b), int64(len(b)), storagetest.Sum([]byte("other")), workflow.PutOptions{})
	if workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("Put with wrong SHA-256: %v, want EINVALID", err)
	}
	var er s3.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 400 {
		t.Fatalf("refusal did not come from the server: %v", err)
	}
	t.Logf("server refusal: %s: %s", er.Code, er.Message)

	oi := putBytes(t, s, "k", b, workflow.PutOptions{})
	sum, err := s.ServerChecksum(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if sum != storagetest.Sum(b) || sum != oi.SHA256 {
		t.Errorf("ServerChecksum = %s, want %s", sum, storagetest.Sum(b))
	}
	if _, err := s.ServerChecksum(context.Background(), "missing"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Errorf("ServerChecksum of a missing object: %v, want ENOTFOUND", err)
	}
}

// A work bucket without object lock stores and deletes, and refuses
// retention and legal holds rather than silently ignoring them.
func TestIntegrationWorkBucket(t *testing.T) {
	s := newStore(t, envConfig(t), false)
	ctx := context.Background()
	if s.ObjectLock() {
		t.Fatal("work bucket has object lock")
	}
	b := []byte("draft")
	oi := putBytes(t, s, "drafts/1", b, workflow.PutOptions{})
	if oi.VersionID != "" {
		t.Errorf("unversioned bucket gave version %q", oi.VersionID)
	}
	_, err := s.Put(ctx, "drafts/2", bytes.NewReader(b), int64(len(b)), storagetest.Sum(b), workflow.PutOptions{RetainUntil: time.Now().Add(time.Hour)})
	if workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("Put with retention in a bucket without lock: %v, want EINVALID", err)
	}
	if err := s.SetLegalHold(ctx, "drafts/1", true); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("SetLegalHold in a bucket without lock: %v, want EINVALID", err)
	}
	if err := s.Delete(ctx, "drafts/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "drafts/1"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Errorf("Stat after Delete: %v", err)
	}
}

func TestIntegrationObjectLockRequired(t *testing.T) {
	cfg := envConfig(t)
	plain := newStore(t, cfg, false)
	cfg.Bucket, cfg.ObjectLock = plain.Bucket(), true
	_, err := minio.New(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "without object lock") {
		t.Fatalf("New with ObjectLock on a bucket without it: %v, want a clear refusal", err)
	}
	t.Logf("refusal: %v", err)

	// An existing locked bucket is fine, with or without asking.
	locked := newStore(t, cfg, true)
	for _, want := range []bool{true, false} {
		cfg.Bucket, cfg.ObjectLock = locked.Bucket(), want
		s, err := minio.New(context.Background(), cfg)
		if err != nil || !s.ObjectLock() {
			t.Errorf("reopening a locked bucket (ObjectLock %v): lock %v, error %v", want, s != nil && s.ObjectLock(), err)
		}
	}
}

// With the server down every operation is EUNAVAILABLE, promptly; after a
// restart the store works again without being rebuilt.
func TestIntegrationServerDown(t *testing.T) {
	srv := miniotest.Start(t, "")
	ctx := context.Background()
	s, err := minio.New(ctx, srv.Config("archive", true))
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("before")
	putBytes(t, s, "before", b, workflow.PutOptions{})

	srv.Kill()
	start := time.Now()
	c := []byte("during")
	_, err = s.Put(ctx, "during", bytes.NewReader(c), int64(len(c)), storagetest.Sum(c), workflow.PutOptions{})
	checkUnavailable(t, "Put", err)
	_, _, err = s.Get(ctx, "before")
	checkUnavailable(t, "Get", err)
	_, err = s.Stat(ctx, "before")
	checkUnavailable(t, "Stat", err)
	checkUnavailable(t, "Delete", s.Delete(ctx, "before"))
	checkUnavailable(t, "List", s.List(ctx, "", func(workflow.ObjectInfo) error { return nil }))
	checkUnavailable(t, "SetLegalHold", s.SetLegalHold(ctx, "before", true))
	_, err = minio.New(ctx, srv.Config("other", false))
	checkUnavailable(t, "New", err)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("reporting the outage took %v", d)
	}
	t.Logf("7 operations against a dead server: %v", time.Since(start))

	srv.Start()
	putBytes(t, s, "during", c, workflow.PutOptions{})
	rc, _, err := s.Get(ctx, "before")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, b) {
		t.Errorf("after restart: %q", got)
	}
}

func checkUnavailable(t *testing.T, op string, err error) {
	t.Helper()
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("%s with the server down: %v (code %q), want EUNAVAILABLE", op, err, workflow.ErrorCode(err))
	}
}

// An older version the server keeps (here under a legal hold set behind
// the store's back) does not resurface when the key is deleted.
func TestIntegrationDeleteHidesKeptVersion(t *testing.T) {
	s := newStore(t, envConfig(t), true)
	ctx := context.Background()
	v1 := putBytes(t, s, "k", []byte("version one"), workflow.PutOptions{})
	putBytes(t, s, "k", []byte("version two"), workflow.PutOptions{})
	on, off := s3.LegalHoldEnabled, s3.LegalHoldDisabled
	c := s.Client()
	if err := c.PutObjectLegalHold(ctx, s.Bucket(), "k", s3.PutObjectLegalHoldOptions{VersionID: v1.VersionID, Status: &on}); err != nil {
		t.Fatal(err)
	}
	defer c.PutObjectLegalHold(ctx, s.Bucket(), "k", s3.PutObjectLegalHoldOptions{VersionID: v1.VersionID, Status: &off})
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "k"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("Stat after Delete: %v, want ENOTFOUND", err)
	}
	if _, err := c.StatObject(ctx, s.Bucket(), "k", s3.StatObjectOptions{VersionID: v1.VersionID}); err != nil {
		t.Errorf("the held version is gone: %v", err)
	}
}

// List reads retention and legal hold from MinIO's listing.
func TestIntegrationListLockInfo(t *testing.T) {
	s := newStore(t, envConfig(t), true)
	ctx := context.Background()
	until := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	putBytes(t, s, "a", []byte("a"), workflow.PutOptions{RetainUntil: until, LegalHold: true})
	putBytes(t, s, "b", []byte("b"), workflow.PutOptions{})
	var got []workflow.ObjectInfo
	if err := s.List(ctx, "", func(oi workflow.ObjectInfo) error { got = append(got, oi); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].RetainUntil.Equal(until) || !got[0].LegalHold || !got[1].RetainUntil.IsZero() || got[1].LegalHold {
		t.Errorf("List: %+v", got)
	}
	s.SetLegalHold(ctx, "a", false)
}
