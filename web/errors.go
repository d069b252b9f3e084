package web

import (
	"errors"
	"net/http"

	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
)

// problem is how the interface shows one kind of error.
type problem struct {
	Status  int // from internal/httpstatus for the services' codes
	Title   string
	Message string
}

// ECSRF is the web's own code for a form posted without its CSRF token.
const ECSRF = "csrf"

// ECHECKS is the web's own code for the public verification's rate limit
// (verifyLimit): not the login's throttling, whose text speaks of wrong
// passwords.
const ECHECKS = "too_many_checks"

// tooManyStatus is ECHECKS's status: ETOOMANY's, from the table.
var tooManyStatus, _ = httpstatus.Of(workflow.ETOOMANY)

// problems maps every error code of the services (workflow.E*) and the
// web's own to its Vietnamese text (the status of a service's code comes
// from internal/httpstatus, the one table of statuses). A user
// never sees the services' English messages, a Go error or a stack trace.
var problems = map[string]problem{
	workflow.EINVALID: {Title: "Thông tin chưa hợp lệ",
		Message: "Thông tin nhập vào chưa đúng hoặc còn thiếu. Vui lòng kiểm tra lại các ô đã điền."},
	workflow.EUNPROCESSABLE: {Title: "Không xử lý được văn bản",
		Message: "Tệp hoặc văn bản không dùng được cho thao tác này (PDF bị mã hóa, bị hỏng, có biểu mẫu, hoặc chữ ký số không hợp lệ)."},
	workflow.EUNSUPPORTEDMEDIA: {Title: "Tệp không đúng định dạng",
		Message: "Tệp tải lên không phải là tệp PDF (hoặc ảnh PNG với ảnh chữ ký)."},
	workflow.ENOTFOUND: {Title: "Không tìm thấy",
		Message: "Trang hoặc văn bản này không tồn tại, hoặc bạn không có quyền xem."},
	workflow.EGONE: {Title: "Hồ sơ đã bị tiêu hủy",
		Message: "Hồ sơ lưu trữ này đã được tiêu hủy theo quyết định của cơ quan; các tệp không còn. Thông tin về hồ sơ và quyết định tiêu hủy vẫn được lưu."},
	workflow.EILLEGAL: {Title: "Thao tác không hợp lệ",
		Message: "Văn bản đang ở trạng thái không cho phép thao tác này. Vui lòng tải lại trang."},
	workflow.ECONFLICT: {Title: "Dữ liệu đã thay đổi",
		Message: "Văn bản vừa được người khác thay đổi, hoặc dữ liệu này đã tồn tại. Vui lòng tải lại trang và thử lại."},
	workflow.EPRECONDITION: {Title: "Văn bản đã thay đổi",
		Message: "Văn bản đã được người khác thay đổi kể từ khi bạn mở nó. Vui lòng tải lại trang và thử lại."},
	workflow.EINPROGRESS: {Title: "Yêu cầu đang được xử lý",
		Message: "Biểu mẫu này vừa được gửi và hệ thống vẫn đang xử lý lần gửi trước. Vui lòng đợi giây lát rồi tải lại trang."},
	workflow.EKEYREUSED: {Title: "Biểu mẫu đã được gửi",
		Message: "Biểu mẫu này đã được gửi trước đó với nội dung khác. Nếu muốn tạo thêm một văn bản, hãy gửi lại biểu mẫu dưới đây."},
	workflow.EFORBIDDEN: {Title: "Không có quyền",
		Message: "Bạn không có quyền thực hiện thao tác này."},
	workflow.EUNAUTHORIZED: {Title: "Chưa đăng nhập",
		Message: "Sai tên đăng nhập hoặc mật khẩu, hoặc phiên làm việc đã hết hạn."},
	workflow.EPASSWORDCHANGE: {Title: "Cần đổi mật khẩu",
		Message: "Mật khẩu của tài khoản này do quản trị viên đặt. Vui lòng đổi mật khẩu trước khi làm việc khác."},
	workflow.ESIGNPASSWORD: {Title: "Cần nhập mật khẩu để ký",
		Message: "Ký số và phát hành cần mật khẩu đăng nhập của đồng chí. Vui lòng quay lại văn bản và nhập mật khẩu trên trang xác nhận."},
	workflow.ETOOLARGE: {Title: "Tệp quá lớn",
		Message: "Tệp tải lên vượt quá dung lượng cho phép."},
	workflow.ETOOMANY: {Title: "Đăng nhập sai quá nhiều lần",
		Message: "Tài khoản này hoặc máy này đã đăng nhập sai quá nhiều lần. Vui lòng đợi vài phút rồi thử lại, hoặc nhờ quản trị hệ thống mở tạm khóa đăng nhập."},
	workflow.EUNAVAILABLE: {Title: "Dịch vụ tạm thời gián đoạn",
		Message: "Một thành phần của hệ thống (ký số, kho lưu trữ, liên thông) chưa được cấu hình hoặc đang gián đoạn. Vui lòng thử lại sau."},
	workflow.EINTERNAL: {Title: "Lỗi hệ thống",
		Message: "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại hoặc báo cho quản trị viên."},
	EMETHOD: {Status: http.StatusMethodNotAllowed, Title: "Thao tác không được hỗ trợ",
		Message: "Trang này không nhận yêu cầu theo cách vừa gửi. Vui lòng quay lại trang trước và dùng các nút, biểu mẫu của hệ thống."},
	ECHECKS: {Status: tooManyStatus, Title: "Kiểm tra quá nhiều lần",
		Message: "Máy này đã kiểm tra quá nhiều văn bản trong một phút. Vui lòng đợi một phút rồi thử lại."},
	ECSRF: {Status: http.StatusForbidden, Title: "Biểu mẫu không hợp lệ",
		Message: "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang và thử lại."},
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
	if p.Status == 0 {
		p.Status, _ = httpstatus.Of(code)
	}
	return code, p
}

// webError is an error of the interface itself (not of a service).
type webError struct{ code, detail string }

func (e *webError) Error() string { return e.code + ": " + e.detail }

// Message returns the Vietnamese message of err (for forms that show the
// error beside the fields instead of an error page).
func Message(err error) string {
	if m, ok := unsafeTextMessage(err); ok {
		return m
	}
	_, p := problemOf(err)
	return p.Message
}
