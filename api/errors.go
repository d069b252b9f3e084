package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
)

// publicCode is the code shown in JSON where it differs from the domain
// code: 422 answers keep the API's "invalid" code.
var publicCode = map[string]string{workflow.EUNPROCESSABLE: workflow.EINVALID}

// codeOfStatus maps statuses of Echo's own errors (unknown route, wrong
// method, body limit) back to codes.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            workflow.EINVALID,
	http.StatusUnauthorized:          workflow.EUNAUTHORIZED,
	http.StatusForbidden:             workflow.EFORBIDDEN,
	http.StatusNotFound:              workflow.ENOTFOUND,
	http.StatusPreconditionFailed:    workflow.EPRECONDITION,
	http.StatusMethodNotAllowed:      workflow.ENOTFOUND,
	http.StatusRequestEntityTooLarge: workflow.ETOOLARGE,
	http.StatusUnsupportedMediaType:  workflow.EUNSUPPORTEDMEDIA,
	http.StatusServiceUnavailable:    workflow.EUNAVAILABLE,
	http.StatusTooManyRequests:       workflow.ETOOMANY,
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the code and message of an error answer, and the
// request field at fault where the error is one input's (the name the
// API gives it: "subject", "sender.org_id", the part "file").
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Fields is every problem of the input, the first one the error's
	// own (Field, Message), when there are two or more (workflow.Problems:
	// a validation reports each field's); absent otherwise.
	Fields []FieldProblem `json:"fields,omitempty"`
}

// FieldProblem is one of an input's problems: its field ("" when none)
// and message.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// fieldProblems is err's problems when it has two or more input ones.
func fieldProblems(err error) []FieldProblem {
	ps := workflow.Problems(err)
	if len(ps) < 2 {
		return nil
	}
	out := make([]FieldProblem, len(ps))
	for i, p := range ps {
		out[i] = FieldProblem{Field: p.Field, Message: p.Message}
	}
	return out
}

// errorHandler is Echo's HTTPErrorHandler: it renders every error as
// {"error":{"code","message"}} (with "field", and "fields" for several
// problems, an input's); internal errors are logged once, here,
// and shown as "internal error".
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg, field, status := workflow.EINTERNAL, "internal error", "", http.StatusInternalServerError
	var fields []FieldProblem
	var he *echo.HTTPError
	var de *workflow.Error
	switch {
	case errors.As(err, &de):
		code = de.Code
		status, _ = httpstatus.Of(code) // the one table of statuses
		if code != workflow.EINTERNAL {
			msg, field = de.Message, de.Field
			fields = fieldProblems(err)
		}
	case errors.As(err, &he):
		status = he.Code
		if c, ok := codeOfStatus[status]; ok {
			code = c
		}
		if m, ok := he.Message.(string); ok && status < 500 {
			msg = m
		} else {
			msg = http.StatusText(status)
		}
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method,
			"path", c.Path(), "status", status, "err", err)
	}
	// A throttled request, or one whose idempotency key is in flight, says
	// when to come back (RFC 9110 Retry-After).
	var ra interface{ RetryAfter() time.Duration }
	if (status == http.StatusTooManyRequests || code == workflow.EINPROGRESS) && errors.As(err, &ra) {
		c.Response().Header().Set("Retry-After", strconv.FormatInt(int64(max(ra.RetryAfter(), time.Second)/time.Second), 10))
	}
	if pc, ok := publicCode[code]; ok {
		code = pc
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		// The headers a GET would get (RFC 9110, 9.3.2), without the body.
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		werr = c.NoContent(status)
	} else {
		werr = c.JSON(status, ErrorBody{ErrorDetail{Code: code, Message: msg, Field: field, Fields: fields}})
	}
	if werr != nil {
		s.log.Warn("write error response", slog.Any("err", werr))
	}
}
