package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vanthu/vanthu/blobgc"
)

// blobGCLeaseName is the lease of the blob collection job.
const blobGCLeaseName = "blob-gc"

// blobGrace is the configured grace period of the blob collector, which
// must be longer than any request may take (a blob is Put at most
// VANTHU_HTTP_MAX_DURATION before its reference commits).
func blobGrace(cfg *Config) (time.Duration, error) {
	grace, err := time.ParseDuration(cfg.BlobGCGrace)
	if err != nil || grace <= 0 {
		return 0, fmt.Errorf("VANTHU_BLOB_GC_GRACE=%q: want a Go duration like 24h", cfg.BlobGCGrace)
	}
	if err := checkGrace(cfg, grace, "VANTHU_BLOB_GC_GRACE"); err != nil {
		return 0, err
	}
	return grace, nil
}

func checkGrace(cfg *Config, grace time.Duration, name string) error {
	if max, err := time.ParseDuration(cfg.HTTPMaxTime); err == nil && grace <= max {
		return fmt.Errorf("%s=%s must be longer than VANTHU_HTTP_MAX_DURATION=%s: an upload may take that long from storing its file to committing its reference", name, grace, max)
	}
	return nil
}

// wireBlobGC schedules the collection of unreferenced blobs every
// VANTHU_BLOB_GC_INTERVAL, one instance at a time (lease "blob-gc").
func wireBlobGC(_ context.Context, a *app) error {
	interval, err := parseJobInterval("VANTHU_BLOB_GC_INTERVAL", a.cfg.BlobGCInterval)
	if err != nil {
		return err
	}
	grace, err := blobGrace(a.cfg)
	if err != nil {
		return err
	}
	if interval == 0 {
		return nil
	}
	c := &blobgc.Collector{Blobs: a.blobs, Refs: a.db, Claims: a.db, Grace: grace, Logger: a.log, Now: a.now}
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		runLeasedJob(ctx, "blob collection", interval, a.log, newLeaseTurn(a.db, blobGCLeaseName, interval), func(ctx context.Context) {
			if _, err := c.Run(ctx, blobgc.Options{}); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "blob collection stopped", "err", err)
			}
		})
		return nil
	})
	return nil
}

const blobsUsage = `usage:
  vanthu blobs gc [--dry-run] [--older-than D] [--json]
        delete the work store's blobs no document or user refers to (files of requests that never
        committed) once older than D (default VANTHU_BLOB_GC_GRACE, which must be longer than
        VANTHU_HTTP_MAX_DURATION); they go to trash/ first and are deleted for good a grace period
        later; a commit referring to a blob being deleted fails until the file is sent again.
        --dry-run lists them, changes nothing.
        The archive is never touched.
`

func blobsCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "gc" {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, blobsUsage)
			return 0
		}
		fmt.Fprint(stderr, blobsUsage)
		return 2
	}
	fs := flag.NewFlagSet("blobs gc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "list what would be collected; change nothing")
	older := fs.Duration("older-than", 0, "collect blobs older than this (default VANTHU_BLOB_GC_GRACE)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cfg, code := cliConfig(fs, args[1:], getenv, stderr)
	if code >= 0 {
		return code
	}
	grace, err := blobGrace(cfg)
	if err == nil && *older != 0 {
		grace = *older
		if !*dry {
			err = checkGrace(cfg, grace, "--older-than")
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu blobs gc: %v\n", err)
		return 2
	}
	a, code := cliApp(ctx, opts, fs, cfg, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	c := &blobgc.Collector{Blobs: a.blobs, Refs: a.db, Claims: a.db, Grace: grace, Now: a.now}
	rep, err := c.Run(ctx, blobgc.Options{DryRun: *dry})
	if err != nil {
		fmt.Fprintf(stderr, "vanthu blobs gc: %v\n", err)
		return 1
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	verb := "collected"
	if *dry {
		verb = "would collect"
		for _, k := range rep.Candidates {
			fmt.Fprintf(stdout, "COLLECTABLE %s\n", k)
		}
	}
	fmt.Fprintf(stdout, "blobs: %d, referenced %d, unreferenced younger than %s %d, unreferenced older %d (%d bytes); %s %d, re-used since listed %d, put back from trash %d, trash deleted %d\n",
		rep.Blobs, rep.Referenced, rep.Grace, rep.Young, rep.Unreferenced, rep.Bytes, verb, rep.Collected, rep.Reused, rep.Restored, rep.Purged)
	return 0
}
