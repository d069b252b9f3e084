// Package minio is the S3 object store (MinIO in production) behind
// workflow.Blobs, using github.com/minio/minio-go/v7 (Apache-2.0). The MinIO
// server (AGPL-3.0) runs as a separate process; nothing here imports it.
//
// Every object is written in one PUT carrying its SHA-256 as an
// x-amz-checksum-sha256 header, so the server itself refuses content that
// does not match before anything becomes visible; the hex SHA-256 is also
// kept in the object's user metadata (x-amz-meta-vanthu-sha256).
//
// A PUT that fails in a way worth trying again (a connection reset, 503
// SlowDown, a 5xx without a body) is sent again by minio-go (MaxRetries
// tries in all) from the start of its content: see putBody.
//
// With a bucket created with object locking (Config.ObjectLock, which also
// turns on versioning), PutOptions.RetainUntil writes the object in
// COMPLIANCE mode: nobody, root included, can delete that version before
// the date, and a legal hold blocks deletion until it is lifted.
package minio

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	s3 "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vanthu/vanthu/internal/ctxio"
	"github.com/vanthu/vanthu/workflow"
)

// Config says which server and bucket a Store uses.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	UseTLS    bool
	Bucket    string
	// ObjectLock requires the bucket to have S3 object lock: it is created
	// with it when missing, and New fails when an existing bucket has none
	// (object lock cannot be turned on afterwards).
	ObjectLock bool
	// MaxRetries is how often a request is tried before its error is
	// returned (default 3; minio-go's own default of 10 makes an outage
	// take many seconds to report).
	MaxRetries int
	// Transport, when not nil, replaces the HTTP transport (by default
	// minio-go's, keeping up to MaxIdleConnsPerHost idle connections).
	Transport http.RoundTripper
	// DialTimeout bounds connecting to the server (default
	// DefaultDialTimeout; the default transport only).
	DialTimeout time.Duration
	// Timeout is the longest the server may stay silent while a request
	// waits for it (connecting, sending, the answer's headers, each read
	// of its body) before the request fails EUNAVAILABLE: a partitioned or
	// hung server costs a call this long, not forever. It measures
	// silence, not duration: a large transfer that keeps moving is never
	// cut. Default DefaultTimeout; negative = no limit.
	Timeout time.Duration
	// CacheBytes, when positive, bounds an in-process cache of the
	// content of blobs under content-addressed keys (workflow.BlobKey),
	// written or read whole through this Store, from which Get answers
	// without a request (see blobCache). 0: no cache.
	CacheBytes int64
}

// Store is a workflow.Blobs in one S3 bucket. It is safe for concurrent use.
type Store struct {
	client    *s3.Client
	bucket    string
	locking   bool // the bucket has object lock
	versioned bool
	cache     *blobCache // nil: none
	// Now is the clock used to decide retention before asking the server
	// (time.Now by default); the server's own clock has the last word.
	Now func() time.Time
}

var (
	_ workflow.Blobs       = (*Store)(nil)
	_ workflow.RangeReader = (*Store)(nil)
)

// metaSHA256 is the user metadata key holding the hex SHA-256.
const metaSHA256 = "Vanthu-Sha256"

// MaxIdleConnsPerHost is how many idle connections to the server the
// default transport keeps for reuse.
const MaxIdleConnsPerHost = 256

// maxSinglePut is the largest object written in one PUT (S3's limit).
const maxSinglePut = 5 << 30

// New connects to the server, creates the bucket if missing (with object
// lock when cfg.ObjectLock) and checks that an existing bucket has object
// lock when cfg.ObjectLock asks for it. A server that cannot be reached is
// EUNAVAILABLE.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "S3 endpoint not set")
	}
	if cfg.Bucket == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "S3 bucket not set")
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	if cfg.Transport == nil {
		tr, err := NewTransport(cfg.UseTLS)
		if err != nil {
			return nil, err
		}
		if cfg.DialTimeout <= 0 {
			cfg.DialTimeout = DefaultDialTimeout
		}
		tr.DialContext = (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
		cfg.Transport = tr
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Timeout > 0 {
		cfg.Transport = &quietTransport{base: cfg.Transport, timeout: cfg.Timeout}
	}
	ctx = operation(ctx)
	client, err := s3.New(cfg.Endpoint, &s3.Options{
		Creds:           credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:          cfg.UseTLS,
		Transport:       cfg.Transport,
		TrailingHeaders: true,
		MaxRetries:      cfg.MaxRetries,
		BucketLookup:    s3.BucketLookupPath,
	})
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "S3 endpoint %q", cfg.Endpoint)
	}
	s := &Store{client: client, bucket: cfg.Bucket, Now: time.Now, cache: newBlobCache(cfg.CacheBytes)}

	exists, err := bucketExists(ctx, client, cfg.Bucket)
	if err != nil {
		return nil, s.mapErr(err, "check bucket %q on %s", cfg.Bucket, cfg.Endpoint)
	}
	if !exists {
		err := client.MakeBucket(ctx, cfg.Bucket, s3.MakeBucketOptions{ObjectLocking: cfg.ObjectLock})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return nil, s.mapErr(err, "create bucket %q on %s", cfg.Bucket, cfg.Endpoint)
		}
	}

	lock, _, _, _, err := client.GetObjectLockConfig(ctx, cfg.Bucket)
	switch {
	case err == nil:
		s.locking = lock == "Enabled"
	case isCode(err, "ObjectLockConfigurationNotFoundError"):
	default:
		return nil, s.mapErr(err, "object lock configuration of bucket %q", cfg.Bucket)
	}
	if cfg.ObjectLock && !s.locking {
		return nil, workflow.Errorf(workflow.EINVALID,
			"bucket %q on %s exists without object lock; the archive needs a bucket created with object locking (it cannot be enabled later): use a new bucket name or recreate it",
			cfg.Bucket, cfg.Endpoint)
	}
	s.versioned = s.locking
	if !s.versioned {
		vc, err := client.GetBucketVersioning(ctx, cfg.Bucket)
		if err != nil {
			return nil, s.mapErr(err, "versioning of bucket %q", cfg.Bucket)
		}
		s.versioned = vc.Enabled() || vc.Suspended()
	}
	return s, nil
}

// startupWait bounds how long New waits for a MinIO server that answers
// but has not finished initialising (a server started together with
// vanthu, as in docker compose).
var startupWait = 30 * time.Second

// bucketExists asks whether bucket exists, waiting while the server says
// it is still initialising ("Server not initialized yet").
func bucketExists(ctx context.Context, client *s3.Client, bucket string) (bool, error) {
	deadline := time.Now().Add(startupWait)
	for {
		exists, err := client.BucketExists(ctx, bucket)
		if err == nil || !notInitialized(err) || time.Now().After(deadline) {
			return exists, err
		}
		select {
		case <-ctx.Done():
			return false, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// NewTransport returns the HTTP transport a Store uses by default:
// minio-go's, keeping MaxIdleConnsPerHost idle connections to the server
// instead of its 16. With records archived concurrently (several objects
// each), more requests than that run at once, and every one beyond the
// idle pool would open (and later close) a connection of its own.
func NewTransport(secure bool) (*http.Transport, error) {
	tr, err := s3.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("minio: transport: %w", err)
	}
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = MaxIdleConnsPerHost, MaxIdleConnsPerHost
	return tr, nil
}

// Ping checks that the server answers for the bucket (readiness):
// EUNAVAILABLE if it does not.
func (s *Store) Ping(ctx context.Context) error {
	ctx = operation(ctx)
	if _, err := s.client.BucketExists(ctx, s.bucket); err != nil {
		return s.mapErr(err, "bucket %q", s.bucket)
	}
	return nil
}

// Client returns the underlying minio-go client, for tests and tools that
// talk to the server directly (e.g. to show it refuses to delete a locked
// version by itself).
func (s *Store) Client() *s3.Client { return s.client }

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// ObjectLock reports whether the bucket has object lock.
func (s *Store) ObjectLock() bool { return s.locking }

// Put implements workflow.Blobs.
//
// One round trip in the common case: the PUT is conditional (If-None-Match:
// *), so a new key needs no Stat first; it carries the retention and the
// legal hold in its headers (no separate retention or legal hold call) and
// the SHA-256 in a signed x-amz-checksum-sha256 header, which binds the
// content to the request's signature: the payload itself is sent unsigned
// (no aws-chunked signing, which would hash every byte once more on each
// side). When the key exists (precondition failed), putExisting decides.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	ctx = operation(ctx)
	now := s.Now()
	po, err := s.putOptions(key, size, sum, opts, now)
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	po.SetMatchETagExcept("*")
	body, err := newPutBody(ctx, key, r, size)
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	if s.cache.fits(key, sum, size) {
		body.keep = newKeeper(size)
	}
	ui, err := s.client.PutObject(ctx, s.bucket, key, body.sendable(), size, po)
	if err != nil && preconditionFailed(err) {
		cur, done, perr := s.existing(ctx, key, size, sum, now)
		if perr != nil {
			return cur, perr
		}
		if done {
			oi, terr := s.touch(ctx, cur, po, now)
			if workflow.ErrorCode(terr) != workflow.ENOTFOUND {
				return oi, terr
			}
			// Gone since it was looked at (collected): written again below.
		}
		// An unlocked object with other content: replaced, unconditionally.
		if body.n > 0 {
			if !body.rewindable() {
				return workflow.ObjectInfo{}, workflow.Errorf(workflow.ECONFLICT, "object %q exists with different content, or was deleted while this was written: retry", key)
			}
			if err := body.rewind(); err != nil {
				return workflow.ObjectInfo{}, fmt.Errorf("minio: put %q: rewind: %w", key, err)
			}
		}
		po = s3.PutObjectOptions{ContentType: po.ContentType, UserMetadata: po.UserMetadata, DisableMultipart: true,
			DisableContentSha256: true, Mode: po.Mode, RetainUntilDate: po.RetainUntilDate, LegalHold: po.LegalHold}
		ui, err = s.client.PutObject(ctx, s.bucket, key, body.sendable(), size, po)
	}
	if err != nil {
		if body.srcErr != nil && ctx.Err() == nil {
			return workflow.ObjectInfo{}, ctxio.SourceError(key, body.srcErr)
		}
		if body.eof && body.n < size {
			return workflow.ObjectInfo{}, workflow.Wrap(workflow.EINVALID, err, "content of %q is %d bytes, not %d", key, body.n, size)
		}
		return workflow.ObjectInfo{}, s.mapErr(err, "put %q", key)
	}
	if ui.ChecksumSHA256 != "" && ui.ChecksumSHA256 != po.UserMetadata[amzChecksumSHA256] {
		return workflow.ObjectInfo{}, fmt.Errorf("minio: put %q: server reports SHA-256 %s, sent %s", key, ui.ChecksumSHA256, po.UserMetadata[amzChecksumSHA256])
	}
	mod := ui.LastModified
	if mod.IsZero() {
		mod = now
	}
	oi := workflow.ObjectInfo{Key: key, Size: size, SHA256: sum, Modtime: mod.UTC(), LegalHold: opts.LegalHold, VersionID: ui.VersionID,
		ContentType: po.ContentType}
	if !opts.RetainUntil.IsZero() {
		// S3 keeps retain-until dates to the second.
		oi.RetainUntil = opts.RetainUntil.UTC().Truncate(time.Second)
	}
	if data, ok := body.keep.content(size); ok {
		// The server answered with the SHA-256 it checked these bytes
		// against (they are what the last try sent): no second hash.
		s.cache.add(data, oi, ui.ChecksumSHA256 != "")
	}
	return oi, nil
}

// amzChecksumSHA256 is the header (sent as user metadata, which minio-go
// passes through as is) carrying the base64 SHA-256 the server checks.
const amzChecksumSHA256 = "x-amz-checksum-sha256"

// putOptions checks a Put's arguments and returns the options of its
// single PUT: the SHA-256 the server verifies, the retention and legal
// hold as headers of the same request, no multipart (a multipart upload
// cannot carry a full-object SHA-256), no payload signing (the signed
// checksum header covers the content).
func (s *Store) putOptions(key string, size int64, sum string, opts workflow.PutOptions, now time.Time) (s3.PutObjectOptions, error) {
	if err := ValidateKey(key); err != nil {
		return s3.PutObjectOptions{}, err
	}
	raw, err := decodeSHA256(sum)
	if err != nil {
		return s3.PutObjectOptions{}, err
	}
	switch {
	case size < 0:
		return s3.PutObjectOptions{}, workflow.Errorf(workflow.EINVALID, "negative size %d", size)
	case size > maxSinglePut:
		return s3.PutObjectOptions{}, workflow.Errorf(workflow.ETOOLARGE, "object of %d bytes is larger than the %d a store accepts", size, int64(maxSinglePut))
	}
	if !opts.RetainUntil.IsZero() && !opts.RetainUntil.After(now) {
		return s3.PutObjectOptions{}, workflow.Errorf(workflow.EINVALID, "retain-until %s is not in the future", opts.RetainUntil.Format(time.RFC3339))
	}
	if (!opts.RetainUntil.IsZero() || opts.LegalHold) && !s.locking {
		return s3.PutObjectOptions{}, workflow.Errorf(workflow.EINVALID, "bucket %q has no object lock: cannot retain or hold %q", s.bucket, key)
	}
	po := s3.PutObjectOptions{
		ContentType: opts.ContentType,
		UserMetadata: map[string]string{
			// The server verifies the content against this before storing.
			amzChecksumSHA256: base64.StdEncoding.EncodeToString(raw),
			metaSHA256:        sum,
		},
		DisableMultipart:     true,
		DisableContentSha256: true,
	}
	if !opts.RetainUntil.IsZero() {
		po.Mode = s3.Compliance
		po.RetainUntilDate = opts.RetainUntil.UTC()
	}
	if opts.LegalHold {
		po.LegalHold = s3.LegalHoldEnabled
	}
	return po, nil
}

// touch answers a Put of the content already stored under cur.Key: an
// object that is not locked gets a new Modtime (a server-side copy onto
// itself, no data sent), so a blob re-used by a new upload is as young as
// the upload and a collector of unreferenced blobs, which takes only those
// older than its grace period, leaves it alone; a locked one (the archive)
// is left as it is.
func (s *Store) touch(ctx context.Context, cur workflow.ObjectInfo, po s3.PutObjectOptions, now time.Time) (workflow.ObjectInfo, error) {
	if locked(cur, now) {
		return cur, nil
	}
	// The copy replaces the metadata: the type goes unless it is given
	// again (minio-go then says binary/octet-stream). A Put naming none
	// (a retry, a copy by a tool that knows no type) keeps the stored one.
	ct := po.ContentType
	if ct == "" {
		ct = cur.ContentType
	}
	ui, err := s.client.CopyObject(ctx,
		s3.CopyDestOptions{Bucket: s.bucket, Object: cur.Key, ReplaceMetadata: true, ContentType: ct,
			UserMetadata: map[string]string{metaSHA256: cur.SHA256}},
		s3.CopySrcOptions{Bucket: s.bucket, Object: cur.Key, VersionID: cur.VersionID})
	if err != nil {
		return workflow.ObjectInfo{}, s.mapErr(err, "touch %q", cur.Key)
	}
	if s.versioned && cur.VersionID != "" && ui.VersionID != "" && ui.VersionID != cur.VersionID {
		// The copy is a new version: the old one, the same bytes, goes.
		if err := s.client.RemoveObject(ctx, s.bucket, cur.Key, s3.RemoveObjectOptions{VersionID: cur.VersionID}); err != nil {
			return workflow.ObjectInfo{}, s.mapErr(err, "touch %q: remove the previous version", cur.Key)
		}
		cur.VersionID = ui.VersionID
	}
	if ct != cur.ContentType {
		s.cache.remove(cur.Key) // its info says the type it had
	}
	cur.Modtime, cur.ContentType = now.UTC(), ct
	if !ui.LastModified.IsZero() {
		cur.Modtime = ui.LastModified.UTC()
	}
	return cur, nil
}

// existing answers a conditional PUT refused because key exists: the same
// content is a retry, answered with the stored object (done); different
// content must not replace a locked object (S3 would accept it as a new
// version and keep the locked one underneath: refusing is our job); an
// unlocked one may be replaced (not done, no error).
func (s *Store) existing(ctx context.Context, key string, size int64, sum string, now time.Time) (workflow.ObjectInfo, bool, error) {
	cur, err := s.Stat(ctx, key)
	switch {
	case err == nil && cur.SHA256 == sum && cur.Size == size:
		return cur, true, nil
	case err == nil && locked(cur, now):
		return workflow.ObjectInfo{}, false, workflow.Errorf(workflow.ECONFLICT, "object %q is under retention or legal hold and holds different content", key)
	case err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND:
		return workflow.ObjectInfo{}, false, err
	}
	return workflow.ObjectInfo{}, false, nil
}

func locked(oi workflow.ObjectInfo, now time.Time) bool {
	return oi.LegalHold || now.Before(oi.RetainUntil)
}

// Get implements workflow.Blobs. The returned reader checks the server's
// SHA-256 checksum at the end of the object: a read of the whole object
// fails if the stored bytes no longer match it. A blob in the cache
// (Config.CacheBytes) is answered from memory, its bytes checked against
// its SHA-256 when they were cached; one read whole from the server is
// cached.
//
// One request: the GET's answer carries the object's info (no HEAD first).
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	ctx = operation(ctx)
	if err := ValidateKey(key); err != nil {
		return nil, workflow.ObjectInfo{}, err
	}
	if data, oi, ok := s.cache.get(key); ok {
		return cachedBlob{cached{bytes.NewReader(data)}, oi.SHA256}, oi, nil
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, s3.GetObjectOptions{Checksum: true})
	if err != nil {
		return nil, workflow.ObjectInfo{}, s.mapErr(err, "get %q", key)
	}
	// A read of nothing sends the GET; its answer's headers fill Stat.
	if _, err := obj.Read(nil); err != nil && err != io.EOF {
		obj.Close()
		return nil, workflow.ObjectInfo{}, s.mapErr(err, "get %q", key)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, workflow.ObjectInfo{}, s.mapErr(err, "get %q", key)
	}
	oi := s.info(key, info)
	o := &object{obj: obj, s: s, key: key, info: oi}
	if s.cache.fits(key, oi.SHA256, oi.Size) {
		o.keep = newKeeper(oi.Size)
	}
	return o, oi, nil
}

// GetRange implements workflow.RangeReader: a ranged GET of the first n
// bytes (the cache's copy when it holds the object), for a HEAD that
// must see whether an object stored without its type is a PDF.
func (s *Store) GetRange(ctx context.Context, key string, n int64) (io.ReadCloser, error) {
	ctx = operation(ctx)
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if data, _, ok := s.cache.get(key); ok {
		return cached{bytes.NewReader(data[:min(int64(len(data)), n)])}, nil
	}
	var opts s3.GetObjectOptions
	if n <= 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "a range of %d bytes", n)
	}
	if err := opts.SetRange(0, n-1); err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "range of %q", key)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, s.mapErr(err, "get %q", key)
	}
	// A read of nothing sends the GET: a missing object is ENOTFOUND here.
	if _, err := obj.Read(nil); err != nil && err != io.EOF {
		obj.Close()
		if s3.ToErrorResponse(err).Code == "InvalidRange" {
			return cached{bytes.NewReader(nil)}, nil // an empty object has no byte 0
		}
		return nil, s.mapErr(err, "get %q", key)
	}
	return &object{obj: obj, s: s, key: key}, nil
}

// object maps read errors of a streamed object to domain errors, and
// caches the object once read whole.
type object struct {
	obj  *s3.Object
	s    *Store
	key  string
	info workflow.ObjectInfo
	keep *keeper // nil: not cached
}

func (o *object) Read(p []byte) (int, error) {
	n, err := o.obj.Read(p)
	o.keep.wrote(p[:n])
	if err == io.EOF {
		if data, ok := o.keep.content(o.info.Size); ok {
			o.s.cache.add(data, o.info, false)
			o.keep = nil
		}
	}
	if err != nil && err != io.EOF {
		err = o.s.mapErr(err, "read %q", o.key)
	}
	return n, err
}

// Seek implements io.Seeker (the next Read asks the server from there):
// a Put given the object as its source can send it again.
func (o *object) Seek(offset int64, whence int) (int64, error) {
	n, err := o.obj.Seek(offset, whence)
	if err != nil {
		o.keep = nil
		err = o.s.mapErr(err, "seek %q", o.key)
	} else {
		o.keep.moved(n)
	}
	return n, err
}

func (o *object) Close() error { return o.obj.Close() }

// Stat implements workflow.Blobs.
func (s *Store) Stat(ctx context.Context, key string) (workflow.ObjectInfo, error) {
	ctx = operation(ctx)
	if err := ValidateKey(key); err != nil {
		return workflow.ObjectInfo{}, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, s3.StatObjectOptions{})
	if err != nil {
		return workflow.ObjectInfo{}, s.mapErr(err, "stat %q", key)
	}
	return s.info(key, info), nil
}

// info converts what the server says about an object.
func (s *Store) info(key string, in s3.ObjectInfo) workflow.ObjectInfo {
	oi := workflow.ObjectInfo{
		Key:         key,
		Size:        in.Size,
		SHA256:      in.UserMetadata[metaSHA256],
		Modtime:     in.LastModified.UTC(),
		VersionID:   in.VersionID,
		ContentType: in.ContentType,
	}
	if oi.SHA256 == "" {
		oi.SHA256 = in.UserMetadataStripped[metaSHA256]
	}
	if oi.SHA256 == "" {
		oi.SHA256 = hexChecksum(in.ChecksumSHA256)
	}
	if oi.VersionID == "null" {
		oi.VersionID = ""
	}
	if d := in.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"); d != "" {
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			oi.RetainUntil = t.UTC()
		}
	}
	oi.LegalHold = strings.EqualFold(in.Metadata.Get("X-Amz-Object-Lock-Legal-Hold"), "ON")
	return oi
}

func hexChecksum(b64 string) string {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		return ""
	}
	return hex.EncodeToString(raw)
}

// ServerChecksum returns the SHA-256 checksum (lowercase hex) the server
// stored with the object's current version, for the fixity audit.
// ENOTFOUND if missing.
func (s *Store) ServerChecksum(ctx context.Context, key string) (string, error) {
	ctx = operation(ctx)
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, s3.StatObjectOptions{Checksum: true})
	if err != nil {
		return "", s.mapErr(err, "checksum of %q", key)
	}
	sum := hexChecksum(info.ChecksumSHA256)
	if sum == "" {
		return "", fmt.Errorf("minio: the server has no SHA-256 checksum for %q", key)
	}
	return sum, nil
}

// Delete implements workflow.Blobs. In a versioned bucket every version of
// the key that the server lets go is removed; versions it keeps (an older
// version still under retention) are hidden behind a delete marker.
func (s *Store) Delete(ctx context.Context, key string) error {
	ctx = operation(ctx)
	s.cache.remove(key)
	cur, err := s.Stat(ctx, key)
	if err != nil {
		return err
	}
	if cur.LegalHold {
		return workflow.Errorf(workflow.EFORBIDDEN, "object %q is under legal hold", key)
	}
	if s.Now().Before(cur.RetainUntil) {
		return workflow.Errorf(workflow.EFORBIDDEN, "object %q is retained until %s", key, cur.RetainUntil.Format(time.RFC3339))
	}
	if !s.versioned {
		if err := s.client.RemoveObject(ctx, s.bucket, key, s3.RemoveObjectOptions{}); err != nil {
			return s.mapErr(err, "delete %q", key)
		}
		return nil
	}
	// The current version first: if the server refuses it, nothing changed.
	if err := s.client.RemoveObject(ctx, s.bucket, key, s3.RemoveObjectOptions{VersionID: cur.VersionID}); err != nil {
		return s.mapErr(err, "delete %q", key)
	}
	var versions []s3.ObjectInfo
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for v := range s.client.ListObjectsIter(lctx, s.bucket, s3.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if v.Err != nil {
			return s.mapErr(v.Err, "delete %q: list versions", key)
		}
		if v.Key == key {
			versions = append(versions, v)
		}
	}
	kept := false
	for _, v := range versions {
		err := s.client.RemoveObject(ctx, s.bucket, key, s3.RemoveObjectOptions{VersionID: v.VersionID})
		switch {
		case err == nil:
		case workflow.ErrorCode(s.mapErr(err, "")) == workflow.EFORBIDDEN:
			kept = true
		default:
			return s.mapErr(err, "delete %q: version %s", key, v.VersionID)
		}
	}
	if kept {
		if err := s.client.RemoveObject(ctx, s.bucket, key, s3.RemoveObjectOptions{}); err != nil {
			return s.mapErr(err, "delete %q", key)
		}
	}
	return nil
}

// List implements workflow.Blobs. S3 lists keys in UTF-8 byte order.
// MinIO's listing carries each object's metadata; with servers whose
// listing does not, List asks for every object's info. List does not fill
// VersionID.
func (s *Store) List(ctx context.Context, prefix string, fn func(workflow.ObjectInfo) error) error {
	ctx = operation(ctx)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.client.ListObjectsIter(lctx, s.bucket, s3.ListObjectsOptions{Prefix: prefix, Recursive: true, WithMetadata: true}) {
		if o.Err != nil {
			return s.mapErr(o.Err, "list %q", prefix)
		}
		oi, ok := listInfo(o)
		if !ok {
			var err error
			oi, err = s.Stat(ctx, o.Key)
			if workflow.ErrorCode(err) == workflow.ENOTFOUND {
				continue // deleted since listed
			}
			if err != nil {
				return err
			}
		}
		if err := fn(oi); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// listInfo reads an object's info from a MinIO listing with metadata,
// which holds the user metadata and the object lock headers.
func listInfo(o s3.ObjectInfo) (workflow.ObjectInfo, bool) {
	sum := o.UserMetadataStripped[metaSHA256]
	if sum == "" {
		return workflow.ObjectInfo{}, false
	}
	oi := workflow.ObjectInfo{Key: o.Key, Size: o.Size, SHA256: sum, Modtime: o.LastModified.UTC()}
	for k, v := range o.UserMetadata {
		switch strings.ToLower(k) {
		case "x-amz-object-lock-retain-until-date":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return workflow.ObjectInfo{}, false
			}
			oi.RetainUntil = t.UTC()
		case "x-amz-object-lock-legal-hold":
			oi.LegalHold = strings.EqualFold(v, "ON")
		case "content-type":
			oi.ContentType = v
		}
	}
	return oi, true
}

// SetLegalHold implements workflow.Blobs.
func (s *Store) SetLegalHold(ctx context.Context, key string, on bool) error {
	ctx = operation(ctx)
	cur, err := s.Stat(ctx, key)
	if err != nil {
		return err
	}
	if !s.locking {
		return workflow.Errorf(workflow.EINVALID, "bucket %q has no object lock: no legal hold on %q", s.bucket, key)
	}
	st := s3.LegalHoldDisabled
	if on {
		st = s3.LegalHoldEnabled
	}
	if err := s.client.PutObjectLegalHold(ctx, s.bucket, key, s3.PutObjectLegalHoldOptions{VersionID: cur.VersionID, Status: &st}); err != nil {
		return s.mapErr(err, "legal hold on %q", key)
	}
	return nil
}

// statusRequestCut is MinIO's 499: it ended the request itself (it was
// stopping), with no error body.
const statusRequestCut = 499

// mapErr turns a minio-go or network error into a domain error.
func (s *Store) mapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf(format, args...)
	var we *workflow.Error
	if errors.As(err, &we) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("minio: %s: %w", msg, err)
	}
	var er s3.ErrorResponse
	if errors.As(err, &er) && er.Code != "" {
		if strings.Contains(er.Message, "WORM") {
			// MinIO: "Object is WORM protected and cannot be overwritten"
			// (400 InvalidRequest) for a version under retention or hold.
			return workflow.Wrap(workflow.EFORBIDDEN, err, "%s: refused by the object store: %s", msg, er.Message)
		}
		switch er.Code {
		case "NoSuchKey", "NoSuchVersion", "NoSuchObjectLockConfiguration":
			return workflow.Wrap(workflow.ENOTFOUND, err, "%s: not found", msg)
		case "XAmzContentChecksumMismatch", "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum":
			return workflow.Wrap(workflow.EINVALID, fmt.Errorf("%w: %w", workflow.ErrDigestMismatch, err), "%s: the server refused the content: %s", msg, er.Message)
		case "IncompleteBody":
			return workflow.Wrap(workflow.EINVALID, err, "%s: the server refused the content: %s", msg, er.Message)
		case "AccessDenied", "ObjectLocked":
			return workflow.Wrap(workflow.EFORBIDDEN, err, "%s: refused by the object store: %s", msg, er.Message)
		case "EntityTooLarge":
			return workflow.Wrap(workflow.ETOOLARGE, err, "%s: too large", msg)
		case "InvalidRequest", "InvalidArgument", "InvalidObjectName", "KeyTooLongError":
			return workflow.Wrap(workflow.EINVALID, err, "%s: %s", msg, er.Message)
		case "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "XMinioServerNotInitialized", "ServiceUnavailable", "SlowDown", "XMinioStorageFull":
			return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: object store unavailable: %s", msg, er.Message)
		}
		if er.StatusCode == http.StatusNotFound {
			return workflow.Wrap(workflow.ENOTFOUND, err, "%s: not found", msg)
		}
		if er.StatusCode >= 500 {
			return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: object store unavailable: %s", msg, er.Message)
		}
		return fmt.Errorf("minio: %s: %w", msg, err)
	}
	if errors.As(err, &er) && (er.StatusCode >= 500 || er.StatusCode == statusRequestCut) {
		// An answer without an error body: the server failed, or cut
		// the request while it stopped.
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: object store unavailable: %s", msg, er.Message)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) {
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: object store unreachable", msg)
	}
	return fmt.Errorf("minio: %s: %w", msg, err)
}

// preconditionFailed reports a conditional PUT refused because the key
// exists.
func preconditionFailed(err error) bool {
	return isCode(err, "PreconditionFailed") || s3.ToErrorResponse(err).StatusCode == http.StatusPreconditionFailed
}

func isCode(err error, code string) bool {
	var er s3.ErrorResponse
	return errors.As(err, &er) && er.Code == code
}

func decodeSHA256(sum string) ([]byte, error) {
	if len(sum) != 64 || strings.ToLower(sum) != sum {
		return nil, workflow.Errorf(workflow.EINVALID, "SHA-256 %q is not 64 lowercase hex digits", sum)
	}
	raw, err := hex.DecodeString(sum)
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "SHA-256 %q is not hex", sum)
	}
	return raw, nil
}

// notInitialized reports MinIO's answer while it is still starting:
// XMinioServerNotInitialized, or a bare 503 (before its API answers in
// XML).
func notInitialized(err error) bool {
	var er s3.ErrorResponse
	return errors.As(err, &er) && (er.Code == "XMinioServerNotInitialized" || er.StatusCode == http.StatusServiceUnavailable)
}

// ListVersions calls fn for every version of every object whose key
// starts with prefix (VersionID set; delete markers left out), in key
// order, newest version first within a key. What a reader must not miss
// when a newer version or a delete marker was written over a version
// under retention (the audit anchors: archive.Anchors) reads them all.
func (s *Store) ListVersions(ctx context.Context, prefix string, fn func(workflow.ObjectInfo) error) error {
	ctx = operation(ctx)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.client.ListObjectsIter(lctx, s.bucket, s3.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return s.mapErr(o.Err, "list versions %q", prefix)
		}
		if o.IsDeleteMarker {
			continue
		}
		oi := workflow.ObjectInfo{Key: o.Key, Size: o.Size, Modtime: o.LastModified.UTC(), VersionID: o.VersionID}
		if oi.VersionID == "null" {
			oi.VersionID = ""
		}
		if err := fn(oi); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// GetVersion opens one version of an object ("" : the current one).
// ENOTFOUND if missing.
func (s *Store) GetVersion(ctx context.Context, key, versionID string) (io.ReadCloser, error) {
	ctx = operation(ctx)
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, s3.GetObjectOptions{VersionID: versionID})
	if err != nil {
		return nil, s.mapErr(err, "get %q version %s", key, versionID)
	}
	if _, err := obj.Read(nil); err != nil && err != io.EOF {
		obj.Close()
		return nil, s.mapErr(err, "get %q version %s", key, versionID)
	}
	return obj, nil
}
