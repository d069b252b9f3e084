package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// tsaCert is a self-signed time-stamping certificate over signer.
func tsaCert(t *testing.T, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4711), Subject: pkix.Name{CommonName: "Test TSA", Organization: []string{"Ủy ban"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGrantedResponseAsLibrary: the response grantedResponse writes has,
// element for element, the structure and the values of the one
// github.com/digitorus/timestamp writes for the same token (ECDSA and RSA
// keys, SHA-256 and SHA-512 imprints, with and without nonce and
// certificate) — all but the values that differ from one token to the
// next (the serial number, the signing time, the signature and the
// digest over the serial) — parses to the same Timestamp, and its
// signature verifies.
func TestGrantedResponseAsLibrary(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 3, 15, 30, 123456789, time.UTC)
	d256 := sha256.Sum256([]byte("document"))
	d512 := sha512.Sum512([]byte("document"))
	for _, key := range []crypto.Signer{ec, rk} {
		cert := tsaCert(t, key)
		for _, tc := range []struct {
			hash     crypto.Hash
			hashed   []byte
			nonce    *big.Int
			withCert bool
		}{
			{crypto.SHA256, d256[:], big.NewInt(0x1234567890), true},
			{crypto.SHA256, d256[:], nil, false},
			{crypto.SHA512, d512[:], new(big.Int).Lsh(big.NewInt(1), 70), true},
		} {
			t.Run(fmt.Sprintf("%T/%v/nonce=%v/cert=%v", key.Public(), tc.hash, tc.nonce != nil, tc.withCert), func(t *testing.T) {
				lib := timestamp.Timestamp{
					HashAlgorithm: tc.hash, HashedMessage: tc.hashed, Time: at, Accuracy: TSAAccuracy,
					Nonce: tc.nonce, Policy: TSAPolicy, AddTSACertificate: tc.withCert,
				}
				want, err := lib.CreateResponseWithOpts(cert, key, crypto.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				serial, err := newSerial()
				if err != nil {
					t.Fatal(err)
				}
				got, err := grantedResponse(tokenFields{
					hash: tc.hash, hashed: tc.hashed, at: at, accuracy: TSAAccuracy,
					nonce: tc.nonce, policy: TSAPolicy, serial: serial, withCert: tc.withCert,
				}, cert, key)
				if err != nil {
					t.Fatal(err)
				}
				if err := sameShape(got, want, "response"); err != nil {
					t.Fatal(err)
				}
				gts, err := timestamp.ParseResponse(got)
				if err != nil {
					t.Fatal(err)
				}
				wts, err := timestamp.ParseResponse(want)
				if err != nil {
					t.Fatal(err)
				}
				if gts.SerialNumber.Cmp(serial) != 0 {
					t.Errorf("serial %v, want %v", gts.SerialNumber, serial)
				}
				for _, ts := range []*timestamp.Timestamp{gts, wts} {
					ts.SerialNumber, ts.RawToken = nil, nil
				}
				if !reflect.DeepEqual(gts, wts) {
					t.Errorf("parsed:\n%+v\nwant\n%+v", gts, wts)
				}
				p7, err := pkcs7.Parse(tokenOf(t, got))
				if err != nil {
					t.Fatal(err)
				}
				if !tc.withCert {
					p7.Certificates = []*x509.Certificate{cert}
				}
				if err := p7.Verify(); err != nil {
					t.Errorf("the token's signature: %v", err)
				}
			})
		}
	}
}

// tokenOf is the TimeStampToken of a response.
func tokenOf(t *testing.T, resp []byte) []byte {
	t.Helper()
	var r struct {
		Status asn1.RawValue
		Token  asn1.RawValue
	}
	if _, err := asn1.Unmarshal(resp, &r); err != nil {
		t.Fatal(err)
	}
	return r.Token.FullBytes
}

// sameShape compares two DER trees: the same tags in the same places, and
// the same content in every primitive element except the values that
// differ between two tokens made at once: the serial number (an INTEGER
// of 16 bytes or more), the signing time (UTCTime), and OCTET STRINGs of
// the length of a digest or a signature (the parsed comparison covers the
// imprint).
func sameShape(got, want []byte, path string) error {
	g, w := cryptobyte.String(got), cryptobyte.String(want)
	for i := 0; !g.Empty() || !w.Empty(); i++ {
		var ge, we cryptobyte.String
		var gt, wt cbasn1.Tag
		if !g.ReadAnyASN1(&ge, &gt) || !w.ReadAnyASN1(&we, &wt) {
			return fmt.Errorf("%s[%d]: one has fewer elements or bad DER", path, i)
		}
		p := fmt.Sprintf("%s[%d]", path, i)
		if gt != wt {
			return fmt.Errorf("%s: tag %#x, want %#x", p, gt, wt)
		}
		switch {
		case gt&0x20 != 0:
			if err := sameShape(ge, we, p); err != nil {
				return err
			}
		case gt == cbasn1.OCTET_STRING && len(we) >= 32 && len(ge) >= 32:
		case gt == cbasn1.INTEGER && len(we) >= 16 && len(ge) >= 16, gt == cbasn1.UTCTime:
		default:
			if string(ge) != string(we) {
				return fmt.Errorf("%s: %x, want %x", p, []byte(ge), []byte(we))
			}
		}
	}
	return nil
}
