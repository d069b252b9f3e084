package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Optimistic concurrency in HTTP's own terms (RFC 9110, 8.8.3 and 13.1):
// every answer that is one document carries its ETag, a strong validator
// made of its version ("v3"; the URL names the document); a change with
// If-Match whose tags do not name the current version is 412
// precondition_failed, If-Match: * takes any version; a GET with
// If-None-Match naming it is 304. The check is the version check of the
// body's `version` (atomic with the write), so a document changed between
// the request's read and its write is a 412 too. If-Match and a body
// `version` that disagree are a 400 on `version`: neither wins, the
// request has two ideas of what it saw.

// docETag is the entity tag of a document at version v.
func docETag(v int) string { return `"v` + strconv.Itoa(v) + `"` }

// etagVersion is the version a strong tag of docETag's form names; ok is
// false for any other tag (a weak one, another server's).
func etagVersion(tag string) (v int, ok bool) {
	s, found := strings.CutPrefix(tag, `"v`)
	if !found || !strings.HasSuffix(s, `"`) {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSuffix(s, `"`))
	return v, err == nil && v > 0 && docETag(v) == tag
}

// etagList is the tags of a conditional header (several fields and
// comma-separated lists are one list); "*" stays "*".
func etagList(h http.Header, name string) []string {
	var out []string
	for _, line := range h.Values(name) {
		for t := range strings.SplitSeq(line, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// notModified answers 304 to a GET (or HEAD) of d whose If-None-Match
// names its tag or is "*" (weak comparison, RFC 9110 13.1.2: W/"v3"
// matches); false when the document is to be sent.
func notModified(c echo.Context, d *workflow.Document) (bool, error) {
	tags := etagList(c.Request().Header, "If-None-Match")
	cur := docETag(d.Version)
	if !slices.ContainsFunc(tags, func(t string) bool { return t == "*" || strings.TrimPrefix(t, "W/") == cur }) {
		return false, nil
	}
	c.Response().Header().Set("ETag", cur)
	return true, c.NoContent(http.StatusNotModified)
}

// ifMatch is the version a change of document id must find, from
// If-Match and the body's version (0: any): the body's when there is no
// If-Match or it is "*"; else the version its one tag names (-1, which
// no document has, for a tag not of this server's form, so that the
// change fails 412), or, for several tags, the current version when one
// of them names it (one read of the document; 412 when none does).
func (s *Server) ifMatch(c echo.Context, body int) (int, error) {
	tags := etagList(c.Request().Header, "If-Match")
	if len(tags) == 0 || slices.Contains(tags, "*") {
		return body, nil
	}
	versions := make([]int, len(tags))
	for i, t := range tags {
		if v, ok := etagVersion(t); ok {
			versions[i] = v
		} else {
			versions[i] = -1
		}
	}
	switch {
	case body != 0 && !slices.Contains(versions, body):
		return 0, workflow.Errorf(workflow.EINVALID, "version %d in the body and If-Match %s disagree: send one, or the same version in both", body, strings.Join(tags, ", ")).On("version")
	case body != 0:
		return body, nil
	case len(versions) == 1:
		return versions[0], nil
	}
	d, err := s.Docs.Get(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return 0, err
	}
	if !slices.Contains(versions, d.Version) {
		return 0, stale(d, tags, nil)
	}
	return d.Version, nil
}

// preconditionFailed turns err, the error of a change made with
// If-Match, into a 412 when the document is no longer at a version the
// tags name: the version check's conflict, or the illegal transition or
// conflict a document changed meanwhile answers before its version is
// compared. Any other err (no If-Match, another code, the tag still
// current) is returned as it is.
func (s *Server) preconditionFailed(c echo.Context, err error) error {
	tags := etagList(c.Request().Header, "If-Match")
	code := workflow.ErrorCode(err)
	if len(tags) == 0 || slices.Contains(tags, "*") || code != workflow.ECONFLICT && code != workflow.EILLEGAL {
		return err
	}
	d, gerr := s.Docs.Get(c.Request().Context(), Actor(c), c.Param("id"))
	if gerr != nil || slices.Contains(tags, docETag(d.Version)) {
		return err
	}
	return stale(d, tags, err)
}

// stale is the 412 of a change whose If-Match tags do not name d's
// version.
func stale(d *workflow.Document, tags []string, cause error) error {
	return workflow.Wrap(workflow.EPRECONDITION, cause,
		"document %s changed: it is at version %d (ETag %s), not the one If-Match names (%s); reload it and retry",
		d.ID, d.Version, docETag(d.Version), strings.Join(tags, ", "))
}
