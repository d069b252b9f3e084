package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/keys"
)

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// silentAddr is a 127.0.0.1 address that accepts connections and never
// says a word (an SMTP server that hangs before its greeting).
func silentAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().String()
}

// probeLine is the first log line of the start probe of setting.
func probeLine(logs, setting string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"msg":"start probe`) && strings.Contains(l, `"setting":"`+setting+`"`) {
			return l
		}
	}
	return ""
}

// TestIntegrationStartProbes: serve asks the time-stamp authority
// (VANTHU_TSA_URL: a real RFC 3161 request, its certificate checked
// against VANTHU_TRUST_ANCHORS) and the SMTP server (VANTHU_SMTP_URL:
// Mailpit, no mail sent) at start, in parallel, and says how each
// answered in its log (INFO when it passed, WARN naming the setting, the
// step that failed and why, never the password) and in /readyz (probes:
// ok or failed, a warning per failure), which stays 200: a failed probe
// leaves the server ready. Two services that hang hold the start for
// one probe's timeout, not two. Before, neither was asked until a
// clerk's issue or the first mail failed.
func TestIntegrationStartProbes(t *testing.T) {
	mailpit := os.Getenv("VANTHU_TEST_MAILPIT_SMTP")
	if mailpit == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	dir := t.TempDir()
	ca, err := keys.OpenDevPKI(filepath.Join(dir, "ca"), "UBND quận Bình Thủy", "000.00.12.H13", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Agency(); err != nil {
		t.Fatal(err)
	}
	tsaCA := testtsa.NewCA(t, "Root CA TSA (probe)", time.Now(), time.Now().AddDate(5, 0, 0))
	tsa := testtsa.NewAuthority(t, tsaCA, time.Now, time.Now().AddDate(2, 0, 0))
	anchors := filepath.Join(dir, "anchors.pem")
	os.WriteFile(anchors, append(ca.RootPEM(), pemOf(tsaCA.Cert)...), 0o644)
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server sees the client hang up
		<-r.Context().Done()
	}))
	t.Cleanup(hung.Close)
	type want struct{ outcome, step string }
	for _, tc := range []struct {
		name             string
		tsa, smtp, trust string
		want             map[string]want // setting -> outcome; nil: no probe
		slow             bool
	}{
		{"Pass", tsa.URL, "smtp://" + mailpit, anchors,
			map[string]want{"VANTHU_TSA_URL": {"ok", ""}, "VANTHU_SMTP_URL": {"ok", ""}}, false},
		{"ClosedPorts", "http://" + closedAddr(t) + "/tsa", "smtp://probe:secret-pw-31@" + closedAddr(t), anchors,
			map[string]want{"VANTHU_TSA_URL": {"failed", "request"}, "VANTHU_SMTP_URL": {"failed", "connect"}}, false},
		{"UntrustedTSA", tsa.URL, "", ca.RootCertPath(),
			map[string]want{"VANTHU_TSA_URL": {"failed", "trust"}}, false},
		{"AuthNotOffered", "", "smtp://probe:secret-pw-31@" + mailpit, anchors,
			map[string]want{"VANTHU_SMTP_URL": {"failed", "AUTH"}}, false},
		{"Hanging", hung.URL, "smtp://" + silentAddr(t), anchors,
			map[string]want{"VANTHU_TSA_URL": {"failed", "request"}, "VANTHU_SMTP_URL": {"failed", "greeting"}}, true},
		{"NoneConfigured", "", "", anchors, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
				"VANTHU_ENV": "production", "VANTHU_AGENCY_KEY": "file:" + ca.AgencyKeyPath(), "VANTHU_TRUST_ANCHORS": tc.trust,
				"VANTHU_TSA_URL": tc.tsa, "VANTHU_SMTP_URL": tc.smtp, "VANTHU_MAIL_FROM": "Văn thư <vanthu@quan.test>", "VANTHU_SIGN_ISOLATION": "thread"}
			start := time.Now()
			base, logs := serveLogged(t, env) // VANTHU_LOG_LEVEL unset: serve logs at info, as before
			if took := time.Since(start); tc.slow && took > probeTimeout+4*time.Second {
				t.Errorf("serve took %s to listen with two services hanging: the probes held it longer than one probe's timeout (%s)", took, probeTimeout)
			}
			r := getReadyz(t, base)
			for deadline := time.Now().Add(2 * probeTimeout); pending(r.Probes) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				r = getReadyz(t, base)
			}
			if r.Status != "ready" || len(r.Probes) != len(tc.want) {
				t.Fatalf("/readyz: %+v, want ready with the probes %v", r, tc.want)
			}
			for setting, w := range tc.want {
				if r.Probes[setting] != w.outcome {
					t.Errorf("/readyz probes[%s] = %q, want %q", setting, r.Probes[setting], w.outcome)
				}
				line := probeLine(logs.String(), setting)
				if w.outcome == "ok" {
					if !strings.Contains(line, `"level":"INFO"`) || !strings.Contains(line, "start probe passed") {
						t.Errorf("no INFO line of the passed probe of %s in the log:\n%s", setting, logs.String())
					}
					continue
				}
				if !strings.Contains(line, `"level":"WARN"`) || !strings.Contains(line, `"step":"`+w.step+`"`) || !strings.Contains(line, "check "+setting) {
					t.Errorf("the log's line of the failed probe of %s does not warn naming it and step %s: %s\n%s", setting, w.step, line, logs.String())
				}
				if !anyContains(r.Warnings, setting+": the start probe failed at "+w.step) {
					t.Errorf("/readyz warnings do not name %s at %s: %q", setting, w.step, r.Warnings)
				}
			}
			for _, s := range append([]string{logs.String()}, r.Warnings...) {
				if strings.Contains(s, "secret-pw-31") {
					t.Errorf("the password of VANTHU_SMTP_URL shows: %s", s)
				}
			}
		})
	}
}

// pending reports whether a probe has not answered yet.
func pending(probes map[string]string) bool {
	for _, v := range probes {
		if v == "pending" {
			return true
		}
	}
	return false
}

func anyContains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
