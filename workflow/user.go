package workflow

import "time"

// User is a person who works with documents.
type User struct {
	ID           string
	Username     string
	FullName     string
	Title        string // chức vụ, printed in the signature block
	Unit         string // phòng ban
	Roles        []Role
	PasswordHash string
	// MustChangePassword: the password was set by someone else (an admin
	// creating the account or resetting it, or generated at bootstrap);
	// until the user changes it, they can do nothing but change it, read
	// their own account and log out.
	MustChangePassword bool
	Disabled           bool
	// Signing (officials): key URI and certificate chain (PEM); empty = the
	// development PKI. SignatureImage is the SHA-256 of the PNG in Blobs.
	SigningKeyURI  string
	CertPEM        string
	SignatureImage string
	// PersonalID is the official's personal identification number (số
	// định danh cá nhân: the 12 digits of the CCCD, or an older card's
	// number), as a CA writes it in a certificate's UID ("CCCD:…"): set,
	// it is what binds a CA-issued certificate to this user
	// (keys.CertificateNames). Empty for most users.
	PersonalID string
	CreatedAt  time.Time
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool {
	if u == nil {
		return false
	}
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// HasAny reports whether the user holds one of roles.
func (u *User) HasAny(roles []Role) bool {
	for _, r := range roles {
		if u.Has(r) {
			return true
		}
	}
	return false
}

// Session is a login token's server-side record; only the token's hash is kept.
type Session struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}
