package archive

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/vanthu/vanthu/workflow"
)

// The revocation of an anchor's signer. An anchor counts only while the
// agency certificate that signed it was not revoked when it was signed:
// a key that leaked could otherwise sign anchors for a rewritten chain,
// or a restore acknowledgement that supersedes the genuine ones. The
// status is the one signing/verify finds for a PDF signature's signer
// (OCSP, else CRL; the development PKI's responder in process), asked
// once per signer certificate and check (Anchors.Revocation, wired by
// cmd); the time an anchor was signed is its RFC 3161 time-stamp's,
// when the authority chains to the trust roots: the signing-time
// attribute is what the key holder claims, and the key is the thing in
// doubt. So, as for a PDF signature without a trusted time-stamp, an
// anchor without one is judged now.
//
//   - good, or a certificate that names no revocation service: counts
//     (AuditAnchor.Revocation says which);
//   - revoked: an anchor time-stamped before the revocation counts; any
//     other is rejected, with the revocation's time and reason;
//   - not checked, because revocation checking is off by configuration
//     (VANTHU_REVOCATION_ONLINE=false: a network without the CA's
//     responder): counts, and the report says so (Revocation
//     "not_checked") — else every check of such an office would fail;
//   - the status cannot be had (the responder and the CRL unreachable,
//     an answer that does not verify): the check fails EUNAVAILABLE (verify
//     answers 503 unavailable, the CLI exits 2), as when the store cannot
//     be read: a verdict that counted such anchors would be one whoever
//     cuts the responder off could obtain with a leaked key, and one that
//     ignored them one a cut-off could obtain against a rewritten chain.

// Revocation statuses of CertStatus (as signing/verify's).
const (
	RevocationGood          = "good"
	RevocationRevoked       = "revoked"
	RevocationUnknown       = "unknown"
	RevocationNotApplicable = "not_applicable"
	RevocationNotChecked    = "not_checked" // revocation checking off by configuration
)

// CertStatus is the revocation status of a certificate now.
type CertStatus struct {
	Status    string // RevocationGood, RevocationRevoked, RevocationUnknown, RevocationNotApplicable, RevocationNotChecked
	RevokedAt time.Time
	Reason    string // RFC 5280 CRLReason name, when revoked
	Detail    string // why unknown
}

// RevocationStatus returns the revocation status of cert, issued by
// issuer, now. An error or RevocationUnknown: no usable answer.
type RevocationStatus func(ctx context.Context, cert, issuer *x509.Certificate) (CertStatus, error)

// checkedAnchor is an anchor object read and checked, with what its
// revocation check needs (remembered for a version: a version never
// changes, the certificate's status may).
type checkedAnchor struct {
	an             workflow.AuditAnchor
	signer, issuer *x509.Certificate // nil when rejected
	stampedAt      time.Time         // its trusted time-stamp's time (zero: none trusted)
}

// stampTime is ts's time when the authority that signed it chains to
// the trust roots at that time, else zero.
func (t *anchorTrust) stampTime(ts *timestamp.Timestamp) time.Time {
	if ts == nil || len(ts.Certificates) == 0 {
		return time.Time{}
	}
	pool := x509.NewCertPool()
	for _, c := range ts.Certificates {
		pool.AddCert(c)
	}
	for _, c := range ts.Certificates {
		if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
			continue
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: t.roots, Intermediates: pool, CurrentTime: ts.Time,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err == nil {
			return ts.Time
		}
	}
	return time.Time{}
}

// revocations judges each anchor of got by its signer's revocation (the
// status asked once per certificate) and returns the anchors.
func (a *Anchors) revocations(ctx context.Context, got []checkedAnchor, trust *anchorTrust) ([]workflow.AuditAnchor, error) {
	out := make([]workflow.AuditAnchor, len(got))
	statuses := map[string]CertStatus{}
	for i, c := range got {
		out[i] = c.an
		if c.an.Rejected != "" || c.signer == nil || a.Revocation == nil {
			continue
		}
		st, ok := statuses[string(c.signer.Raw)]
		if !ok {
			var err error
			st, err = a.Revocation(ctx, c.signer, c.issuer)
			if err == nil && st.Status == RevocationUnknown {
				err = fmt.Errorf("%s", st.Detail)
			}
			if err != nil {
				return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the revocation status of the agency certificate (serial %s) that signed audit anchor %s cannot be had: %v", c.signer.SerialNumber.Text(16), c.an.Key, err)
			}
			statuses[string(c.signer.Raw)] = st
		}
		out[i].Revocation = st.Status
		if st.Status == RevocationRevoked {
			out[i] = revokedAnchor(out[i], c, st)
		}
	}
	return out, nil
}

// revokedAnchor is an, signed by a certificate revoked as st says:
// counted only when a trusted time-stamp proves it older than the
// revocation, else rejected.
func revokedAnchor(an workflow.AuditAnchor, c checkedAnchor, st CertStatus) workflow.AuditAnchor {
	if !c.stampedAt.IsZero() && c.stampedAt.Before(st.RevokedAt) {
		return an
	}
	reason := ""
	if st.Reason != "" {
		reason = ", reason " + st.Reason
	}
	when := "no time-stamp of a trusted authority proves it signed before"
	if !c.stampedAt.IsZero() {
		when = "time-stamped " + c.stampedAt.UTC().Format(time.RFC3339) + ", at or after the revocation"
	}
	return workflow.AuditAnchor{Key: an.Key, Rejected: fmt.Sprintf("signed with the agency certificate serial %s, revoked at %s%s: %s",
		c.signer.SerialNumber.Text(16), st.RevokedAt.UTC().Format(time.RFC3339), reason, when)}
}
