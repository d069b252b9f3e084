package workflow

import (
	"errors"
	"fmt"
)

// Error codes. They are stable strings: the api package maps each to an
// HTTP status in one table, and they appear as-is in JSON error bodies.
const (
	EINVALID          = "invalid"                // malformed or semantically wrong input
	EUNPROCESSABLE    = "unprocessable"          // well-formed request, content cannot be used (encrypted PDF...)
	EUNSUPPORTEDMEDIA = "unsupported_media_type" // not the kind of content expected (not a PDF)
	ENOTFOUND         = "not_found"
	EILLEGAL          = "illegal_transition"     // action not allowed in the document's state
	ECONFLICT         = "conflict"               // stale version, duplicate
	EPRECONDITION     = "precondition_failed"    // a condition the request sets on the current version (HTTP If-Match) does not hold
	EINPROGRESS       = "request_in_progress"    // the same request (idempotency key) is still being processed: retry soon
	EKEYREUSED        = "idempotency_key_reused" // an idempotency key sent again with a different request
	EFORBIDDEN        = "forbidden"
	EUNAUTHORIZED     = "unauthorized"
	// EPASSWORDCHANGE: the account's password was set by an admin (or
	// generated) and must be changed before anything else is done.
	EPASSWORDCHANGE = "password_change_required"
	// ESIGNPASSWORD: signing or issuing through the API needs the
	// caller's password with the request on this server (none was sent,
	// nor confirmed by the session lately).
	ESIGNPASSWORD = "sign_password_required"
	ETOOLARGE     = "too_large"
	ETOOMANY      = "too_many_requests" // throttled (failed logins): try again later
	EUNAVAILABLE  = "unavailable"       // a dependency (signer, storage, peer) is down or not configured
	EINTERNAL     = "internal"
	// EGONE: an archived record destroyed by a disposal decision
	// (disposal.go): what stays says which (HTTP 410).
	EGONE = "gone"
)

// ErrDigestMismatch is the cause (errors.Is) of the EINVALID that
// Blobs.Put returns when the content does not match its declared SHA-256.
var ErrDigestMismatch = errors.New("content does not match its SHA-256")

// Why an uploaded PDF was refused (EUNPROCESSABLE): the inspection's
// refusal has one of these as a cause (errors.Is), so a page can say what
// to do about it.
var (
	ErrPDFEncrypted = errors.New("the PDF is encrypted")
	ErrPDFDamaged   = errors.New("the PDF cannot be read")
	ErrPDFForm      = errors.New("the PDF is a form")
	ErrPDFSigned    = errors.New("the PDF is signed already")
	ErrPDFActive    = errors.New("the PDF acts when opened")
)

// Error is the domain error: a code for machines and a message for people.
type Error struct {
	Code    string
	Message string
	// Field names the input at fault, where one is, as the API names it:
	// a JSON field ("subject"; nested: "sender.org_id", "layout.signature")
	// or a multipart part ("file", "attachment"). "" when the error is not
	// one input's (a forbidden action, a conflict, a dependency down).
	Field string
	Err   error // optional cause, not shown to users
}

func (e *Error) Error() string {
	var inner *Error
	if errors.As(e.Err, &inner) && inner.Code == e.Code && inner.Message == e.Message {
		return e.Err.Error() // OnField's copy: the cause says it all
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code and message that keeps err as its cause.
func Wrap(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// On sets the input at fault (Field) and returns e:
// Errorf(EINVALID, "subject is required").On("subject").
func (e *Error) On(field string) *Error {
	e.Field = field
	return e
}

// inputCodes are the codes of an error in what a client sent, the ones
// OnField ties to an input.
var inputCodes = map[string]bool{EINVALID: true, EUNPROCESSABLE: true, EUNSUPPORTEDMEDIA: true, ETOOLARGE: true}

// OnField returns err with field as the input at fault when err is an
// error of the input (EINVALID, EUNPROCESSABLE, EUNSUPPORTEDMEDIA,
// ETOOLARGE) naming none yet: an *Error of the same code and message that
// wraps err. Any other err (nil, another code, a field already named) is
// returned as it is.
func OnField(err error, field string) error {
	var e *Error
	if !errors.As(err, &e) || e.Field != "" || !inputCodes[e.Code] {
		return err
	}
	return &Error{Code: e.Code, Message: e.Message, Field: field, Err: err}
}

// ErrorField returns the input at fault of the first *Error in err's
// chain (its Field), "" when there is none.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or "internal error".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
