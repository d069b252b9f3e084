package web

import (
	"net/http"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// Methods: the interface's pages answer as the API does (api/methods.go):
// OPTIONS on a path that has pages is 204 with Allow (its methods, HEAD
// where it has GET, and OPTIONS); a method such a path does not take is
// 405 with that Allow and the Vietnamese error page; a path with no page
// is the 404 page. Before, the catch-all "/" pattern (the 404 page) took
// every request no page's pattern took, whatever its path: OPTIONS and a
// wrong method on a real page were 404, without Allow. Neither reaches a
// page's handler, so a form's CSRF check (session.go) is as before: a POST
// to a page that takes POST still needs its token.

// EMETHOD is the web's own code for a method a page does not take.
const EMETHOD = "method_not_allowed"

// pageMethods are the methods pages are registered with, in the order of
// an Allow header (HEAD follows GET; OPTIONS ends it).
var pageMethods = []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut}

// allow returns the methods r's path is served with, as the mux finds a
// page for each; nil when it has none (only the catch-all takes it).
func (u *UI) allow(r *http.Request) []string {
	var out []string
	for _, m := range pageMethods {
		probe := *r
		probe.Method = m
		if _, pattern := u.mux.Handler(&probe); pattern != "" && pattern != notFoundPattern {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	if out == nil {
		return nil
	}
	return append(out, http.MethodOptions)
}

// notFoundPattern is the catch-all's pattern: what no page takes.
const notFoundPattern = "/"

// handleUnrouted answers what no page's pattern takes (the catch-all).
func (u *UI) handleUnrouted(w http.ResponseWriter, r *http.Request) {
	allow := u.allow(r)
	if allow == nil {
		u.renderError(w, r, u.signedIn(r), workflow.Errorf(workflow.ENOTFOUND, "no page %s", r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	u.renderError(w, r, u.signedIn(r), &webError{EMETHOD, r.URL.Path + " takes " + strings.Join(allow, ", ") + ", not " + r.Method})
}
