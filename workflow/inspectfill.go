package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Files stored before their inspection was recorded (File.Inspection)
// say nothing of what they carry that acts when opened: their page and
// the API say they were not inspected. InspectionFill inspects an
// incoming document's such files, read through the work store, as an
// upload is (ActiveInspector: the same one parse), and records what it
// found — `vanthu files inspect`, and serve once at start.

// StoredFiles are a document's files as InspectionFill read them: Stamp
// is what the store read them from (its own form of them), which its
// write compares.
type StoredFiles struct {
	DocumentID string
	Files      []File
	Stamp      string
}

// InspectionStore is what InspectionFill reads and writes.
// storage/gormdb's DB implements it.
type InspectionStore interface {
	// UninspectedFiles returns at most limit incoming documents one of
	// whose files is NotInspected, in ID order after the ID after ("":
	// from the first), with their files.
	UninspectedFiles(ctx context.Context, after string, limit int) ([]StoredFiles, error)
	// CountUninspected counts the documents UninspectedFiles lists from
	// the first.
	CountUninspected(ctx context.Context) (int, error)
	// StoredFiles returns document id's files as stored now; ENOTFOUND.
	StoredFiles(ctx context.Context, id string) (StoredFiles, error)
	// SetFiles writes files as the files of document sf.DocumentID where
	// they are still those sf was read with (sf.Stamp: a compare and
	// set), and reports whether it wrote them: false, nothing written,
	// when an upload, an edit or another fill changed them meanwhile. It
	// changes nothing else of the document, its version included: an
	// inspection is no change of the document (a form open on it is not
	// made stale), and so a change that read the document before the
	// write and commits after it writes the files as it read them, the
	// inspections lost — found again by the next run.
	SetFiles(ctx context.Context, sf StoredFiles, files []File) (bool, error)
}

// InspectionFill inspects the files of incoming documents stored before
// their inspection was recorded, and records what each carries that acts
// when it is opened (File.Active, File.Inspection): documents in ID
// order, a page at a time, each file read whole (Files: checked against
// its SHA-256) within a memory budget (Hold), the document's files
// written back only where they are still as read (InspectionStore.SetFiles),
// read again and merged when they changed. A run stopped half way leaves
// every document it wrote done: the next run starts again from the first
// document still to do. Several runs at once, on several instances, are
// safe (each write compares first); they only do the same work twice.
type InspectionFill struct {
	Store     InspectionStore
	Files     Files // the work store's files (FilesOf)
	Inspector ActiveInspector
	// Hold takes n bytes of the budget for files held in memory by
	// inspections (signing.Intake.Hold: uploads share it), waiting for
	// them until ctx is done; release gives them back. Nil: no budget.
	Hold func(ctx context.Context, n int64) (release func(), err error)
	// Workers is how many documents are inspected at once (1 when < 1).
	Workers int
	// Page is how many documents are read at once (DefaultFillPage when
	// < 1).
	Page   int
	Logger *slog.Logger
	Now    func() time.Time
	// Progress, when set, is called with the report so far after each
	// document, one call at a time.
	Progress func(FillReport)

	// Tests: called once a document's files were inspected, before they
	// are written.
	BeforeWrite func(docID string)
}

// DefaultFillPage is how many documents InspectionFill reads at once.
const DefaultFillPage = 100

// maxFillAttempts bounds the writes of one document whose files keep
// changing under the fill: it is left for the next run.
const maxFillAttempts = 3

// maxFillErrors bounds the errors a report lists (ErrorCount counts all).
const maxFillErrors = 100

// FillReport says what a run of InspectionFill did.
type FillReport struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// ToDo: the documents with files to inspect when the run began.
	ToDo int `json:"documents_to_inspect"`
	// Documents: those looked at; Written: those whose files were
	// recorded; Changed: writes that found the files changed since they
	// were read (the document was read again, and its files merged);
	// Left: documents left with a file not inspected (an error below, or
	// changed too often): the next run tries them again.
	Documents int `json:"documents"`
	Written   int `json:"documents_written"`
	Changed   int `json:"changed_meanwhile"`
	Left      int `json:"documents_left"`
	// Files: files inspected (PDFs walked); Active of them carry what
	// acts when opened; Unreadable: files that are no PDF the inspection
	// reads (recorded, not tried again); Bytes read.
	Files      int   `json:"files_inspected"`
	Active     int   `json:"files_active"`
	Unreadable int   `json:"files_unreadable"`
	Bytes      int64 `json:"bytes"`
	// Errors: files that could not be read or inspected now (a missing
	// blob, content that does not match its SHA-256), the first
	// maxFillErrors of ErrorCount.
	ErrorCount int         `json:"error_count"`
	Errors     []FillError `json:"errors,omitempty"`
}

// FillError is a file InspectionFill could not inspect.
type FillError struct {
	DocumentID string `json:"document_id"`
	SHA256     string `json:"sha256"`
	Name       string `json:"name"`
	Error      string `json:"error"`
}

// fillResult is what the inspection of one file found.
type fillResult struct {
	active     Active
	inspection Inspection
}

// Run inspects every incoming document's files not yet inspected, and
// returns what it did. It stops at the first error of the database, or
// when the work store or the memory budget is unavailable
// (EUNAVAILABLE), or when ctx ends, with the report so far: the next
// run goes on from there. A file that cannot be inspected for another
// reason is listed in the report and left for the next run.
func (f *InspectionFill) Run(ctx context.Context) (*FillReport, error) {
	now := f.Now
	if now == nil {
		now = time.Now
	}
	rep := &FillReport{StartedAt: now()}
	defer func() { rep.FinishedAt = now() }()
	if f.Store == nil || f.Inspector == nil || f.Files.Blobs == nil {
		return rep, Errorf(EINTERNAL, "the inspection fill is not wired")
	}
	n, err := f.Store.CountUninspected(ctx)
	if err != nil {
		return rep, fmt.Errorf("count the documents to inspect: %w", err)
	}
	rep.ToDo = n
	page := f.Page
	if page < 1 {
		page = DefaultFillPage
	}
	workers := max(f.Workers, 1)
	var mu sync.Mutex // guards rep, and calls Progress one at a time
	after := ""
	for {
		docs, err := f.Store.UninspectedFiles(ctx, after, page)
		if err != nil {
			return rep, fmt.Errorf("read the documents to inspect: %w", err)
		}
		if len(docs) == 0 {
			return rep, nil
		}
		after = docs[len(docs)-1].DocumentID
		if err := f.pageOf(ctx, docs, workers, rep, &mu); err != nil {
			return rep, err
		}
	}
}

// pageOf inspects the documents of a page, workers at a time; the first
// error stops them, and is returned.
func (f *InspectionFill) pageOf(parent context.Context, docs []StoredFiles, workers int, rep *FillReport, mu *sync.Mutex) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	next := make(chan StoredFiles)
	var wg sync.WaitGroup
	var stop error
	for range min(workers, len(docs)) {
		wg.Go(func() {
			for sf := range next {
				if err := f.document(ctx, sf, rep, mu); err != nil {
					mu.Lock()
					if stop == nil {
						stop = err
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
feed:
	for _, sf := range docs {
		select {
		case next <- sf:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if stop != nil {
		return stop
	}
	return parent.Err()
}

// document inspects the files of sf not yet inspected and writes them
// back where they are still as read; when they changed, it reads them
// again, inspects the files that are new and not inspected, and tries
// again (maxFillAttempts in all). An error it returns stops the run.
func (f *InspectionFill) document(ctx context.Context, sf StoredFiles, rep *FillReport, mu *sync.Mutex) error {
	found := map[string]fillResult{} // by SHA-256
	failed := map[string]bool{}
	left := false
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		rep.Documents++
		if left {
			rep.Left++
		}
		if f.Progress != nil {
			f.Progress(*rep)
		}
	}()
	for attempt := 1; ; attempt++ {
		if err := f.inspectFiles(ctx, sf, found, failed, rep, mu); err != nil {
			left = true
			return err
		}
		files, changed, rest := mergeInspections(sf.Files, found)
		left = rest
		if !changed && (rest || attempt > 1) {
			return nil // nothing new to record, or another run recorded it
		}
		// Unchanged and nothing left at the first read: the store listed
		// files whose inspection its form does not say, though they read
		// as inspected (a row written before, saying what a file
		// carries): written again, in the store's form of now.
		if f.BeforeWrite != nil {
			f.BeforeWrite(sf.DocumentID)
		}
		ok, err := f.Store.SetFiles(ctx, sf, files)
		if err != nil {
			left = true
			return fmt.Errorf("record the inspection of the files of %s: %w", sf.DocumentID, err)
		}
		if ok {
			mu.Lock()
			rep.Written++
			mu.Unlock()
			return nil
		}
		mu.Lock()
		rep.Changed++
		mu.Unlock()
		if attempt == maxFillAttempts {
			left = true
			return nil
		}
		if sf, err = f.Store.StoredFiles(ctx, sf.DocumentID); ErrorCode(err) == ENOTFOUND {
			left = false
			return nil
		} else if err != nil {
			left = true
			return fmt.Errorf("read the files of %s again: %w", sf.DocumentID, err)
		}
	}
}

// inspectFiles inspects the files of sf not inspected, nor found or
// failed before, adding each to found or failed and to rep. An error it
// returns (the store or the budget unavailable, ctx done) stops the run.
func (f *InspectionFill) inspectFiles(ctx context.Context, sf StoredFiles, found map[string]fillResult, failed map[string]bool, rep *FillReport, mu *sync.Mutex) error {
	for _, file := range sf.Files {
		if _, ok := found[file.SHA256]; ok || file.Inspection != NotInspected || failed[file.SHA256] {
			continue
		}
		r, n, err := f.inspect(ctx, sf.Files, file)
		if err != nil {
			if ErrorCode(err) == EUNAVAILABLE || ctx.Err() != nil {
				return err
			}
			failed[file.SHA256] = true
			mu.Lock()
			rep.ErrorCount++
			if len(rep.Errors) < maxFillErrors {
				rep.Errors = append(rep.Errors, FillError{DocumentID: sf.DocumentID, SHA256: file.SHA256, Name: file.Name, Error: err.Error()})
			}
			mu.Unlock()
			continue
		}
		found[file.SHA256] = r
		mu.Lock()
		rep.Bytes += n
		switch r.inspection {
		case Inspected:
			rep.Files++
			if r.active != 0 {
				rep.Active++
			}
		case Unreadable:
			rep.Unreadable++
		}
		mu.Unlock()
	}
	return nil
}

// mergeInspections is files with what found says of each file not yet
// inspected; changed says whether any was, rest whether a file is still
// not inspected.
func mergeInspections(files []File, found map[string]fillResult) (out []File, changed, rest bool) {
	out = make([]File, len(files))
	copy(out, files)
	for i := range out {
		if out[i].Inspection != NotInspected {
			continue
		}
		r, ok := found[out[i].SHA256]
		if !ok {
			rest = true
			continue
		}
		out[i].Active, out[i].Inspection = r.active, r.inspection
		changed = true
	}
	return out, changed, rest
}

// inspect inspects file, a file of files: Unreadable without reading it
// whole when its first bytes are not a PDF's; else read whole (within
// Hold's budget) and inspected in place. n is the bytes read.
func (f *InspectionFill) inspect(ctx context.Context, files []File, file File) (r fillResult, n int64, err error) {
	head, err := f.Files.Head(ctx, files, file, SniffLen)
	if err != nil {
		return r, 0, err
	}
	if !IsPDF(head) {
		return fillResult{inspection: Unreadable}, int64(len(head)), nil
	}
	if f.Hold != nil {
		release, err := f.Hold(ctx, file.Size)
		if err != nil {
			return r, 0, err
		}
		defer release()
	}
	b, err := f.Files.Read(ctx, files, file)
	if err != nil {
		return r, 0, err
	}
	a, err := f.Inspector.InspectActive(ctx, Held(b), int64(len(b)))
	r.inspection = InspectionOf(err)
	if r.inspection == NotInspected {
		return r, int64(len(b)), err
	}
	if r.inspection == Inspected {
		r.active = a
	}
	return r, int64(len(b)), nil
}
