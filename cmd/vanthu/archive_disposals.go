package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
)

// The operator's side of disposal (tiêu hủy, archive/disposal.go): list
// the lists, show one, run an approved one. Proposal and approval stay in
// the web and the API (the head of the agency's act, with the decision's
// number and date). A run acts as workflow.DisposalCLI.

const disposalsUsage = `usage:
  vanthu archive disposals list [--state proposed|approved|disposed|rejected] [--json]
        the disposal lists, newest first: id, state, records, proposer, decision, created
  vanthu archive disposals show [--json] ID
        a list with its decision and each record's state (pending, destroyed, held back and why)
  vanthu archive disposals run [--json] ID
        destroy the records of an approved list as the web's and the API's run does, each checked
        again (one under legal hold is held back); run again to finish an interrupted run or to
        retry the records held back; acts as system:disposal; exit 1 on error
`

func archiveDisposalsCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, disposalsUsage)
		return 2
	}
	switch args[0] {
	case "list":
		return disposalsListCmd(ctx, opts, args[1:], getenv, stdout, stderr)
	case "show", "run":
		return disposalCmd(ctx, opts, args[0], args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, disposalsUsage)
		return 0
	}
	fmt.Fprintf(stderr, "vanthu archive disposals: unknown subcommand %q\n%s", args[0], disposalsUsage)
	return 2
}

// disposalState is the list state a --state value names (done:
// disposed).
func disposalState(s string) (workflow.DisposalState, bool) {
	switch st := workflow.DisposalState(s); st {
	case "", workflow.DisposalProposed, workflow.DisposalApproved, workflow.DisposalDisposed, workflow.DisposalRejected:
		return st, true
	case "done":
		return workflow.DisposalDisposed, true
	}
	return "", false
}

func disposalsListCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive disposals list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the lists as the API does ({\"items\": [...]})")
	state := fs.String("state", "", "only the lists in this state: proposed, approved, disposed (or done), rejected")
	a, svc, code := archiveApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	st, ok := disposalState(*state)
	if !ok {
		fmt.Fprintf(stderr, "vanthu archive disposals list: -state %q: want proposed, approved, disposed or rejected\n", *state)
		return 2
	}
	ls, err := svc.DisposalList(ctx, workflow.DisposalCLI, st)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu archive disposals list: %v\n", err)
		return 1
	}
	if *asJSON {
		out := struct {
			Items []api.DisposalJSON `json:"items"`
		}{Items: make([]api.DisposalJSON, 0, len(ls))}
		for _, d := range ls {
			out.Items = append(out.Items, api.DisposalJSONOf(d))
		}
		return printJSON(stdout, stderr, "list", out)
	}
	names := userNames(ctx, a)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tRECORDS\tPROPOSER\tDECISION\tCREATED")
	for _, d := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.State, len(d.Items), names.of(d.CreatedBy),
			orDash(decisionOf(d)), vnTime(d.CreatedAt))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d lists\n", len(ls))
	return 0
}

// disposalCmd is show and run: their flags, then the list's ID (before or
// after the flags).
func disposalCmd(ctx context.Context, opts options, verb string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("archive disposals "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the list as the API does")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append(args[1:len(args):len(args)], args[0])
	}
	a, svc, code := archiveApp(ctx, opts, fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "vanthu archive disposals %s: name one list's ID\n", verb)
		return 2
	}
	id := fs.Arg(0)
	before, err := svc.Disposal(ctx, workflow.DisposalCLI, id)
	if err == nil && verb == "run" {
		var d *workflow.Disposal
		if d, err = svc.RunDisposal(ctx, workflow.DisposalCLI, id); err == nil {
			return printRun(ctx, a, before, d, *asJSON, stdout, stderr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "vanthu archive disposals %s %s: %s\n", verb, id, disposalErr(err, before))
		return 1
	}
	if *asJSON {
		return printJSON(stdout, stderr, verb, api.DisposalJSONOf(before))
	}
	printDisposal(stdout, userNames(ctx, a), before)
	return 0
}

// disposalErr is err's message, with where a list that is not approved
// gets its approval.
func disposalErr(err error, d *workflow.Disposal) string {
	msg := err.Error()
	if workflow.ErrorCode(err) == workflow.EILLEGAL && d != nil && d.State == workflow.DisposalProposed {
		msg += " (the head of the agency approves it in the web, Tiêu hủy tài liệu, or the API, with the decision's number and date)"
	}
	return msg
}

// printRun prints what the run did to each record of d (before: the
// list as it was), then the counts; JSON: the list as the API's run
// answers.
func printRun(ctx context.Context, a *app, before, d *workflow.Disposal, asJSON bool, stdout, stderr io.Writer) int {
	if asJSON {
		return printJSON(stdout, stderr, "run", api.DisposalJSONOf(d))
	}
	was := make(map[string]string, len(before.Items))
	for _, it := range before.Items {
		was[it.DocumentID] = it.State
	}
	var now, earlier, held, pending int
	for _, it := range d.Items {
		switch {
		case it.State == workflow.ItemDisposed && was[it.DocumentID] == workflow.ItemDisposed:
			earlier++
		case it.State == workflow.ItemDisposed:
			now++
			fmt.Fprintf(stdout, "DESTROYED %s %s: %d files, %s, document SHA-256 %s\n", it.DocumentID, itemName(it),
				it.Objects, humanBytes(it.Bytes), orDash(it.DocumentSHA256))
		case it.State == workflow.ItemHeld:
			held++
			fmt.Fprintf(stdout, "HELD      %s %s: %s\n", it.DocumentID, itemName(it), it.Reason)
		default:
			pending++
		}
	}
	fmt.Fprintf(stdout, "run %s (decision %s): %s; %d destroyed now, %d before, %d held back, %d pending\n",
		d.ID, orDash(decisionOf(d)), d.State, now, earlier, held, pending)
	return 0
}

// printDisposal prints list d and its records.
func printDisposal(w io.Writer, names userNameMap, d *workflow.Disposal) {
	fmt.Fprintf(w, "list      %s: %s\nstate     %s\nproposed  %s, %s\n", d.ID, d.Title, d.State,
		names.of(d.CreatedBy), vnTime(d.CreatedAt))
	if d.ApprovedBy != "" {
		fmt.Fprintf(w, "approved  %s, %s: decision %s\n", names.of(d.ApprovedBy), localTime(d.ApprovedAt), decisionOf(d))
		if d.DecisionText != "" {
			fmt.Fprintf(w, "          %s\n", d.DecisionText)
		}
	}
	if d.RejectedBy != "" {
		fmt.Fprintf(w, "rejected  %s, %s: %s\n", names.of(d.RejectedBy), localTime(d.RejectedAt), d.RejectReason)
	}
	if d.DisposedBy != "" {
		fmt.Fprintf(w, "run       %s, %s\n", names.of(d.DisposedBy), localTime(d.DisposedAt))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOCUMENT\tNUMBER\tSUBJECT\tRETAIN UNTIL\tSTATE\tDETAIL")
	for _, it := range d.Items {
		state, detail := "pending", ""
		switch it.State {
		case workflow.ItemDisposed:
			state = "destroyed"
			detail = fmt.Sprintf("%s, %d files, %s", localTime(it.DisposedAt), it.Objects, humanBytes(it.Bytes))
		case workflow.ItemHeld:
			state, detail = "held back", it.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.DocumentID, orDash(itemName(it)), it.Subject,
			workflow.VietnamDate(it.RetainUntil).String(), state, detail)
	}
	tw.Flush()
}

// itemName is a record's number and notation as the web shows it
// ("15/QĐ-UBND", else its number).
func itemName(it workflow.DisposalItem) string {
	if it.Notation == "" && it.Number > 0 {
		return strconv.Itoa(it.Number)
	}
	return it.Notation
}

// decisionOf is a list's decision: number and date.
func decisionOf(d *workflow.Disposal) string {
	if d.DecisionNumber == "" {
		return ""
	}
	if d.DecisionDate != nil {
		return d.DecisionNumber + " of " + d.DecisionDate.String()
	}
	return d.DecisionNumber
}

// localTime is *t as the web shows times, in Vietnam's time ("-" when nil).
func localTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return vnTime(*t)
}

func vnTime(t time.Time) string { return t.In(workflow.Vietnam).Format("2006-01-02 15:04") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printJSON(stdout, stderr io.Writer, verb string, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "vanthu archive disposals %s: %v\n", verb, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return 0
}

// userNameMap names users by ID: their username (a system user's ID is
// its name).
type userNameMap map[string]string

func (m userNameMap) of(id string) string {
	if n := m[id]; n != "" {
		return n
	}
	return id
}

// userNames reads the directory's usernames; a failure leaves the IDs.
func userNames(ctx context.Context, a *app) userNameMap {
	m := userNameMap{}
	users, err := a.db.Users(ctx)
	if err != nil {
		return m
	}
	for _, u := range users {
		m[u.ID] = u.Username
	}
	return m
}
