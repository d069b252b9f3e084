package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vanthu/vanthu/notify"
)

// mailLeaseName is the lease of the e-mail notifier: one instance at a
// time derives and sends the mail owed.
const mailLeaseName = "mail"

// wireMail schedules the e-mail notifications (notify.Notifier) every
// VANTHU_MAIL_INTERVAL, one instance at a time (lease "mail"); nothing
// when VANTHU_SMTP_URL is empty.
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
	n := &notify.Notifier{Store: a.db, Sender: smtp, PublicURL: a.cfg.PublicURL, Log: a.log, Now: a.now, RetryAfter: retry}
	// The lease outlives a run's sends (each at most 30 s): a minute at least.
	turn := newLeaseTurn(a.db, mailLeaseName, max(interval, time.Minute))
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		runLeasedJob(ctx, "e-mail notifications", interval, a.log, turn, func(ctx context.Context) {
			if err := n.Run(ctx); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "e-mail notifications stopped", "err", err)
			}
		})
		return nil
	})
	return nil
}
