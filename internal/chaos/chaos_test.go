package chaos

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/loadtest"
)

// TestIntegrationChaosShort is the short form of scripts/chaos: three
// instances on a PostgreSQL and a MinIO of the test's own (never the
// shared test servers, which other tests use), 100 lifecycles uploading
// copies of a real 4-page decision (as scripts/chaos --pdf), 3 kill -9,
// one PostgreSQL and one MinIO restart, the receiving agency down for 10 s,
// 2 uploads killed after their blob was written and before their row
// committed; then every check of the full run must pass (a retried
// answer without an error code and message, or an action retried longer
// than the run's leases allow, fails one), and the
// unreferenced blobs compared with the collector's dry run are at least
// those 2 (before, the run had none, and the comparison compared 0 with 0).
func TestIntegrationChaosShort(t *testing.T) {
	minioBin := os.Getenv("VANTHU_TEST_MINIO_BIN")
	if minioBin == "" {
		t.Skip("VANTHU_TEST_MINIO_BIN not set (scripts/setup/minio.sh sets it)")
	}
	if os.Getenv("VANTHU_TEST_DATABASE_URL") == "" {
		t.Skip("VANTHU_TEST_DATABASE_URL not set (scripts/setup/postgres.sh installs PostgreSQL and sets it)")
	}
	pgBin := "/usr/lib/postgresql/15/bin"
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		t.Fatalf("PostgreSQL 15 binaries: %v", err)
	}
	dir := scratch(t)
	vanthu := filepath.Join(dir, "vanthu")
	build := exec.Command("go", "build", "-o", vanthu, "github.com/vanthu/vanthu/cmd/vanthu")
	build.Env = append(os.Environ(), "GOTOOLCHAIN="+runtime.Version())
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A real document, not the load tool's one-line page: a 4-page
	// decision with three embedded fonts (signing/testdata/gen.sh).
	pdfs, err := loadtest.ReadPDFs([]string{filepath.Join("..", "..", "signing", "testdata", "decision-chromium.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log bytes.Buffer
	rep, err := Run(ctx, Config{Vanthu: vanthu, Dir: filepath.Join(dir, "run"), PGBinDir: pgBin, MinIOBin: minioBin,
		Instances: 3, Lifecycles: 100, UsersPerRole: 4, Kills: 3, RestartPG: true, RestartMinIO: true,
		Outage: 3 * time.Second, PeerDown: 10 * time.Second, Orphans: 2, Seed: 11, PDFs: pdfs, AnchorEvery: 5 * time.Second, Log: &log})
	var table bytes.Buffer
	if rep != nil {
		WriteTable(&table, rep)
	}
	t.Logf("chaos report:\n%s", table.String())
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	if rep.Kills != 3 || rep.PGRestarts != 1 || rep.S3Restarts != 1 || rep.PeerDowns != 1 {
		t.Errorf("faults: %d kills, %d PostgreSQL, %d MinIO, %d peer outages; want 3, 1, 1, 1", rep.Kills, rep.PGRestarts, rep.S3Restarts, rep.PeerDowns)
	}
	if len(rep.PlantedOrphans) != 2 {
		t.Errorf("%d uploads killed between blob and row, want 2", len(rep.PlantedOrphans))
	}
	compared, waited := false, false
	for _, c := range rep.Checks {
		if !c.OK {
			t.Errorf("check %q: %d bad: %s", c.Name, c.Bad, c.Detail)
		}
		waited = waited || c.Name == judgeLongestRetry(nil, maxRetry).Name
		if c.Name == judgeCollectable(nil, nil, 0).Name {
			compared = true
			if c.Count < 2 {
				t.Errorf("check %q compared %d unreferenced blobs, want at least the 2 planted", c.Name, c.Count)
			}
		}
	}
	if !compared {
		t.Error("the unreferenced blobs were not compared with the collector's dry run")
	}
	if !waited {
		t.Error("the longest retry of one action was not checked against the leases")
	}
	if want := []loadtest.PDFUsed{{Name: "decision-chromium.pdf", Bytes: len(pdfs[0].Content)}}; !slices.Equal(rep.Load.PDFs, want) {
		t.Errorf("the lifecycles uploaded copies of %v, want %v", rep.Load.PDFs, want)
	}
	if n := rep.Load.Lifecycles["outgoing"].Completed + rep.Load.Lifecycles["incoming"].Completed; n != 100 {
		t.Errorf("%d lifecycles completed, want 100", n)
	}
	if t.Failed() {
		t.Logf("run log:\n%s", log.String())
	}
}

// scratch is a directory the postgres user can reach (t.TempDir's parents
// are private), removed at the end.
func scratch(t *testing.T) string {
	t.Helper()
	base := os.Getenv("VANTHU_TEST_TMP")
	if base == "" {
		base = os.TempDir()
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, "chaos-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
