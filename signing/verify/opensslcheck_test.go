package verify

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A second opinion from a verifier nobody here wrote: `openssl cms
// -verify` (OpenSSL 3) on the CMS of a signature, over the bytes it
// signs, and on the CMS of its time-stamp token. -noverify: only the
// signature values and digests are compared, not the chains (some
// certificates of these tests have expired on purpose, and OpenSSL
// wants a TSA's extended key usage critical, which Go does not write).

// opensslVerdict is what `openssl cms -verify` says of the CMS der
// (content: the detached content, nil when it is encapsulated): "ok",
// or "fail: " and OpenSSL's first line of error.
func opensslVerdict(tb testing.TB, der, content []byte) string {
	tb.Helper()
	dir := tb.TempDir()
	in := filepath.Join(dir, "cms.der")
	if err := os.WriteFile(in, der, 0o600); err != nil {
		tb.Fatal(err)
	}
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", in, "-noverify", "-out", os.DevNull}
	if content != nil {
		c := filepath.Join(dir, "content")
		if err := os.WriteFile(c, content, 0o600); err != nil {
			tb.Fatal(err)
		}
		args = append(args, "-content", c)
	}
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err == nil {
		return "ok"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return "fail: " + first
}

// rangedCMS is the CMS (DER) in /Contents of the signature whose
// byte range is br, in pdf, and the bytes that byte range covers.
func rangedCMS(tb testing.TB, pdf []byte, br []int64) (der, signed []byte) {
	tb.Helper()
	if len(br) != 4 || br[0]+br[1]+1 > br[2]-1 || br[2]+br[3] > int64(len(pdf)) {
		tb.Fatalf("byte range %v", br)
	}
	raw, err := hex.DecodeString(string(bytes.TrimSpace(pdf[br[0]+br[1]+1 : br[2]-1])))
	if err != nil {
		tb.Fatal(err)
	}
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	signed = append(bytes.Clone(pdf[br[0]:br[0]+br[1]]), pdf[br[2]:br[2]+br[3]]...)
	return v.FullBytes, signed
}

// signatureToken is the RFC 3161 token among the unsigned attributes of
// the CMS der, or nil.
func signatureToken(tb testing.TB, der []byte) []byte {
	tb.Helper()
	p7, err := ParseCMS(der)
	if err != nil || len(p7.Signers) != 1 {
		return nil
	}
	for _, a := range p7.Signers[0].UnauthenticatedAttributes {
		if a.Type.Equal(oidTimeStampToken) {
			return a.Value.Bytes
		}
	}
	return nil
}

// opensslOpinion is OpenSSL's verdict on the signature of pdf with the
// byte range br: on its CMS over the signed bytes (a document
// time-stamp's token carries its content), and on its signature
// time-stamp token ("" when there is none).
func opensslOpinion(tb testing.TB, pdf []byte, br []int64, subFilter string) (sig, token string) {
	tb.Helper()
	der, signed := rangedCMS(tb, pdf, br)
	if subFilter == "ETSI.RFC3161" {
		return opensslVerdict(tb, der, nil), ""
	}
	sig = opensslVerdict(tb, der, signed)
	if tok := signatureToken(tb, der); tok != nil {
		token = opensslVerdict(tb, tok, nil)
	}
	return sig, token
}

// crossCheck compares OpenSSL's opinion of signature s of pdf with our
// verdict: a signature we call valid must verify for OpenSSL, one we
// call invalid (changed after signing, or a value that fails) must not,
// and a signature time-stamp we use (source "timestamp") must verify
// too. What OpenSSL says of the rest (indeterminate) is logged. differs,
// when set, says why OpenSSL disagrees with us on the intact signature:
// then it must (a change in OpenSSL shows up here).
func crossCheck(t *testing.T, pdf []byte, s Signature, changed bool, differs string) {
	t.Helper()
	sig, token := opensslOpinion(t, pdf, s.ByteRange, s.SubFilter)
	state := "intact"
	if changed {
		state = "changed"
	}
	t.Logf("%s: ours %s (%s); openssl cms -verify: signature %s, token %q", state, s.verdict, s.ValidationTimeSource, sig, token)
	docStamp := s.SubFilter == "ETSI.RFC3161"
	var disagree string
	switch {
	case s.verdict == Valid && sig != "ok":
		disagree = "we say valid, OpenSSL: " + sig
	case s.verdict == Invalid && sig == "ok" && !(docStamp && changed):
		// (a document time-stamp's token does not cover the file for
		// OpenSSL: its imprint is ours to compare)
		disagree = "we say invalid, OpenSSL verifies it"
	case !docStamp && s.ValidationTimeSource == "timestamp" && token != "ok":
		disagree = "we use the signature time-stamp, OpenSSL: " + token
	}
	switch {
	case differs != "" && !changed && disagree == "":
		t.Errorf("%s: OpenSSL was expected to disagree (%s), and does not", state, differs)
	case differs != "" && !changed:
		t.Logf("%s: known disagreement: %s (%s)", state, disagree, differs)
	case disagree != "":
		t.Errorf("%s: %s", state, disagree)
	}
}
