package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Methods: OPTIONS on a path that has routes answers 204 with Allow (its
// methods, HEAD where it has GET, and OPTIONS), on every route alike; a
// method a path has no route for answers 405 with Allow and the JSON
// error; a path with no route at all is the JSON 404. No CORS header is
// ever sent: the API is not open to other origins' scripts.
//
// Before, Echo answered OPTIONS itself on the routes outside /api/v1 (204,
// Allow without HEAD), but under /api/v1, whose group catches unknown
// paths to answer its JSON 404, OPTIONS and a wrong method were 404.

// routeTable is the routes a server serves: method and path pattern.
type routeTable struct {
	real    map[methodPath]bool
	methods []string // the methods any route has, sorted
	// static are the paths of routes without parameters: such a path is
	// only theirs (POST /users/import's path is not GET /users/{id}'s
	// with the ID "import": GET on it is a 405).
	static map[string]bool
}

type methodPath struct{ method, path string }

func newRouteTable(routes []*echo.Route) routeTable {
	t := routeTable{real: map[methodPath]bool{}, static: map[string]bool{}}
	for _, r := range routes {
		if r.Method == echo.RouteNotFound || r.Method == "" {
			continue
		}
		t.real[methodPath{r.Method, r.Path}] = true
		if !strings.ContainsAny(r.Path, ":*") {
			t.static[r.Path] = true
		}
		if !slices.Contains(t.methods, r.Method) {
			t.methods = append(t.methods, r.Method)
		}
	}
	slices.Sort(t.methods)
	return t
}

// allow returns the methods the request's path is served with, as the
// router finds it for each method, in the order of an Allow header; nil
// when it has none.
func (s *Server) allow(r *http.Request) []string {
	path := echo.GetPath(r)
	var out []string
	for _, m := range s.table.methods {
		c := s.echo.AcquireContext()
		c.Reset(r, nil)
		s.echo.Router().Find(m, path, c)
		found := s.table.serves(m, c.Path(), path)
		s.echo.ReleaseContext(c)
		if found {
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

// serves reports whether method m's route of pattern serves path: a
// route of the table, and the path's own when a route has it as its
// static path.
func (t routeTable) serves(m, pattern, path string) bool {
	return t.real[methodPath{m, pattern}] && (pattern == path || !t.static[path])
}

// methods is the middleware of Methods: it answers OPTIONS, and a method
// the matched path has no route for, before any handler or authentication.
func (s *Server) methods(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		if m != http.MethodOptions && s.table.serves(m, c.Path(), echo.GetPath(r)) {
			return next(c)
		}
		allow := s.allow(r)
		if allow == nil {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Allow", strings.Join(allow, ", "))
		if m == http.MethodOptions {
			return c.NoContent(http.StatusNoContent)
		}
		return echo.NewHTTPError(http.StatusMethodNotAllowed, "this path takes "+strings.Join(allow, ", ")+", not "+r.Method)
	}
}
