package web

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vanthu/vanthu/workflow"
)

// A register's line of a number no document or copy carries: the
// service notes it in English for the record (workflow.ReservedNumber.Note,
// workflow.CopyLine.Note: "Số đã hủy (voided): " and the reason it
// wrote, e.g. "the signature of document … failed after its number was
// reserved: …"). The register a clerk prints and files, its CSV and the
// document's history say it in Vietnamese: that the number is voided and
// never given again, and which step failed.

// voidedPrefix starts the service's note of a voided number.
const voidedPrefix = "Số đã hủy (voided): "

// voidCauses are the reasons the service writes when it voids a number
// (workflow: Service.releaseNumber's callers, sweepRegister), in
// Vietnamese; a reason that is none of them (given by hand, or in
// Vietnamese already) is kept as it is.
var voidCauses = []struct {
	re   *regexp.Regexp
	text string
}{
	{regexp.MustCompile(`^the issue of document \S+ failed after its number was reserved`),
		"phát hành văn bản không thành công sau khi đã lấy số"},
	{regexp.MustCompile(`^the signature of document \S+ failed after its number was reserved`),
		"ký số văn bản không thành công sau khi đã lấy số"},
	{regexp.MustCompile(`^copy \S+ of document \S+ failed after its number was reserved`),
		"làm bản sao không thành công sau khi đã lấy số"},
	{regexp.MustCompile(`^the issue that reserved this number did not finish: the server running it stopped`),
		"máy chủ đang phát hành văn bản đã dừng trước khi phát hành xong"},
	{regexp.MustCompile(`^the copy that reserved this number did not finish: the server running it stopped`),
		"máy chủ đang làm bản sao đã dừng trước khi làm xong"},
	{regexp.MustCompile(`^the issue that reserved this number did not finish within`),
		"việc phát hành không hoàn tất trong thời gian cho phép (máy chủ dừng hoặc yêu cầu bị mất)"},
	{regexp.MustCompile(`^the copy that reserved this number did not finish within`),
		"việc làm bản sao không hoàn tất trong thời gian cho phép (máy chủ dừng hoặc yêu cầu bị mất)"},
}

// voidCause is why a number was voided, in Vietnamese where the service
// wrote it.
func voidCause(reason string) string {
	for _, c := range voidCauses {
		if c.re.MatchString(reason) {
			return c.text
		}
	}
	return reason
}

// numberNote is the note of a register line of status (voided,
// reserved, or "" for a line a document or copy fills) as a register
// page and its CSV print it.
func numberNote(status workflow.ReservationState, note string) string {
	switch status {
	case workflow.NumberVoided:
		return "Số đã hủy, không cấp lại: " + voidCause(strings.TrimPrefix(note, voidedPrefix))
	case workflow.NumberReserved:
		return strings.TrimSuffix(note, " (reserved)")
	}
	return note
}

// upperFirst is s with its first letter upper case (a cause that opens
// a sentence of its own).
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
