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
	EINPROGRESS       = "request_in_progress"    // the same request (idempotency key) is still being processed: retry soon
	EKEYREUSED        = "idempotency_key_reused" // an idempotency key sent again with a different request
	EFORBIDDEN        = "forbidden"
	EUNAUTHORIZED     = "unauthorized"
	ETOOLARGE         = "too_large"
	ETOOMANY          = "too_many_requests" // throttled (failed logins): try again later
	EUNAVAILABLE      = "unavailable"       // a dependency (signer, storage, peer) is down or not configured
	EINTERNAL         = "internal"
)

// ErrDigestMismatch is the cause (errors.Is) of the EINVALID that
// Blobs.Put returns when the content does not match its declared SHA-256.
var ErrDigestMismatch = errors.New("content does not match its SHA-256")

// Error is the domain error: a code for machines and a message for people.
type Error struct {
	Code    string
	Message string
	Err     error // optional cause, not shown to users
}

func (e *Error) Error() string {
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
