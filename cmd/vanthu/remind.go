package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vanthu/vanthu/notify"
)

const remindUsage = `usage:
  vanthu remind [--dry-run]
        queue today's deadline reminders (nhắc hạn xử lý) now, as serve does once a day from
        VANTHU_REMINDER_TIME: to each handler with incoming documents assigned to them, not
        completed, due today or tomorrow or overdue, one mail listing them; to each user who
        assigned documents now overdue, one summary of them; the outgoing documents that have waited
        on a user VANTHU_REMINDER_WAIT or longer (to review or sign, to issue) in that user's mail
        (or one of their own); once per user, day and kind, whoever queues it (serve's mail worker
        sends it); then forgets the reminders of more than 60 days ago. --dry-run prints who would
        get what today and queues nothing.
`

// remindCmd is "vanthu remind": today's reminders, queued or (--dry-run)
// printed.
func remindCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, remindUsage)
		return 0
	}
	fs := flag.NewFlagSet("remind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "print who would get what today; queue nothing")
	cfg, code := cliConfig(fs, args, getenv, stderr)
	if code >= 0 {
		return code
	}
	a, code := cliApp(ctx, opts, fs, cfg, stderr)
	if code >= 0 {
		return code
	}
	defer a.Close()
	wait, err := reminderWait(cfg.ReminderWait, a.now())
	if err != nil {
		fmt.Fprintf(stderr, "vanthu remind: %v\n", err)
		return 2
	}
	r := &notify.Reminder{Store: a.db, PublicURL: cfg.PublicURL, Now: a.now, Wait: wait}
	if !*dry {
		if cfg.SMTPURL == "" {
			fmt.Fprintln(stderr, "vanthu remind: warning: VANTHU_SMTP_URL is empty here: the reminders are queued, and only a serve with an SMTP server sends them")
		}
		n, err := r.Run(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "vanthu remind: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "reminders queued: %d\n", n)
		return 0
	}
	day, plan, err := r.Plan(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu remind: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "reminders of %s: %d\n", day, len(plan))
	for _, p := range plan {
		fmt.Fprintf(stdout, "TO %s (%s) <%s> %s, %d documents: %s\n", p.UserID, p.UserName, p.Address, p.Kind, len(p.Work)+len(p.Waiting), p.Mail.Subject)
		for _, w := range p.Work {
			fmt.Fprintf(stdout, "  %s due %s\n", w.Document.ID, w.Document.DueDate)
		}
		for _, w := range p.Waiting {
			fmt.Fprintf(stdout, "  %s waits to %s since %s\n", w.Document.ID, w.Action, w.Since.Format(time.RFC3339))
		}
	}
	return 0
}
