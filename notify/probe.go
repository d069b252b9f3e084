package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Steps of a probe of the SMTP server (ProbeError.Step), in their order.
const (
	StepConnect  = "connect"  // TCP to host:port (with smtps://, the TLS handshake too)
	StepGreeting = "greeting" // the server's 220
	StepEHLO     = "EHLO"
	StepSTARTTLS = "STARTTLS" // when the server offers it, as Send takes it
	StepAUTH     = "AUTH"     // when VANTHU_SMTP_URL names a user
	StepQUIT     = "QUIT"
)

// ProbeError is what Probe found wrong: the step that failed and why.
type ProbeError struct {
	Step string
	Err  error
}

func (e *ProbeError) Error() string { return e.Step + ": " + e.Err.Error() }

func (e *ProbeError) Unwrap() error { return e.Err }

// errNoAuth: the URL names a user, the server offers no AUTH.
var errNoAuth = errors.New("the server offers no AUTH, but VANTHU_SMTP_URL names a user (and password)")

// Probe checks that the server would take the notifications as Send
// hands them over, and sends no mail: it connects (TLS from the first
// byte with smtps://), reads the greeting, says EHLO, takes STARTTLS when
// the server offers it (Send's policy: opportunistic, the certificate
// checked for the host), logs in when the URL names a user (with the
// mechanism Send's client, go-mail's auto-discovery, would choose), and
// says QUIT. Bounded by ctx and s.Timeout. A failure is a *ProbeError
// naming the step; neither its text nor anything else says the password.
func (s *SMTP) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return &ProbeError{Step: StepConnect, Err: err}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return &ProbeError{Step: StepGreeting, Err: err}
	}
	helo, err := os.Hostname() // as go-mail's client says it
	if err != nil {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return &ProbeError{Step: StepEHLO, Err: err}
	}
	encrypted := s.implicit
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicit {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return &ProbeError{Step: StepSTARTTLS, Err: err}
		}
		encrypted = true
	}
	if s.user != "" {
		if err := s.login(c, encrypted); err != nil {
			return &ProbeError{Step: StepAUTH, Err: err}
		}
	}
	if err := c.Quit(); err != nil {
		return &ProbeError{Step: StepQUIT, Err: err}
	}
	return nil
}

// dial connects to the server: TCP, with smtps:// a TLS handshake too.
func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.host, strconv.Itoa(s.port))
	if s.implicit {
		return (&tls.Dialer{Config: s.tlsConfig()}).DialContext(ctx, "tcp", addr)
	}
	return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
}

// tlsConfig is the TLS configuration of Send and Probe: go-mail's
// default (the certificate checked for the host, TLS 1.2 at least).
func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, MinVersion: mail.DefaultTLSMinVersion, RootCAs: s.roots}
}

// login authenticates with the mechanism go-mail's SMTPAuthAutoDiscover
// (Send's) picks among those the server offers: the strongest of its
// list, PLAIN and LOGIN only over TLS.
func (s *SMTP) login(c *smtp.Client, encrypted bool) error {
	ok, offered := c.Extension("AUTH")
	if !ok {
		return errNoAuth
	}
	prefer := []mail.SMTPAuthType{mail.SMTPAuthSCRAMSHA256PLUS, mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1PLUS,
		mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthNTLM, mail.SMTPAuthCramMD5, mail.SMTPAuthPlain, mail.SMTPAuthLogin}
	if !encrypted {
		prefer = []mail.SMTPAuthType{mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthNTLM, mail.SMTPAuthCramMD5}
	}
	mechs := strings.Fields(offered)
	for _, m := range prefer {
		if !slices.Contains(mechs, string(m)) {
			continue
		}
		a, err := s.auth(c, m)
		if err != nil {
			return err
		}
		return c.Auth(a)
	}
	if !encrypted {
		return fmt.Errorf("%w: the server offers %s; without TLS (STARTTLS, smtps://) only SCRAM-SHA-256, SCRAM-SHA-1, NTLM and CRAM-MD5 are used, never a password in clear",
			mail.ErrNoSupportedAuthDiscovered, offered)
	}
	return fmt.Errorf("%w: the server offers %s", mail.ErrNoSupportedAuthDiscovered, offered)
}

// auth is the smtp.Auth of mechanism m with the URL's user and password.
func (s *SMTP) auth(c *smtp.Client, m mail.SMTPAuthType) (smtp.Auth, error) {
	switch m {
	case mail.SMTPAuthPlain:
		return smtp.PlainAuth("", s.user, s.pass, s.host, false), nil
	case mail.SMTPAuthLogin:
		return smtp.LoginAuth(s.user, s.pass, s.host, false), nil
	case mail.SMTPAuthCramMD5:
		return smtp.CRAMMD5Auth(s.user, s.pass), nil
	case mail.SMTPAuthNTLM:
		return smtp.NTLMAuth(s.user, s.pass, ""), nil
	case mail.SMTPAuthSCRAMSHA1:
		return smtp.ScramSHA1Auth(s.user, s.pass), nil
	case mail.SMTPAuthSCRAMSHA256:
		return smtp.ScramSHA256Auth(s.user, s.pass), nil
	}
	st, err := c.GetTLSConnectionState()
	if err != nil {
		return nil, err
	}
	if m == mail.SMTPAuthSCRAMSHA1PLUS {
		return smtp.ScramSHA1PlusAuth(s.user, s.pass, st), nil
	}
	return smtp.ScramSHA256PlusAuth(s.user, s.pass, st), nil
}
