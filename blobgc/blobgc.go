// Package blobgc collects the work store's unreferenced blobs.
//
// Files are stored before the transaction that refers to them
// (content-addressed by SHA-256 under workflow.BlobKey, so a retry or a
// second upload of the same bytes writes nothing new); a request cut
// before its commit leaves a blob no row refers to. (A signed revision
// stored as its tail is a database row written in that transaction: no
// blob, nothing to collect; Refs names only whole blobs.) The Collector deletes
// those, beside uploads and beside other runs, by a protocol with the
// database (Claims; storage/gormdb/blobclaims.go) whose correctness
// depends on no clock:
//
//   - A run claims its candidates (marks them with its token), then
//     reads the references: a blob referenced by then is left. A
//     transaction that commits a reference to a marked blob cancels the
//     mark, under the same lock as the claim, so a reference and a
//     collection never both succeed.
//   - Before it deletes a blob the run turns its mark into "deleting" (a
//     guarded update that fails if a reference cancelled it); a
//     reference committed after that fails (EUNAVAILABLE: send it
//     again). After the delete the claim stays as a tombstone, which
//     fails the commit of an upload that stored the blob before it went
//     however slow that upload is.
//   - A transaction that commits a reference to a blob with a tombstone
//     clears it when the blob is back (stored again by the upload sent
//     again): under the claims lock it removes the tombstone, by the
//     token it read, and then finds the blob in the work store; no run
//     deletes a blob while its tombstone stands, so the blob stays. An
//     upload's Put reads nothing from the database. A run clears the
//     tombstones of blobs its listing finds back in place the same way.
//   - A blob goes to trash/ first (copied, then deleted); trash older
//     than the grace period goes for good. A trashed blob that is
//     referenced and missing (deleted by hand) is put back.
//
// The grace period is no longer what makes it safe: it spares blobs an
// upload in flight may still commit (which would otherwise have to send
// its file again), and claims older than it (and than StaleDeleting) are taken over from a run
// that stopped (crashed) half-way, so that its blobs do not stay
// claimed. Before it deletes a blob a run checks that it still holds
// the claim (a fencing check); one stalled for the whole grace period
// between that check and the delete could still delete a blob stored
// again since, so the trash copy it made first stays as long as the
// blob is referenced (trash goes only once unreferenced), and the next
// run puts it back.
//
// A run killed (or cut off from the database) between the two ends of a
// deletion leaves a "deleting" claim, which fails every commit referring
// to the blob. The run refreshes the claim when it starts the deletion
// and at its fencing check; one not refreshed for StaleDeleting (ten
// minutes) counts as a tombstone: the commit clears it when the blob is
// stored again, so the upload sent again commits. A run deletes nothing
// later than StaleDeleting/2 after its fencing check (the delete's
// deadline), so a claim cleared that way is never one a live run still
// acts on — unless clocks differ by minutes or a delete request lingers
// that long; then too the trash copy stays and is put back.
//
// It works on the work store only (the blobs/ and trash/blobs/ prefixes);
// the archive store is never given to it, and objects under retention or
// legal hold are never touched. Instances sharing a database take turns
// (a lease); two runs at once skip each other's claims.
package blobgc

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Refs reads which blobs committed rows refer to. storage/gormdb's DB
// implements it.
type Refs interface {
	// ReferencedBlobs calls fn with the SHA-256 of every blob a committed
	// row refers to, stopping at fn's first error. It sees every commit
	// that ended before it was called.
	ReferencedBlobs(ctx context.Context, fn func(sha256 string) error) error
}

// States of a claim (the same words as storage/gormdb's).
const (
	ClaimMarked   = "marked"   // a run will delete the blob unless a reference cancels it
	ClaimDeleting = "deleting" // a run is deleting it: references fail
	ClaimDeleted  = "deleted"  // a tombstone: references fail until the blob is back
)

// Claims are the collector's side of the protocol with the references
// (see the package comment). storage/gormdb's DB implements it.
type Claims interface {
	// ClearBlobTombstone removes sum's tombstone (or stale "deleting"
	// claim) if it has that token and, for a claim, is still stale.
	ClearBlobTombstone(ctx context.Context, sum, token string) error
	// ClaimBlobs marks those of sums that have no claim (nor tombstone)
	// with token and returns them.
	ClaimBlobs(ctx context.Context, token string, sums []string) ([]string, error)
	// StartBlobDelete turns token's mark on sum into "deleting" and says
	// whether it did (false: a reference cancelled the mark).
	StartBlobDelete(ctx context.Context, token, sum string) (bool, error)
	// HoldsBlobDelete says whether token still holds sum as "deleting"
	// (not taken over nor cleared as stale), refreshing the claim.
	HoldsBlobDelete(ctx context.Context, token, sum string) (bool, error)
	// FinishBlobDelete turns token's "deleting" claim on sum into a
	// tombstone.
	FinishBlobDelete(ctx context.Context, token, sum string) error
	// ReleaseBlobClaims removes token's marks on sums.
	ReleaseBlobClaims(ctx context.Context, token string, sums []string) error
	// TakeOverBlobClaim gives sum's claim held by old to token and says
	// whether it did.
	TakeOverBlobClaim(ctx context.Context, sum, old, token string) (bool, error)
	// BlobClaims calls fn with every claim and tombstone.
	BlobClaims(ctx context.Context, fn func(sum, state, token string, since time.Time) error) error
}

// Key prefixes of live and collected blobs.
const (
	Prefix      = "blobs/"
	TrashPrefix = "trash/blobs/"
)

// StaleDeleting is how long a "deleting" claim lasts without its run
// refreshing it before uploads treat it as a tombstone (the same as
// storage/gormdb's StaleBlobDelete).
const StaleDeleting = 10 * time.Minute

// DefaultGrace is the default age below which no blob is collected.
const DefaultGrace = 24 * time.Hour

// Collector deletes unreferenced blobs of a work store.
type Collector struct {
	Blobs  workflow.Blobs // the work store, never the archive
	Refs   Refs
	Claims Claims
	Grace  time.Duration // DefaultGrace when zero
	Now    func() time.Time
	Logger *slog.Logger

	// Tests: called once a candidate is claimed and the references read
	// again, before it is looked at again; and once its claim is
	// "deleting", before its move to trash.
	BeforeCheck func(key string)
	BeforeMove  func(key string)
}

// Options shape one run.
type Options struct {
	DryRun    bool          // report, change nothing
	OlderThan time.Duration // the grace period of this run (Collector.Grace when zero)
}

// Report says what a run found and did.
type Report struct {
	StartedAt time.Time `json:"started_at"`
	DryRun    bool      `json:"dry_run"`
	Grace     string    `json:"grace"`
	// Live blobs: all, referenced, unreferenced but younger than the
	// grace period (maybe an upload in flight) or claimed by another
	// run, unreferenced and older.
	Blobs        int   `json:"blobs"`
	Referenced   int   `json:"referenced"`
	Young        int   `json:"young_unreferenced"`
	Unreferenced int   `json:"collectable"`
	Bytes        int64 `json:"collectable_bytes"`
	// What the run did: moved to trash, left because re-used or
	// referenced since the listing, put back (referenced after all),
	// trash deleted for good, claims of a stopped run taken over.
	Collected  int      `json:"collected"`
	Reused     int      `json:"reused_since_listing"`
	Restored   int      `json:"restored"`
	Purged     int      `json:"purged"`
	Trash      int      `json:"trash"`
	TakenOver  int      `json:"taken_over"`
	Tombstones int      `json:"tombstones_cleared"`   // blob back in place, or gone and its tombstone older than the grace period
	Candidates []string `json:"candidates,omitempty"` // the collectable keys (dry run)
}

// claim is a row of the claims as a run read it.
type claim struct {
	state, token string
	since        time.Time
}

func (c *Collector) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Collector) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Run collects once: takes over the claims of a stopped run, puts back
// trashed blobs that are referenced and missing, deletes old
// unreferenced trash, then moves the live blobs that are unreferenced
// and older than the grace period to trash.
func (c *Collector) Run(ctx context.Context, opts Options) (*Report, error) {
	if c.Blobs == nil || c.Refs == nil || c.Claims == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the blob collector is not configured")
	}
	grace := cmp(opts.OlderThan, c.Grace, DefaultGrace)
	if grace < 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "grace period %s is negative", grace)
	}
	start := c.now()
	rep := &Report{StartedAt: start.UTC(), DryRun: opts.DryRun, Grace: grace.String()}
	cutoff := start.Add(-grace)
	token := newToken()
	// The claims are read before anything is listed or copied: a
	// tombstone read here may be cleared once its blob is seen after.
	claims, err := c.claims(ctx)
	if err != nil {
		return nil, err
	}
	if !opts.DryRun {
		// Another run's claims are taken over once older than the grace
		// period and never sooner than StaleDeleting: with a grace shorter
		// than a run takes (a test's nanosecond, an operator's minutes), a
		// live run's claims would be taken from it while it deletes.
		stale := start.Add(-max(grace, StaleDeleting))
		if err := c.takeOver(ctx, claims, stale, token, rep); err != nil {
			return rep, err
		}
	}
	refs, err := c.refs(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.sweepTrash(ctx, refs, claims, cutoff, rep); err != nil {
		return rep, err
	}
	cands, err := c.candidates(ctx, refs, claims, cutoff, rep)
	if err != nil || opts.DryRun {
		return rep, err
	}
	err = c.collect(ctx, cands, cutoff, token, rep)
	c.logger().InfoContext(ctx, "blob collection", "collected", rep.Collected, "reused", rep.Reused, "restored", rep.Restored,
		"purged", rep.Purged, "young", rep.Young, "taken_over", rep.TakenOver, "grace", rep.Grace)
	return rep, err
}

// cmp is the first of ds that is not zero.
func cmp(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d != 0 {
			return d
		}
	}
	return 0
}

func newToken() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (c *Collector) refs(ctx context.Context) (*sumSet, error) {
	refs := &sumSet{}
	err := c.Refs.ReferencedBlobs(ctx, func(sum string) error {
		refs.add(sum)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob collection: references: %w", err)
	}
	refs.sort()
	return refs, nil
}

// sumSet is the set of referenced SHA-256s, kept as sorted 32-byte
// arrays and searched by halves: a run holds every reference of every
// document at once, and a map of their hex strings took ≈ 110 bytes a
// distinct reference (six years of a district, 600,000 files: ≈ 100 MB;
// storage/gormdb BenchmarkAtSizeJobs) where this takes 32
// (BenchmarkRefsMemory: 300,000 blobs 31.6 → 9.2 MB). A sum that is not
// 64 hex digits (none should be) is kept as it is.
type sumSet struct {
	sums  [][sha256.Size]byte
	other map[string]bool
}

func (s *sumSet) add(sum string) {
	var b [sha256.Size]byte
	if len(sum) != 2*sha256.Size || strings.ToLower(sum) != sum {
		s.addOther(sum)
		return
	}
	if _, err := hex.Decode(b[:], []byte(sum)); err != nil {
		s.addOther(sum)
		return
	}
	s.sums = append(s.sums, b)
}

func (s *sumSet) addOther(sum string) {
	if s.other == nil {
		s.other = map[string]bool{}
	}
	s.other[sum] = true
}

// sort readies s for has, once every sum is added.
func (s *sumSet) sort() {
	slices.SortFunc(s.sums, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	s.sums = slices.Clone(slices.Compact(s.sums)) // the distinct ones' size
}

// has says whether sum was added (s sorted).
func (s *sumSet) has(sum string) bool {
	var b [sha256.Size]byte
	if len(sum) == 2*sha256.Size && strings.ToLower(sum) == sum {
		if _, err := hex.Decode(b[:], []byte(sum)); err == nil {
			_, ok := slices.BinarySearchFunc(s.sums, b, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
			return ok
		}
	}
	return s.other[sum]
}

func (c *Collector) claims(ctx context.Context) (map[string]claim, error) {
	out := map[string]claim{}
	err := c.Claims.BlobClaims(ctx, func(sum, state, token string, since time.Time) error {
		out[sum] = claim{state, token, since}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob collection: claims: %w", err)
	}
	return out, nil
}

// takeOver takes the claims older than cutoff (of a run that stopped):
// a mark is released, a deletion finished.
func (c *Collector) takeOver(ctx context.Context, claims map[string]claim, cutoff time.Time, token string, rep *Report) error {
	for sum, cl := range claims {
		if cl.state == ClaimDeleted || !cl.since.Before(cutoff) {
			continue
		}
		ok, err := c.Claims.TakeOverBlobClaim(ctx, sum, cl.token, token)
		if err != nil {
			return fmt.Errorf("blob collection: %w", err)
		}
		if !ok {
			continue
		}
		rep.TakenOver++
		delete(claims, sum) // neither a tombstone read before a listing nor another run's
		if cl.state == ClaimMarked {
			if err := c.Claims.ReleaseBlobClaims(ctx, token, []string{sum}); err != nil {
				return fmt.Errorf("blob collection: %w", err)
			}
			continue
		}
		if _, err := c.move(ctx, sum, token); err != nil {
			return err
		}
	}
	return nil
}

func trashKey(sum string) string { return "trash/" + workflow.BlobKey(sum) }

// sumOf is the SHA-256 a live or trash key names, "" for other keys.
func sumOf(key, prefix string) string {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return ""
	}
	_, sum, ok := strings.Cut(rest, "/")
	if !ok || len(sum) != 64 || workflow.BlobKey(sum) != Prefix+rest {
		return ""
	}
	return sum
}

// sweepTrash puts back trashed blobs that are referenced and missing,
// and deletes, for good, unreferenced trash older than cutoff. The trash
// copy of a referenced blob stays (see the package comment).
func (c *Collector) sweepTrash(ctx context.Context, refs *sumSet, claims map[string]claim, cutoff time.Time, rep *Report) error {
	var back, purge []string
	err := c.Blobs.List(ctx, TrashPrefix, func(oi workflow.ObjectInfo) error {
		sum := sumOf(strings.TrimPrefix(oi.Key, "trash/"), Prefix)
		switch {
		case sum == "":
		case !refs.has(sum) && oi.Modtime.Before(cutoff):
			purge = append(purge, oi.Key)
		case refs.has(sum):
			back = append(back, sum)
			rep.Trash++
		default:
			rep.Trash++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blob collection: list trash: %w", err)
	}
	for _, sum := range back {
		restored, err := c.restore(ctx, sum, claims[sum], rep.DryRun)
		if err != nil {
			return err
		}
		if restored {
			rep.Restored++
		}
	}
	if rep.DryRun {
		rep.Purged = len(purge)
		return nil
	}
	for _, key := range purge {
		if err := c.Blobs.Delete(ctx, key); err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return fmt.Errorf("blob collection: delete %s: %w", key, err)
		}
		rep.Purged++
	}
	return nil
}

// candidates lists the live blobs that are unreferenced, unclaimed and
// older than cutoff. A blob found in place whose tombstone was read
// before the listing has its tombstone cleared (it is back).
func (c *Collector) candidates(ctx context.Context, refs *sumSet, claims map[string]claim, cutoff time.Time, rep *Report) ([]workflow.ObjectInfo, error) {
	var out []workflow.ObjectInfo
	var back []string
	listed := map[string]bool{}
	err := c.Blobs.List(ctx, Prefix, func(oi workflow.ObjectInfo) error {
		sum := sumOf(oi.Key, Prefix)
		if sum == "" {
			return nil
		}
		rep.Blobs++
		cl, claimed := claims[sum]
		if claimed {
			listed[sum] = true // only claims are asked about (oldTombstones)
		}
		if claimed && cl.state == ClaimDeleted {
			back = append(back, sum)
		}
		switch {
		case refs.has(sum):
			rep.Referenced++
		case claimed || !oi.Modtime.Before(cutoff) || oi.LegalHold || !oi.RetainUntil.IsZero():
			rep.Young++
		default:
			rep.Unreferenced++
			rep.Bytes += oi.Size
			out = append(out, oi)
			if rep.DryRun {
				rep.Candidates = append(rep.Candidates, oi.Key)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob collection: list blobs: %w", err)
	}
	if rep.DryRun {
		return out, nil
	}
	back = append(back, c.oldTombstones(claims, refs, listed, cutoff)...)
	for _, sum := range back {
		if err := c.Claims.ClearBlobTombstone(ctx, sum, claims[sum].token); err != nil {
			return nil, fmt.Errorf("blob collection: %w", err)
		}
	}
	rep.Tombstones = len(back)
	return out, nil
}

// oldTombstones are the tombstones older than the grace period and
// StaleDeleting more (before cutoff less StaleDeleting) of blobs neither
// listed nor referenced: purged with the tombstones of blobs back in
// place. The tombstone is what fails the commit of an upload that stored
// the blob before it went; purged sooner, an upload still in flight
// commits a reference to the missing blob. With the grace period alone,
// a short one (an operator's minutes, a test's nanosecond) let that
// happen to an upload a few milliseconds slow (TestIntegrationConcurrentReuse
// failed about once in 200 runs so: blob gone, no tombstone, referenced);
// an upload older than that still would, as any upload older than the
// grace period would without the claims.
func (c *Collector) oldTombstones(claims map[string]claim, refs *sumSet, listed map[string]bool, cutoff time.Time) []string {
	var out []string
	cutoff = cutoff.Add(-StaleDeleting)
	for sum, cl := range claims {
		if cl.state == ClaimDeleted && cl.since.Before(cutoff) && !listed[sum] && !refs.has(sum) {
			out = append(out, sum)
		}
	}
	return out
}

// collect claims the candidates, reads the references again, and moves
// each that is still unreferenced, old and claimed to trash.
func (c *Collector) collect(ctx context.Context, cands []workflow.ObjectInfo, cutoff time.Time, token string, rep *Report) error {
	if len(cands) == 0 {
		return nil
	}
	sums := make([]string, len(cands))
	for i, oi := range cands {
		sums[i] = sumOf(oi.Key, Prefix)
	}
	claimed, err := c.Claims.ClaimBlobs(ctx, token, sums)
	if err != nil {
		return fmt.Errorf("blob collection: %w", err)
	}
	// Marks not turned into deletions go, however the run ends.
	defer c.Claims.ReleaseBlobClaims(context.WithoutCancel(ctx), token, claimed)
	refs, err := c.refs(ctx) // after the claims: a later reference cancels one
	if err != nil {
		return err
	}
	mine := map[string]bool{}
	for _, sum := range claimed {
		mine[sum] = !refs.has(sum)
	}
	for _, oi := range cands {
		sum := sumOf(oi.Key, Prefix)
		if err := ctx.Err(); err != nil {
			return err
		}
		if !mine[sum] {
			rep.Reused++
			continue
		}
		if err := c.collectOne(ctx, oi.Key, sum, cutoff, token, rep); err != nil {
			return err
		}
	}
	return nil
}

// collectOne moves one claimed blob to trash unless it was re-used since
// the listing (stored again: young) or a reference cancelled its claim.
func (c *Collector) collectOne(ctx context.Context, key, sum string, cutoff time.Time, token string, rep *Report) error {
	if c.BeforeCheck != nil {
		c.BeforeCheck(key)
	}
	cur, err := c.Blobs.Stat(ctx, key)
	switch {
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("blob collection: %w", err)
	case !cur.Modtime.Before(cutoff):
		rep.Reused++
		return nil
	}
	ok, err := c.Claims.StartBlobDelete(ctx, token, sum)
	if err != nil {
		return fmt.Errorf("blob collection: %w", err)
	}
	if !ok {
		rep.Reused++
		return nil
	}
	if c.BeforeMove != nil {
		c.BeforeMove(key)
	}
	moved, err := c.move(ctx, sum, token)
	if moved {
		rep.Collected++
	}
	return err
}

// move moves a blob whose claim token holds as "deleting" to trash, says
// whether it deleted it, and leaves the claim as a tombstone — also when
// it fails half-way (the blob may be gone or not; a listing that finds
// it clears the tombstone).
func (c *Collector) move(ctx context.Context, sum, token string) (deleted bool, err error) {
	defer func() {
		if ferr := c.Claims.FinishBlobDelete(context.WithoutCancel(ctx), token, sum); ferr != nil && err == nil {
			err = fmt.Errorf("blob collection: %w", ferr)
		}
	}()
	key := workflow.BlobKey(sum)
	if err := c.copy(ctx, key, trashKey(sum), sum); err != nil {
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return false, nil // gone already (the run taken over deleted it)
		}
		return false, err
	}
	// The fencing check: a run taken over (stalled for the grace period)
	// deletes nothing.
	if held, err := c.Claims.HoldsBlobDelete(ctx, token, sum); err != nil || !held {
		if err != nil {
			return false, fmt.Errorf("blob collection: %w", err)
		}
		return false, nil
	}
	// No later than StaleDeleting/2 after the check refreshed the claim:
	// later, an upload may clear it as stale.
	dctx, cancel := context.WithTimeout(ctx, StaleDeleting/2)
	defer cancel()
	if err := c.Blobs.Delete(dctx, key); err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return false, fmt.Errorf("blob collection: delete %s: %w", key, err)
	}
	return true, nil
}

// restore puts a trashed blob back unless it is in place (only says
// whether it would, on a dry run), and says whether it did. The
// tombstone cl read before, if any, is cleared once the blob is back.
func (c *Collector) restore(ctx context.Context, sum string, cl claim, dryRun bool) (bool, error) {
	key := workflow.BlobKey(sum)
	_, err := c.Blobs.Stat(ctx, key)
	if err == nil {
		return false, nil
	}
	if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return false, fmt.Errorf("blob collection: %w", err)
	}
	if dryRun {
		return true, nil
	}
	if err := c.copy(ctx, trashKey(sum), key, sum); err != nil {
		return false, err
	}
	if cl.state == ClaimDeleted {
		if err := c.Claims.ClearBlobTombstone(ctx, sum, cl.token); err != nil {
			return true, fmt.Errorf("blob collection: %w", err)
		}
	}
	c.logger().WarnContext(ctx, "blob put back from trash: referenced and missing", "key", key)
	return true, nil
}

// copy copies a blob within the store (the store checks its SHA-256)
// with the type it was stored with (the file is served with it), trying again when the target changed while it was written (another run
// writing the same blob).
func (c *Collector) copy(ctx context.Context, from, to, sum string) error {
	var err error
	for range 3 {
		if err = c.copyOnce(ctx, from, to, sum); workflow.ErrorCode(err) != workflow.ECONFLICT {
			return err
		}
	}
	return err
}

func (c *Collector) copyOnce(ctx context.Context, from, to, sum string) error {
	rc, oi, err := c.Blobs.Get(ctx, from)
	if err != nil {
		return fmt.Errorf("blob collection: read %s: %w", from, err)
	}
	defer rc.Close()
	if _, err := c.Blobs.Put(ctx, to, rc, oi.Size, sum, workflow.PutOptions{ContentType: oi.ContentType}); err != nil {
		return fmt.Errorf("blob collection: copy %s to %s: %w", from, to, err)
	}
	return nil
}
