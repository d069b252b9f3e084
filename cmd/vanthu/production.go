package main

import (
	"context"
	"fmt"
	"strings"
)

// Deployment environments (VANTHU_ENV).
const (
	envDevelopment = "development"
	envProduction  = "production"
)

// validateEnv checks VANTHU_ENV and, in production, that everything the
// development PKI would otherwise stand in for is configured.
func (c *Config) validateEnv() error {
	switch c.Env {
	case envDevelopment:
		return nil
	case envProduction:
	default:
		return fmt.Errorf("VANTHU_ENV=%q: want %s or %s", c.Env, envDevelopment, envProduction)
	}
	var missing []string
	for _, v := range []struct{ env, val string }{{"VANTHU_AGENCY_KEY", c.AgencyKey}, {"VANTHU_TRUST_ANCHORS", c.TrustAnchors}} {
		if strings.TrimSpace(v.val) == "" {
			missing = append(missing, v.env)
		}
	}
	if c.ExchangeAddr != "" {
		for _, v := range []struct{ env, val string }{{"VANTHU_EXCHANGE_CERT", c.ExchangeCert}, {"VANTHU_EXCHANGE_KEY", c.ExchangeKey}} {
			if strings.TrimSpace(v.val) == "" {
				missing = append(missing, v.env)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("VANTHU_ENV=production needs %s: production never uses the development PKI", strings.Join(missing, ", "))
	}
	return nil
}

func (c *Config) production() bool { return c.Env == envProduction }

// readyInfo records a fact /readyz shows.
func (a *app) readyInfo(k, v string) {
	if a.api.ReadyInfo == nil {
		a.api.ReadyInfo = map[string]string{"env": a.cfg.Env}
	}
	a.api.ReadyInfo[k] = v
}

// warnDevelopmentPKI says loudly, in the log (WARN) and in /readyz, that
// part of the server runs on the development PKI.
func (a *app) warnDevelopmentPKI(ctx context.Context, what, instead string) {
	where := a.cfg.DataDir + "/pki"
	if a.cfg.DatabaseURL != "" {
		where = "table dev_pki of the database, shared by its instances"
	}
	msg := fmt.Sprintf("DEVELOPMENT PKI in use for %s (%s): not trusted outside this server, not for production; set %s",
		what, where, instead)
	a.log.WarnContext(ctx, msg)
	a.api.ReadyWarnings = append(a.api.ReadyWarnings, msg)
}
