package web

import (
	"regexp"
	"strings"
)

// deliveryProblem says in Vietnamese why a delivery failed, from the
// exchange worker's last error (a Go error's text, in English: a
// connection refused, a peer's HTTP answer, a TLS failure): the admin's
// queue and the document's deliveries showed that text alone. "" for no
// error. The text itself stays beside it for the administrator (what
// they search or report).
func deliveryProblem(raw string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	l := strings.ToLower(raw)
	if m := peerAnswered.FindStringSubmatch(l); m != nil {
		return "Máy chủ của cơ quan nhận từ chối gói tin (mã HTTP " + m[1] + ")."
	}
	for _, c := range deliveryProblems {
		for _, k := range c.keys {
			if strings.Contains(l, k) {
				return c.said
			}
		}
	}
	return "Gửi không thành công (chi tiết kỹ thuật bên dưới)."
}

var peerAnswered = regexp.MustCompile(`peer answered (\d{3})`)

// deliveryProblems are the causes deliveryProblem names, by words of the
// error, the first that matches.
var deliveryProblems = []struct {
	keys []string
	said string
}{
	{[]string{"is not a connected agency"}, "Cơ quan nhận không có trong danh sách cơ quan liên thông (Quản trị › Cơ quan liên thông)."},
	{[]string{"cannot build the package"}, "Không tạo được gói tin liên thông của văn bản."},
	{[]string{"x509:", "tls:", "certificate"}, "Kết nối bảo mật tới máy chủ của cơ quan nhận không thành công: chứng thư của máy chủ đó không khớp với thông tin cơ quan đã thêm."},
	{[]string{"connection refused"}, "Máy chủ liên thông của cơ quan nhận không nhận kết nối (có thể đang tắt)."},
	{[]string{"no such host", "server misbehaving"}, "Không tìm thấy máy chủ liên thông của cơ quan nhận: tên máy trong địa chỉ liên thông không tra được."},
	{[]string{"timeout", "deadline exceeded"}, "Máy chủ liên thông của cơ quan nhận không trả lời kịp (quá thời gian chờ)."},
	{[]string{"no route to host", "network is unreachable", "host is down"}, "Không có đường mạng tới máy chủ liên thông của cơ quan nhận."},
	{[]string{"connection reset", "broken pipe", "eof"}, "Kết nối tới máy chủ của cơ quan nhận bị ngắt giữa chừng."},
}
