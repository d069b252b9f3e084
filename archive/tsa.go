package archive

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/digitorus/timestamp"

	"github.com/vanthu/vanthu/workflow"
)

// Stamper obtains RFC 3161 time-stamp tokens. Stamp returns the DER
// TimeStampToken (a CMS SignedData over a TSTInfo, with the TSA's
// certificate) whose message imprint is the SHA-256 digest given.
// Errors: EUNAVAILABLE when the authority cannot be reached or refuses.
type Stamper interface {
	Stamp(ctx context.Context, sha256Digest []byte) ([]byte, error)
}

// TSA is a Stamper over an RFC 3161 exchange: Query sends a DER
// TimeStampReq and returns the DER TimeStampResp (signing/pki.HTTPTSA's
// TimeStamp for an authority over HTTP, or the development PKI's built-in
// authority in process). Each request carries a random nonce and asks for
// the TSA's certificate; the answer must stamp the digest asked, with
// that nonce.
type TSA struct {
	Name  string // for messages: the URL, or "built-in"
	Query func(ctx context.Context, req []byte) ([]byte, error)
}

var _ Stamper = (*TSA)(nil)

// Stamp implements Stamper.
func (c *TSA) Stamp(ctx context.Context, digest []byte) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req := timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("time-stamp request: %w", err)
	}
	rb, err := c.Query(ctx, body)
	if err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
			return nil, err
		}
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "time-stamp authority %s", c.Name)
	}
	ts, err := timestamp.ParseResponse(rb)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "time-stamp authority %s: no token", c.Name)
	}
	if !bytes.Equal(ts.HashedMessage, digest) || ts.HashAlgorithm != crypto.SHA256 {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "time-stamp authority %s stamped another digest than the one asked", c.Name)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "time-stamp authority %s answered with another nonce", c.Name)
	}
	if len(ts.Certificates) == 0 {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "time-stamp authority %s sent no certificate in its token", c.Name)
	}
	return ts.RawToken, nil
}
