package keys

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// Policy is the server's allow-list of where officials' signing keys may
// live, from configuration (VANTHU_KEY_DIRS, VANTHU_PKCS11_MODULE,
// VANTHU_PKCS11_TOKENS). Key URIs that come through the API are checked
// against it when assigned and again at every signature:
//
//   - file: keys must resolve (absolute, cleaned, symlinks followed) to a
//     file under one of KeyDirs and under no refused directory (the data
//     directory: development PKI, object store, database);
//   - pkcs11: keys name a token by label (token=), which must be one of
//     Tokens, and a key by object= and/or id=; the module is always Module;
//     module-path, pin-source, pin-value, pin-env, serial and slot-id are
//     refused (the PIN comes from VANTHU_PKCS11_PIN);
//   - reserved keys (the agency's) are refused by location and by public
//     key, whatever the URI that reaches them.
//
// Refusals are EFORBIDDEN; malformed URIs EINVALID.
type Policy struct {
	keyDirs  []string
	refused  []string
	module   string
	tokens   []string
	reserved []reservedKey
}

type reservedKey struct {
	what     string
	location string           // canonical URI, "" if unknown
	pub      crypto.PublicKey // nil if unknown
}

// NewPolicy returns the policy of keyDirs (each must exist; they are
// resolved), module (the PKCS#11 module; "" = no pkcs11: keys) and tokens
// (allowed token labels).
func NewPolicy(keyDirs []string, module string, tokens []string) (*Policy, error) {
	p := &Policy{module: module}
	for _, d := range keyDirs {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		r, err := resolveDir(d)
		if err != nil {
			return nil, fmt.Errorf("key directory %s: %w", d, err)
		}
		p.keyDirs = append(p.keyDirs, r)
	}
	for _, t := range tokens {
		if t = strings.TrimSpace(t); t != "" {
			p.tokens = append(p.tokens, t)
		}
	}
	return p, nil
}

func resolveDir(d string) (string, error) {
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", err
	}
	r, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(r)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", errors.New("not a directory")
	}
	return r, nil
}

// RefuseDir adds a directory under which no official's key may be, even
// inside a key directory (the data directory). A missing directory is
// refused by its cleaned absolute path.
func (p *Policy) RefuseDir(dir string) {
	if r, err := resolveDir(dir); err == nil {
		p.refused = append(p.refused, r)
	} else if abs, err := filepath.Abs(dir); err == nil {
		p.refused = append(p.refused, abs)
	}
}

// Reserve makes a key no official may have: by its URI's location (file
// path or token/object/id; "" = none) and by its public key (nil = none).
func (p *Policy) Reserve(what, uri string, pub crypto.PublicKey) {
	loc := ""
	if uri != "" {
		loc, _ = canonicalLocation(uri)
	}
	p.reserved = append(p.reserved, reservedKey{what: what, location: loc, pub: pub})
}

// canonicalLocation names where uri's key lives, without the allow-list:
// file:<resolved absolute path>, or pkcs11:token=..;object=..;id=...
func canonicalLocation(uri string) (string, error) {
	scheme, rest, _ := strings.Cut(uri, ":")
	switch strings.ToLower(scheme) {
	case "file":
		path, err := filePath(rest)
		if err != nil {
			return "", err
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", err
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
		return "file:" + abs, nil
	case "pkcs11":
		u, err := parsePKCS11URI(uri)
		if err != nil {
			return "", err
		}
		return u.canonical(), nil
	}
	return "", fmt.Errorf("unsupported scheme %q", scheme)
}

func (u pkcs11URI) canonical() string {
	s := "pkcs11:" + u.tokenKey()
	if u.token != "" {
		s = "pkcs11:token=" + url.PathEscape(u.token)
	}
	if u.object != "" {
		s += ";object=" + url.PathEscape(u.object)
	}
	if len(u.id) > 0 {
		s += ";id=" + url.PathEscape(string(u.id))
	}
	return s
}

// Locate checks uri against the allow-list and returns its canonical form
// (file:/resolved/path or pkcs11:token=..;object=..;id=..), which is what
// should be stored and loaded. Errors: EINVALID (malformed), ENOTFOUND (no
// such file), EFORBIDDEN (outside the allow-list or reserved).
func (p *Policy) Locate(uri string) (string, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return "", workflow.Errorf(workflow.EINVALID, "key URI: want file:PATH or pkcs11:token=...;object=...")
	}
	var loc string
	switch strings.ToLower(scheme) {
	case "file":
		path, err := filePath(rest)
		if err != nil {
			return "", workflow.Wrap(workflow.EINVALID, err, "key URI %q", uri)
		}
		if !filepath.IsAbs(path) {
			return "", workflow.Errorf(workflow.EINVALID, "key URI %q: the path must be absolute", uri)
		}
		if len(p.keyDirs) == 0 {
			return "", workflow.Errorf(workflow.EFORBIDDEN, "file: keys are not allowed on this server (VANTHU_KEY_DIRS is empty)")
		}
		resolved, err := filepath.EvalSymlinks(filepath.Clean(path))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", workflow.Errorf(workflow.ENOTFOUND, "key file %s not found", path)
			}
			return "", workflow.Wrap(workflow.EFORBIDDEN, err, "key file %s cannot be resolved", path)
		}
		if fi, err := os.Stat(resolved); err != nil || !fi.Mode().IsRegular() {
			return "", workflow.Errorf(workflow.EFORBIDDEN, "key file %s is not a regular file", path)
		}
		if !slices.ContainsFunc(p.keyDirs, func(d string) bool { return within(resolved, d) }) {
			return "", workflow.Errorf(workflow.EFORBIDDEN, "key file %s is outside the key directories of this server (VANTHU_KEY_DIRS)", path)
		}
		for _, d := range p.refused {
			if within(resolved, d) {
				return "", workflow.Errorf(workflow.EFORBIDDEN, "key file %s is in the server's own data directory", path)
			}
		}
		loc = "file:" + resolved
	case "pkcs11":
		u, err := parsePKCS11URI(uri)
		if err != nil {
			return "", workflow.Wrap(workflow.EINVALID, err, "key URI %q", RedactURI(uri))
		}
		for _, f := range []struct {
			set  bool
			attr string
		}{{u.module != "", "module-path"}, {u.pinSource != "", "pin-source"}, {u.pinValue != "", "pin-value"},
			{u.pinEnv != "", "pin-env"}, {u.serial != "", "serial"}, {u.slot != nil, "slot-id"}} {
			if f.set {
				return "", workflow.Errorf(workflow.EFORBIDDEN, "key URI: %s is not accepted: the module and PIN come from the server's configuration, the token is named by token=LABEL", f.attr)
			}
		}
		if p.module == "" {
			return "", workflow.Errorf(workflow.EFORBIDDEN, "pkcs11: keys are not allowed on this server (VANTHU_PKCS11_MODULE is empty)")
		}
		if !slices.Contains(p.tokens, u.token) {
			return "", workflow.Errorf(workflow.EFORBIDDEN, "token %q is not one of this server's tokens for officials (VANTHU_PKCS11_TOKENS)", u.token)
		}
		loc = u.canonical()
	default:
		return "", workflow.Errorf(workflow.EINVALID, "key URI: unsupported scheme %q (want file: or pkcs11:)", scheme)
	}
	for _, r := range p.reserved {
		if r.location != "" && r.location == loc {
			return "", workflow.Errorf(workflow.EFORBIDDEN, "that key location is the %s's", r.what)
		}
	}
	return loc, nil
}

// within reports whether path is dir or below it (both clean, absolute).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// OfficialKey opens the key uri names for official u: Locate, Load (with
// the configured module), then the key must not be a reserved one (by
// public key), must not be any of others' keys (same location or a public
// key found in their certificates), and its certificate must name u
// (CertificateNames). It returns the key and the canonical URI to store.
// At signing time others may be nil. Errors as Locate and Load, and
// EFORBIDDEN for a key that is not u's.
func (p *Policy) OfficialKey(ctx context.Context, u *workflow.User, uri string, certPEM []byte, others []*workflow.User) (Key, string, error) {
	loc, err := p.Locate(uri)
	if err != nil {
		return Key{}, "", err
	}
	module := ""
	if strings.HasPrefix(loc, "pkcs11:") {
		module = p.module
	}
	k, err := load(ctx, loc, certPEM, module)
	if err != nil {
		return Key{}, "", err
	}
	pub := k.Signer.Public()
	for _, r := range p.reserved {
		if r.pub != nil && publicKeysEqual(pub, r.pub) {
			return Key{}, "", workflow.Errorf(workflow.EFORBIDDEN, "that key is the %s's", r.what)
		}
	}
	for _, o := range others {
		if o == nil || o.ID == u.ID {
			continue
		}
		if o.SigningKeyURI != "" {
			if ol, err := canonicalLocation(o.SigningKeyURI); err == nil && ol == loc {
				return Key{}, "", workflow.Errorf(workflow.EFORBIDDEN, "that key location is %s's signing key", o.Username)
			}
		}
		certs, _ := ParseCertificatesPEM([]byte(o.CertPEM))
		for _, c := range certs {
			if publicKeysEqual(pub, c.PublicKey) {
				return Key{}, "", workflow.Errorf(workflow.EFORBIDDEN, "that key is %s's signing key", o.Username)
			}
		}
	}
	if err := CertificateNames(k.Certificate(), u); err != nil {
		return Key{}, "", err
	}
	return k, loc, nil
}

// CertificateNames reports (EFORBIDDEN) whether cert is not official u's.
// The rule (docs/signing.md): the subject's common name is u's full name
// (Unicode NFC, case and runs of spaces ignored), and a subject UID
// attribute (0.9.2342.19200300.100.1.1), when present, is u's vanthu user
// ID or username, or names u's personal ID number (UIDNamesPersonalID:
// "CCCD:092080001234" as Vietnamese CAs write it). The development PKI
// issues CN = full name, UID = user ID.
func CertificateNames(cert *x509.Certificate, u *workflow.User) error {
	if cert == nil {
		return workflow.Errorf(workflow.EFORBIDDEN, "no certificate")
	}
	if strings.TrimSpace(u.FullName) == "" {
		return workflow.Errorf(workflow.EFORBIDDEN, "%s has no full name: set it before giving the official a key (the certificate's CN must match it)", u.Username)
	}
	if normName(cert.Subject.CommonName) != normName(u.FullName) {
		return workflow.Errorf(workflow.EFORBIDDEN, "the certificate is %q's, not %s's (%q): its subject CN must be the official's full name",
			cert.Subject.CommonName, u.Username, u.FullName)
	}
	var uids []string
	for _, a := range cert.Subject.Names {
		if a.Type.Equal(oidUserID) {
			uids = append(uids, fmt.Sprint(a.Value))
		}
	}
	if len(uids) == 0 || slices.Contains(uids, u.ID) || slices.Contains(uids, u.Username) {
		return nil
	}
	for _, uid := range uids {
		if UIDNamesPersonalID(uid, u.PersonalID) {
			return nil
		}
	}
	if u.PersonalID == "" {
		return workflow.Errorf(workflow.EFORBIDDEN, "the certificate's UID %q is not %s's user ID or username, and %s has no personal ID number: "+
			"set the official's personal ID number (CCCD) to the one the certificate names", strings.Join(uids, ","), u.Username, u.Username)
	}
	return workflow.Errorf(workflow.EFORBIDDEN, "the certificate's UID %q does not name %s's personal ID number (%s), user ID or username",
		strings.Join(uids, ","), u.Username, u.PersonalID)
}

// UIDNamesPersonalID reports whether a certificate's UID value names the
// personal ID number id (non-empty): the value itself, or the value after
// a kind prefix of letters and a colon as Vietnamese CAs write it
// ("CCCD:092080001234", "CMND:012345678", "HC:B1234567"), spaces and
// letter case ignored.
func UIDNamesPersonalID(uid, id string) bool {
	if id == "" {
		return false
	}
	v := uid
	if i := strings.IndexByte(v, ':'); i > 0 && strings.IndexFunc(strings.TrimSpace(v[:i]), func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
		v = v[i+1:]
	}
	return strings.EqualFold(strings.Join(strings.Fields(v), ""), strings.Join(strings.Fields(id), ""))
}

func normName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}
