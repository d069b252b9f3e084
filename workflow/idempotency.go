package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Idempotent creation. A client that sends a creating request again (a
// form posted twice, an API call retried after its answer was lost)
// names both sends with the same idempotency key (the API's
// Idempotency-Key header, the web form's hidden one-time token): the
// second gets the first's document, and nothing is stored twice. The key
// is scoped to its user and remembered for IdempotencyTTL from the first
// attempt; the request is compared by its fingerprint (the metadata and
// the files' SHA-256), so the same key with another request is refused
// (EKEYREUSED). While the first attempt runs, the key is held in flight:
// another attempt under it is told to retry (EINPROGRESS). A failed
// attempt gives its key back, so the corrected request may reuse it; one
// that died holding it (a crashed instance) is taken over after
// Service.IdempotencyLease, or at once when its instance is known dead
// (liveness.go). The rule holds across instances: the repository keeps
// the keys under a unique constraint on (user, key).

// IdempotencyTTL is how long a key is remembered after its first attempt
// began: a request sent again later creates a new document.
const IdempotencyTTL = 24 * time.Hour

// DefaultIdempotencyLease is how long an attempt in flight holds its key
// before another attempt under the same key may take it over (the first
// is presumed dead), unless Service.IdempotencyLease says otherwise. The
// first attempt, should it still be running, then fails at its commit
// (EINPROGRESS): one document either way.
const DefaultIdempotencyLease = 2 * time.Minute

func (s *Service) idempotencyLease() time.Duration {
	if s.IdempotencyLease > 0 {
		return s.IdempotencyLease
	}
	return DefaultIdempotencyLease
}

// MaxIdempotencyKey is the longest key accepted, in bytes.
const MaxIdempotencyKey = 255

// IdempotencyKey is a key as the repository keeps it.
type IdempotencyKey struct {
	UserID      string // the user who sent it: keys are scoped per user
	Key         string
	Fingerprint string // hex SHA-256 of the request (fingerprint)
	// Token names the attempt that holds the key while it is in flight
	// (DocumentID empty).
	Token      string
	DocumentID string    // the document created, once the attempt committed
	StartedAt  time.Time // when the attempt that holds it began
	ExpiresAt  time.Time // StartedAt + IdempotencyTTL
	Holder     string    // the instance of the attempt that holds it (Service.Instance)
}

// InFlight reports whether no attempt under k has committed yet.
func (k *IdempotencyKey) InFlight() bool { return k.DocumentID == "" }

// IdempotencyKeys keeps idempotency keys; storage/gormdb does in the
// table idempotency_keys (primary key: user, key), workflowtest in memory.
type IdempotencyKeys interface {
	// BeginIdempotent records k in flight when no key of k.UserID named
	// k.Key is held — none is stored, or the stored one expired
	// (ExpiresAt at or before k.StartedAt), or it is in flight since
	// before stale (its attempt presumed dead), or it is in flight held
	// by an instance whose liveness row has not been renewed for
	// instanceStale or is gone (Liveness) — and returns nil: the caller's
	// attempt holds the key. Otherwise it returns the stored key,
	// unchanged. Concurrent calls for the same key: one holds it.
	// EUNAVAILABLE when the database is down.
	BeginIdempotent(ctx context.Context, k IdempotencyKey, stale time.Time, instanceStale time.Duration) (*IdempotencyKey, error)
	// AbandonIdempotent deletes the key if the attempt token still holds
	// it in flight (a failed attempt gives it back); nil otherwise.
	AbandonIdempotent(ctx context.Context, userID, key, token string) error
}

// IdempotencyFinisher is the part of a Tx that completes a key.
type IdempotencyFinisher interface {
	// FinishIdempotent records documentID as the result of the key held
	// in flight by the attempt token: ECONFLICT when token no longer
	// holds it (another attempt took it over).
	FinishIdempotent(ctx context.Context, userID, key, token, documentID string) error
}

// idempotencyCause is the cause of an EINPROGRESS: when to come back
// (the API's Retry-After).
type idempotencyCause time.Duration

func (c idempotencyCause) Error() string {
	return fmt.Sprintf("retry after %s", time.Duration(c))
}

// RetryAfter says how long the client should wait before it retries.
func (c idempotencyCause) RetryAfter() time.Duration { return time.Duration(c) }

// checkIdempotencyKey: 1 to MaxIdempotencyKey printable ASCII characters.
func checkIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKey {
		return Errorf(EINVALID, "the idempotency key is longer than %d characters", MaxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return Errorf(EINVALID, "the idempotency key must be printable ASCII (a UUID, for example)")
		}
	}
	return nil
}

// fingerprint is the hex SHA-256 of what the request asks: op, every
// field of in as given, and each file's name, size and SHA-256, in order.
func (in *CreateInput) fingerprint(op string) (string, error) {
	type file struct {
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	hashed := func(u *Upload) (file, error) {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(u.Content, 0, u.Size)); err != nil {
			return file{}, fmt.Errorf("read %q: %w", u.Name, err)
		}
		return file{Name: u.Name, Size: u.Size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
	}
	var files []file
	if in.File != nil {
		f, err := hashed(in.File)
		if err != nil {
			return "", err
		}
		files = append(files, f)
	}
	for i := range in.Attachments {
		f, err := hashed(&in.Attachments[i])
		if err != nil {
			return "", err
		}
		files = append(files, file{Name: "attachment/" + f.Name, Size: f.Size, SHA256: f.SHA256})
	}
	meta := *in
	meta.File, meta.Attachments, meta.IdempotencyKey, meta.signer = nil, nil, "", nil
	b, err := json.Marshal(struct {
		Op    string
		Meta  CreateInput
		Files []file
	}{op, meta, files})
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// beginCreate holds in's idempotency key for this attempt: it returns
// the key held (finish it in the creating transaction, abandon it on
// failure), or the document that an earlier attempt with the same
// request created (the replay), or EKEYREUSED, EINPROGRESS.
func (s *Service) beginCreate(ctx context.Context, actor *User, in *CreateInput) (*IdempotencyKey, *Document, error) {
	if err := checkIdempotencyKey(in.IdempotencyKey); err != nil {
		return nil, nil, err
	}
	fp, err := in.fingerprint("documents.create")
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	k := IdempotencyKey{UserID: actor.ID, Key: in.IdempotencyKey, Fingerprint: fp, Token: hex.EncodeToString(tok[:]),
		StartedAt: now, ExpiresAt: now.Add(IdempotencyTTL), Holder: s.Instance}
	lease := s.idempotencyLease()
	held, err := s.Repo.BeginIdempotent(ctx, k, now.Add(-lease), s.instanceStale())
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("idempotency key: %w", err)
	case held == nil:
		return &k, nil, nil
	case held.Fingerprint != fp:
		return nil, nil, Errorf(EKEYREUSED, "this Idempotency-Key was used for a different request in the last %s: use a new key for a new document", IdempotencyTTL)
	case held.InFlight():
		// Its attempt may have died with its instance: say until when a
		// retry is refused for it (the key is stored to the second).
		return nil, nil, Wrap(EINPROGRESS, idempotencyCause(time.Second),
			"a request with this Idempotency-Key is still being processed: retry in a moment to get its answer; if that request was cut off (its server stopped), a retry takes its key over within %s of its server stopping, from %s at the latest",
			s.instanceStale(), held.StartedAt.Add(lease).Truncate(time.Second).Add(time.Second).UTC().Format(time.RFC3339))
	}
	d, err := VisibleDocument(ctx, s.Repo, actor, held.DocumentID)
	if err != nil {
		return nil, nil, err
	}
	return nil, d, nil
}

// abandonCreate gives k back after a failed attempt, whatever became of
// the request's context. When the database is unavailable (most often
// why the attempt failed) it keeps trying in the background, with
// backoff, until the lease would have freed the key anyway: a retry once
// the database is back finds the key free, not held for the lease
// (whileTransient).
// Before, one try was made, and a create failed by a database restart
// kept its retries waiting the whole lease (2 minutes by default). A
// failure to give it back is logged (the key is taken over after the
// lease).
func (s *Service) abandonCreate(ctx context.Context, k *IdempotencyKey) {
	ctx = context.WithoutCancel(ctx)
	whileTransient(s.idempotencyLease(), func() error { return s.giveBack(ctx, k) },
		func(err error) { s.notGivenBack(ctx, k, err) })
}

// whileTransient runs try, and again in the background with backoff
// (250 ms doubling to 10 s) while it fails transiently and the next try
// would start within the time left; then done with its last error. The
// clean-up after a failed request (an idempotency key, a reserved number)
// is most often needed because the database went away (EUNAVAILABLE):
// tried once, it failed too, and what it held stayed held for its whole
// lease or TTL. A concurrent change (ECONFLICT: PostgreSQL's
// serialization failure or deadlock, a lock not granted) and a try that
// ran out of its time are transient too: each clean-up is a guarded
// statement or transaction that may run again.
func whileTransient(left time.Duration, try func() error, done func(error)) {
	err := try()
	if !transient(err) {
		done(err)
		return
	}
	deadline := time.Now().Add(left)
	go func() {
		for wait := 250 * time.Millisecond; time.Now().Add(wait).Before(deadline); wait = min(2*wait, 10*time.Second) {
			time.Sleep(wait)
			if err = try(); !transient(err) {
				break
			}
		}
		done(err)
	}()
}

// transient reports whether a clean-up that failed with err may succeed
// if tried again.
func transient(err error) bool {
	switch ErrorCode(err) {
	case EUNAVAILABLE, ECONFLICT:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// giveBack is one try of AbandonIdempotent of k, within 10 s.
func (s *Service) giveBack(ctx context.Context, k *IdempotencyKey) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return s.Repo.AbandonIdempotent(ctx, k.UserID, k.Key, k.Token)
}

func (s *Service) notGivenBack(ctx context.Context, k *IdempotencyKey, err error) {
	if err != nil {
		s.logger().WarnContext(ctx, "idempotency key not given back: it is held until the lease ends", "user", k.UserID, "err", err)
	}
}

// finishCreate records d as the result of k inside the creating
// transaction (no key: nothing).
func finishCreate(ctx context.Context, tx Tx, k *IdempotencyKey, d *Document) error {
	if k == nil {
		return nil
	}
	if err := tx.FinishIdempotent(ctx, k.UserID, k.Key, k.Token, d.ID); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return Wrap(EINPROGRESS, idempotencyCause(time.Second),
				"another request with this Idempotency-Key took over while this one ran long: retry to get its answer")
		}
		return err
	}
	return nil
}
