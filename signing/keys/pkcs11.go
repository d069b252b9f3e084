package keys

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/vanthu/vanthu/workflow"
)

// pkcs11URI is a parsed "pkcs11:" key URI.
type pkcs11URI struct {
	token, serial string
	slot          *int
	object        string
	id            []byte
	module        string
	pinEnv        string
	pinSource     string
	pinValue      string
}

func parsePKCS11URI(uri string) (pkcs11URI, error) {
	var u pkcs11URI
	_, rest, _ := strings.Cut(uri, ":")
	path, query, _ := strings.Cut(rest, "?")
	var attrs []string
	for _, a := range strings.Split(path, ";") {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	for _, a := range strings.Split(query, "&") {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	for _, a := range attrs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return u, fmt.Errorf("attribute %q has no value", k)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val, err := url.PathUnescape(v)
		if err != nil {
			if isSecretAttr(k) {
				return u, fmt.Errorf("attribute %s: bad percent-encoding", k)
			}
			return u, fmt.Errorf("attribute %s: %w", k, err)
		}
		switch k {
		case "token":
			u.token = val
		case "serial":
			u.serial = val
		case "slot-id":
			n, err := strconv.Atoi(val)
			if err != nil {
				return u, fmt.Errorf("slot-id %q: not a number", val)
			}
			u.slot = &n
		case "object":
			u.object = val
		case "id":
			u.id = []byte(val)
		case "module-path":
			u.module = val
		case "pin-env":
			u.pinEnv = val
		case "pin-source":
			u.pinSource = val
		case "pin-value":
			u.pinValue = val
		case "type", "manufacturer", "model", "library-manufacturer", "library-description",
			"library-version", "slot-description", "slot-manufacturer", "module-name":
			// accepted and ignored
		default:
			return u, fmt.Errorf("unknown attribute %q", k)
		}
	}
	n := 0
	for _, set := range []bool{u.token != "", u.serial != "", u.slot != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return u, errors.New("exactly one of token, serial or slot-id is needed")
	}
	if u.object == "" && len(u.id) == 0 {
		return u, errors.New("object (key label) or id is needed")
	}
	return u, nil
}

func (u pkcs11URI) tokenKey() string {
	switch {
	case u.token != "":
		return "token=" + u.token
	case u.serial != "":
		return "serial=" + u.serial
	default:
		return "slot-id=" + strconv.Itoa(*u.slot)
	}
}

func (u pkcs11URI) resolvePIN() (string, error) {
	switch {
	case u.pinValue != "":
		return u.pinValue, nil
	case u.pinEnv != "":
		pin := os.Getenv(u.pinEnv)
		if pin == "" {
			return "", fmt.Errorf("PIN environment variable %s is empty or unset", u.pinEnv)
		}
		return pin, nil
	case u.pinSource != "":
		p := u.pinSource
		if s, ok := strings.CutPrefix(p, "file:"); ok {
			fp, err := filePath(s)
			if err != nil {
				return "", fmt.Errorf("pin-source: %w", err)
			}
			p = fp
		}
		b, err := os.ReadFile(p)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return "", fmt.Errorf("pin-source %s: %w", p, pe.Err)
			}
			return "", errors.New("pin-source cannot be read")
		}
		pin := strings.TrimRight(string(b), "\r\n")
		if pin == "" {
			return "", fmt.Errorf("pin-source %s is empty", p)
		}
		return pin, nil
	default:
		pin := os.Getenv(EnvPKCS11PIN)
		if pin == "" {
			return "", fmt.Errorf("no PIN: set %s, or pin-env / pin-source in the key URI", EnvPKCS11PIN)
		}
		return pin, nil
	}
}

// tokenContext is a cached crypto11 context: crypto11 (like PKCS#11
// itself) wants one logged-in context per token per process, so Loads of
// several keys on one token share it.
type tokenContext struct {
	ctx     *crypto11.Context
	pinHash [32]byte
}

var tokens = struct {
	sync.Mutex
	m map[string]*tokenContext
}{m: map[string]*tokenContext{}}

// openToken returns the cached context for (module, token), creating and
// logging it in on first use. A later call with a different PIN is refused
// (the session is already logged in, so a wrong PIN would otherwise pass).
func openToken(u pkcs11URI, module, pin, redactedURI string) (*crypto11.Context, error) {
	key := module + "\x00" + u.tokenKey()
	h := sha256.Sum256([]byte(key + "\x00" + pin))
	tokens.Lock()
	defer tokens.Unlock()
	if tc, ok := tokens.m[key]; ok {
		if subtle.ConstantTimeCompare(tc.pinHash[:], h[:]) != 1 {
			return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "key %s: PIN differs from the one token %s was opened with in this process", redactedURI, u.tokenKey())
		}
		return tc.ctx, nil
	}
	if _, err := os.Stat(module); err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "key %s: PKCS#11 module %s cannot be used", redactedURI, module)
	}
	cfg := &crypto11.Config{Path: module, TokenLabel: u.token, TokenSerial: u.serial, SlotNumber: u.slot, Pin: pin}
	c, err := crypto11.Configure(cfg)
	if err != nil {
		return nil, classifyP11(err, "key %s: PKCS#11 module %s, %s", redactedURI, module, u.tokenKey())
	}
	tokens.m[key] = &tokenContext{ctx: c, pinHash: h}
	return c, nil
}

func classifyP11(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	var pe pkcs11.Error
	if errors.As(err, &pe) {
		switch pe {
		case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE:
			return workflow.Wrap(workflow.EUNAUTHORIZED, err, "%s: wrong PIN", msg)
		case pkcs11.CKR_PIN_LOCKED, pkcs11.CKR_PIN_EXPIRED:
			return workflow.Wrap(workflow.EUNAUTHORIZED, err, "%s: PIN locked or expired", msg)
		}
	}
	if strings.Contains(err.Error(), "could not find PKCS#11 token") {
		return workflow.Wrap(workflow.ENOTFOUND, err, "%s: no such token", msg)
	}
	return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s", msg)
}

// loadPKCS11 finds the key pair named by uri (by CKA_LABEL = object and/or
// CKA_ID = id). When wantCert, a certificate with the same label/id on the
// token is returned too (nil if there is none).
func loadPKCS11(_ context.Context, uri string, wantCert bool, module string) (crypto.Signer, []*x509.Certificate, error) {
	u, err := parsePKCS11URI(uri)
	if err != nil {
		return nil, nil, workflow.Wrap(workflow.EINVALID, err, "key URI %q", RedactURI(uri))
	}
	if module == "" {
		module = u.module
	}
	if module == "" {
		module = os.Getenv(EnvPKCS11Module)
	}
	if module == "" {
		return nil, nil, workflow.Errorf(workflow.EUNAVAILABLE, "key %s: no PKCS#11 module: set %s or module-path in the URI", RedactURI(uri), EnvPKCS11Module)
	}
	pin, err := u.resolvePIN()
	if err != nil {
		return nil, nil, workflow.Wrap(workflow.EUNAUTHORIZED, err, "key %s", RedactURI(uri))
	}
	c, err := openToken(u, module, pin, RedactURI(uri))
	if err != nil {
		return nil, nil, err
	}
	var label []byte
	if u.object != "" {
		label = []byte(u.object)
	}
	signers, err := c.FindKeyPairs(u.id, label)
	if err != nil {
		return nil, nil, classifyP11(err, "key %s", RedactURI(uri))
	}
	switch len(signers) {
	case 0:
		return nil, nil, workflow.Errorf(workflow.ENOTFOUND, "key %s: no key pair with that label/id on the token (a private key needs a CKA_ID and a public key with the same CKA_ID)", RedactURI(uri))
	case 1:
	default:
		return nil, nil, workflow.Errorf(workflow.EINVALID, "key %s: %d key pairs match; add id=... to the URI", RedactURI(uri), len(signers))
	}
	var certs []*x509.Certificate
	if wantCert {
		if cert, err := c.FindCertificate(u.id, label, nil); err == nil && cert != nil {
			certs = append(certs, cert)
		}
	}
	return signers[0], certs, nil
}

// ClosePKCS11 closes every cached PKCS#11 context. Signers loaded from
// tokens stop working; a later Load opens the token again. For shutdown and
// tests.
func ClosePKCS11() error {
	tokens.Lock()
	defer tokens.Unlock()
	var errs []error
	for k, tc := range tokens.m {
		if err := tc.ctx.Close(); err != nil {
			errs = append(errs, err)
		}
		delete(tokens.m, k)
	}
	return errors.Join(errs...)
}
