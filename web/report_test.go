package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func TestDecodeReport(t *testing.T) {
	v := &workflow.Verification{Verdict: workflow.VerdictInvalid, Reasons: []string{
		"Signature 1 (Trần Văn Quyết): valid; later updates only add signatures, annotations or form data.",
		"Signature 2 (UBND quận Bình Thủy): the signature is intact but its certificate is not trusted: unknown authority.",
		"Decree 30: the agency signature (layer 2) is missing: the document carries only the official's signature and was not issued.",
		"Something new.",
	}, Report: []byte(`{"verdict":"invalid","signatures":[
	 {"index":0,"name":"x","signing_time":"2026-11-25T02:00:00Z","signer":{"subject":"CN=Trần Văn Quyết,O=UBND,0.9.2342.19200300.100.1.1=u1,2.5.4.12=Chủ tịch","issuer":"CN=Root","serial":"01","not_before":"2026-01-01T00:00:00Z","not_after":"2029-01-01T00:00:00Z"},
	  "chain_trusted":true,"covers_whole_file":false,"byte_range":[0,10,20,30],"signature_valid":true,
	  "later_changes":[{"object":"3 0","kind":"page","allowed":true},{"object":"5 0","kind":"annotation","allowed":true},{"object":"9 0","kind":"content","allowed":false,"detail":"page content changed"}]},
	 {"index":1,"signer":{"subject":"CN=UBND quận Bình Thủy\\, TP Cần Thơ,UID=MST:1800123456"},"chain_trusted":false,"chain_error":"unknown authority","covers_whole_file":true,"signature_valid":true}]}`)}
	r := decodeReport(v)
	want := []string{
		"Chữ ký 1 (Trần Văn Quyết): hợp lệ; các cập nhật sau chữ ký chỉ thêm chữ ký, chú thích hoặc dữ liệu biểu mẫu.",
		"Chữ ký 2 (UBND quận Bình Thủy): chữ ký còn nguyên vẹn nhưng chứng thư số không được tin cậy (unknown authority).",
		"Nghị định 30: thiếu chữ ký số của cơ quan (lớp 2).",
		"Something new. (chi tiết kỹ thuật)",
	}
	for i, w := range want {
		if r.Reasons[i] != w {
			t.Errorf("reason %d = %q, want %q", i, r.Reasons[i], w)
		}
	}
	if len(r.Signatures) != 2 {
		t.Fatalf("%d signatures", len(r.Signatures))
	}
	s1, s2 := r.Signatures[0], r.Signatures[1]
	if s1.Who != "Trần Văn Quyết" || s1.Verdict != workflow.VerdictInvalid || s1.When != "09:00:00 25/11/2026" ||
		len(s1.Changes) != 2 || !strings.HasPrefix(s1.Changes[0], "2 đối tượng") || !strings.Contains(s1.Changes[1], "không được phép") {
		t.Errorf("signature 1: %+v", s1)
	}
	// Attribute types Go writes as dotted numbers (a report stored
	// before) are named as the report names them now (internal/dn).
	if s1.Subject != "CN=Trần Văn Quyết,O=UBND,UID=u1,T=Chủ tịch" {
		t.Errorf("signature 1's subject shown as %q", s1.Subject)
	}
	// An escaped comma is part of the name.
	if s2.Who != "UBND quận Bình Thủy, TP Cần Thơ" || s2.Subject != `CN=UBND quận Bình Thủy\, TP Cần Thơ,UID=MST:1800123456` {
		t.Errorf("signature 2: who %q, subject %q", s2.Who, s2.Subject)
	}
	if s2.Verdict != workflow.VerdictIndeterminate || s2.Covers != "Toàn bộ tệp" || !strings.Contains(s2.Chain, "không tin cậy") {
		t.Errorf("signature 2: %+v", s2)
	}
}

// TestDecodeReportDocTimeStamp: a document time-stamp (/SubFilter
// ETSI.RFC3161) is said to be one, in the reasons and the table, not
// "Chữ ký 3" of a time-stamping authority's name in the signer's column.
func TestDecodeReportDocTimeStamp(t *testing.T) {
	v := &workflow.Verification{Verdict: workflow.VerdictValid, Reasons: []string{
		"Signature 2 (UBND quận Bình Thủy): valid.",
		"Signature 3 (Vanthu Dev Time-Stamping Authority): valid.",
	}, Report: []byte(`{"verdict":"valid","signatures":[
	 {"index":1,"subfilter":"ETSI.CAdES.detached","name":"UBND","signer":{"subject":"CN=UBND quận Bình Thủy"},"chain_trusted":true,"covers_whole_file":false},
	 {"index":2,"subfilter":"ETSI.RFC3161","signer":{"subject":"CN=Vanthu Dev Time-Stamping Authority"},"chain_trusted":true,"covers_whole_file":true}]}`)}
	r := decodeReport(v)
	want := []string{
		"Chữ ký 2 (UBND quận Bình Thủy): hợp lệ.",
		"Dấu thời gian tài liệu, chữ ký 3 (Vanthu Dev Time-Stamping Authority): hợp lệ.",
	}
	for i, w := range want {
		if i >= len(r.Reasons) || r.Reasons[i] != w {
			t.Errorf("reason %d = %q, want %q", i, r.Reasons, w)
		}
	}
	if len(r.Signatures) != 2 || r.Signatures[0].Stamp || !r.Signatures[1].Stamp {
		t.Fatalf("signatures %+v: only the second is a document time-stamp", r.Signatures)
	}
	// No report (or not JSON): the reasons as before.
	if got := reasonsVI(&workflow.Verification{Reasons: v.Reasons}); got[1] != "Chữ ký 3 (Vanthu Dev Time-Stamping Authority): hợp lệ." {
		t.Errorf("without a report: %q", got[1])
	}
}

func TestParseFormDate(t *testing.T) {
	for in, want := range map[string]string{"20/11/2026": "2026-11-20", "2/1/2026": "2026-01-02", "2026-11-20": "2026-11-20", "": ""} {
		d, err := parseFormDate("x", in)
		got := ""
		if d != nil {
			got = d.String()
		}
		if err != nil || got != want {
			t.Errorf("parseFormDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"31/02/2026", "11/20/2026x", "hôm nay", "2026/11/20"} {
		if _, err := parseFormDate("x", bad); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("parseFormDate(%q): %v", bad, err)
		}
	}
}

// TestWrongMethodIsVietnamese: a method a page does not take gets the
// Vietnamese error page (405, with Allow: methods.go), never the mux's
// plain-text answer.
func TestWrongMethodIsVietnamese(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("vanthu")
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		req, _ := http.NewRequest(m, e.srv.URL+"/registers", nil)
		p := c.do(req)
		if p.Status != http.StatusMethodNotAllowed || !strings.Contains(p.Body, `<html lang="vi">`) || !strings.Contains(p.Body, problems[EMETHOD].Title) {
			t.Errorf("%s /registers: %d %.80q", m, p.Status, p.Body)
		}
	}
}

// validReasonEN is how the verifier (signing/verify) words a valid,
// time-stamped signature with embedded revocation data; validReasonVI is
// how the pages show it.
const (
	validReasonEN = "Signature 1 (Trần Văn Quyết): valid; later updates only add signatures, annotations or form data; judged at 2026-12-06T00:13:34Z (timestamp); certificate not revoked then (embedded ocsp)."
	validReasonVI = "Chữ ký 1 (Trần Văn Quyết): hợp lệ; các cập nhật sau chữ ký chỉ thêm chữ ký, chú thích hoặc dữ liệu biểu mẫu; xét tại thời điểm 07:13:34 06/12/2026 (theo dấu thời gian của chữ ký); khi đó chứng thư số chưa bị thu hồi (OCSP lưu kèm trong tệp)."
)

// TestReasonVI: the verifier's reasons as it writes them today (a valid
// signature judged at its time-stamp, a tampered file, a revoked or
// expired certificate, a document time-stamp named by its subject) come
// out in Vietnamese, times in Vietnam time, and an unknown clause alone
// stays as a technical detail.
func TestReasonVI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{validReasonEN, validReasonVI},
		{"Signature 2 (UBND quận Bình Thủy): valid; later updates only add signatures, annotations or form data; judged at 2026-12-06T00:13:34Z (current time); certificate not revoked then (fetched crl).",
			"Chữ ký 2 (UBND quận Bình Thủy): hợp lệ; các cập nhật sau chữ ký chỉ thêm chữ ký, chú thích hoặc dữ liệu biểu mẫu; xét tại thời điểm 07:13:34 06/12/2026 (thời điểm kiểm tra, vì chữ ký không có dấu thời gian tin cậy); khi đó chứng thư số chưa bị thu hồi (CRL tra cứu trực tuyến)."},
		{"Signature 3 (CN=UBND quận Bình Thủy Time-Stamping Authority,O=UBND quận Bình Thủy): valid.",
			"Chữ ký 3 (UBND quận Bình Thủy Time-Stamping Authority): hợp lệ."},
		{"Signature 1 (Trần Văn Quyết): the message digest does not match the signed byte ranges (the signed revision was modified).",
			"Chữ ký 1 (Trần Văn Quyết): nội dung đã bị sửa sau khi ký (giá trị băm không khớp với phần được ký)."},
		{"Signature 1 (Trần Văn Quyết): certificate revoked at 2026-12-01T03:00:00Z, reason keyCompromise, at or before the validation time 2026-12-06T00:13:34Z (timestamp; revocation data fetched, ocsp).",
			"Chữ ký 1 (Trần Văn Quyết): chứng thư số đã bị thu hồi lúc 10:00:00 01/12/2026 (lý do: keyCompromise), trước thời điểm xét 07:13:34 06/12/2026 (theo dấu thời gian của chữ ký)."},
		{"Signature 1 (A): certificate expired: it was valid until 2026-01-01T00:00:00Z, the validation time is 2026-12-06T00:13:34Z (current time; the signature claims it was made at 2025-12-01T00:00:00Z, but without a trusted timestamp that claim is not evidence).",
			"Chữ ký 1 (A): chứng thư số đã hết hạn: có hiệu lực đến 07:00:00 01/01/2026, thời điểm xét là 07:13:34 06/12/2026 (thời điểm kiểm tra, vì chữ ký không có dấu thời gian tin cậy)."},
		{"Signature 1 (A): certificate expired: it was valid until 2026-11-06T00:00:00Z, the validation time is 2026-12-06T00:13:34Z (current time); nothing proves the signature was made while the certificate was valid (no trusted timestamp; the signature time-stamp of 2026-10-06T00:00:00Z is not used: its own algorithm SHA-1 (time-stamp imprint) is retired on 2009-01-01 (ETSI TS 102 176-1 V2.0.0) and no later trusted time-stamp proves the token existed before then, so it is no proof of existence (ETSI EN 319 102-1 5.2.8, 5.6.2)), so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/OUT_OF_BOUNDS_NO_POE).",
			"Chữ ký 1 (A): chứng thư số đã hết hạn: có hiệu lực đến 07:00:00 06/11/2026, thời điểm xét là 07:13:34 06/12/2026 (thời điểm kiểm tra, vì chữ ký không có dấu thời gian tin cậy); không có bằng chứng chữ ký được tạo khi chứng thư số còn hiệu lực (dấu thời gian có trong tệp dùng thuật toán mật mã đã bị ngừng chấp nhận nên không được dùng làm bằng chứng về thời điểm ký): chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: OUT_OF_BOUNDS_NO_POE)."},
		{"Signature 1 (CN=Ed448,O=UBND Quận 1): unsupported algorithm: Ed448 (signer's key): the digest of the signed content matches, but the signature value cannot be checked by this verifier, so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE).",
			"Chữ ký 1 (Ed448): thuật toán mật mã không được hỗ trợ: Ed448 (khóa của người ký), nội dung được ký không bị sửa (giá trị băm khớp) nhưng phần mềm không kiểm tra được giá trị chữ ký: chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: CRYPTO_CONSTRAINTS_FAILURE)."},
		{"Signature 1 (CN=BP,O=UBND Quận 1): unsupported algorithm: ECDSA on brainpoolP256r1 (signer's key): the signature cannot be checked by this verifier (it has no signed attributes, so not even the digest of the signed content), so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE).",
			"Chữ ký 1 (BP): thuật toán mật mã không được hỗ trợ: ECDSA on brainpoolP256r1 (khóa của người ký), phần mềm không kiểm tra được giá trị chữ ký: chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: CRYPTO_CONSTRAINTS_FAILURE)."},
		{"Signature 2 (A): the document time-stamp cannot be read (asn1: structure error), so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/FORMAT_FAILURE).",
			"Chữ ký 2 (A): chữ ký hoặc dấu thời gian không đúng định dạng chuẩn nên phần mềm không kiểm tra được (chi tiết kỹ thuật: the document time-stamp cannot be read (asn1: structure error)): chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: FORMAT_FAILURE)."},
		{"Signature 1 (A): the signature value is not a valid CMS/PKCS#7 structure (asn1: syntax error), so the signature cannot be checked: it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/FORMAT_FAILURE).",
			"Chữ ký 1 (A): chữ ký hoặc dấu thời gian không đúng định dạng chuẩn nên phần mềm không kiểm tra được (chi tiết kỹ thuật: the signature value is not a valid CMS/PKCS#7 structure (asn1: syntax error), so the signature cannot be checked): chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: FORMAT_FAILURE)."},
		{"Signature 1 (UBND (cũ)): valid; something new at 2026-12-06T00:13:34Z.",
			"Chữ ký 1 (UBND (cũ)): hợp lệ; something new at 07:13:34 06/12/2026 (chi tiết kỹ thuật)."},
		{"The document has no digital signature.", "Văn bản không có chữ ký số."},
		{"Signature 3 (TSA): the document timestamp cannot be verified: crypto/rsa: verification error.",
			"Chữ ký 3 (TSA): không kiểm tra được dấu thời gian của văn bản (dấu thời gian tài liệu) (chi tiết kỹ thuật: crypto/rsa: verification error)."},
		{"Signature 1 (A): the signature timestamp cannot be verified: crypto/rsa: verification error.",
			"Chữ ký 1 (A): không kiểm tra được dấu thời gian của chữ ký (chi tiết kỹ thuật: crypto/rsa: verification error)."},
		{"Signature 1 (CN=Signer,O=UBND Quận 1): weak algorithm: SHA-512/224 (message digest) retired on 2026-01-01 (ETSI TS 119 312 V1.4.2, SOG-IS ACM V1.2, SHA-224's date), no trusted time-stamp with accepted algorithms proves the signature existed before then: it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE).",
			"Chữ ký 1 (Signer): thuật toán mật mã yếu: SHA-512/224 (hàm băm của nội dung được ký) bị ngừng chấp nhận từ ngày 01/01/2026 (ETSI TS 119 312 V1.4.2, SOG-IS ACM V1.2, SHA-224's date), không có dấu thời gian tin cậy (với thuật toán còn được chấp nhận) chứng minh chữ ký đã có trước ngày đó: chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: CRYPTO_CONSTRAINTS_FAILURE_NO_POE)."},
		{"Signature 1 (CN=Signer,O=UBND Quận 1): weak algorithm: SHA-1 (message digest) retired on 2009-01-01 (ETSI TS 102 176-1 V2.0.0), no trusted time-stamp with accepted algorithms proves the signature existed before then: it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE).",
			"Chữ ký 1 (Signer): thuật toán mật mã yếu: SHA-1 (hàm băm của nội dung được ký) bị ngừng chấp nhận từ ngày 01/01/2009 (ETSI TS 102 176-1 V2.0.0), không có dấu thời gian tin cậy (với thuật toán còn được chấp nhận) chứng minh chữ ký đã có trước ngày đó: chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: CRYPTO_CONSTRAINTS_FAILURE_NO_POE)."},
		{"Signature 1 (A): weak algorithm: SHA-1 (message digest) retired on 2009-01-01 (ETSI TS 102 176-1 V2.0.0), the earliest trusted time-stamp with accepted algorithms over the signature is of 2026-12-05T02:00:00Z: it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE).",
			"Chữ ký 1 (A): thuật toán mật mã yếu: SHA-1 (hàm băm của nội dung được ký) bị ngừng chấp nhận từ ngày 01/01/2009 (ETSI TS 102 176-1 V2.0.0), dấu thời gian tin cậy (với thuật toán còn được chấp nhận) sớm nhất của chữ ký là lúc 09:00:00 05/12/2026, đã muộn: chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: CRYPTO_CONSTRAINTS_FAILURE)."},
		{"Signature 1 (A): weak algorithm: RSA-768 (signer's key) never accepted (EU DSS MiniPublicKeySize RSA 1024), no time-stamp can make up for it: it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE).",
			"Chữ ký 1 (A): thuật toán mật mã yếu: RSA-768 (khóa của người ký) không bao giờ được chấp nhận (EU DSS MiniPublicKeySize RSA 1024), không dấu thời gian nào bù lại được: chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: CRYPTO_CONSTRAINTS_FAILURE)."},
		{"Signature 1 (A): valid; SHA-1 (message digest) retired on 2009-01-01 (ETSI TS 102 176-1 V2.0.0) is accepted: a trusted time-stamp of 2008-06-01T00:00:00Z proves the signature existed before then.",
			"Chữ ký 1 (A): hợp lệ; SHA-1 (hàm băm của nội dung được ký) bị ngừng chấp nhận từ ngày 01/01/2009 (ETSI TS 102 176-1 V2.0.0) vẫn được chấp nhận: dấu thời gian tin cậy lúc 07:00:00 01/06/2008 chứng minh chữ ký đã có trước ngày đó."},
	} {
		if got := reasonVI(c.in); got != c.want {
			t.Errorf("reasonVI(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
