// Package blobgc collects the work store's unreferenced blobs.
//
// Files are stored before the transaction that refers to them
// (content-addressed by SHA-256 under workflow.BlobKey, so a retry or a
// second upload of the same bytes writes nothing new); a request cut
// before its commit leaves a blob no row refers to. The Collector deletes
// those, safely beside uploads:
//
//   - Only blobs older than the grace period go. A Put of content a blob
//     already holds refreshes its Modtime (storage/localfs, storage/minio),
//     so a blob re-used by an upload in flight is as young as that upload.
//     The grace period must be longer than any upload takes from its Put
//     to its commit (VANTHU_HTTP_MAX_DURATION bounds a request).
//   - The references are read after the listing, and each candidate is
//     looked at again (Stat) just before it goes: one re-used meanwhile
//     is young again and stays.
//   - A blob goes to trash/ first (copied, then deleted), and the
//     references are read once more after the moves: one that a commit
//     made referenced meanwhile is put back at once, and every run first
//     puts back any trashed blob that is referenced and missing, so even
//     an upload that re-used a blob in the instant between its last look
//     and its deletion loses nothing. Trash older than the grace period
//     that nothing refers to is deleted for good.
//   - Putting a blob back never deletes its trash copy: that copy may be
//     the one another run has just made and whose live blob it is about
//     to delete (two runs at once). A trash copy of a blob that is back
//     in place goes only once older than the grace period, when no move
//     that made it can still be under way (each move re-writes the copy,
//     so its age is that of the latest move; a move, a copy then a
//     delete, takes far less than the grace period, as an upload does).
//
// It works on the work store only (the blobs/ and trash/blobs/ prefixes);
// the archive store is never given to it, and objects under retention or
// legal hold are never touched. Instances sharing a database take turns
// (a lease); two runs at once (a lease that failed, or `vanthu blobs gc`
// beside a serving instance) may repeat each other's work but lose
// nothing.
package blobgc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Refs reads which blobs committed rows refer to. storage/gormdb's DB
// implements it.
type Refs interface {
	// ReferencedBlobs calls fn with the SHA-256 of every blob a committed
	// row refers to, stopping at fn's first error.
	ReferencedBlobs(ctx context.Context, fn func(sha256 string) error) error
}

// Key prefixes of live and collected blobs.
const (
	Prefix      = "blobs/"
	TrashPrefix = "trash/blobs/"
)

// DefaultGrace is the default age below which no blob is collected.
const DefaultGrace = 24 * time.Hour

// Collector deletes unreferenced blobs of a work store.
type Collector struct {
	Blobs  workflow.Blobs // the work store, never the archive
	Refs   Refs
	Grace  time.Duration // DefaultGrace when zero
	Now    func() time.Time
	Logger *slog.Logger

	// Tests: called before a candidate is looked at again, and between
	// that look and its move to trash (the worst moments for an upload).
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
	// grace period (maybe an upload in flight), unreferenced and older.
	Blobs        int   `json:"blobs"`
	Referenced   int   `json:"referenced"`
	Young        int   `json:"young_unreferenced"`
	Unreferenced int   `json:"collectable"`
	Bytes        int64 `json:"collectable_bytes"`
	// What the run did: moved to trash, left because re-used since the
	// listing, put back (referenced after all), trash deleted for good.
	Collected  int      `json:"collected"`
	Reused     int      `json:"reused_since_listing"`
	Restored   int      `json:"restored"`
	Purged     int      `json:"purged"`
	Trash      int      `json:"trash"`
	Candidates []string `json:"candidates,omitempty"` // the collectable keys (dry run)
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

// Run collects once: puts back trashed blobs that are referenced, deletes
// old unreferenced trash, then moves the live blobs that are unreferenced
// and older than the grace period to trash.
func (c *Collector) Run(ctx context.Context, opts Options) (*Report, error) {
	if c.Blobs == nil || c.Refs == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the blob collector is not configured")
	}
	grace := opts.OlderThan
	if grace == 0 {
		grace = c.Grace
	}
	if grace == 0 {
		grace = DefaultGrace
	}
	if grace < 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "grace period %s is negative", grace)
	}
	start := c.now()
	rep := &Report{StartedAt: start.UTC(), DryRun: opts.DryRun, Grace: grace.String()}
	// Every age is measured against the moment the references were read:
	// a blob Put before start-grace had its reference committed by then.
	refs, err := c.refs(ctx)
	if err != nil {
		return nil, err
	}
	cutoff := start.Add(-grace)
	if err := c.sweepTrash(ctx, refs, cutoff, rep); err != nil {
		return rep, err
	}
	cands, err := c.candidates(ctx, refs, cutoff, rep)
	if err != nil || opts.DryRun {
		return rep, err
	}
	moved, err := c.collect(ctx, cands, cutoff, rep)
	if len(moved) > 0 {
		// Read the references again: a commit since the first read put
		// back now rather than at the next run.
		if refs, rerr := c.refs(ctx); rerr == nil {
			for _, sum := range moved {
				if refs[sum] {
					rep.Collected--
					if restored, rerr := c.restore(ctx, sum, false); rerr != nil && err == nil {
						err = rerr
					} else if restored {
						rep.Restored++
					}
				}
			}
		} else if err == nil {
			err = rerr
		}
	}
	c.logger().InfoContext(ctx, "blob collection", "collected", rep.Collected, "reused", rep.Reused, "restored", rep.Restored,
		"purged", rep.Purged, "young", rep.Young, "grace", rep.Grace)
	return rep, err
}

func (c *Collector) refs(ctx context.Context) (map[string]bool, error) {
	refs := map[string]bool{}
	err := c.Refs.ReferencedBlobs(ctx, func(sum string) error {
		refs[sum] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob collection: references: %w", err)
	}
	return refs, nil
}

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

func trashKey(sum string) string { return "trash/" + workflow.BlobKey(sum) }

// sweepTrash puts back trashed blobs that are referenced and missing,
// deletes the trash copies of referenced blobs that are in place once
// older than cutoff, and deletes, for good, unreferenced trash older than
// cutoff.
func (c *Collector) sweepTrash(ctx context.Context, refs map[string]bool, cutoff time.Time, rep *Report) error {
	var back []workflow.ObjectInfo
	var purge []string
	err := c.Blobs.List(ctx, TrashPrefix, func(oi workflow.ObjectInfo) error {
		sum := sumOf(strings.TrimPrefix(oi.Key, "trash/"), Prefix)
		switch {
		case sum == "":
		case refs[sum]:
			back = append(back, oi)
		case oi.Modtime.Before(cutoff):
			purge = append(purge, oi.Key)
		default:
			rep.Trash++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blob collection: list trash: %w", err)
	}
	for _, oi := range back {
		sum := sumOf(strings.TrimPrefix(oi.Key, "trash/"), Prefix)
		restored, err := c.restore(ctx, sum, rep.DryRun)
		if err != nil {
			return err
		}
		if restored {
			rep.Restored++
		}
		if oi.Modtime.Before(cutoff) {
			purge = append(purge, oi.Key)
		} else {
			rep.Trash++
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

// candidates lists the live blobs that are unreferenced and older than
// cutoff.
func (c *Collector) candidates(ctx context.Context, refs map[string]bool, cutoff time.Time, rep *Report) ([]workflow.ObjectInfo, error) {
	var out []workflow.ObjectInfo
	err := c.Blobs.List(ctx, Prefix, func(oi workflow.ObjectInfo) error {
		sum := sumOf(oi.Key, Prefix)
		if sum == "" {
			return nil
		}
		rep.Blobs++
		switch {
		case refs[sum]:
			rep.Referenced++
		case !oi.Modtime.Before(cutoff) || oi.LegalHold || !oi.RetainUntil.IsZero():
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
	return out, nil
}

// collect moves each candidate still old (not re-used since the listing)
// to trash and returns the SHA-256s moved.
func (c *Collector) collect(ctx context.Context, cands []workflow.ObjectInfo, cutoff time.Time, rep *Report) ([]string, error) {
	var moved []string
	for _, oi := range cands {
		if err := ctx.Err(); err != nil {
			return moved, err
		}
		if c.BeforeCheck != nil {
			c.BeforeCheck(oi.Key)
		}
		cur, err := c.Blobs.Stat(ctx, oi.Key)
		switch {
		case workflow.ErrorCode(err) == workflow.ENOTFOUND:
			continue
		case err != nil:
			return moved, fmt.Errorf("blob collection: %w", err)
		case !cur.Modtime.Before(cutoff):
			rep.Reused++
			continue
		}
		if c.BeforeMove != nil {
			c.BeforeMove(oi.Key)
		}
		sum := sumOf(oi.Key, Prefix)
		if err := c.copy(ctx, oi.Key, trashKey(sum), sum); err != nil {
			if workflow.ErrorCode(err) == workflow.ENOTFOUND {
				continue // another run moved it meanwhile
			}
			return moved, err
		}
		if err := c.Blobs.Delete(ctx, oi.Key); err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return moved, fmt.Errorf("blob collection: delete %s: %w", oi.Key, err)
		}
		moved = append(moved, sum)
		rep.Collected++
	}
	return moved, nil
}

// restore puts a trashed blob back unless it is in place (only says
// whether it would, on a dry run), and says whether it did. The trash
// copy stays (see the package comment).
func (c *Collector) restore(ctx context.Context, sum string, dryRun bool) (bool, error) {
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
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			// Another run put it back and deleted an old trash copy.
			if _, serr := c.Blobs.Stat(ctx, key); serr == nil {
				return false, nil
			}
		}
		return false, err
	}
	c.logger().InfoContext(ctx, "blob put back from trash: referenced", "key", key)
	return true, nil
}

// copy copies a blob within the store (the store checks its SHA-256),
// trying again when the target changed while it was written (another run
// moving the same blob).
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
	if _, err := c.Blobs.Put(ctx, to, rc, oi.Size, sum, workflow.PutOptions{}); err != nil {
		return fmt.Errorf("blob collection: copy %s to %s: %w", from, to, err)
	}
	return nil
}
