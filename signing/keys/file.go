package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/vanthu/vanthu/workflow"
)

// filePath turns the part after "file:" into a path: "file:rel/path",
// "file:/abs/path" and "file:///abs/path" (percent-decoded) are accepted.
func filePath(rest string) (string, error) {
	if strings.HasPrefix(rest, "//") {
		u, err := url.Parse("file:" + rest)
		if err != nil {
			return "", err
		}
		if u.Host != "" && u.Host != "localhost" {
			return "", fmt.Errorf("remote host %q not supported", u.Host)
		}
		return u.Path, nil
	}
	if rest == "" {
		return "", errors.New("empty path")
	}
	return rest, nil
}

func loadFile(_ context.Context, uri, rest string) (crypto.Signer, []*x509.Certificate, error) {
	path, err := filePath(rest)
	if err != nil {
		return nil, nil, workflow.Wrap(workflow.EINVALID, err, "key URI %q", uri)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, workflow.Wrap(workflow.ENOTFOUND, err, "key file %s not found", path)
		}
		return nil, nil, workflow.Wrap(workflow.EINVALID, err, "key file %s cannot be read", path)
	}
	var (
		signer   crypto.Signer
		inFile   []*x509.Certificate
		parseErr error
	)
	if strings.Contains(string(data[:min(len(data), 64<<10)]), "-----BEGIN ") {
		signer, inFile, parseErr = parsePEMKey(data)
	} else {
		signer, inFile, parseErr = parsePKCS12(data, os.Getenv(EnvKeyPassword))
	}
	if parseErr != nil {
		code := workflow.EINVALID
		if errors.Is(parseErr, pkcs12.ErrIncorrectPassword) {
			code = workflow.EUNAUTHORIZED
		}
		return nil, nil, workflow.Wrap(code, parseErr, "key file %s", path)
	}
	return signer, inFile, nil
}

// parsePKCS12 decodes a PKCS#12 file (legacy 3DES/RC2 and modern PBES2/AES
// encryption, SHA-1/SHA-2 MACs) into its key and certificates.
func parsePKCS12(data []byte, password string) (crypto.Signer, []*x509.Certificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, nil, fmt.Errorf("PKCS#12: wrong password (set %s): %w", EnvKeyPassword, err)
		}
		return nil, nil, fmt.Errorf("PKCS#12: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("PKCS#12: key of type %T cannot sign", key)
	}
	certs := append([]*x509.Certificate{leaf}, cas...)
	return signer, certs, nil
}

// parsePEMKey reads the first private key block (PKCS#8 "PRIVATE KEY",
// PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY") and all CERTIFICATE
// blocks of data.
func parsePEMKey(data []byte) (crypto.Signer, []*x509.Certificate, error) {
	var (
		signer crypto.Signer
		certs  []*x509.Certificate
	)
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("PEM certificate %d: %w", len(certs)+1, err)
			}
			certs = append(certs, c)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if signer != nil {
				return nil, nil, errors.New("PEM holds more than one private key")
			}
			if _, legacy := b.Headers["Proc-Type"]; legacy {
				return nil, nil, errors.New("legacy encrypted PEM private keys are not supported: use a PKCS#12 file or an unencrypted key")
			}
			s, err := parsePrivateKeyDER(b.Type, b.Bytes)
			if err != nil {
				return nil, nil, err
			}
			signer = s
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, errors.New("encrypted PEM private keys are not supported: use a PKCS#12 file (password from " + EnvKeyPassword + ") or an unencrypted key")
		}
	}
	if signer == nil {
		return nil, nil, errors.New("PEM holds no private key (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)")
	}
	return signer, certs, nil
}

func parsePrivateKeyDER(typ string, der []byte) (crypto.Signer, error) {
	var (
		key any
		err error
	)
	switch typ {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	default:
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, fmt.Errorf("PEM %s: %w", typ, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case crypto.Signer:
		return k, nil
	}
	return nil, fmt.Errorf("PEM %s: key of type %T cannot sign", typ, key)
}
