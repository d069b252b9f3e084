package signing

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/workflow"
)

// Steps of a start probe of the time-stamp authority (ProbeError.Step).
const (
	ProbeRequest = "request" // the TSA could not be reached, or refused the query
	ProbeAnswer  = "answer"  // its answer is not a token for the query, or carries no certificate
	ProbeTrust   = "trust"   // its certificate does not chain to the trust anchors
)

// ProbeError is what ProbeTSA found wrong: the step that failed and why.
type ProbeError struct {
	Step string
	Err  error
}

func (e *ProbeError) Error() string { return e.Step + ": " + e.Err.Error() }

func (e *ProbeError) Unwrap() error { return e.Err }

// ProbeTSA asks the time-stamp authority at tsaURL (VANTHU_TSA_URL) for
// a token over a dummy digest, as a signature asks for one, and checks
// its answer: a token for this query (CMS signature, imprint, nonce)
// carrying the certificate it was signed with, which chains to roots at
// now as a time-stamping certificate (roots nil: not checked). Nothing is
// signed with it. A failure is a *ProbeError naming the step; its text
// names the TSA by its URL without user information.
func ProbeTSA(ctx context.Context, tsaURL string, roots *x509.CertPool, now time.Time) error {
	digest := sha256.Sum256([]byte("vanthu start probe"))
	body, nonce, err := timestampQuery(digest[:])
	if err != nil {
		return &ProbeError{Step: ProbeRequest, Err: err}
	}
	rb, err := postTimestampQuery(ctx, LTV{TSAURL: tsaURL}, body)
	if err != nil {
		return &ProbeError{Step: ProbeRequest, Err: fmt.Errorf("%s: %s", redactedURL(tsaURL), probeText(err))}
	}
	ts, err := timestampAnswer(rb, digest[:], nonce)
	if err != nil {
		return &ProbeError{Step: ProbeAnswer, Err: fmt.Errorf("%s: %s", redactedURL(tsaURL), probeText(err))}
	}
	if len(ts.Certificates) == 0 {
		return &ProbeError{Step: ProbeAnswer, Err: fmt.Errorf("%s: the token carries no certificate, though the query asked for it (RFC 3161 2.4.1): its time-stamps cannot be checked", redactedURL(tsaURL))}
	}
	if roots != nil && !tsaCertTrusted(ts.Certificates, roots, now) {
		c := ts.Certificates[0]
		return &ProbeError{Step: ProbeTrust, Err: fmt.Errorf("%s signs with a certificate (%s, issued by %s) that is not under the trust anchors as a time-stamping certificate: its time-stamps would not be trusted and sign would refuse (422); add the TSA's root CA to VANTHU_TRUST_ANCHORS",
			redactedURL(tsaURL), dn.Subject(c), dn.Issuer(c))}
	}
	return nil
}

// probeText is an error's text: a *workflow.Error's message alone (its
// cause is in it).
func probeText(err error) string {
	var we *workflow.Error
	if errors.As(err, &we) {
		return we.Message
	}
	return err.Error()
}

// redactedURL is a URL without its user information, or a placeholder
// when it does not parse.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}
