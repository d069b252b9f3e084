package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/notify"
)

// mailLeaseName is the lease of the e-mail notifier: one instance at a
// time derives and sends the mail owed.
const mailLeaseName = "mail"

// wireMail schedules the e-mail notifications (notify.Notifier) every
// VANTHU_MAIL_INTERVAL, one instance at a time (lease "mail"), each run
// first queueing the day's deadline reminders once VANTHU_REMINDER_TIME
// has passed (notify.Reminder; once per user and day in the database);
// nothing when VANTHU_SMTP_URL is empty.
func wireMail(_ context.Context, a *app) error {
	if a.cfg.SMTPURL == "" {
		return nil
	}
	smtp, err := notify.ParseSMTP(a.cfg.SMTPURL, a.cfg.MailFrom)
	if err != nil {
		return err
	}
	interval, err := parseJobInterval("VANTHU_MAIL_INTERVAL", a.cfg.MailInterval)
	if err != nil || interval == 0 {
		return fmt.Errorf("VANTHU_MAIL_INTERVAL=%q: want a Go duration like 10s", a.cfg.MailInterval)
	}
	retry, err := time.ParseDuration(a.cfg.MailRetryAfter)
	if err != nil || retry <= 0 {
		return fmt.Errorf("VANTHU_MAIL_RETRY=%q: want a Go duration like 30s", a.cfg.MailRetryAfter)
	}
	keep, err := mailKeepSent(a.cfg.MailKeepSent, a.now())
	if err != nil {
		return err
	}
	n := &notify.Notifier{Store: a.db, Sender: smtp, PublicURL: a.cfg.PublicURL, Log: a.log, Now: a.now, RetryAfter: retry, KeepSent: keep}
	at, on, err := reminderTime(a.cfg.ReminderTime)
	if err != nil {
		return err
	}
	wait, err := reminderWait(a.cfg.ReminderWait, a.now())
	if err != nil {
		return err
	}
	r := &notify.Reminder{Store: a.db, PublicURL: a.cfg.PublicURL, Log: a.log, Now: a.now, At: at, Wait: wait}
	// The lease outlives a run's sends (each at most 30 s): a minute at least.
	turn := newLeaseTurn(a.db, mailLeaseName, max(interval, time.Minute))
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		runLeasedJob(ctx, "e-mail notifications", interval, a.log, turn, func(ctx context.Context) {
			if on {
				if err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
					a.log.ErrorContext(ctx, "deadline reminders not queued", "err", err)
				}
			}
			if err := n.Run(ctx); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "e-mail notifications stopped", "err", err)
			}
		})
		return nil
	})
	return nil
}

// mailKeepSent reads VANTHU_MAIL_KEEP_SENT ("90d", "1y", "0" = for ever)
// as a duration from now: at least 7 days, which the admin's outbox page
// counts as sent.
func mailKeepSent(s string, now time.Time) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	p, err := archive.ParsePeriod(s)
	if err != nil {
		return 0, fmt.Errorf("VANTHU_MAIL_KEEP_SENT: %w", err)
	}
	keep := now.Sub(now.AddDate(-p.Years, -p.Months, -p.Days))
	if keep < 7*24*time.Hour {
		return 0, fmt.Errorf("VANTHU_MAIL_KEEP_SENT=%q: keep sent mail 7 days (7d) or more, or 0 for ever", s)
	}
	return keep, nil
}

// reminderTime reads VANTHU_REMINDER_TIME: "HH:MM" (Vietnam time), the
// time of day from which the day's reminders are queued, or "off".
func reminderTime(s string) (at time.Duration, on bool, err error) {
	if s == "off" {
		return 0, false, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false, fmt.Errorf("VANTHU_REMINDER_TIME=%q: want a time of day like 07:30 (Vietnam time), or off", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true, nil
}

// reminderWait reads VANTHU_REMINDER_WAIT as a duration from now: days
// as VANTHU_MAIL_KEEP_SENT ("2d"), or a Go duration ("36h"); "0": the
// reminders list no outgoing document.
func reminderWait(s string, now time.Time) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	p, err := archive.ParsePeriod(s)
	if err != nil {
		return 0, fmt.Errorf("VANTHU_REMINDER_WAIT=%q: want days like 2d or a duration like 36h, or 0 for never", s)
	}
	return now.Sub(now.AddDate(-p.Years, -p.Months, -p.Days)), nil
}
