package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// Cookie names.
const (
	sessionCookie  = "vanthu_session"  // the session token, the same as an API bearer token
	preloginCookie = "vanthu_prelogin" // the login form's double-submit CSRF value
	csrfField      = "csrf_token"      // the hidden input of every state-changing form
	csrfHeader     = "X-CSRF-Token"    // the same, for scripts
)

// Session is the signed-in user of a request.
type Session struct {
	User  *workflow.User
	Token string
	// CSRF is the token every state-changing form carries (see csrfToken).
	CSRF string
}

// pageFunc is a page handler of a signed-in user. A returned error is
// shown with the error page of its code.
type pageFunc func(w http.ResponseWriter, r *http.Request, s *Session) error

// csrfToken derives the synchroniser token of a session: the SHA-256 of
// the session token under a purpose label. Only the holder of the
// (HttpOnly) session cookie can know it, it is the same on every
// instance behind a load balancer, and it dies with the session.
func csrfToken(sessionToken string) string {
	sum := sha256.Sum256([]byte("vanthu web csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// auth wraps a page: it reads the session cookie, checks the session
// with the auth service and, on every state-changing method, the CSRF
// token (ECSRF, 403, otherwise). Without a live session a GET goes to
// /login and comes back after.
//
// guards, when given, run on a state-changing request before a byte of
// its body is read: a user they refuse gets the forbidden page at once,
// and the connection is closed rather than drained, so a user without the
// role cannot make the server spool an upload.
func (u *UI) auth(fn pageFunc, guards ...func(*Session) error) http.Handler {
	return u.authForm(fn, false, guards...)
}

// upload is auth for an upload form that shows itself again when posted
// larger than the whole form may be (formTooLarge): fn is then called
// with the text typed before the first file, as parseForm kept it, and
// must answer without doing anything (413).
func (u *UI) upload(fn pageFunc, guards ...func(*Session) error) http.Handler {
	return u.authForm(fn, true, guards...)
}

func (u *UI) authForm(fn pageFunc, showTooLarge bool, guards ...func(*Session) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		var user *workflow.User
		if err == nil && c.Value != "" {
			user, err = u.cfg.Accounts.Authenticate(r.Context(), c.Value)
		}
		if user == nil {
			if err != nil && workflow.ErrorCode(err) != workflow.EUNAUTHORIZED && err != http.ErrNoCookie {
				u.renderError(w, r, nil, err)
				return
			}
			clearCookie(w, r, sessionCookie)
			expired := c != nil && c.Value != ""
			switch {
			case r.Method == http.MethodGet || r.Method == http.MethodHead:
				q := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
				if expired {
					q += "&expired=1"
				}
				http.Redirect(w, r, q, http.StatusSeeOther)
			case r.URL.Path == "/logout":
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			default:
				u.renderExpired(w, r, expired)
			}
			return
		}
		s := &Session{User: user, Token: c.Value, CSRF: csrfToken(c.Value)}
		if u.passwordGate(w, r, s) {
			return
		}
		if !safeMethod(r.Method) {
			var ok bool
			if r, ok = u.checkPost(w, r, s, showTooLarge, guards); !ok {
				return
			}
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		}
		if err := fn(w, r, s); err != nil {
			u.renderError(w, r, s, err)
		}
	})
}

// checkPost runs a state-changing request's guards, reads its form and
// checks its CSRF token; it answers, and says false, when one fails. A
// form larger than the limit is answered with the error page, unless
// showTooLarge and the CSRF token came before the first file: the request
// then goes on, marked (formTooLarge), with what was kept of its text.
func (u *UI) checkPost(w http.ResponseWriter, r *http.Request, s *Session, showTooLarge bool, guards []func(*Session) error) (*http.Request, bool) {
	for _, guard := range guards {
		if err := guard(s); err != nil {
			w.Header().Set("Connection", "close")
			u.renderError(w, r, s, err)
			return r, false
		}
	}
	err := u.parseForm(w, r)
	got := r.PostFormValue(csrfField)
	if got == "" {
		got = r.Header.Get(csrfHeader)
	}
	switch {
	case errors.Is(err, errFormTooLarge) && showTooLarge && sameToken(got, s.CSRF):
		return r.WithContext(context.WithValue(r.Context(), tooLargeKey{}, true)), true
	case err != nil:
		u.renderError(w, r, s, err)
		return r, false
	case !sameToken(got, s.CSRF):
		u.renderError(w, r, s, &webError{ECSRF, "missing or wrong CSRF token"})
		return r, false
	}
	return r, true
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// parseForm reads a posted form, multipart ones (uploads) included,
// within formLimit. A multipart form that says it is larger
// (Content-Length) is not read: only its text parts before the first
// file, within keptTextLimit, are kept in r.PostForm, and the connection
// closed after the answer; errFormTooLarge either way.
func (u *UI) parseForm(w http.ResponseWriter, r *http.Request) error {
	return u.parseFormWithin(w, r, u.formLimit())
}

// parseFormWithin is parseForm with limit for the whole form.
func (u *UI) parseFormWithin(w http.ResponseWriter, r *http.Request, limit int64) error {
	multi := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
	if multi && r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		r.PostForm = leadingText(r, keptTextLimit)
		r.Form = r.PostForm
		normalizeForm(r)
		return errFormTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if multi {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) { // the body is an http.MaxBytesReader
			r.PostForm, r.Form, r.MultipartForm = url.Values{}, url.Values{}, nil
			return errFormTooLarge
		}
		return workflow.Wrap(workflow.EINVALID, err, "cannot read the form")
	}
	normalizeForm(r)
	return nil
}

// formLimit is the most a posted form may hold: the main file and
// attachments, eight times the upload limit (each file is within it),
// and 1 MiB of text.
func (u *UI) formLimit() int64 { return 8*u.cfg.MaxUpload + 1<<20 }

// publicFormLimit is the most a form of a page without login may hold:
// one file within the upload limit and 1 MiB of text. Before, it was
// formLimit, eight files' worth, which anyone could have the server
// read and spool to disk for a check that reads one.
func (u *UI) publicFormLimit() int64 { return u.cfg.MaxUpload + 1<<20 }

// errFormTooLarge is a posted form larger than formLimit.
var errFormTooLarge = workflow.Errorf(workflow.ETOOLARGE, "form larger than the limit")

// keptTextLimit bounds what is read of a form larger than the limit to
// keep its text (leadingText).
const keptTextLimit = 64 << 10

// tooLargeKey marks, in its context, a request whose form was larger than
// the limit (formTooLarge).
type tooLargeKey struct{}

// formTooLarge says whether r's form was larger than the limit: its
// r.PostForm holds only the text that came before the first file.
func formTooLarge(r *http.Request) bool {
	v, _ := r.Context().Value(tooLargeKey{}).(bool)
	return v
}

// leadingText reads the text parts of r's multipart body up to its first
// file part, at most max bytes of the body in all: the fields a browser
// sends before the files (app.js's upload sends every text field first).
// A part cut by max is dropped; the rest of the body is never read.
func leadingText(r *http.Request, max int64) url.Values {
	vals := url.Values{}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return vals
	}
	mr := multipart.NewReader(io.LimitReader(r.Body, max), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil || p.FileName() != "" || p.FormName() == "" {
			return vals
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return vals
		}
		vals.Add(p.FormName(), string(b))
	}
}

// verbatimFields are the posted fields kept byte for byte: passwords (a
// password is the bytes it was set with, through the API too) and tokens.
var verbatimFields = map[string]bool{"password": true, "current_password": true, "new_password": true, "new_password2": true, csrfField: true}

// normalizeForm puts every posted text value in Unicode NFC. Vietnamese
// keyboards (Unikey's "Unicode tổ hợp", macOS input) type decomposed
// letters, "ế" as e + U+0302 + U+0301: stored so, a subject counts up to
// three times its letters against the 500-character limit, a name or
// notation compares unequal to the same text typed elsewhere, and other
// agencies' systems get text they may not match.
func normalizeForm(r *http.Request) {
	maps := []url.Values{r.Form, r.PostForm}
	if r.MultipartForm != nil {
		maps = append(maps, r.MultipartForm.Value)
	}
	for _, m := range maps {
		for k, vs := range m {
			if verbatimFields[k] {
				continue
			}
			for i, v := range vs {
				if !norm.NFC.IsNormalString(v) {
					vs[i] = norm.NFC.String(v)
				}
			}
		}
	}
}

// setCookie sets an HttpOnly, SameSite=Lax cookie (Secure under TLS)
// that lives for ttl (0: the browser session).
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode}
	if ttl > 0 {
		c.MaxAge = int(ttl.Seconds())
	}
	http.SetCookie(w, c)
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode})
}

type loginView struct {
	Username string
	Next     string
	Error    string
	// Kept is the text of a form posted after the session ended, shown
	// for the user to copy (it was not saved).
	Kept string
}

// expiredMessage is the login page's notice for a session that ended.
const expiredMessage = "Phiên làm việc đã hết hạn hoặc đã đăng xuất. Vui lòng đăng nhập lại."

// keptFields are the free-text fields of the forms, worth showing back
// to a user whose session ended while typing them.
var keptFields = []string{"subject", "notes", "comment"}

// renderExpired answers a form posted without a live session: the login
// form (401) coming back to the page of the form, saying that nothing
// was done, with the text typed into a plain form shown to copy. Of an
// upload only the text before its first file is read (leadingText, at
// most keptTextLimit: app.js sends every text field first, so a create
// form's subject and notes come back), never the files (the connection
// is closed instead).
func (u *UI) renderExpired(w http.ResponseWriter, r *http.Request, expired bool) {
	v := loginView{Next: safeNext(r.URL.Path), Error: "Bạn chưa đăng nhập: thao tác chưa được thực hiện."}
	if expired {
		v.Error = expiredMessage + " Thao tác vừa rồi chưa được thực hiện."
	}
	readable := true
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		w.Header().Set("Connection", "close")
		r.PostForm = leadingText(r, keptTextLimit)
		r.Form = r.PostForm
		normalizeForm(r)
	} else {
		readable = u.parseForm(w, r) == nil
	}
	if readable {
		var kept []string
		for _, k := range keptFields {
			if t := strings.TrimSpace(r.PostFormValue(k)); t != "" {
				kept = append(kept, t)
			}
		}
		v.Kept = strings.Join(kept, "\n\n")
	}
	_, p := problemOf(workflow.Errorf(workflow.EUNAUTHORIZED, "no session"))
	u.renderLogin(w, r, p.Status, v)
}

func (u *UI) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if user, err := u.cfg.Accounts.Authenticate(r.Context(), c.Value); err == nil && user != nil {
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	v := loginView{Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("expired") != "" {
		v.Error = expiredMessage
	}
	u.renderLogin(w, r, http.StatusOK, v)
}

// public wraps a page that needs no login (e.g. /verify). Its forms are
// protected by a double-submit token: a random cookie that the form must
// repeat (ECSRF, 403, otherwise), and hold one file at most
// (publicFormLimit). s.User is set when a live session cookie comes along
// (for the navigation), else nil.
func (u *UI) public(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := u.signedIn(r)
		if s == nil {
			s = &Session{}
		}
		if !safeMethod(r.Method) {
			if err := u.parseFormWithin(w, r, u.publicFormLimit()); err != nil {
				u.renderError(w, r, s, err)
				return
			}
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
			got := r.PostFormValue(csrfField)
			c, err := r.Cookie(preloginCookie)
			if !sameToken(got, s.CSRF) && (err != nil || !sameToken(got, c.Value)) {
				u.renderError(w, r, s, &webError{ECSRF, "public form without its token"})
				return
			}
		}
		if s.CSRF == "" {
			s.CSRF = u.formToken(w, r)
		}
		if err := fn(w, r, s); err != nil {
			u.renderError(w, r, s, err)
		}
	})
}

// signedIn returns the session of r's live session cookie, or nil: for a
// page anyone may see (the public pages, the page of a path that does not
// exist), shown with the navigation of the user when one is signed in.
func (u *UI) signedIn(r *http.Request) *Session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	user, err := u.cfg.Accounts.Authenticate(r.Context(), c.Value)
	if err != nil || user == nil {
		return nil
	}
	return &Session{User: user, Token: c.Value, CSRF: csrfToken(c.Value)}
}

// formToken returns the double-submit token of a browser without a
// session, setting its cookie if it has none.
func (u *UI) formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preloginCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	setCookie(w, r, preloginCookie, tok, 0)
	return tok
}

// renderLogin shows the login form with a fresh double-submit token (the
// login form has no session to tie a token to).
func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	u.render(w, r, &Session{CSRF: u.formToken(w, r)}, status, "login", "Đăng nhập", v)
}

func (u *UI) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.renderError(w, r, nil, err)
		return
	}
	c, err := r.Cookie(preloginCookie)
	if err != nil || !sameToken(r.PostFormValue(csrfField), c.Value) {
		u.renderError(w, r, nil, &webError{ECSRF, "login form without its token"})
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	next := safeNext(r.PostFormValue("next"))
	token, sess, user, err := u.cfg.Accounts.LoginFrom(r.Context(), auth.ClientAddr(r, u.cfg.TrustedProxies), username, r.PostFormValue("password"))
	if err != nil {
		_, p := problemOf(err)
		status := p.Status
		if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			u.logIfInternal(r, err)
		}
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) {
			w.Header().Set("Retry-After", strconv.FormatInt(int64(max(ra.RetryAfter(), time.Second)/time.Second), 10))
		}
		u.renderLogin(w, r, status, loginView{Username: username, Next: next, Error: Message(err)})
		return
	}
	setCookie(w, r, sessionCookie, token, sess.ExpiresAt.Sub(sess.CreatedAt))
	if user.MustChangePassword {
		// A password an admin set: the change first, then the page asked for.
		next = passwordPath + "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := u.cfg.Accounts.Logout(r.Context(), s.Token); err != nil {
		u.log.WarnContext(r.Context(), "logout", "err", err)
	}
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login redirect on this site: a path of its own,
// never what a browser reads as another host. A browser removes tabs and
// line breaks from a URL before it reads it and takes a backslash for a
// slash (the WHATWG URL standard), so "/\t/evil.example" is
// "//evil.example" to it: a control character or a backslash anywhere
// gives "/".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, unsafeInNext) {
		return "/"
	}
	return next
}

// unsafeInNext reports the characters safeNext refuses.
func unsafeInNext(r rune) bool {
	return r == '\\' || r < 0x20 || r == 0x7f
}
