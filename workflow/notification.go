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
	// SetUserMail writes user userID's settings as actorID (the admin,
	// or the user) set them and, when they differ from the stored ones,
	// the audit event of the change (MailChanged) in the same
	// transaction.
	SetUserMail(ctx context.Context, actorID, userID string, s MailSettings) error
}

// MailChanged is the audit event of actorID changing user userID's mail
// settings from old to s: kind user, data updated_user, changed (the
// settings changed, space-separated: email, notifications), email (the
// new address; absent when removed) when it changed, notifications (on or
// off) when it changed. nil when nothing changed.
func MailChanged(actorID, userID string, old, s MailSettings, at time.Time) *Event {
	data := map[string]string{"updated_user": userID}
	var changed []string
	if s.Email != old.Email {
		changed = append(changed, "email")
		if s.Email != "" {
			data["email"] = s.Email
		}
	}
	if s.Off != old.Off {
		changed = append(changed, "notifications")
		data["notifications"] = map[bool]string{false: "on", true: "off"}[s.Off]
	}
	if changed == nil {
		return nil
	}
	data["changed"] = strings.Join(changed, " ")
	return &Event{Kind: EventUser, Actor: actorID, At: at, Data: data}
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
