package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
)

// growingTSA is an in-process TSA whose certificate the test PKI's root
// issues; its n-th token (from 0) carries extra(n) besides its own
// certificate, so its tokens can grow from one answer to the next.
type growingTSA struct {
	cert  *x509.Certificate
	key   crypto.Signer
	extra func(n int) []*x509.Certificate
	mu    sync.Mutex
	n     int
}

func newGrowingTSA(t *testing.T, p *testPKI, extra func(int) []*x509.Certificate) *growingTSA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "growing TSA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Root, key.Public(), p.RootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &growingTSA{cert: cert, key: key, extra: extra}
}

func (g *growingTSA) TimeStamp(_ context.Context, query []byte) ([]byte, error) {
	req, err := timestamp.ParseRequest(query)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	n := g.n
	g.n++
	g.mu.Unlock()
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(), Nonce: req.Nonce,
		Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: req.Certificates, Certificates: g.extra(n),
	}
	return ts.CreateResponseWithOpts(g.cert, g.key, crypto.SHA256)
}

func (g *growingTSA) answered() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// unusedBytes is how many bytes of a /Contents value (the DER it holds
// and its zero padding) the DER does not use.
func unusedBytes(t *testing.T, contents []byte) int {
	t.Helper()
	s := cryptobyte.String(contents)
	var el cryptobyte.String
	if !s.ReadAnyASN1Element(&el, nil) {
		t.Fatal("the /Contents value does not start with a DER element")
	}
	return len(contents) - len(el)
}

// longChainKey is a key whose chain has depth certificates, each signed
// with k (the test root's own key signs the top one's issuer: p.Root),
// so that every certificate carries k's signature.
func longChainKey(t *testing.T, p *testPKI, k crypto.Signer, depth int) keys.Key {
	t.Helper()
	issuer, issuerKey := p.Root, p.RootKey
	chain := []*x509.Certificate{p.Root}
	for i := range depth {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(100 + i)), Subject: pkix.Name{CommonName: strings.Repeat("Sở Nội vụ ", 3) + string(rune('A'+i)), Organization: []string{"vanthu test"}},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
			IsCA: i < depth-1, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		}
		if i == depth-1 {
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, k.Public(), issuerKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		chain = append([]*x509.Certificate{c}, chain...)
		issuer, issuerKey = c, k
	}
	return keys.Key{Signer: k, Chain: chain}
}

// maxUnused bounds the unused bytes of a tight placeholder once the TSA's
// tokens are known: tokenMargin, plus what the window's tokens differ by
// (serial, nonce, signature: below 48 bytes, placeholder.go), plus an
// ECDSA signature shorter than the longest (a byte per leading zero byte
// of r or s). Before, the placeholders had 5-6 KB of padding each.
const maxUnused = tokenMargin + 64

// TestPlaceholderTight: the signature placeholder is the CMS's size (no
// token: within a few bytes; with a token, once the TSA's are known,
// within maxUnused) for RSA-2048, ECDSA P-256, RSA-4096 with a chain of
// six certificates and ECDSA with a long chain, and every signature fits
// the first time and verifies.
func TestPlaceholderTight(t *testing.T) {
	rsa4096, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    *testPKI
		key  func(p *testPKI) keys.Key
	}{
		{"rsa2048", newTestPKI(t, "rsa"), func(p *testPKI) keys.Key { return p.Officer }},
		{"p256", newTestPKI(t, "ec"), func(p *testPKI) keys.Key { return p.Officer }},
		{"rsa4096-chain6", newTestPKI(t, "rsa"), func(p *testPKI) keys.Key { return longChainKey(t, p, rsa4096, 5) }},
		{"p384-chain8", newTestPKI(t, "ec"), func(p *testPKI) keys.Key { return longChainKey(t, p, ec, 7) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := tc.key(tc.p)
			roots := x509.NewCertPool()
			roots.AddCert(tc.p.Root)
			tsa := newGrowingTSA(t, tc.p, func(int) []*x509.Certificate { return nil })
			for i, timestamped := range []bool{false, true, true, true} {
				sp := signParams{key: k, name: "A", time: at}
				if timestamped {
					sp.tsa, sp.tsaURL = tsa, "tsa.invalid/"+t.Name()
				}
				before := tsa.answered()
				s, err := signStream(context.Background(), docParts{smallPDF()}, sp)
				if err != nil {
					t.Fatal(err)
				}
				if n := tsa.answered() - before; timestamped && n != 1 {
					t.Errorf("signature %d: %d tokens asked, want 1 (the first fits)", i, n)
				}
				rep, err := verify.Verify(context.Background(), s.Bytes(), verify.Options{Roots: roots})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Verdict != verify.Valid || (timestamped && rep.Signatures[0].Timestamp == nil) {
					t.Fatalf("signature %d: verdict %s, reasons %v", i, rep.Verdict, rep.Reasons)
				}
				unused, bound := unusedBytes(t, s.sig), maxUnused
				switch {
				case !timestamped:
					bound = 16
				case i == 1:
					bound = 1 << 20 // the TSA's first token: the reserve before it is known
				}
				t.Logf("signature %d: %d bytes in the placeholder, %d unused", i, len(s.sig), unused)
				if unused > bound {
					t.Errorf("signature %d: %d of the placeholder's %d bytes unused, want at most %d", i, unused, len(s.sig), bound)
				}
			}
		})
	}
}

// TestPlaceholderTokenGrows: a TSA whose tokens grow by a certificate
// (more than tokenMargin) after its first answer: the next signature's CMS
// does not fit the room learnt from the first, the update is written
// again with room for it (a second token) and the signature verifies;
// the one after fits the first time. A TSA whose tokens grow at every
// answer is an error, never a truncated signature. The document
// time-stamp likewise.
func TestPlaceholderTokenGrows(t *testing.T) {
	p := newTestPKI(t, "ec")
	// The root again (its own issuer, so the chain a token carries still
	// checks): about 0.4 KB more per copy.
	bigCert := p.Root
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	ctx := context.Background()
	t.Run("once", func(t *testing.T) {
		tsa := newGrowingTSA(t, p, func(n int) []*x509.Certificate {
			if n == 0 {
				return nil
			}
			return []*x509.Certificate{bigCert}
		})
		sp := signParams{key: p.Officer, name: "A", time: at, tsa: tsa, tsaURL: "tsa.invalid/" + t.Name()}
		for i, want := range []int{1, 2, 1} {
			before := tsa.answered()
			s, err := signStream(ctx, docParts{smallPDF()}, sp)
			if err != nil {
				t.Fatal(err)
			}
			if n := tsa.answered() - before; n != want {
				t.Errorf("signature %d: %d tokens asked, want %d", i, n, want)
			}
			rep, err := verify.Verify(ctx, s.Bytes(), verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != verify.Valid || rep.Signatures[0].Timestamp == nil {
				t.Fatalf("signature %d: verdict %s, reasons %v", i, rep.Verdict, rep.Reasons)
			}
		}
	})
	t.Run("always", func(t *testing.T) {
		tsa := newGrowingTSA(t, p, func(n int) []*x509.Certificate {
			return slices.Repeat([]*x509.Certificate{bigCert}, 2*n) // more than the 0.5 KB more a retry has
		})
		sp := signParams{key: p.Officer, name: "A", time: at, tsa: tsa, tsaURL: "tsa.invalid/" + t.Name()}
		if _, err := signStream(ctx, docParts{smallPDF()}, sp); err != nil {
			t.Fatal(err) // the reserve before the first token
		}
		_, err := signStream(ctx, docParts{smallPDF()}, sp)
		if err == nil || !strings.Contains(err.Error(), "does not fit its placeholder") {
			t.Fatalf("err = %v, want the signature not fitting its placeholder", err)
		}
	})
	t.Run("document time-stamp", func(t *testing.T) {
		signed, err := signStream(ctx, docParts{smallPDF()}, signParams{key: p.Officer, name: "A", time: at})
		if err != nil {
			t.Fatal(err)
		}
		doc := signed.Bytes()
		for _, grows := range []bool{false, true} {
			tsa := newGrowingTSA(t, p, func(n int) []*x509.Certificate {
				if grows { // more than the 1 KB more a retry has
					return slices.Repeat([]*x509.Certificate{bigCert}, 4*n)
				}
				return []*x509.Certificate{bigCert}[:min(n, 1)]
			})
			o := LTV{TSA: tsa, TSAURL: "tsa.invalid/" + t.Name() + map[bool]string{true: "/grows"}[grows]}
			var unused []int
			for i := range 3 {
				rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
				if err != nil {
					t.Fatal(err)
				}
				u, err := docTimestamp(ctx, bytes.NewReader(doc), int64(len(doc)), rdr, o)
				if grows && i == 1 {
					if err == nil || !strings.Contains(err.Error(), "does not fit its placeholder") {
						t.Fatalf("growing TSA: err = %v, want the token not fitting its placeholder", err)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				unused = append(unused, unusedBytes(t, docTSContents(t, u)))
				if !grows && i == 2 {
					rep, err := verify.Verify(ctx, append(doc[:len(doc):len(doc)], u...), verify.Options{Roots: roots})
					if err != nil {
						t.Fatal(err)
					}
					if rep.Verdict != verify.Valid || len(rep.Signatures) != 2 {
						t.Fatalf("verdict %s, reasons %v", rep.Verdict, rep.Reasons)
					}
				}
			}
			if !grows && (len(unused) != 3 || unused[2] > maxUnused) {
				t.Errorf("document time-stamps' unused bytes %v, want the third at most %d", unused, maxUnused)
			}
		}
	})
}

// docTSContents is the decoded /Contents of the document time-stamp
// update u.
func docTSContents(t *testing.T, u []byte) []byte {
	t.Helper()
	i := bytes.Index(u, []byte("/Contents <"))
	if i < 0 {
		t.Fatal("no /Contents in the update")
	}
	h := u[i+len("/Contents <"):]
	h = h[:bytes.IndexByte(h, '>')]
	b := make([]byte, hex.DecodedLen(len(h)))
	if _, err := hex.Decode(b, h); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCMSRoomRemembered: cmsRoom's remembered answers are those of the
// dummy CMS built afresh, for every key, chain and token room asked in
// turn (a key that left out the chain, the algorithm or the token room
// would answer another's length).
func TestCMSRoomRemembered(t *testing.T) {
	ecPKI, rsaPKI := newTestPKI(t, "ec"), newTestPKI(t, "rsa")
	ec, rs := ecPKI.Officer, rsaPKI.Officer
	shortEC := keys.Key{Signer: ec.Signer, Chain: ec.Chain[:1]}
	fresh := func(k keys.Key, tok int) int {
		pub := k.Signer.Public()
		sigAlg, err := cmsSignatureAlgorithm(pub)
		if err != nil {
			t.Fatal(err)
		}
		attrs, _ := signedAttributes(make([]byte, 32), k.Chain[0])
		var unsigned []byte
		if tok > 0 {
			unsigned = attribute(oidTimeStampToken, make([]byte, tok))
		}
		return len(signedData(k.Chain, attrs, sigAlg, make([]byte, maxSignatureSize(pub)), unsigned))
	}
	seen := map[int]bool{}
	for round := range 2 { // the second round answers from what the first remembered
		for _, k := range []keys.Key{ec, shortEC, rs} {
			for _, tok := range []int{0, 6000, 6001} {
				got, err := cmsRoom(signParams{key: k}, tok)
				if err != nil {
					t.Fatal(err)
				}
				if want := fresh(k, tok); got != want {
					t.Errorf("round %d, %d certificates, %T, token room %d: cmsRoom = %d, want %d", round, len(k.Chain), k.Signer.Public(), tok, got, want)
				}
				seen[got] = true
			}
		}
	}
	if len(seen) != 9 {
		t.Errorf("%d distinct lengths for 9 key and token-room pairs, want 9", len(seen))
	}
}
