// Package keys loads signing keys named by URI and runs the development PKI.
//
// A key is any crypto.Signer together with its certificate chain. Where the
// key lives is decided once, from a key URI, like smallstep's KMS:
//
//	file:keys/officer.p12                     PKCS#12 (.p12/.pfx), password from VANTHU_KEY_PASSWORD
//	file:/etc/vanthu/agency.pem               PEM: PKCS#8, PKCS#1 or SEC1 key, optionally with certificates
//	pkcs11:token=agency;object=sign           a key pair on a PKCS#11 token (RFC 7512 style)
//	pkcs11:token=agency;object=sign;module-path=/usr/lib/softhsm/libsofthsm2.so;pin-env=AGENCY_PIN
//	pkcs11:token=agency;object=sign?pin-source=file:/run/secrets/pin
//
// PKCS#11 attributes: token (label; or serial, slot-id), object (key label),
// id (CKA_ID, percent-encoded), module-path (default $VANTHU_PKCS11_MODULE),
// pin-env (name of an environment variable), pin-source (file:/path or a
// path), pin-value (accepted, never logged; prefer the others). Without any
// of them the PIN comes from $VANTHU_PKCS11_PIN. Attributes may be separated
// by ';' or, after a '?', by '&'; values may be percent-encoded.
//
// Use RedactURI before logging a URI. Errors never contain a PIN or password.
package keys

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/workflow"
)

// Environment variables read by Load.
const (
	EnvKeyPassword  = "VANTHU_KEY_PASSWORD"  // password of PKCS#12 files ("" when unset)
	EnvPKCS11Module = "VANTHU_PKCS11_MODULE" // default PKCS#11 module path
	EnvPKCS11PIN    = "VANTHU_PKCS11_PIN"    // default PKCS#11 user PIN
)

// Key is a signing key with its certificate chain. Chain[0] is the signer's
// certificate; the rest are its issuers, nearest first (the root may or may
// not be included).
type Key struct {
	Signer crypto.Signer
	Chain  []*x509.Certificate
}

// Certificate returns Chain[0], or nil for an empty chain.
func (k Key) Certificate() *x509.Certificate {
	if len(k.Chain) == 0 {
		return nil
	}
	return k.Chain[0]
}

// ChainPEM returns the chain PEM-encoded, signer's certificate first.
func (k Key) ChainPEM() []byte {
	var b strings.Builder
	for _, c := range k.Chain {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return []byte(b.String())
}

// Load opens the key named by uri. certPEM, when not empty, is the PEM chain
// to use (the signer's certificate anywhere in it); for file: keys it
// overrides certificates found in the file, for pkcs11: keys it is required
// unless the token holds a certificate with the same label or id.
//
// Errors are *workflow.Error: EINVALID for a malformed URI, an unreadable
// key or a certificate that does not match the key; ENOTFOUND for a missing
// file, token or key object; EUNAVAILABLE when the PKCS#11 module cannot be
// used; EUNAUTHORIZED for a wrong PIN or password.
func Load(ctx context.Context, uri string, certPEM []byte) (Key, error) {
	return load(ctx, uri, certPEM, "")
}

// LoadWithModule is Load for a server whose only PKCS#11 module is module
// (VANTHU_PKCS11_MODULE; "" = Load): pkcs11: URIs use it, and one whose
// module-path names another module is refused (EINVALID).
func LoadWithModule(ctx context.Context, uri string, certPEM []byte, module string) (Key, error) {
	if scheme, _, _ := strings.Cut(uri, ":"); module != "" && strings.EqualFold(scheme, "pkcs11") {
		u, err := parsePKCS11URI(uri)
		if err != nil {
			return Key{}, workflow.Wrap(workflow.EINVALID, err, "key URI %q", RedactURI(uri))
		}
		if u.module != "" && u.module != module {
			return Key{}, workflow.Errorf(workflow.EINVALID, "key %s: module-path %s is not the configured module %s (%s)",
				RedactURI(uri), u.module, module, EnvPKCS11Module)
		}
		return load(ctx, uri, certPEM, module)
	}
	return load(ctx, uri, certPEM, "")
}

// load is Load with module, when not empty, as the PKCS#11 module (the
// URI's module-path and VANTHU_PKCS11_MODULE are then ignored).
func load(ctx context.Context, uri string, certPEM []byte, module string) (Key, error) {
	if err := ctx.Err(); err != nil {
		return Key{}, err
	}
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok {
		return Key{}, workflow.Errorf(workflow.EINVALID, "key URI %q: want file:PATH or pkcs11:token=...;object=...", RedactURI(uri))
	}
	var extra []*x509.Certificate
	if len(bytesTrimSpace(certPEM)) > 0 {
		var err error
		extra, err = ParseCertificatesPEM(certPEM)
		if err != nil {
			return Key{}, workflow.Wrap(workflow.EINVALID, err, "key %s: certificate PEM", RedactURI(uri))
		}
		if len(extra) == 0 {
			return Key{}, workflow.Errorf(workflow.EINVALID, "key %s: certificate PEM holds no CERTIFICATE block", RedactURI(uri))
		}
	}
	signer, found, err := openSigner(ctx, scheme, uri, len(extra) == 0, module)
	if err != nil {
		return Key{}, err
	}
	if len(extra) == 0 {
		extra = found
	}
	return assemble(uri, signer, extra)
}

// LoadSigner opens only the private key named by uri, without any
// certificate: for issuing a certificate over a token's public key. Errors
// as for Load.
func LoadSigner(ctx context.Context, uri string) (crypto.Signer, error) {
	return LoadSignerWithModule(ctx, uri, "")
}

// LoadSignerWithModule is LoadSigner for a server whose PKCS#11 module is
// module (VANTHU_PKCS11_MODULE): pkcs11: URIs without a module-path use
// it ("" = LoadSigner's: the URI's, else the environment's).
func LoadSignerWithModule(ctx context.Context, uri, module string) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok {
		return nil, workflow.Errorf(workflow.EINVALID, "key URI %q: want file:PATH or pkcs11:token=...;object=...", RedactURI(uri))
	}
	if strings.EqualFold(scheme, "pkcs11") {
		if u, err := parsePKCS11URI(uri); err == nil && u.module != "" {
			module = u.module
		}
	}
	s, _, err := openSigner(ctx, scheme, uri, false, module)
	return s, err
}

func openSigner(ctx context.Context, scheme, uri string, wantCerts bool, module string) (crypto.Signer, []*x509.Certificate, error) {
	switch strings.ToLower(scheme) {
	case "file":
		_, rest, _ := strings.Cut(uri, ":")
		return loadFile(ctx, uri, rest)
	case "pkcs11":
		return loadPKCS11(ctx, uri, wantCerts, module)
	default:
		return nil, nil, workflow.Errorf(workflow.EINVALID, "key URI %q: unsupported scheme %q (want file: or pkcs11:)", RedactURI(uri), scheme)
	}
}

// assemble checks that one of certs matches signer's public key and returns
// the Key with that certificate first and the others ordered issuer after
// subject where possible.
func assemble(uri string, signer crypto.Signer, certs []*x509.Certificate) (Key, error) {
	if len(certs) == 0 {
		return Key{}, workflow.Errorf(workflow.EINVALID, "key %s: no certificate for this key (pass the certificate PEM)", RedactURI(uri))
	}
	pub := signer.Public()
	leaf := -1
	for i, c := range certs {
		if publicKeysEqual(pub, c.PublicKey) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return Key{}, workflow.Errorf(workflow.EINVALID,
			"key %s: certificate %q does not match the key (its public key differs from the key's)",
			RedactURI(uri), dn.Subject(certs[0]))
	}
	return Key{Signer: signer, Chain: orderChain(certs[leaf], certs)}, nil
}

// orderChain returns leaf followed by its issuers found in certs (nearest
// first), then any remaining certificates in their original order.
func orderChain(leaf *x509.Certificate, certs []*x509.Certificate) []*x509.Certificate {
	used := make([]bool, len(certs))
	for i, c := range certs {
		if c == leaf {
			used[i] = true
		}
	}
	chain := []*x509.Certificate{leaf}
	cur := leaf
	for {
		if isSelfSigned(cur) {
			break
		}
		next := -1
		for i, c := range certs {
			if !used[i] && cur.CheckSignatureFrom(c) == nil {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		chain = append(chain, certs[next])
		cur = certs[next]
	}
	for i, c := range certs {
		if !used[i] {
			chain = append(chain, c)
		}
	}
	return chain
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil && bytesEqual(c.RawIssuer, c.RawSubject)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// ParseCertificatesPEM returns every CERTIFICATE block in data, in order.
// Other block types are ignored.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
}

// RedactURI returns uri safe for logs: a pkcs11: URI's pin-value and any
// password-like attribute are replaced by "REDACTED"; other URIs are
// returned unchanged.
func RedactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || !strings.EqualFold(scheme, "pkcs11") {
		return uri
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	redact := func(s, sep string) string {
		parts := strings.Split(s, sep)
		for i, p := range parts {
			k, _, hasValue := strings.Cut(p, "=")
			if hasValue && isSecretAttr(k) {
				parts[i] = k + "=REDACTED"
			}
		}
		return strings.Join(parts, sep)
	}
	out := scheme + ":" + redact(path, ";")
	if hasQuery {
		out += "?" + redact(query, "&")
	}
	return out
}

func isSecretAttr(k string) bool {
	k, _ = url.PathUnescape(k)
	k = strings.ToLower(strings.TrimSpace(k))
	return k == "pin-value" || k == "pin" || strings.Contains(k, "password") || strings.Contains(k, "secret")
}

func bytesTrimSpace(b []byte) []byte { return []byte(strings.TrimSpace(string(b))) }

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
