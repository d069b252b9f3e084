package web

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/workflow"
)

// The verifier (signing/verify) writes its reasons in English, one
// sentence each: "Signature N (name): clause; clause; ….", or a sentence
// about the whole file. reasonVI says them in Vietnamese, clause by
// clause, with every time in Vietnam time (dd/mm/yyyy); a clause no
// pattern knows is kept as a technical detail, marked as such, so a new
// wording of the verifier shows up as English in one clause only.

// sentencePatterns are the reasons about the whole file.
var sentencePatterns = []struct {
	re  *regexp.Regexp
	out string
}{
	{regexp.MustCompile(`^The document has no digital signature\.$`), "Văn bản không có chữ ký số."},
	{regexp.MustCompile(`^Its cross-reference data is damaged \((.*)\); the objects were recovered by scanning\.$`),
		"Bảng tham chiếu chéo của tệp bị hỏng; các đối tượng được đọc lại bằng cách quét tệp (chi tiết kỹ thuật: $1)."},
	{regexp.MustCompile(`^The document cannot be validated: (.*)\.$`), "Không kiểm tra được văn bản (chi tiết kỹ thuật: $1)."},
	{regexp.MustCompile(`^Decree 30: the official's signature \(layer 1\) is missing.*$`), "Nghị định 30: thiếu chữ ký của người có thẩm quyền (lớp 1)."},
	{regexp.MustCompile(`^Decree 30: the agency signature \(layer 2\) is missing.*$`), "Nghị định 30: thiếu chữ ký số của cơ quan (lớp 2)."},
	{regexp.MustCompile(`^Decree 30: an issued document carries two signatures.*$`), "Nghị định 30: văn bản phát hành phải có hai chữ ký số (người có thẩm quyền, rồi cơ quan); văn bản này không có."},
	{regexp.MustCompile(`^Decree 30: layers in the wrong order.*$`), "Nghị định 30: sai thứ tự chữ ký: chữ ký của cơ quan (lớp 2) phải ở sau chữ ký của người có thẩm quyền (lớp 1)."},
	{regexp.MustCompile(`^Decree 30: the agency signed (\d+) times.*$`), "Nghị định 30: cơ quan ký $1 lần; chữ ký của cơ quan (lớp 2) chỉ có một."},
}

// signatureReason is a reason about one signature.
var signatureReason = regexp.MustCompile(`^Signature (\d+)(?: \((.*?)\))?: (.*?)\.?$`)

// timeSources are the verifier's validation_time_source values.
var timeSources = map[string]string{
	"timestamp":          "theo dấu thời gian của chữ ký",
	"document timestamp": "theo dấu thời gian của tài liệu",
	"current time":       "thời điểm kiểm tra, vì chữ ký không có dấu thời gian tin cậy",
}

var revocationSources = map[string]string{"embedded": "lưu kèm trong tệp", "fetched": "tra cứu trực tuyến"}

// algorithmRoles are what the verifier's cryptographic constraints
// (signing/verify/cryptopolicy.go) say a retired algorithm was used for.
var algorithmRoles = map[string]string{
	"message digest":                 "hàm băm của nội dung được ký",
	"signature algorithm":            "thuật toán chữ ký",
	"signer's key":                   "khóa của người ký",
	"document digest":                "hàm băm của tài liệu",
	"time-stamp imprint":             "hàm băm trong dấu thời gian",
	"time-stamp digest":              "hàm băm của dấu thời gian",
	"time-stamp signature algorithm": "thuật toán chữ ký của dấu thời gian",
	"time-stamping authority's key":  "khóa của đơn vị cấp dấu thời gian",
}

var earliestProof = regexp.MustCompile(`^the earliest trusted time-stamp with accepted algorithms over the signature is of (\S+)$`)

// retiredProof says in Vietnamese what the verifier found as proof that
// a signature existed before its algorithm's sunset.
func retiredProof(en string) string {
	if m := earliestProof.FindStringSubmatch(en); m != nil {
		return "dấu thời gian tin cậy (với thuật toán còn được chấp nhận) sớm nhất của chữ ký là lúc " + m[1] + ", đã muộn"
	}
	switch en {
	case "no trusted time-stamp with accepted algorithms proves the signature existed before then":
		return "không có dấu thời gian tin cậy (với thuật toán còn được chấp nhận) chứng minh chữ ký đã có trước ngày đó"
	case "no time-stamp can make up for it":
		return "không dấu thời gian nào bù lại được"
	}
	return en + " (chi tiết kỹ thuật)"
}

// clausePatterns are the clauses of a reason about one signature; out
// gets the submatches (times already in Vietnam time).
var clausePatterns = []struct {
	re  *regexp.Regexp
	out func(m []string) string
}{
	{regexp.MustCompile(`^valid$`), func([]string) string { return "hợp lệ" }},
	{regexp.MustCompile(`^later updates only add signatures, annotations or form data$`),
		func([]string) string {
			return "các cập nhật sau chữ ký chỉ thêm chữ ký, chú thích hoặc dữ liệu biểu mẫu"
		}},
	{regexp.MustCompile(`^judged at (\S+) \((timestamp|document timestamp|current time)\)$`),
		func(m []string) string { return "xét tại thời điểm " + m[1] + " (" + timeSources[m[2]] + ")" }},
	{regexp.MustCompile(`^certificate not revoked then \((embedded|fetched) (ocsp|crl)\)$`),
		func(m []string) string {
			return "khi đó chứng thư số chưa bị thu hồi (" + strings.ToUpper(m[2]) + " " + revocationSources[m[1]] + ")"
		}},
	{regexp.MustCompile(`^it was revoked later, at (.*)$`), func(m []string) string { return "chứng thư số bị thu hồi sau đó, lúc " + m[1] }},
	{regexp.MustCompile(`^the signature is intact but its certificate is not trusted: (.*)$`),
		func(m []string) string {
			return "chữ ký còn nguyên vẹn nhưng chứng thư số không được tin cậy (" + m[1] + ")"
		}},
	{regexp.MustCompile(`^its certificate is not trusted: (.*)$`), func(m []string) string { return "chứng thư số không được tin cậy (" + m[1] + ")" }},
	{regexp.MustCompile(`^the (?:message|document) digest does not match the signed byte ranges \(the signed revision was modified\)$`),
		func([]string) string {
			return "nội dung đã bị sửa sau khi ký (giá trị băm không khớp với phần được ký)"
		}},
	{regexp.MustCompile(`^the document timestamp does not match the signed byte ranges \(the signed revision was modified\)$`),
		func([]string) string {
			return "nội dung đã bị sửa sau khi đóng dấu thời gian (giá trị băm không khớp)"
		}},
	{regexp.MustCompile(`^a forbidden change was made after signing: (.*)$`),
		func(m []string) string {
			return "có thay đổi không được phép sau khi ký (chi tiết kỹ thuật: " + m[1] + ")"
		}},
	{regexp.MustCompile(`^certificate revoked at ([^,]*)(?:, reason ([^,]*))?, at or before the validation time (\S+) \((timestamp|document timestamp|current time);.*\)$`),
		func(m []string) string {
			out := "chứng thư số đã bị thu hồi lúc " + m[1]
			if m[2] != "" {
				out += " (lý do: " + m[2] + ")"
			}
			return out + ", trước thời điểm xét " + m[3] + " (" + timeSources[m[4]] + ")"
		}},
	{regexp.MustCompile(`^certificate expired: it was valid until (\S+), the validation time is (\S+) \((timestamp|document timestamp|current time).*\)$`),
		func(m []string) string {
			return "chứng thư số đã hết hạn: có hiệu lực đến " + m[1] + ", thời điểm xét là " + m[2] + " (" + timeSources[m[3]] + ")"
		}},
	{regexp.MustCompile(`^nothing proves the signature was made while the certificate was valid \((.*)\), so it can be neither accepted nor rejected(?: \(ETSI EN 319 102-1 INDETERMINATE/(\w+)\))?$`),
		func(m []string) string {
			out := "không có bằng chứng chữ ký được tạo khi chứng thư số còn hiệu lực"
			if strings.Contains(m[1], "is not used: its own algorithm") {
				out += " (dấu thời gian có trong tệp dùng thuật toán mật mã đã bị ngừng chấp nhận nên không được dùng làm bằng chứng về thời điểm ký)"
			}
			if strings.Contains(m[1], "is not used: the time-stamping authority's certificate was revoked") {
				out += " (chứng thư số của đơn vị cấp dấu thời gian đã bị thu hồi nên dấu thời gian không được dùng làm bằng chứng về thời điểm ký)"
			}
			out += ": chưa thể kết luận chữ ký hợp lệ hay không"
			if m[2] != "" {
				out += " (ETSI EN 319 102-1: " + m[2] + ")"
			}
			return out
		}},
	{regexp.MustCompile(`^certificate not yet valid: it is valid from (\S+), the validation time is (\S+) \((timestamp|document timestamp|current time).*\)$`),
		func(m []string) string {
			return "chứng thư số chưa có hiệu lực: có hiệu lực từ " + m[1] + ", thời điểm xét là " + m[2] + " (" + timeSources[m[3]] + ")"
		}},
	{regexp.MustCompile(`^no revocation data(?: for the intermediate CA certificate .*?)?: (.*)$`),
		func(m []string) string {
			return "không có dữ liệu để kiểm tra chứng thư số có bị thu hồi hay không (chi tiết kỹ thuật: " + m[1] + ")"
		}},
	{regexp.MustCompile(`^annotations added after signature: (.*)$`),
		func(m []string) string {
			return "có chú thích được thêm vào sau khi ký (chi tiết kỹ thuật: " + m[1] + ")"
		}},
	{regexp.MustCompile(`^the signer's certificate is not included in the signature$`),
		func([]string) string { return "chữ ký không kèm chứng thư số của người ký" }},
	{regexp.MustCompile(`^the CMS signature does not verify: (.*)$`),
		func(m []string) string {
			return "giá trị chữ ký không đúng (chi tiết kỹ thuật: " + m[1] + ")"
		}},
	{regexp.MustCompile(`^weak algorithm: (\S+) \(([^)]*)\) (?:retired on (\d{4})-(\d{2})-(\d{2})|never accepted) \(([^)]*)\), (.*): it can be neither accepted nor rejected \(ETSI EN 319 102-1 INDETERMINATE/(\w+)\)$`),
		func(m []string) string {
			when := "không bao giờ được chấp nhận"
			if m[3] != "" {
				when = "bị ngừng chấp nhận từ ngày " + m[5] + "/" + m[4] + "/" + m[3]
			}
			return "thuật toán mật mã yếu: " + m[1] + " (" + algorithmRoles[m[2]] + ") " + when + " (" + m[6] + "), " + retiredProof(m[7]) +
				": chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: " + m[8] + ")"
		}},
	{regexp.MustCompile(`^unsupported algorithm: (.*) \(([^)]*)\): (.*), so it can be neither accepted nor rejected \(ETSI EN 319 102-1 INDETERMINATE/(\w+)\)$`),
		func(m []string) string {
			what := "phần mềm không kiểm tra được giá trị chữ ký"
			if strings.HasPrefix(m[3], "the digest of the signed content matches") {
				what = "nội dung được ký không bị sửa (giá trị băm khớp) nhưng " + what
			}
			return "thuật toán mật mã không được hỗ trợ: " + m[1] + " (" + algorithmRoles[m[2]] + "), " + what +
				": chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: " + m[4] + ")"
		}},
	{regexp.MustCompile(`^(\S+) \(([^)]*)\) retired on (\d{4})-(\d{2})-(\d{2}) \(([^)]*)\) is accepted: a trusted time-stamp of (\S+) proves the signature existed before then$`),
		func(m []string) string {
			return m[1] + " (" + algorithmRoles[m[2]] + ") bị ngừng chấp nhận từ ngày " + m[5] + "/" + m[4] + "/" + m[3] + " (" + m[6] +
				") vẫn được chấp nhận: dấu thời gian tin cậy lúc " + m[7] + " chứng minh chữ ký đã có trước ngày đó"
		}},
	{regexp.MustCompile(`^(.*)[,:] (?:so )?(?:it|the signature) can be neither accepted nor rejected \(ETSI EN 319 102-1 INDETERMINATE/FORMAT_FAILURE\)$`),
		func(m []string) string {
			return "chữ ký hoặc dấu thời gian không đúng định dạng chuẩn nên phần mềm không kiểm tra được (chi tiết kỹ thuật: " + m[1] +
				"): chưa thể kết luận chữ ký hợp lệ hay không (ETSI EN 319 102-1: FORMAT_FAILURE)"
		}},
	// The document time-stamp's own check failing (verify.go); the
	// signature time-stamp's, as reports stored before it was reported
	// as timestamp.not_used say it.
	{regexp.MustCompile(`^the (signature|document) timestamp cannot be verified: (.*)$`),
		func(m []string) string {
			whose := "của chữ ký"
			if m[1] == "document" {
				whose = "của văn bản (dấu thời gian tài liệu)"
			}
			return "không kiểm tra được dấu thời gian " + whose + " (chi tiết kỹ thuật: " + m[2] + ")"
		}},
}

// rfc3339 finds the verifier's times (UTC, RFC 3339).
var rfc3339 = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})`)

// vnTimes writes every RFC 3339 time in s in Vietnam time.
func vnTimes(s string) string {
	return rfc3339.ReplaceAllStringFunc(s, rfcToVN)
}

// docTimeStampSubFilter is the /SubFilter of a document time-stamp.
const docTimeStampSubFilter = "ETSI.RFC3161"

// reasonsVI says a verification's reasons in Vietnamese, a document
// time-stamp's (its report's /SubFilter) as one, not as "Chữ ký N" of
// the time-stamping authority's name.
func reasonsVI(v *workflow.Verification) []string {
	stamps := docStamps(v)
	var out []string
	for _, r := range v.Reasons {
		out = append(out, reasonOf(r, stamps))
	}
	return out
}

// docStamps are the numbers ("3") of the signatures of v's report that
// are document time-stamps (nil for none, or no report).
func docStamps(v *workflow.Verification) map[string]bool {
	var stamps map[string]bool
	var rj struct {
		Signatures []struct {
			Index     int    `json:"index"`
			SubFilter string `json:"subfilter"`
		} `json:"signatures"`
	}
	if v != nil && len(v.Report) > 0 && json.Unmarshal(v.Report, &rj) == nil {
		for _, sg := range rj.Signatures {
			if sg.SubFilter == docTimeStampSubFilter {
				if stamps == nil {
					stamps = map[string]bool{}
				}
				stamps[strconv.Itoa(sg.Index+1)] = true
			}
		}
	}
	return stamps
}

// reasonVI says one of the verifier's reasons in Vietnamese.
func reasonVI(r string) string { return reasonOf(r, nil) }

// reasonOf is reasonVI of r, a signature whose number is in stamps
// named a document time-stamp.
func reasonOf(r string, stamps map[string]bool) string {
	for _, p := range sentencePatterns {
		if p.re.MatchString(r) {
			return vnTimes(p.re.ReplaceAllString(r, p.out))
		}
	}
	m := signatureReason.FindStringSubmatch(r)
	if m == nil {
		return vnTimes(r) + " (chi tiết kỹ thuật)"
	}
	label := "Chữ ký " + m[1]
	if stamps[m[1]] {
		label = "Dấu thời gian tài liệu, chữ ký " + m[1]
	}
	if name := m[2]; name != "" {
		if cn := commonName(name); cn != "" {
			name = cn
		}
		label += " (" + name + ")"
	}
	var parts []string
	for _, c := range splitClauses(m[3]) {
		parts = append(parts, clauseVI(c))
	}
	return label + ": " + strings.Join(parts, "; ") + "."
}

// splitClauses splits a reason's text at the "; " outside parentheses.
func splitClauses(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '(':
			depth++
		case s[i] == ')' && depth > 0:
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], "; "):
			out = append(out, s[start:i])
			start = i + 2
		}
	}
	return append(out, s[start:])
}

func clauseVI(c string) string {
	for _, p := range clausePatterns {
		if m := p.re.FindStringSubmatch(c); m != nil {
			return vnTimes(p.out(m))
		}
	}
	return vnTimes(c) + " (chi tiết kỹ thuật)"
}

// dnVI is a certificate subject or issuer as the page shows it: as the
// report, the API and the CLI write it (internal/dn: short names, values
// as text), also for a report stored when crypto/x509 wrote it (title,
// UID and others as dotted numbers).
func dnVI(s string) string {
	return dn.Normalize(s)
}
