package pki

import (
	"bytes"
	"context"
	"crypto"
	"encoding/asn1"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/vanthu/vanthu/workflow"
)

// TSAPolicy is the policy the built-in time-stamp authority stamps under:
// a development-only identifier in the UUID arc 2.25 (ITU-T X.667, where
// no registration is needed), chosen at random once, below 2^31: Go's
// encoding/asn1 (and so github.com/digitorus/timestamp, pdfsign and
// signing/verify) refuses larger arcs ("base 128 integer too large"), so
// a token under a larger one could not be read back. A query asking for
// another policy is rejected (unacceptedPolicy).
var TSAPolicy = asn1.ObjectIdentifier{2, 25, 893592958}

// TSAAccuracy is the accuracy the tokens state: the server clock is
// assumed NTP-synchronised to well within it.
const TSAAccuracy = time.Second

// TSAClient gets RFC 3161 time-stamp tokens: the query is a DER
// TimeStampReq, the answer a DER TimeStampResp (granted or rejected; a
// rejection is an answer, not an error). *Authority answers in process;
// HTTPTSA asks a TSA over HTTP.
type TSAClient interface {
	TimeStamp(ctx context.Context, query []byte) ([]byte, error)
}

var (
	_ TSAClient = (*Authority)(nil)
	_ TSAClient = HTTPTSA{}
)

// TimeStamp answers a time-stamp query (RFC 3161): a token over the
// query's message imprint at the authority's clock, signed with the
// development PKI's time-stamping key (certificate with the critical
// timeStamping extended key usage, issued by the development root), with
// the query's nonce, the policy TSAPolicy, accuracy TSAAccuracy, a random
// 160-bit serial number, the ESS signing-certificate-v2 attribute, and
// the TSA certificate when the query asks for certificates (RFC 3161
// 2.4.1: the TSA's own; the root is the relying party's trust anchor, and
// putting it in the token would make the time-stamp library check the
// TSA certificate's signature by it again at every token).
// Rejected (a TimeStampResp with status rejection): an unparsable query
// (badDataFormat), a hash other than SHA-256/384/512 or an imprint of the
// wrong length (badAlg), another policy (unacceptedPolicy), any extension
// (unacceptedExtension). The error is only for a failure to sign.
// ECDSA and RSA keys sign a response written directly (grantedResponse:
// the library's structure, without its reflection); other keys go through
// github.com/digitorus/timestamp.
func (a *Authority) TimeStamp(ctx context.Context, query []byte) ([]byte, error) {
	req, err := timestamp.ParseRequest(query)
	if err != nil {
		return reject(timestamp.BadDataFormat)
	}
	switch req.HashAlgorithm {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return reject(timestamp.BadAlgorithm)
	}
	if len(req.HashedMessage) != req.HashAlgorithm.Size() {
		return reject(timestamp.BadAlgorithm)
	}
	if len(req.TSAPolicyOID) > 0 && !req.TSAPolicyOID.Equal(TSAPolicy) {
		return reject(timestamp.UnacceptedPolicy)
	}
	if len(req.Extensions) > 0 {
		return reject(timestamp.UnacceptedExtension)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := a.pki.TSA()
	if err != nil {
		return nil, fmt.Errorf("pki: time-stamping key: %w", err)
	}
	if tokenSupported(key.Signer.Public()) {
		serial, err := newSerial()
		if err != nil {
			return nil, fmt.Errorf("pki: time-stamp serial number: %w", err)
		}
		resp, err := grantedResponse(tokenFields{
			hash: req.HashAlgorithm, hashed: req.HashedMessage, at: a.now(), accuracy: TSAAccuracy,
			nonce: req.Nonce, policy: TSAPolicy, serial: serial, withCert: req.Certificates,
		}, key.Chain[0], key.Signer)
		if err != nil {
			return nil, fmt.Errorf("pki: sign time-stamp token: %w", err)
		}
		return resp, nil
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              a.now().UTC(),
		Accuracy:          TSAAccuracy,
		Nonce:             req.Nonce,
		Policy:            TSAPolicy,
		AddTSACertificate: req.Certificates,
	}
	resp, err := ts.CreateResponseWithOpts(key.Chain[0], key.Signer, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("pki: sign time-stamp token: %w", err)
	}
	return resp, nil
}

func reject(f timestamp.FailureInfo) ([]byte, error) {
	b, err := timestamp.CreateErrorResponse(timestamp.Rejection, f)
	if err != nil {
		return nil, fmt.Errorf("pki: time-stamp rejection: %w", err)
	}
	return b, nil
}

// HTTPTSA asks a time-stamp authority over HTTP (RFC 3161 3.4: POST
// application/timestamp-query).
type HTTPTSA struct {
	URL    string
	Client *http.Client // nil = a client with a 30 s timeout
}

// TimeStamp posts query to the TSA and returns its TimeStampResp.
// EUNAVAILABLE when the TSA cannot be reached or answers an HTTP error.
func (h HTTPTSA) TimeStamp(ctx context.Context, query []byte) ([]byte, error) {
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(query))
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "time-stamp authority URL %q", h.URL)
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := c.Do(req)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "time-stamp authority %s unreachable", h.URL)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "time-stamp authority %s", h.URL)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "time-stamp authority %s answered %s", h.URL, resp.Status)
	}
	return body, nil
}
