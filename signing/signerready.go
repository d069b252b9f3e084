package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// Before a layer is signed, its key's certificate is made ready: its
// chain completed up to the trust anchors (a PKCS#11 token, or the PEM an
// admin pasted, often holds the end-entity certificate alone; the missing
// CA certificates are fetched from the AIA caIssuers URLs, as a CA's
// certificates name them), and its revocation status asked of its CA.
// Both before anything is signed: a layer 1 made with a certificate that
// does not chain to the anchors, or that its CA has revoked, could never
// be issued, and a signed document cannot go back to be signed again.

// issuerFetchTimeout bounds one caIssuers download; maxIssuerCert bounds
// its size.
const (
	issuerFetchTimeout = 5 * time.Second
	maxIssuerCert      = 1 << 20
	maxIssuerHops      = 4
)

// chainMemo remembers completed chains by the configured chain's bytes.
type chainMemo struct {
	mu sync.Mutex
	m  map[string][]*x509.Certificate
}

func chainKey(chain []*x509.Certificate) string {
	var b strings.Builder
	for _, c := range chain {
		b.Write(c.Raw)
	}
	return b.String()
}

// readySigner returns key with its chain completed to the trust anchors,
// or an error when it cannot sign: EUNPROCESSABLE when the certificate
// does not chain to the anchors even with what its caIssuers URLs give or
// when its CA says it is revoked, EUNAVAILABLE when a caIssuers URL did not
// answer. whose names the key in the message ("the official Nguyễn Văn
// A", "the agency"); fix says what to do about it.
func (s *Service) readySigner(ctx context.Context, key keys.Key, whose, fix string) (keys.Key, error) {
	if len(key.Chain) == 0 || s.cfg.Roots == nil {
		return key, nil
	}
	chain, err := s.completeChain(ctx, key.Chain)
	if err != nil {
		code := workflow.EUNPROCESSABLE
		if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
			code = workflow.EUNAVAILABLE
		}
		return keys.Key{}, workflow.Errorf(code, "the certificate of %s (%s) cannot sign: %s; %s",
			whose, dn.Subject(key.Chain[0]), workflow.ErrorMessage(err), fix)
	}
	key.Chain = chain
	if err := s.checkNotRevoked(ctx, chain); err != nil {
		return keys.Key{}, workflow.Errorf(workflow.EUNPROCESSABLE, "the certificate of %s (%s) cannot sign: %s; %s",
			whose, dn.Subject(chain[0]), workflow.ErrorMessage(err), fix)
	}
	return key, nil
}

// completeChain returns chain, or chain with the CA certificates its
// caIssuers URLs give, when only they make it reach the trust anchors.
func (s *Service) completeChain(ctx context.Context, chain []*x509.Certificate) ([]*x509.Certificate, error) {
	k := chainKey(chain)
	s.chains.mu.Lock()
	done, ok := s.chains.m[k]
	s.chains.mu.Unlock()
	if ok {
		return done, nil
	}
	err := s.chainsToAnchors(chain)
	if err == nil {
		s.remember(k, chain)
		return chain, nil
	}
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		// Expired, wrong usage...: the verification of the signed result
		// judges it, as before.
		return chain, nil
	}
	out := append([]*x509.Certificate(nil), chain...)
	for hop := 0; hop < maxIssuerHops; hop++ {
		last := out[len(out)-1]
		if isSelfIssued(last) {
			break
		}
		issuer, err := fetchIssuer(ctx, last)
		if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
			return nil, err
		}
		if err != nil {
			break // no URL to follow: the chain ends here
		}
		out = append(out, issuer)
		if s.chainsToAnchors(out) == nil {
			s.remember(k, out)
			return out, nil
		}
	}
	return nil, workflow.Errorf(workflow.EUNPROCESSABLE,
		"it is not issued under the trust anchors (VANTHU_TRUST_ANCHORS): its chain ends at %s, issued by %s, which is neither an anchor nor named by a caIssuers URL",
		dn.Subject(out[len(out)-1]), dn.Issuer(out[len(out)-1]))
}

func (s *Service) remember(k string, chain []*x509.Certificate) {
	s.chains.mu.Lock()
	defer s.chains.mu.Unlock()
	if s.chains.m == nil || len(s.chains.m) >= 256 {
		s.chains.m = map[string][]*x509.Certificate{}
	}
	s.chains.m[k] = chain
}

// chainsToAnchors verifies chain[0] under the trust anchors with the rest
// of chain as intermediates (any extended key usage: the verifier judges
// usage).
func (s *Service) chainsToAnchors(chain []*x509.Certificate) error {
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: s.cfg.Roots, Intermediates: inter, CurrentTime: s.cfg.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

func isSelfIssued(c *x509.Certificate) bool { return string(c.RawIssuer) == string(c.RawSubject) }

// fetchIssuer downloads the issuer of c from its AIA caIssuers URLs (DER,
// PEM or a certs-only PKCS#7, as CAs publish them) and returns the one
// certificate that signed c.
func fetchIssuer(ctx context.Context, c *x509.Certificate) (*x509.Certificate, error) {
	var errs []string
	for _, u := range c.IssuingCertificateURL {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			continue
		}
		certs, err := getCerts(ctx, u)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", u, err))
			continue
		}
		for _, p := range certs {
			if string(p.RawSubject) == string(c.RawIssuer) && verify.CheckSignatureFrom(c, p) == nil {
				return p, nil
			}
		}
		errs = append(errs, u+": no certificate there issued "+dn.Subject(c))
	}
	if len(errs) == 0 {
		return nil, workflow.Errorf(workflow.EUNPROCESSABLE,
			"its issuer %s is not in the configured chain and the certificate names no caIssuers URL to fetch it from", dn.Issuer(c))
	}
	return nil, workflow.Errorf(workflow.EUNAVAILABLE, "its issuer %s is not in the configured chain and could not be fetched (%s)",
		dn.Issuer(c), strings.Join(errs, "; "))
}

func getCerts(ctx context.Context, addr string) ([]*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, issuerFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxIssuerCert))
	if err != nil {
		return nil, err
	}
	if certs, err := x509.ParseCertificates(b); err == nil && len(certs) > 0 {
		return certs, nil
	}
	if certs, err := keys.ParseCertificatesPEM(b); err == nil && len(certs) > 0 {
		return certs, nil
	}
	if p7, err := pkcs7.Parse(b); err == nil && len(p7.Certificates) > 0 {
		return p7.Certificates, nil
	}
	return nil, errors.New("not a certificate (DER, PEM or PKCS#7)")
}

// checkNotRevoked asks the CA of chain[0] (OCSP, else the CRL) whether it
// is revoked. Only a verified answer "revoked" refuses: a CA that does not
// answer now leaves the judgement to the verification of the result
// (issue answers 503 while it cannot be had).
func (s *Service) checkNotRevoked(ctx context.Context, chain []*x509.Certificate) error {
	leaf := chain[0]
	if s.cfg.Fetcher == nil || len(chain) < 2 || !verify.NamesRevocation(leaf) || verify.CheckSignatureFrom(leaf, chain[1]) != nil {
		return nil
	}
	ev, err := s.cfg.Fetcher.Fetch(ctx, leaf, chain[1])
	if err != nil {
		return nil
	}
	if st, err := verify.CheckEvidence(ev, leaf, chain[1]); err == nil && st == "revoked" {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "its CA says it is revoked (serial %x, %s)", leaf.SerialNumber, ev.URL)
	}
	return nil
}

// tsaUnavailable is the error of a time-stamp request that failed: the
// TSA (its URL without user information) and what it answered, so that an
// operator sees which service to look at; nothing was signed.
func tsaUnavailable(tsaURL string, err error) error {
	where := tsaURL
	if u, perr := url.Parse(tsaURL); perr == nil {
		u.User = nil
		where = u.Redacted()
	}
	return workflow.Wrap(workflow.EUNAVAILABLE, err, "the time-stamp authority %s (VANTHU_TSA_URL) did not answer: %s; nothing was signed, try again later",
		where, trimmedErr{err})
}

// trimmedErr prints an error without the line break some libraries end
// their messages with (digitorus/pdfsign's TSA errors).
type trimmedErr struct{ err error }

func (e trimmedErr) Format(f fmt.State, _ rune) {
	fmt.Fprint(f, strings.TrimRight(fmt.Sprint(e.err), "\n "))
}

// tsaRecheck is how long a TSA found trusted is not asked again.
const tsaRecheck = 10 * time.Minute

// tsaTrust remembers when the configured TSA was last found trusted.
type tsaTrust struct {
	mu sync.Mutex
	at time.Time
}

// checkTSA asks the configured TSA (VANTHU_TSA_URL) for a token and
// refuses (EUNPROCESSABLE) when the certificate it signs with does not
// chain to the trust anchors as a time-stamping certificate: its
// time-stamps would be untrusted, the document time-stamp makes the issued
// document indeterminate, and issue would refuse every document the
// official had signed. A TSA that does not answer is left to the
// signature's own request (503). Found trusted, it is not asked again for
// tsaRecheck.
func (s *Service) checkTSA(ctx context.Context) error {
	if s.cfg.TSAURL == "" || s.cfg.TSA != nil || s.cfg.Roots == nil {
		return nil
	}
	now := s.cfg.Now()
	s.tsa.mu.Lock()
	fresh := !s.tsa.at.IsZero() && now.Sub(s.tsa.at) < tsaRecheck && !now.Before(s.tsa.at)
	s.tsa.mu.Unlock()
	if fresh {
		return nil
	}
	digest := make([]byte, 32)
	ts, err := requestToken(ctx, LTV{TSAURL: s.cfg.TSAURL}, digest)
	if err != nil || len(ts.Certificates) == 0 {
		return nil
	}
	if tsaCertTrusted(ts.Certificates, s.cfg.Roots, now) {
		s.tsa.mu.Lock()
		s.tsa.at = now
		s.tsa.mu.Unlock()
		return nil
	}
	return workflow.Errorf(workflow.EUNPROCESSABLE,
		"the time-stamp authority %s (VANTHU_TSA_URL) signs with a certificate (%s, issued by %s) that is not under the trust anchors: its time-stamps would not be trusted and the document could not be issued; add the TSA's root CA to VANTHU_TRUST_ANCHORS",
		s.cfg.TSAURL, dn.Subject(ts.Certificates[0]), dn.Issuer(ts.Certificates[0]))
}

// tsaCertTrusted reports whether one of a token's certificates chains to
// roots at now as a time-stamping certificate (the others, its CAs, may
// complete the chain).
func tsaCertTrusted(certs []*x509.Certificate, roots *x509.CertPool, now time.Time) bool {
	inter := x509.NewCertPool()
	for _, c := range certs {
		inter.AddCert(c)
	}
	for _, c := range certs {
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err == nil {
			return true
		}
	}
	return false
}
