package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/workflow"
)

// bind decodes a JSON body strictly into v, a struct: a Content-Type
// that says the body is something else is 415, an error in the JSON 400
// (413 past maxJSON), naming the field at fault (jsonBodyError).
func bind(c echo.Context, v any) error {
	if err := checkJSONType(c.Request().Header.Get(echo.HeaderContentType)); err != nil {
		return err
	}
	if err := decodeJSON(c.Request().Body, v); err != nil {
		return jsonBodyError("the request body", err)
	}
	return nil
}

// maxJSON is the largest JSON body or meta part read.
const maxJSON = 1 << 20

// decodeJSON reads one JSON object from r into v: no field v does not
// have (unknownFieldError), none named twice (duplicateFieldError), a null only where the field takes one
// (applyNulls: nullFieldError), nothing but white space after it
// (`{...}garbage` and `{...}{...}` were taken for their first value), at
// most maxJSON bytes (errJSONTooLarge).
func decodeJSON(r io.Reader, v any) error {
	data, err := io.ReadAll(&io.LimitedReader{R: r, N: maxJSON + 1})
	if err != nil {
		return err
	}
	if len(data) > maxJSON {
		return errJSONTooLarge
	}
	if err := expectObject(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err = dec.Decode(v); err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err = unknownField(err, data, v); err != nil {
		return err
	}
	if err = duplicateField(data); err != nil {
		return err
	}
	return applyNulls(data, v)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      UserJSON  `json:"user"`
}

func (s *Server) handleLogin(c echo.Context) error {
	var req loginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	token, sess, u, err := s.Accounts.LoginFrom(c.Request().Context(), auth.ClientAddr(c.Request(), s.TrustedProxies), req.Username, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{Token: token, ExpiresAt: sess.ExpiresAt.UTC(), User: ToUserJSON(u)})
}

func (s *Server) handleLogout(c echo.Context) error {
	token, _ := c.Get(tokenKey).(string)
	if err := s.Accounts.Logout(c.Request().Context(), token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// handleChangePassword is the logged-in user's own change of password:
// the session of this request stays, the user's others end.
func (s *Server) handleChangePassword(c echo.Context) error {
	var req changePasswordRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	token, _ := c.Get(tokenKey).(string)
	u, err := s.Accounts.ChangePasswordFrom(c.Request().Context(), auth.ClientAddr(c.Request(), s.TrustedProxies), Actor(c),
		token, req.CurrentPassword, req.NewPassword)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToUserJSON(u))
}

type createUserRequest struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	FullName string   `json:"full_name"`
	Title    string   `json:"title"`
	Unit     string   `json:"unit"`
	Roles    []string `json:"roles"`
	// PersonalID binds an official to a CA certificate whose UID names it.
	PersonalID string `json:"personal_id"`
	// Email is where the notifications go (README "E-mail notifications").
	Email string `json:"email"`
}

func (s *Server) handleCreateUser(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	var req createUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	mc, err := mailChange{Email: &req.Email}.checked()
	if err != nil {
		return err
	}
	in := auth.NewUser{Username: req.Username, Password: req.Password, FullName: req.FullName, Title: req.Title, Unit: req.Unit,
		PersonalID: req.PersonalID}
	for _, r := range req.Roles {
		in.Roles = append(in.Roles, workflow.Role(r))
	}
	u, initial, err := s.Accounts.CreateUserInitial(c.Request().Context(), Actor(c), in)
	if err != nil {
		return err
	}
	if *mc.Email != "" {
		if err := s.applyMail(c.Request().Context(), Actor(c), u.ID, mc); err != nil {
			return err
		}
	}
	out, err := s.usersJSON(c, []*workflow.User{u})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdUserJSON{UserJSON: out[0], InitialPassword: initial})
}

// createdUserJSON is POST /users's answer: the user, and the password
// generated when the request gave none (auth.Service.CreateUserInitial),
// in this answer only (no-store, as every answer of the API).
type createdUserJSON struct {
	UserJSON
	InitialPassword string `json:"initial_password,omitempty"`
}

func (s *Server) handleListUsers(c echo.Context) error {
	users, err := s.Directory.Users(c.Request().Context())
	if err != nil {
		return err
	}
	out, err := s.usersJSON(c, users)
	if err != nil {
		return err
	}
	if err := s.withWaiting(c, out); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// updateUserRequest is PATCH /users/{id}: the fields given change, the
// others stay.
type updateUserRequest struct {
	FullName   *string   `json:"full_name"`
	Title      *string   `json:"title" null:"clear"`
	Unit       *string   `json:"unit" null:"clear"`
	Roles      *[]string `json:"roles"`
	Disabled   *bool     `json:"disabled"`
	PersonalID *string   `json:"personal_id" null:"clear"`
	// MustChangePassword true requires a new password of the user at the
	// next login (and ends their sessions); only the user clears it.
	MustChangePassword *bool `json:"must_change_password"`
	mailChange
}

// accountGiven reports whether req changes anything but the e-mail
// settings.
func (r *updateUserRequest) accountGiven() bool {
	return r.FullName != nil || r.Title != nil || r.Unit != nil || r.Roles != nil || r.Disabled != nil ||
		r.PersonalID != nil || r.MustChangePassword != nil
}

// handleUpdateUser changes a user's names, roles, disabled flag,
// personal ID number or requires a new password (must_change_password
// true: a field of the user like disabled, which likewise ends the
// user's sessions, changed in the same transaction as the others; admins;
// the rules are auth.Service.UpdateUser's).
func (s *Server) handleUpdateUser(c echo.Context) error {
	self := Actor(c) != nil && Actor(c).ID == c.Param("id")
	notAdmin := RequireRole(c, workflow.RoleAdmin)
	if notAdmin != nil && !self {
		return notAdmin
	}
	var req updateUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if notAdmin != nil && req.accountGiven() {
		return notAdmin // a user changes only their own e-mail settings
	}
	var err error
	if req.mailChange, err = req.mailChange.checked(); err != nil {
		return err
	}
	if !req.accountGiven() {
		u, err := s.Directory.User(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		if err := s.applyMail(c.Request().Context(), Actor(c), u.ID, req.mailChange); err != nil {
			return err
		}
		return s.userJSON(c, http.StatusOK, u)
	}
	u, err := s.Accounts.UpdateUser(c.Request().Context(), Actor(c), c.Param("id"), func(u *workflow.User) error {
		for p, v := range map[*string]*string{&u.FullName: req.FullName, &u.Title: req.Title, &u.Unit: req.Unit} {
			if v != nil {
				*p = strings.TrimSpace(*v)
			}
		}
		if req.Roles != nil {
			u.Roles = u.Roles[:0:0]
			for _, r := range *req.Roles {
				u.Roles = append(u.Roles, workflow.Role(r))
			}
		}
		if req.Disabled != nil {
			u.Disabled = *req.Disabled
		}
		if req.PersonalID != nil {
			u.PersonalID = *req.PersonalID // normalised by UpdateUser
		}
		if req.MustChangePassword != nil {
			u.MustChangePassword = *req.MustChangePassword // the rules are UpdateUser's
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.applyMail(c.Request().Context(), Actor(c), u.ID, req.mailChange); err != nil {
		return err
	}
	return s.userJSON(c, http.StatusOK, u)
}

func (s *Server) handleGetUser(c echo.Context) error {
	u, err := s.Directory.User(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.userJSON(c, http.StatusOK, u)
}

// metaRequest is the "meta" part of POST /documents. Urgency and
// Confidentiality left out (""): a reply's letter's
// (workflow.ReplyDefaults), else normal.
type metaRequest struct {
	Direction       string         `json:"direction"`
	Type            string         `json:"type"`
	Subject         string         `json:"subject"`
	Urgency         string         `json:"urgency"`
	Confidentiality string         `json:"confidentiality"`
	SignerID        string         `json:"signer_id"`
	Recipients      []workflow.Org `json:"recipients"`
	DraftingUnit    string         `json:"drafting_unit"`
	Layout          *LayoutJSON    `json:"layout" null:"omit"`
	Sender          *workflow.Org  `json:"sender" null:"omit"`
	OriginalNumber  string         `json:"original_number"`
	OriginalDate    string         `json:"original_date"`
	// DueDate left out (nil): a reply takes its letter's
	// (workflow.ReplyDefaults); "" or null: none.
	DueDate   *string `json:"due_date" null:"clear"`
	Retention string  `json:"retention"`
	Notes     string  `json:"notes"`
	// Replaces or Updates: the ID of a sent outgoing document this one
	// replaces (edXML type 3) or updates (type 2).
	Replaces string `json:"replaces"`
	Updates  string `json:"updates"`
	// RepliesTo: the ID of the incoming document this outgoing one answers.
	RepliesTo string `json:"replies_to"`
}

// parseDay reads a calendar date "YYYY-MM-DD" (nil when empty).
func parseDay(field, v string) (*workflow.Date, error) {
	if v == "" {
		return nil, nil
	}
	d, err := workflow.ParseDate(v)
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "%s must be a date like 2026-11-20", field).On(field)
	}
	return &d, nil
}

// checkDayRange is workflow.CheckRange of the query's from and to days
// (their own errors are parseDay's, reported by the caller).
func checkDayRange(c echo.Context) error {
	from, ferr := parseDay("from", c.QueryParam("from"))
	to, terr := parseDay("to", c.QueryParam("to"))
	if ferr != nil || terr != nil {
		return nil
	}
	return workflow.CheckRange(from, to)
}

// parseDate reads "YYYY-MM-DD" as the instant that day begins in Vietnam,
// for filters over instants (creation time).
func parseDate(field, v string) (*time.Time, error) {
	d, err := parseDay(field, v)
	if d == nil {
		return nil, err
	}
	t := d.Midnight(workflow.Vietnam)
	return &t, nil
}

// Uploads up to uploadInMemory bytes (per request, all its files) are
// held in memory, not spooled to a temporary file: a one-page draft then
// costs no file to create, write, read three times (the signing check,
// the hash, the store) and remove. All requests together hold at most
// uploadMemoryBudget so; past it, or past a request's share, files are
// spooled to disk as before.
const (
	uploadInMemory     = 1 << 20
	uploadMemoryBudget = 64 << 20
)

// uploads holds a request's files until the request ends: in memory,
// or spooled to temporary files.
type uploads struct {
	files    []*os.File
	budget   *atomic.Int64 // the server's bytes of in-memory uploads in flight
	reserved int64         // this request's part of it
	// body counts the bytes read of a request body of size bytes (its
	// Content-Length; -1 unknown): what is left of it bounds the part
	// being read, so its buffer is allocated once, not doubled from
	// 512 bytes (nil: no bound known).
	body *countingReader
	size int64
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// partBound is at least the size of the part being read: the body left
// plus what the multipart reader may have buffered ahead (its 4 KiB), at
// most the whole body; 0 when the body's size is unknown.
func (u *uploads) partBound() int64 {
	if u.body == nil || u.size < 0 {
		return 0
	}
	return min(max(u.size-u.body.n, 0)+multipartReadAhead, u.size)
}

// multipartReadAhead is what mime/multipart reads beyond the part it
// returns (its peek buffer) and more.
const multipartReadAhead = 4096 + 512

// readAtMost reads r to its end or to most bytes, into a buffer of
// bound bytes at first (grown only if r has more).
func readAtMost(r io.Reader, most, bound int64) ([]byte, error) {
	b := make([]byte, 0, min(max(bound, 512), most))
	for int64(len(b)) < most {
		if len(b) == cap(b) {
			b = slices.Grow(b, int(min(int64(cap(b)), most-int64(len(b)))))
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), most)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

func (u *uploads) cleanup() {
	for _, f := range u.files {
		f.Close()
		os.Remove(f.Name())
	}
	if u.budget != nil && u.reserved > 0 {
		u.budget.Add(-u.reserved)
		u.reserved = 0
	}
}

// reserve takes up to uploadInMemory (less what the request holds
// already) from the server's budget; 0 when there is none left.
func (u *uploads) reserve(limit int64) int64 {
	want := min(uploadInMemory-u.reserved, limit)
	if u.budget == nil || want <= 0 {
		return 0
	}
	if u.budget.Add(want) > uploadMemoryBudget {
		u.budget.Add(-want)
		return 0
	}
	u.reserved += want
	return want
}

// spool reads a part into memory when it fits what reserve grants, else
// to a temporary file, refusing more than limit bytes.
func (u *uploads) spool(p *multipart.Part, limit int64) (*workflow.Upload, error) {
	var head []byte
	if mem := u.reserve(limit); mem > 0 {
		buf, err := readAtMost(p, mem+1, u.partBound())
		if err != nil {
			return nil, uploadErr(err)
		}
		if n := int64(len(buf)); n <= mem || n > limit {
			held := min(int64(cap(buf)), mem)
			u.budget.Add(held - mem) // give back what the part did not need
			u.reserved -= mem - held
			return checkedUpload(p.FileName(), n, limit, bytes.NewReader(buf))
		}
		// Larger: what was read goes first into the file, and the
		// memory is given back.
		head = buf
		u.budget.Add(-mem)
		u.reserved -= mem
	}
	f, err := os.CreateTemp("", "vanthu-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	u.files = append(u.files, f)
	if _, err := f.Write(head); err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(p, limit+1-int64(len(head))))
	if err != nil {
		return nil, uploadErr(err)
	}
	return checkedUpload(p.FileName(), int64(len(head))+n, limit, f)
}

// checkedUpload is the upload of n bytes, or the error of a file larger
// than limit or empty.
func checkedUpload(name string, n, limit int64, content io.ReaderAt) (*workflow.Upload, error) {
	if n > limit {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "file %q is larger than the limit of %s", name, sizeText(limit))
	}
	if n == 0 {
		return nil, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "file %q is empty, not a PDF", name)
	}
	return &workflow.Upload{Name: name, Size: n, Content: content}, nil
}

// refuseUpload answers err to an upload whose body is left unread: the
// connection is closed after the answer instead of being drained (the
// server would otherwise read up to 256 KiB of it first, and a client
// still sending could not reuse the connection anyway).
func refuseUpload(c echo.Context, err error) error {
	c.Response().Header().Set(echo.HeaderConnection, "close")
	return err
}

// sizeText is n bytes in MiB, or KiB below one MiB.
func sizeText(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) { // the body is an http.MaxBytesReader
		return workflow.Errorf(workflow.ETOOLARGE, "upload is larger than the limit")
	}
	return workflow.Wrap(workflow.EINVALID, err, "cannot read the multipart upload: %v", err)
}

func (s *Server) handleCreateDocument(c echo.Context) error {
	r := c.Request()
	// Who may create is known before a byte of the body is read: a user
	// who cannot create any document is refused at once, and the
	// connection closed rather than drained.
	if err := workflow.CheckCreateRole(Actor(c), ""); err != nil {
		return refuseUpload(c, err)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "POST /documents takes multipart/form-data with parts meta, file and attachment")
	}
	up, err := s.limitUploads(c)
	if err != nil {
		return err
	}
	defer up.cleanup()
	parts, err := s.readCreateParts(c, multipart.NewReader(up.body, params["boundary"]), up)
	if err != nil {
		return err
	}
	in, err := parts.input()
	if err != nil {
		return err
	}
	if in.IdempotencyKey, err = idempotencyKey(r.Header); err != nil {
		return err
	}
	d, created, err := s.Docs.CreateOnce(r.Context(), Actor(c), in)
	if err != nil {
		return err
	}
	if !created {
		// The key's earlier document, as it is now (README, "Idempotent
		// creation").
		c.Response().Header().Set(HeaderIdempotentReplayed, "true")
		return s.writeDocumentJSON(c, http.StatusOK, d)
	}
	return s.writeDocumentJSON(c, http.StatusCreated, d)
}

// Idempotent creation's headers: the request's key (the IETF draft
// "The Idempotency-Key HTTP Header Field"), and the mark of an answer
// that is a replay (as Stripe's).
const (
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
)

// idempotencyKey is the request's Idempotency-Key ("" when there is
// none): a token, or a quoted string as the IETF draft writes it
// (Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"). The
// service checks the rest (length, printable ASCII).
func idempotencyKey(h http.Header) (string, error) {
	vs := h.Values(HeaderIdempotencyKey)
	if len(vs) == 0 {
		return "", nil
	}
	if len(vs) > 1 {
		return "", workflow.Errorf(workflow.EINVALID, "only one Idempotency-Key header is allowed")
	}
	k := strings.TrimSpace(vs[0])
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" {
		return "", workflow.Errorf(workflow.EINVALID, "the Idempotency-Key header is empty: send a unique key (a UUID, for example) or no header")
	}
	return k, nil
}

// limitUploads limits the body of a multipart upload with files (a
// create, a draft's revision): every file to MaxUpload (the parts'
// spool), the whole body to a multiple of it (main file plus
// attachments), refused at once when its Content-Length says more.
func (s *Server) limitUploads(c echo.Context) (*uploads, error) {
	r := c.Request()
	if r.ContentLength > 0 && r.ContentLength > 8*s.MaxUpload+(1<<20) {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "upload is larger than the limit")
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 8*s.MaxUpload+(1<<20))
	return &uploads{budget: &s.uploadMemory, body: &countingReader{r: r.Body}, size: r.ContentLength}, nil
}

// fileParts are the files of a multipart create or revision: the part
// file (at most one) and the parts attachment.
type fileParts struct {
	file        *workflow.Upload
	attachments []workflow.Upload
}

// readFilePart reads p into out when it is a part file or attachment,
// spooled to up within the upload limit (errors on the part's field);
// false for another part.
func (s *Server) readFilePart(p *multipart.Part, up *uploads, out *fileParts) (bool, error) {
	switch name := p.FormName(); name {
	case "file":
		if out.file != nil {
			return true, workflow.Errorf(workflow.EINVALID, "only one part named file is allowed; use attachment for more")
		}
		f, err := up.spool(p, s.MaxUpload)
		if err != nil {
			return true, workflow.OnField(err, name)
		}
		out.file = f
	case "attachment":
		a, err := up.spool(p, s.MaxUpload)
		if err != nil {
			return true, workflow.OnField(err, name)
		}
		out.attachments = append(out.attachments, *a)
	default:
		return false, nil
	}
	return true, nil
}

// createParts are the parts of a POST /documents.
type createParts struct {
	meta *metaRequest
	fileParts
}

// readCreateParts reads the parts of a POST /documents: meta first (its
// direction decides the role, checked before any file part is read),
// then file and attachments, spooled to up.
func (s *Server) readCreateParts(c echo.Context, mr *multipart.Reader, up *uploads) (*createParts, error) {
	var out createParts
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, uploadErr(err)
		}
		switch name := p.FormName(); {
		case name == "meta":
			if out.meta != nil {
				return nil, workflow.Errorf(workflow.EINVALID, "only one part named meta is allowed")
			}
			out.meta = &metaRequest{}
			if err := decodeJSON(p, out.meta); err != nil {
				return nil, refuseUpload(c, jsonBodyError("part meta", err))
			}
			// The direction decides the role: checked before any file
			// part is read.
			if err := workflow.CheckCreateRole(Actor(c), workflow.Direction(out.meta.Direction)); err != nil {
				return nil, refuseUpload(c, err)
			}
		case out.meta == nil && (name == "file" || name == "attachment"):
			return nil, refuseUpload(c, workflow.Errorf(workflow.EINVALID, "part meta must come before the file and attachment parts"))
		default:
			if ok, err := s.readFilePart(p, up, &out.fileParts); err != nil {
				return nil, err
			} else if !ok {
				return nil, workflow.Errorf(workflow.EINVALID, "unknown part %q: expected meta, file, attachment", p.FormName())
			}
		}
		p.Close()
	}
	if out.meta == nil {
		return nil, workflow.Errorf(workflow.EINVALID, "part meta (JSON) is required")
	}
	return &out, nil
}

// input is the service's input of the parts.
func (p *createParts) input() (workflow.CreateInput, error) {
	meta := p.meta
	in := workflow.CreateInput{Direction: workflow.Direction(meta.Direction), Type: workflow.DocType(meta.Type),
		Subject: meta.Subject, Urgency: workflow.Urgency(meta.Urgency), Confidentiality: workflow.Confidentiality(meta.Confidentiality),
		SignerID: meta.SignerID, Recipients: meta.Recipients, DraftingUnit: meta.DraftingUnit, Layout: meta.Layout.toDomain(), Sender: meta.Sender,
		OriginalNumber: meta.OriginalNumber, Retention: meta.Retention, Notes: meta.Notes, File: p.file, Attachments: p.attachments,
		Replaces: meta.Replaces, Updates: meta.Updates, RepliesTo: meta.RepliesTo}
	composeText(&in)
	var err error
	if in.OriginalDate, err = parseDay("original_date", meta.OriginalDate); err != nil {
		return in, err
	}
	if meta.DueDate == nil {
		in.DueFromLetter = meta.RepliesTo != ""
	} else if in.DueDate, err = parseDay("due_date", *meta.DueDate); err != nil {
		return in, err
	}
	return in, nil
}

// composeText puts a new document's text in Unicode NFC, as the web
// forms and the exchange do: Vietnamese keyboards and macOS type
// decomposed letters ("ế" as e + U+0302 + U+0301), and stored so, a
// subject counted up to three times its letters against its limit, and
// registers, exports and other agencies' systems got text that does not
// compare equal to the same words typed elsewhere.
func composeText(in *workflow.CreateInput) {
	for _, f := range []*string{&in.Subject, &in.DraftingUnit, &in.OriginalNumber, &in.Notes} {
		*f = norm.NFC.String(*f)
	}
	if in.Sender != nil {
		in.Sender.Name = norm.NFC.String(in.Sender.Name)
	}
	for i := range in.Recipients {
		in.Recipients[i].Name = norm.NFC.String(in.Recipients[i].Name)
	}
	if in.File != nil {
		in.File.Name = norm.NFC.String(in.File.Name)
	}
	for i := range in.Attachments {
		in.Attachments[i].Name = norm.NFC.String(in.Attachments[i].Name)
	}
}

type listResponse struct {
	Items      []DocumentJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      *int           `json:"total,omitempty"` // with ?count=true
}

// DocumentCounter lists with the total of every page
// (workflow.Service.ListCount); a Docs without it answers ?count=true 503.
type DocumentCounter interface {
	// ListCount is List with the count of what it finds on all its
	// pages, both read in one snapshot: the total never disagrees with
	// the pages.
	ListCount(ctx context.Context, actor *workflow.User, f workflow.DocumentFilter) ([]*workflow.Document, string, int, error)
}

// wantCount reads ?count=: true asks a list for its total (one COUNT of
// every match, which a page does not pay unless asked), false or absent
// does not; anything else is a 400 on count.
func wantCount(c echo.Context) (bool, error) {
	switch c.QueryParam("count") {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, workflow.Errorf(workflow.EINVALID, "count must be true or false").On("count")
}

func (s *Server) handleListDocuments(c echo.Context) error {
	if err := checkQuery(c); err != nil {
		return err
	}
	f := workflow.DocumentFilter{Direction: workflow.Direction(c.QueryParam("direction")), State: workflow.State(c.QueryParam("state")),
		Type: workflow.DocType(c.QueryParam("type")), Query: c.QueryParam("q"), After: c.QueryParam("cursor"),
		Source: workflow.Source(c.QueryParam("source")), Sender: c.QueryParam("sender")}
	if err := checkListEnums(f); err != nil {
		return err
	}
	var err error
	if f.From, err = parseDate("from", c.QueryParam("from")); err != nil {
		return err
	}
	if err := checkDayRange(c); err != nil {
		return err
	}
	if f.To, err = parseDate("to", c.QueryParam("to")); err != nil {
		return err
	}
	if f.To != nil {
		end := f.To.Add(24*time.Hour - time.Nanosecond)
		f.To = &end
	}
	if f.Signed, err = s.actFilter(c, "signed"); err != nil {
		return err
	}
	if f.Issued, err = s.actFilter(c, "issued"); err != nil {
		return err
	}
	if f.Limit, err = pageLimit(c); err != nil {
		return err
	}
	want, err := wantCount(c) // refused before any query
	if err != nil {
		return err
	}
	if !want {
		docs, next, err := s.Docs.List(c.Request().Context(), Actor(c), f)
		if err != nil {
			return err
		}
		return s.writeDocumentList(c, docs, next, nil)
	}
	dc, ok := s.Docs.(DocumentCounter)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "counting documents is not available")
	}
	docs, next, n, err := dc.ListCount(c.Request().Context(), Actor(c), f)
	if err != nil {
		return err
	}
	return s.writeDocumentList(c, docs, next, &n)
}

// checkQuery refuses a query string that does not parse (?q=%zz): Go
// drops such a parameter, and the filter it meant was ignored without a
// word (the whole list answered).
func checkQuery(c echo.Context) error {
	if _, err := url.ParseQuery(c.Request().URL.RawQuery); err != nil {
		return workflow.Errorf(workflow.EINVALID, "the query string does not parse: %v", err)
	}
	return nil
}

// checkFormat refuses a ?format= other than json or csv (?format=xlsx
// answered JSON as if it had been asked for).
func checkFormat(c echo.Context) error {
	if err := checkQuery(c); err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "", "json", "csv":
		return nil
	}
	return workflow.Errorf(workflow.EINVALID, "format must be json or csv").On("format")
}

// maxPage is the largest ?limit= of a listing (openapi.yaml: maximum).
const maxPage = 200

// pageLimit reads ?limit=: 0 when absent (the default page), else a
// number from 1 to maxPage. A larger one was read as the default (50)
// without a word: a client asking for 500 got 50.
func pageLimit(c echo.Context) (int, error) {
	l := c.QueryParam("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > maxPage {
		return 0, workflow.Errorf(workflow.EINVALID, "limit must be a number from 1 to %d", maxPage).On("limit")
	}
	return n, nil
}

// checkListEnums refuses a direction or state filter that names none
// (a misspelt ?state=recieved listed nothing, as if no document were in
// that state).
// actFilter reads the list's filter on one act, signed (layer 1) or
// issued: ?{act}_by (a user's ID, or me for the caller) and the days
// ?{act}_from and ?{act}_to (Vietnam days, both included). A user ID
// that names no user, a date that does not read and days in the wrong
// order are a 400 on their parameter.
func (s *Server) actFilter(c echo.Context, act string) (workflow.Act, error) {
	byField, fromField, toField := act+"_by", act+"_from", act+"_to"
	from, err := parseDay(fromField, c.QueryParam(fromField))
	if err != nil {
		return workflow.Act{}, err
	}
	to, err := parseDay(toField, c.QueryParam(toField))
	if err != nil {
		return workflow.Act{}, err
	}
	if workflow.CheckRange(from, to) != nil {
		return workflow.Act{}, workflow.Errorf(workflow.EINVALID, "%s is before %s: the range would match nothing", toField, fromField).On(toField)
	}
	vs, set := c.QueryParams()[byField]
	by := ""
	switch {
	case !set:
	case len(vs) != 1 || vs[0] == "":
		return workflow.Act{}, workflow.Errorf(workflow.EINVALID, "%s must be a user's ID or me", byField).On(byField)
	case vs[0] == "me":
		by = Actor(c).ID
	default:
		by = vs[0]
		if s.Directory == nil {
			break
		}
		if _, err := s.Directory.User(c.Request().Context(), by); workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Act{}, workflow.Errorf(workflow.EINVALID, "%s %q names no user", byField, by).On(byField)
		} else if err != nil {
			return workflow.Act{}, err
		}
	}
	return workflow.DaysAct(by, from, to), nil
}

func checkListEnums(f workflow.DocumentFilter) error {
	if f.Direction != "" && f.Direction != workflow.Outgoing && f.Direction != workflow.Incoming {
		return workflow.Errorf(workflow.EINVALID, "direction must be outgoing or incoming").On("direction")
	}
	if f.Source != "" && !slices.Contains(workflow.Sources, f.Source) {
		return workflow.Errorf(workflow.EINVALID, "source must be exchange or manual").On("source")
	}
	if f.Sender != "" && !workflow.ValidOrgID(f.Sender) {
		return workflow.Errorf(workflow.EINVALID, "sender must be an agency's org code (dot-separated groups of digits and capitals)").On("sender")
	}
	if f.State == "" || slices.Contains(workflow.States(workflow.Outgoing), f.State) || slices.Contains(workflow.States(workflow.Incoming), f.State) {
		return nil
	}
	return workflow.Errorf(workflow.EINVALID, "state %q is not a state of either machine", f.State).On("state")
}

func (s *Server) handleGetDocument(c echo.Context) error {
	d, err := s.Docs.Get(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := toDocumentJSON(d, Actor(c), s.Docs)
	tag := docETag(&out)
	if done, err := notModified(c, tag); done || err != nil {
		return err
	}
	return writeDocumentOut(c, http.StatusOK, &out, tag)
}

func (s *Server) handleGetFile(c echo.Context) error {
	ctx, id, sha := c.Request().Context(), c.Param("id"), c.QueryParam("sha256")
	if c.Request().Method == http.MethodHead {
		// The GET's headers from the file's record and its blob's info:
		// before, a HEAD read (and hashed) the whole file for nothing.
		d, f, oi, err := s.Docs.HeadFile(ctx, Actor(c), id, sha)
		if err != nil {
			return err
		}
		return blobHeaders(c, mediatype.Recorded(oi.ContentType, f.Name), workflow.DownloadName(d, f), f.SHA256, f.Size, nil)
	}
	rc, d, f, err := s.Docs.OpenFile(ctx, Actor(c), id, sha)
	if err != nil {
		return err
	}
	defer rc.Close()
	typ, body, err := mediatype.Sniff(rc, f.Name)
	if err != nil {
		return fmt.Errorf("read file %s: %w", f.SHA256, err)
	}
	return blobHeaders(c, typ, workflow.DownloadName(d, f), f.SHA256, f.Size, body)
}

// blobHeaders answers a stored file downloaded as name (a document's
// file: workflow.DownloadName): its headers, then body (nil: none, a
// HEAD's answer).
func blobHeaders(c echo.Context, typ, name, sha string, size int64, body io.Reader) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", mediatype.Disposition("attachment", name))
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("X-Content-SHA256", sha)
	h.Set("X-Content-Type-Options", "nosniff")
	if body == nil {
		h.Set(echo.HeaderContentType, typ)
		return c.NoContent(http.StatusOK)
	}
	return c.Stream(http.StatusOK, typ, body)
}

func (s *Server) handleEvents(c echo.Context) error {
	evs, err := s.Docs.Events(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]EventJSON, 0, len(evs))
	for _, e := range evs {
		out = append(out, toEventJSON(e))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

type actionRequest struct {
	Comment    string `json:"comment"`
	AssigneeID string `json:"assignee_id"`
	DueDate    string `json:"due_date"`
	Version    int    `json:"version"`
	Override   bool   `json:"override"`
}

func (s *Server) handleAction(c echo.Context) error {
	var req actionRequest
	if c.Request().ContentLength != 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	due, err := parseDay("due_date", req.DueDate)
	if err != nil {
		return err
	}
	version, err := s.ifMatch(c, req.Version)
	if err != nil {
		return err
	}
	action := workflow.Action(c.Param("action"))
	if err := s.signerPresent(c, action); err != nil {
		return err
	}
	in := workflow.ActionInput{Comment: norm.NFC.String(req.Comment), AssigneeID: req.AssigneeID, DueDate: due, Version: version, Override: req.Override}
	d, err := s.Docs.Apply(c.Request().Context(), Actor(c), c.Param("id"), action, in)
	if err != nil {
		return s.preconditionFailed(c, err)
	}
	return s.writeDocumentJSON(c, http.StatusOK, d)
}

// RegisterEntry is one line of a register, with every field Decree 30
// lists for it.
type RegisterEntry struct {
	Number          int            `json:"number"`
	Notation        string         `json:"notation,omitempty"`
	Date            string         `json:"date"`
	Type            string         `json:"type"`
	TypeName        string         `json:"type_name"`
	Subject         string         `json:"subject"`
	Urgency         string         `json:"urgency"`
	Confidentiality string         `json:"confidentiality"`
	Signer          string         `json:"signer,omitempty"`
	Recipients      []workflow.Org `json:"recipients,omitempty"`
	FileCopyUnit    string         `json:"file_copy_unit,omitempty"`
	Copies          int            `json:"copies,omitempty"`
	Sender          *workflow.Org  `json:"sender,omitempty"`
	OriginalNumber  string         `json:"original_number,omitempty"`
	OriginalDate    string         `json:"original_date,omitempty"`
	Receiver        string         `json:"receiver,omitempty"`
	Notes           string         `json:"notes"`
	DocumentID      string         `json:"document_id"`
	State           string         `json:"state"`
	// Status is set on a number no issued document carries: "voided" (a
	// failed issue after a later number was taken; Notes says why) or
	// "reserved" (an issue in progress).
	Status string `json:"status,omitempty"`
	// Disposed: the document's archived record was destroyed, by this
	// decision (the line and its number stay; Notes says so too).
	Disposed *DisposedJSON `json:"disposed,omitempty"`
}

func (s *Server) handleRegister(c echo.Context) error {
	kind := workflow.RegisterKind(c.Param("kind"))
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || year < 1900 || year > 9999 {
		return workflow.Errorf(workflow.EINVALID, "year must be a four-digit year")
	}
	if err := checkFormat(c); err != nil {
		return err
	}
	if kind == workflow.RegisterCopies {
		return s.handleCopyRegister(c, year)
	}
	month, err := workflow.ParseRegisterMonth(c.QueryParam("month"))
	if err != nil {
		return workflow.OnField(err, "month")
	}
	if c.QueryParam("format") == "csv" {
		name := fmt.Sprintf("register-%s-%d", kind, year)
		if month != 0 {
			name += fmt.Sprintf("-%02d", month)
		}
		return s.writeRegisterCSV(c, kind, year, month, name)
	}
	return s.writeRegisterJSON(c, kind, year, month)
}

// RegisterEntryOf is the API's line of register row r (also the web's
// JSON download's).
func RegisterEntryOf(r workflow.RegisterRow) RegisterEntry {
	e := RegisterEntry{Number: r.Number, Notation: r.Notation, Type: string(r.Type), TypeName: workflow.DocTypes[r.Type],
		Subject: r.Subject, Urgency: string(r.Urgency), Confidentiality: string(r.Confidentiality), State: string(r.State),
		Signer: r.Signer, Recipients: r.Recipients, FileCopyUnit: r.FileCopyUnit, Copies: r.Copies, Sender: r.Sender,
		OriginalNumber: r.OriginalNumber, Receiver: r.Receiver, Notes: r.Notes, DocumentID: r.DocumentID, Status: string(r.Status)}
	if r.Date != nil {
		e.Date = r.Date.String()
	}
	if r.OriginalDate != nil {
		e.OriginalDate = r.OriginalDate.String()
	}
	return e
}

// writeRegisterCSV writes the lines of a register of kind (a year, or
// its month) as the file name.csv, as they are read (EachRegisterRows: a
// year a page at a time, not built whole in memory). An error before the
// first lines answers the request; one after them aborts the response
// (http.ErrAbortHandler: the connection is closed without the chunked
// body's end, so a client's read fails) — a CSV cut at a line's end and
// ended as usual would look whole.
func (s *Server) writeRegisterCSV(c echo.Context, kind workflow.RegisterKind, year int, month time.Month, name string) error {
	var w *csvsafe.Writer
	err := s.Docs.EachRegisterRows(c.Request().Context(), Actor(c), kind, year, month, func(rows []workflow.RegisterRow) error {
		if w == nil {
			w = startRegisterCSV(c, kind, name)
		}
		entries, err := RegisterEntries(c.Request().Context(), s.disposed, rows)
		if err != nil {
			return err
		}
		for _, e := range entries {
			writeRegisterLine(w, kind, e)
		}
		w.Flush()
		return w.Error()
	})
	if err != nil && w != nil {
		s.log.WarnContext(c.Request().Context(), "register CSV cut short: response aborted", "register", kind, "year", year, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// startRegisterCSV sends the headers of a register's CSV file and its
// first line.
func startRegisterCSV(c echo.Context, kind workflow.RegisterKind, name string) *csvsafe.Writer {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename="+name+".csv")
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Write([]byte("\ufeff")) // BOM: spreadsheet programs then read UTF-8
	w := csvsafe.NewWriter(c.Response()) // every cell neutralised against formula injection
	if kind.Incoming() {
		w.Write([]string{"date_received", "incoming_number", "sender", "original_number", "original_date", "type", "subject", "urgency", "confidentiality", "receiver", "notes", "document_id"})
	} else {
		w.Write([]string{"number", "notation", "date", "type", "subject", "urgency", "confidentiality", "signer", "recipients", "file_copy_unit", "copies", "notes", "document_id"})
	}
	return w
}

// writeRegisterLine writes line e of a register of kind.
func writeRegisterLine(w *csvsafe.Writer, kind workflow.RegisterKind, e RegisterEntry) {
	orgs := func(os []workflow.Org) string {
		parts := make([]string, len(os))
		for i, o := range os {
			parts[i] = o.Name + " (" + o.OrgID + ")"
		}
		return strings.Join(parts, "; ")
	}
	if kind.Incoming() {
		sender := ""
		if e.Sender != nil {
			sender = orgs([]workflow.Org{*e.Sender})
		}
		w.Write([]string{e.Date, strconv.Itoa(e.Number), sender, e.OriginalNumber, e.OriginalDate, e.TypeName, e.Subject, e.Urgency, e.Confidentiality, e.Receiver, e.Notes, e.DocumentID})
		return
	}
	w.Write([]string{strconv.Itoa(e.Number), e.Notation, e.Date, e.TypeName, e.Subject, e.Urgency, e.Confidentiality, e.Signer, orgs(e.Recipients), e.FileCopyUnit, strconv.Itoa(e.Copies), e.Notes, e.DocumentID})
}

func (s *Server) handleAuditVerify(c echo.Context) error {
	r, err := s.Docs.VerifyAuditFor(c.Request().Context(), Actor(c))
	if err != nil {
		return err
	}
	out := map[string]any{"ok": r.OK, "events": r.Events}
	if r.FirstBroken != nil {
		out["first_broken"] = toEventJSON(*r.FirstBroken)
	}
	if r.Reason != "" {
		out["reason"] = r.Reason
	}
	if r.Anchors != nil {
		out["anchors"] = toAnchorReportJSON(r.Anchors)
	}
	return c.JSON(http.StatusOK, out)
}
