package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"runtime"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/minio"
	"github.com/vanthu/vanthu/workflow"
)

// partitionUploadSize is the PDF the partition test uploads.
const partitionUploadSize = 100 << 20

// bigUpload is the answer to one streamed upload.
type bigUpload struct {
	status int
	body   []byte
	sum    string // SHA-256 of the PDF sent
	took   time.Duration
	err    error
}

// uploadLarge sends a new incoming document whose PDF, about size bytes,
// is generated as it is sent (testpdf.WriteLarge through a pipe: the test
// never holds it), with a plain HTTP client (the checking one of
// internal/apitest reads whole bodies into memory).
func uploadLarge(c *client, size int64, subject string) bigUpload {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	h := sha256.New()
	go func() {
		err := apitest.WriteJSONPart(mw, "meta", map[string]any{"direction": "incoming", "type": "CV", "subject": subject,
			"urgency": "normal", "confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
			"original_number": "77/UBND-VP", "original_date": "2026-11-20"})
		if err == nil {
			var fw io.Writer
			hdr := textproto.MIMEHeader{}
			hdr.Set("Content-Disposition", `form-data; name="file"; filename="ban-do-quy-hoach.pdf"`)
			hdr.Set("Content-Type", "application/pdf")
			if fw, err = mw.CreatePart(hdr); err == nil {
				_, err = testpdf.WriteLarge(io.MultiWriter(fw, h), size, subject)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	up := bigUpload{took: time.Since(start), err: err}
	if err == nil {
		up.status = resp.StatusCode
		up.body, up.err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	up.sum = hex.EncodeToString(h.Sum(nil))
	return up
}

// liveHeap is the heap in use by live objects, after two collections:
// the second empties the sync.Pools, one of which (the PDF parser's
// buffers) keeps the last reader it parsed reachable until then.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestIntegrationLargeUploadDuringStorePartition: a 100 MB PDF is uploaded
// to `vanthu serve` (PostgreSQL + MinIO) while MinIO, behind a TCP proxy,
// stops answering 30 MB into the server's PUT, without refusing or
// closing anything (a partition). The upload answers a JSON 503
// "unavailable" within VANTHU_S3_TIMEOUT of the partition and a little,
// never a 500; no document row was written, and every blob a row refers
// to is in the bucket; while the PUT hangs, the live heap of the process
// (server and test) is well below the file's size (the upload is spooled
// to a file and sent from it). Once the partition heals, the same upload
// succeeds and the file reads back with the same SHA-256.
func TestIntegrationLargeUploadDuringStorePartition(t *testing.T) {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	env := sharedS3Env(t)
	direct := minio.Config{Endpoint: env["VANTHU_S3_ENDPOINT"], AccessKey: env["VANTHU_S3_ACCESS_KEY"],
		SecretKey: env["VANTHU_S3_SECRET_KEY"], Bucket: env["VANTHU_S3_WORK_BUCKET"]}
	p := faultproxy.New(t, env["VANTHU_S3_ENDPOINT"])
	env["VANTHU_S3_ENDPOINT"] = p.Addr()
	env["VANTHU_DATABASE_URL"] = dsn
	const s3Timeout = 2 * time.Second
	env["VANTHU_S3_CONNECT_TIMEOUT"], env["VANTHU_S3_TIMEOUT"] = "1s", s3Timeout.String()
	env["VANTHU_MAX_UPLOAD_MB"] = "110"
	s := startServer(t, env)
	admin := s.login(t, "admin", "admin-password-1")
	if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "vanthu1", "password": "clerk-password-1",
		"full_name": "Trần Thị Thư", "roles": []string{"clerk"}}, nil); code != http.StatusCreated {
		t.Fatalf("create the clerk: %d", code)
	}
	clerk := s.login(t, "vanthu1", "clerk-password-1")
	subject := "Bản đồ quy hoạch phân khu 2026"

	base := liveHeap()
	p.StallAfter(30 << 20)
	defer p.Restore()
	stalledAt, heapAt := watchStall(t, p)
	up := uploadLarge(clerk, partitionUploadSize, subject)
	if up.err != nil {
		t.Fatalf("upload during the partition: %v", up.err)
	}
	at, grown := <-stalledAt, <-heapAt
	checkUnavailable503(t, up, at, s3Timeout)
	t.Logf("partitioned 30 MB into the PUT: %d after %s (%s after the partition); live heap %+d MB over the baseline while the PUT hung",
		up.status, up.took.Round(10*time.Millisecond), time.Since(at).Round(10*time.Millisecond), int64(grown-base)>>20)
	if int64(grown)-int64(base) > 40<<20 {
		t.Errorf("while the PUT hung the live heap had grown by %d MB: the upload is held in memory", (grown-base)>>20)
	}
	checkNoDanglingBlob(t, dsn, direct, subject, 0)

	p.Restore()
	up = uploadLarge(clerk, partitionUploadSize, subject)
	if up.status != http.StatusCreated {
		t.Fatalf("after the partition healed: %d %s %v", up.status, up.body, up.err)
	}
	var doc struct {
		ID    string `json:"id"`
		Files []struct {
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
		} `json:"files"`
	}
	if err := json.Unmarshal(up.body, &doc); err != nil || len(doc.Files) != 1 || doc.Files[0].SHA256 != up.sum {
		t.Fatalf("after the partition healed: %v %s; want one file of SHA-256 %s", err, up.body, up.sum)
	}
	if got := downloadSum(t, clerk, doc.ID); got != up.sum {
		t.Fatalf("the file reads back with SHA-256 %s, sent %s", got, up.sum)
	}
	checkNoDanglingBlob(t, dsn, direct, subject, 1)
}

// watchStall reports when the proxy stalls, and the live heap then (once
// the PUT has hung for a moment).
func watchStall(t *testing.T, p *faultproxy.Proxy) (<-chan time.Time, <-chan uint64) {
	at, heap := make(chan time.Time, 1), make(chan uint64, 1)
	deadline := time.Now().Add(5 * time.Minute)
	go func() {
		for !p.Stalled() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		at <- time.Now()
		time.Sleep(500 * time.Millisecond)
		heap <- liveHeap()
	}()
	return at, heap
}

// checkUnavailable503 wants a JSON 503 "unavailable" answered within the
// S3 timeout (and some slack for a loaded machine) of the partition.
func checkUnavailable503(t *testing.T, up bigUpload, stalled time.Time, timeout time.Duration) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if up.status != http.StatusServiceUnavailable || json.Unmarshal(up.body, &e) != nil || e.Error.Code != workflow.EUNAVAILABLE || e.Error.Message == "" {
		t.Fatalf("upload during the partition: %d %s, want a JSON 503 %q", up.status, up.body, workflow.EUNAVAILABLE)
	}
	if since := time.Since(stalled); since > timeout+3*time.Second {
		t.Errorf("the 503 came %s after the partition, VANTHU_S3_TIMEOUT %s", since, timeout)
	}
}

// checkNoDanglingBlob wants n documents with subject, and every blob a
// row refers to present in the work bucket (read past the proxy).
func checkNoDanglingBlob(t *testing.T, dsn string, cfg minio.Config, subject string, n int) {
	t.Helper()
	ctx := context.Background()
	db, err := gormdb.Open(ctx, dsn, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var count int64
	if err := db.Gorm().Table("documents").Where("subject = ?", subject).Count(&count).Error; err != nil || count != int64(n) {
		t.Fatalf("%d documents %q (%v), want %d", count, subject, err, n)
	}
	store, err := minio.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	refs := 0
	err = db.ReferencedBlobs(ctx, func(sum string) error {
		refs++
		if _, err := store.Stat(ctx, workflow.BlobKey(sum)); err != nil {
			return fmt.Errorf("a row refers to blob %s: %w", sum, err)
		}
		return nil
	})
	if err != nil || refs == 0 && n > 0 {
		t.Fatalf("blobs referenced: %d, %v", refs, err)
	}
}

// downloadSum streams the document's file and returns its SHA-256.
func downloadSum(t *testing.T, c *client, id string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/documents/"+id+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET file: %d", resp.StatusCode)
	}
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
