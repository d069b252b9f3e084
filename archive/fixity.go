package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// ServerChecksummer is implemented by stores that keep their own SHA-256
// of each object (storage/minio): fixity compares it too.
type ServerChecksummer interface {
	ServerChecksum(ctx context.Context, key string) (string, error)
}

// FixityReport is the result of one fixity audit.
type FixityReport struct {
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	OK         bool            `json:"ok"`
	Objects    int64           `json:"objects"`    // recorded objects checked
	Bytes      int64           `json:"bytes"`      // bytes re-read
	Verified   int64           `json:"verified"`   // objects whose hashes all match
	Mismatches []FixityProblem `json:"mismatches"` // content differs from the recorded hash
	Missing    []FixityProblem `json:"missing"`    // recorded but not in the store
	Errors     []FixityProblem `json:"errors"`     // could not be checked (store unavailable...)
	// Chains counts the records whose archive time-stamp chain was
	// checked (hashes, imprints, links); Evidence lists its problems.
	Chains   int64           `json:"evidence_chains"`
	Evidence []FixityProblem `json:"evidence"`
}

// FixityProblem is one object that failed the audit.
type FixityProblem struct {
	Key        string `json:"key"`
	DocumentID string `json:"document_id"`
	Recorded   string `json:"recorded_sha256,omitempty"`
	Actual     string `json:"actual_sha256,omitempty"`
	Server     string `json:"server_sha256,omitempty"`
	Size       int64  `json:"size,omitempty"`
	ReadBytes  int64  `json:"read_bytes,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Progress is reported while fixity runs.
type Progress struct {
	Objects, TotalObjects int64
	Bytes, TotalBytes     int64
	Elapsed               time.Duration
}

// FixityOptions tune a fixity audit.
type FixityOptions struct {
	Workers  int // parallel reads (default 4)
	Progress func(Progress)
}

// Fixity re-reads every recorded object, streaming, and compares its
// SHA-256 with the one recorded at write time and, where the store keeps
// one, with the server's checksum. Problems are reported, never repaired.
// The error is only for failures that stop the audit (the index cannot be
// read); an object that cannot be read is in Errors.
func (s *Service) Fixity(ctx context.Context, opt FixityOptions) (*FixityReport, error) {
	start := s.now()
	rep := &FixityReport{StartedAt: start.UTC(), Mismatches: []FixityProblem{}, Missing: []FixityProblem{}, Errors: []FixityProblem{}, Evidence: []FixityProblem{}}
	chained, err := s.checkObjects(ctx, opt, rep)
	if err != nil {
		return nil, fmt.Errorf("fixity: %w", err)
	}
	probs, err := s.checkChains(ctx, chained)
	if err != nil {
		return nil, fmt.Errorf("fixity: %w", err)
	}
	rep.Chains, rep.Evidence = int64(len(chained)), append(rep.Evidence, probs...)
	rep.FinishedAt = s.now().UTC()
	rep.OK = len(rep.Mismatches) == 0 && len(rep.Missing) == 0 && len(rep.Errors) == 0 && len(rep.Evidence) == 0
	l := s.logger()
	if rep.OK {
		l.InfoContext(ctx, "fixity audit passed", "objects", rep.Objects, "bytes", rep.Bytes)
	} else {
		l.ErrorContext(ctx, "fixity audit FAILED", "objects", rep.Objects, "mismatches", len(rep.Mismatches),
			"missing", len(rep.Missing), "errors", len(rep.Errors), "evidence", len(rep.Evidence))
	}
	return rep, nil
}

// checkObjects verifies every recorded object, opt.Workers at a time,
// into rep, and returns the documents that have evidence objects, in
// order.
func (s *Service) checkObjects(ctx context.Context, opt FixityOptions, rep *FixityReport) ([]string, error) {
	totalObjs, totalBytes, err := s.Index.ObjectStats(ctx)
	if err != nil {
		return nil, err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = 4
	}
	var objects, nbytes atomic.Int64
	var mu sync.Mutex
	jobs := make(chan Object, workers*2)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Go(func() {
			buf := make([]byte, 1<<20)
			for o := range jobs {
				p, kind, n := s.checkObject(ctx, o, buf)
				nbytes.Add(n)
				objects.Add(1)
				mu.Lock()
				rep.add(p, kind)
				mu.Unlock()
				if opt.Progress != nil {
					opt.Progress(Progress{Objects: objects.Load(), TotalObjects: totalObjs, Bytes: nbytes.Load(), TotalBytes: totalBytes, Elapsed: time.Since(t0)})
				}
			}
		})
	}
	var chained []string // documents with evidence objects, in key order
	walkErr := s.Index.WalkObjects(ctx, func(o Object) error {
		if IsEvidence(o.Name) && (len(chained) == 0 || chained[len(chained)-1] != o.DocumentID) {
			chained = append(chained, o.DocumentID)
		}
		select {
		case jobs <- o:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if walkErr != nil {
		return nil, walkErr
	}
	rep.Objects, rep.Bytes = objects.Load(), nbytes.Load()
	slices.Sort(chained)
	return slices.Compact(chained), nil
}

// add counts one object's outcome: kind "" (verified), "mismatch",
// "missing" or "error".
func (rep *FixityReport) add(p FixityProblem, kind string) {
	switch kind {
	case "":
		rep.Verified++
	case "mismatch":
		rep.Mismatches = append(rep.Mismatches, p)
	case "missing":
		rep.Missing = append(rep.Missing, p)
	default:
		rep.Errors = append(rep.Errors, p)
	}
}

// checkObject verifies one object; kind is "" (fine), "mismatch",
// "missing" or "error".
func (s *Service) checkObject(ctx context.Context, o Object, buf []byte) (FixityProblem, string, int64) {
	p := FixityProblem{Key: o.Key, DocumentID: o.DocumentID, Recorded: o.SHA256, Size: o.Size}
	rc, _, err := s.Store.Get(ctx, o.Key)
	if err != nil {
		p.Error = err.Error()
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return p, "missing", 0
		}
		return p, "error", 0
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, rc, buf)
	rc.Close()
	p.ReadBytes = n
	p.Actual = hex.EncodeToString(h.Sum(nil))
	if err != nil {
		p.Error = err.Error()
		// A read that fails the server's own checksum is a mismatch.
		if workflow.ErrorCode(err) == workflow.EUNAVAILABLE || ctx.Err() != nil {
			return p, "error", n
		}
		return p, "mismatch", n
	}
	bad := p.Actual != o.SHA256 || n != o.Size
	if cs, ok := s.Store.(ServerChecksummer); ok {
		sum, err := cs.ServerChecksum(ctx, o.Key)
		if err != nil {
			p.Error = "server checksum: " + err.Error()
			return p, "error", n
		}
		p.Server = sum
		bad = bad || sum != o.SHA256
	}
	if bad {
		if n != o.Size {
			p.Error = fmt.Sprintf("size %d, recorded %d", n, o.Size)
		}
		return p, "mismatch", n
	}
	return FixityProblem{}, "", n
}
