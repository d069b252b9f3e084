package web

import (
	"context"

	"github.com/vanthu/vanthu/auth"
)

// heldTTL is how long the initial passwords of an import wait for their
// one download.
const heldTTL = auth.HeldTTL

// secretHolder holds the initial passwords' CSV of each import until its
// one download by the session that made the import, or heldTTL
// (auth.Service's Hold and Take): the result page's button "Tải mật khẩu
// ban đầu" takes it and it is gone; another session, even another
// admin's, cannot take it, and a later click finds nothing. It is held in
// the database, so the download works on whichever instance sharing it
// the load balancer picks, but sealed (AES-GCM) under a key derived from
// the session's token, which only the admin's browser holds: the
// database, a backup or a log cannot read it. This process keeps no copy;
// a lost file costs a reset on each user's page.
type secretHolder interface {
	// Hold keeps secret for the session of token; it returns the key to
	// take it by.
	Hold(ctx context.Context, token string, secret []byte) (string, error)
	// Take returns it once, to the same session; ENOTFOUND otherwise.
	Take(ctx context.Context, token, id string) ([]byte, error)
}
