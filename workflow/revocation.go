package workflow

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventCertificateRevoked records the revocation of a certificate the
// development PKI issued (Data: serial, issuer, subject, reason, user).
const EventCertificateRevoked EventKind = "certificate_revoked"

// RevocationReason is why a certificate was revoked: the CRLReason names
// of RFC 5280 §5.3.1, as they appear in openssl's output.
type RevocationReason string

// The reasons an official's certificate may be revoked with. cACompromise,
// aACompromise and removeFromCRL are not reasons for revoking an end
// entity, and certificateHold (a suspension that may be lifted) is not
// offered: a revocation is final.
const (
	ReasonUnspecified          RevocationReason = "unspecified"          // 0
	ReasonKeyCompromise        RevocationReason = "keyCompromise"        // 1
	ReasonAffiliationChanged   RevocationReason = "affiliationChanged"   // 3
	ReasonSuperseded           RevocationReason = "superseded"           // 4
	ReasonCessationOfOperation RevocationReason = "cessationOfOperation" // 5
	ReasonPrivilegeWithdrawn   RevocationReason = "privilegeWithdrawn"   // 9
)

var reasonCodes = map[RevocationReason]int{
	ReasonUnspecified:          0,
	ReasonKeyCompromise:        1,
	ReasonAffiliationChanged:   3,
	ReasonSuperseded:           4,
	ReasonCessationOfOperation: 5,
	ReasonPrivilegeWithdrawn:   9,
}

// RevocationReasons lists the reasons ParseRevocationReason accepts, in
// code order.
func RevocationReasons() []RevocationReason {
	out := make([]RevocationReason, 0, len(reasonCodes))
	for r := range reasonCodes {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RevocationReason) int { return reasonCodes[a] - reasonCodes[b] })
	return out
}

// Code is the reason's RFC 5280 CRLReason value (the CRL entry's and the
// OCSP response's reasonCode).
func (r RevocationReason) Code() int { return reasonCodes[r] }

// ParseRevocationReason reads a reason by its RFC 5280 name (any case,
// "key-compromise" and "key_compromise" too) or its number; "" is
// unspecified. EINVALID for anything else, naming the accepted reasons.
func ParseRevocationReason(s string) (RevocationReason, error) {
	norm := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.TrimSpace(s)))
	if norm == "" {
		return ReasonUnspecified, nil
	}
	for r, code := range reasonCodes {
		if strings.ToLower(string(r)) == norm || strconv.Itoa(code) == norm {
			return r, nil
		}
	}
	names := make([]string, 0, len(reasonCodes))
	for _, r := range RevocationReasons() {
		names = append(names, string(r))
	}
	return "", Errorf(EINVALID, "revocation reason %q is not one of %s", s, strings.Join(names, ", ")).On("reason")
}

// Revocation is the record that a certificate is revoked: kept in the
// database every instance shares, so that each one's OCSP responder and
// CRL say the same from the moment it is stored.
type Revocation struct {
	Issuer    string // the issuing CA's key identifier, lowercase hex
	Serial    string // the certificate's serial number, lowercase hex without leading zeros
	Subject   string // the certificate's subject (RFC 4514), for people reading the list
	UserID    string // the official the certificate belongs to; "" if it names no user
	Reason    RevocationReason
	RevokedAt time.Time
	Actor     string // user ID of the admin who revoked it; "" = the operator at the command line
	Comment   string
}
