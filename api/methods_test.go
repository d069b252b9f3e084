package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
)

// TestMethodsEveryRoute walks the routes the server registers (a new
// route is covered without a change here): OPTIONS answers 204 with an
// Allow header listing the path's methods, HEAD where it has GET, and
// OPTIONS, with no token and no CORS header even to a preflight; a
// method the path does not take is 405 with the same Allow and the JSON
// error; OPTIONS on a path with no route is the JSON 404. Before, every
// path under /api/v1 answered OPTIONS and a wrong method with 404, and
// the others an Allow without HEAD.
func TestMethodsEveryRoute(t *testing.T) {
	srv := api.New(&api.Server{Extra: []func(*echo.Group, *api.Server){api.ArchiveRoutes(nil), api.ExchangeRoutes(nil)}}, nil)
	h := apitest.Validating(t, srv)
	byPath := map[string][]string{}
	for _, r := range srv.Echo().Routes() {
		if r.Method != echo.RouteNotFound && !slices.Contains(byPath[r.Path], r.Method) {
			byPath[r.Path] = append(byPath[r.Path], r.Method)
		}
	}
	if len(byPath) < 40 {
		t.Fatalf("%d paths registered: the walk sees too few", len(byPath))
	}
	do := func(method, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for k := range rec.Header() {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s %s: answer carries %s", method, path, k)
			}
		}
		return rec
	}
	for pattern, methods := range byPath {
		path := concretePath(pattern)
		want := allowOf(methods)
		rec := do(http.MethodOptions, path)
		if rec.Code != http.StatusNoContent || rec.Header().Get("Allow") != want || rec.Body.Len() != 0 {
			t.Errorf("OPTIONS %s (%s): %d, Allow %q, want 204 with %q; body %q", path, pattern, rec.Code, rec.Header().Get("Allow"), want, rec.Body)
		}
		for _, m := range []string{http.MethodDelete, http.MethodPatch, http.MethodPut, http.MethodPost} {
			if slices.Contains(methods, m) {
				continue
			}
			rec := do(m, path)
			var e struct {
				Error struct{ Code, Message string }
			}
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != want || e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("%s %s: %d, Allow %q, body %q; want 405 with Allow %q and the JSON error", m, path, rec.Code, rec.Header().Get("Allow"), rec.Body, want)
			}
			break
		}
	}
	for _, path := range []string{"/khong-co", "/api/v1/khong-co", "/api/v1/documents/x1/khong-co", "/pki/khong-co"} {
		rec := do(http.MethodOptions, path)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
			t.Errorf("OPTIONS %s: %d %q, want the JSON 404", path, rec.Code, rec.Body)
		}
	}
}

// concretePath is a path that a route pattern matches: each parameter
// and wildcard an ordinary value.
func concretePath(pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || s == "*" {
			segs[i] = "x1"
		}
	}
	return strings.Join(segs, "/")
}

// allowOf is the Allow header of a path with methods.
func allowOf(methods []string) string {
	var out []string
	for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut} {
		if slices.Contains(methods, m) {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return strings.Join(append(out, http.MethodOptions), ", ")
}
