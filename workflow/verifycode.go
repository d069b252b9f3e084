package workflow

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Public verification of issued documents (Decree 30 gives the citizen
// the right to check a document; the code makes a printout checkable).
// When the server has a public URL, every issued outgoing document gets a
// random code printed with its number and date (inside layer 2's
// update), and /verify/{code} answers what the register says about it.

// VerifyCodeReader finds a document by its verification code; ENOTFOUND
// when no document carries it. storage/gormdb implements it.
type VerifyCodeReader interface {
	DocumentByVerifyCode(ctx context.Context, code string) (*Document, error)
}

// NewVerifyCode returns 10 random characters of base32 (50 bits): short
// enough to type from paper, too many to guess.
func NewVerifyCode() string {
	var b [7]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.EncodeToString(b[:])[:10]
}

// NormalizeVerifyCode accepts a code as a person types it ("abcde-fghjk",
// spaces, lower case) and returns its canonical form, or "" when it
// cannot be one.
func NormalizeVerifyCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\u2014", "").Replace(strings.TrimSpace(s)))
	if len(s) != 10 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return ""
		}
	}
	return s
}

// PublicDocument is what anyone holding a code may learn about a
// document. A classified document (Mật and above) shows only that the
// code is valid and belongs to a classified document: no subject, no
// hash (a hash of a classified file would let someone confirm a guessed
// copy), no type or notation beyond the register's existence — but
// whether it was revoked: that says nothing of its content, and a holder
// of a recalled copy must not be told it is valid.
type PublicDocument struct {
	Code       string
	Classified bool
	Notation   string // "15/QĐ-UBND" ("" when classified)
	Type       DocType
	Subject    string
	IssuedAt   *time.Time
	Issuer     string // the agency's name
	SHA256     string // of the issued (signed) file
	Size       int64
	Revoked    bool // a revocation was accepted (RevokeState "accepted")
}

// VerifyCode looks up a verification code for the public page: no login,
// so it answers only what PublicDocument says. ENOTFOUND for a code that
// no issued document carries (including malformed ones), EUNAVAILABLE
// when the repository cannot look codes up.
func (s *Service) VerifyCode(ctx context.Context, code string) (*PublicDocument, error) {
	c := NormalizeVerifyCode(code)
	if c == "" {
		return nil, Errorf(ENOTFOUND, "no document has this verification code")
	}
	vr, ok := s.Repo.(VerifyCodeReader)
	if !ok {
		return nil, Errorf(EUNAVAILABLE, "verification codes are not supported by this repository")
	}
	d, err := vr.DocumentByVerifyCode(ctx, c)
	if ErrorCode(err) == ENOTFOUND || err == nil && d.IssuedAt == nil {
		return nil, Errorf(ENOTFOUND, "no document has this verification code")
	}
	if err != nil {
		return nil, err
	}
	p := &PublicDocument{Code: c, Issuer: s.Agency.Name, Classified: d.Confidentiality.Classified(),
		Revoked: d.RevokeState == RevokeAccepted}
	if p.Classified {
		return p, nil
	}
	p.Notation, p.Type, p.Subject, p.IssuedAt = d.Notation, d.Type, d.Subject, d.IssuedAt
	for _, f := range d.Files {
		if f.Kind == FileSigned {
			p.SHA256, p.Size = f.SHA256, f.Size // the newest signed version: the issued file
		}
	}
	return p, nil
}

// assignVerifyCode gives d a code no other document carries.
func (s *Service) assignVerifyCode(ctx context.Context, tx Tx) (string, error) {
	vr, ok := tx.(VerifyCodeReader)
	if !ok {
		vr, ok = s.Repo.(VerifyCodeReader)
	}
	for range 5 {
		c := NewVerifyCode()
		if !ok {
			return c, nil // the unique index refuses the rare duplicate
		}
		_, err := vr.DocumentByVerifyCode(ctx, c)
		if ErrorCode(err) == ENOTFOUND {
			return c, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", Errorf(EINTERNAL, "no free verification code after 5 tries")
}
