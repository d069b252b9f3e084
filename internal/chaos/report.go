package chaos

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/vanthu/vanthu/internal/loadtest"
)

// WriteTable prints the report: faults injected, the load, every check.
func WriteTable(w io.Writer, rep *Report) error {
	fmt.Fprintf(w, "chaos run, seed %d, %.0f s\n", rep.Seed, rep.Seconds)
	fmt.Fprintf(w, "faults: %d kill -9, %d PostgreSQL restart(s), %d MinIO restart(s), %d receiving agency outage(s), %d upload(s) killed between blob and row\n\n",
		rep.Kills, rep.PGRestarts, rep.S3Restarts, rep.PeerDowns, len(rep.PlantedOrphans))
	if rep.Load != nil {
		if err := loadtest.WriteTable(w, rep.Load); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "check\tcount\tbad\tresult\tdetail\n")
	for _, c := range rep.Checks {
		res := "ok"
		if !c.OK {
			res = "FAIL"
		}
		d := c.Detail
		if len(d) > 160 {
			d = d[:160] + "…"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", c.Name, c.Count, c.Bad, res, d)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.OK {
		_, err := fmt.Fprintln(w, "\nall checks passed")
		return err
	}
	_, err := fmt.Fprintln(w, "\nSOME CHECKS FAILED")
	return err
}
