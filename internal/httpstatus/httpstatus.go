// Package httpstatus maps the domain's error codes (workflow.E*) to HTTP
// statuses: the one table, used by the API (api/errors.go), the web
// interface and the exchange endpoint.
package httpstatus

import (
	"net/http"

	"github.com/vanthu/vanthu/workflow"
)

// statusOf maps every domain error code to its HTTP status.
var statusOf = map[string]int{
	workflow.EINVALID:          http.StatusBadRequest,
	workflow.EUNPROCESSABLE:    http.StatusUnprocessableEntity,
	workflow.EUNSUPPORTEDMEDIA: http.StatusUnsupportedMediaType,
	workflow.ENOTFOUND:         http.StatusNotFound,
	workflow.EILLEGAL:          http.StatusConflict,
	workflow.ECONFLICT:         http.StatusConflict,
	workflow.EPRECONDITION:     http.StatusPreconditionFailed,
	workflow.EINPROGRESS:       http.StatusConflict,
	workflow.EKEYREUSED:        http.StatusUnprocessableEntity,
	workflow.EFORBIDDEN:        http.StatusForbidden,
	workflow.EUNAUTHORIZED:     http.StatusUnauthorized,
	workflow.EPASSWORDCHANGE:   http.StatusForbidden,
	workflow.ESIGNPASSWORD:     http.StatusForbidden,
	workflow.ETOOLARGE:         http.StatusRequestEntityTooLarge,
	workflow.ETOOMANY:          http.StatusTooManyRequests,
	workflow.EUNAVAILABLE:      http.StatusServiceUnavailable,
	workflow.EGONE:             http.StatusGone,
	workflow.EINTERNAL:         http.StatusInternalServerError,
}

// Of returns the status of a domain error code; ok is false (and the
// status 500) for a code the table does not know.
func Of(code string) (status int, ok bool) {
	status, ok = statusOf[code]
	if !ok {
		return http.StatusInternalServerError, false
	}
	return status, true
}
