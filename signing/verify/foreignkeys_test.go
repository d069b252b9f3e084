package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // the fuzzer's DSA key
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Keys Go's crypto/x509 cannot make certificates for (DSA, brainpool
// curves, Ed448, id-RSASSA-PSS keys) are made by OpenSSL; the
// certificate is made by Go for an ECDSA key and its subject public key
// replaced by the foreign one, then signed again by the test CA; the CMS
// is made by `openssl cms -sign`, as a signer outside the repository
// would.

// foreignKey is a private key in a PEM file and its certificate.
type foreignKey struct {
	keyFile, certFile string
	cert              []byte // DER
}

// needOpenSSL skips the test when the openssl command is not installed.
func needOpenSSL(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		tb.Skip("openssl is not installed (apt-get install openssl): it makes the DSA, brainpool, Ed448 and RSA-PSS keys and CMS")
	}
}

func runOpenSSL(tb testing.TB, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command("openssl", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// genKey makes a key with `openssl genpkey` (args after -algorithm, or
// a DSA key of bits) into dir, and returns its file and the DER of its
// SubjectPublicKeyInfo.
func genKey(tb testing.TB, dir, name string, args ...string) (string, []byte) {
	tb.Helper()
	keyFile := filepath.Join(dir, name+".key")
	if args[0] == "DSA" {
		params := filepath.Join(dir, name+".params")
		runOpenSSL(tb, "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:"+args[1], "-out", params)
		runOpenSSL(tb, "genpkey", "-paramfile", params, "-out", keyFile)
	} else {
		runOpenSSL(tb, append(append([]string{"genpkey", "-algorithm"}, args...), "-out", keyFile)...)
	}
	return keyFile, runOpenSSL(tb, "pkey", "-in", keyFile, "-pubout", "-outform", "DER")
}

// foreignLeaf certifies spki (a SubjectPublicKeyInfo, DER) by ca as a
// document-signing certificate valid from notBefore to notAfter.
func (ca *testCA) foreignLeaf(tb testing.TB, cn string, spki []byte, notBefore, notAfter time.Time, eku ...x509.ExtKeyUsage) []byte {
	tb.Helper()
	stand, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, c := ca.leaf(tb, cn, leafOpts{key: stand, notBefore: notBefore, notAfter: notAfter, extKeyUsage: eku})
	var fields []asn1.RawValue
	var tbs asn1.RawValue
	if _, err := asn1.Unmarshal(c.RawTBSCertificate, &tbs); err != nil {
		tb.Fatal(err)
	}
	for rest := tbs.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			tb.Fatal(err)
		}
		if bytes.Equal(f.FullBytes, c.RawSubjectPublicKeyInfo) {
			f = asn1.RawValue{FullBytes: spki}
		}
		fields = append(fields, f)
	}
	var body []byte
	for _, f := range fields {
		body = append(body, f.FullBytes...)
	}
	newTBS := mustDER(tb, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	d := sha256.Sum256(newTBS)
	sig, err := ca.key.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		tb.Fatal(err)
	}
	var outer struct {
		TBS    asn1.RawValue
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.Raw, &outer); err != nil {
		tb.Fatal(err)
	}
	return mustDER(tb, struct {
		TBS    asn1.RawValue
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}{asn1.RawValue{FullBytes: newTBS}, outer.SigAlg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
}

// newForeignKey makes an OpenSSL key (genKey's args) certified by ca.
func (ca *testCA) newForeignKey(tb testing.TB, dir, name string, notBefore, notAfter time.Time, args ...string) foreignKey {
	tb.Helper()
	return ca.foreignKeyFor(tb, dir, name, notBefore, notAfter, nil, args...)
}

// foreignKeyFor is newForeignKey with the certificate's extended key
// usages (timeStamping for a TSA).
func (ca *testCA) foreignKeyFor(tb testing.TB, dir, name string, notBefore, notAfter time.Time, eku []x509.ExtKeyUsage, args ...string) foreignKey {
	tb.Helper()
	keyFile, spki := genKey(tb, dir, name, args...)
	der := ca.foreignLeaf(tb, name, spki, notBefore, notAfter, eku...)
	certFile := filepath.Join(dir, name+".crt")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return foreignKey{keyFile: keyFile, certFile: certFile, cert: der}
}

// opensslCMS is a handSig value: `openssl cms -sign` (detached, DER)
// over the signed bytes, with the extra options (-md, -noattr, -keyopt).
func (k foreignKey) opensslCMS(tb testing.TB, dir string, extra ...string) func([]byte) []byte {
	return func(signed []byte) []byte {
		in, err := os.CreateTemp(dir, "signed")
		if err != nil {
			tb.Fatal(err)
		}
		in.Write(signed)
		in.Close()
		args := append([]string{"cms", "-sign", "-binary", "-in", in.Name(), "-signer", k.certFile, "-inkey", k.keyFile, "-outform", "DER", "-nosmimecap"}, extra...)
		return runOpenSSL(tb, args...)
	}
}

// pkeyutlCMS is a handSig value for keys `openssl cms` cannot sign with
// (OpenSSL 3.0 refuses EdDSA in CMS): a SignedData assembled here, its
// messageDigest in SHAKE256 (RFC 8419, Ed448) and its signature by
// `openssl pkeyutl -sign -rawin`.
func (k foreignKey) pkeyutlCMS(tb testing.TB, dir string, sigAlg asn1.ObjectIdentifier, noAttrs bool) func([]byte) []byte {
	return func(content []byte) []byte {
		cert, err := parseRawCert(k.cert)
		if err != nil {
			tb.Fatal(err)
		}
		msg := content
		var attrs []byte
		if !noAttrs {
			set := func(v any) asn1.RawValue {
				return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustDER(tb, v)}
			}
			type attr struct {
				Type  asn1.ObjectIdentifier
				Value asn1.RawValue
			}
			enc := [][]byte{mustDER(tb, attr{oidContentType, set(oidData)}), mustDER(tb, attr{oidMessageDigest, set(sha3.SumSHAKE256(content, 64))})}
			sort.Slice(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 })
			attrs = mustDER(tb, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(enc, nil)})
			msg = attrs
		}
		in, err := os.CreateTemp(dir, "tbs")
		if err != nil {
			tb.Fatal(err)
		}
		in.Write(msg)
		in.Close()
		sig := runOpenSSL(tb, "pkeyutl", "-sign", "-rawin", "-inkey", k.keyFile, "-in", in.Name())
		digestAlg := algID{Algorithm: oidSHAKE256}
		si := []any{1, asn1.RawValue{FullBytes: mustDER(tb, struct {
			Issuer asn1.RawValue
			Serial any
		}{asn1.RawValue{FullBytes: cert.TBS.Issuer.FullBytes}, cert.TBS.Serial})}, digestAlg}
		if attrs != nil {
			attrs[0] = 0xA0
			si = append(si, asn1.RawValue{FullBytes: attrs})
		}
		si = append(si, algID{Algorithm: sigAlg}, sig)
		sd := []any{1, asn1.RawValue{FullBytes: mustDER(tb, []algID{digestAlg}, "set")}, []any{oidData},
			asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: k.cert},
			asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustDER(tb, si)}}
		return mustDER(tb, []any{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustDER(tb, sd)}})
	}
}

func parseRawCert(der []byte) (rawCertDER, error) {
	var c rawCertDER
	_, err := asn1.Unmarshal(der, &c)
	return c, err
}

// TestForeignKeyTypes: signatures by keys outside the sunset table
// before, each made by OpenSSL the general way — DSA (1024, 2048,
// 3072), RSA keys certified as id-RSASSA-PSS, ECDSA on brainpool curves,
// Ed25519 and Ed448 — intact and changed after signing. Every verdict
// and sub-indication is pinned, and none panics.
func TestForeignKeyTypes(t *testing.T) {
	needOpenSSL(t)
	dir := t.TempDir()
	root := makeCA(t, "Foreign Key Root", elliptic.P256(), 30, nil)
	from, until := time.Now().AddDate(-2, 0, 0), time.Now().AddDate(2, 0, 0)
	mk := func(name string, args ...string) foreignKey {
		return root.newForeignKey(t, dir, name, from, until, args...)
	}
	dsa1024, dsa2048, dsa3072 := mk("DSA-1024", "DSA", "1024"), mk("DSA-2048", "DSA", "2048"), mk("DSA-3072", "DSA", "3072")
	// OpenSSL 3.0's default salt length for an RSA-PSS key in CMS makes
	// signatures it cannot verify itself ("illegal or unsupported padding
	// mode"): the hash's length, as every other producer writes.
	pss2048 := mk("PSS-2048", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048")
	pss1024 := mk("PSS-1024", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:1024")
	bp256 := mk("BP-256", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-pkeyopt", "ec_param_enc:named_curve")
	bp384 := mk("BP-384", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP384r1", "-pkeyopt", "ec_param_enc:named_curve")
	ed448k := mk("Ed448", "ED448")
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	_, edc := root.leaf(t, "Ed25519", leafOpts{key: edk, notBefore: from, notAfter: until})
	ed25519S := signer{edk, edc, nil}
	const cades = "ETSI.CAdES.detached"
	cms := func(k foreignKey, extra ...string) handSig {
		return handSig{subFilter: cades, value: k.opensslCMS(t, dir, extra...)}
	}
	in2025 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	const noPOE, unsupported = "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE", "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE)"
	tests := []struct {
		name     string
		sig      handSig
		at       time.Time // the current time (zero: now)
		verdict  string
		reasons  []string
		tampered string // the verdict with a byte of the signed content changed
	}{
		{"DSA-1024", cms(dsa1024, "-md", "sha256"), time.Time{}, Indeterminate, []string{"weak algorithm: DSA-1024 (signer's key) retired on 2013-01-01 (ETSI TS 102 176-1 V2.1.1)", noPOE}, Invalid},
		{"DSA-2048", cms(dsa2048, "-md", "sha256"), time.Time{}, Indeterminate, []string{"weak algorithm: DSA-2048 (signer's key) retired on 2026-01-01 (ETSI TS 119 312 V1.4.2", noPOE}, Invalid},
		{"DSA-2048 judged in 2025", cms(dsa2048, "-md", "sha256"), in2025, Valid, nil, Invalid},
		{"DSA-3072", cms(dsa3072, "-md", "sha256"), time.Time{}, Valid, nil, Invalid},
		{"DSA-2048 no signed attributes", cms(dsa2048, "-md", "sha256", "-noattr"), in2025, Valid, nil, Invalid},
		{"DSA-3072 SHA-1", cms(dsa3072, "-md", "sha1"), time.Time{}, Indeterminate, []string{"weak algorithm: SHA-1", noPOE}, Invalid},
		{"RSA-PSS key 2048", cms(pss2048, "-md", "sha256", "-keyopt", "rsa_pss_saltlen:32"), time.Time{}, Valid, nil, Invalid},
		{"RSA-PSS key 2048 no signed attributes", cms(pss2048, "-md", "sha256", "-noattr", "-keyopt", "rsa_pss_saltlen:32"), time.Time{}, Valid, nil, Invalid},
		{"RSA-PSS key 1024", cms(pss1024, "-md", "sha256", "-keyopt", "rsa_pss_saltlen:32"), time.Time{}, Indeterminate, []string{"weak algorithm: RSA-1024 (signer's key) retired on 2009-01-01", noPOE}, Invalid},
		{"ECDSA brainpoolP256r1", cms(bp256, "-md", "sha256"), time.Time{}, Indeterminate, []string{"unsupported algorithm: ECDSA on brainpoolP256r1 (signer's key)", unsupported}, Invalid},
		{"ECDSA brainpoolP384r1", cms(bp384, "-md", "sha384"), time.Time{}, Indeterminate, []string{"unsupported algorithm: ECDSA on brainpoolP384r1 (signer's key)", unsupported}, Invalid},
		{"ECDSA brainpoolP256r1 no signed attributes", cms(bp256, "-md", "sha256", "-noattr"), time.Time{}, Indeterminate, []string{"unsupported algorithm: ECDSA on brainpoolP256r1", "cannot be checked"}, Indeterminate},
		{"Ed25519", handSig{subFilter: cades, value: cmsOver(t, ed25519S, cmsSpec{hash: crypto.SHA512})}, time.Time{}, Valid, nil, Invalid},
		{"Ed25519 no signed attributes", handSig{subFilter: cades, value: cmsOver(t, ed25519S, cmsSpec{hash: crypto.SHA512, noAttrs: true})}, time.Time{}, Valid, nil, Invalid},
		{"Ed448", handSig{subFilter: cades, value: ed448k.pkeyutlCMS(t, dir, oidEd448, false)}, time.Time{}, Indeterminate, []string{"unsupported algorithm: Ed448 (signer's key): the digest of the signed content matches", unsupported}, Invalid},
		{"Ed448 no signed attributes", handSig{subFilter: cades, value: ed448k.pkeyutlCMS(t, dir, oidEd448, true)}, time.Time{}, Indeterminate, []string{"unsupported algorithm: Ed448", "cannot be checked"}, Indeterminate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := handSigned(t, basePDF(), tt.sig)
			opts := Options{Roots: root.pool}
			if !tt.at.IsZero() {
				opts.Now = func() time.Time { return tt.at }
			}
			for _, c := range []struct {
				pdf     []byte
				verdict string
				reasons []string
			}{{pdf, tt.verdict, tt.reasons}, {flip(t, pdf, "QUYET DINH"), tt.tampered, nil}} {
				r, err := Verify(context.Background(), c.pdf, opts)
				if err != nil {
					t.Fatal(err)
				}
				reasons := strings.Join(r.Reasons, "\n")
				if r.Verdict != c.verdict || len(r.Signatures) != 1 {
					t.Fatalf("verdict %s, want %s:\n%s", r.Verdict, c.verdict, reasons)
				}
				for _, want := range c.reasons {
					if !strings.Contains(reasons, want) {
						t.Errorf("reasons lack %q:\n%s", want, reasons)
					}
				}
				if c.verdict == Valid && strings.Contains(reasons, "algorithm") {
					t.Errorf("valid with an algorithm reason:\n%s", reasons)
				}
				if s := r.Signatures[0]; s.Signer == nil {
					t.Errorf("no signer in the report: %+v", s)
				}
			}
		})
	}
}

// opensslToken is an RFC 3161 token at time at over digest (SHA-256),
// signed by k with `openssl cms -sign -nodetach` (extra: -keyopt...;
// -md, SHA-256 by default).
func (k foreignKey) opensslToken(tb testing.TB, dir string, at time.Time, digest []byte, extra ...string) []byte {
	tb.Helper()
	var info tstInfoDER
	info.Version, info.Policy, info.SerialNumber, info.Time = 1, asn1.ObjectIdentifier{1, 2, 3}, big.NewInt(at.Unix()), at.UTC()
	info.MessageImprint.HashAlgorithm.Algorithm = testHashOIDs[crypto.SHA256]
	info.MessageImprint.HashAlgorithm.Parameters = asnNull
	info.MessageImprint.HashedMessage = digest
	in, err := os.CreateTemp(dir, "tstinfo")
	if err != nil {
		tb.Fatal(err)
	}
	in.Write(mustDER(tb, info))
	in.Close()
	args := []string{"cms", "-sign", "-nodetach", "-binary", "-econtent_type", oidTSTInfo.String(), "-in", in.Name(),
		"-signer", k.certFile, "-inkey", k.keyFile, "-outform", "DER", "-nosmimecap"}
	if !slices.Contains(extra, "-md") {
		args = append(args, "-md", "sha256")
	}
	args = append(args, extra...)
	return runOpenSSL(tb, args...)
}

// TestForeignTSAKeys: time-stamp tokens by authorities with the key
// types of TestForeignKeyTypes. A DSA or RSA-PSS-key token is checked
// (before: the signature was invalid, "the signature timestamp cannot
// be verified": pkcs7 checks neither) and dated by the sunset table; a
// token by a key this verifier cannot check (brainpool) is reported, not
// used — the signature is judged now (before: invalid, "x509:
// unsupported elliptic curve"); a document time-stamp by such a key is
// indeterminate, unsupported algorithm.
func TestForeignTSAKeys(t *testing.T) {
	needOpenSSL(t)
	dir := t.TempDir()
	root := makeCA(t, "Foreign TSA Root", elliptic.P256(), 30, nil)
	now := time.Now().UTC().Truncate(time.Second)
	from, until := now.AddDate(-2, 0, 0), now.AddDate(2, 0, 0)
	ts := []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
	mk := func(name string, args ...string) foreignKey {
		return root.foreignKeyFor(t, dir, name, from, until, ts, args...)
	}
	dsa3072, dsa1024 := mk("DSA-3072 TSA", "DSA", "3072"), mk("DSA-1024 TSA", "DSA", "1024")
	pss := mk("PSS TSA", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048")
	bp := mk("BP TSA", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-pkeyopt", "ec_param_enc:named_curve")
	person := func(cn string, notAfter time.Time) signer {
		k, c := root.leaf(t, cn, leafOpts{rsa: true, notBefore: from, notAfter: notAfter})
		return signer{k, c, nil}
	}
	expired, current := person("Expired", now.AddDate(0, 0, -30)), person("Current", until)
	at := now.AddDate(0, 0, -60)
	stamped := func(s signer, k foreignKey, extra ...string) handSig {
		return handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, s, cmsSpec{hash: crypto.SHA256, stamp: func(sig []byte) []byte {
			d := sha256.Sum256(sig)
			return k.opensslToken(t, dir, at, d[:], extra...)
		}})}
	}
	docStamp := func(k foreignKey) *handSig {
		return &handSig{subFilter: "ETSI.RFC3161", value: func(signed []byte) []byte {
			d := sha256.Sum256(signed)
			return k.opensslToken(t, dir, at, d[:])
		}}
	}
	const noPOE = "INDETERMINATE/OUT_OF_BOUNDS_NO_POE"
	tests := []struct {
		name    string
		sig     handSig
		doc     *handSig
		verdict string
		source  string
		reasons []string
		notUsed string
	}{
		{"DSA-3072 authority", stamped(expired, dsa3072), nil, Valid, "timestamp", nil, ""},
		{"DSA-1024 authority", stamped(expired, dsa1024), nil, Indeterminate, "current time", []string{noPOE}, "DSA-1024 (time-stamping authority's key)"},
		{"RSA-PSS key authority", stamped(expired, pss, "-keyopt", "rsa_pss_saltlen:32"), nil, Valid, "timestamp", nil, ""},
		{"brainpool authority, certificate expired since", stamped(expired, bp), nil, Indeterminate, "current time",
			[]string{noPOE, "the signature time-stamp is not used: the time-stamping authority's key (ECDSA on brainpoolP256r1) is not supported"}, "ECDSA on brainpoolP256r1"},
		{"brainpool authority, certificate valid now", stamped(current, bp), nil, Valid, "current time", nil, "ECDSA on brainpoolP256r1"},
		{"brainpool document time-stamp", handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, current, cmsSpec{hash: crypto.SHA256})}, docStamp(bp), Indeterminate, "current time",
			[]string{"unsupported algorithm: ECDSA on brainpoolP256r1 (time-stamping authority's key)", "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE)"}, ""},
		{"DSA-3072 document time-stamp", handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, expired, cmsSpec{hash: crypto.SHA256})}, docStamp(dsa3072), Valid, "document timestamp", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf, _ := judgeStamped(t, tt.sig, tt.doc, Options{Roots: root.pool}, tt.verdict, tt.source, tt.reasons, tt.notUsed)
			if r, err := Verify(context.Background(), flip(t, pdf, "QUYET DINH"), Options{Roots: root.pool}); err != nil || r.Verdict != Invalid {
				t.Errorf("changed after signing: %v, verdict %s", err, r.Verdict)
			}
		})
	}
}

// FuzzForeignKeys: what keytypes.go reads of a signature this verifier
// cannot otherwise parse — the SignedData without its certificates, the
// certificates' fields, the public key's algorithm and curve, an RSA key
// certified as id-RSASSA-PSS, a DSA signature value — never panics on
// any bytes, nor does what it reads of a time-stamp token by such a key.
// Seeds: a CMS and a token by a brainpool key (when OpenSSL is
// installed) and a CMS by a P-256 key.
func FuzzForeignKeys(f *testing.F) {
	root := makeCA(f, "Fuzz Root", elliptic.P256(), 10, nil)
	content := basePDF()
	k, c := root.leaf(f, "Fuzz Signer", leafOpts{})
	f.Add(testCMS(f, k, c, cmsSpec{hash: crypto.SHA256, certs: []*x509.Certificate{c}}, content))
	f.Add(c.RawSubjectPublicKeyInfo)
	if _, err := exec.LookPath("openssl"); err == nil {
		dir := f.TempDir()
		bp := root.newForeignKey(f, dir, "bp", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-pkeyopt", "ec_param_enc:named_curve")
		f.Add(bp.opensslCMS(f, dir, "-md", "sha256")(content))
		f.Add(bp.cert)
		f.Add(bp.opensslToken(f, dir, time.Now(), make([]byte, 32)))
		// OpenSSL's own SHA-3 and SHA-512/256 CMS and token by an RSA key
		// (checked here since they are; OpenSSL 3.0 signs no DSA or
		// ECDSA CMS with SHA-3: "unsupported signature algorithm")
		rs := root.newForeignKey(f, dir, "rsa", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
		f.Add(rs.opensslCMS(f, dir, "-md", "sha3-256")(content))
		f.Add(rs.opensslCMS(f, dir, "-md", "sha512-256", "-noattr")(content))
		f.Add(rs.opensslToken(f, dir, time.Now(), make([]byte, 32), "-md", "sha3-384"))
	}
	var params dsa.Parameters
	if err := dsa.GenerateParameters(&params, rand.Reader, dsa.L1024N160); err != nil {
		f.Fatal(err)
	}
	pub := &dsa.PublicKey{Parameters: params, Y: big.NewInt(2)}
	signed := &signedBytes{file: content, r: ByteRange{0, int64(len(content)), int64(len(content)), 0}}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := Signature{}
		s.unreadableSigner(b, signed)
		_ = keyName(b)
		_ = rdnString(b)
		_ = withPSSKey(&x509.Certificate{RawSubjectPublicKeyInfo: b})
		_ = unsupportedToken(b)
		_ = unsupportedTokenOf("fuzz", roleTSKey, b)
		if p7, _, ok := rawSignedData(b); ok {
			s.checkUnsupported(p7, signed, "fuzz", roleKey)
			_ = dsaIntact(p7, pub, signed.digest)
			if h, ok := digestHash(p7.Signers[0].DigestAlgorithm.Algorithm); ok {
				_ = intactDirect(p7, pub, h, signed.digest)
			}
		}
	})
}
