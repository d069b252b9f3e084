package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"sync"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/internal/memo"
)

// How large a signature's /Contents placeholder is. Every byte of it is in
// the issued file (as two hex digits) and goes through every pass over the
// file, so it is sized from what the CMS will hold rather than from fixed
// reserves:
//
//   - the CMS without its time-stamp token is known exactly before signing:
//     cmsRoom builds it (buildCMS's signedData) with a dummy digest of
//     SHA-256's size and a dummy signature of the key's longest (RSA: the
//     modulus's length; ECDSA: a DER SEQUENCE of two INTEGERs as long as
//     the group order's);
//   - the time-stamp token's length is learnt from the TSA's previous
//     answers (tokenRoom: the longest of the last tokenWindow tokens of that
//     TSA, plus tokenMargin), with pdfsign's reserve before the first.
//
// A CMS that still does not fit (a TSA whose tokens grew by more than the
// margin, a signer returning more than the key's longest signature) is
// caught before anything is written: the update is built once more with
// room for it (signStreamSized, docTimestamp), and a second miss is an
// error, never a truncated signature.

// tokenMargin is what a TSA's token may exceed the longest of its recent
// ones by without a second update: within one TSA a token's length varies
// by its serial number (a random 160-bit INTEGER: 20-21 bytes, fewer with
// leading zeros), our nonce (1-9 bytes), the fraction of a second in
// genTime (up to 7 digits), its ECDSA signature (±2 bytes) and the DER
// length headers these push over 128 or 256 (a byte each, at most six
// levels): together below 48 bytes.
const tokenMargin = 64

// tokenWindow is how many of a TSA's recent token lengths are remembered;
// maxTokenTSAs bounds the TSAs remembered (then the memory starts over).
const (
	tokenWindow  = 8
	maxTokenTSAs = 64
)

type tokenLengths struct {
	n    [tokenWindow]int
	next int
}

var tokenSizes = struct {
	sync.Mutex
	m map[string]*tokenLengths
}{m: map[string]*tokenLengths{}}

// tsaKey names a TSA for tokenSizes: its URL, and whether it answers in
// process (Config.TSA), whose tokens may differ from the URL's.
func tsaKey(url string, inProcess bool) string {
	if inProcess {
		return "in-process " + url
	}
	return url
}

// noteToken remembers that the TSA key answered with a token of n bytes.
func noteToken(key string, n int) {
	tokenSizes.Lock()
	defer tokenSizes.Unlock()
	l := tokenSizes.m[key]
	if l == nil {
		if len(tokenSizes.m) >= maxTokenTSAs {
			clear(tokenSizes.m)
		}
		l = &tokenLengths{}
		tokenSizes.m[key] = l
	}
	l.n[l.next] = n
	l.next = (l.next + 1) % tokenWindow
}

// tokenRoom is the room to give the TSA key's next token: the longest of
// its last tokens plus tokenMargin, or first when none is known.
func tokenRoom(key string, first int) int {
	tokenSizes.Lock()
	defer tokenSizes.Unlock()
	l := tokenSizes.m[key]
	if l == nil {
		return first
	}
	longest := 0
	for _, n := range l.n {
		longest = max(longest, n)
	}
	return longest + tokenMargin
}

// cmsRoom is the most bytes buildCMS writes for p with a time-stamp token
// of at most tok bytes (0: no token).
//
// The length depends only on the chain's certificates, the signature
// algorithm, the longest signature of the key and tok: it is remembered
// by these (cmsRooms): the dummy CMS, whose token-sized attribute is
// copied through every level of nesting (60–100 µs under load, against
// under 10 µs for the key), is built once per key and token room, not
// for every signature.
func cmsRoom(p signParams, tok int) (int, error) {
	pub := p.key.Signer.Public()
	sigAlg, err := cmsSignatureAlgorithm(pub)
	if err != nil {
		return 0, err
	}
	sigLen := maxSignatureSize(pub)
	k := cmsRoomKey(p.key.Chain, sigAlg, sigLen, tok)
	if n, ok := cmsRooms.Get(k); ok {
		return n, nil
	}
	attrs, _ := signedAttributes(make([]byte, sha256.Size), p.key.Chain[0])
	var unsigned []byte
	if tok > 0 {
		unsigned = attribute(oidTimeStampToken, make([]byte, tok))
	}
	n := len(signedData(p.key.Chain, attrs, sigAlg, make([]byte, sigLen), unsigned))
	cmsRooms.Put(k, n)
	return n, nil
}

// cmsRooms remembers cmsRoom's answers; maxCMSRooms bounds them (keys
// times the token sizes their TSA gave lately: a few in use at once).
var cmsRooms = memo.Map[int]{Max: 256}

// cmsRoomKey is the SHA-256 of what decides cmsRoom's answer: every
// certificate of the chain (the first is also named in the signed
// attributes and the SignerInfo), the signature algorithm, the longest
// signature and the token's room.
func cmsRoomKey(chain []*x509.Certificate, sigAlg asn1.ObjectIdentifier, sigLen, tok int) [32]byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	put([]byte(sigAlg.String()))
	put(binary.BigEndian.AppendUint64(nil, uint64(sigLen)))
	put(binary.BigEndian.AppendUint64(nil, uint64(tok)))
	for _, c := range chain {
		put(c.Raw)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// maxSignatureSize is the longest signature Sign returns for pub: an RSA
// signature is as long as the modulus; an ECDSA signature is the DER
// SEQUENCE of r and s, each below the group order n (so at most n-1's DER
// INTEGER, with its leading zero byte when the top bit is set).
func maxSignatureSize(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.Size()
	case *ecdsa.PublicKey:
		m := new(big.Int).Sub(k.Params().N, big.NewInt(1))
		return len(der(func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1BigInt(m)
				b.AddASN1BigInt(m)
			})
		}))
	}
	return 512
}
