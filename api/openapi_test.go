package api_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
)

// allRoutes builds a server with every optional subsystem's routes
// registered (the services are never called) and returns "METHOD /path"
// with {param} placeholders, for the routes of the HTTP API: /api/... and
// the system routes. Routes elsewhere (a web UI) are not API operations.
func allRoutes(t *testing.T) map[string]bool {
	t.Helper()
	srv := api.New(&api.Server{Extra: []func(*echo.Group, *api.Server){api.ArchiveRoutes(nil), api.ExchangeRoutes(nil)}}, nil)
	param := regexp.MustCompile(`:([a-z_]+)`)
	out := map[string]bool{}
	for _, r := range srv.Echo().Routes() {
		if r.Method == echo.RouteNotFound || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		if !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/pki/") && r.Path != "/healthz" && r.Path != "/readyz" && r.Path != "/metrics" {
			continue
		}
		out[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	return out
}

// TestOpenAPICoversRoutes fails when a route is served but not in
// openapi.yaml, or documented but not served.
func TestOpenAPICoversRoutes(t *testing.T) {
	spec := apitest.Default(t)
	documented := map[string]bool{}
	for path, item := range spec.Doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	served := allRoutes(t)
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is served but not in openapi.yaml", r)
	}
	for _, r := range extra {
		t.Errorf("operation %s is in openapi.yaml but not served", r)
	}
	if len(served) < 30 {
		t.Fatalf("only %d routes found", len(served))
	}
}

// TestOpenAPIOperations checks what kin-openapi's validation does not:
// every operation has a unique operationId, a summary and a success
// answer, every error answer is the shared Error object, and every JSON
// body has a schema.
func TestOpenAPIOperations(t *testing.T) {
	spec := apitest.Default(t)
	errSchema := spec.Doc.Components.Schemas["Error"]
	if errSchema == nil {
		t.Fatal("components/schemas/Error is missing")
	}
	ids := map[string]string{}
	for path, item := range spec.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %s already used by %s", where, op.OperationID, prev)
			}
			ids[op.OperationID] = where
			if op.Summary == "" {
				t.Errorf("%s: no summary", where)
			}
			var ok2xx, has4xx bool
			for status, ref := range op.Responses.Map() {
				resp := ref.Value
				switch {
				case status[0] == '2':
					ok2xx = true
				case status[0] == '4' || status[0] == '5':
					has4xx = has4xx || status[0] == '4'
					mt := resp.Content.Get("application/json")
					if mt == nil || mt.Schema == nil || mt.Schema.Value != errSchema.Value {
						t.Errorf("%s %s: error answer is not application/json with schema Error", where, status)
					}
				}
				for ct, mt := range resp.Content {
					if mt.Schema == nil {
						t.Errorf("%s %s %s: no schema", where, status, ct)
					}
				}
			}
			if !ok2xx && !(method == http.MethodDelete && strings.HasPrefix(path, "/api/v1/archive/")) {
				t.Errorf("%s: no 2xx answer", where)
			}
			if !has4xx && strings.HasPrefix(path, "/api/") && path != "/api/v1/openapi.yaml" {
				t.Errorf("%s: no 4xx answer", where)
			}
			if _, ok := op.Responses.Map()["500"]; !ok {
				t.Errorf("%s: no 500 answer", where)
			}
			if rb := op.RequestBody; rb != nil {
				for ct, mt := range rb.Value.Content {
					if mt.Schema == nil {
						t.Errorf("%s: request %s has no schema", where, ct)
					}
				}
			}
		}
	}
}

// TestOpenAPIServedIsTheFile: GET /api/v1/openapi.yaml answers the bytes
// of api/openapi.yaml.
func TestOpenAPIServedIsTheFile(t *testing.T) {
	f := newFixture(t, 1<<20)
	rec := f.do(t, "", "GET", "/api/v1/openapi.yaml", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	file, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), file) {
		t.Fatalf("served document (%d bytes) differs from api/openapi.yaml (%d bytes)", rec.Body.Len(), len(file))
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Fatalf("Content-Type %q", ct)
	}
}

// TestOpenAPIRedoclyLint runs Redocly's linter (recommended rules) on the
// document: no errors allowed. scripts/setup/openapi.sh installs it.
func TestOpenAPIRedoclyLint(t *testing.T) {
	bin := os.Getenv("VANTHU_REDOCLY")
	if bin == "" {
		t.Skip("VANTHU_REDOCLY is not set (path of the redocly CLI; scripts/setup/openapi.sh installs it)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "lint", "--format=stylish", "openapi.yaml")
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
	t.Logf("redocly lint:\n%s", out)
}

// TestOpenAPIPasswordChangeRequired: every operation behind the bearer
// token, but the password change, logout and GET /auth/me, may answer 403
// password_change_required (a user whose password an admin set), and the
// document says so.
func TestOpenAPIPasswordChangeRequired(t *testing.T) {
	spec := apitest.Default(t)
	allowed := map[string]bool{"POST /api/v1/auth/password": true, "POST /api/v1/auth/logout": true, "GET /api/v1/auth/me": true}
	n := 0
	for path, item := range spec.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if !strings.HasPrefix(path, "/api/v1/") || allowed[where] || op.Security != nil && len(*op.Security) == 0 {
				continue
			}
			n++
			ref := op.Responses.Status(http.StatusForbidden)
			if ref == nil || ref.Value == nil {
				t.Errorf("%s: no 403 answer, yet a user who must change their password gets 403 password_change_required", where)
				continue
			}
			codes, _ := ref.Value.Extensions["x-error-codes"].([]any)
			found := false
			for _, c := range codes {
				found = found || c == "password_change_required"
			}
			if !found {
				t.Errorf("%s: 403 allows codes %v, not password_change_required", where, codes)
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d operations behind the token: the test reads the document wrong", n)
	}
}
