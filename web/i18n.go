package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// Vietnamese names of the domain's codes.
var (
	stateNames = map[workflow.State]string{
		workflow.Draft: "Dự thảo", workflow.InReview: "Chờ duyệt", workflow.Approved: "Đã duyệt",
		workflow.OfficerSigned: "Lãnh đạo đã ký", workflow.Issued: "Đã phát hành", workflow.Sent: "Đã gửi",
		workflow.Received: "Chờ vào sổ", workflow.Registered: "Đã vào sổ", workflow.Assigned: "Đã phân công",
		workflow.InProgress: "Đang xử lý", workflow.Completed: "Đã xử lý xong", workflow.Rejected: "Đã từ chối",
		workflow.Archived: "Đã lưu trữ", workflow.Revoked: "Đã thu hồi",
	}
	// actionNames are the labels of the action buttons.
	actionNames = map[workflow.Action]string{
		workflow.Submit: "Trình duyệt", workflow.Approve: "Duyệt", workflow.Return: "Trả lại",
		workflow.Sign: "Ký số", workflow.Issue: "Phát hành", workflow.Send: "Gửi liên thông",
		workflow.Archive: "Lưu trữ", workflow.Register: "Vào sổ", workflow.Reject: "Từ chối",
		workflow.Assign: "Phân công", workflow.Start: "Bắt đầu xử lý", workflow.Complete: "Hoàn thành",
		workflow.RequestRevoke: "Thu hồi văn bản", workflow.AcceptRevoke: "Đồng ý thu hồi", workflow.RefuseRevoke: "Từ chối thu hồi",
	}
	// actionDone are the confirmations shown after an action.
	actionDone = map[workflow.Action]string{
		workflow.Submit: "Đã trình duyệt văn bản.", workflow.Approve: "Đã duyệt văn bản.", workflow.Return: "Đã trả lại văn bản.",
		workflow.Sign: "Đã ký số văn bản.", workflow.Issue: "Đã cấp số và phát hành văn bản.", workflow.Send: "Đã đưa văn bản vào hàng gửi liên thông.",
		workflow.Archive: "Đã lưu trữ văn bản.", workflow.Register: "Đã vào sổ văn bản đến.", workflow.Reject: "Đã từ chối văn bản.",
		workflow.Assign: "Đã phân công xử lý.", workflow.Start: "Đã bắt đầu xử lý.", workflow.Complete: "Đã hoàn thành xử lý.",
		workflow.RequestRevoke: "Đã gửi đề nghị thu hồi đến các nơi nhận.", workflow.AcceptRevoke: "Đã đồng ý thu hồi văn bản.",
		workflow.RefuseRevoke: "Đã từ chối thu hồi văn bản.",
	}
	urgencyNames = map[workflow.Urgency]string{
		workflow.UrgencyNormal: "Thường", workflow.UrgencyUrgent: "Khẩn",
		workflow.UrgencyVeryUrgent: "Thượng khẩn", workflow.UrgencyFlash: "Hỏa tốc",
	}
	confidentialityNames = map[workflow.Confidentiality]string{
		workflow.Public: "Thường", workflow.Confidential: "Mật", workflow.Secret: "Tối mật", workflow.TopSecret: "Tuyệt mật",
	}
	roleNames = map[workflow.Role]string{
		workflow.RoleClerk: "Văn thư", workflow.RoleOfficer: "Lãnh đạo", workflow.RoleHandler: "Chuyên viên",
		workflow.RoleArchivist: "Lưu trữ", workflow.RoleAdmin: "Quản trị",
	}
	directionNames = map[workflow.Direction]string{workflow.Incoming: "Văn bản đến", workflow.Outgoing: "Văn bản đi"}
	registerNames  = map[workflow.RegisterKind]string{
		workflow.RegisterIncoming: "Sổ văn bản đến", workflow.RegisterOutgoing: "Sổ văn bản đi",
		workflow.RegisterConfidential:         "Sổ văn bản mật đi",
		workflow.RegisterConfidentialIncoming: "Sổ văn bản mật đến",
	}
	verdictNames = map[string]string{
		workflow.VerdictValid: "hợp lệ", workflow.VerdictInvalid: "không hợp lệ",
		workflow.VerdictIndeterminate: "chưa xác định", workflow.VerdictUnsigned: "không có chữ ký",
	}
	retentionNames = map[string]string{"": "Theo loại văn bản", "5y": "5 năm", "10y": "10 năm", "20y": "20 năm", "permanent": "Vĩnh viễn"}
)

func orName[K comparable](m map[K]string, k K) string {
	if s, ok := m[k]; ok {
		return s
	}
	return fmt.Sprint(k)
}

// Dates are shown dd/mm/yyyy in Vietnam time.
const (
	dateLayout     = "02/01/2006"
	dateTimeLayout = "15:04 02/01/2006"
	isoDate        = "2006-01-02" // <input type="date"> values and API dates
)

func fmtDate(t any) string {
	switch v := t.(type) {
	case workflow.Date: // a calendar day: no zone to convert
		return v.Format(dateLayout)
	case *workflow.Date:
		if v == nil {
			return ""
		}
		return v.Format(dateLayout)
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.In(workflow.Vietnam).Format(dateLayout)
	case *time.Time:
		if v == nil || v.IsZero() {
			return ""
		}
		return v.In(workflow.Vietnam).Format(dateLayout)
	}
	return ""
}

// forever reports whether a retention date is a permanent record's: the
// end of year 9999 (archive.Forever, the latest date object lock takes),
// which is already 01/01/10000 in Vietnam.
func forever(t time.Time) bool {
	return t.UTC().Year() >= archive.Forever.Year()
}

// fmtUntil is a retention date as the archive pages show it.
func fmtUntil(t time.Time) string {
	if forever(t) {
		return "Vĩnh viễn"
	}
	return fmtDate(t)
}

// fmtLockEnd is a lockout's end to the second (a lock of 30 s shown to
// the minute read "until 03:14" at 03:14).
func fmtLockEnd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workflow.Vietnam).Format("15:04:05 02/01/2006")
}

func fmtDateTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.In(workflow.Vietnam).Format(dateTimeLayout)
	case *time.Time:
		if v == nil || v.IsZero() {
			return ""
		}
		return v.In(workflow.Vietnam).Format(dateTimeLayout)
	}
	return ""
}

// parseFormDate reads a typed dd/mm/yyyy date (d/m/yyyy too) or an ISO
// yyyy-mm-dd one as a calendar day. Date inputs are text inputs: a
// browser's date picker shows the format of its own locale, and the
// office writes dd/mm/yyyy.
func parseFormDate(field, v string) (*workflow.Date, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{isoDate, "2/1/2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			d := workflow.DateOf(t)
			return &d, nil
		}
	}
	return nil, workflow.Wrap(workflow.EINVALID, notADate(v), "%s must be a date like 20/11/2026", field).On(field)
}

// notADate is the cause of a date input that is no real date (31/11/2026)
// or not written dd/mm/yyyy: what was typed, for the form to say it.
type notADate string

func (v notADate) Error() string { return fmt.Sprintf("%q is not a date", string(v)) }

func fmtSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
