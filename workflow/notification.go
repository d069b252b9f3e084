package workflow

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Notification is one e-mail owed to a user about an audit event (the
// notify package derives them from the trail and sends them). EventSeq
// and UserID together name it: deriving the same event again owes the
// same mail, not a second one.
type Notification struct {
	ID        int64
	EventSeq  int64
	UserID    string
	Address   string
	Subject   string
	Body      string
	Attempts  int       // failed sends so far
	NextAt    time.Time // not sent before this (retries back off)
	LastError string
}

// MailSettings is a user's e-mail address and whether they want the
// notifications (Off: none, whatever the address). The zero value: no
// address, so no mail.
type MailSettings struct {
	Email string
	Off   bool
}

// MailSettingsStore keeps users' e-mail addresses and notification
// choice (storage/gormdb.DB; README "E-mail notifications"): the API and
// the web read and set them through it.
type MailSettingsStore interface {
	UserMail(ctx context.Context, userID string) (MailSettings, error)
	SetUserMail(ctx context.Context, userID string, s MailSettings) error
}

// CheckEmail normalises an e-mail address as a user's: trimmed, one bare
// address (no display name), at most 254 characters; "" = none. EINVALID
// on the field email otherwise.
func CheckEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", Errorf(EINVALID, "email must be one address like ten@quan.gov.vn").On("email")
	}
	return s, nil
}
