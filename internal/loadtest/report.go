package loadtest

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// WriteTable prints the report as tables: lifecycles per kind, latency
// per action, errors by action and code.
func WriteTable(w io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "%.1f s over %d server(s), %d user(s) per role, %d connection(s) opened\n", rep.Seconds, len(rep.URLs), rep.UsersPerRole, rep.Connections)
	if len(rep.PDFs) > 0 {
		sep := "uploads: copies of "
		for _, p := range rep.PDFs {
			fmt.Fprintf(w, "%s%s (%d bytes)", sep, p.Name, p.Bytes)
			sep = ", "
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(tw, "lifecycle\tcompleted\tfailed\tper second\t\n")
	for _, k := range []string{Outgoing, Incoming} {
		if l := rep.Lifecycles[k]; l != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t\n", k, l.Completed, l.Failed, l.PerSecond)
		}
	}
	fmt.Fprintf(tw, "\naction\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\t\n")
	names := make([]string, 0, len(rep.Actions))
	for n := range rep.Actions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l := rep.Actions[n]
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", n, l.Count, l.P50, l.P95, l.P99, l.Max)
	}
	fmt.Fprintf(tw, "\nerrors\tcount\t\n")
	if len(rep.Errors) == 0 {
		fmt.Fprintf(tw, "none\t0\t\n")
	}
	keys := make([]string, 0, len(rep.Errors))
	for k := range rep.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%d\t\n", k, rep.Errors[k])
	}
	return tw.Flush()
}
