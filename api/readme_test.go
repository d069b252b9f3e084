package api_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/workflow"
)

// domainCodes returns the values of workflow's error-code constants
// (EINVALID...), read from workflow/errors.go.
func domainCodes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../workflow/errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.HasPrefix(name.Name, "E") {
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, s)
			}
		}
		return true
	})
	if len(out) < 10 {
		t.Fatalf("found %d codes in workflow/errors.go: the test does not read them", len(out))
	}
	return out
}

// answeredErrors returns "STATUS code" for each domain error code as the
// API answers it: a handler that fails with that code, through the
// server's error handler.
func answeredErrors(t *testing.T) map[string]string {
	t.Helper()
	// A route of the server's own Echo (outside the authenticated group),
	// registered while New builds its table of routes.
	fail := func(_ *echo.Group, s *api.Server) {
		s.Echo().GET("/readme-errors/:code", func(c echo.Context) error {
			return workflow.Errorf(c.Param("code"), "a test error")
		})
	}
	srv := api.New(&api.Server{Extra: []func(*echo.Group, *api.Server){fail}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	out := map[string]string{}
	for _, code := range domainCodes(t) {
		rec := httptest.NewRecorder()
		srv.Echo().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readme-errors/"+code, nil))
		var body api.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v: %s", code, err, rec.Body.String())
		}
		out[code] = strconv.Itoa(rec.Code) + " " + body.Error.Code
	}
	return out
}

// TestReadmeErrorTable: the README's table of errors (## API) has one row
// for each status and code the API answers a domain error with, and no
// other; and the codes are those api/openapi.yaml's Error lists.
func TestReadmeErrorTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## API\n")
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| ([1-5][0-9][0-9]) \\| `([a-z_]+)` \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]+" "+m[2]] = true
	}
	answered := map[string]bool{}
	public := map[string]bool{}
	for domain, ans := range answeredErrors(t) {
		answered[ans] = true
		public[strings.Fields(ans)[1]] = true
		if !documented[ans] {
			t.Errorf("the API answers the domain code %s with %s, which README's error table does not list", domain, ans)
		}
	}
	for d := range documented {
		if !answered[d] {
			t.Errorf("README's error table lists %s, which the API answers no domain error with", d)
		}
	}
	enum := apitest.Default(t).Doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum
	var spec []string
	for _, v := range enum {
		spec = append(spec, v.(string))
	}
	for code := range public {
		if !slices.Contains(spec, code) {
			t.Errorf("the API answers the code %s, which openapi.yaml's Error does not list (%v)", code, spec)
		}
	}
	for _, code := range spec {
		if !public[code] {
			t.Errorf("openapi.yaml's Error lists the code %s, which the API never answers", code)
		}
	}
}

// TestReadmeRoutesAreServed: every route the README's API section names
// in its tables (`GET /documents/{id}`, `/healthz`) is an operation of
// api/openapi.yaml (under /api/v1 or as written), which
// TestOpenAPICoversRoutes holds to the served routes.
func TestReadmeRoutesAreServed(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## API\n")
	section, _, _ = strings.Cut(section, "\n## ")
	doc := apitest.Default(t).Doc
	route := regexp.MustCompile("`(?:(GET|POST|PUT|DELETE) )?(/[^` ]*)`")
	n := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.Split(line, "|")[1]
		for _, m := range route.FindAllStringSubmatch(cell, -1) {
			n++
			item := doc.Paths.Value("/api/v1" + m[2])
			if item == nil {
				item = doc.Paths.Value(m[2])
			}
			switch {
			case item == nil:
				t.Errorf("README's API section names %s, which openapi.yaml does not have", m[0])
			case m[1] != "" && item.GetOperation(m[1]) == nil:
				t.Errorf("README's API section names %s; openapi.yaml has no %s on that path", m[0], m[1])
			}
		}
	}
	if n < 15 {
		t.Fatalf("found %d routes in README's API tables: the test does not read them", n)
	}
}
