package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// PKIAdmin is the development PKI's revocation, as the API calls it
// (api.PKI's Revoke and Revocations: signing/pki.Authority, wired by cmd
// when the development PKI is in use).
type PKIAdmin struct {
	// Revoke revokes a certificate the development PKI issued, by serial
	// (hex) or as the official userID's current certificate. Errors:
	// EFORBIDDEN, EINVALID, ENOTFOUND, ECONFLICT (already revoked).
	Revoke func(ctx context.Context, actor *workflow.User, serial, userID string, reason workflow.RevocationReason, comment string) (workflow.Revocation, error)
	// Revocations lists the revocations, oldest first.
	Revocations func(ctx context.Context) ([]workflow.Revocation, error)
}

// revocationReasonNames are the reasons of RFC 5280 an official's
// certificate may be revoked with, in Vietnamese.
var revocationReasonNames = map[workflow.RevocationReason]string{
	workflow.ReasonUnspecified:          "Không nêu lý do",
	workflow.ReasonKeyCompromise:        "Khóa bí mật bị lộ",
	workflow.ReasonAffiliationChanged:   "Thay đổi cơ quan, đơn vị công tác",
	workflow.ReasonSuperseded:           "Được thay bằng chứng thư mới",
	workflow.ReasonCessationOfOperation: "Thôi sử dụng",
	workflow.ReasonPrivilegeWithdrawn:   "Bị thu hồi quyền ký",
}

type revocationRow struct {
	Subject, Serial, Reason, Actor, Comment, User string
	At                                            time.Time
}

type pkiView struct {
	Tabs        []adminTab
	Officials   []option
	Reasons     []option
	Revocations []revocationRow
	Form        map[string]string
	Error       string
	Invalid     Invalid // the input at fault, with Error
}

// handlePKI lists the development PKI's revocations and revokes an
// official's certificate (POST /api/v1/pki/revocations's rules: admins,
// by official or by serial), after a confirmation: a revoked certificate
// is never valid again.
func (u *UI) handlePKI(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	v := pkiView{Tabs: u.adminTabs("/admin/pki"), Form: map[string]string{}}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		serial, userID, comment := strings.TrimSpace(r.PostFormValue("serial")), r.PostFormValue("user_id"), r.PostFormValue("comment")
		reason, err := workflow.ParseRevocationReason(r.PostFormValue("reason"))
		if err == nil && !confirmed(r, "revoke") {
			return u.confirmRevoke(w, r, s, serial, userID, reason)
		}
		if err == nil {
			_, err = u.cfg.PKI.Revoke(r.Context(), s.User, serial, userID, reason, comment)
		}
		if err == nil {
			http.Redirect(w, r, "/admin/pki?ok=revoke", http.StatusSeeOther)
			return nil
		}
		code, p := problemOf(err)
		if code == workflow.EFORBIDDEN || p.Status >= 500 {
			return err
		}
		status, v.Error = p.Status, pkiProblem(err)
		v.Invalid = one(pkiInput(err, serial), v.Error)
		v.Form = map[string]string{"serial": serial, "user_id": userID, "reason": string(reason), "comment": comment}
	}
	if err := u.pkiLists(r, &v); err != nil {
		return err
	}
	u.render(w, r, s, status, "admin_pki", "Thu hồi chứng thư số", v)
	return nil
}

// pkiLists fills the officials to choose from, the reasons and the
// revocations so far.
func (u *UI) pkiLists(r *http.Request, v *pkiView) error {
	users, err := u.cfg.Directory.Users(r.Context())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, x := range users {
		names[x.ID] = displayName(x)
		if x.Has(workflow.RoleOfficer) {
			v.Officials = append(v.Officials, option{Value: x.ID, Label: displayName(x) + " (" + x.Username + ")", Selected: x.ID == v.Form["user_id"]})
		}
	}
	for _, rr := range workflow.RevocationReasons() {
		v.Reasons = append(v.Reasons, option{Value: string(rr), Label: orName(revocationReasonNames, rr), Selected: string(rr) == v.Form["reason"]})
	}
	list, err := u.cfg.PKI.Revocations(r.Context())
	if err != nil {
		return err
	}
	for i := len(list) - 1; i >= 0; i-- { // the latest first
		x := list[i]
		v.Revocations = append(v.Revocations, revocationRow{Subject: x.Subject, Serial: x.Serial, Reason: orName(revocationReasonNames, x.Reason),
			Actor: orDefault(names[x.Actor], "Quản trị viên (dòng lệnh)"), Comment: x.Comment, User: names[x.UserID], At: x.RevokedAt})
	}
	return nil
}

// confirmRevoke asks before a revocation, naming the certificate.
func (u *UI) confirmRevoke(w http.ResponseWriter, r *http.Request, s *Session, serial, userID string, reason workflow.RevocationReason) error {
	what := "Chứng thư số hiệu " + serial
	if userID != "" {
		x, err := u.cfg.Directory.User(r.Context(), userID)
		if err != nil {
			return err
		}
		what = "Chứng thư hiện tại của " + displayName(x) + " (" + x.Username + ")"
	}
	v := confirmView{confirmText: confirmText{Heading: "Xác nhận thu hồi chứng thư số", Button: "Xác nhận thu hồi", Danger: true,
		Facts: []string{"Chứng thư bị thu hồi ngay: OCSP và danh sách thu hồi (CRL) của PKI thử nghiệm báo đã thu hồi từ thời điểm này.",
			"Chữ ký số tạo sau thời điểm thu hồi bằng khóa này không còn hợp lệ; văn bản đã ký trước thời điểm đó (dấu thời gian của chữ ký có trước) vẫn hợp lệ và vẫn phát hành được.",
			"Nếu đây là chứng thư hiện tại của lãnh đạo, lần ký số sau máy chủ tự cấp cho lãnh đạo chứng thư mới (PKI thử nghiệm): lãnh đạo ký như thường, không cần làm gì thêm.",
			"Việc thu hồi không hủy được."}},
		Subject: what, Details: []string{"Lý do: " + orName(revocationReasonNames, reason) + "."}, Post: "/admin/pki",
		Hidden: repost(r, "comment"), Confirm: "revoke", Back: "/admin/pki", Comment: r.PostFormValue("comment"), HasComment: true}
	u.render(w, r, s, http.StatusOK, "confirm", v.Heading, v)
	return nil
}

// pkiInput is the input of the revocation form that err concerns: the
// certificate named (by serial or by official) when it is not found or
// revoked already, else the field the service names.
func pkiInput(err error, serial string) string {
	switch workflow.ErrorCode(err) {
	case workflow.ENOTFOUND, workflow.ECONFLICT:
		if serial != "" {
			return "serial"
		}
		return "user_id"
	}
	return inputOf(err, sameInputs("serial", "user_id", "reason", "comment"))
}

// pkiProblem says why a revocation was refused.
func pkiProblem(err error) string {
	msg := workflow.ErrorMessage(err)
	switch code := workflow.ErrorCode(err); {
	case code == workflow.ECONFLICT:
		return "Chứng thư này đã bị thu hồi trước đó."
	case code == workflow.ENOTFOUND:
		return "Không tìm thấy chứng thư: số hiệu không do PKI thử nghiệm cấp, hoặc lãnh đạo chưa có chứng thư của PKI thử nghiệm."
	case strings.Contains(msg, "root CA"):
		return "Không thể thu hồi chứng thư gốc (CA) của PKI thử nghiệm."
	case strings.Contains(msg, "serial number or by user"):
		return "Chọn một lãnh đạo hoặc nhập số hiệu chứng thư, không cả hai."
	case code == workflow.EINVALID && strings.Contains(msg, "reason"):
		return "Lý do thu hồi không nằm trong danh sách."
	case code == workflow.EINVALID && strings.Contains(msg, "serial"):
		return "Số hiệu chứng thư là một số hệ 16 (0-9, a-f)."
	}
	return Message(err)
}
