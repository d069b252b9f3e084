package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
)

// ImportColumns are the columns of the import CSV (a header row names
// them, in any order; the first six are required):
//
//	file             PDF file name, relative to DIR
//	type             document type code (QĐ, CV, KH...)
//	subject          trích yếu
//	sender_name      the sending agency's name
//	original_number  số/ký hiệu as printed by the sender (e.g. 12/QĐ-UBND)
//	original_date    date of the document, YYYY-MM-DD
//	sender_org_id    the sender's organisation code (optional)
//	retention        5y, 10y, 20y or permanent (optional: the type's default)
//	confidentiality  normal, confidential, secret, top_secret (optional: normal)
//	notes            free text (optional)
var ImportColumns = []string{"file", "type", "subject", "sender_name", "original_number", "original_date",
	"sender_org_id", "retention", "confidentiality", "notes"}

// ImportResult counts what an import did.
type ImportResult struct {
	Imported, Skipped int
	Rejected          []ImportReject
}

// ImportReject is a file (or CSV row) that was not imported, with why.
type ImportReject struct {
	Line   int
	File   string
	Reason string
}

// importer is the system user imports run as (recorded as the actor of
// their audit events).
var importer = &workflow.User{ID: "system:import", Username: "import", FullName: "vanthu archive import",
	Roles: []workflow.Role{workflow.RoleClerk, workflow.RoleArchivist}}

func archiveImportCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	csvPath := fs.String("csv", "", "CSV of register fields (default DIR/index.csv); columns: "+strings.Join(ImportColumns, ","))
	// Flags come before DIR; pull DIR off the end for LoadConfig.
	if n := len(args); n > 0 && (args[n-1] == "-h" || args[n-1] == "-help" || args[n-1] == "--help") {
		_, _, code := archiveApp(ctx, opts, fs, args, getenv, stderr) // prints the flags
		return code
	}
	if len(args) == 0 || strings.HasPrefix(args[len(args)-1], "-") {
		fmt.Fprint(stderr, archiveUsage)
		return 2
	}
	dir := args[len(args)-1]
	a, svc, code := archiveApp(ctx, opts, fs, args[:len(args)-1], getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if *csvPath == "" {
		*csvPath = filepath.Join(dir, "index.csv")
	}
	var prog func(done, total int, b, totalBytes int64)
	if isTerminal(stderr) {
		p := newProgress(stderr, "import")
		prog = func(done, total int, b, tb int64) { p.update(int64(done), int64(total), b, tb) }
		defer p.done()
	}
	res, err := ImportDir(ctx, a.docs, svc, dir, *csvPath, prog)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu archive import: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "import: %d imported, %d already imported (skipped), %d rejected\n", res.Imported, res.Skipped, len(res.Rejected))
	for _, r := range res.Rejected {
		fmt.Fprintf(stdout, "REJECTED line %d %s: %s\n", r.Line, r.File, r.Reason)
	}
	if len(res.Rejected) > 0 {
		return 1
	}
	return 0
}

type importRow struct {
	line int
	rec  map[string]string
}

// ImportDir imports the PDFs listed in csvPath. Each file becomes an
// incoming document (created as completed, with an import event), then
// is archived through the normal archive action. A file whose SHA-256 was
// imported already is skipped, and one imported but not yet archived (an
// interrupted run) is archived now: running it again resumes.
func ImportDir(ctx context.Context, docs *workflow.Service, svc *archive.Service, dir, csvPath string, progress func(done, total int, b, totalBytes int64)) (*ImportResult, error) {
	f, err := os.Open(csvPath)
	if err != nil {
		return nil, fmt.Errorf("import CSV: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("import CSV %s: header: %w", csvPath, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range ImportColumns[:6] {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("import CSV %s: no column %q (want %s)", csvPath, c, strings.Join(ImportColumns, ","))
		}
	}
	var rows []importRow
	var total int64
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("import CSV %s: %w", csvPath, err)
		}
		m := map[string]string{}
		for name, i := range col {
			if i < len(rec) {
				m[name] = strings.TrimSpace(rec[i])
			}
		}
		rows = append(rows, importRow{line, m})
		if st, err := os.Stat(filepath.Join(dir, m["file"])); err == nil {
			total += st.Size()
		}
	}
	return importRows(ctx, docs, svc, dir, rows, total, progress)
}

// ImportWorkers is how many files an import stores and archives at once.
// Archiving a record waits mostly for the archive store (a few round
// trips, each an fsync on the server); records side by side keep it busy.
const ImportWorkers = 8

type importOutcome struct {
	n       int64
	skipped bool
	err     error
	ran     bool
}

// importRows imports rows with ImportWorkers at a time. Rows with the
// same content take turns in CSV order (the later one finds the earlier
// imported and is skipped, as one after the other). The result lists rows
// in CSV order. A store outage or a cancellation stops the run: the rows
// after it are left for the next run, which resumes.
func importRows(ctx context.Context, docs *workflow.Service, svc *archive.Service, dir string, rows []importRow, total int64,
	progress func(done, total int, b, totalBytes int64)) (*ImportResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		i    int
		wait <-chan struct{} // closed when the previous row with the same content is done
		done chan struct{}
	}
	out := make([]importOutcome, len(rows))
	var (
		mu       sync.Mutex
		finished int
		done     int64
		next     = make(chan job)
		wg       sync.WaitGroup
	)
	for range max(1, ImportWorkers) {
		wg.Go(func() {
			for j := range next {
				select {
				case <-j.wait:
				case <-ctx.Done():
				}
				if ctx.Err() != nil {
					close(j.done)
					continue
				}
				n, skipped, err := importOne(ctx, docs, svc, dir, rows[j.i])
				close(j.done)
				if stops(err) {
					cancel()
				}
				mu.Lock()
				out[j.i] = importOutcome{n: n, skipped: skipped, err: err, ran: true}
				finished++
				done += n
				if progress != nil {
					progress(finished, len(rows), done, total)
				}
				mu.Unlock()
			}
		})
	}
	turns := map[string]chan struct{}{}
	first := make(chan struct{})
	close(first)
feed:
	for i, r := range rows {
		j := job{i: i, wait: first, done: make(chan struct{})}
		if sum := fileSum(dir, r.rec["file"]); sum != "" {
			if prev, ok := turns[sum]; ok {
				j.wait = prev
			}
			turns[sum] = j.done
		}
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return importResult(ctx, rows, out)
}

// openImport opens an import's file name inside dir and returns it with
// its size and SHA-256, read as a stream; EINVALID when it cannot be read
// or is not inside dir (os.OpenInRoot: a symbolic link out of dir is not
// followed — before, a link or a linked folder in the import directory
// imported any PDF its user could read, anywhere on the machine).
func openImport(dir, name string) (_ *os.File, size int64, sum string, err error) {
	f, err := os.OpenInRoot(dir, name)
	if err != nil {
		return nil, 0, "", workflow.Errorf(workflow.EINVALID, "cannot read the file: %v", errors.Unwrap(err))
	}
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		f.Close()
		return nil, 0, "", workflow.Errorf(workflow.EINVALID, "cannot read the file: %v", err)
	}
	return f, size, hex.EncodeToString(h.Sum(nil)), nil
}

// fileSum is the SHA-256 of an import's file, "" when it has none (a bad
// name, an unreadable file: importOne says why).
func fileSum(dir, name string) string {
	if name == "" || strings.Contains(name, "..") || filepath.IsAbs(name) {
		return ""
	}
	f, err := os.OpenInRoot(dir, name)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stops reports an error after which an import stops (and resumes when
// run again): the store or database is unavailable, or the run was
// cancelled.
func stops(err error) bool {
	return workflow.ErrorCode(err) == workflow.EUNAVAILABLE || errors.Is(err, context.Canceled)
}

// importResult counts the outcomes in CSV order; the first that stopped
// the run is its error.
func importResult(ctx context.Context, rows []importRow, out []importOutcome) (*ImportResult, error) {
	res := &ImportResult{}
	// The row that stopped the run, not one cancelled because it did.
	stop := -1
	for i, o := range out {
		if stops(o.err) && (stop < 0 || errors.Is(out[stop].err, context.Canceled) && !errors.Is(o.err, context.Canceled)) {
			stop = i
		}
	}
	if stop >= 0 {
		r := rows[stop]
		return res, fmt.Errorf("line %d %s: %w (run the import again to resume)", r.line, r.rec["file"], out[stop].err)
	}
	for i, o := range out {
		r := rows[i]
		switch {
		case !o.ran:
		case o.err == nil && o.skipped:
			res.Skipped++
		case o.err == nil:
			res.Imported++
		default:
			res.Rejected = append(res.Rejected, ImportReject{Line: r.line, File: r.rec["file"], Reason: problemsMessage(o.err) + detail(o.err)})
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

func detail(err error) string {
	if workflow.ErrorCode(err) == workflow.EINTERNAL {
		return ": " + err.Error()
	}
	return ""
}

func importOne(ctx context.Context, docs *workflow.Service, svc *archive.Service, dir string, r importRow) (int64, bool, error) {
	m := r.rec
	name := m["file"]
	if name == "" || strings.Contains(name, "..") || filepath.IsAbs(name) {
		return 0, false, workflow.Errorf(workflow.EINVALID, "file %q: want a file name inside the import directory", name)
	}
	in, err := importInput(m)
	if err != nil {
		return 0, false, err
	}
	f, size, sum, err := openImport(dir, name)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	id, err := svc.Index.Imported(ctx, sum)
	if err != nil {
		return 0, false, err
	}
	if id != "" {
		d, err := docs.Repo.Document(ctx, id)
		if err != nil {
			return 0, false, err
		}
		if d.State == workflow.Archived {
			return size, true, nil
		}
		// Imported, but the run stopped before it was archived.
		_, err = docs.Apply(ctx, importer, id, workflow.Archive, workflow.ActionInput{})
		return size, false, err
	}
	head := make([]byte, 5)
	if n, _ := f.ReadAt(head, 0); n < len(head) || string(head) != "%PDF-" {
		return 0, false, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF (no %%PDF- header)")
	}
	// The file itself: Inspect maps it (outside the intake's budget), the
	// store streams it; the document's file records what the inspection
	// found that acts when it is opened, and so does its archive record.
	info, err := signing.Inspect(f, size)
	if err != nil {
		return 0, false, err
	}
	in.File = &workflow.Upload{Name: filepath.Base(name), Size: size, Content: f, Inspection: workflow.Inspected, Active: info.Active}
	d, err := createImported(ctx, docs, svc, in, sum, name)
	if err != nil {
		return 0, false, err
	}
	_, err = docs.Apply(ctx, importer, d.ID, workflow.Archive, workflow.ActionInput{})
	return size, false, err
}

// importInput is a row's document; a date that cannot be read refuses
// it at once, with every other problem of its columns (validateImport),
// which are otherwise checked when its file is not one imported already.
func importInput(m map[string]string) (workflow.CreateInput, error) {
	in := workflow.CreateInput{Direction: workflow.Incoming, Type: workflow.DocType(m["type"]), Subject: m["subject"],
		Sender: &workflow.Org{OrgID: m["sender_org_id"], Name: m["sender_name"]}, OriginalNumber: m["original_number"],
		Retention: m["retention"], Confidentiality: workflow.Confidentiality(m["confidentiality"]), Notes: m["notes"]}
	var dateErr error
	if m["original_date"] == "" {
		dateErr = workflow.Errorf(workflow.EINVALID, "original_date is empty")
	} else if od, err := workflow.ParseDate(m["original_date"]); err != nil {
		dateErr = workflow.Errorf(workflow.EINVALID, "original_date %q is not YYYY-MM-DD", m["original_date"])
	} else {
		in.OriginalDate = &od
	}
	if in.Confidentiality == "" {
		in.Confidentiality = workflow.Public
	}
	if dateErr != nil {
		// Refused before its file is read, as ever: with every other
		// column's problem too.
		return in, validateImport(&in, dateErr)
	}
	return in, nil
}

// createImported stores the file and creates the document — completed,
// with its creation and upload events (workflow.Service.Import) — and
// records its SHA-256 as imported, all in one transaction: an interrupted
// run leaves either nothing or a document the next run finds by the
// file's hash.
func createImported(ctx context.Context, docs *workflow.Service, svc *archive.Service, in workflow.CreateInput, sum, name string) (*workflow.Document, error) {
	if err := validateImport(&in, nil); err != nil {
		return nil, err
	}
	return docs.Import(ctx, importer, in, name, func(ctx context.Context, _ workflow.Tx, d *workflow.Document) error {
		// The file is read again to be stored: what was stored must be
		// what was hashed (and inspected), or the mark would name other bytes.
		if d.Files[0].SHA256 != sum {
			return workflow.Errorf(workflow.ECONFLICT, "%q changed while it was imported: run the import again", name)
		}
		return svc.Index.MarkImported(ctx, sum, d.ID, name)
	})
}

// validateImport checks a row's columns, returning every problem
// joined: the date's (dateErr, found reading it) first, as it was when
// the first problem stopped the check, then the others in order.
func validateImport(in *workflow.CreateInput, dateErr error) error {
	var errs []error
	if dateErr != nil {
		errs = append(errs, dateErr)
	}
	bad := func(format string, args ...any) {
		errs = append(errs, workflow.Errorf(workflow.EINVALID, format, args...))
	}
	if !in.Type.Valid() {
		bad("unknown document type %q", in.Type)
	}
	if in.Subject == "" {
		bad("subject is empty")
	} else if len([]rune(in.Subject)) > workflow.MaxSubject {
		bad("subject is longer than %d characters", workflow.MaxSubject)
	}
	if in.Sender == nil || in.Sender.Name == "" {
		bad("sender_name is empty")
	}
	if in.Sender != nil && in.Sender.OrgID != "" && !workflow.ValidOrgID(in.Sender.OrgID) {
		bad("sender_org_id %q is not like 000.00.00.H13", in.Sender.OrgID)
	}
	if in.OriginalNumber == "" {
		bad("original_number is empty")
	}
	if in.Retention != "" && !archive.ValidClass(in.Retention) {
		bad("retention %q: want 5y, 10y, 20y or permanent", in.Retention)
	}
	if !in.Confidentiality.Valid() {
		bad("confidentiality %q: want normal, confidential, secret or top_secret", in.Confidentiality)
	}
	return errors.Join(errs...)
}

// problemsMessage is the message of every problem in err (a row's
// columns'), joined by "; ".
func problemsMessage(err error) string {
	ps := workflow.Problems(err)
	if len(ps) < 2 {
		return workflow.ErrorMessage(err)
	}
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}
