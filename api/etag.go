package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Optimistic concurrency in HTTP's own terms (RFC 9110, 8.8.3 and 13.1):
// every answer that is one document carries its ETag, a strong validator
// of the answer: the document's version and a short hash of what in the
// answer depends on the caller and the server rather than on the version
// — its allowed_actions and unavailable_actions, and its files'
// inspected and active_content ("v3-1a2b3c4d"; the URL
// names the document). A GET with If-None-Match naming that tag is 304:
// a user whose roles changed, or who is no longer (or now) the named
// signer or assignee, or a second user behind the same cache, gets the
// document again with the actions that are now theirs.
//
// If-Match is judged by the version alone: a tag names its version
// whatever its hash (and the tag of old, "v3", names version 3 too), so a
// change sent with a tag from before a role change is made while the
// document is still at that version — the change's own role check judges
// the caller as they are now. A change with If-Match whose tags name no
// current version is 412 precondition_failed, If-Match: * takes any
// version. The check is the version check of the body's `version`
// (atomic with the write), so a document changed between the request's
// read and its write is a 412 too. If-Match and a body `version` that
// disagree are a 400 on `version`: neither wins, the request has two
// ideas of what it saw.

// docETag is the entity tag of the answer out (its version and actions,
// and what its files' inspection found: recorded by vanthu files inspect
// without a new version, workflow.InspectionStore.SetFiles).
func docETag(out *DocumentJSON) string {
	h := sha256.New()
	for _, f := range out.Files {
		if f.Inspected {
			h.Write([]byte{2})
			for _, k := range f.ActiveContent {
				h.Write([]byte(k))
				h.Write([]byte{0})
			}
		}
	}
	for _, a := range out.AllowedActions {
		h.Write([]byte(a))
		h.Write([]byte{0})
	}
	h.Write([]byte{1})
	for _, u := range out.UnavailableActions {
		h.Write([]byte(u.Action))
		h.Write([]byte{0})
		h.Write([]byte(u.Message))
		h.Write([]byte{0})
	}
	return `"v` + strconv.Itoa(out.Version) + "-" + hex.EncodeToString(h.Sum(nil)[:4]) + `"`
}

// etagVersion is the version a strong tag of docETag's form (or the
// version-only "v3" of before) names; ok is false for any other tag (a
// weak one, another server's).
func etagVersion(tag string) (v int, ok bool) {
	s, found := strings.CutPrefix(tag, `"v`)
	if !found {
		return 0, false
	}
	s, found = strings.CutSuffix(s, `"`)
	if !found {
		return 0, false
	}
	num, hash, hashed := strings.Cut(s, "-")
	if hashed && (len(hash) != 8 || strings.Trim(hash, hexDigits) != "") {
		return 0, false
	}
	v, err := strconv.Atoi(num)
	return v, err == nil && v > 0 && strconv.Itoa(v) == num
}

// namesVersion: one of tags names version v.
func namesVersion(tags []string, v int) bool {
	return slices.ContainsFunc(tags, func(t string) bool { tv, ok := etagVersion(t); return ok && tv == v })
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

// notModified answers 304 to a GET (or HEAD) whose If-None-Match names
// cur, the answer's tag, or is "*" (weak comparison, RFC 9110 13.1.2:
// W/"v3-…" matches; the version alone, "v3", does not); false when the
// document is to be sent.
func notModified(c echo.Context, cur string) (bool, error) {
	tags := etagList(c.Request().Header, "If-None-Match")
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
	if !namesVersion(tags, d.Version) {
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
	if gerr != nil || namesVersion(tags, d.Version) {
		return err
	}
	return stale(d, tags, err)
}

// stale is the 412 of a change whose If-Match tags do not name d's
// version.
func stale(d *workflow.Document, tags []string, cause error) error {
	return workflow.Wrap(workflow.EPRECONDITION, cause,
		"document %s changed: it is at version %d, not the one If-Match names (%s); reload it and retry",
		d.ID, d.Version, strings.Join(tags, ", "))
}
