package web

import (
	"regexp"
	"strings"
)

// The archive's evidence check (archive/evidence.go, VerifyEvidence)
// writes its reasons and each time-stamp's problems in English, one
// sentence each, with times in RFC 3339 (UTC). evidenceVI says them in
// Vietnamese as reasonVI says the verifier's: pattern by pattern, times
// in Vietnam time, and what no pattern knows kept in English, marked as a
// technical detail. TestEvidenceReasonsTranslated reads evidence.go for
// every sentence it can write.

type viPattern struct {
	re  *regexp.Regexp
	out func(m []string) string
}

func pat(re string, out func(m []string) string) viPattern {
	return viPattern{re: regexp.MustCompile(re), out: out}
}

// evidencePatterns are the reasons of the report (VerifyEvidence,
// judgeStamp, judgeRevocation, judgeDocument), most specific first.
var evidencePatterns = []viPattern{
	pat(`^the record's (\d+) objects match their recorded SHA-256$`, func(m []string) string {
		return "Cả " + m[1] + " tệp dữ liệu của hồ sơ khớp mã băm SHA-256 đã ghi."
	}),
	pat("^no archive time-stamp: nothing proves when the record existed \\(run `vanthu archive renew`\\)$", func([]string) string {
		return "Hồ sơ chưa có dấu thời gian lưu trữ: chưa có gì chứng minh hồ sơ đã có từ lúc nào. Máy chủ tự cấp dấu thời gian cho hồ sơ mới trong lần gia hạn chứng cứ định kỳ " +
			"(mặc định mỗi ngày một lần); muốn cấp ngay, đề nghị quản trị hệ thống chạy lệnh `vanthu archive renew`."
	}),
	pat(`^the newest time-stamp \((\d+)\) stays verifiable until (\S+); checked at (\S+)$`, func(m []string) string {
		return "Dấu thời gian mới nhất (số " + m[1] + ") còn kiểm chứng được đến " + m[2] + "; kiểm tra lúc " + m[3] + "."
	}),
	pat(`^the evidence expired: the newest archive time-stamp \((\d+), made (\S+)\) has a TSA certificate that expired at (\S+) and was not renewed before then; checked at (\S+)$`,
		func(m []string) string {
			return "Chứng cứ đã hết hiệu lực: chứng thư của đơn vị cấp dấu thời gian lưu trữ mới nhất (số " + m[1] + ", cấp lúc " + m[2] +
				") hết hạn lúc " + m[3] + " mà dấu thời gian không được gia hạn trước đó; kiểm tra lúc " + m[4] + "."
		}),
	pat(`^time-stamp (\d+) \((\S+), by (.+)\): its TSA certificate is not trusted: (.*)$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + " (lúc " + m[2] + ", do " + dnVI(m[3]) + " cấp): chứng thư của đơn vị cấp dấu thời gian không được tin cậy: " + trustVI(m[4]) + "."
	}),
	pat(`^time-stamp (\d+) \((\S+), by (.+)\) covers time-stamp (\d+)'s token and the data hash; its TSA certificate chains to a trust anchor at that time and stays valid until (\S+)$`,
		func(m []string) string {
			return "Dấu thời gian số " + m[1] + " (lúc " + m[2] + ", do " + dnVI(m[3]) + " cấp) phủ dấu thời gian số " + m[4] +
				" và mã băm dữ liệu; chứng thư của đơn vị cấp dẫn đến chứng thư gốc tin cậy tại thời điểm đó và còn hiệu lực đến " + m[5] + "."
		}),
	pat(`^time-stamp (\d+) \((\S+), by (.+)\) covers (.+); its TSA certificate chains to a trust anchor at that time and stays valid until (\S+)$`,
		func(m []string) string {
			return "Dấu thời gian số " + m[1] + " (lúc " + m[2] + ", do " + dnVI(m[3]) + " cấp) phủ " + evidenceFragment(m[4]) +
				"; chứng thư của đơn vị cấp dẫn đến chứng thư gốc tin cậy tại thời điểm đó và còn hiệu lực đến " + m[5] + "."
		}),
	pat(`^time-stamp (\d+) was made while time-stamp (\d+)'s TSA certificate was still valid \(until (\S+)\)$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + " được cấp khi chứng thư của dấu thời gian số " + m[2] + " còn hiệu lực (đến " + m[3] + ")."
	}),
	pat(`^the chain is broken: time-stamp (\d+) was made at (\S+), after time-stamp (\d+)'s TSA certificate expired at (\S+)$`, func(m []string) string {
		return "Chuỗi chứng cứ bị đứt: dấu thời gian số " + m[1] + " được cấp lúc " + m[2] + ", sau khi chứng thư của dấu thời gian số " + m[3] + " hết hạn lúc " + m[4] + "."
	}),
	pat(`^(.+?) validated as of (\S+), (.+?): (\S+?)(?: \((.*)\))?$`, func(m []string) string {
		s := "Chữ ký số của " + m[1] + " được kiểm tra theo thời điểm " + m[2] + " (" + orDetail(validationSources, m[3]) + "): " + orDetail(verdictNames, m[4])
		if m[5] != "" {
			s += " (lý do: xem mục Tệp văn bản)"
		}
		return s + "."
	}),
	pat(`^time-stamp (\d+): the revocation status of its TSA certificate is kept at the next renewal$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + ": tình trạng thu hồi chứng thư của đơn vị cấp sẽ được lưu ở lần gia hạn sau."
	}),
	pat(`^time-stamp (\d+): no revocation data of its TSA certificate was kept \(none answered at the renewal\): not checked$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + ": không lưu được dữ liệu thu hồi của chứng thư đơn vị cấp (không nơi nào trả lời khi gia hạn): chưa kiểm tra."
	}),
	pat(`^time-stamp (\d+): revocation data of its TSA certificate is kept in (.+), not checked here$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + ": dữ liệu thu hồi của chứng thư đơn vị cấp được lưu trong " + m[2] + ", không kiểm tra ở đây."
	}),
	pat(`^time-stamp (\d+): the revocation data kept in (.+?) does not verify: (.*)$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + ": dữ liệu thu hồi lưu trong " + m[2] + " không kiểm tra được (chi tiết kỹ thuật: " + m[3] + ")."
	}),
	pat(`^time-stamp (\d+): its TSA certificate was not revoked when time-stamp (\d+) was made \((\S+) kept in (.+)\)$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + ": chứng thư của đơn vị cấp chưa bị thu hồi khi dấu thời gian số " + m[2] + " được cấp (" + m[3] + " lưu trong " + m[4] + ")."
	}),
	pat(`^time-stamp (\d+): its TSA certificate was revoked before time-stamp (\d+) was made \((\S+) kept in (.+)\): the time-stamp cannot be trusted$`,
		func(m []string) string {
			return "Dấu thời gian số " + m[1] + ": chứng thư của đơn vị cấp đã bị thu hồi trước khi dấu thời gian số " + m[2] + " được cấp (" + m[3] +
				" lưu trong " + m[4] + "): dấu thời gian không tin cậy được."
		}),
	pat(`^time-stamp (\d+): the revocation status of its TSA certificate is (\S+) \((\S+) kept in (.+)\)$`, func(m []string) string {
		return "Dấu thời gian số " + m[1] + ": tình trạng thu hồi chứng thư của đơn vị cấp: " + orDetail(revocationStatuses, m[2]) + " (" + m[3] + " lưu trong " + m[4] + ")."
	}),
}

// stampProblem is a time-stamp's problem as the report repeats it
// (judgeStamp), tried after evidencePatterns and before problemPatterns.
var stampProblem = regexp.MustCompile(`^time-stamp (\d+): (.*)$`)

// problemPatterns are the problems of a time-stamp (readChain, loadLink,
// checkManifest, loadRevocation, checkLinkToken, readObject) and the
// data objects that do not match (checkData).
var problemPatterns = []viPattern{
	pat(`^(.+) does not match its recorded SHA-256 (\S+) \((\S+) (\S*)\)$`, func(m []string) string {
		s := m[1] + " không khớp mã băm SHA-256 đã ghi " + m[2]
		switch m[3] {
		case "missing":
			return s + " (không còn trong kho lưu trữ)."
		case "mismatch", "read":
			return s + " (mã băm đọc được: " + m[4] + ")."
		}
		return s + " (chi tiết kỹ thuật: " + m[3] + " " + m[4] + ")."
	}),
	pat(`^(.+?) is not a manifest: (.*)$`, func(m []string) string {
		return m[1] + " không phải là bản kê chứng cứ (chi tiết kỹ thuật: " + m[2] + ")."
	}),
	pat(`^(.+?) is missing from the archive store$`, func(m []string) string { return m[1] + " không còn trong kho lưu trữ." }),
	pat(`^(.+?) is not recorded$`, func(m []string) string { return m[1] + " không có trong danh mục tệp của hồ sơ." }),
	pat(`^(.+?) names another record or place \((.*)\)$`, func(m []string) string {
		return m[1] + " ghi một hồ sơ hoặc vị trí khác (chi tiết kỹ thuật: " + m[2] + ")."
	}),
	pat(`^(.+?): its data hash does not match its object list$`, func(m []string) string {
		return m[1] + ": mã băm dữ liệu không khớp với danh sách tệp trong bản kê."
	}),
	pat(`^(.+?) covers (.+?) with SHA-256 (\S*), which is not the record's$`, func(m []string) string {
		return m[1] + " ghi " + m[2] + " với mã băm SHA-256 " + m[3] + ", không phải mã băm của hồ sơ."
	}),
	pat(`^(.+?) covers (.+?) with SHA-256 (\S*), which is not the recorded one$`, func(m []string) string {
		return m[1] + " ghi " + m[2] + " với mã băm SHA-256 " + m[3] + ", không phải mã băm đã ghi."
	}),
	pat(`^(.+?) does not cover (.+)$`, func(m []string) string { return m[1] + " không phủ tệp " + m[2] + " của hồ sơ." }),
	pat(`^(.+?) lists (\d+) earlier time-stamps, want (\d+)$`, func(m []string) string {
		return m[1] + " liệt kê " + m[2] + " dấu thời gian trước đó, đúng ra là " + m[3] + "."
	}),
	pat(`^(.+?) does not link to time-stamp (\d+) \(token SHA-256 (\S*), want (\S*)\)$`, func(m []string) string {
		return m[1] + " không liên kết đến dấu thời gian số " + m[2] + " (mã băm SHA-256 ghi là " + m[3] + ", đúng ra là " + m[4] + ")."
	}),
	pat(`^(.+?) names revocation data (.*) of time-stamp (-?\d+)$`, func(m []string) string {
		return m[1] + " ghi dữ liệu thu hồi " + m[2] + " của dấu thời gian số " + m[3] + ", không đúng chỗ của nó trong chuỗi."
	}),
	pat(`^(.+?): its message imprint is not the SHA-256 of (.+)$`, func(m []string) string {
		return m[1] + ": mã băm được đóng dấu không phải là mã băm SHA-256 của " + m[2] + "."
	}),
	pat(`^(.+?) gives time-stamp (\d+) another time than its token$`, func(m []string) string {
		return m[1] + " ghi thời điểm của dấu thời gian số " + m[2] + " khác với thời điểm trong chính dấu thời gian đó."
	}),
	pat(`^(\S+\.tst): (.*)$`, func(m []string) string { return m[1] + ": " + tokenErrVI(m[2]) + "." }),
}

// evidenceFragments are what a time-stamp covers (judgeStamp's what).
var evidenceFragments = []viPattern{
	pat(`^the record's data hash$`, func([]string) string { return "mã băm dữ liệu của hồ sơ" }),
	pat(`^the record's data hash, which includes (.+) \(SHA-256 (\w+)\)$`, func(m []string) string {
		return "mã băm dữ liệu của hồ sơ, gồm cả " + m[1] + " (SHA-256 " + m[2] + ")"
	}),
}

// validationSources are judgeDocument's sources of the time it validates
// the document's signatures at.
var validationSources = map[string]string{
	"the current time (no archive time-stamp)":                                 "thời điểm kiểm tra, vì hồ sơ chưa có dấu thời gian lưu trữ",
	"the time of archive time-stamp 0":                                         "thời điểm của dấu thời gian lưu trữ số 0",
	"the time of archive time-stamp 0, which the chain above no longer proves": "thời điểm của dấu thời gian lưu trữ số 0, mà chuỗi chứng cứ nêu trên không còn chứng minh được",
}

var revocationStatuses = map[string]string{"good": "chưa bị thu hồi", "revoked": "đã bị thu hồi", "unknown": "chưa xác định"}

// tokenErrors are parseToken's errors.
var tokenErrors = []viPattern{
	pat(`^not a valid time-stamp token: (.*)$`, func(m []string) string {
		return "không phải là dấu thời gian hợp lệ (chi tiết kỹ thuật: " + m[1] + ")"
	}),
	pat(`^the time-stamp token carries no TSA certificate$`, func([]string) string {
		return "dấu thời gian không kèm chứng thư của đơn vị cấp"
	}),
}

// trustErrors are why parseToken does not trust a TSA certificate: its
// own words, and the x509 package's most frequent ones.
var trustErrors = []viPattern{
	pat(`^no trust anchors are configured$`, func([]string) string { return "máy chủ chưa cấu hình chứng thư gốc tin cậy" }),
	pat(`^the TSA certificate is not for time-stamping \(RFC 3161 2\.3: .*\)$`, func([]string) string {
		return "chứng thư không dành riêng cho việc cấp dấu thời gian (RFC 3161 mục 2.3: đúng một mục đích sử dụng mở rộng, id-kp-timeStamping, đánh dấu quan trọng)"
	}),
	pat(`^x509: certificate signed by unknown authority`, func([]string) string {
		return "chứng thư không dẫn đến chứng thư gốc tin cậy nào"
	}),
	pat(`^x509: certificate has expired or is not yet valid: (.*)$`, func(m []string) string {
		return "chứng thư đã hết hạn hoặc chưa có hiệu lực tại thời điểm của dấu (chi tiết kỹ thuật: " + m[1] + ")"
	}),
}

// translate says s by the first of ps that matches, times in Vietnam
// time; false when none does.
func translate(ps []viPattern, s string) (string, bool) {
	for _, p := range ps {
		if m := p.re.FindStringSubmatch(s); m != nil {
			return vnTimes(p.out(m)), true
		}
	}
	return vnTimes(s) + " (chi tiết kỹ thuật)", false
}

// evidenceVI says one of the evidence check's reasons or a time-stamp's
// problems in Vietnamese; false when no pattern knows it.
func evidenceVI(r string) (string, bool) {
	if v, ok := translate(evidencePatterns, r); ok {
		return v, true
	}
	if m := stampProblem.FindStringSubmatch(r); m != nil {
		v, _ := translate(problemPatterns, m[2])
		return "Dấu thời gian số " + m[1] + ": " + strings.TrimSuffix(v, ".") + ".", true
	}
	return translate(problemPatterns, r)
}

func evidenceReasonVI(r string) string { s, _ := evidenceVI(r); return s }

func evidenceFragment(s string) string { v, _ := translate(evidenceFragments, s); return v }

func tokenErrVI(s string) string {
	v, ok := translate(tokenErrors, s)
	if !ok {
		return "không đọc được dấu thời gian (chi tiết kỹ thuật: " + vnTimes(s) + ")"
	}
	return v
}

func trustVI(s string) string {
	v, ok := translate(trustErrors, s)
	if !ok {
		return "chi tiết kỹ thuật: " + vnTimes(s)
	}
	return v
}

// orDetail is m's name for k, else k marked as a technical detail.
func orDetail(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k + " (chi tiết kỹ thuật)"
}
