package verify

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
)

// rootUpdate returns the final revision's catalog number and a copy of it.
func rootUpdate(tb testing.TB, pdf []byte) (int, dict, *state) {
	tb.Helper()
	f, err := parseFile(pdf)
	if err != nil {
		tb.Fatal(err)
	}
	st := f.states[0]
	r2 := dict{}
	for k, v := range st.root() {
		r2[k] = v
	}
	return st.trailer["Root"].(ref).Num, r2, st
}

// TestLaterChangesByRole: what the reachability rules allow and refuse
// besides the tamper cases of signing's TestTamperReachability.
func TestLaterChangesByRole(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	opts := Options{Roots: fx.ca.pool}

	// A DSS with a certificate stream, added by a later update: allowed.
	withDSS := func() []byte {
		rootNum, r2, _ := rootUpdate(t, fx.twoLayers)
		_, _, size := page(t, fx.twoLayers, 1)
		r2["DSS"] = ref{size, 0}
		return appendUpdate(t, fx.twoLayers, map[int]string{
			rootNum:  serialize(r2),
			size:     fmt.Sprintf("<< /Certs [%d 0 R] >>", size+1),
			size + 1: streamObj("", string(fx.ca.cert.Raw)),
		})
	}()
	// An empty, invisible signature field for a later signer: allowed.
	emptyField := func() []byte {
		rootNum, r2, st := rootUpdate(t, fx.twoLayers)
		pnum, pd, size := page(t, fx.twoLayers, 1)
		listField(st, r2, ref{size, 0})
		pd2 := dict{}
		for k, v := range pd {
			pd2[k] = v
		}
		pd2["Annots"] = append(append([]object{}, st.resolve(pd["Annots"]).([]object)...), ref{size, 0})
		return appendUpdate(t, fx.twoLayers, map[int]string{
			rootNum: serialize(r2),
			pnum:    serialize(pd2),
			size:    fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Pho Chu tich) /Rect [0 0 0 0] /F 2 /P %d 0 R >>", pnum),
		})
	}()
	// Default resources for form appearances (a /DR font), as Acrobat adds
	// when it signs: allowed; an existing page font rewritten: not.
	withDR := func() []byte {
		rootNum, r2, st := rootUpdate(t, fx.twoLayers)
		_, _, size := page(t, fx.twoLayers, 1)
		af2 := dict{}
		for k, v := range st.dictOf(r2["AcroForm"]) {
			af2[k] = v
		}
		af2["DR"] = dict{"Font": dict{"Helv": ref{size, 0}}}
		r2["AcroForm"] = af2
		return appendUpdate(t, fx.twoLayers, map[int]string{
			rootNum: serialize(r2),
			size:    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		})
	}()
	// Layer 2's number/date widget on page 1 moved by a later update.
	movedStamp := func() []byte {
		_, pd, _ := page(t, fx.twoLayers, 1)
		f, _ := parseFile(fx.twoLayers)
		st := f.states[0]
		an := st.resolve(pd["Annots"]).([]object)[0].(ref)
		d2 := dict{}
		for k, v := range st.dictOf(an) {
			d2[k] = v
		}
		d2["Rect"] = []object{int64(60), int64(400), int64(210), int64(420)}
		return appendUpdate(t, fx.twoLayers, map[int]string{an.Num: serialize(d2)})
	}()
	// A third signature by a key from a CA nobody trusts: it covers its own
	// widget, but cannot vouch for it to the earlier signers.
	ko, co := fx.other.leaf(t, "Người lạ", leafOpts{})
	untrusted := signApproval(t, fx.twoLayers, signer{ko, co, []*x509.Certificate{fx.other.cert}}, "Người lạ", 1, false)
	// A page's image claims to be an object stream or a cross-reference
	// stream: structure is decided by the update's own entries, not claims.
	objStmClaim := func() []byte {
		f, _ := parseFile(fx.twoLayers)
		st := f.states[0]
		font := st.dictOf(st.dictOf(st.dictOf(ref{mustPage(t, fx.twoLayers, 1), 0})["Resources"])["Font"])["F1"].(ref)
		return appendUpdate(t, fx.twoLayers, map[int]string{font.Num: streamObj("/Type /ObjStm /N 0 /First 0", "")})
	}()

	// A document information dictionary nothing names, as EU DSS writes
	// in its B-LT update: allowed; a dictionary nothing names that holds
	// anything but information text: not.
	_, _, size := page(t, fx.twoLayers, 1)
	orphanInfo := appendUpdate(t, fx.twoLayers, map[int]string{size: "<< /CreationDate (D:20240304142503+02'00') /Producer () /Trapped /False >>"})
	orphanOther := appendUpdate(t, fx.twoLayers, map[int]string{size: "<< /Producer (x) /JS (app.alert\\(1\\)) >>"})
	// A CMS signature that claims the PKCS#1 form /adbe.x509.rsa_sha1,
	// with no /Cert to check it with: indeterminate, never valid or
	// invalid (handsigned_test.go checks real ones).
	rsaSHA1 := string(signApproval(t, basePDF(), fx.officer, "Alice", 1, false))
	for _, f := range []string{"/adbe.pkcs7.detached", "/ETSI.CAdES.detached"} {
		rsaSHA1 = strings.Replace(rsaSHA1, "/SubFilter "+f, "/SubFilter /adbe.x509.rsa_sha1 ", 1)
	}

	tests := []struct {
		name    string
		pdf     []byte
		verdict string
		reason  string
		check   func(t *testing.T, r *Report)
	}{
		{"OK/document information nothing names", orphanInfo, Valid, "", nil},
		{"Invalid/other object nothing names", orphanOther, Invalid, "object added that nothing in the document uses", nil},
		{"Indeterminate/adbe.x509.rsa_sha1", []byte(rsaSHA1), Indeterminate, "(/Cert) of this /adbe.x509.rsa_sha1 signature cannot be read (there is none)", func(t *testing.T, r *Report) {
			if r.Signatures[0].SignatureValid || len(r.Reasons) != 1 {
				t.Errorf("signature valid %v, reasons %q", r.Signatures[0].SignatureValid, r.Reasons)
			}
		}},
		{"OK/DSS added", withDSS, Valid, "", func(t *testing.T, r *Report) {
			found := false
			for _, c := range r.Signatures[1].LaterChanges {
				found = found || c.Kind == KindDSS && c.Allowed
			}
			if !found {
				t.Errorf("no allowed DSS change: %+v", r.Signatures[1].LaterChanges)
			}
		}},
		{"OK/empty invisible signature field added", emptyField, Valid, "", nil},
		{"OK/form default resources added", withDR, Valid, "", nil},
		{"Indeterminate/existing annotation moved", movedStamp, Indeterminate, "annotations changed after signature: a /Widget annotation on page 1 present when the document was signed was changed", nil},
		{"Indeterminate/annotations added with an untrusted signature", untrusted, Indeterminate, "were added with signature 3, whose signer is not trusted", func(t *testing.T, r *Report) {
			for _, s := range r.Signatures[:2] {
				if len(s.Warnings) != 1 || !s.ChainTrusted || len(s.Errors) != 0 {
					t.Errorf("signature %d: warnings %q errors %q", s.Index+1, s.Warnings, s.Errors)
				}
			}
		}},
		{"Invalid/font claims to be an object stream", objStmClaim, Invalid, "page content was changed after signing: page resource (font, image, form XObject...) changed (it now claims to be /Type /ObjStm)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(ctx, tt.pdf, opts)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Reasons, "\n")
			if r.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) {
				t.Fatalf("verdict %s, want %s with %q:\n%s", r.Verdict, tt.verdict, tt.reason, reasons)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func mustPage(tb testing.TB, pdf []byte, n int) int {
	tb.Helper()
	num, _, _ := page(tb, pdf, n)
	return num
}

// TestLaterChangesBudget: past the work bound, the updates after a
// signature are not judged — indeterminate with the reason, never valid.
func TestLaterChangesBudget(t *testing.T) {
	fx := newFixture(t)
	lim := DefaultLimits
	lim.MaxRoleVisits = 40
	r, err := Verify(context.Background(), fx.twoLayers, Options{Roots: fx.ca.pool, Limits: &lim})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Indeterminate || !strings.Contains(strings.Join(r.Reasons, "\n"), "too large to analyse") {
		t.Fatalf("verdict %s: %v", r.Verdict, r.Reasons)
	}
}
