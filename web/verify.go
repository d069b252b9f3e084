package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// Page 10: public verification, no login. /verify takes a PDF and shows
// the signature report (nothing is stored: the upload is read in memory
// within the upload limit and dropped); /verify/{code} shows what the
// register says about the document that carries a printed verification
// code, and compares an uploaded file's SHA-256 with the issued one.
// Both are rate limited per client address.

// CodeVerifier looks up verification codes (workflow.Service).
type CodeVerifier interface {
	VerifyCode(ctx context.Context, code string) (*workflow.PublicDocument, error)
}

// verifyRoutes registers the public verification pages.
func (u *UI) verifyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /verify", u.public(u.handleVerify))
	mux.Handle("POST /verify", u.throttled(u.public(u.handleVerify)))
	mux.Handle("GET /verify/{code}", u.throttled(u.public(u.handleVerifyCode)))
	mux.Handle("POST /verify/{code}", u.throttled(u.public(u.handleVerifyCode)))
}

// throttled answers a check beyond the rate limit (limited) before its
// body is read. Before, the limit was asked by the page, after the form
// (up to eight files) had been read and spooled to disk: past the limit,
// every upload was still taken in whole.
func (u *UI) throttled(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := u.limited(r); err != nil {
			s := u.signedIn(r)
			if s == nil {
				s = &Session{}
			}
			if s.CSRF == "" {
				s.CSRF = u.formToken(w, r)
			}
			u.renderError(w, r, s, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type verifyView struct {
	Checked bool
	Name    string
	SHA256  string
	Verdict string // workflow verdict
	Reasons []string
	Problem string
	Invalid Invalid // the file input, with Problem
	// /verify/{code}
	Code     string
	Doc      *workflow.PublicDocument
	Compared bool
	Match    bool
}

func (u *UI) limited(r *http.Request) error {
	if !u.verifyLimit.Allow(auth.ClientAddr(r, u.cfg.TrustedProxies)) {
		return &webError{ECHECKS, "too many verifications from this address; try again in a minute"}
	}
	return nil
}

// hold is Config.Hold, or nothing without it.
func (u *UI) hold(ctx context.Context, n int64) (release func(), err error) {
	if u.cfg.Hold == nil {
		return func() {}, nil
	}
	return u.cfg.Hold(ctx, n)
}

// uploaded reads the "file" part in memory, holding its size of the
// budget of checks in flight until release; ok=false when none came.
func (u *UI) uploaded(r *http.Request) (name string, b []byte, release func(), ok bool, err error) {
	f, h, err := r.FormFile("file")
	if err != nil {
		return "", nil, nil, false, nil
	}
	defer f.Close()
	if release, err = u.hold(r.Context(), min(h.Size, u.cfg.MaxUpload)); err != nil {
		return "", nil, nil, false, err
	}
	if b, err = readSized(f, h.Size, u.cfg.MaxUpload); err != nil {
		release()
		return "", nil, nil, false, err
	}
	return h.Filename, b, release, true, nil
}

// uploadedSum is the SHA-256 of the "file" part, read as it comes (none
// of it held); ok=false when none came.
func (u *UI) uploadedSum(r *http.Request) (sum string, ok bool, err error) {
	f, h, err := r.FormFile("file")
	if err != nil {
		return "", false, nil
	}
	defer f.Close()
	if h.Size > u.cfg.MaxUpload {
		return "", false, workflow.Errorf(workflow.ETOOLARGE, "the file is larger than the upload limit")
	}
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return "", false, fmt.Errorf("read the file: %w", err)
	}
	return hex.EncodeToString(d.Sum(nil)), true, nil
}

// readSized reads all of r, which holds size bytes (a stored file, a
// multipart file: the size is known), into a slice of that size: one
// allocation of the file's size, where io.ReadAll grows its slice by
// copying (1.5 to 2 times the size allocated for each view of a scan).
// A size under 1 is read as it comes.
// ETOOLARGE beyond limit; an r that ends early or holds more is an error.
func readSized(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "the file is larger than the upload limit")
	}
	if size < 1 {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err == nil && int64(len(b)) > limit {
			err = workflow.Errorf(workflow.ETOOLARGE, "the file is larger than the upload limit")
		}
		return b, err
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	if n, _ := r.Read(make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("read the file: more than its %d bytes", size)
	}
	return b, nil
}

func (u *UI) handleVerify(w http.ResponseWriter, r *http.Request, s *Session) error {
	v := verifyView{}
	if r.Method == http.MethodPost {
		name, b, release, ok, err := u.uploaded(r)
		if err != nil {
			return err
		}
		if ok {
			defer release()
		}
		switch {
		case !ok:
			v.Problem = "Chọn tệp PDF cần kiểm tra."
		case u.cfg.Verify == nil:
			return workflow.Errorf(workflow.EUNAVAILABLE, "verification is not configured")
		case len(b) == 0:
			v.Problem = fmt.Sprintf("Tệp “%s” rỗng (0 byte): hãy chọn lại tệp PDF cần kiểm tra.", name)
		default:
			if err := u.verifyFile(r, &v, name, b); err != nil {
				return err
			}
		}
		if v.Problem != "" {
			v.Invalid = Invalid{"file": v.Problem}
		}
	}
	u.render(w, r, s, http.StatusOK, "verify", "Kiểm tra văn bản điện tử", v)
	return nil
}

// verifyFile checks the uploaded file b, named name, into v: its verdict
// and reasons; a file that is not a PDF at all (a Word file renamed .pdf,
// an image) is a problem beside the file input, not a verdict — there is
// no signature to be undecided about. A PDF that cannot be read
// (damaged, encrypted) is indeterminate, with why.
func (u *UI) verifyFile(r *http.Request, v *verifyView, name string, b []byte) error {
	res, err := u.cfg.Verify(r.Context(), b)
	switch code := workflow.ErrorCode(err); {
	case code == workflow.EUNSUPPORTEDMEDIA:
		v.Problem = fmt.Sprintf("Tệp “%s” không phải là tệp PDF (có thể là tệp Word hoặc ảnh được đổi đuôi thành .pdf): hãy chọn tệp PDF của văn bản.", name)
		return nil
	case err != nil && code != workflow.EUNPROCESSABLE:
		return err
	}
	sum := sha256.Sum256(b)
	v.Checked, v.Name, v.SHA256 = true, name, hex.EncodeToString(sum[:])
	if err != nil {
		v.Verdict, v.Reasons = workflow.VerdictIndeterminate, []string{Message(err)}
		return nil
	}
	v.Verdict = res.Verdict
	v.Reasons = reasonsVI(&res)
	return nil
}

func (u *UI) handleVerifyCode(w http.ResponseWriter, r *http.Request, s *Session) error {
	if u.cfg.Codes == nil {
		return workflow.Errorf(workflow.ENOTFOUND, "verification codes are not in use")
	}
	d, err := u.cfg.Codes.VerifyCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	v := verifyView{Code: r.PathValue("code"), Doc: d}
	if r.Method == http.MethodPost && !d.Classified {
		sum, ok, err := u.uploadedSum(r)
		if err != nil {
			return err
		}
		if ok {
			v.Compared, v.SHA256 = true, sum
			v.Match = v.SHA256 == d.SHA256
		}
	}
	u.render(w, r, s, http.StatusOK, "verify_code", "Tra cứu mã xác thực", v)
	return nil
}
