package notify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/vanthu/vanthu/workflow"
)

// SMTP sends the notifications to one SMTP server (VANTHU_SMTP_URL).
type SMTP struct {
	host     string
	port     int
	implicit bool // smtps://: TLS from the first byte
	user     string
	pass     string
	from     string
	msgIDDom string // the domain of the Message-IDs
	Timeout  time.Duration
	// roots verify the server's TLS certificate; nil = the system's
	// (tests give their CA).
	roots *x509.CertPool
}

// ParseSMTP reads smtp://user:pass@host:port (STARTTLS when the server
// offers it; port 587 when none is given) or smtps://… (implicit TLS;
// port 465) and the From address.
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("VANTHU_SMTP_URL: want smtp://user:pass@host:port or smtps://…")
	}
	if from == "" {
		return nil, fmt.Errorf("VANTHU_MAIL_FROM is required with VANTHU_SMTP_URL")
	}
	s := &SMTP{host: u.Hostname(), implicit: u.Scheme == "smtps", from: from, msgIDDom: u.Hostname(), Timeout: 30 * time.Second}
	s.port = 587
	if s.implicit {
		s.port = 465
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("VANTHU_SMTP_URL: port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	m := mail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("VANTHU_MAIL_FROM %q: %v", from, err)
	}
	return s, nil
}

// Send delivers n, one connection per call. Its Message-ID is fixed by
// its row, so a mail sent twice (a kill between the send and its mark)
// is one message to a client that deduplicates.
func (s *SMTP) Send(ctx context.Context, n workflow.Notification) error {
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.From(s.from); err != nil {
		return err
	}
	if err := m.To(n.Address); err != nil {
		return fmt.Errorf("address %q: %w", n.Address, err)
	}
	m.Subject(n.Subject)
	m.SetMessageIDWithValue(fmt.Sprintf("vanthu-%d-%d@%s", n.EventSeq, n.ID, s.msgIDDom))
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, n.Body)
	opts := []mail.Option{mail.WithPort(s.port), mail.WithTimeout(s.Timeout), mail.WithTLSConfig(s.tlsConfig())}
	if s.implicit {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.user), mail.WithPassword(s.pass))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, m)
}

// Refused reports whether err is an SMTP server's permanent refusal of a
// mail's recipient or of the message: a 5xx answer to RCPT TO or to DATA
// (before or after the message), as go-mail reports it (SendError).
// Sending it again would be refused again. A temporary answer (4xx), a
// connection refused or cut, a timeout, a refusal of the sender or of the
// login are not: they may pass later.
func Refused(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) || se.IsTemp() {
		return false
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() <= 599
	}
	return false
}
