package main

// The start probes: serve asks each external service that is configured
// but not needed to serve — the time-stamp authority (VANTHU_TSA_URL),
// the SMTP server (VANTHU_SMTP_URL) — whether it answers as signing and
// mail will need, so that a wrong URL, password or trust anchor shows in
// the log and in /readyz when the server starts, not hours later in a
// clerk's failed issue. A failure leaves the server ready: the services
// are shared by every instance, so taking instances out of the load
// balancer would stop the whole office for what stops signing or mail
// only (each answers 503, or retries, with its own message), and a probe
// is asked once, at start, while readiness must follow the service back.
// OCSP responders and CRLs are not probed: vanthu takes their URLs from
// the certificates (AIA, CRL distribution points), none is configured.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/vanthu/vanthu/notify"
	"github.com/vanthu/vanthu/signing"
)

// probeTimeout bounds each start probe, and so how long serve waits for
// them (they run in parallel) before it says it is listening.
const probeTimeout = 5 * time.Second

// Outcomes of a start probe, as /readyz shows them.
const (
	probePending = "pending"
	probeOK      = "ok"
	probeFailed  = "failed"
)

// startProbe is one external service to ask at start.
type startProbe struct {
	env    string // the setting that names it
	target string // its URL as it may be shown: no password
	stops  string // what does not work while it fails (the warning)
	run    func(ctx context.Context) error
}

// probeSet keeps the probes' outcomes for /readyz.
type probeSet struct {
	mu       sync.Mutex
	outcome  map[string]string // setting -> pending, ok, failed
	warnings []string          // one per failed probe, in the order they failed
}

// ready is the probes' part of /readyz (api.Server.ReadyProbes).
func (p *probeSet) ready() (map[string]string, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.outcome))
	for k, v := range p.outcome {
		out[k] = v
	}
	return out, append([]string(nil), p.warnings...)
}

// startProbes asks every configured service in parallel, each within
// probeTimeout, logging its outcome and recording it for /readyz; wait
// returns once all have answered or probeTimeout has passed (a slower
// one is logged when it ends).
func (a *app) startProbes(ctx context.Context) (wait func()) {
	list := a.probes()
	if len(list) == 0 {
		return func() {}
	}
	set := &probeSet{outcome: map[string]string{}}
	for _, p := range list {
		set.outcome[p.env] = probePending
	}
	a.api.ReadyProbes = set.ready
	var wg sync.WaitGroup
	for _, p := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.probe(ctx, set, p)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return func() {
		select {
		case <-done:
		case <-time.After(probeTimeout):
		case <-ctx.Done():
		}
	}
}

// probe asks one service and records and logs what it answered.
func (a *app) probe(ctx context.Context, set *probeSet, p startProbe) {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	start := time.Now()
	err := p.run(pctx)
	took := time.Since(start).Round(time.Millisecond).String()
	set.mu.Lock()
	defer set.mu.Unlock()
	if err == nil {
		set.outcome[p.env] = probeOK
		a.log.InfoContext(ctx, "start probe passed", "setting", p.env, "url", p.target, "took", took)
		return
	}
	step := probeStep(err)
	set.outcome[p.env] = probeFailed
	set.warnings = append(set.warnings, fmt.Sprintf("%s: the start probe failed at %s (%s); see the log", p.env, step, p.stops))
	a.log.WarnContext(ctx, "start probe failed: "+p.stops+"; check "+p.env, "setting", p.env, "url", p.target,
		"step", step, "err", err.Error(), "took", took)
}

// probeStep is the step a probe's error names ("" if none).
func probeStep(err error) string {
	var tsa *signing.ProbeError
	var smtp *notify.ProbeError
	switch {
	case errors.As(err, &tsa):
		return tsa.Step
	case errors.As(err, &smtp):
		return smtp.Step
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "probe"
}

// probes are the services this configuration names: the TSA when
// VANTHU_TSA_URL is set (the development PKI's built-in one is in
// process), the SMTP server when VANTHU_SMTP_URL is.
func (a *app) probes() []startProbe {
	cfg := a.cfg
	var list []startProbe
	if cfg.TSAURL != "" {
		list = append(list, startProbe{env: "VANTHU_TSA_URL", target: redactURL(cfg.TSAURL),
			stops: "sign and issue answer 503 (or 422 for an untrusted TSA) until the time-stamp authority answers",
			run: func(ctx context.Context) error {
				return signing.ProbeTSA(ctx, cfg.TSAURL, a.trust, a.now())
			}})
	}
	if cfg.SMTPURL != "" {
		if smtp, err := notify.ParseSMTP(cfg.SMTPURL, cfg.MailFrom); err == nil { // checked by wireMail
			list = append(list, startProbe{env: "VANTHU_SMTP_URL", target: redactURL(cfg.SMTPURL),
				stops: "e-mail notifications wait in the outbox, retried, until the SMTP server takes them",
				run:   smtp.Probe})
		}
	}
	return list
}

// redactURL is a URL as it may be logged: its password replaced by
// xxxxx.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
