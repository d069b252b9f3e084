// Command vanthu-chaos runs internal/chaos: document lifecycles over
// several vanthu serve processes on a PostgreSQL and a MinIO of its own,
// with kill -9, database and object store restarts and a receiving agency
// down for a while, then checks that nothing was lost. scripts/chaos
// builds vanthu and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vanthu/vanthu/internal/chaos"
	"github.com/vanthu/vanthu/internal/loadtest"
)

func main() {
	var cfg chaos.Config
	flag.StringVar(&cfg.Vanthu, "vanthu", "vanthu", "the vanthu binary")
	flag.StringVar(&cfg.Dir, "dir", "", "scratch directory (servers' data and logs, report.json); required")
	flag.StringVar(&cfg.PGBinDir, "pg-bin", "/usr/lib/postgresql/15/bin", "PostgreSQL binaries (initdb, pg_ctl, psql)")
	flag.StringVar(&cfg.MinIOBin, "minio", "minio", "the minio binary")
	flag.IntVar(&cfg.Instances, "instances", 3, "vanthu serve processes on the one database")
	flag.IntVar(&cfg.Lifecycles, "lifecycles", 1000, "document lifecycles (80% outgoing, sent to the peer; 20% incoming)")
	flag.IntVar(&cfg.UsersPerRole, "users-per-role", 4, "concurrent lifecycles")
	flag.IntVar(&cfg.Kills, "kills", 20, "kill -9 of a random instance (restarted at once)")
	flag.BoolVar(&cfg.RestartPG, "restart-postgres", true, "restart PostgreSQL once mid-load")
	flag.BoolVar(&cfg.RestartMinIO, "restart-minio", true, "restart MinIO once mid-load")
	flag.DurationVar(&cfg.Outage, "outage", 5*time.Second, "how long PostgreSQL and MinIO stay down when restarted")
	flag.DurationVar(&cfg.PeerDown, "peer-down", time.Minute, "the receiving agency is down this long mid-load (0 = never)")
	flag.IntVar(&cfg.Orphans, "orphans", 3, "uploads killed (kill -9 of their instance) after their blob was written, before their row committed: unreferenced blobs the checks compare with the collector's dry run")
	flag.DurationVar(&cfg.AnchorEvery, "anchor-interval", 10*time.Second, "the instances' VANTHU_AUDIT_ANCHOR_INTERVAL, so that anchors are written through the faults and checked after (0: their default, 10 min)")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "random seed (0 = from the clock)")
	var pdfFiles []string
	flag.Func("pdf", "a PDF for the lifecycles to upload (repeatable; as vanthu loadtest --pdf); default: the load tool's own page", func(f string) error {
		pdfFiles = append(pdfFiles, f)
		return nil
	})
	flag.Parse()
	var err error
	if cfg.PDFs, err = loadtest.ReadPDFs(pdfFiles); err != nil {
		fmt.Fprintln(os.Stderr, "vanthu-chaos: --pdf:", err)
		os.Exit(2)
	}
	if cfg.Dir == "" {
		fmt.Fprintln(os.Stderr, "vanthu-chaos: --dir is required")
		os.Exit(2)
	}
	cfg.Log = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := chaos.Run(ctx, cfg)
	if rep != nil {
		chaos.WriteTable(os.Stdout, rep)
		b, _ := json.MarshalIndent(rep, "", "  ")
		if werr := os.WriteFile(filepath.Join(cfg.Dir, "report.json"), append(b, '\n'), 0o644); werr != nil {
			fmt.Fprintln(os.Stderr, "vanthu-chaos:", werr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vanthu-chaos:", err)
		os.Exit(1)
	}
	if !rep.OK {
		os.Exit(1)
	}
}
