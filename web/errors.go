package web

import (
	"errors"
	"net/http"

	"github.com/vanthu/vanthu/workflow"
)

// problem is how the interface shows one kind of error.
type problem struct {
	Status  int
	Title   string
	Message string
}

// ECSRF is the web's own code for a form posted without its CSRF token.
const ECSRF = "csrf"

// problems maps every error code of the services (workflow.E*) and the
// web's own to its status and Vietnamese text: the one table. A user
// never sees the services' English messages, a Go error or a stack trace.
var problems = map[string]problem{
	workflow.EINVALID: {http.StatusBadRequest, "Thông tin chưa hợp lệ",
		"Thông tin nhập vào chưa đúng hoặc còn thiếu. Vui lòng kiểm tra lại các ô đã điền."},
	workflow.EUNPROCESSABLE: {http.StatusUnprocessableEntity, "Không xử lý được văn bản",
		"Tệp hoặc văn bản không dùng được cho thao tác này (PDF bị mã hóa, bị hỏng, có biểu mẫu, hoặc chữ ký số không hợp lệ)."},
	workflow.EUNSUPPORTEDMEDIA: {http.StatusUnsupportedMediaType, "Tệp không đúng định dạng",
		"Tệp tải lên không phải là tệp PDF (hoặc ảnh PNG với ảnh chữ ký)."},
	workflow.ENOTFOUND: {http.StatusNotFound, "Không tìm thấy",
		"Trang hoặc văn bản này không tồn tại, hoặc bạn không có quyền xem."},
	workflow.EILLEGAL: {http.StatusConflict, "Thao tác không hợp lệ",
		"Văn bản đang ở trạng thái không cho phép thao tác này. Vui lòng tải lại trang."},
	workflow.ECONFLICT: {http.StatusConflict, "Dữ liệu đã thay đổi",
		"Văn bản vừa được người khác thay đổi, hoặc dữ liệu này đã tồn tại. Vui lòng tải lại trang và thử lại."},
	workflow.EFORBIDDEN: {http.StatusForbidden, "Không có quyền",
		"Bạn không có quyền thực hiện thao tác này."},
	workflow.EUNAUTHORIZED: {http.StatusUnauthorized, "Chưa đăng nhập",
		"Sai tên đăng nhập hoặc mật khẩu, hoặc phiên làm việc đã hết hạn."},
	workflow.ETOOLARGE: {http.StatusRequestEntityTooLarge, "Tệp quá lớn",
		"Tệp tải lên vượt quá dung lượng cho phép."},
	workflow.ETOOMANY: {http.StatusTooManyRequests, "Đăng nhập sai quá nhiều lần",
		"Tài khoản này hoặc máy này đã đăng nhập sai quá nhiều lần. Vui lòng đợi vài phút rồi thử lại."},
	workflow.EUNAVAILABLE: {http.StatusServiceUnavailable, "Dịch vụ tạm thời gián đoạn",
		"Một thành phần của hệ thống (ký số, kho lưu trữ, liên thông) chưa được cấu hình hoặc đang gián đoạn. Vui lòng thử lại sau."},
	workflow.EINTERNAL: {http.StatusInternalServerError, "Lỗi hệ thống",
		"Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại hoặc báo cho quản trị viên."},
	ECSRF: {http.StatusForbidden, "Biểu mẫu không hợp lệ",
		"Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang và thử lại."},
}

// problemOf returns how to show err.
func problemOf(err error) (string, problem) {
	code := workflow.ErrorCode(err)
	var we *webError
	if errors.As(err, &we) {
		code = we.code
	}
	p, ok := problems[code]
	if !ok {
		code, p = workflow.EINTERNAL, problems[workflow.EINTERNAL]
	}
	return code, p
}

// webError is an error of the interface itself (not of a service).
type webError struct{ code, detail string }

func (e *webError) Error() string { return e.code + ": " + e.detail }

// Message returns the Vietnamese message of err (for forms that show the
// error beside the fields instead of an error page).
func Message(err error) string {
	_, p := problemOf(err)
	return p.Message
}
