package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// filesInspectLeaseName is the lease of serve's inspection of the files
// stored before their inspection was recorded.
const filesInspectLeaseName = "files-inspect"

// filesInspectLease is how long serve's run holds its lease between
// renewals (newLeaseTurn: 9/10 of it, renewed every third of that): an
// instance that starts while another runs leaves it to that one, and
// one that starts after it finished skips a run that would find nothing.
const filesInspectLease = 10 * time.Minute

// inspectFill is the app's InspectionFill: the documents' files read from
// the work store, inspected by the signing service's intake within its
// memory budget (uploads share it). Nil when the inspector says nothing
// of what a PDF carries (no workflow.ActiveInspector).
func (a *app) inspectFill(workers int) *workflow.InspectionFill {
	ai, ok := a.docs.Inspector.(workflow.ActiveInspector)
	if !ok {
		return nil
	}
	return &workflow.InspectionFill{Store: a.db, Files: workflow.FilesOf(a.blobs, a.db), Inspector: ai,
		Hold: a.intake.Hold, Workers: workers, Logger: a.log, Now: a.now}
}

// wireFilesInspect has serve run the inspection once,
// VANTHU_FILES_INSPECT_AFTER after it starts, on the instance that takes
// the lease "files-inspect" (the others leave it to that one).
func wireFilesInspect(_ context.Context, a *app) error {
	after, err := parseJobInterval("VANTHU_FILES_INSPECT_AFTER", a.cfg.FilesInspectAfter)
	if err != nil || after == 0 {
		return err
	}
	fill := a.inspectFill(1)
	if fill == nil {
		return nil
	}
	turn := newLeaseTurn(a.db, filesInspectLeaseName, filesInspectLease)
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		runFilesInspectOnce(ctx, after, fill, turn, a.log)
		return nil
	})
	return nil
}

// runFilesInspectOnce waits after, then runs fill once if this instance
// holds the turn. What it did is logged (INFO; an error at ERROR).
func runFilesInspectOnce(ctx context.Context, after time.Duration, fill *workflow.InspectionFill, turn leaseTurn, log *slog.Logger) {
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-t.C:
	}
	mine, done, err := turn(ctx)
	if err != nil {
		log.ErrorContext(ctx, "files inspection: lease", "err", err)
		return
	}
	if !mine {
		log.DebugContext(ctx, "files inspection: another instance has this turn")
		return
	}
	defer done()
	rep, err := fill.Run(ctx)
	if err != nil && ctx.Err() == nil {
		log.ErrorContext(ctx, "files inspection stopped: vanthu files inspect goes on from where it stopped", "err", err,
			"documents", rep.Documents, "documents_written", rep.Written)
		return
	}
	if rep.ToDo == 0 {
		log.DebugContext(ctx, "files inspection: every incoming document's files are inspected")
		return
	}
	level := slog.LevelInfo
	if rep.ErrorCount > 0 {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "files inspection done", "documents", rep.Documents, "documents_written", rep.Written,
		"files_inspected", rep.Files, "files_active", rep.Active, "files_unreadable", rep.Unreadable,
		"changed_meanwhile", rep.Changed, "documents_left", rep.Left, "errors", rep.ErrorCount)
}

const filesUsage = `usage:
  vanthu files inspect [--json] [--workers N]
        inspect the files of incoming documents stored before what they carry that acts when
        opened (JavaScript, launch actions, embedded files) was recorded, and record it: their
        page and the API (files[].inspected, active_content) then say what was found. Files are
        read from the work store and inspected one at a time per worker, within
        VANTHU_INSPECT_BUDGET_MB; safe while serving and on several instances at once (a
        document changed meanwhile is read again); stopped, it goes on from where it stopped
        when run again. Progress on stderr; exit 1 if a file could not be read.
`

func filesCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "inspect" {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, filesUsage)
			return 0
		}
		fmt.Fprint(stderr, filesUsage)
		return 2
	}
	fs := flag.NewFlagSet("files inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	workers := fs.Int("workers", 2, "documents inspected at once")
	a, code := loadApp(ctx, opts, fs, args[1:], getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	fill := a.inspectFill(max(*workers, 1))
	if fill == nil {
		fmt.Fprintln(stderr, "vanthu files inspect: the signing service's inspection is not wired")
		return 2
	}
	prog := newFillProgress(stderr, isTerminal(stderr))
	fill.Progress = prog.update
	rep, err := fill.Run(ctx)
	prog.done(rep)
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "files inspect: %d documents had files not inspected; %d read, %d written: %d files inspected (%d carry JavaScript, a launch action or an embedded file), %d not PDFs the inspection reads, %s read; %d changed meanwhile (read again), %d left for a later run, %d errors\n",
			rep.ToDo, rep.Documents, rep.Written, rep.Files, rep.Active, rep.Unreadable, humanBytes(rep.Bytes), rep.Changed, rep.Left, rep.ErrorCount)
		for _, e := range rep.Errors {
			fmt.Fprintf(stdout, "ERROR %s (document %s, %q): %s\n", e.SHA256, e.DocumentID, e.Name, e.Error)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu files inspect: %v (run it again to go on)\n", err)
		return 1
	}
	if rep.ErrorCount > 0 {
		return 1
	}
	return 0
}

// fillProgress tells on stderr how far a run is: one line redrawn on a
// terminal, else a line every fillProgressEvery.
type fillProgress struct {
	w     io.Writer
	tty   bool
	start time.Time
	last  time.Time
	drawn bool
}

// fillProgressEvery is how often progress is written when stderr is not a
// terminal (a log).
const fillProgressEvery = 10 * time.Second

func newFillProgress(w io.Writer, tty bool) *fillProgress {
	now := time.Now()
	return &fillProgress{w: w, tty: tty, start: now, last: now}
}

func (p *fillProgress) update(rep workflow.FillReport) {
	now := time.Now()
	every := fillProgressEvery
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.write(rep, now)
}

func (p *fillProgress) write(rep workflow.FillReport, now time.Time) {
	eta := "?"
	if el := now.Sub(p.start); rep.Documents > 0 && rep.ToDo >= rep.Documents {
		eta = (el * time.Duration(rep.ToDo-rep.Documents) / time.Duration(rep.Documents)).Round(time.Second).String()
	}
	line := fmt.Sprintf("files inspect: %d/%d documents, %d files inspected, %d with active content, %d unreadable, %d errors, %s read, ETA %s",
		rep.Documents, rep.ToDo, rep.Files, rep.Active, rep.Unreadable, rep.ErrorCount, humanBytes(rep.Bytes), eta)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s   ", line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// done writes the last progress of rep (nil: none) and ends a redrawn line.
func (p *fillProgress) done(rep *workflow.FillReport) {
	if rep != nil && rep.ToDo > 0 {
		p.write(*rep, time.Now())
	}
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
