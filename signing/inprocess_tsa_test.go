package signing

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// TestSignatureTimestampsInProcess: with Config.TSA (the development
// PKI's built-in TSA) both layers' signature time-stamps and the document
// time-stamp are asked in process — no query reaches the TSA's HTTP
// listener — and both layers still carry a trusted signature time-stamp
// (PAdES B-T) in a valid B-LTA document. (Before, each layer's
// time-stamp was a POST to the loopback listener: 2 queries.)
func TestSignatureTimestampsInProcess(t *testing.T) {
	d := newDevServer(t)
	out := d.issue(t, d.officerSigned(t, 0), 1)
	if n := d.tsaPosts.Load(); n != 0 {
		t.Errorf("%d time-stamp queries went over HTTP, want 0 (in process)", n)
	}
	rep, err := verify.Verify(context.Background(), out, verify.Options{Roots: d.pki.RootPool()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Valid || len(rep.Signatures) != 3 {
		js, _ := json.MarshalIndent(rep, "", " ")
		t.Fatalf("verdict %s, %d signatures, want valid with 3:\n%s", rep.Verdict, len(rep.Signatures), js)
	}
	for _, s := range rep.Signatures[:2] {
		if s.Timestamp == nil || !s.Timestamp.Trusted || s.ValidationTimeSource != "timestamp" {
			t.Errorf("signature %d (%s): timestamp %+v, judged at %s; want a trusted signature time-stamp", s.Index+1, s.Name, s.Timestamp, s.ValidationTimeSource)
		}
	}
}

// TestReuseAfterRevocation: verifying reuses the chain and remembers what
// each OCSP response said (signing/verify's reuse), yet a certificate
// revoked after a verification that found it good is revoked at the next
// one: the responder's new answer is other bytes, judged afresh. (With
// what a response says remembered by certificate and issuer alone, the
// second verification still said valid.)
func TestReuseAfterRevocation(t *testing.T) {
	ctx := context.Background()
	d := newDevServer(t)
	k, err := d.pki.Officer("u-revoked", "Trần Thị Thu Hồi", "Phó Chủ tịch")
	if err != nil {
		t.Fatal(err)
	}
	// No time-stamp: judged at the current time, so the status is asked.
	signed, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: k, Name: "Trần Thị Thu Hồi"})
	if err != nil {
		t.Fatal(err)
	}
	opts := verify.Options{Roots: d.pki.RootPool(), Fetcher: d.auth.Fetcher(nil)}
	for i, want := range []string{verify.Valid, verify.Valid, verify.Invalid} {
		if i == 2 {
			if _, err := d.auth.Revoke(ctx, nil, pki.RevokeRequest{Serial: pki.SerialHex(k.Chain[0].SerialNumber), Reason: workflow.ReasonKeyCompromise}); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := verify.Verify(ctx, signed, opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != want {
			t.Fatalf("verification %d: %s %v, want %s", i+1, rep.Verdict, rep.Reasons, want)
		}
	}
}

// TestLTVKnownSignatures: layer 2 hands the DSS the signatures it knows
// (layer 1's, read before signing, and its own) instead of reading them
// from the file again; the DSS update is the same, byte for byte, as the
// one made by reading them from the file.
func TestLTVKnownSignatures(t *testing.T) {
	ctx := context.Background()
	d := newDevServer(t)
	agency, err := d.pki.Agency()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signAgency(ctx, d.officerSigned(t, 0), AgencyLayer{Key: agency, AgencyName: d.pki.AgencyName(), Notation: "16/QĐ-UBND", TSAURL: d.tsa, TSA: d.auth})
	if err != nil {
		t.Fatal(err)
	}
	if len(signed.sigs) != 2 {
		t.Fatalf("layer 2 knows %d signatures, want 2", len(signed.sigs))
	}
	all := append(signed.doc[:len(signed.doc):len(signed.doc)], signed.update)
	var tails [2]bytes.Buffer
	var vri [2][]string
	for i, known := range [][][]byte{nil, signed.sigs} {
		res, err := AppendLTV(ctx, all, all.size(), &tails[i], LTV{Fetcher: d.auth.Fetcher(nil), Anchors: agency.Chain, sigs: known})
		if err != nil {
			t.Fatal(err)
		}
		vri[i] = res.VRI
	}
	if !bytes.Equal(tails[0].Bytes(), tails[1].Bytes()) {
		t.Errorf("the DSS update differs: read from the file %d bytes (VRI %v), known %d bytes (VRI %v)", tails[0].Len(), vri[0], tails[1].Len(), vri[1])
	}
}
