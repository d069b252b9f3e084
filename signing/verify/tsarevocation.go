package verify

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"time"
)

// The revocation of a time-stamping authority's certificate. A token is
// proof of existence only when its authority could be relied on when it
// stamped (ETSI EN 319 102-1, 5.4: the time-stamp's own X.509 validation,
// revocation included). What the document embeds or the fetcher finds
// about the TSA's certificate is judged at the token's time, by the same
// rules as a signer's (revocation.go):
//
//   - revoked at or before the token's time: the token proves nothing;
//   - revoked after it for a reason that says the key was not
//     compromised (affiliationChanged, superseded, cessationOfOperation:
//     RFC 3161 section 4, "tokens generated before the revocation time
//     will remain valid"): the token stands;
//   - revoked after it for any other reason (keyCompromise, cACompromise,
//     certificateHold, and unspecified, which Go's CRL and OCSP parsers
//     cannot tell from an absent reason code — RFC 3161: without a reason
//     code "all the tokens ... SHALL be considered as invalid"): the token
//     proves nothing, whoever holds the key could have made it;
//   - no usable data: the token is used, as before (the report's
//     revocation object describes the signer's certificate only).
//
// Proving the token existed before a later compromise with a later
// document time-stamp is not done: such a token proves nothing here.

// keyNotCompromised are the revocation reasons after which a TSA's
// earlier tokens stand (RFC 3161 section 4).
var keyNotCompromised = []string{"affiliationChanged", "superseded", "cessationOfOperation"}

// tsaRevocationCheck is Options.tsaRevoked for one verification: the
// evidence of rs (the document's, then fetched through fetcher).
func tsaRevocationCheck(ctx context.Context, rs *revocationState, fetcher Fetcher) func(tsa, issuer *x509.Certificate, at time.Time) string {
	return func(tsa, issuer *x509.Certificate, at time.Time) string {
		if !NamesRevocation(tsa) || issuer == nil {
			return ""
		}
		rev, found := statusOf(ctx, rs, tsa, issuer, at, Options{Fetcher: fetcher})
		if !found || rev.Status != RevocationRevoked {
			return ""
		}
		reason := ""
		if rev.Reason != "" {
			reason = ", reason " + rev.Reason
		}
		ra, _ := time.Parse(time.RFC3339, rev.RevokedAt)
		switch {
		case !ra.After(at):
			return fmt.Sprintf("the time-stamping authority's certificate was revoked at %s%s, at or before the time it stamped (%s; revocation data %s, %s)",
				rev.RevokedAt, reason, at.UTC().Format(time.RFC3339), rev.Source, rev.Kind)
		case slices.Contains(keyNotCompromised, rev.Reason):
			return ""
		}
		return fmt.Sprintf("the time-stamping authority's certificate was revoked at %s%s: its key may have been compromised, so its tokens prove nothing (RFC 3161 section 4; revocation data %s, %s)",
			rev.RevokedAt, reason, rev.Source, rev.Kind)
	}
}
